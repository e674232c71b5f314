/*
 * A WebSocket client whose handshake may be refused: it reports the
 * handshake's outcome (MG_EV_WEBSOCKET_HANDSHAKE_DONE carries the
 * server's status) and the close that follows.
 *
 *   ws_refused_client URL
 *
 * Output: "handshake CODE" and, for a 101, the echo of one message; then
 * "closed".
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;
static int s_done, s_code;

static void on_signal(int sig) { s_exit_flag = sig; }

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_CONNECT:
      if (*(int *) ev_data != 0) printf("connect failed\n");
      break;
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE: {
      struct http_message *hm = (struct http_message *) ev_data;
      s_code = hm->resp_code;
      printf("handshake %d\n", hm->resp_code);
      if (hm->resp_code == 101) {
        mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT, "ping?", 5);
      }
      break;
    }
    case MG_EV_WEBSOCKET_FRAME: {
      struct websocket_message *wm = (struct websocket_message *) ev_data;
      printf("echo %.*s\n", (int) wm->size, (const char *) wm->data);
      mg_send_websocket_frame(nc, WEBSOCKET_OP_CLOSE, "\x03\xe8", 2);
      break;
    }
    case MG_EV_HTTP_REPLY:
      printf("unexpected MG_EV_HTTP_REPLY\n");
      break;
    case MG_EV_CLOSE:
      printf("closed\n");
      s_done = 1;
      break;
    default:
      break;
  }
  fflush(stdout);
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;

  if (argc != 2) {
    fprintf(stderr, "usage: %s URL\n", argv[0]);
    return EXIT_FAILURE;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  mg_mgr_init(&mgr, NULL);
  if (mg_connect_ws(&mgr, ev_handler, argv[1], NULL, NULL) == NULL) {
    fprintf(stderr, "bad URL %s\n", argv[1]);
    return EXIT_FAILURE;
  }
  while (!s_done && !s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return s_code == 101 ? 0 : 1;
}
