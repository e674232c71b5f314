/*
 * test_http_api.c - the HTTP and WebSocket API calls a program makes on its
 * connections, tested on the simulated iface with the bytes on the wire:
 *
 *   - mg_register_http_endpoint: which handler a request reaches (the
 *     longest registered path that is the URI or a parent of it), which
 *     events the endpoint gets (HTTP ones) and which stay with nc->handler
 *     (the rest), endpoints handed from a listener to what it accepts;
 *   - mg_http_set_limits: on a listener (inherited), on one connection, and
 *     on a connection that does not speak HTTP (no effect);
 *   - mg_printf_websocket_frame (short messages, long ones that take the heap
 *     path, WEBSOCKET_DONT_FIN, masked from a client);
 *   - MG_F_WEBSOCKET_NO_DEFRAG: fragments delivered one by one with their own
 *     FIN bit and opcode (RFC 6455 5.4);
 *   - mg_send_websocket_handshake, ...2 and ...3: the exact request a client
 *     sends (RFC 6455 4.1; Basic credentials per RFC 7617) and its outcome.
 *
 * Server tests run a listener at 10.0.0.1:80 and a scripted peer that sends
 * raw bytes; client tests connect the engine to a scripted peer listening at
 * 10.0.0.2:80. Handlers write what they see into a log the tests compare.
 */
#include "sim.h"
#include "testutil.h"
#include "ws_internal.h" /* ws_accept_key: the peer's side of a handshake */

#define MS 1000LL
#define SEC 1000000LL

#define SERVER_ADDR "10.0.0.1:80"
#define PEER_SERVER_ADDR "10.0.0.2:80"

/* RFC 6455 1.3: a sample key and the accept value it calls for. */
#define WS_UPGRADE(path)                                                    \
  "GET " path " HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n"              \
  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" \
  "Sec-WebSocket-Version: 13\r\n\r\n"
#define WS_101                                                       \
  "HTTP/1.1 101 Switching Protocols\r\nServer: " MG_SERVER_NAME "\r\n" \
  "Upgrade: websocket\r\n"                                             \
  "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"

struct fx {
  struct sim *sim;
  struct mg_mgr mgr;
  struct mg_connection *lc; /* the engine's listener (server tests) */
  struct mg_connection *nc; /* the last connection accepted or made */
  struct sim_peer *peer;    /* the other end of nc */
  void (*on_connect)(struct mg_connection *nc); /* client tests */
  int clients;              /* engine clients made (the peer names them) */
  char log[4096];           /* "who:EVENT ..." in order, POLL left out */
  char got[8192];           /* what the peer received in the last step */
  size_t got_len;
};

/* ---- recording ------------------------------------------------------------ */

static struct fx *fx_of(struct mg_connection *nc) {
  return (struct fx *) nc->mgr->user_data;
}

static void log_add(struct fx *f, const char *fmt, ...) {
  size_t used = strlen(f->log);
  va_list ap;
  if (used > 0 && used + 1 < sizeof(f->log)) f->log[used++] = ' ';
  va_start(ap, fmt);
  vsnprintf(f->log + used, sizeof(f->log) - used, fmt, ap);
  va_end(ap);
}

/* Payload bytes as text, anything unprintable as \xNN. */
static void printable(const unsigned char *p, size_t n, char *out, size_t cap) {
  size_t used = 0, i;
  out[0] = '\0';
  for (i = 0; i < n && used + 5 < cap; i++) {
    if (p[i] >= 0x20 && p[i] < 0x7f) {
      out[used++] = (char) p[i];
      out[used] = '\0';
    } else {
      used += (size_t) snprintf(out + used, cap - used, "\\x%02x", p[i]);
    }
  }
}

/* Logs one event as "who:EVENT", with the URI of a request, the data of a
 * chunk, the flags and payload of a WebSocket frame. */
static void note(struct mg_connection *nc, const char *who, int ev, void *ev_data) {
  struct fx *f = fx_of(nc);
  struct http_message *hm = (struct http_message *) ev_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  char text[256];
  switch (ev) {
    case MG_EV_POLL: break;
    case MG_EV_ACCEPT: log_add(f, "%s:ACCEPT", who); break;
    case MG_EV_CONNECT: log_add(f, "%s:CONNECT(%d)", who, *(int *) ev_data); break;
    case MG_EV_RECV: log_add(f, "%s:RECV", who); break;
    case MG_EV_SEND: log_add(f, "%s:SEND", who); break;
    case MG_EV_CLOSE: log_add(f, "%s:CLOSE", who); break;
    case MG_EV_HTTP_REQUEST:
      log_add(f, "%s:REQUEST(%.*s)", who, (int) hm->uri.len, hm->uri.p);
      break;
    case MG_EV_HTTP_CHUNK:
      log_add(f, "%s:CHUNK(%.*s)", who, (int) hm->body.len, hm->body.p);
      break;
    case MG_EV_WEBSOCKET_HANDSHAKE_REQUEST: log_add(f, "%s:WS_REQUEST", who); break;
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE: log_add(f, "%s:WS_DONE", who); break;
    case MG_EV_WEBSOCKET_FRAME:
    case MG_EV_WEBSOCKET_CONTROL_FRAME:
      printable(wm->data, wm->size, text, sizeof(text));
      log_add(f, "%s:%s(%02x:%s)", who, ev == MG_EV_WEBSOCKET_FRAME ? "FRAME" : "CONTROL",
              wm->flags, text);
      break;
    default: log_add(f, "%s:EV%d", who, ev); break;
  }
}

/* ---- handlers ------------------------------------------------------------- */

/* Every handler answers a request with "<its name> <uri>", so the peer's
 * bytes show which handler a request reached. */
