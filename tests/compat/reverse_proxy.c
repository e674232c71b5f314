/*
 * A reverse proxy and its backend in one process.
 *
 * The backend answers every request with what it was told about the
 * client: its Host, X-Forwarded-For and X-Forwarded-Host headers, the
 * method, the URI and the body.
 *
 * The front forwards each request to the backend with mg_connect_http(),
 * adding X-Forwarded-For (the client's IP) and X-Forwarded-Host (the Host
 * the client asked for), and relays the status and body back.
 *
 *   reverse_proxy FRONT_ADDRESS BACKEND_ADDRESS
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;
static const char *s_backend;

static void on_signal(int sig) { s_exit_flag = sig; }

static void print_header(struct mg_connection *nc, struct http_message *hm,
                         const char *name) {
  struct mg_str *h = mg_get_http_header(hm, name);
  if (h != NULL) {
    mg_printf_http_chunk(nc, "%s: %.*s\n", name, (int) h->len, h->p);
  } else {
    mg_printf_http_chunk(nc, "%s: (none)\n", name);
  }
}

static void backend_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev != MG_EV_HTTP_REQUEST) return;
  mg_send_head(nc, 200, -1, "Content-Type: text/plain\r\nX-Backend: yes");
  mg_printf_http_chunk(nc, "%.*s %.*s%s%.*s\n", (int) hm->method.len,
                       hm->method.p, (int) hm->uri.len, hm->uri.p,
                       hm->query_string.len > 0 ? "?" : "",
                       (int) hm->query_string.len, hm->query_string.p);
  print_header(nc, hm, "Host");
  print_header(nc, hm, "X-Forwarded-For");
  print_header(nc, hm, "X-Forwarded-Host");
  mg_printf_http_chunk(nc, "body: %.*s\n", (int) hm->body.len, hm->body.p);
  mg_send_http_chunk(nc, "", 0);
}

/* The connection to the backend; user_data is the client's connection. */
static void upstream_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct mg_connection *client = (struct mg_connection *) nc->user_data;
  struct http_message *hm = (struct http_message *) ev_data;

  switch (ev) {
    case MG_EV_CONNECT:
      if (*(int *) ev_data != 0 && client != NULL) {
        mg_http_send_error(client, 502, "Bad Gateway");
        client->user_data = NULL;
        nc->user_data = NULL;
      }
      break;
    case MG_EV_HTTP_REPLY:
      if (client != NULL) {
        struct mg_str *ct = mg_get_http_header(hm, "Content-Type");
        char extra[128];
        snprintf(extra, sizeof(extra), "Content-Type: %.*s\r\nVia: 1.1 compat-proxy",
                 ct != NULL ? (int) ct->len : 10, ct != NULL ? ct->p : "text/plain");
        mg_send_head(client, hm->resp_code, (int64_t) hm->body.len, extra);
        mg_send(client, hm->body.p, (int) hm->body.len);
        client->user_data = NULL;
        nc->user_data = NULL;
      }
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      break;
    case MG_EV_CLOSE:
      if (client != NULL) {
        mg_http_send_error(client, 502, "Bad Gateway");
        client->user_data = NULL;
      }
      break;
    default:
      break;
  }
}

static void front_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;

  if (ev == MG_EV_HTTP_REQUEST) {
    char ip[48], url[2048], headers[512], *body = NULL;
    struct mg_str *host = mg_get_http_header(hm, "Host");
    struct mg_connection *up;

    mg_conn_addr_to_str(nc, ip, sizeof(ip),
                        MG_SOCK_STRINGIFY_REMOTE | MG_SOCK_STRINGIFY_IP);
    snprintf(url, sizeof(url), "http://%s%.*s%s%.*s", s_backend,
             (int) hm->uri.len, hm->uri.p, hm->query_string.len > 0 ? "?" : "",
             (int) hm->query_string.len, hm->query_string.p);
    snprintf(headers, sizeof(headers),
             "X-Forwarded-For: %s\r\nX-Forwarded-Host: %.*s\r\n", ip,
             host != NULL ? (int) host->len : 0, host != NULL ? host->p : "");
    if (mg_vcmp(&hm->method, "POST") == 0) {
      body = (char *) calloc(1, hm->body.len + 1);
      memcpy(body, hm->body.p, hm->body.len);
    }
    up = mg_connect_http(nc->mgr, upstream_handler, url, headers, body);
    free(body);
    if (up == NULL) {
      mg_http_send_error(nc, 502, "Bad Gateway");
      return;
    }
    up->user_data = nc;
    nc->user_data = up;
  } else if (ev == MG_EV_CLOSE) {
    struct mg_connection *up = (struct mg_connection *) nc->user_data;
    if (up != NULL) {
      up->user_data = NULL;
      up->flags |= MG_F_CLOSE_IMMEDIATELY;
    }
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *front, *back;

  if (argc != 3) {
    fprintf(stderr, "usage: %s FRONT_ADDRESS BACKEND_ADDRESS\n", argv[0]);
    return EXIT_FAILURE;
  }
  s_backend = argv[2];
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  mg_mgr_init(&mgr, NULL);
  back = mg_bind(&mgr, argv[2], backend_handler);
  front = mg_bind(&mgr, argv[1], front_handler);
  if (front == NULL || back == NULL) {
    fprintf(stderr, "Cannot bind to %s or %s\n", argv[1], argv[2]);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(back);
  mg_set_protocol_http_websocket(front);
  printf("proxy %s -> backend %s\n", argv[1], argv[2]);
  fflush(stdout);
  while (!s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
