/*
 * A WebSocket client: sends each message as a text frame, prints every
 * frame that comes back, and closes (1000) once as many have come back.
 *
 *   build/examples/websocket_client URL MESSAGE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

static char **s_messages;
static int s_count, s_received, s_done;
static int s_quiet; /* as a scenario app: the trace shows the frames */

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE: {
      struct http_message *hm = (struct http_message *) ev_data;
      int i;
      if (hm->resp_code != 101) { /* refused: the engine closes */
        if (!s_quiet) fprintf(stderr, "handshake refused: %d\n", hm->resp_code);
        break;
      }
      for (i = 0; i < s_count; i++) {
        mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT, s_messages[i],
                                strlen(s_messages[i]));
      }
      break;
    }
    case MG_EV_WEBSOCKET_FRAME: {
      struct websocket_message *wm = (struct websocket_message *) ev_data;
      if (!s_quiet) printf("%.*s\n", (int) wm->size, (const char *) wm->data);
      if (++s_received == s_count) {
        mg_send_websocket_frame(nc, WEBSOCKET_OP_CLOSE, "\x03\xe8", 2);
      }
      break;
    }
    case MG_EV_CLOSE:
      s_done = 1;
      break;
    default:
      break;
  }
}

#ifdef MG_EXAMPLE_APP
/* mgsim's "app ws-client URL MESSAGE...". */
int websocket_client_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                         size_t errlen);
int websocket_client_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                         size_t errlen) {
  if (argc < 2) {
    snprintf(err, errlen, "usage: app ws-client URL MESSAGE...");
    return -1;
  }
  static char *copies[32];
  int i;
  if (argc > 33) {
    snprintf(err, errlen, "at most 32 messages");
    return -1;
  }
  if (mgr == NULL) return 0;
  /* The arguments are the scenario's: keep copies for the connection. */
  for (i = 0; i < 32; i++) {
    free(copies[i]);
    copies[i] = i < argc - 1 ? strdup(argv[i + 1]) : NULL;
  }
  s_messages = copies;
  s_quiet = 1;
  s_count = argc - 1;
  s_received = 0;
  if (mg_connect_ws(mgr, ev_handler, argv[0], NULL, NULL) == NULL) {
    snprintf(err, errlen, "bad URL %s", argv[0]);
    return -1;
  }
  return 0;
}
#else
int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  if (argc < 3) {
    fprintf(stderr, "usage: %s URL MESSAGE...\n", argv[0]);
    return 2;
  }
  s_messages = argv + 2;
  s_count = argc - 2;
  mg_mgr_init(&mgr, NULL);
  if (mg_connect_ws(&mgr, ev_handler, argv[1], NULL, NULL) == NULL) {
    fprintf(stderr, "invalid URL %s\n", argv[1]);
    return 2;
  }
  while (!s_done) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return s_received == s_count ? 0 : 1;
}
#endif
