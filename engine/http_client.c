/*
 * http_client.c - outgoing HTTP requests and WebSocket connections from a
 * URL: "http://host[:port]/path?query", "ws://host[:port]/path".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

struct target {
  char *url;      /* the URL with its scheme: the strings below point here */
  char addr[300]; /* "tcp://host:port" */
  char host[280]; /* the Host header: "host" or "host:port" */
  struct mg_str path_and_query;
  struct mg_str user, pass; /* from "user:pass@" in the URL */
};

/* "scheme://[user[:pass]@]host[:port][/path][?query]"; without a scheme the
 * URL means plain_scheme (http or ws), as in Mongoose 6. The TLS schemes
 * are refused: this engine has no TLS. Returns an error string or NULL; on
 * success the caller frees t->url. */
static const char *parse_url(const char *url, const char *plain_scheme,
                             struct target *t) {
  struct mg_str scheme, user, host, path, query, frag;
  unsigned int port = 0;
  size_t plen;
  int bracket;
  memset(t, 0, sizeof(*t));
  if (url == NULL) return "cannot parse url";
  /* size 0: always a heap copy, which t->url owns */
  if (mg_asprintf(&t->url, 0, "%s%s%s", strstr(url, "://") == NULL ? plain_scheme : "",
                  strstr(url, "://") == NULL ? "://" : "", url) < 0) {
    t->url = NULL;
    return "out of memory";
  }
  if (mg_parse_uri(mg_mk_str(t->url), &scheme, &user, &host, &port, &path, &query,
                   &frag) != 0) {
    return "cannot parse url";
  }
  if (mg_vcasecmp(&scheme, "https") == 0 || mg_vcasecmp(&scheme, "wss") == 0) {
    return "ssl is disabled";
  }
  if (mg_vcasecmp(&scheme, plain_scheme) != 0 || host.len == 0 || host.len > 255) {
    return "cannot parse url";
  }
  if (port == 0) port = 80;
  /* An IPv6 literal needs its brackets in both places. */
  bracket = host.p[0] != '[' && memchr(host.p, ':', host.len) != NULL;
  snprintf(t->addr, sizeof(t->addr), "tcp://%s%.*s%s:%u", bracket ? "[" : "",
           (int) host.len, host.p, bracket ? "]" : "", port);
  snprintf(t->host, sizeof(t->host), "%s%.*s%s", bracket ? "[" : "", (int) host.len,
           host.p, bracket ? "]" : "");
  if (port != 80) {
    size_t n = strlen(t->host);
    snprintf(t->host + n, sizeof(t->host) - n, ":%u", port);
  }
  /* The request target runs from the path to the end of the query. */
  plen = path.len;
  if (query.len > 0) plen = (size_t) (query.p + query.len - path.p);
  t->path_and_query = plen > 0 ? mg_mk_str_n(path.p, plen) : mg_mk_str("/");
  if (user.len > 0) {
    const char *colon = (const char *) memchr(user.p, ':', user.len);
    size_t ulen = colon != NULL ? (size_t) (colon - user.p) : user.len;
    t->user = mg_mk_str_n(user.p, ulen);
    if (colon != NULL) t->pass = mg_mk_str_n(colon + 1, user.len - ulen - 1);
  }
  return NULL;
}

static struct mg_connection *open_client(struct mg_mgr *mgr,
                                         mg_event_handler_t h,
                                         struct mg_connect_opts opts,
                                         const char *url, const char *scheme,
                                         struct target *t) {
  struct mg_connection *nc;
  const char *err = parse_url(url, scheme, t);
  if (err != NULL) {
    free(t->url);
    if (opts.error_string != NULL) *opts.error_string = err;
    return NULL;
  }
  if ((nc = mg_connect_opt(mgr, t->addr, h, opts)) == NULL) {
    free(t->url);
    return NULL;
  }
  mg_set_protocol_http_websocket(nc);
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
  if (t.user.len > 0) mg_http_send_basic_auth(nc, t.user, t.pass);
  if (extra_headers != NULL) mg_printf(nc, "%s", extra_headers);
  mg_printf(nc, "\r\n%s", post_data != NULL ? post_data : "");
  free(t.url);
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
  struct mg_connection *nc = open_client(mgr, ev_handler, opts, url, "ws", &t);
  struct mg_str path, user, pass;
  if (nc == NULL) return NULL;
  /* The handshake takes C strings: the parts end where the URL goes on. */
  path = mg_strdup_nul(t.path_and_query);
  user = mg_strdup_nul(t.user);
  pass = mg_strdup_nul(t.pass);
  if (path.p == NULL || (user.p == NULL && t.user.len > 0) ||
      (pass.p == NULL && t.pass.len > 0)) {
    nc->err = ENOMEM;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else {
    mg_send_websocket_handshake3(nc, path.p, t.host, protocol, extra_headers, user.p,
                                 pass.p != NULL ? pass.p : "");
  }
  mg_strfree(&path);
  mg_strfree(&user);
  mg_strfree(&pass);
  free(t.url);
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