static void reply_tagged(struct mg_connection *nc, const char *who,
                         const struct http_message *hm) {
  char body[128];
  int n = snprintf(body, sizeof(body), "%s %.*s", who, (int) hm->uri.len, hm->uri.p);
  mg_printf(nc, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", n, body);
}

static void handle(struct mg_connection *nc, const char *who, int ev, void *ev_data) {
  note(nc, who, ev, ev_data);
  if (ev == MG_EV_HTTP_REQUEST) reply_tagged(nc, who, (struct http_message *) ev_data);
}

/* The connection's own handler (nc->handler). */
static void main_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct fx *f = fx_of(nc);
  handle(nc, "main", ev, ev_data);
  if (ev == MG_EV_ACCEPT) f->nc = nc;
  if (ev == MG_EV_CONNECT && f->on_connect != NULL) f->on_connect(nc);
  if (ev == MG_EV_CLOSE && f->nc == nc) f->nc = NULL;
}

static void ep_api(struct mg_connection *nc, int ev, void *ev_data) {
  handle(nc, "api", ev, ev_data);
}
static void ep_v1(struct mg_connection *nc, int ev, void *ev_data) {
  handle(nc, "v1", ev, ev_data);
}
static void ep_root(struct mg_connection *nc, int ev, void *ev_data) {
  handle(nc, "root", ev, ev_data);
}
static void ep_other(struct mg_connection *nc, int ev, void *ev_data) {
  handle(nc, "other", ev, ev_data);
}

/* ---- fixture and wire helpers --------------------------------------------- */

static void run_ms(struct fx *f, int64_t ms) {
  assert_int_equal(sim_run_until(f->sim, &f->mgr, sim_now(f->sim) + ms * MS), 0);
}

/* A simulation with an HTTP listener at SERVER_ADDR. */
static int setup_server(void **state) {
  struct fx *f = (struct fx *) calloc(1, sizeof(*f));
  if (f == NULL || (f->sim = sim_new(1)) == NULL) return -1;
  sim_mgr_init(f->sim, &f->mgr, f);
  if ((f->lc = mg_bind(&f->mgr, "tcp://" SERVER_ADDR, main_handler)) == NULL) return -1;
  mg_set_protocol_http_websocket(f->lc);
  *state = f;
  return 0;
}

/* A simulation with a scripted peer listening at PEER_SERVER_ADDR. */
static int setup_client(void **state) {
  struct fx *f = (struct fx *) calloc(1, sizeof(*f));
  if (f == NULL || (f->sim = sim_new(1)) == NULL) return -1;
  sim_mgr_init(f->sim, &f->mgr, f);
  if (sim_peer_listen(sim_peer_new(f->sim, "srv"), PEER_SERVER_ADDR, SIM_ACCEPT) != 0) {
    return -1;
  }
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_mgr_free(&f->mgr);
  sim_free(f->sim);
  free(f);
  return 0;
}

/* A new peer connects to the listener; returns once it is accepted. */
static struct sim_peer *connect_peer(struct fx *f, const char *name) {
  struct sim_peer *p = sim_peer_new(f->sim, name);
  assert_non_null(p);
  assert_int_equal(sim_peer_connect(p, SERVER_ADDR), 0);
  run_ms(f, 1);
  assert_non_null(f->nc);
  f->peer = p;
  return p;
}

/* What p received since the last call (also in f->got, f->got_len). */
static const char *take(struct fx *f, struct sim_peer *p) {
  const struct mbuf *rx = sim_peer_received(p);
  size_t *cursor = sim_peer_cursor(p);
  f->got_len = rx->len - *cursor;
  assert_true(f->got_len < sizeof(f->got));
  if (f->got_len > 0) memcpy(f->got, rx->buf + *cursor, f->got_len);
  f->got[f->got_len] = '\0';
  *cursor = rx->len;
  return f->got;
}

/* Sends raw bytes from the current peer, runs 10 ms, returns the answer. */
static const char *exchange(struct fx *f, const char *bytes) {
  assert_int_equal(sim_peer_send(f->peer, bytes, strlen(bytes)), 0);
  run_ms(f, 10);
  return take(f, f->peer);
}

/* GET uri must reach the handler named who. */
static void expect_routed(struct fx *f, const char *uri, const char *who,
                          const char *uri_seen) {
  char req[256], want[256], body[128];
  int n = snprintf(body, sizeof(body), "%s %s", who, uri_seen);
  snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", uri);
  snprintf(want, sizeof(want), "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", n, body);
  assert_string_equal(exchange(f, req), want);
}

/* The first line of what the peer received last. */
static const char *status_line(struct fx *f) {
  char *eol = strstr(f->got, "\r\n");
  if (eol != NULL) *eol = '\0';
  return f->got;
}

/* ---- endpoints: which handler a request reaches --------------------------- */

/* "/api" is the URI or its parent: "/api", "/api/..." (the query string is
 * not part of the URI), but neither "/apix" nor "/ap". */
static void test_endpoint_matches_path_and_children(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_register_http_endpoint(f->lc, "/api", ep_api);
  connect_peer(f, "p");
  expect_routed(f, "/api", "api", "/api");
  expect_routed(f, "/api/", "api", "/api/");
  expect_routed(f, "/api/x/y", "api", "/api/x/y");
  expect_routed(f, "/api?q=1", "api", "/api");
  expect_routed(f, "/apix", "main", "/apix");
  expect_routed(f, "/ap", "main", "/ap");
  expect_routed(f, "/", "main", "/");
}

