/*
 * A debugging TCP server: binds an ephemeral port (port 0), prints the port
 * it got, and answers whatever a client sends with a hex dump of it. Each
 * connection and each chunk of data is logged with the peer's address.
 * With a second argument the manager's traffic log (hexdump_file) is
 * enabled as well.
 *
 *   hexdump_server [IP [TRAFFIC_LOG]]      (IP defaults to 127.0.0.1)
 *
 * First line of output: "listening on IP:PORT".
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;

static void on_signal(int sig) { s_exit_flag = sig; }

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  char peer[64];
  mg_conn_addr_to_str(nc, peer, sizeof(peer),
                      MG_SOCK_STRINGIFY_REMOTE | MG_SOCK_STRINGIFY_IP |
                          MG_SOCK_STRINGIFY_PORT);
  switch (ev) {
    case MG_EV_ACCEPT: {
      char local[64];
      mg_conn_addr_to_str(nc, local, sizeof(local),
                          MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
      printf("accepted %s on %s\n", peer, local);
      break;
    }
    case MG_EV_RECV: {
      struct mbuf *io = &nc->recv_mbuf;
      int len = (int) io->len, size = len * 5 + 100;
      char *dump = (char *) malloc((size_t) size);
      int n = mg_hexdump(io->buf, len, dump, size);
      printf("%d bytes from %s:\n%s", *(int *) ev_data, peer, dump);
      mg_printf(nc, "%d bytes:\n", len);
      mg_send(nc, dump, n);
      mbuf_remove(io, io->len);
      free(dump);
      break;
    }
    case MG_EV_CLOSE:
      if (!(nc->flags & MG_F_LISTENING)) printf("closed %s\n", peer);
      break;
    default:
      break;
  }
  fflush(stdout);
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  char addr[64], bound[64];

  snprintf(addr, sizeof(addr), "tcp://%s:0", argc > 1 ? argv[1] : "127.0.0.1");
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  mg_mgr_init(&mgr, NULL);
  if (argc > 2) mgr.hexdump_file = argv[2];
  if ((nc = mg_bind(&mgr, addr, ev_handler)) == NULL) {
    fprintf(stderr, "Cannot bind to %s\n", addr);
    return EXIT_FAILURE;
  }
  mg_sock_addr_to_str(&nc->sa, bound, sizeof(bound),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  printf("listening on %s\n", bound);
  printf("port %d\n", (int) ntohs(nc->sa.sin.sin_port));
  fflush(stdout);
  while (!s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
