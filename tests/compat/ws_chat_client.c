/*
 * A WebSocket chat client: joins a chat server, says each MESSAGE in turn
 * (one every 50 ms, from a timer), prints every line the server sends, and
 * leaves with "/quit" once as many lines as it sent have come back.
 *
 *   ws_chat_client URL NICK MESSAGE...
 *
 * Output: "> TEXT" per frame received, then "closed".
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;
static const char *s_nick;
static char **s_msgs;
static int s_num_msgs, s_sent, s_received, s_done, s_connected;

static void on_signal(int sig) { s_exit_flag = sig; }

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_CONNECT:
      if (*(int *) ev_data != 0) {
        fprintf(stderr, "connect failed: %d\n", *(int *) ev_data);
      }
      break;
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE: {
      struct http_message *hm = (struct http_message *) ev_data;
      if (hm->resp_code != 101) {
        fprintf(stderr, "handshake refused: %d\n", hm->resp_code);
        nc->flags |= MG_F_CLOSE_IMMEDIATELY;
        break;
      }
      s_connected = 1;
      mg_set_timer(nc, mg_time() + 0.05);
      break;
    }
    case MG_EV_TIMER:
      if (s_sent < s_num_msgs) {
        mg_printf_websocket_frame(nc, WEBSOCKET_OP_TEXT, "%s: %s", s_nick,
                                  s_msgs[s_sent]);
        s_sent++;
        mg_set_timer(nc, mg_time() + 0.05);
      }
      break;
    case MG_EV_WEBSOCKET_FRAME: {
      struct websocket_message *wm = (struct websocket_message *) ev_data;
      printf("> %.*s\n", (int) wm->size, (const char *) wm->data);
      fflush(stdout);
      if (++s_received == s_num_msgs) {
        mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT, "/quit", 5);
      }
      break;
    }
    case MG_EV_WEBSOCKET_CONTROL_FRAME: {
      struct websocket_message *wm = (struct websocket_message *) ev_data;
      if ((wm->flags & 0x0f) == WEBSOCKET_OP_CLOSE && wm->size >= 2) {
        printf("close code %d\n", wm->data[0] * 256 + wm->data[1]);
      }
      break;
    }
    case MG_EV_CLOSE:
      if (s_connected) printf("closed\n");
      s_done = 1;
      break;
    default:
      break;
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;

  if (argc < 4) {
    fprintf(stderr, "usage: %s URL NICK MESSAGE...\n", argv[0]);
    return EXIT_FAILURE;
  }
  s_nick = argv[2];
  s_msgs = argv + 3;
  s_num_msgs = argc - 3;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  mg_mgr_init(&mgr, NULL);
  if (mg_connect_ws(&mgr, ev_handler, argv[1], "chat", NULL) == NULL) {
    fprintf(stderr, "bad URL %s\n", argv[1]);
    return EXIT_FAILURE;
  }
  while (!s_exit_flag && !s_done) mg_mgr_poll(&mgr, 100);
  mg_mgr_free(&mgr);
  return s_connected && s_received == s_num_msgs ? 0 : EXIT_FAILURE;
}