/* The longest matching path wins, whatever the order of registration. */
static void test_endpoint_longest_path_wins(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_register_http_endpoint(f->lc, "/api/v1", ep_v1);
  mg_register_http_endpoint(f->lc, "/", ep_root);
  mg_register_http_endpoint(f->lc, "/api", ep_api);
  connect_peer(f, "p");
  expect_routed(f, "/api/v1/users", "v1", "/api/v1/users");
  expect_routed(f, "/api/v1", "v1", "/api/v1");
  expect_routed(f, "/api/v1x", "api", "/api/v1x");
  expect_routed(f, "/api/v2", "api", "/api/v2");
  expect_routed(f, "/apiv1", "root", "/apiv1");
  expect_routed(f, "/", "root", "/");
}

/* A path registered with a trailing slash matches what lies under it, not
 * the name without the slash. */
static void test_endpoint_with_trailing_slash(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_register_http_endpoint(f->lc, "/static/", ep_api);
  connect_peer(f, "p");
  expect_routed(f, "/static/app.css", "api", "/static/app.css");
  expect_routed(f, "/static/", "api", "/static/");
  expect_routed(f, "/static", "main", "/static");
  expect_routed(f, "/staticx", "main", "/staticx");
}

/* Registering a path again replaces its handler, on a listener as on a
 * connection. */
static void test_endpoint_registered_twice_latest_wins(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_register_http_endpoint(f->lc, "/a", ep_api);
  mg_register_http_endpoint(f->lc, "/a", ep_other);
  connect_peer(f, "p");
  expect_routed(f, "/a", "other", "/a");
  mg_register_http_endpoint(f->nc, "/b", ep_other);
  mg_register_http_endpoint(f->nc, "/b", ep_api);
  expect_routed(f, "/b", "api", "/b");
}

/* An empty path is a prefix of every request target, "*" included. */
static void test_endpoint_empty_path_matches_everything(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_register_http_endpoint(f->lc, "", ep_other);
  connect_peer(f, "p");
  expect_routed(f, "/x", "other", "/x");
  assert_string_equal(exchange(f, "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n"),
                      "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nother *");
}

/* A NULL path registers nothing. */
static void test_endpoint_null_path_ignored(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_register_http_endpoint(f->lc, NULL, ep_api);
  connect_peer(f, "p");
  expect_routed(f, "/", "main", "/");
}

/* mg_register_http_endpoint_opt: user_data and a lone auth_domain change
 * nothing; an auth_file (digest authentication, out of scope) keeps the
 * endpoint out, drops one registered before under that pattern, and says
 * so in the error log. */
static void test_endpoint_opt(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_http_endpoint_opts opts;
  FILE *log = tmpfile();
  char got[512], *line, *end;
  size_t n;
  int dummy, i;
  assert_non_null(log);
  memset(&opts, 0, sizeof(opts));
  opts.user_data = &dummy;
  opts.auth_domain = "realm";
  mg_register_http_endpoint_opt(f->lc, "/api", ep_api, opts);
  opts.auth_file = "";
  mg_register_http_endpoint_opt(f->lc, "/v1", ep_v1, opts);
  mg_register_http_endpoint(f->lc, "/secret", ep_other);
  cs_log_set_file(log);
  opts.auth_file = "/etc/htdigest";
  mg_register_http_endpoint_opt(f->lc, "/secret", ep_other, opts);
  mg_register_http_endpoint_opt(f->lc, "/private", ep_root, opts);
  cs_log_set_file(NULL);
  connect_peer(f, "p");
  expect_routed(f, "/api/x", "api", "/api/x");
  expect_routed(f, "/v1", "v1", "/v1");
  expect_routed(f, "/secret", "main", "/secret");
  expect_routed(f, "/private/x", "main", "/private/x");

  rewind(log);
  n = fread(got, 1, sizeof(got) - 1, log);
  got[n] = '\0';
  fclose(log);
  /* "http_endpoint.c:LINE message": the line number is the source's own,
   * left out of the comparison */
  for (line = strtok(got, "\n"), i = 0; line != NULL; line = strtok(NULL, "\n"), i++) {
    char want[256];
    assert_true(i < 2);
    assert_true(strncmp(line, "http_endpoint.c:", 16) == 0);
    assert_true(strtol(line + 16, &end, 10) > 0);
    snprintf(want, sizeof(want),
             " endpoint %s not registered: auth_file needs digest "
             "authentication, which this engine does not have",
             i == 0 ? "/secret" : "/private");
    assert_string_equal(end, want);
  }
  assert_int_equal(i, 2);
}

/* ---- endpoints: which events go where ------------------------------------- */

/* The endpoint gets the request; connection events (ACCEPT, RECV, SEND,
 * CLOSE) stay with nc->handler, and so does a request no endpoint takes. */
static void test_endpoint_gets_request_handler_gets_the_rest(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_register_http_endpoint(f->lc, "/api", ep_api);
  connect_peer(f, "p");
  exchange(f, "GET /api/x HTTP/1.1\r\nHost: t\r\n\r\n");
  exchange(f, "GET /y HTTP/1.1\r\nHost: t\r\n\r\n");
  assert_int_equal(sim_peer_close(f->peer), 0);
  run_ms(f, 10);
  assert_string_equal(f->log,
                      "main:ACCEPT main:RECV api:REQUEST(/api/x) main:SEND "
                      "main:RECV main:REQUEST(/y) main:SEND api:CLOSE main:CLOSE");
}

/* An endpoint that served no request on a connection does not see its
 * close. */
static void test_endpoint_unused_gets_no_close(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_register_http_endpoint(f->lc, "/api", ep_api);
  connect_peer(f, "p");
  exchange(f, "GET /y HTTP/1.1\r\nHost: t\r\n\r\n");
  assert_int_equal(sim_peer_close(f->peer), 0);
  run_ms(f, 10);
  assert_string_equal(f->log, "main:ACCEPT main:RECV main:REQUEST(/y) main:SEND main:CLOSE");
}

