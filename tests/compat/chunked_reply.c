/*
 * A chunked reply produced over time: GET /count?n=N&ms=M answers with
 * Transfer-Encoding: chunked and sends "line I of N\n" every M ms from the
 * connection's timer, then the final empty chunk.
 *
 *   chunked_reply ADDRESS
 */
#include "mongoose.h"

struct counter {
  int next, total;
  double interval;
};

static volatile sig_atomic_t s_exit_flag;

static void on_signal(int sig) { s_exit_flag = sig; }

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct counter *c = (struct counter *) nc->user_data;

  switch (ev) {
    case MG_EV_HTTP_REQUEST: {
      struct http_message *hm = (struct http_message *) ev_data;
      char n[16], ms[16];
      if (mg_vcmp(&hm->uri, "/count") != 0) {
        mg_http_send_error(nc, 404, NULL);
        break;
      }
      if (c != NULL) { /* a pipelined request while one is running */
        mg_http_send_error(nc, 409, NULL);
        break;
      }
      c = (struct counter *) calloc(1, sizeof(*c));
      c->next = 1;
      c->total = mg_get_http_var(&hm->query_string, "n", n, sizeof(n)) > 0 ? atoi(n) : 3;
      c->interval = (mg_get_http_var(&hm->query_string, "ms", ms, sizeof(ms)) > 0
                         ? atoi(ms)
                         : 50) / 1000.0;
      nc->user_data = c;
      mg_send_head(nc, 200, -1, "Content-Type: text/plain\r\nX-Lines: yes");
      mg_set_timer(nc, mg_time() + c->interval);
      break;
    }
    case MG_EV_TIMER:
      if (c == NULL) break;
      mg_printf_http_chunk(nc, "line %d of %d\n", c->next, c->total);
      if (c->next++ < c->total) {
        mg_set_timer(nc, mg_time() + c->interval);
      } else {
        mg_send_http_chunk(nc, "", 0); /* the last chunk */
        free(c);
        nc->user_data = NULL;
      }
      break;
    case MG_EV_CLOSE:
      free(c);
      nc->user_data = NULL;
      break;
    default:
      break;
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
  mg_set_protocol_http_websocket(nc);
  printf("chunked replies on %s\n", addr);
  fflush(stdout);
  while (!s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
