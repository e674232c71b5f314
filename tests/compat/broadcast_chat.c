/*
 * A WebSocket chat with an operator console: every line typed on stdin is
 * broadcast to all WebSocket clients from a reader thread (mg_broadcast),
 * and every message a client sends goes to all the other clients.
 *
 *   broadcast_chat ADDRESS
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;
static struct mg_mgr s_mgr;

static void on_signal(int sig) { s_exit_flag = sig; }

/* Runs on the poll thread, once per connection. */
static void send_to_ws(struct mg_connection *nc, int ev, void *ev_data) {
  const char *line = (const char *) ev_data;
  if (ev == MG_EV_POLL && (nc->flags & MG_F_IS_WEBSOCKET)) {
    mg_printf_websocket_frame(nc, WEBSOCKET_OP_TEXT, "[operator] %s", line);
  }
}

static void *console_thread(void *param) {
  char line[512];
  (void) param;
  while (fgets(line, sizeof(line), stdin) != NULL) {
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    if (n == 0) continue;
    mg_broadcast(&s_mgr, send_to_ws, line, n + 1);
  }
  return NULL;
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE: {
      char addr[48];
      mg_conn_addr_to_str(nc, addr, sizeof(addr),
                          MG_SOCK_STRINGIFY_REMOTE | MG_SOCK_STRINGIFY_IP |
                              MG_SOCK_STRINGIFY_PORT);
      printf("joined: %s\n", addr);
      fflush(stdout);
      mg_printf_websocket_frame(nc, WEBSOCKET_OP_TEXT, "welcome");
      break;
    }
    case MG_EV_WEBSOCKET_FRAME: {
      struct websocket_message *wm = (struct websocket_message *) ev_data;
      struct mg_connection *c;
      for (c = mg_next(nc->mgr, NULL); c != NULL; c = mg_next(nc->mgr, c)) {
        if (c == nc || !(c->flags & MG_F_IS_WEBSOCKET)) continue;
        mg_send_websocket_frame(c, WEBSOCKET_OP_TEXT, wm->data, wm->size);
      }
      break;
    }
    case MG_EV_HTTP_REQUEST:
      mg_http_send_error(nc, 404, NULL);
      break;
    default:
      break;
  }
}

int main(int argc, char *argv[]) {
  struct mg_connection *nc;
  const char *addr = argc > 1 ? argv[1] : "127.0.0.1:8000";

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  mg_mgr_init(&s_mgr, NULL);
  if ((nc = mg_bind(&s_mgr, addr, ev_handler)) == NULL) {
    fprintf(stderr, "Cannot bind to %s\n", addr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  mg_start_thread(console_thread, NULL);
  printf("chat on ws://%s/, type to broadcast\n", addr);
  fflush(stdout);
  while (!s_exit_flag) mg_mgr_poll(&s_mgr, 1000);
  mg_mgr_free(&s_mgr);
  return 0;
}