/* Glob patterns: '*' within a segment, '**' across segments, '?' one byte,
 * '|' alternatives, '$' the end; the longest match wins. */
static void test_endpoint_glob_patterns(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_register_http_endpoint(f->lc, "/api/*", ep_api);
  mg_register_http_endpoint(f->lc, "/api/*/edit$", ep_v1);
  mg_register_http_endpoint(f->lc, "/files/**.txt$|/docs", ep_other);
  mg_register_http_endpoint(f->lc, "/v?/x", ep_root);
  connect_peer(f, "p");
  expect_routed(f, "/api/users", "api", "/api/users");
  expect_routed(f, "/api/users/7", "api", "/api/users/7");
  expect_routed(f, "/api/users/edit", "v1", "/api/users/edit");
  expect_routed(f, "/api/users/edit/more", "api", "/api/users/edit/more");
  expect_routed(f, "/files/a/b/c.txt", "other", "/files/a/b/c.txt");
  expect_routed(f, "/files/a/b/c.txt2", "main", "/files/a/b/c.txt2");
  expect_routed(f, "/docs/x", "other", "/docs/x");
  expect_routed(f, "/v2/x", "root", "/v2/x");
  expect_routed(f, "/v22/x", "main", "/v22/x");
  expect_routed(f, "/apix", "main", "/apix");
}

/* Endpoints registered on a listener before it speaks HTTP take effect when
 * mg_set_protocol_http_websocket comes. */
static void test_endpoint_registered_before_protocol(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_connection *lc2 = mg_bind(&f->mgr, "tcp://10.0.0.1:82", main_handler);
  struct sim_peer *p = sim_peer_new(f->sim, "p2");
  assert_non_null(lc2);
  mg_register_http_endpoint(lc2, "/api", ep_api);
  mg_set_protocol_http_websocket(lc2);
  assert_int_equal(sim_peer_connect(p, "10.0.0.1:82"), 0);
  run_ms(f, 1);
  f->peer = p;
  expect_routed(f, "/api/x", "api", "/api/x");
  expect_routed(f, "/other", "main", "/other");
}

/* The chunks of a chunked request go to the endpoint too. */
static void test_endpoint_gets_chunks(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_register_http_endpoint(f->lc, "/up", ep_api);
  connect_peer(f, "p");
  assert_string_equal(exchange(f, "POST /up HTTP/1.1\r\nHost: t\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n"
                                  "2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n"),
                      "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\napi /up");
  assert_string_equal(f->log,
                      "main:ACCEPT main:RECV api:CHUNK(ab) api:CHUNK(cde) "
                      "api:REQUEST(/up) main:SEND");
}

/* ---- endpoints: listeners and accepted connections ------------------------ */

/* An accepted connection has its own copy of the listener's endpoints: they
 * keep working after the listener has closed. */
static void test_endpoints_outlive_listener(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_register_http_endpoint(f->lc, "/api", ep_api);
  connect_peer(f, "p");
  f->lc->flags |= MG_F_CLOSE_IMMEDIATELY;
  run_ms(f, 1);
  assert_null(f->nc->listener);
  expect_routed(f, "/api/x", "api", "/api/x");
  expect_routed(f, "/z", "main", "/z");
}

/* The copy is taken at the accept: endpoints added to the listener later
 * reach only connections accepted later; endpoints added to one connection
 * are that connection's own. */
static void test_endpoints_copied_at_accept(void **state) {
  struct fx *f = (struct fx *) *state;
  struct sim_peer *first;
  mg_register_http_endpoint(f->lc, "/api", ep_api);
  first = connect_peer(f, "first");
  mg_register_http_endpoint(f->lc, "/new", ep_other);
  mg_register_http_endpoint(f->nc, "/mine", ep_v1);
  expect_routed(f, "/new", "main", "/new");
  expect_routed(f, "/mine", "v1", "/mine");
  expect_routed(f, "/api", "api", "/api");

  connect_peer(f, "second");
  assert_ptr_not_equal(f->peer, first);
  expect_routed(f, "/new", "other", "/new");
  expect_routed(f, "/mine", "main", "/mine");
  expect_routed(f, "/api", "api", "/api");
}

/* ---- limits --------------------------------------------------------------- */

/* A listener's limits reach what it accepts; zero fields keep defaults. */
static void test_limits_inherited_from_listener(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_http_limits lim;
  char post[1200];
  memset(&lim, 0, sizeof(lim));
  lim.max_uri_bytes = 8;
  mg_http_set_limits(f->lc, lim);
  connect_peer(f, "p");
  expect_routed(f, "/1234567", "main", "/1234567"); /* 8 bytes: allowed */
  /* The default body limit (64 MiB) still holds, not 0. */
  memset(post, 0, sizeof(post));
  snprintf(post, sizeof(post),
           "POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n%01000d", 0);
  assert_string_equal(exchange(f, post),
                      "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nmain /b");
  exchange(f, "GET /12345678 HTTP/1.1\r\nHost: t\r\n\r\n");
  assert_string_equal(status_line(f), "HTTP/1.1 414 URI Too Long");
  assert_true(sim_peer_got_fin(f->peer));
}

/* Limits set on one accepted connection apply to it alone. */
static void test_limits_on_one_connection(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_http_limits lim;
  const char *post5 = "POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello";
  struct sim_peer *limited;
  memset(&lim, 0, sizeof(lim));
  lim.max_body_bytes = 4;
  limited = connect_peer(f, "limited");
  mg_http_set_limits(f->nc, lim);
  exchange(f, post5);
  assert_string_equal(status_line(f), "HTTP/1.1 413 Content Too Large");
  assert_true(sim_peer_got_fin(limited));

  connect_peer(f, "free");
  assert_string_equal(exchange(f, post5),
                      "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nmain /b");
}

