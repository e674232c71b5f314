/*
 * A TCP echo server: every byte a client sends comes back.
 *
 *   build/examples/echo_server [ADDRESS]      (default 127.0.0.1:8000)
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "mongoose.h"

static volatile sig_atomic_t s_signo;

static void on_signal(int signo) { s_signo = signo; }

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct mbuf *io = &nc->recv_mbuf;
  (void) ev_data;
  switch (ev) {
    case MG_EV_RECV:
      mg_send(nc, io->buf, io->len);
      mbuf_remove(io, io->len);
      break;
    default:
      break;
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  const char *address = argc > 1 ? argv[1] : "127.0.0.1:8000";
  const char *err = NULL;
  struct mg_bind_opts opts = {NULL, 0, &err, NULL};

  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  mg_mgr_init(&mgr, NULL);
  if (mg_bind_opt(&mgr, address, ev_handler, opts) == NULL) {
    /* The error string is one of Mongoose 6's fixed texts; the system's
     * reason for a listener that failed to open is in errno. */
    int e = errno;
    if (err != NULL && strcmp(err, "failed to open listener") == 0) {
      fprintf(stderr, "cannot listen on %s: %s: %s\n", address, err, strerror(e));
    } else {
      fprintf(stderr, "cannot listen on %s: %s\n", address, err);
    }
    mg_mgr_free(&mgr);
    return 1;
  }
  printf("echo server on %s\n", address);
  fflush(stdout);
  while (s_signo == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
