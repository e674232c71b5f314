/*
 * test_http_client.c - the client role of the HTTP handler, on the
 * simulated iface against a scripted server at 10.0.0.2:80:
 *
 *   - a connection made by mg_connect is a client whoever sets the protocol
 *     and whenever: it parses replies and gets MG_EV_HTTP_REPLY;
 *   - a reply's body streams as MG_EV_HTTP_CHUNK, every byte once, the
 *     completing piece included; MG_F_DELETE_CHUNK drops pieces, and
 *     MG_EV_HTTP_REPLY carries what is kept;
 *   - a body kept beyond recv_mbuf_limit closes with EMSGSIZE, a reply cut
 *     short by the server's FIN with EPIPE: neither is ever delivered as a
 *     complete MG_EV_HTTP_REPLY;
 *   - mg_connect_http: URLs without a scheme, credentials in the URL, the
 *     error strings of bad URLs;
 *   - mg_connect_ws: a refused handshake reaches the handler as
 *     MG_EV_WEBSOCKET_HANDSHAKE_DONE with the reply's status, then CLOSE.
 */
#include "sim.h"
#include "testutil.h"

#define MS 1000LL
#define PEER_SERVER_ADDR "10.0.0.2:80"

struct fx {
  struct sim *sim;
  struct mg_mgr mgr;
  struct sim_peer *srv;  /* the connection the scripted server accepted */
  int accepted;          /* how many it accepted so far */
  int set_protocol_at;   /* the event at which the handler sets HTTP, or -1 */
  int delete_chunks;     /* the handler sets MG_F_DELETE_CHUNK */
  size_t chunk_bytes;    /* the bytes of long chunks (not logged) */
  char log[4096];
  char got[4096];        /* what the server received */
};

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

/* A body as text, or as its length when it is long. */
static void body_text(const struct http_message *hm, char *out, size_t cap) {
  if (hm->body.len <= 32) {
    snprintf(out, cap, "%.*s", (int) hm->body.len, hm->body.p);
  } else {
    snprintf(out, cap, "<%zu bytes>", hm->body.len);
  }
}

static void handler(struct mg_connection *nc, int ev, void *ev_data) {
  char body[64];
  struct fx *f = fx_of(nc);
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == f->set_protocol_at) mg_set_protocol_http_websocket(nc);
  switch (ev) {
    case MG_EV_CONNECT: log_add(f, "CONNECT(%d)", *(int *) ev_data); break;
    case MG_EV_CLOSE:
      /* why it closed, when something went wrong */
      if (nc->err == 0) {
        log_add(f, "CLOSE");
      } else {
        log_add(f, "CLOSE(%s)", nc->err == EMSGSIZE ? "EMSGSIZE"
                                : nc->err == EPIPE  ? "EPIPE"
                                : nc->err == EPROTO ? "EPROTO"
                                : nc->err == ECONNRESET ? "ECONNRESET"
                                                        : "other");
      }
      break;
    case MG_EV_HTTP_REPLY:
      body_text(hm, body, sizeof(body));
      log_add(f, "REPLY(%d,%s)", hm->resp_code, body);
      break;
    case MG_EV_HTTP_REQUEST: log_add(f, "REQUEST"); break;
    case MG_EV_HTTP_CHUNK:
      body_text(hm, body, sizeof(body));
      if (hm->body.len > 32) f->chunk_bytes += hm->body.len;
      if (hm->body.len <= 32) log_add(f, "CHUNK(%s)", body);
      if (f->delete_chunks) nc->flags |= MG_F_DELETE_CHUNK;
      break;
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE:
      log_add(f, "WS_DONE(%d,%.*s)", hm->resp_code, (int) hm->body.len, hm->body.p);
      break;
    default: break;
  }
}

static void run_ms(struct fx *f, int64_t ms) {
  assert_int_equal(sim_run_until(f->sim, &f->mgr, sim_now(f->sim) + ms * MS), 0);
}