/* The idle timeout comes from the listener: an idle keep-alive connection
 * closes after it, not after the default 30 s. */
static void test_idle_timeout_inherited(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_http_limits lim;
  memset(&lim, 0, sizeof(lim));
  lim.idle_timeout = 2.0;
  mg_http_set_limits(f->lc, lim);
  connect_peer(f, "p"); /* at 1 ms */
  assert_int_equal(sim_run_until(f->sim, &f->mgr, 1990 * MS), 0);
  assert_false(sim_peer_got_fin(f->peer));
  assert_int_equal(sim_run_until(f->sim, &f->mgr, 2010 * MS), 0);
  assert_true(sim_peer_got_fin(f->peer));
  assert_null(f->nc);
}

/* The header timeout too: a head still incomplete after it gets 408. The
 * rest of the head may be on its way, so the close lingers until the peer
 * has been quiet for the linger timeout, inherited as well. */
static void test_header_timeout_inherited(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_http_limits lim;
  memset(&lim, 0, sizeof(lim));
  lim.header_timeout = 1.0;
  lim.linger_timeout = 0.2;
  mg_http_set_limits(f->lc, lim);
  connect_peer(f, "p");
  assert_string_equal(exchange(f, "GET / HTTP/1.1\r\n"), "");
  assert_int_equal(sim_run_until(f->sim, &f->mgr, 1100 * MS), 0);
  take(f, f->peer);
  assert_string_equal(status_line(f), "HTTP/1.1 408 Request Timeout");
  /* the reply's end is the FIN: the close itself lingers */
  assert_true(sim_peer_got_fin(f->peer));
  assert_int_equal(sim_run_until(f->sim, &f->mgr, 1300 * MS), 0);
  assert_true(sim_peer_got_fin(f->peer));
  assert_false(sim_peer_got_rst(f->peer));
}

/* On a connection that does not speak HTTP, mg_http_set_limits and
 * mg_register_http_endpoint change nothing: bytes stay plain bytes (the
 * endpoints wait for mg_set_protocol_http_websocket, which no one calls). */
static void test_http_calls_without_http_do_nothing(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_connection *plain = mg_bind(&f->mgr, "tcp://10.0.0.1:81", main_handler);
  struct mg_http_limits lim;
  struct sim_peer *p = sim_peer_new(f->sim, "p");
  memset(&lim, 0, sizeof(lim));
  lim.max_uri_bytes = 1;
  assert_non_null(plain);
  mg_http_set_limits(plain, lim);
  mg_register_http_endpoint(plain, "/", ep_api);
  assert_null(plain->proto_handler);
  assert_int_equal(sim_peer_connect(p, "10.0.0.1:81"), 0);
  run_ms(f, 1);
  assert_non_null(f->nc);
  mg_http_set_limits(f->nc, lim);
  assert_null(f->nc->proto_data);
  assert_int_equal(sim_peer_send(p, "GET /x HTTP/1.1\r\nHost: t\r\n\r\n", 29), 0);
  run_ms(f, 10);
  assert_string_equal(f->log, "main:ACCEPT main:RECV");
  assert_int_equal(f->nc->recv_mbuf.len, 29);
  assert_string_equal(take(f, p), "");
}

/* ---- WebSocket, server side ------------------------------------------------ */

/* Connects a peer and upgrades its connection (RFC 6455 1.3's example). */
static void ws_open(struct fx *f, const char *peer_name) {
  connect_peer(f, peer_name);
  assert_string_equal(exchange(f, WS_UPGRADE("/ws")), WS_101);
  assert_true(f->nc->flags & MG_F_IS_WEBSOCKET);
  f->log[0] = '\0';
}

/* The peer sends one frame, masked as a client must (RFC 6455 5.3). */
static void peer_frame(struct fx *f, unsigned char b0, const char *data, size_t len) {
  static const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
  unsigned char buf[6 + 125];
  size_t i;
  assert_true(len <= 125);
  buf[0] = b0;
  buf[1] = (unsigned char) (0x80 | len);
  memcpy(buf + 2, mask, 4);
  for (i = 0; i < len; i++) buf[6 + i] = (unsigned char) (data[i] ^ mask[i % 4]);
  assert_int_equal(sim_peer_send(f->peer, buf, 6 + len), 0);
}

static void assert_got(struct fx *f, const void *want, size_t len) {
  assert_int_equal(f->got_len, len);
  assert_memory_equal(f->got, want, len);
}

/* A formatted message in one unmasked frame from the server. */
static void test_printf_frame_short(void **state) {
  struct fx *f = (struct fx *) *state;
  ws_open(f, "p");
  mg_printf_websocket_frame(f->nc, WEBSOCKET_OP_TEXT, "%s=%d", "n", 42);
  mg_printf_websocket_frame(f->nc, WEBSOCKET_OP_BINARY, "%c", 'z');
  run_ms(f, 10);
  take(f, f->peer);
  assert_got(f, "\x81\x04n=42\x82\x01z", 9);
}

/* Messages of 256 bytes and more do not fit the stack buffer and are
 * formatted on the heap; 255 is the last on the stack. Above 125 bytes the
 * length takes the 16-bit form (RFC 6455 5.2). */
