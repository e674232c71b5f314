/*
 * A UDP echo server: every datagram goes back to its sender unchanged.
 *
 *   udp_echo PORT       (binds udp://127.0.0.1:PORT)
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;
static unsigned long s_count;

static void on_signal(int sig) { s_exit_flag = sig; }

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct mbuf *io = &nc->recv_mbuf;
  char peer[64];
  (void) ev_data;

  if (ev != MG_EV_RECV) return;
  mg_sock_addr_to_str(&nc->sa, peer, sizeof(peer),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  printf("datagram %lu from %s: %" SIZE_T_FMT " bytes\n", ++s_count, peer,
         io->len);
  fflush(stdout);
  mg_send(nc, io->buf, (int) io->len);
  mbuf_remove(io, io->len);
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  char addr[64];

  if (argc != 2) {
    fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return EXIT_FAILURE;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  snprintf(addr, sizeof(addr), "udp://127.0.0.1:%s", argv[1]);
  mg_mgr_init(&mgr, NULL);
  if (mg_bind(&mgr, addr, ev_handler) == NULL) {
    fprintf(stderr, "Cannot bind to %s\n", addr);
    return EXIT_FAILURE;
  }
  printf("udp echo on %s\n", addr);
  fflush(stdout);
  while (!s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
