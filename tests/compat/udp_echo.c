/*
 * A UDP echo server: every datagram goes back to its sender unchanged.
 *
 *   udp_echo PORT       (binds udp://127.0.0.1:PORT)
 *
 * Built with MG_EXAMPLE_APP it is the scenario app "udp-echo ADDRESS".
 *
 * The server's count and settings are the listener's user_data, which the
 * connection each peer gets inherits.
 */
#include "mongoose.h"

struct echo_server {
  unsigned long count;
  int quiet; /* as a scenario app: the trace tells what happened */
};

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct echo_server *server = (struct echo_server *) nc->user_data;
  struct mbuf *io = &nc->recv_mbuf;
  char peer[64];
  (void) ev_data;

  if (ev != MG_EV_RECV) return;
  mg_sock_addr_to_str(&nc->sa, peer, sizeof(peer),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  ++server->count;
  if (!server->quiet) {
    printf("datagram %lu from %s: %" SIZE_T_FMT " bytes\n", server->count, peer, io->len);
    fflush(stdout);
  }
  mg_send(nc, io->buf, (int) io->len);
  mbuf_remove(io, io->len);
}

#ifdef MG_EXAMPLE_APP
/* Each app line is a server of its own, freed when the last of its
 * connections (the listener or a peer's) has closed. */
struct echo_app {
  struct echo_server server; /* first: it is the connections' user_data */
  long conns;
};

static void app_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct echo_app *app = (struct echo_app *) nc->user_data;
  ev_handler(nc, ev, ev_data);
  if (ev == MG_EV_ACCEPT) app->conns++;
  if (ev == MG_EV_CLOSE && --app->conns == 0) free(app);
}

int udp_echo_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                 size_t errlen);
int udp_echo_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                 size_t errlen) {
  struct echo_app *app;
  struct mg_bind_opts opts;

  if (argc != 1) {
    snprintf(err, errlen, "usage: app udp-echo ADDRESS");
    return -1;
  }
  if (mgr == NULL) return 0;
  if ((app = (struct echo_app *) calloc(1, sizeof(*app))) == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  app->server.quiet = 1;
  app->conns = 1;
  memset(&opts, 0, sizeof(opts));
  opts.user_data = app;
  if (mg_bind_opt(mgr, argv[0], app_handler, opts) == NULL) {
    free(app);
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
  struct mg_bind_opts opts;
  struct echo_server server;
  char addr[64];

  if (argc != 2) {
    fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return EXIT_FAILURE;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  snprintf(addr, sizeof(addr), "udp://127.0.0.1:%s", argv[1]);
  mg_mgr_init(&mgr, NULL);
  memset(&server, 0, sizeof(server));
  memset(&opts, 0, sizeof(opts));
  opts.user_data = &server;
  if (mg_bind_opt(&mgr, addr, ev_handler, opts) == NULL) {
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
