/*
 * http_client.c - outgoing HTTP requests and WebSocket connections from a
 * URL: "http://host[:port]/path?query", "ws://host[:port]/path".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

struct target {
  char addr[300]; /* "tcp://host:port" */
  char host[280]; /* the Host header: "host" or "host:port" */
  struct mg_str path_and_query;
};

static int parse_url(const char *url, const char *want_scheme, struct target *t) {
  struct mg_str scheme, user, host, path, query, frag;
  unsigned int port = 0;
  size_t plen;
  if (url == NULL ||
      mg_parse_uri(mg_mk_str(url), &scheme, &user, &host, &port, &path, &query,
                   &frag) != 0 ||
      host.len == 0 || host.len > 255 || mg_vcasecmp(&scheme, want_scheme) != 0) {
    return -1;
  }
  if (port == 0) port = 80;
  snprintf(t->addr, sizeof(t->addr), "tcp://%s%.*s%s:%u",
           memchr(host.p, ':', host.len) ? "[" : "", (int) host.len, host.p,
           memchr(host.p, ':', host.len) ? "]" : "", port);
  if (port == 80) {
    snprintf(t->host, sizeof(t->host), "%.*s", (int) host.len, host.p);
  } else {
    snprintf(t->host, sizeof(t->host), "%.*s:%u", (int) host.len, host.p, port);
  }
  /* The request target runs from the path to the end of the query. */
  plen = path.len > 0 ? path.len : 0;
  if (query.len > 0) plen = (size_t) (query.p + query.len - path.p);
  t->path_and_query = plen > 0 ? mg_mk_str_n(path.p, plen) : mg_mk_str("/");
  return 0;
}

static struct mg_connection *open_client(struct mg_mgr *mgr,
                                         mg_event_handler_t h,
                                         struct mg_connect_opts opts,
                                         const char *url, const char *scheme,
                                         struct target *t) {
  struct mg_connection *nc;
  struct http_pd *pd;
  if (parse_url(url, scheme, t) != 0) {
    if (opts.error_string != NULL) *opts.error_string = "invalid URL";
    return NULL;
  }
  if ((nc = mg_connect_opt(mgr, t->addr, h, opts)) == NULL) return NULL;
  mg_set_protocol_http_websocket(nc);
  if ((pd = mg_http_pd(nc)) != NULL) pd->is_client = 1;
  return nc;
}

struct mg_connection *mg_connect_http_opt(struct mg_mgr *mgr,
                                          mg_event_handler_t ev_handler,
                                          struct mg_connect_opts opts,
                                          const char *url,
                                          const char *extra_headers,
                                          const char *post_data) {
  struct target t;
  struct mg_connection *nc = open_client(mgr, ev_handler, opts, url, "http", &t);
  if (nc == NULL) return NULL;
  mg_printf(nc, "%s %.*s HTTP/1.1\r\nHost: %s\r\n", post_data != NULL ? "POST" : "GET",
            (int) t.path_and_query.len, t.path_and_query.p, t.host);
  if (post_data != NULL) mg_printf(nc, "Content-Length: %zu\r\n", strlen(post_data));
  if (extra_headers != NULL) mg_printf(nc, "%s", extra_headers);
  mg_printf(nc, "\r\n%s", post_data != NULL ? post_data : "");
  return nc;
}

struct mg_connection *mg_connect_http(struct mg_mgr *mgr,
                                      mg_event_handler_t ev_handler,
                                      const char *url, const char *extra_headers,
                                      const char *post_data) {
  struct mg_connect_opts opts;
  memset(&opts, 0, sizeof(opts));
  return mg_connect_http_opt(mgr, ev_handler, opts, url, extra_headers, post_data);
}

struct mg_connection *mg_connect_ws_opt(struct mg_mgr *mgr,
                                        mg_event_handler_t ev_handler,
                                        struct mg_connect_opts opts,
                                        const char *url, const char *protocol,
                                        const char *extra_headers) {
  struct target t;
  char path[1024];
  struct mg_connection *nc = open_client(mgr, ev_handler, opts, url, "ws", &t);
  if (nc == NULL) return NULL;
  snprintf(path, sizeof(path), "%.*s", (int) t.path_and_query.len, t.path_and_query.p);
  mg_send_websocket_handshake2(nc, path, t.host, protocol, extra_headers);
  return nc;
}

struct mg_connection *mg_connect_ws(struct mg_mgr *mgr,
                                    mg_event_handler_t ev_handler,
                                    const char *url, const char *protocol,
                                    const char *extra_headers) {
  struct mg_connect_opts opts;
  memset(&opts, 0, sizeof(opts));
  return mg_connect_ws_opt(mgr, ev_handler, opts, url, protocol, extra_headers);
}
