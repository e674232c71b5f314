/*
 * A small REST API:
 *
 *   POST /api/v1/sum   form fields n1 and n2    -> {"result": n1 + n2}
 *   GET  /api/v1/sum?n1=..&n2=..                -> the same from the query
 *   ANY  /api/v1/echo                           -> the request body, as sent
 *   anything else                               -> 404
 *
 *   rest_server ADDRESS
 *
 * Built with MG_EXAMPLE_APP it is the scenario app "rest ADDRESS" instead.
 *
 * The server's settings are the listener's user_data, which the connections
 * it accepts inherit.
 */
#include "mongoose.h"

struct rest_settings {
  int quiet; /* as a scenario app: the trace tells what happened */
};

static void handle_sum(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  const struct mg_str *vars;
  char n1[64], n2[64];

  if (ev != MG_EV_HTTP_REQUEST) return;
  vars = mg_vcmp(&hm->method, "GET") == 0 ? &hm->query_string : &hm->body;
  if (mg_get_http_var(vars, "n1", n1, sizeof(n1)) < 0 ||
      mg_get_http_var(vars, "n2", n2, sizeof(n2)) < 0) {
    mg_printf(nc,
              "HTTP/1.1 400 Bad Request\r\n"
              "Content-Type: application/json\r\n"
              "Content-Length: 31\r\n\r\n"
              "{\"error\": \"n1 and n2 required\"}");
    return;
  }
  mg_send_head(nc, 200, -1, "Content-Type: application/json");
  mg_printf_http_chunk(nc, "{\"result\": %g}", strtod(n1, NULL) + strtod(n2, NULL));
  mg_send_http_chunk(nc, "", 0);
}

static void handle_echo(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  struct mg_str *ct;
  char headers[200];

  if (ev != MG_EV_HTTP_REQUEST) return;
  ct = mg_get_http_header(hm, "Content-Type");
  snprintf(headers, sizeof(headers), "Content-Type: %.*s\r\nX-Echo-Method: %.*s",
           ct != NULL ? (int) ct->len : 24,
           ct != NULL ? ct->p : "application/octet-stream", (int) hm->method.len,
           hm->method.p);
  mg_send_head(nc, 200, (int64_t) hm->body.len, headers);
  mg_send(nc, hm->body.p, (int) hm->body.len);
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  const struct rest_settings *settings = (const struct rest_settings *) nc->user_data;
  struct http_message *hm = (struct http_message *) ev_data;

  if (ev == MG_EV_HTTP_REQUEST) {
    static const char msg[] = "{\"error\": \"no such endpoint\"}";
    if (!settings->quiet) {
      printf("404 for %.*s %.*s\n", (int) hm->method.len, hm->method.p,
             (int) hm->uri.len, hm->uri.p);
      fflush(stdout);
    }
    mg_send_head(nc, 404, (int64_t) (sizeof(msg) - 1),
                 "Content-Type: application/json");
    mg_send(nc, msg, (int) (sizeof(msg) - 1));
  }
}

/* The listener: endpoints first, then the protocol, as many programs do. */
static struct mg_connection *start(struct mg_mgr *mgr, const char *addr,
                                   const struct rest_settings *settings) {
  struct mg_bind_opts opts;
  struct mg_connection *nc;

  memset(&opts, 0, sizeof(opts));
  opts.user_data = (void *) settings;
  nc = mg_bind_opt(mgr, addr, ev_handler, opts);
  if (nc == NULL) return NULL;
  mg_register_http_endpoint(nc, "/api/v1/sum", handle_sum);
  mg_register_http_endpoint(nc, "/api/v1/echo", handle_echo);
  mg_set_protocol_http_websocket(nc);
  return nc;
}

#ifdef MG_EXAMPLE_APP
/* Every app line gets the same settings, which nothing changes: one
 * constant serves them all. (Allocated ones would have to be freed at the
 * last close, and a WebSocket upgrade to an endpoint's path hands the
 * connection, and its close, to that endpoint.) */
static const struct rest_settings s_app_settings = {1};

int rest_server_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                    size_t errlen);
int rest_server_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                    size_t errlen) {
  if (argc != 1) {
    snprintf(err, errlen, "usage: app rest ADDRESS");
    return -1;
  }
  if (mgr == NULL) return 0;
  if (start(mgr, argv[0], &s_app_settings) == NULL) {
    snprintf(err, errlen, "cannot listen on %s", argv[0]);
    return -1;
  }
  return 0;
}
#else
static volatile sig_atomic_t s_exit_flag;

static void on_signal(int sig) { s_exit_flag = sig; }

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct rest_settings settings = {0};
  const char *addr = argc > 1 ? argv[1] : "127.0.0.1:8000";

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  mg_mgr_init(&mgr, NULL);
  nc = start(&mgr, addr, &settings);
  if (nc == NULL) {
    fprintf(stderr, "Cannot bind to %s\n", addr);
    return EXIT_FAILURE;
  }

  printf("REST server on %s (mongoose %s)\n", addr, MG_VERSION);
  fflush(stdout);
  while (!s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  printf("bye\n");
  return 0;
}
#endif