static int setup(void **state) {
  struct fx *f = (struct fx *) calloc(1, sizeof(*f));
  if (f == NULL || (f->sim = sim_new(1)) == NULL) return -1;
  sim_mgr_init(f->sim, &f->mgr, f);
  if (sim_peer_listen(sim_peer_new(f->sim, "srv"), PEER_SERVER_ADDR, SIM_ACCEPT) != 0) {
    return -1;
  }
  f->set_protocol_at = -1;
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

/* After the engine connected: the server side's peer and what it got. */
static const char *server_got(struct fx *f) {
  char name[16];
  const struct mbuf *rx;
  run_ms(f, 10);
  snprintf(name, sizeof(name), "srv.%d", ++f->accepted);
  f->srv = sim_peer_find(f->sim, name);
  assert_non_null(f->srv);
  rx = sim_peer_received(f->srv);
  assert_true(rx->len < sizeof(f->got));
  memcpy(f->got, rx->buf, rx->len);
  f->got[rx->len] = '\0';
  return f->got;
}

static void server_sends(struct fx *f, const char *bytes) {
  assert_int_equal(sim_peer_send(f->srv, bytes, strlen(bytes)), 0);
  run_ms(f, 10);
}

/* ---- the client role -------------------------------------------------------- */

/* The protocol set right after mg_connect, before the connection is up. */
static void test_connect_then_protocol_is_client(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_connection *nc = mg_connect(&f->mgr, PEER_SERVER_ADDR, handler);
  assert_non_null(nc);
  mg_set_protocol_http_websocket(nc);
  mg_printf(nc, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
  assert_string_equal(server_got(f), "GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
  server_sends(f, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
  assert_string_equal(f->log, "CONNECT(0) CHUNK(hi) REPLY(200,hi)");
  /* nothing went back: a server would have answered 400 */
  assert_int_equal(sim_peer_received(f->srv)->len, strlen(f->got));
}

/* The protocol set from the handler, at CONNECT, as many programs do. */
static void test_protocol_set_at_connect_is_client(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_connection *nc;
  f->set_protocol_at = MG_EV_CONNECT;
  nc = mg_connect(&f->mgr, "tcp://" PEER_SERVER_ADDR, handler);
  assert_non_null(nc);
  mg_printf(nc, "GET / HTTP/1.0\r\n\r\n");
  server_got(f);
  server_sends(f, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  assert_string_equal(f->log, "CONNECT(0) REPLY(404,)");
}

/* A reply that ends with the close is delivered at the close. */
static void test_reply_until_close(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_connection *nc = mg_connect(&f->mgr, PEER_SERVER_ADDR, handler);
  mg_set_protocol_http_websocket(nc);
  mg_printf(nc, "GET / HTTP/1.0\r\n\r\n");
  server_got(f);
  server_sends(f, "HTTP/1.0 200 OK\r\n\r\nab");
  assert_int_equal(sim_peer_close(f->srv), 0);
  run_ms(f, 10);
  assert_string_equal(f->log, "CONNECT(0) CHUNK(ab) REPLY(200,ab) CLOSE");
}

/* ---- streamed Content-Length replies ------------------------------------- */

static void test_content_length_reply_streams_chunks(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_connection *nc = mg_connect_http(&f->mgr, handler, "http://" PEER_SERVER_ADDR "/f",
                                             NULL, NULL);
  assert_non_null(nc);
  server_got(f);
  server_sends(f, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  server_sends(f, "defg");
  server_sends(f, "hij");
  assert_string_equal(f->log,
                      "CONNECT(0) CHUNK(abc) CHUNK(defg) CHUNK(hij) REPLY(200,abcdefghij)");
}

/* Pieces the handler deletes are gone from the final body. */
static void test_delete_chunk_drops_streamed_pieces(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_connection *nc = mg_connect_http(&f->mgr, handler, "http://" PEER_SERVER_ADDR "/f",
                                             NULL, NULL);
  assert_non_null(nc);
  f->delete_chunks = 1;
  server_got(f);
  server_sends(f, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  server_sends(f, "defg");
  assert_int_equal(nc->recv_mbuf.len, strlen("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"));
  server_sends(f, "hij");
  assert_string_equal(f->log, "CONNECT(0) CHUNK(abc) CHUNK(defg) CHUNK(hij) REPLY(200,)");
}

/* A body far larger than recv_mbuf_limit downloads when the handler
 * deletes what it consumed; the next reply on the connection follows. */
static void test_big_download_with_delete_chunk(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_connection *nc = mg_connect_http(&f->mgr, handler, "http://" PEER_SERVER_ADDR "/f",
                                             NULL, NULL);
  static char piece[4096];
  int i;
  assert_non_null(nc);
  nc->recv_mbuf_limit = 8192;
  f->delete_chunks = 1;
  server_got(f);
  server_sends(f, "HTTP/1.1 200 OK\r\nContent-Length: 409600\r\n\r\n");
  memset(piece, 'z', sizeof(piece));
  for (i = 0; i < 100; i++) {
    assert_int_equal(sim_peer_send(f->srv, piece, sizeof(piece)), 0);
    run_ms(f, 2);
    assert_true(nc->recv_mbuf.len <= 8192);
  }
  run_ms(f, 100);
  /* every byte passed once, in a chunk; the handler kept none */
  assert_int_equal(f->chunk_bytes, 409600);
  assert_string_equal(f->log, "CONNECT(0) REPLY(200,)");
}

/* Kept pieces beyond recv_mbuf_limit: the client gives up, loudly. */
static void test_kept_body_over_limit_closes(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_connection *nc = mg_connect_http(&f->mgr, handler, "http://" PEER_SERVER_ADDR "/f",
                                             NULL, NULL);
  static char piece[4096];
  int i;
  assert_non_null(nc);
  nc->recv_mbuf_limit = 8192;
  server_got(f);
  server_sends(f, "HTTP/1.1 200 OK\r\nContent-Length: 409600\r\n\r\n");
  memset(piece, 'z', sizeof(piece));
  for (i = 0; i < 4; i++) assert_int_equal(sim_peer_send(f->srv, piece, sizeof(piece)), 0);
  run_ms(f, 100);
  assert_string_equal(f->log, "CONNECT(0) CLOSE(EMSGSIZE)");
}

/* The same for a body that ends with the close, and a chunked one: what
 * fitted is never delivered as if it were the whole body. */
static void test_kept_close_delimited_over_limit_closes(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_connection *nc = mg_connect_http(&f->mgr, handler, "http://" PEER_SERVER_ADDR "/f",
                                             NULL, NULL);
  static char piece[4096];
  int i;
  assert_non_null(nc);
  nc->recv_mbuf_limit = 8192;
  server_got(f);
  server_sends(f, "HTTP/1.1 200 OK\r\n\r\n");
  memset(piece, 'z', sizeof(piece));
  for (i = 0; i < 4; i++) assert_int_equal(sim_peer_send(f->srv, piece, sizeof(piece)), 0);
  assert_int_equal(sim_peer_close(f->srv), 0);
  run_ms(f, 100);
  assert_string_equal(f->log, "CONNECT(0) CLOSE(EMSGSIZE)");
}

static void test_kept_chunked_over_limit_closes(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_connection *nc = mg_connect_http(&f->mgr, handler, "http://" PEER_SERVER_ADDR "/f",
                                             NULL, NULL);
  static char piece[4096 + 16];
  int i, n;
  assert_non_null(nc);
  nc->recv_mbuf_limit = 8192;
  server_got(f);
  server_sends(f, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  n = snprintf(piece, sizeof(piece), "1000\r\n");
  memset(piece + n, 'z', 4096);
  memcpy(piece + n + 4096, "\r\n", 2);
  for (i = 0; i < 4; i++) {
    assert_int_equal(sim_peer_send(f->srv, piece, (size_t) n + 4096 + 2), 0);
  }
  run_ms(f, 100);
  assert_string_equal(f->log, "CONNECT(0) CLOSE(EMSGSIZE)");
}

/* ---- replies cut short ----------------------------------------------------- */

/* Fewer bytes than Content-Length, then the server's FIN: no REPLY. */
static void test_truncated_length_reply_is_not_delivered(void **state) {
  struct fx *f = (struct fx *) *state;
  assert_non_null(mg_connect_http(&f->mgr, handler, "http://" PEER_SERVER_ADDR "/f", NULL,
                                  NULL));
  server_got(f);
  server_sends(f, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  assert_int_equal(sim_peer_close(f->srv), 0);
  run_ms(f, 10);
  assert_string_equal(f->log, "CONNECT(0) CHUNK(abc) CLOSE(EPIPE)");
}

/* A chunked reply without its last chunk. */
static void test_truncated_chunked_reply_is_not_delivered(void **state) {
  struct fx *f = (struct fx *) *state;
  assert_non_null(mg_connect_http(&f->mgr, handler, "http://" PEER_SERVER_ADDR "/f", NULL,
                                  NULL));
  server_got(f);
  server_sends(f, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
  assert_int_equal(sim_peer_close(f->srv), 0);
  run_ms(f, 10);
  assert_string_equal(f->log, "CONNECT(0) CHUNK(abc) CLOSE(EPIPE)");
}

/* A reply that ends with the close ends only with the server's FIN: when
 * the client closes first (a handler giving up), what came is not it. */
static void test_own_close_cuts_close_delimited_reply(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_connection *nc = mg_connect_http(&f->mgr, handler, "http://" PEER_SERVER_ADDR "/f",
                                             NULL, NULL);
  assert_non_null(nc);
  server_got(f);
  server_sends(f, "HTTP/1.0 200 OK\r\n\r\nab");
  nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  run_ms(f, 10);
  assert_string_equal(f->log, "CONNECT(0) CHUNK(ab) CLOSE");
}

/* Nor does a reset end it. */
static void test_reset_cuts_close_delimited_reply(void **state) {
  struct fx *f = (struct fx *) *state;
  assert_non_null(mg_connect_http(&f->mgr, handler, "http://" PEER_SERVER_ADDR "/f", NULL,
                                  NULL));
  server_got(f);
  server_sends(f, "HTTP/1.0 200 OK\r\n\r\nab");
  assert_int_equal(sim_peer_reset(f->srv), 0);
  run_ms(f, 10);
  assert_string_equal(f->log, "CONNECT(0) CHUNK(ab) CLOSE(ECONNRESET)");
}

/* ---- mg_connect_http URLs ------------------------------------------------- */

static void test_url_without_scheme_is_http(void **state) {
  struct fx *f = (struct fx *) *state;
  assert_non_null(mg_connect_http(&f->mgr, handler, PEER_SERVER_ADDR "/p?q=1", NULL, NULL));
  assert_string_equal(server_got(f), "GET /p?q=1 HTTP/1.1\r\nHost: 10.0.0.2\r\n\r\n");
}

/* RFC 7617 2's own example, from the URL's user information. */
static void test_url_credentials_become_basic_auth(void **state) {
  struct fx *f = (struct fx *) *state;
  assert_non_null(mg_connect_http(&f->mgr, handler,
                                  "http://Aladdin:open%20sesame@" PEER_SERVER_ADDR "/",
                                  "X-A: 1\r\n", "k=v"));
  assert_string_equal(server_got(f),
                      "POST / HTTP/1.1\r\nHost: 10.0.0.2\r\nContent-Length: 3\r\n"
                      "Authorization: Basic QWxhZGRpbjpvcGVuJTIwc2VzYW1l\r\n"
                      "X-A: 1\r\n\r\nk=v");
}

static void test_bad_urls_have_error_strings(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_connect_opts opts;
  const char *err = NULL;
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  assert_null(mg_connect_http_opt(&f->mgr, handler, opts, "https://10.0.0.2/", NULL, NULL));
  assert_string_equal(err, "ssl is disabled");
  err = NULL;
  assert_null(mg_connect_http_opt(&f->mgr, handler, opts, "ftp://10.0.0.2/", NULL, NULL));
  assert_string_equal(err, "cannot parse url");
  err = NULL;
  assert_null(mg_connect_ws_opt(&f->mgr, handler, opts, "http://10.0.0.2/", NULL, NULL));
  assert_string_equal(err, "cannot parse url");
  err = NULL;
  assert_null(mg_connect_http_opt(&f->mgr, handler, opts, NULL, NULL, NULL));
  assert_string_equal(err, "cannot parse url");
  assert_null(mg_next(&f->mgr, NULL));
}

/* ---- refused WebSocket handshakes ----------------------------------------- */

static void test_refused_handshake_reaches_handler(void **state) {
  struct fx *f = (struct fx *) *state;
  assert_non_null(mg_connect_ws(&f->mgr, handler, PEER_SERVER_ADDR "/chat", NULL, NULL));
  assert_non_null(strstr(server_got(f), "GET /chat HTTP/1.1\r\n"));
  assert_non_null(strstr(f->got, "Upgrade: websocket\r\n"));
  server_sends(f, "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno");
  assert_string_equal(f->log, "CONNECT(0) WS_DONE(403,no) CLOSE");
  assert_true(sim_peer_got_fin(f->srv));
}

static void test_refused_handshake_body_in_pieces(void **state) {
  struct fx *f = (struct fx *) *state;
  assert_non_null(mg_connect_ws(&f->mgr, handler, "ws://" PEER_SERVER_ADDR "/", NULL, NULL));
  server_got(f);
  server_sends(f, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot");
  server_sends(f, " found");
  assert_string_equal(f->log, "CONNECT(0) WS_DONE(404,not found) CLOSE");
}

int main(void) {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_connect_then_protocol_is_client),
      T(test_protocol_set_at_connect_is_client),
      T(test_reply_until_close),
      T(test_content_length_reply_streams_chunks),
      T(test_delete_chunk_drops_streamed_pieces),
      T(test_big_download_with_delete_chunk),
      T(test_kept_body_over_limit_closes),
      T(test_kept_close_delimited_over_limit_closes),
      T(test_kept_chunked_over_limit_closes),
      T(test_truncated_length_reply_is_not_delivered),
      T(test_truncated_chunked_reply_is_not_delivered),
      T(test_own_close_cuts_close_delimited_reply),
      T(test_reset_cuts_close_delimited_reply),
      T(test_url_without_scheme_is_http),
      T(test_url_credentials_become_basic_auth),
      T(test_bad_urls_have_error_strings),
      T(test_refused_handshake_reaches_handler),
      T(test_refused_handshake_body_in_pieces),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