static void test_printf_frame_long(void **state) {
  struct fx *f = (struct fx *) *state;
  static const size_t sizes[] = {255, 256, 1000};
  char text[1001];
  size_t i, off = 0;
  ws_open(f, "p");
  memset(text, 0, sizeof(text));
  for (i = 0; i < 1000; i++) text[i] = (char) ('a' + i % 26);
  for (i = 0; i < 3; i++) {
    mg_printf_websocket_frame(f->nc, WEBSOCKET_OP_TEXT, "%.*s", (int) sizes[i], text);
  }
  run_ms(f, 10);
  take(f, f->peer);
  assert_int_equal(f->got_len, 3 * 4 + 255 + 256 + 1000);
  for (i = 0; i < 3; i++) {
    unsigned char *h = (unsigned char *) f->got + off;
    assert_int_equal(h[0], 0x81);
    assert_int_equal(h[1], 126);
    assert_int_equal((h[2] << 8) | h[3], sizes[i]);
    assert_memory_equal(h + 4, text, sizes[i]);
    off += 4 + sizes[i];
  }
}

/* WEBSOCKET_DONT_FIN leaves the FIN bit clear: a message in fragments. */
static void test_printf_frame_dont_fin(void **state) {
  struct fx *f = (struct fx *) *state;
  ws_open(f, "p");
  mg_printf_websocket_frame(f->nc, WEBSOCKET_OP_TEXT | WEBSOCKET_DONT_FIN, "%s", "ab");
  mg_printf_websocket_frame(f->nc, WEBSOCKET_OP_CONTINUE, "%d", 7);
  run_ms(f, 10);
  take(f, f->peer);
  assert_got(f, "\x01\x02" "ab" "\x80\x01" "7", 7);
}

/* An upgrade to an endpoint's path hands the connection to that endpoint:
 * from the handshake request on, every event goes to it (as in Mongoose 6),
 * its CLOSE included. An upgrade elsewhere stays with the connection's
 * handler. */
static void test_websocket_upgrade_to_endpoint(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_register_http_endpoint(f->lc, "/chat", ep_api);
  connect_peer(f, "p");
  f->log[0] = '\0';
  assert_string_equal(exchange(f, WS_UPGRADE("/chat/room")), WS_101);
  peer_frame(f, 0x81, "hi", 2);
  peer_frame(f, 0x89, "p", 1);
  run_ms(f, 10);
  assert_string_equal(f->log,
                      "main:RECV api:WS_REQUEST api:WS_DONE api:SEND "
                      "api:RECV api:FRAME(81:hi) api:CONTROL(89:p) api:SEND");
  sim_peer_close(f->peer);
  run_ms(f, 10);
  assert_non_null(strstr(f->log, "api:CLOSE"));
  assert_null(strstr(f->log, "main:CLOSE"));
  f->log[0] = '\0';
  connect_peer(f, "q");
  assert_string_equal(exchange(f, WS_UPGRADE("/other")), WS_101);
  peer_frame(f, 0x81, "yo", 2);
  run_ms(f, 10);
  assert_string_equal(f->log, "main:ACCEPT main:RECV main:WS_REQUEST main:WS_DONE main:SEND "
                              "main:RECV main:FRAME(81:yo)");
}

/* By default fragments are reassembled: one FRAME with FIN and the
 * message's opcode; a PING between fragments is handled at once. */
static void test_fragments_reassembled_by_default(void **state) {
  struct fx *f = (struct fx *) *state;
  ws_open(f, "p");
  peer_frame(f, 0x01, "Hel", 3);
  peer_frame(f, 0x89, "p", 1);
  peer_frame(f, 0x80, "lo", 2);
  run_ms(f, 10);
  assert_string_equal(f->log,
                      "main:RECV main:CONTROL(89:p) main:FRAME(81:Hello) main:SEND");
  take(f, f->peer);
  assert_got(f, "\x8a\x01p", 3); /* the PONG */
}

/* MG_F_WEBSOCKET_NO_DEFRAG: each fragment is a FRAME of its own, its flags
 * the fragment's FIN bit and opcode (CONTINUE for all but the first). */
static void test_no_defrag_delivers_fragments(void **state) {
  struct fx *f = (struct fx *) *state;
  ws_open(f, "p");
  f->nc->flags |= MG_F_WEBSOCKET_NO_DEFRAG;
  peer_frame(f, 0x02, "ab", 2);
  peer_frame(f, 0x00, "cd", 2);
  peer_frame(f, 0x89, "p", 1);
  peer_frame(f, 0x80, "e", 1);
  peer_frame(f, 0x81, "whole", 5);
  run_ms(f, 10);
  assert_string_equal(f->log,
                      "main:RECV main:FRAME(02:ab) main:FRAME(00:cd) main:CONTROL(89:p) "
                      "main:FRAME(80:e) main:FRAME(81:whole) main:SEND");
  assert_int_equal(f->nc->recv_mbuf.len, 0);
  take(f, f->peer);
  assert_got(f, "\x8a\x01p", 3);
}

/* Fragments of one message may arrive in separate reads. */
static void test_no_defrag_fragments_in_separate_reads(void **state) {
  struct fx *f = (struct fx *) *state;
  ws_open(f, "p");
  f->nc->flags |= MG_F_WEBSOCKET_NO_DEFRAG;
  peer_frame(f, 0x01, "one", 3);
  run_ms(f, 10);
  peer_frame(f, 0x00, "two", 3);
  run_ms(f, 10);
  peer_frame(f, 0x80, "three", 5);
  run_ms(f, 10);
  assert_string_equal(f->log,
                      "main:RECV main:FRAME(01:one) main:RECV main:FRAME(00:two) "
                      "main:RECV main:FRAME(80:three)");
}

/* Without reassembly UTF-8 is still checked across fragments: a character
 * split between two is fine, a message ending inside one is closed with
 * 1007 (RFC 6455 8.1). */
