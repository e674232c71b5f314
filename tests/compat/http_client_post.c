/*
 * POSTs a form to a URL that may carry credentials (http://user:pass@host/),
 * with a few extra request headers, and prints the reply's status line and
 * body.
 *
 *   http_client_post URL FORM_DATA
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
      printf("%d %.*s\n", hm->resp_code, (int) hm->resp_status_msg.len,
             hm->resp_status_msg.p);
      fwrite(hm->body.p, 1, hm->body.len, stdout);
      fflush(stdout);
      nc->flags |= MG_F_SEND_AND_CLOSE;
      s_done = 1;
      break;
    case MG_EV_CLOSE:
      if (!s_done) fprintf(stderr, "no reply\n");
      s_done = 1;
      break;
    default:
      break;
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;

  if (argc != 3) {
    fprintf(stderr, "usage: %s URL FORM_DATA\n", argv[0]);
    return EXIT_FAILURE;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  mg_mgr_init(&mgr, NULL);
  nc = mg_connect_http(&mgr, ev_handler, argv[1],
                       "Content-Type: application/x-www-form-urlencoded\r\n"
                       "X-Client: mongoose-compat\r\n"
                       "Accept: text/plain\r\n",
                       argv[2]);
  if (nc == NULL) {
    fprintf(stderr, "bad URL %s\n", argv[1]);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  while (!s_done && !s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return s_status == 200 ? 0 : 1;
}
