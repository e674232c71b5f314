/*
 * An HTTP client built by hand: a plain mg_connect(), then
 * mg_set_protocol_http_websocket() so that the library parses the reply,
 * and the request written with mg_printf() once connected.
 *
 *   raw_http_client HOST:PORT PATH
 *
 * Prints "HTTP CODE MESSAGE", the Content-Type and the body.
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;
static const char *s_path, *s_host;
static int s_done, s_code;

static void on_signal(int sig) { s_exit_flag = sig; }

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_CONNECT:
      if (*(int *) ev_data != 0) {
        fprintf(stderr, "connect failed: %s\n", strerror(*(int *) ev_data));
        s_done = 1;
        break;
      }
      mg_printf(nc,
                "GET %s HTTP/1.1\r\n"
                "Host: %s\r\n"
                "User-Agent: compat-raw-client\r\n"
                "Connection: close\r\n\r\n",
                s_path, s_host);
      break;
    case MG_EV_HTTP_REPLY: {
      struct http_message *hm = (struct http_message *) ev_data;
      struct mg_str *ct = mg_get_http_header(hm, "Content-Type");
      s_code = hm->resp_code;
      printf("HTTP %d %.*s\n", hm->resp_code, (int) hm->resp_status_msg.len,
             hm->resp_status_msg.p);
      printf("type %.*s\n", ct ? (int) ct->len : 4, ct ? ct->p : "none");
      fwrite(hm->body.p, 1, hm->body.len, stdout);
      fflush(stdout);
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      s_done = 1;
      break;
    }
    case MG_EV_HTTP_REQUEST:
      fprintf(stderr, "ERROR: the reply was parsed as a request\n");
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      break;
    case MG_EV_CLOSE:
      if (!s_done) fprintf(stderr, "closed without a reply\n");
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
    fprintf(stderr, "usage: %s HOST:PORT PATH\n", argv[0]);
    return EXIT_FAILURE;
  }
  s_host = argv[1];
  s_path = argv[2];
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  mg_mgr_init(&mgr, NULL);
  if ((nc = mg_connect(&mgr, s_host, ev_handler)) == NULL) {
    fprintf(stderr, "cannot connect to %s\n", s_host);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  while (!s_done && !s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return s_code == 200 ? 0 : 1;
}
