/*
 * A WebSocket chat: every message one client sends reaches every other
 * client; the page in the document root is the chat's user interface.
 *
 *   build/examples/websocket_chat [ADDRESS [DOCUMENT_ROOT]]
 *   (default 127.0.0.1:8000 and examples/web_root)
 *
 * With "echo" as a third argument (or as mgsim's ws-echo app), each client
 * gets its own messages back instead.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "mongoose.h"

static struct mg_serve_http_opts s_http_server_opts;
static int s_echo;

static int is_websocket(const struct mg_connection *nc) {
  return nc->flags & MG_F_IS_WEBSOCKET;
}

static void broadcast(struct mg_connection *from, const char *msg, size_t len) {
  struct mg_connection *c;
  for (c = mg_next(from->mgr, NULL); c != NULL; c = mg_next(from->mgr, c)) {
    if (c != from && is_websocket(c)) {
      mg_send_websocket_frame(c, WEBSOCKET_OP_TEXT, msg, len);
    }
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_HTTP_REQUEST:
      mg_serve_http(nc, (struct http_message *) ev_data, s_http_server_opts);
      break;
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE:
      if (!s_echo) broadcast(nc, "+++ joined", 10);
      break;
    case MG_EV_WEBSOCKET_FRAME: {
      struct websocket_message *wm = (struct websocket_message *) ev_data;
      if (s_echo) {
        mg_send_websocket_frame(nc, wm->flags & 0x0f, wm->data, wm->size);
      } else {
        broadcast(nc, (const char *) wm->data, wm->size);
      }
      break;
    }
    case MG_EV_CLOSE:
      if (is_websocket(nc) && !s_echo) broadcast(nc, "--- left", 8);
      break;
    default:
      break;
  }
}

#ifdef MG_EXAMPLE_APP
/* mgsim's "app ws-chat ADDRESS" and "app ws-echo ADDRESS". */
static int start(struct mg_mgr *mgr, int argc, char **argv, char *err,
                 size_t errlen, int echo) {
  struct mg_connection *nc;
  if (argc != 1) {
    snprintf(err, errlen, "usage: app %s ADDRESS", echo ? "ws-echo" : "ws-chat");
    return -1;
  }
  if (mgr == NULL) return 0;
  s_echo = echo;
  s_http_server_opts.document_root = ".";
  /* A listing of whatever directory mgsim runs in would differ between
   * checkouts, and traces must not. */
  s_http_server_opts.enable_directory_listing = "no";
  if ((nc = mg_bind(mgr, argv[0], ev_handler)) == NULL) {
    snprintf(err, errlen, "cannot listen on %s", argv[0]);
    return -1;
  }
  mg_set_protocol_http_websocket(nc);
  return 0;
}
int websocket_chat_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                       size_t errlen);
int websocket_chat_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                       size_t errlen) {
  return start(mgr, argc, argv, err, errlen, 0);
}
int websocket_echo_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                       size_t errlen);
int websocket_echo_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                       size_t errlen) {
  return start(mgr, argc, argv, err, errlen, 1);
}
#else
static volatile sig_atomic_t s_signo;
static void on_signal(int signo) { s_signo = signo; }

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  const char *address = argc > 1 ? argv[1] : "127.0.0.1:8000";

  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);
  s_http_server_opts.document_root = argc > 2 ? argv[2] : "examples/web_root";
  s_echo = argc > 3 && strcmp(argv[3], "echo") == 0;
  mg_mgr_init(&mgr, NULL);
  if ((nc = mg_bind(&mgr, address, ev_handler)) == NULL) {
    fprintf(stderr, "cannot listen on %s\n", address);
    return 1;
  }
  mg_set_protocol_http_websocket(nc);
  printf("chat on http://%s/ (%s)\n", address, s_echo ? "echo" : "broadcast");
  fflush(stdout);
  while (s_signo == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
#endif
