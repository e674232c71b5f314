/*
 * test_http_send.c - the reply helpers of engine/http_send.c, on the wire.
 *
 * Each test runs a real HTTP server on the simulated iface (mg_bind plus
 * mg_set_protocol_http_websocket); a scripted peer sends a request, the
 * server's handler answers with the function under test, and the test checks
 * the exact bytes the peer receives: status lines and texts, the Date,
 * Server and Connection headers, Content-Length and chunked framing
 * (RFC 9112 7.1; none for 1xx and 204, plain data closed by the server for
 * HTTP/1.0), HTML escaping, error bodies and redirects.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"
#include "testutil.h"

#define MS 1000LL
#define SEC 1000000LL

/* The virtual clock starts at mg_time() == SIM_EPOCH (1,000,000 s). */
#define DATE "Date: Mon, 12 Jan 1970 13:46:40 GMT\r\n"
/* The start of every server reply: status line, Date, Server. */
#define SERVER "Server: Mongoose/6.18\r\n"
#define HEAD(status) "HTTP/1.1 " status "\r\n" DATE SERVER

#define GET11 "GET / HTTP/1.1\r\nHost: t\r\n\r\n"

typedef void (*reply_fn)(struct mg_connection *nc, struct http_message *hm);

struct fx {
  struct sim *sim;
  struct mg_mgr mgr;
  struct sim_peer *peer;
  reply_fn reply;       /* what the server does with each request */
  void (*later)(struct mg_connection *nc); /* what it does on its timer */
  char got[8192];       /* the bytes of the last exchange, NUL-terminated */
  size_t got_len;
};

/* ---- helpers -------------------------------------------------------------- */

static void server(struct mg_connection *nc, int ev, void *ev_data) {
  struct fx *f = (struct fx *) nc->mgr->user_data;
  if (ev == MG_EV_HTTP_REQUEST) f->reply(nc, (struct http_message *) ev_data);
  if (ev == MG_EV_TIMER && f->later != NULL) f->later(nc);
}

/* "/404" -> 404, "-1" -> -1: the tests pass numbers to the handler in the
 * request target ("GET /204?-1"). */
static long long number(struct mg_str s) {
  long long n = 0;
  size_t i = s.len > 0 && s.p[0] == '/' ? 1 : 0;
  int neg = i < s.len && s.p[i] == '-';
  for (i += (size_t) neg; i < s.len; i++) n = n * 10 + (s.p[i] - '0');
  return neg ? -n : n;
}

static int uri_number(const struct http_message *hm) {
  return (int) number(hm->uri);
}

