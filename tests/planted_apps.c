/*
 * planted_apps.c - mgsim with apps that have a bug planted on purpose, for
 * ci/check-explore.sh: `mgsim explore --as ROLE=APP` must find each within
 * a bounded number of seeds, and `mgsim shrink` bring the failure down to
 * a few lines. The bugs are the apps' own, never the engine's:
 *
 *   echo-drop7     an echo that drops one byte when a read ends exactly 7
 *                  bytes into a line
 *   http-twice     an HTTP server that answers the second request on a
 *                  connection twice
 *   ws-ping-frag   a WebSocket echo that, after a control frame, echoes the
 *                  next message with the control frame's opcode
 *   timer-leak     a ticker that frees its state on its last tick only, so
 *                  one still ticking when mg_mgr_free closes it leaks (found
 *                  by the leak check of the ASan build, mgsim-planted-asan)
 *
 * Built as build/mgsim-planted and build/mgsim-planted-asan (the Makefile),
 * otherwise mgsim itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"

/* ---- echo-drop7 ----------------------------------------------------------- */

static void echo_drop7(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_RECV) {
    struct mbuf *io = &nc->recv_mbuf;
    size_t n = io->len, line = n;
    while (line > 0 && io->buf[line - 1] != '\n') line--;
    /* Seven bytes into a line, the read loses its last byte. */
    if (line > 0 && n - line == 7) n--;
    mg_send(nc, io->buf, (int) n);
    mbuf_remove(io, io->len);
  }
}

/* ---- http-twice ------------------------------------------------------------ */

static void http_twice(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) {
    intptr_t seen = (intptr_t) nc->user_data + 1;
    int i;
    nc->user_data = (void *) seen;
    for (i = 0; i < (seen == 2 ? 2 : 1); i++) {
      mg_send_head(nc, 200, 3, "Content-Type: text/plain");
      mg_send(nc, "ok\n", 3);
    }
  }
}

/* ---- ws-ping-frag ---------------------------------------------------------- */

static void ws_ping_frag(struct mg_connection *nc, int ev, void *ev_data) {
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  if (ev == MG_EV_WEBSOCKET_CONTROL_FRAME) {
    nc->user_data = (void *) (intptr_t) (wm->flags & 0x0f);
  } else if (ev == MG_EV_WEBSOCKET_FRAME) {
    int op = nc->user_data != NULL ? (int) (intptr_t) nc->user_data : wm->flags & 0x0f;
    mg_send_websocket_frame(nc, op, wm->data, wm->size);
    nc->user_data = NULL;
  }
}

/* ---- timer-leak ------------------------------------------------------------ */

struct ticker {
  double every;
  long left;
};

static void timer_leak(struct mg_connection *nc, int ev, void *ev_data) {
  struct ticker *t = (struct ticker *) nc->user_data;
  if (ev == MG_EV_TIMER) {
    if (--t->left == 0) {
      free(t);
      nc->user_data = NULL;
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    } else {
      mg_set_timer(nc, *(double *) ev_data + t->every);
    }
  }
}

/* app timer-leak EVERY COUNT [CONNS], as the timer app takes them. */
static int start_timer_leak(struct mg_mgr *mgr, int argc, char **argv, char *err,
                            size_t errlen) {
  char *unit = NULL;
  double us = argc > 0 ? strtod(argv[0], &unit) : 0;
  long count, conns = argc > 2 ? atol(argv[2]) : 1, i;
  if (unit != NULL && strcmp(unit, "ms") == 0) us *= 1e3;
  if (unit != NULL && strcmp(unit, "s") == 0) us *= 1e6;
  if (argc < 2 || us <= 0 || unit == NULL ||
      (strcmp(unit, "us") != 0 && strcmp(unit, "ms") != 0 && strcmp(unit, "s") != 0) ||
      (count = atol(argv[1])) <= 0 || conns <= 0 || conns > 1000) {
    snprintf(err, errlen, "usage: app timer-leak EVERY COUNT [CONNS]");
    return -1;
  }
  if (mgr == NULL) return 0;
  for (i = 0; i < conns; i++) {
    struct ticker *t = (struct ticker *) calloc(1, sizeof(*t));
    struct mg_connection *nc;
    if (t == NULL || (nc = mg_add_sock(mgr, INVALID_SOCKET, timer_leak)) == NULL) {
      free(t);
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    t->every = us / 1e6;
    t->left = count;
    nc->user_data = t;
    mg_set_timer(nc, mg_time() + t->every);
  }
  return 0;
}

/* ---- starting them ------------------------------------------------------- */

static int listen_app(struct mg_mgr *mgr, int argc, char **argv, char *err, size_t errlen,
                      const char *name, mg_event_handler_t handler, int http) {
  struct mg_connection *nc;
  if (argc < 1) {
    snprintf(err, errlen, "usage: app %s ADDRESS%s", name, http ? " [ROOT]" : "");
    return -1;
  }
  if (mgr == NULL) return 0;
  if ((nc = mg_bind(mgr, argv[0], handler)) == NULL) {
    snprintf(err, errlen, "cannot listen on %s", argv[0]);
    return -1;
  }
  if (http) mg_set_protocol_http_websocket(nc);
  return 0;
}

static int start_echo_drop7(struct mg_mgr *mgr, int argc, char **argv, char *err,
                            size_t errlen) {
  return listen_app(mgr, argc, argv, err, errlen, "echo-drop7", echo_drop7, 0);
}

static int start_http_twice(struct mg_mgr *mgr, int argc, char **argv, char *err,
                            size_t errlen) {
  return listen_app(mgr, argc, argv, err, errlen, "http-twice", http_twice, 1);
}

static int start_ws_ping_frag(struct mg_mgr *mgr, int argc, char **argv, char *err,
                              size_t errlen) {
  return listen_app(mgr, argc, argv, err, errlen, "ws-ping-frag", ws_ping_frag, 1);
}

int main(int argc, char **argv) {
  scn_register_app("echo-drop7", start_echo_drop7);
  scn_register_app("http-twice", start_http_twice);
  scn_register_app("ws-ping-frag", start_ws_ping_frag);
  scn_register_app("timer-leak", start_timer_leak);
  return mgsim_main(argc, argv);
}
