/*
 * A WebSocket echo service on an endpoint: connections to /echo are
 * upgraded, and every data frame comes back with the same opcode; an
 * upgrade anywhere else is refused with a 403. Pings
 * are answered by the library; this program only logs them. Plain HTTP
 * requests get a short text page.
 *
 *   websocket_echo_server ADDRESS
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;

static void on_signal(int sig) { s_exit_flag = sig; }

static void echo_handler(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_WEBSOCKET_HANDSHAKE_REQUEST: {
      struct http_message *hm = (struct http_message *) ev_data;
      printf("upgrade request for %.*s\n", (int) hm->uri.len, hm->uri.p);
      break;
    }
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE:
      printf("client joined\n");
      break;
    case MG_EV_WEBSOCKET_FRAME: {
      struct websocket_message *wm = (struct websocket_message *) ev_data;
      printf("frame op %d, %" SIZE_T_FMT " bytes\n", wm->flags & 0x0f, wm->size);
      mg_send_websocket_frame(nc, wm->flags & 0x0f, wm->data, wm->size);
      break;
    }
    case MG_EV_WEBSOCKET_CONTROL_FRAME: {
      struct websocket_message *wm = (struct websocket_message *) ev_data;
      int op = wm->flags & 0x0f;
      printf("control op %d: %.*s\n", op,
             op == WEBSOCKET_OP_PING ? (int) wm->size : 0, (const char *) wm->data);
      break;
    }
    case MG_EV_HTTP_REQUEST:
      mg_printf(nc, "HTTP/1.1 426 Upgrade Required\r\n"
                    "Content-Length: 20\r\n\r\nWebSocket endpoint.\n");
      break;
    case MG_EV_CLOSE:
      if (nc->flags & MG_F_IS_WEBSOCKET) printf("client left\n");
      break;
    default:
      break;
  }
  fflush(stdout);
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_WEBSOCKET_HANDSHAKE_REQUEST) {
    /* An upgrade anywhere but /echo (which has its own handler): refuse. */
    struct http_message *hm = (struct http_message *) ev_data;
    printf("refused upgrade for %.*s\n", (int) hm->uri.len, hm->uri.p);
    fflush(stdout);
    mg_printf(nc, "%s",
              "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
              "Connection: close\r\n\r\n");
    nc->flags |= MG_F_SEND_AND_CLOSE;
  } else if (ev == MG_EV_HTTP_REQUEST) {
    static const char text[] = "Connect a WebSocket client to /echo.\n";
    (void) ev_data;
    mg_send_head(nc, 200, (int64_t) (sizeof(text) - 1), "Content-Type: text/plain");
    mg_send(nc, text, (int) (sizeof(text) - 1));
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  const char *addr = argc > 1 ? argv[1] : "127.0.0.1:8000";

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  mg_mgr_init(&mgr, NULL);
  if ((nc = mg_bind(&mgr, addr, ev_handler)) == NULL) {
    fprintf(stderr, "Cannot bind to %s\n", addr);
    return EXIT_FAILURE;
  }
  mg_register_http_endpoint(nc, "/echo", echo_handler);
  mg_set_protocol_http_websocket(nc);
  printf("ws echo on ws://%s/echo\n", addr);
  fflush(stdout);
  while (!s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