static void test_no_defrag_checks_utf8_across_fragments(void **state) {
  struct fx *f = (struct fx *) *state;
  ws_open(f, "p");
  f->nc->flags |= MG_F_WEBSOCKET_NO_DEFRAG;
  peer_frame(f, 0x01, "caf\xc3", 4);
  peer_frame(f, 0x80, "\xa9", 1);
  run_ms(f, 10);
  assert_string_equal(f->log, "main:RECV main:FRAME(01:caf\\xc3) main:FRAME(80:\\xa9)");
  assert_string_equal(take(f, f->peer), "");
  f->log[0] = '\0';
  peer_frame(f, 0x01, "x\xc3", 2);
  peer_frame(f, 0x80, "", 0);
  run_ms(f, 10);
  take(f, f->peer);
  assert_got(f, "\x88\x02\x03\xef", 4); /* CLOSE 1007 */
  assert_true(sim_peer_got_fin(f->peer));
}

/* Without reassembly a new message before the last one ended is still a
 * protocol error: CLOSE 1002 (RFC 6455 5.4). */
static void test_no_defrag_new_message_mid_message(void **state) {
  struct fx *f = (struct fx *) *state;
  ws_open(f, "p");
  f->nc->flags |= MG_F_WEBSOCKET_NO_DEFRAG;
  peer_frame(f, 0x02, "a", 1);
  peer_frame(f, 0x82, "b", 1);
  run_ms(f, 10);
  assert_string_equal(f->log, "main:RECV main:FRAME(02:a) main:SEND main:CLOSE");
  take(f, f->peer);
  assert_got(f, "\x88\x02\x03\xea", 4); /* CLOSE 1002 */
  assert_true(sim_peer_got_fin(f->peer));
}

/* And so is a CONTINUE with no message started. */
static void test_no_defrag_continue_without_start(void **state) {
  struct fx *f = (struct fx *) *state;
  ws_open(f, "p");
  f->nc->flags |= MG_F_WEBSOCKET_NO_DEFRAG;
  peer_frame(f, 0x80, "c", 1);
  run_ms(f, 10);
  assert_string_equal(f->log, "main:RECV main:SEND main:CLOSE");
  take(f, f->peer);
  assert_got(f, "\x88\x02\x03\xea", 4);
  assert_true(sim_peer_got_fin(f->peer));
}

/* ---- WebSocket, client side: the handshake request ------------------------ */

/* Connects the engine to the scripted server and returns the request it
 * received, with the key (checked: 16 random bytes in base64, RFC 6455 4.1)
 * replaced by "<key>" and copied to key. */
static const char *client_handshake(struct fx *f, void (*send)(struct mg_connection *),
                                    char key[25]) {
  static char text[2048];
  char name[16];
  const char *k, *end;
  f->on_connect = send;
  assert_non_null(mg_connect(&f->mgr, "tcp://" PEER_SERVER_ADDR, main_handler));
  run_ms(f, 10);
  /* The listening peer names what it accepts srv.1, srv.2, ... */
  snprintf(name, sizeof(name), "srv.%d", ++f->clients);
  f->peer = sim_peer_find(f->sim, name);
  assert_non_null(f->peer);
  take(f, f->peer);
  k = strstr(f->got, "Sec-WebSocket-Key: ");
  assert_non_null(k);
  k += strlen("Sec-WebSocket-Key: ");
  end = strstr(k, "\r\n");
  assert_non_null(end);
  assert_int_equal(end - k, 24);
  assert_int_equal(strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                             "0123456789+/"), 22);
  assert_memory_equal(k + 22, "==", 2);
  memcpy(key, k, 24);
  key[24] = '\0';
  snprintf(text, sizeof(text), "%.*s<key>%s", (int) (k - f->got), f->got, end);
  return text;
}

#define HS_FIXED(path, host)                                              \
  "GET " path " HTTP/1.1\r\nHost: " host "\r\nUpgrade: websocket\r\n"     \
  "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"                  \
  "Sec-WebSocket-Key: <key>\r\n"

static void send_hs3_full(struct mg_connection *nc) {
  mg_send_websocket_handshake3(nc, "/chat?room=1", "example.com", "chat, superchat",
                               "Origin: http://example.com\r\nX-Id: 7\r\n",
                               "Aladdin", "open sesame");
}

/* Protocol, credentials (RFC 7617 2's own example) and extra headers, in
 * that order, after the fixed part. */
static void test_handshake3_all_fields(void **state) {
  struct fx *f = (struct fx *) *state;
  char key[25];
  assert_string_equal(client_handshake(f, send_hs3_full, key),
                      HS_FIXED("/chat?room=1", "example.com")
                      "Sec-WebSocket-Protocol: chat, superchat\r\n"
                      "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
                      "Origin: http://example.com\r\nX-Id: 7\r\n\r\n");
  assert_string_equal(f->log, "main:CONNECT(0) main:SEND");
}

static void send_hs3_defaults(struct mg_connection *nc) {
  mg_send_websocket_handshake3(nc, "/", NULL, NULL, NULL, "u", NULL);
}

/* No host: "localhost"; a user without a password: "u:". */
static void test_handshake3_defaults(void **state) {
  struct fx *f = (struct fx *) *state;
  char key[25];
  assert_string_equal(client_handshake(f, send_hs3_defaults, key),
                      HS_FIXED("/", "localhost")
                      "Authorization: Basic dTo=\r\n\r\n");
}

static void send_hs2(struct mg_connection *nc) {
  mg_send_websocket_handshake2(nc, "/h2", "h2.test:8080", "p2", "X-Y: z\r\n");
}

static void test_handshake2(void **state) {
  struct fx *f = (struct fx *) *state;
  char key[25];
  assert_string_equal(client_handshake(f, send_hs2, key),
                      HS_FIXED("/h2", "h2.test:8080")
                      "Sec-WebSocket-Protocol: p2\r\nX-Y: z\r\n\r\n");
}

static void send_hs1(struct mg_connection *nc) {
  mg_send_websocket_handshake(nc, "/h1", "X-A: b\r\n");
}

