/*
 * A WebSocket chat: every message one client sends reaches every other
 * client; the page in the document root is the chat's user interface.
 *
 *   build/examples/websocket_chat [ADDRESS [DOCUMENT_ROOT [echo]]]
 *   (default 127.0.0.1:8000 and examples/web_root)
 *
 * With "echo" as a third argument (or as mgsim's ws-echo app), each client
 * gets its own messages back instead.
 *
 * The chat's settings travel with its connections: the listener's
 * user_data, which every connection it accepts inherits. One program can
 * run several chats, each with its own room.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "mongoose.h"

struct chat {
  struct mg_serve_http_opts http_opts;
  int echo;
};

static int is_websocket(const struct mg_connection *nc) {
  return nc->flags & MG_F_IS_WEBSOCKET;
}

/* To the other members of the sender's chat. */
static void broadcast(struct mg_connection *from, const char *msg, size_t len) {
  struct mg_connection *c;
  for (c = mg_next(from->mgr, NULL); c != NULL; c = mg_next(from->mgr, c)) {
    if (c != from && c->user_data == from->user_data && is_websocket(c)) {
      mg_send_websocket_frame(c, WEBSOCKET_OP_TEXT, msg, len);
    }
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct chat *chat = (struct chat *) nc->user_data;
  switch (ev) {
    case MG_EV_HTTP_REQUEST:
      mg_serve_http(nc, (struct http_message *) ev_data, chat->http_opts);
      break;
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE:
      if (!chat->echo) broadcast(nc, "+++ joined", 10);
      break;
    case MG_EV_WEBSOCKET_FRAME: {
      struct websocket_message *wm = (struct websocket_message *) ev_data;
      if (chat->echo) {
        mg_send_websocket_frame(nc, wm->flags & 0x0f, wm->data, wm->size);
      } else {
        broadcast(nc, (const char *) wm->data, wm->size);
      }
      break;
    }
    case MG_EV_CLOSE:
      if (is_websocket(nc) && !chat->echo) broadcast(nc, "--- left", 8);
      break;
    default:
      break;
  }
}

#ifdef MG_EXAMPLE_APP
/* mgsim's "app ws-chat ADDRESS" and "app ws-echo ADDRESS": the same
 * handler, with a chat of its own for each app line, freed when the last
 * of its connections (the listener or one it accepted) has closed. */
struct chat_app {
  struct chat chat; /* first: it is the connections' user_data */
  long conns;
};

static void app_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct chat_app *app = (struct chat_app *) nc->user_data;
  ev_handler(nc, ev, ev_data);
  if (ev == MG_EV_ACCEPT) app->conns++;
  if (ev == MG_EV_CLOSE && --app->conns == 0) free(app);
}

static int start(struct mg_mgr *mgr, int argc, char **argv, char *err,
                 size_t errlen, int echo) {
  struct chat_app *app;
  struct mg_bind_opts opts;
  struct mg_connection *nc;
  if (argc != 1) {
    snprintf(err, errlen, "usage: app %s ADDRESS", echo ? "ws-echo" : "ws-chat");
    return -1;
  }
  if (mgr == NULL) return 0;
  if ((app = (struct chat_app *) calloc(1, sizeof(*app))) == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  app->chat.echo = echo;
  app->chat.http_opts.document_root = ".";
  /* A listing of whatever directory mgsim runs in would differ between
   * checkouts, and traces must not. */
  app->chat.http_opts.enable_directory_listing = "no";
  app->conns = 1;
  memset(&opts, 0, sizeof(opts));
  opts.user_data = app;
  if ((nc = mg_bind_opt(mgr, argv[0], app_handler, opts)) == NULL) {
    free(app);
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
  struct mg_bind_opts bind_opts;
  struct chat chat;
  const char *address = argc > 1 ? argv[1] : "127.0.0.1:8000";

  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);
  memset(&chat, 0, sizeof(chat));
  chat.http_opts.document_root = argc > 2 ? argv[2] : "examples/web_root";
  chat.echo = argc > 3 && strcmp(argv[3], "echo") == 0;
  mg_mgr_init(&mgr, NULL);
  memset(&bind_opts, 0, sizeof(bind_opts));
  bind_opts.user_data = &chat;
  if ((nc = mg_bind_opt(&mgr, address, ev_handler, bind_opts)) == NULL) {
    fprintf(stderr, "cannot listen on %s\n", address);
    return 1;
  }
  mg_set_protocol_http_websocket(nc);
  printf("chat on http://%s/ (%s)\n", address, chat.echo ? "echo" : "broadcast");
  fflush(stdout);
  while (s_signo == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
#endif