static int setup(void **state) {
  struct fx *f = (struct fx *) calloc(1, sizeof(*f));
  struct mg_connection *lc;
  if (f == NULL || (f->sim = sim_new(1)) == NULL) return -1;
  sim_mgr_init(f->sim, &f->mgr, f);
  if ((lc = mg_bind(&f->mgr, "tcp://10.0.0.1:80", server)) == NULL) return -1;
  mg_set_protocol_http_websocket(lc);
  f->peer = sim_peer_new(f->sim, "client");
  if (f->peer == NULL || sim_peer_connect(f->peer, "10.0.0.1:80") != 0) return -1;
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

/* Sends a request, lets the simulation run 10 ms and returns what the peer
 * received meanwhile (also in f->got, f->got_len). */
static const char *exchange(struct fx *f, const char *request) {
  const struct mbuf *rx = sim_peer_received(f->peer);
  size_t *cursor = sim_peer_cursor(f->peer);
  assert_int_equal(sim_peer_send(f->peer, request, strlen(request)), 0);
  assert_int_equal(sim_run_until(f->sim, &f->mgr, sim_now(f->sim) + 10 * MS), 0);
  f->got_len = rx->len - *cursor;
  assert_true(f->got_len < sizeof(f->got));
  memcpy(f->got, rx->buf + *cursor, f->got_len);
  f->got[f->got_len] = '\0';
  *cursor = rx->len;
  return f->got;
}

/* ---- mg_send_head and mg_send_response_line ------------------------------- */

static void reply_hello(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_send_head(nc, 200, 5, NULL);
  mg_send(nc, "hello", 5);
}

static void test_head_with_content_length(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_hello;
  assert_string_equal(exchange(f, GET11),
                      HEAD("200 OK") "Content-Length: 5\r\n\r\nhello");
  assert_false(sim_peer_got_fin(f->peer)); /* HTTP/1.1: the connection stays */
}

static void reply_extra_headers(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_send_head(nc, 201, 0, "Content-Type: text/plain\r\nX-Id: 7");
}

/* Extra headers go after Server, before the framing, ended by one CRLF. */
static void test_head_with_extra_headers(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_extra_headers;
  assert_string_equal(exchange(f, GET11),
                      HEAD("201 Created") "Content-Type: text/plain\r\nX-Id: 7\r\n"
                                          "Content-Length: 0\r\n\r\n");
}

static void reply_empty_extra(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_send_head(nc, 200, 0, "");
}

/* An empty extra_headers string adds no blank line (which would end the
 * head early). */
static void test_head_with_empty_extra_headers(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_empty_extra;
  assert_string_equal(exchange(f, GET11), HEAD("200 OK") "Content-Length: 0\r\n\r\n");
}

static void reply_big_length(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_send_head(nc, 200, INT64_C(5000000000), NULL);
  nc->flags |= MG_F_SEND_AND_CLOSE; /* the body never comes */
}

/* Content-Length is a 64-bit count: no truncation to int. */
static void test_head_with_length_over_4g(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_big_length;
  assert_string_equal(exchange(f, GET11),
                      HEAD("200 OK") "Content-Length: 5000000000\r\n\r\n");
}

static void reply_line_only(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_send_response_line(nc, 204, "X-A: 1");
  mg_send(nc, "\r\n", 2);
}

/* The response line alone: no framing header, the caller ends the head. */
static void test_response_line_alone(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_line_only;
  assert_string_equal(exchange(f, GET11), HEAD("204 No Content") "X-A: 1\r\n\r\n");
}

/* Date is the virtual clock, mg_time(), in RFC 9110 IMF-fixdate form. */
static void test_date_follows_the_clock(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_hello;
  assert_int_equal(sim_run_until(f->sim, &f->mgr, 3 * 3600 * SEC + 90 * SEC), 0);
  /* A fresh connection: the first one has idled out by now. */
  f->peer = sim_peer_new(f->sim, "late");
  assert_int_equal(sim_peer_connect(f->peer, "10.0.0.1:80"), 0);
  assert_string_equal(exchange(f, GET11),
                      "HTTP/1.1 200 OK\r\nDate: Mon, 12 Jan 1970 16:48:10 GMT\r\n"
                      SERVER "Content-Length: 5\r\n\r\nhello");
}

static void reply_head_of_target(struct mg_connection *nc, struct http_message *hm) {
  mg_send_head(nc, uri_number(hm), number(hm->query_string), NULL);
}

/* 1xx and 204 replies have no content: mg_send_head sends neither
 * Content-Length nor Transfer-Encoding (RFC 9110 8.6, RFC 9112 6.1). */
static void test_bodyless_statuses_have_no_framing(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_head_of_target;
  assert_string_equal(exchange(f, "GET /204?0 HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("204 No Content") "\r\n");
  assert_string_equal(exchange(f, "GET /204?-1 HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("204 No Content") "\r\n");
  assert_string_equal(exchange(f, "GET /100?0 HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("100 Continue") "\r\n");
  assert_string_equal(exchange(f, "GET /199?-1 HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("199 OK") "\r\n");
}

/* A 304 may give the length the 200 would have had: that one is kept. */
static void test_304_keeps_content_length(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_head_of_target;
  assert_string_equal(exchange(f, "GET /304?1234 HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("304 Not Modified") "Content-Length: 1234\r\n\r\n");
}

/* ---- status texts ----------------------------------------------------------- */

static void reply_status_of_uri(struct mg_connection *nc, struct http_message *hm) {
  mg_send_head(nc, uri_number(hm), 0, NULL);
}

/* One request on the kept-alive connection per code; returns the status
 * line's text. */
static const char *status_text_of(struct fx *f, int code) {
  static char line[128];
  char req[64];
  const char *got, *eol;
  snprintf(req, sizeof(req), "GET /%d HTTP/1.1\r\nHost: t\r\n\r\n", code);
  got = exchange(f, req);
  eol = strstr(got, "\r\n");
  assert_non_null(eol);
  assert_true(strncmp(got, "HTTP/1.1 ", 9) == 0);
  snprintf(line, sizeof(line), "%.*s", (int) (eol - got - 9), got + 9);
  return line;
}

static void test_known_status_texts(void **state) {
  static const struct {
    int code;
    const char *line;
  } known[] = {
      {100, "100 Continue"},
      {101, "101 Switching Protocols"},
      {200, "200 OK"},
      {201, "201 Created"},
      {204, "204 No Content"},
      {206, "206 Partial Content"},
      {301, "301 Moved Permanently"},
      {302, "302 Found"},
      {303, "303 See Other"},
      {304, "304 Not Modified"},
      {307, "307 Temporary Redirect"},
      {308, "308 Permanent Redirect"},
      {400, "400 Bad Request"},
      {401, "401 Unauthorized"},
      {403, "403 Forbidden"},
      {404, "404 Not Found"},
      {405, "405 Method Not Allowed"},
      {408, "408 Request Timeout"},
      {411, "411 Length Required"},
      {413, "413 Content Too Large"},
      {414, "414 URI Too Long"},
      {416, "416 Range Not Satisfiable"},
      {426, "426 Upgrade Required"},
      {431, "431 Request Header Fields Too Large"},
      {500, "500 Internal Server Error"},
      {501, "501 Not Implemented"},
      {503, "503 Service Unavailable"},
      {505, "505 HTTP Version Not Supported"},
  };
  struct fx *f = (struct fx *) *state;
  size_t i;
  f->reply = reply_status_of_uri;
  for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
    assert_string_equal(status_text_of(f, known[i].code), known[i].line);
  }
}

/* Codes without a text of their own get one for their class. */
static void test_unknown_status_texts(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_status_of_uri;
  assert_string_equal(status_text_of(f, 199), "199 OK");
  assert_string_equal(status_text_of(f, 299), "299 OK");
  assert_string_equal(status_text_of(f, 300), "300 Redirect");
  assert_string_equal(status_text_of(f, 399), "399 Redirect");
  assert_string_equal(status_text_of(f, 402), "402 Error");
  assert_string_equal(status_text_of(f, 418), "418 Error");
  assert_string_equal(status_text_of(f, 599), "599 Error");
}

/* ---- the Connection header ------------------------------------------------- */

static void test_http11_keep_alive_has_no_connection_header(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_hello;
  assert_string_equal(exchange(f, "GET / HTTP/1.1\r\nHost: t\r\nConnection: keep-alive\r\n\r\n"),
                      HEAD("200 OK") "Content-Length: 5\r\n\r\nhello");
  assert_false(sim_peer_got_fin(f->peer));
}

static void test_http11_close_says_close(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_hello;
  assert_string_equal(exchange(f, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
                      HEAD("200 OK") "Connection: close\r\nContent-Length: 5\r\n\r\nhello");
  assert_true(sim_peer_got_fin(f->peer));
}

static void test_http10_says_close(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_hello;
  assert_string_equal(exchange(f, "GET / HTTP/1.0\r\n\r\n"),
                      HEAD("200 OK") "Connection: close\r\nContent-Length: 5\r\n\r\nhello");
  assert_true(sim_peer_got_fin(f->peer));
}

/* HTTP/1.0 closes by default, so keeping the connection must be said; the
 * next request on it gets the same answer. */
static void test_http10_keep_alive_says_keep_alive(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *req = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  const char *want = HEAD("200 OK") "Connection: keep-alive\r\nContent-Length: 5\r\n\r\nhello";
  f->reply = reply_hello;
  assert_string_equal(exchange(f, req), want);
  assert_false(sim_peer_got_fin(f->peer));
  assert_string_equal(exchange(f, req), want);
}

static void raw_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev != MG_EV_RECV) return;
  mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  mg_send_head(nc, 200, -1, NULL);
  mg_send_http_chunk(nc, "ok", 2);
}

/* On a connection that does not speak HTTP (no protocol handler) the
 * helpers still format a reply, with no Connection header: there is no
 * request to take it from. */
static void test_plain_tcp_connection_has_no_connection_header(void **state) {
  struct fx *f = (struct fx *) *state;
  struct sim_peer *p = sim_peer_new(f->sim, "raw");
  const struct mbuf *rx = sim_peer_received(p);
  assert_non_null(mg_bind(&f->mgr, "tcp://10.0.0.1:81", raw_handler));
  assert_int_equal(sim_peer_connect(p, "10.0.0.1:81"), 0);
  assert_int_equal(sim_peer_send(p, "x", 1), 0);
  sim_run_until(f->sim, &f->mgr, 10 * MS);
  assert_int_equal(rx->len, strlen(HEAD("200 OK") "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n"));
  assert_memory_equal(rx->buf, HEAD("200 OK") "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n",
                      rx->len);
}

/* ---- chunked replies ----------------------------------------------------- */

static void reply_chunks(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_send_head(nc, 200, -1, "Content-Type: text/plain");
  mg_send_http_chunk(nc, "hello", 5);
  mg_send_http_chunk(nc, " world", 6);
  mg_send_http_chunk(nc, "", 0);
}

/* mg_send_head(.., -1, ..) announces chunked coding; each chunk is its size
 * in hex, CRLF, the data, CRLF; an empty chunk is the last-chunk. */
static void test_chunked_reply(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_chunks;
  assert_string_equal(exchange(f, GET11),
                      HEAD("200 OK") "Content-Type: text/plain\r\n"
                                     "Transfer-Encoding: chunked\r\n\r\n"
                                     "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  assert_false(sim_peer_got_fin(f->peer));
}

/* HTTP/1.0 has no chunked coding (RFC 9112 6.1): the same reply goes out
 * unframed, says Connection: close even to keep-alive, and the close ends it. */
static void test_http10_chunked_reply_is_close_delimited(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_chunks;
  assert_string_equal(exchange(f, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
                      HEAD("200 OK") "Connection: close\r\nContent-Type: text/plain\r\n\r\n"
                                     "hello world");
  assert_true(sim_peer_got_fin(f->peer));
}

static void reply_head_then_printf_chunks(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_send_head(nc, 200, -1, NULL);
  mg_printf_http_chunk(nc, "%s=%d;", "a", 1);
  mg_printf_http_chunk(nc, "%s=%d;", "b", 2);
}

/* A reply is not over until its last chunk: to HTTP/1.0 the data goes out
 * unframed, and the connection stays open while the handler has not sent
 * the last chunk. */
static void test_http10_printf_chunks_are_plain_data(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_head_then_printf_chunks;
  assert_string_equal(exchange(f, "GET / HTTP/1.0\r\n\r\n"),
                      HEAD("200 OK") "Connection: close\r\n\r\na=1;b=2;");
  assert_false(sim_peer_got_fin(f->peer));
}

/* The rest of a reply may come after the request handler returned: a head
 * and a first chunk now, the rest on a timer 5 ms later. */
static void reply_first_chunk_now(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_send_head(nc, 200, -1, NULL);
  mg_send_http_chunk(nc, "one;", 4);
  mg_set_timer(nc, mg_time() + 0.005);
}

static void rest_of_reply_later(struct mg_connection *nc) {
  mg_send_http_chunk(nc, "two", 3);
  mg_send_http_chunk(nc, "", 0);
}

/* "Connection: close": the connection closes after the last chunk, not
 * when the handler returns. */
static void test_late_chunks_then_close(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_first_chunk_now;
  f->later = rest_of_reply_later;
  assert_string_equal(exchange(f, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
                      HEAD("200 OK") "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
                                     "4\r\none;\r\n3\r\ntwo\r\n0\r\n\r\n");
  assert_true(sim_peer_got_fin(f->peer));
}

/* HTTP/1.0: the late data is unframed and the close after it ends it. */
static void test_late_chunks_http10(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_first_chunk_now;
  f->later = rest_of_reply_later;
  assert_string_equal(exchange(f, "GET / HTTP/1.0\r\n\r\n"),
                      HEAD("200 OK") "Connection: close\r\n\r\none;two");
  assert_true(sim_peer_got_fin(f->peer));
}

static int s_requests_seen;

static void count_and_reply_first_chunk(struct mg_connection *nc, struct http_message *hm) {
  s_requests_seen++;
  if (mg_vcmp(&hm->uri, "/second") == 0) {
    mg_send_head(nc, 200, 2, NULL);
    mg_send(nc, "ok", 2);
    return;
  }
  reply_first_chunk_now(nc, hm);
}

/* Keep-alive with a pipelined second request: it waits until the first
 * reply has ended, and its reply follows the first, whole. */
static void test_pipelined_request_waits_for_late_chunks(void **state) {
  struct fx *f = (struct fx *) *state;
  s_requests_seen = 0;
  f->reply = count_and_reply_first_chunk;
  f->later = rest_of_reply_later;
  assert_int_equal(sim_peer_send(f->peer, GET11, strlen(GET11)), 0);
  assert_int_equal(sim_run_until(f->sim, &f->mgr, sim_now(f->sim) + 2 * MS), 0);
  assert_int_equal(s_requests_seen, 1);
  assert_string_equal(exchange(f, "GET /second HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("200 OK") "Transfer-Encoding: chunked\r\n\r\n"
                                     "4\r\none;\r\n3\r\ntwo\r\n0\r\n\r\n"
                      HEAD("200 OK") "Content-Length: 2\r\n\r\nok");
  assert_int_equal(s_requests_seen, 2);
  assert_false(sim_peer_got_fin(f->peer));
}

/* ---- replies without a body: HEAD, 204, 304 ------------------------------- */

static void reply_chunked_hello(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_send_head(nc, uri_number(hm) != 0 ? uri_number(hm) : 200, -1, NULL);
  mg_send_http_chunk(nc, "hello", 5);
  mg_send_http_chunk(nc, "", 0);
}

/* A HEAD gets the head a GET would get, chunked framing included, and no
 * chunk at all (RFC 9110 9.3.2); the pipelined GET after it is answered. */
static void test_head_drops_chunks(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_chunked_hello;
  assert_string_equal(exchange(f, "HEAD / HTTP/1.1\r\nHost: t\r\n\r\n" GET11),
                      HEAD("200 OK") "Transfer-Encoding: chunked\r\n\r\n"
                      HEAD("200 OK") "Transfer-Encoding: chunked\r\n\r\n"
                                     "5\r\nhello\r\n0\r\n\r\n");
  assert_false(sim_peer_got_fin(f->peer));
}

static void reply_head_only(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_send_head(nc, 200, -1, NULL);
}

/* A HEAD handler that sends the head alone has ended its reply: nothing
 * waits for a last chunk, and the next request is answered. */
static void test_head_alone_ends_reply(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_head_only;
  assert_string_equal(exchange(f, "HEAD / HTTP/1.1\r\nHost: t\r\n\r\n"
                                  "HEAD / HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("200 OK") "Transfer-Encoding: chunked\r\n\r\n"
                      HEAD("200 OK") "Transfer-Encoding: chunked\r\n\r\n");
}

/* 204 has no framing and no body: the chunks, the last one included, do
 * not reach the wire, where they would read as the start of a reply. */
static void test_204_drops_chunks(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_chunked_hello;
  assert_string_equal(exchange(f, "GET /204 HTTP/1.1\r\nHost: t\r\n\r\n" GET11),
                      HEAD("204 No Content") "\r\n"
                      HEAD("200 OK") "Transfer-Encoding: chunked\r\n\r\n"
                                     "5\r\nhello\r\n0\r\n\r\n");
}

/* 304 may keep the framing header of a 200 (RFC 9112 6.1), never a body. */
static void test_304_drops_chunks(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_chunked_hello;
  assert_string_equal(exchange(f, "GET /304 HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("304 Not Modified") "Transfer-Encoding: chunked\r\n\r\n");
}

/* ---- an open reply and the timeouts --------------------------------------- */

static void reply_rest_in_2s(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_send_head(nc, 200, -1, NULL);
  mg_send_http_chunk(nc, "one;", 4);
  mg_set_timer(nc, mg_time() + 2.0);
}

/* A reply still open is not idleness: with a 1 s idle timeout, the rest of
 * the reply comes 2 s later, and only after it does the idle clock run. */
static void test_idle_timeout_spares_open_reply(void **state) {
  struct fx *f = (struct fx *) *state;
  struct mg_http_limits lim;
  memset(&lim, 0, sizeof(lim));
  lim.idle_timeout = 1.0;
  mg_http_set_limits(f->mgr.active_connections, lim); /* the listener */
  f->reply = reply_rest_in_2s;
  f->later = rest_of_reply_later;
  assert_string_equal(exchange(f, GET11),
                      HEAD("200 OK") "Transfer-Encoding: chunked\r\n\r\n4\r\none;\r\n");
  assert_int_equal(sim_run_until(f->sim, &f->mgr, sim_now(f->sim) + 2500 * MS), 0);
  assert_false(sim_peer_got_fin(f->peer));
  assert_string_equal(exchange(f, ""), "3\r\ntwo\r\n0\r\n\r\n");
  assert_int_equal(sim_run_until(f->sim, &f->mgr, sim_now(f->sim) + 1500 * MS), 0);
  assert_true(sim_peer_got_fin(f->peer));
}

/* After a reply that ended late, a malformed pipelined request still gets
 * its own 400. */
static void test_error_after_late_reply_is_answered(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_first_chunk_now;
  f->later = rest_of_reply_later;
  assert_int_equal(sim_peer_send(f->peer, GET11, strlen(GET11)), 0);
  assert_int_equal(sim_run_until(f->sim, &f->mgr, sim_now(f->sim) + 2 * MS), 0);
  exchange(f, "GET / HTTP/1.1\r\nHost: t\r\nBad Name: x\r\n\r\n");
  assert_non_null(strstr(f->got, "0\r\n\r\nHTTP/1.1 400 Bad Request\r\n"));
}

static void reply_not_found(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_http_send_error(nc, 404, NULL);
}

/* An error reply to HEAD is the head a GET would get, without the body
 * (RFC 9110 9.3.2); a pipelined GET after it gets the body. */
static void test_head_error_has_no_body(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_not_found;
  assert_string_equal(exchange(f, "HEAD / HTTP/1.1\r\nHost: t\r\n\r\n" GET11),
                      HEAD("404 Not Found") "Content-Type: text/plain\r\n"
                                            "Content-Length: 10\r\n\r\n"
                      HEAD("404 Not Found") "Content-Type: text/plain\r\n"
                                            "Content-Length: 10\r\n\r\nNot Found\n");
}

/* A HEAD handler written for GET: head and a chunk now, the rest from a
 * timer. No chunk reaches the wire, and the pipelined GET waits for the
 * last chunk, then gets its own reply whole. */
static void test_head_late_chunks_dropped(void **state) {
  struct fx *f = (struct fx *) *state;
  s_requests_seen = 0;
  f->reply = count_and_reply_first_chunk;
  f->later = rest_of_reply_later;
  assert_string_equal(exchange(f, "HEAD / HTTP/1.1\r\nHost: t\r\n\r\n"
                                  "GET /second HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("200 OK") "Transfer-Encoding: chunked\r\n\r\n"
                      HEAD("200 OK") "Content-Length: 2\r\n\r\nok");
  assert_int_equal(s_requests_seen, 2);
}

static void client(struct mg_connection *nc, int ev, void *ev_data) {
  struct fx *f = (struct fx *) nc->mgr->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev != MG_EV_HTTP_REPLY) return;
  snprintf(f->got, sizeof(f->got), "%d %.*s", hm->resp_code, (int) hm->body.len,
           hm->body.p);
  nc->flags |= MG_F_CLOSE_IMMEDIATELY;
}

/* The engine's own HTTP client, a strict RFC 9112 parser, decodes the chunks
 * back into the body. */
static void test_engine_client_decodes_chunked_reply(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_chunks;
  assert_non_null(mg_connect_http(&f->mgr, client, "http://10.0.0.1/", NULL, NULL));
  assert_int_equal(sim_run_until(f->sim, &f->mgr, 10 * MS), 0);
  assert_string_equal(f->got, "200 hello world");
}

static void reply_hex_sizes(struct mg_connection *nc, struct http_message *hm) {
  char data[300];
  (void) hm;
  memset(data, 'a', sizeof(data));
  mg_send_http_chunk(nc, data, 26);
  mg_send_http_chunk(nc, data, 300);
}

/* Chunk sizes are hexadecimal: 26 is "1a", 300 is "12c". */
static void test_chunk_size_is_hex(void **state) {
  struct fx *f = (struct fx *) *state;
  char want[400];
  size_t off = 0;
  f->reply = reply_hex_sizes;
  exchange(f, GET11);
  off += (size_t) sprintf(want + off, "1a\r\n");
  memset(want + off, 'a', 26), off += 26;
  off += (size_t) sprintf(want + off, "\r\n12c\r\n");
  memset(want + off, 'a', 300), off += 300;
  off += (size_t) sprintf(want + off, "\r\n");
  assert_int_equal(f->got_len, off);
  assert_memory_equal(f->got, want, off);
}

static void reply_binary_chunk(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_send_http_chunk(nc, "a\0\r\nb", 5);
}

/* Chunk data is counted, not NUL-terminated: a NUL or a CRLF inside it is
 * data. */
static void test_chunk_data_is_binary(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_binary_chunk;
  exchange(f, GET11);
  assert_int_equal(f->got_len, 10);
  assert_memory_equal(f->got, "5\r\na\0\r\nb\r\n", 10);
}

static void reply_printf_chunks(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_printf_http_chunk(nc, "%d-%s", 42, "x");
  mg_printf_http_chunk(nc, "%s", "");   /* formats to nothing: no chunk */
  mg_printf_http_chunk(nc, "%c", 'z');
/* An empty format is how the last-chunk is written. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-zero-length"
  mg_printf_http_chunk(nc, "");
#pragma GCC diagnostic pop
}

/* mg_printf_http_chunk formats one chunk; output that happens to be empty
 * sends nothing (it would end the body), an empty format ends it. */
static void test_printf_chunks(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_printf_chunks;
  assert_string_equal(exchange(f, GET11), "4\r\n42-x\r\n1\r\nz\r\n0\r\n\r\n");
}

static void reply_long_printf_chunk(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_printf_http_chunk(nc, "<%0598d>", 7);
}

/* Output longer than the formatter's stack buffer (256 bytes) is whole. */
static void test_printf_chunk_longer_than_stack_buffer(void **state) {
  struct fx *f = (struct fx *) *state;
  char want[700];
  f->reply = reply_long_printf_chunk;
  exchange(f, GET11);
  memcpy(want, "258\r\n<", 6);          /* 600 = 0x258 */
  memset(want + 6, '0', 597);
  memcpy(want + 603, "7>\r\n", 4);
  assert_int_equal(f->got_len, 607);
  assert_memory_equal(f->got, want, 607);
}

/* ---- mg_printf_html_escape --------------------------------------------------- */

static void reply_escaped(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_printf_html_escape(nc, "%s", "<a href=\"x?a=1&b=2\">Tom's</a>");
}

static void test_html_escape_all_five(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_escaped;
  assert_string_equal(exchange(f, GET11),
                      "&lt;a href=&quot;x?a=1&amp;b=2&quot;&gt;Tom&#39;s&lt;/a&gt;");
}

static void reply_escaped_adjacent(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_printf_html_escape(nc, "%s%d", "<>&\"'", 5);
}

/* Specials back to back, at the start, and plain text after the last. */
static void test_html_escape_adjacent_specials(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_escaped_adjacent;
  assert_string_equal(exchange(f, GET11), "&lt;&gt;&amp;&quot;&#39;5");
}

static void reply_escaped_plain(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_printf_html_escape(nc, "plain %s; 100%% / ok", "text");
  mg_printf_html_escape(nc, "%s", ""); /* nothing at all */
  mg_printf_html_escape(nc, "%s", "|&");
}

/* Text without specials passes unchanged; empty output sends nothing. */
static void test_html_escape_plain_and_empty(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_escaped_plain;
  assert_string_equal(exchange(f, GET11), "plain text; 100% / ok|&amp;");
}

static void reply_escaped_long(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_printf_html_escape(nc, "<%0298d>", 0);
}

/* Output longer than the stack buffer: escaped to its last byte. */
static void test_html_escape_longer_than_stack_buffer(void **state) {
  struct fx *f = (struct fx *) *state;
  char want[400];
  f->reply = reply_escaped_long;
  exchange(f, GET11);
  memcpy(want, "&lt;", 4);
  memset(want + 4, '0', 298);
  memcpy(want + 302, "&gt;", 4);
  assert_int_equal(f->got_len, 306);
  assert_memory_equal(f->got, want, 306);
}

/* ---- mg_http_send_error ------------------------------------------------------- */

static void reply_error_of_uri(struct mg_connection *nc, struct http_message *hm) {
  mg_http_send_error(nc, uri_number(hm), NULL);
}

/* Without a reason the body is the status text and a newline. */
static void test_error_default_reason(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_error_of_uri;
  assert_string_equal(exchange(f, "GET /404 HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("404 Not Found") "Content-Type: text/plain\r\n"
                                            "Content-Length: 10\r\n\r\nNot Found\n");
  assert_string_equal(exchange(f, "GET /599 HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("599 Error") "Content-Type: text/plain\r\n"
                                        "Content-Length: 6\r\n\r\nError\n");
}

static void reply_error_reason(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_http_send_error(nc, 503, "busy <try later>");
}

/* A reason replaces the body (sent as is: text/plain), not the status text. */
static void test_error_custom_reason(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_error_reason;
  assert_string_equal(exchange(f, GET11),
                      HEAD("503 Service Unavailable") "Content-Type: text/plain\r\n"
                                                      "Content-Length: 17\r\n\r\n"
                                                      "busy <try later>\n");
}

static void reply_error_empty_reason(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_http_send_error(nc, 500, "");
}

static void test_error_empty_reason(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_error_empty_reason;
  assert_string_equal(exchange(f, GET11),
                      HEAD("500 Internal Server Error") "Content-Type: text/plain\r\n"
                                                        "Content-Length: 1\r\n\r\n\n");
}

/* An error to a request that asked to close says so and closes. */
static void test_error_on_close_request(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_error_of_uri;
  assert_string_equal(exchange(f, "GET /403 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
                      HEAD("403 Forbidden") "Connection: close\r\nContent-Type: text/plain\r\n"
                                            "Content-Length: 10\r\n\r\nForbidden\n");
  assert_true(sim_peer_got_fin(f->peer));
}

/* ---- mg_http_send_redirect ------------------------------------------------------- */

static void reply_redirect(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_http_send_redirect(nc, 302, mg_mk_str("/new?q=1"), mg_mk_str_n(NULL, 0));
}

static void test_redirect_location(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_redirect;
  assert_string_equal(exchange(f, GET11),
                      HEAD("302 Found") "Location: /new?q=1\r\nContent-Length: 0\r\n\r\n");
}

static void reply_redirect_extra(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_http_send_redirect(nc, 301, mg_mk_str("http://example.test/a"),
                        mg_mk_str("Cache-Control: no-cache\r\nX-Why: moved"));
}

/* Extra headers follow Location, before the empty body's length. */
static void test_redirect_extra_headers(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_redirect_extra;
  assert_string_equal(exchange(f, GET11),
                      HEAD("301 Moved Permanently") "Location: http://example.test/a\r\n"
                                                    "Cache-Control: no-cache\r\nX-Why: moved\r\n"
                                                    "Content-Length: 0\r\n\r\n");
}

static void reply_redirect_slices(struct mg_connection *nc, struct http_message *hm) {
  (void) hm;
  mg_http_send_redirect(nc, 307, mg_mk_str_n("/target#ignored", 7),
                        mg_mk_str_n("X-A: 1GARBAGE", 6));
}

/* Location and extra headers are mg_str: their length counts, not a NUL. */
static void test_redirect_uses_str_lengths(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_redirect_slices;
  assert_string_equal(exchange(f, GET11),
                      HEAD("307 Temporary Redirect") "Location: /target\r\nX-A: 1\r\n"
                                                     "Content-Length: 0\r\n\r\n");
}

static void test_redirect_on_http10_says_close(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_redirect;
  assert_string_equal(exchange(f, "GET / HTTP/1.0\r\n\r\n"),
                      HEAD("302 Found") "Connection: close\r\nLocation: /new?q=1\r\n"
                                        "Content-Length: 0\r\n\r\n");
  assert_true(sim_peer_got_fin(f->peer));
}

/* ---- the Server header ---------------------------------------------------- */

/* One setting names the server: by default Mongoose 6's own words. */
static void test_server_name_default(void **state) {
  (void) state;
  assert_string_equal(MG_SERVER_NAME, "Mongoose/6.18");
  assert_string_equal(MG_SERVER_NAME, "Mongoose/" MG_VERSION);
}

/* The engine's own refusal of a malformed request carries it too. */
static void test_engine_error_reply_names_server(void **state) {
  struct fx *f = (struct fx *) *state;
  f->reply = reply_hello;
  assert_string_equal(exchange(f, "GET / HTTP/2.0\r\nHost: t\r\n\r\n"),
                      "HTTP/1.1 505 HTTP Version Not Supported\r\n" DATE SERVER
                      "Content-Type: text/plain\r\nContent-Length: 59\r\n"
                      "Connection: close\r\n\r\n"
                      "505 HTTP Version Not Supported: HTTP version not supported\n");
}

/* ---- mg_serve_http: listings by default, extra headers everywhere --------- */

static char s_root[64];
static struct mg_serve_http_opts s_static;

static void reply_static(struct mg_connection *nc, struct http_message *hm) {
  mg_serve_http(nc, hm, s_static);
}

static void put_file(const char *rel, const char *text) {
  char path[128];
  FILE *fp;
  snprintf(path, sizeof(path), "%s/%s", s_root, rel);
  assert_non_null(fp = fopen(path, "w"));
  fputs(text, fp);
  fclose(fp);
}

static int setup_static(void **state) {
  char path[128];
  strcpy(s_root, "/tmp/mg_static_XXXXXX");
  if (mkdtemp(s_root) == NULL) return -1;
  snprintf(path, sizeof(path), "%s/dir", s_root);
  if (mkdir(path, 0755) != 0) return -1;
  put_file("dir/a.txt", "a\n");
  put_file("f.txt", "hello\n");
  memset(&s_static, 0, sizeof(s_static));
  s_static.document_root = s_root;
  s_static.fixed_mtime = 1700000000;
  s_static.extra_headers = "X-Extra: 1\r\nX-More: 2";
  if (setup(state) != 0) return -1;
  ((struct fx *) *state)->reply = reply_static;
  return 0;
}

static int teardown_static(void **state) {
  char path[128];
  snprintf(path, sizeof(path), "%s/dir/a.txt", s_root);
  unlink(path);
  snprintf(path, sizeof(path), "%s/dir", s_root);
  rmdir(path);
  snprintf(path, sizeof(path), "%s/f.txt", s_root);
  unlink(path);
  rmdir(s_root);
  return teardown(state);
}

#define EXTRA "X-Extra: 1\r\nX-More: 2\r\n"
#define LISTING                                                              \
  "<!DOCTYPE html>\n<html><head><title>Index of /dir/</title></head><body>" \
  "<h1>Index of /dir/</h1>\n<ul>\n<li><a href=\"a.txt\">a.txt</a></li>\n"   \
  "</ul></body></html>\n"

/* enable_directory_listing unset lists, as Mongoose 6 does; the listing
 * carries the extra headers. */
static void test_listing_is_the_default(void **state) {
  struct fx *f = (struct fx *) *state;
  char want[1024];
  snprintf(want, sizeof(want),
           HEAD("200 OK") "Content-Type: text/html; charset=utf-8\r\n" EXTRA
                          "Content-Length: %zu\r\n\r\n" LISTING,
           strlen(LISTING));
  assert_string_equal(exchange(f, "GET /dir/ HTTP/1.1\r\nHost: t\r\n\r\n"), want);
  s_static.enable_directory_listing = "yes";
  assert_string_equal(exchange(f, "GET /dir/ HTTP/1.1\r\nHost: t\r\n\r\n"), want);
  /* Anything but "no" lists. */
  s_static.enable_directory_listing = "";
  assert_string_equal(exchange(f, "GET /dir/ HTTP/1.1\r\nHost: t\r\n\r\n"), want);
}

/* "no" refuses with 403, and the refusal carries the extra headers. */
static void test_listing_no_is_403_with_extra_headers(void **state) {
  struct fx *f = (struct fx *) *state;
  s_static.enable_directory_listing = "no";
  assert_string_equal(exchange(f, "GET /dir/ HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("403 Forbidden") "Content-Type: text/plain\r\n" EXTRA
                                            "Content-Length: 10\r\n\r\nForbidden\n");
  /* Without extra headers the refusal is mg_http_send_error's, unchanged. */
  s_static.extra_headers = NULL;
  assert_string_equal(exchange(f, "GET /dir/ HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("403 Forbidden") "Content-Type: text/plain\r\n"
                                            "Content-Length: 10\r\n\r\nForbidden\n");
}

/* opts.ip_acl: the simulated peers are 192.0.2.x. A refusal is 403 and
 * the connection closes after it. */
static void test_ip_acl(void **state) {
  struct fx *f = (struct fx *) *state;
  s_static.extra_headers = NULL;
  s_static.ip_acl = "-0.0.0.0/0,+192.0.2.0/24";
  assert_non_null(strstr(exchange(f, "GET /f.txt HTTP/1.1\r\nHost: t\r\n\r\n"),
                         "HTTP/1.1 200 OK\r\n"));
  assert_non_null(strstr(f->got, "\r\n\r\nhello\n"));
  s_static.ip_acl = "+10.0.0.0/8,-192.0.2.0/24";
  assert_string_equal(exchange(f, "GET /f.txt HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("403 Forbidden") "Content-Type: text/plain\r\n"
                                            "Content-Length: 10\r\n\r\nForbidden\n");
  assert_true(sim_peer_got_fin(f->peer));
}

/* A malformed ACL refuses too: it cannot say who is allowed. */
static void test_ip_acl_malformed_refuses(void **state) {
  struct fx *f = (struct fx *) *state;
  s_static.extra_headers = NULL;
  s_static.ip_acl = "+192.0.2.0/99";
  assert_non_null(strstr(exchange(f, "GET /f.txt HTTP/1.1\r\nHost: t\r\n\r\n"),
                         "403 Forbidden"));
}

/* Digest authentication is not served, and what it would protect is not
 * either: a global auth file, or a per-directory one present where the
 * request points, gives 403; a per-directory one that is absent changes
 * nothing, as in Mongoose 6. */
static void test_auth_files_fail_closed(void **state) {
  struct fx *f = (struct fx *) *state;
  char path[128];
  s_static.extra_headers = NULL;
  s_static.per_directory_auth_file = ".htpasswd";
  assert_non_null(strstr(exchange(f, "GET /dir/a.txt HTTP/1.1\r\nHost: t\r\n\r\n"),
                         "\r\n\r\na\n"));
  put_file("dir/.htpasswd", "user:realm:0123\n");
  assert_non_null(strstr(exchange(f, "GET /dir/a.txt HTTP/1.1\r\nHost: t\r\n\r\n"),
                         "HTTP/1.1 403 Forbidden\r\n"));
  assert_non_null(strstr(exchange(f, "GET /dir/ HTTP/1.1\r\nHost: t\r\n\r\n"),
                         "HTTP/1.1 403 Forbidden\r\n"));
  /* the root holds no auth file: its files are served */
  assert_non_null(strstr(exchange(f, "GET /f.txt HTTP/1.1\r\nHost: t\r\n\r\n"),
                         "\r\n\r\nhello\n"));
  snprintf(path, sizeof(path), "%s/dir/.htpasswd", s_root);
  assert_int_equal(unlink(path), 0);
  s_static.per_directory_auth_file = NULL;
  s_static.global_auth_file = "/etc/passwd-digest";
  assert_non_null(strstr(exchange(f, "GET /f.txt HTTP/1.1\r\nHost: t\r\n\r\n"),
                         "HTTP/1.1 403 Forbidden\r\n"));
}

/* Every other reply mg_serve_http writes carries them as well. */
static void test_extra_headers_on_every_reply(void **state) {
  struct fx *f = (struct fx *) *state;
  assert_string_equal(exchange(f, "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("404 Not Found") "Content-Type: text/plain\r\n" EXTRA
                                            "Content-Length: 10\r\n\r\nNot Found\n");
  assert_string_equal(exchange(f, "HEAD /nope HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("404 Not Found") "Content-Type: text/plain\r\n" EXTRA
                                            "Content-Length: 10\r\n\r\n");
  assert_string_equal(exchange(f, "GET /a/../f.txt HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("403 Forbidden") "Content-Type: text/plain\r\n" EXTRA
                                            "Content-Length: 10\r\n\r\nForbidden\n");
  assert_string_equal(exchange(f, "GET /dir HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("301 Moved Permanently") "Location: /dir/\r\n" EXTRA
                                                    "Content-Length: 0\r\n\r\n");
  assert_string_equal(exchange(f, "POST /f.txt HTTP/1.1\r\nHost: t\r\n"
                                  "Content-Length: 0\r\n\r\n"),
                      HEAD("405 Method Not Allowed") "Allow: GET, HEAD\r\n" EXTRA
                                                     "Content-Length: 0\r\n\r\n");
  assert_string_equal(exchange(f, "GET /f.txt HTTP/1.1\r\nHost: t\r\n"
                                  "Range: bytes=100-\r\n\r\n"),
                      HEAD("416 Range Not Satisfiable") "Content-Range: bytes */6\r\n" EXTRA
                                                        "Content-Length: 0\r\n\r\n");
  assert_string_equal(exchange(f, "GET /f.txt HTTP/1.1\r\nHost: t\r\n"
                                  "If-None-Match: \"6553f100.6\"\r\n\r\n"),
                      HEAD("304 Not Modified") "ETag: \"6553f100.6\"\r\n"
                      "Last-Modified: Tue, 14 Nov 2023 22:13:20 GMT\r\n" EXTRA "\r\n");
  assert_string_equal(exchange(f, "GET /f.txt HTTP/1.1\r\nHost: t\r\n\r\n"),
                      HEAD("200 OK") "Content-Type: text/plain; charset=utf-8\r\n"
                      "ETag: \"6553f100.6\"\r\n"
                      "Last-Modified: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
                      "Accept-Ranges: bytes\r\n" EXTRA "Content-Length: 6\r\n\r\nhello\n");
  /* Long extra headers are sent whole, not cut to a stack buffer. */
  {
    static char big[2048];
    char want[4096];
    memset(big, 'v', sizeof(big) - 1);
    memcpy(big, "X-Big: ", 7);
    s_static.extra_headers = big;
    snprintf(want, sizeof(want),
             HEAD("404 Not Found") "Content-Type: text/plain\r\n%s\r\n"
                                   "Content-Length: 10\r\n\r\nNot Found\n",
             big);
    assert_string_equal(exchange(f, "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n"), want);
  }
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
#define TS(name) cmocka_unit_test_setup_teardown(name, setup_static, teardown_static)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_head_with_content_length),
      T(test_head_with_extra_headers),
      T(test_head_with_empty_extra_headers),
      T(test_head_with_length_over_4g),
      T(test_response_line_alone),
      T(test_bodyless_statuses_have_no_framing),
      T(test_304_keeps_content_length),
      T(test_date_follows_the_clock),
      T(test_known_status_texts),
      T(test_unknown_status_texts),
      T(test_http11_keep_alive_has_no_connection_header),
      T(test_http11_close_says_close),
      T(test_http10_says_close),
      T(test_http10_keep_alive_says_keep_alive),
      T(test_plain_tcp_connection_has_no_connection_header),
      T(test_chunked_reply),
      T(test_http10_chunked_reply_is_close_delimited),
      T(test_http10_printf_chunks_are_plain_data),
      T(test_late_chunks_then_close),
      T(test_late_chunks_http10),
      T(test_pipelined_request_waits_for_late_chunks),
      T(test_head_drops_chunks),
      T(test_head_alone_ends_reply),
      T(test_204_drops_chunks),
      T(test_304_drops_chunks),
      T(test_idle_timeout_spares_open_reply),
      T(test_error_after_late_reply_is_answered),
      T(test_head_error_has_no_body),
      T(test_head_late_chunks_dropped),
      T(test_engine_client_decodes_chunked_reply),
      T(test_chunk_size_is_hex),
      T(test_chunk_data_is_binary),
      T(test_printf_chunks),
      T(test_printf_chunk_longer_than_stack_buffer),
      T(test_html_escape_all_five),
      T(test_html_escape_adjacent_specials),
      T(test_html_escape_plain_and_empty),
      T(test_html_escape_longer_than_stack_buffer),
      T(test_error_default_reason),
      T(test_error_custom_reason),
      T(test_error_empty_reason),
      T(test_error_on_close_request),
      T(test_redirect_location),
      T(test_redirect_extra_headers),
      T(test_redirect_uses_str_lengths),
      T(test_redirect_on_http10_says_close),
      T(test_server_name_default),
      T(test_engine_error_reply_names_server),
      TS(test_listing_is_the_default),
      TS(test_listing_no_is_403_with_extra_headers),
      TS(test_ip_acl),
      TS(test_ip_acl_malformed_refuses),
      TS(test_auth_files_fail_closed),
      TS(test_extra_headers_on_every_reply),
  };
  return cmocka_run_group_tests_name("http_send", tests, NULL, NULL);
}