/* The plain form names the host by the remote address. */
static void test_handshake_host_from_remote_address(void **state) {
  struct fx *f = (struct fx *) *state;
  char key[25];
  assert_string_equal(client_handshake(f, send_hs1, key),
                      HS_FIXED("/h1", PEER_SERVER_ADDR) "X-A: b\r\n\r\n");
}

/* Each handshake has a fresh key. */
static void test_handshake_keys_differ(void **state) {
  struct fx *f = (struct fx *) *state;
  char key1[25], key2[25];
  client_handshake(f, send_hs1, key1);
  client_handshake(f, send_hs1, key2);
  assert_string_not_equal(key1, key2);
}

/* ---- WebSocket, client side: after the handshake -------------------------- */

/* The server accepts with the value the key calls for: the client gets
 * HANDSHAKE_DONE and then sends masked frames (RFC 6455 5.3). */
static void test_handshake3_accepted_then_masked_frames(void **state) {
  struct fx *f = (struct fx *) *state;
  char key[25], accept[29], reply[256], text[301];
  unsigned char *p;
  size_t i;
  client_handshake(f, send_hs3_full, key);
  ws_accept_key(key, strlen(key), accept);
  snprintf(reply, sizeof(reply),
           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
  assert_int_equal(sim_peer_send(f->peer, reply, strlen(reply)), 0);
  run_ms(f, 10);
  assert_string_equal(f->log, "main:CONNECT(0) main:SEND main:RECV main:WS_DONE");
  assert_non_null(f->nc = mg_next(&f->mgr, NULL));
  assert_true(f->nc->flags & MG_F_IS_WEBSOCKET);

  memset(text, 0, sizeof(text));
  memset(text, 'q', 300);
  mg_printf_websocket_frame(f->nc, WEBSOCKET_OP_TEXT, "%s", text);
  run_ms(f, 10);
  take(f, f->peer);
  assert_int_equal(f->got_len, 4 + 4 + 300);
  p = (unsigned char *) f->got;
  assert_int_equal(p[0], 0x81);
  assert_int_equal(p[1], 0x80 | 126); /* masked, 16-bit length */
  assert_int_equal((p[2] << 8) | p[3], 300);
  for (i = 0; i < 300; i++) p[8 + i] ^= p[4 + i % 4];
  assert_memory_equal(p + 8, text, 300);
}

/* An accept value that does not match the key: no HANDSHAKE_DONE, the
 * client closes. */
static void test_handshake3_wrong_accept_closes(void **state) {
  struct fx *f = (struct fx *) *state;
  char key[25];
  const char *reply = WS_101; /* the accept of some other key */
  client_handshake(f, send_hs3_full, key);
  assert_string_not_equal(key, "dGhlIHNhbXBsZSBub25jZQ==");
  assert_int_equal(sim_peer_send(f->peer, reply, strlen(reply)), 0);
  run_ms(f, 10);
  assert_string_equal(f->log, "main:CONNECT(0) main:SEND main:RECV main:CLOSE");
  assert_true(sim_peer_got_fin(f->peer) || sim_peer_got_rst(f->peer));
}

int main(void) {
#define SERVER_TEST(t) cmocka_unit_test_setup_teardown(t, setup_server, teardown)
#define CLIENT_TEST(t) cmocka_unit_test_setup_teardown(t, setup_client, teardown)
  const struct CMUnitTest tests[] = {
      SERVER_TEST(test_endpoint_matches_path_and_children),
      SERVER_TEST(test_endpoint_longest_path_wins),
      SERVER_TEST(test_endpoint_with_trailing_slash),
      SERVER_TEST(test_endpoint_registered_twice_latest_wins),
      SERVER_TEST(test_endpoint_empty_path_matches_everything),
      SERVER_TEST(test_endpoint_null_path_ignored),
      SERVER_TEST(test_endpoint_gets_request_handler_gets_the_rest),
      SERVER_TEST(test_endpoint_gets_chunks),
      SERVER_TEST(test_endpoint_unused_gets_no_close),
      SERVER_TEST(test_endpoint_glob_patterns),
      SERVER_TEST(test_endpoint_opt),
      SERVER_TEST(test_endpoint_registered_before_protocol),
      SERVER_TEST(test_endpoints_outlive_listener),
      SERVER_TEST(test_endpoints_copied_at_accept),
      SERVER_TEST(test_limits_inherited_from_listener),
      SERVER_TEST(test_limits_on_one_connection),
      SERVER_TEST(test_idle_timeout_inherited),
      SERVER_TEST(test_header_timeout_inherited),
      SERVER_TEST(test_http_calls_without_http_do_nothing),
      SERVER_TEST(test_printf_frame_short),
      SERVER_TEST(test_printf_frame_long),
      SERVER_TEST(test_printf_frame_dont_fin),
      SERVER_TEST(test_websocket_upgrade_to_endpoint),
      SERVER_TEST(test_fragments_reassembled_by_default),
      SERVER_TEST(test_no_defrag_delivers_fragments),
      SERVER_TEST(test_no_defrag_fragments_in_separate_reads),
      SERVER_TEST(test_no_defrag_checks_utf8_across_fragments),
      SERVER_TEST(test_no_defrag_new_message_mid_message),
      SERVER_TEST(test_no_defrag_continue_without_start),
      CLIENT_TEST(test_handshake3_all_fields),
      CLIENT_TEST(test_handshake3_defaults),
      CLIENT_TEST(test_handshake2),
      CLIENT_TEST(test_handshake_host_from_remote_address),
      CLIENT_TEST(test_handshake_keys_differ),
      CLIENT_TEST(test_handshake3_accepted_then_masked_frames),
      CLIENT_TEST(test_handshake3_wrong_accept_closes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
