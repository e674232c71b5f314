/*
 * A UDP echo server: every datagram goes back to its sender unchanged.
 *
 *   udp_echo PORT       (binds udp://127.0.0.1:PORT)
 *
 * Built with MG_EXAMPLE_APP it is the scenario app "udp-echo ADDRESS".
 */
#include "mongoose.h"

static unsigned long s_count;
static int s_quiet; /* as a scenario app: the trace tells what happened */


static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct mbuf *io = &nc->recv_mbuf;
  char peer[64];
  (void) ev_data;

  if (ev != MG_EV_RECV) return;
  mg_sock_addr_to_str(&nc->sa, peer, sizeof(peer),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  ++s_count;
  if (!s_quiet) {
    printf("datagram %lu from %s: %" SIZE_T_FMT " bytes\n", s_count, peer, io->len);
    fflush(stdout);
  }
  mg_send(nc, io->buf, (int) io->len);
  mbuf_remove(io, io->len);
}

#ifdef MG_EXAMPLE_APP
int udp_echo_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                 size_t errlen);
int udp_echo_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                 size_t errlen) {
  if (argc != 1) {
    snprintf(err, errlen, "usage: app udp-echo ADDRESS");
    return -1;
  }
  if (mgr == NULL) return 0;
  s_quiet = 1;
  s_count = 0; /* each scenario run counts its own datagrams */
  if (mg_bind(mgr, argv[0], ev_handler) == NULL) {
    snprintf(err, errlen, "cannot listen on %s", argv[0]);
    return -1;
  }
  return 0;
}
#else
static volatile sig_atomic_t s_exit_flag;

static void on_signal(int sig) { s_exit_flag = sig; }

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
#endif
