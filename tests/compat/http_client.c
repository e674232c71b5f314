/*
 * Fetches a URL and prints the reply: "status CODE" and then the body.
 *
 *   http_client URL
 *
 * Exits 0 for a 2xx reply, 1 otherwise.
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;
static int s_done, s_status;

static void on_signal(int sig) { s_exit_flag = sig; }

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  switch (ev) {
    case MG_EV_CONNECT:
      if (*(int *) ev_data != 0) {
        fprintf(stderr, "connect() failed: %s\n", strerror(*(int *) ev_data));
        s_done = 1;
      }
      break;
    case MG_EV_HTTP_REPLY:
      s_status = hm->resp_code;
      printf("status %d\n", hm->resp_code);
      fwrite(hm->body.p, 1, hm->body.len, stdout);
      fflush(stdout);
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      s_done = 1;
      break;
    case MG_EV_CLOSE:
      if (!s_done) {
        fprintf(stderr, "server closed the connection without a reply\n");
        s_done = 1;
      }
      break;
    default:
      break;
  }
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
  if (mg_connect_http(&mgr, ev_handler, argv[1], NULL, NULL) == NULL) {
    fprintf(stderr, "bad URL %s\n", argv[1]);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  while (!s_done && !s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return s_status >= 200 && s_status < 300 ? 0 : 1;
}
