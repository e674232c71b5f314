/*
 * test_http_parse.c - unit tests for engine/http_parse.c (message heads and
 * chunked bodies) and engine/http_vars.c (headers, variables, parameters,
 * Basic credentials, both ways).
 *
 *   cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g \
 *      -fsanitize=address,undefined -fno-omit-frame-pointer -Iengine \
 *      engine/http_parse.c engine/http_vars.c engine/url.c engine/str.c \
 *      engine/base64.c tests/test_http_parse.c -lcmocka -o test_http_parse
 *
 * Inputs are parsed from heap copies of exactly their length, so a parser
 * that reads one byte too far trips AddressSanitizer instead of passing by
 * luck on a NUL terminator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_internal.h"

#define DEF_HEADER MG_HTTP_DEFAULT_MAX_HEADER_BYTES
#define DEF_URI MG_HTTP_DEFAULT_MAX_URI_BYTES

/* Compares an mg_str with a C string literal. */
#define assert_mgstr(str, lit)                               \
  do {                                                       \
    struct mg_str s_ = (str);                                \
    const char *l_ = (lit);                                  \
    assert_int_equal(s_.len, strlen(l_));                    \
    if (s_.len > 0) assert_memory_equal(s_.p, l_, s_.len);   \
  } while (0)

#define assert_null_str(str)         \
  do {                               \
    struct mg_str s_ = (str);        \
    assert_null(s_.p);               \
    assert_int_equal(s_.len, 0);     \
  } while (0)

/* A parse of an exact-size heap copy; free with release(). */
struct parsed {
  char *buf;
  size_t n;
  struct http_message hm;
  struct http_head h;
};

static char *exact_copy(const char *text, size_t n) {
  char *buf = malloc(n > 0 ? n : 1);
  assert_non_null(buf);
  if (n > 0) memcpy(buf, text, n);
  return buf;
}

static void parse_n(struct parsed *p, const char *text, size_t n, int is_req,
                    size_t max_header, size_t max_uri) {
  p->buf = exact_copy(text, n);
  p->n = n;
  mg_http_parse_head(p->buf, n, is_req, max_header, max_uri, &p->hm, &p->h);
}

static void parse(struct parsed *p, const char *text, int is_req) {
  parse_n(p, text, strlen(text), is_req, DEF_HEADER, DEF_URI);
}

static void release(struct parsed *p) {
  free(p->buf);
}

/* Parses text with the default limits and checks it is refused with status
 * and a reason. */
static void expect_status(const char *text, int is_req, int status) {
  struct parsed p;
  parse(&p, text, is_req);
  if (p.h.header_len != -1 || p.h.status != status) {
    print_error("input: %s\n", text);
  }
  assert_int_equal(p.h.header_len, -1);
  assert_int_equal(p.h.status, status);
  assert_non_null(p.h.reason);
  release(&p);
}

static void expect_request_error(const char *text, int status) {
  expect_status(text, 1, status);
}

/* ---- valid requests --------------------------------------------------- */

static void test_get_with_query(void **state) {
  const char *req =
      "GET /path/x?a=1&b=2 HTTP/1.1\r\n"
      "Host: example.com\r\n"
      "User-Agent: \t tester 1.0 \t\r\n"
      "Empty:\r\n"
      "\r\n";
  struct parsed p;
  (void) state;
  parse(&p, req, 1);
  assert_int_equal(p.h.header_len, (int) strlen(req));
  assert_mgstr(p.hm.method, "GET");
  assert_mgstr(p.hm.uri, "/path/x");
  assert_mgstr(p.hm.query_string, "a=1&b=2");
  assert_mgstr(p.hm.proto, "HTTP/1.1");
  /* zero-copy: the pieces point into the input */
  assert_ptr_equal(p.hm.method.p, p.buf);
  assert_ptr_equal(p.hm.uri.p, p.buf + 4);
  assert_ptr_equal(p.hm.query_string.p, p.buf + 12);
  assert_mgstr(p.hm.header_names[0], "Host");
  assert_mgstr(p.hm.header_values[0], "example.com");
  assert_mgstr(p.hm.header_names[1], "User-Agent");
  assert_mgstr(p.hm.header_values[1], "tester 1.0");
  assert_mgstr(p.hm.header_names[2], "Empty");
  assert_int_equal(p.hm.header_values[2].len, 0);
  assert_null_str(p.hm.header_names[3]);
  assert_null_str(p.hm.header_values[3]);
  assert_null_str(p.hm.header_names[MG_MAX_HTTP_HEADERS - 1]);
  assert_int_equal(p.h.body_kind, HTTP_BODY_NONE);
  assert_int_equal(p.h.keep_alive, 1);
  assert_int_equal(p.h.upgrade_websocket, 0);
  release(&p);
}

static void test_uri_without_query(void **state) {
  struct parsed p;
  (void) state;
  parse(&p, "GET /plain HTTP/1.1\r\nHost: h\r\n\r\n", 1);
  assert_true(p.h.header_len > 0);
  assert_mgstr(p.hm.uri, "/plain");
  assert_null_str(p.hm.query_string);
  release(&p);

  /* A '?' with nothing after it: present but empty. */
  parse(&p, "GET /q? HTTP/1.1\r\nHost: h\r\n\r\n", 1);
  assert_true(p.h.header_len > 0);
  assert_mgstr(p.hm.uri, "/q");
  assert_non_null(p.hm.query_string.p);
  assert_int_equal(p.hm.query_string.len, 0);
  release(&p);
}

static void test_post_content_length(void **state) {
  const char *head =
      "POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n";
  char full[256];
  struct parsed p;
  struct http_message hm;
  int hl = (int) strlen(head);
  (void) state;
  snprintf(full, sizeof(full), "%shello world", head);

  parse(&p, full, 1);
  assert_int_equal(p.h.header_len, hl);
  assert_int_equal(p.h.body_kind, HTTP_BODY_LENGTH);
  assert_true(p.h.content_length == 11);
  release(&p);

  /* mg_parse_http: the whole body when it is all there... */
  assert_int_equal(mg_parse_http(full, (int) strlen(full), &hm, 1), hl);
  assert_mgstr(hm.body, "hello world");
  assert_ptr_equal(hm.message.p, full);
  assert_int_equal(hm.message.len, strlen(full));
  /* ...only what has arrived so far otherwise... */
  assert_int_equal(mg_parse_http(full, hl + 5, &hm, 1), hl);
  assert_mgstr(hm.body, "hello");
  assert_int_equal(hm.message.len, (size_t) hl + 5);
  /* ...and never more than Content-Length. */
  snprintf(full, sizeof(full), "%shello worldGET / HTTP/1.1\r\n", head);
  assert_int_equal(mg_parse_http(full, (int) strlen(full), &hm, 1), hl);
  assert_mgstr(hm.body, "hello world");
}

static void test_content_length_zero(void **state) {
  struct parsed p;
  (void) state;
  parse(&p, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", 1);
  assert_true(p.h.header_len > 0);
  assert_int_equal(p.h.body_kind, HTTP_BODY_LENGTH);
  assert_true(p.h.content_length == 0);
  release(&p);
}

static void test_identical_content_lengths(void **state) {
  struct parsed p;
  (void) state;
  parse(&p,
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 7, 7\r\n"
        "Content-Length: 7\r\n\r\n",
        1);
  assert_true(p.h.header_len > 0);
  assert_int_equal(p.h.body_kind, HTTP_BODY_LENGTH);
  assert_true(p.h.content_length == 7);
  release(&p);

  /* 2^62 is the largest length accepted. */
  parse(&p,
        "POST / HTTP/1.1\r\nHost: h\r\n"
        "Content-Length: 4611686018427387904\r\n\r\n",
        1);
  assert_true(p.h.header_len > 0);
  assert_true(p.h.content_length == ((uint64_t) 1 << 62));
  release(&p);
}

static void test_chunked_request(void **state) {
  const char *req =
      "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\n\r\n";
  struct parsed p;
  struct http_message hm;
  (void) state;
  parse(&p, req, 1);
  assert_int_equal(p.h.header_len, (int) (strstr(req, "\r\n\r\n") - req) + 4);
  assert_int_equal(p.h.body_kind, HTTP_BODY_CHUNKED);
  release(&p);

  /* Chunked bodies are not part of what mg_parse_http reports. */
  assert_true(mg_parse_http(req, (int) strlen(req), &hm, 1) > 0);
  assert_int_equal(hm.body.len, 0);
  assert_int_equal(hm.message.len, strstr(req, "\r\n\r\n") - req + 4);

  /* Empty list elements around chunked are ignored. */
  parse(&p,
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: , chunked,\r\n\r\n",
        1);
  assert_int_equal(p.h.body_kind, HTTP_BODY_CHUNKED);
  release(&p);
}

static void test_pipelined(void **state) {
  const char *first = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n";
  const char *both =
      "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
  struct parsed p;
  struct http_message hm;
  (void) state;
  parse(&p, both, 1);
  assert_int_equal(p.h.header_len, (int) strlen(first));
  assert_mgstr(p.hm.uri, "/1");
  assert_null_str(p.hm.header_names[1]);
  release(&p);

  /* Without a body, the next request is not taken as one. */
  assert_int_equal(mg_parse_http(both, (int) strlen(both), &hm, 1),
                   (int) strlen(first));
  assert_int_equal(hm.body.len, 0);
  assert_int_equal(hm.message.len, strlen(first));

  /* Garbage after the head is not the head parser's business either. */
  parse(&p, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n\x01\r\r bad", 1);
  assert_int_equal(p.h.header_len, (int) strlen(first));
  release(&p);
}

static void test_keep_alive_rules(void **state) {
  struct parsed p;
  (void) state;
  parse(&p, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 1);
  assert_int_equal(p.h.keep_alive, 1);
  release(&p);

  parse(&p, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", 1);
  assert_int_equal(p.h.keep_alive, 0);
  release(&p);

  parse(&p, "GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, CLOSE\r\n\r\n", 1);
  assert_int_equal(p.h.keep_alive, 0);
  release(&p);

  /* "closed" is not the token "close". */
  parse(&p, "GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n", 1);
  assert_int_equal(p.h.keep_alive, 1);
  release(&p);

  /* HTTP/1.0 needs no Host and closes unless asked to keep alive. */
  parse(&p, "GET / HTTP/1.0\r\n\r\n", 1);
  assert_true(p.h.header_len > 0);
  assert_mgstr(p.hm.proto, "HTTP/1.0");
  assert_int_equal(p.h.keep_alive, 0);
  release(&p);

  parse(&p, "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1);
  assert_int_equal(p.h.keep_alive, 1);
  release(&p);

  parse(&p,
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
        1);
  assert_int_equal(p.h.keep_alive, 0);
  release(&p);
}

/* A request's lines end in CRLF only: a bare LF anywhere in the request
 * line or the field section is 400, and mg_parse_http says -1. Replies may
 * still use bare LFs. */
static void test_lf_only_lines(void **state) {
  const char *resp = "HTTP/1.1 200 OK\nX: h\nContent-Length: 3\n\nabc";
  const char *bad[] = {
      "POST /a?b HTTP/1.1\nHost: h\nContent-Length: 3\n\nabc",
      "GET / HTTP/1.1\r\nHost: h\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nDummy: x\nContent-Length: 23\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\n\n",
      "GET / HTTP/1.1\nHost: h\r\n\r\n",
      "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
      "\r\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
  };
  struct http_message hm;
  struct parsed p;
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    expect_request_error(bad[i], 400);
    assert_int_equal(mg_parse_http(bad[i], (int) strlen(bad[i]), &hm, 1), -1);
  }
  parse(&p, bad[2], 1);
  assert_string_equal(p.h.reason, "bare LF");
  release(&p);

  parse(&p, resp, 0);
  assert_int_equal(p.h.header_len, (int) strlen(resp) - 3);
  assert_mgstr(p.hm.header_values[0], "h");
  assert_mgstr(p.hm.header_names[1], "Content-Length");
  assert_true(p.h.content_length == 3);
  release(&p);
  assert_int_equal(mg_parse_http(resp, (int) strlen(resp), &hm, 0), (int) strlen(resp) - 3);
}

static void test_upgrade_websocket(void **state) {
  struct parsed p;
  (void) state;
  parse(&p,
        "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\n"
        "Connection: keep-alive, Upgrade\r\n\r\n",
        1);
  assert_true(p.h.header_len > 0);
  assert_int_equal(p.h.upgrade_websocket, 1);
  release(&p);

  parse(&p, "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n", 1);
  assert_int_equal(p.h.upgrade_websocket, 0);
  release(&p);

  parse(&p,
        "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websockets\r\n"
        "Connection: upgrade\r\n\r\n",
        1);
  assert_int_equal(p.h.upgrade_websocket, 0);
  release(&p);

  parse(&p,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\n\r\n",
        0);
  assert_int_equal(p.h.upgrade_websocket, 1);
  assert_int_equal(p.h.body_kind, HTTP_BODY_NONE);
  release(&p);
}

/* ---- responses -------------------------------------------------------- */

static void test_response_with_length(void **state) {
  const char *resp =
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhelloEXTRA";
  struct parsed p;
  struct http_message hm;
  (void) state;
  parse(&p, resp, 0);
  assert_int_equal(p.h.header_len, (int) strlen(resp) - 10);
  assert_mgstr(p.hm.proto, "HTTP/1.1");
  assert_int_equal(p.hm.resp_code, 200);
  assert_mgstr(p.hm.resp_status_msg, "OK");
  assert_null_str(p.hm.method);
  assert_null_str(p.hm.uri);
  assert_int_equal(p.h.body_kind, HTTP_BODY_LENGTH);
  assert_true(p.h.content_length == 5);
  assert_int_equal(p.h.keep_alive, 1);
  release(&p);

  assert_true(mg_parse_http(resp, (int) strlen(resp), &hm, 0) > 0);
  assert_mgstr(hm.body, "hello");
  assert_int_equal(hm.resp_code, 200);
}

static void test_response_chunked(void **state) {
  struct parsed p;
  (void) state;
  parse(&p,
        "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n", 0);
  assert_true(p.h.header_len > 0);
  assert_int_equal(p.hm.resp_code, 404);
  assert_mgstr(p.hm.resp_status_msg, "Not Found");
  assert_int_equal(p.h.body_kind, HTTP_BODY_CHUNKED);
  release(&p);

  /* A response whose last coding is not chunked runs until the close. */
  parse(&p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0);
  assert_true(p.h.header_len > 0);
  assert_int_equal(p.h.body_kind, HTTP_BODY_UNTIL_CLOSE);
  assert_int_equal(p.h.keep_alive, 0);
  release(&p);

  parse(&p,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0);
  assert_int_equal(p.h.body_kind, HTTP_BODY_CHUNKED);
  release(&p);
}

static void test_response_without_body(void **state) {
  static const char *const heads[] = {
      "HTTP/1.1 204 No Content\r\n\r\n",
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 120\r\n\r\n",
      "HTTP/1.1 100 Continue\r\n\r\n",
      "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n",
  };
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
    struct parsed p;
    struct http_message hm;
    const char *withbody;
    char buf[256];
    parse(&p, heads[i], 0);
    assert_int_equal(p.h.header_len, (int) strlen(heads[i]));
    assert_int_equal(p.h.body_kind, HTTP_BODY_NONE);
    release(&p);
    snprintf(buf, sizeof(buf), "%sNEXT", heads[i]);
    withbody = buf;
    assert_int_equal(mg_parse_http(withbody, (int) strlen(withbody), &hm, 0),
                     (int) strlen(heads[i]));
    assert_int_equal(hm.body.len, 0);
  }
}

static void test_response_until_close(void **state) {
  const char *resp = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nsome body";
  struct parsed p;
  struct http_message hm;
  (void) state;
  parse(&p, resp, 0);
  assert_true(p.h.header_len > 0);
  assert_int_equal(p.h.body_kind, HTTP_BODY_UNTIL_CLOSE);
  assert_int_equal(p.h.keep_alive, 0);
  release(&p);

  assert_true(mg_parse_http(resp, (int) strlen(resp), &hm, 0) > 0);
  assert_mgstr(hm.body, "some body");
  assert_int_equal(hm.message.len, strlen(resp));
}

static void test_response_reason_phrases(void **state) {
  struct parsed p;
  (void) state;
  parse(&p, "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", 0);
  assert_true(p.h.header_len > 0);
  assert_int_equal(p.hm.resp_code, 200);
  assert_int_equal(p.hm.resp_status_msg.len, 0);
  release(&p);

  parse(&p, "HTTP/1.0 503\r\nContent-Length: 0\r\n\r\n", 0);
  assert_true(p.h.header_len > 0);
  assert_int_equal(p.hm.resp_code, 503);
  assert_int_equal(p.hm.resp_status_msg.len, 0);
  assert_int_equal(p.h.keep_alive, 0); /* 1.0 without keep-alive */
  release(&p);

  parse(&p, "HTTP/1.1 418 I'm a\tteapot \xe2\x98\x95\r\n\r\n", 0);
  assert_true(p.h.header_len > 0);
  assert_mgstr(p.hm.resp_status_msg, "I'm a\tteapot \xe2\x98\x95");
  release(&p);
}

static void test_response_errors(void **state) {
  (void) state;
  expect_status("HTTP/1.1 20 OK\r\n\r\n", 0, 400);
  expect_status("HTTP/1.1 2000 OK\r\n\r\n", 0, 400);
  expect_status("HTTP/1.1 abc OK\r\n\r\n", 0, 400);
  expect_status("HTTP/1.1 099 Low\r\n\r\n", 0, 400);
  /* RFC 9110 section 15: only 100..599 exist */
  expect_status("HTTP/1.1 600 High\r\n\r\n", 0, 400);
  expect_status("HTTP/1.1 999 High\r\n\r\n", 0, 400);
  expect_status("HTTP/1.1  200 OK\r\n\r\n", 0, 400);
  expect_status("HTTP/1.1\x01" "200 OK\r\n\r\n", 0, 400);
  expect_status("HTTP/1.1 200 O\x01K\r\n\r\n", 0, 400);
  expect_status("HTTP/1.1 200 OK\x01\n\r\n", 0, 400);
  expect_status("HTTP/1.1 200 OK\rX\r\n\r\n", 0, 400);
  expect_status("HTTP/2.0 200 OK\r\n\r\n", 0, 505);
  expect_status("ICY 200 OK\r\n\r\n", 0, 400);
  expect_status("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n"
                "\r\n",
                0, 400);
  expect_status("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                "Transfer-Encoding: chunked\r\n\r\n",
                0, 400);
  expect_status("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                "Content-Length: 2\r\n\r\n",
                0, 400);
}

/* The public parser: 100..599 accepted at both ends, outside refused. */
static void test_status_code_range(void **state) {
  struct http_message hm;
  const char *r100 = "HTTP/1.1 100 Continue\r\n\r\n";
  const char *r599 = "HTTP/1.1 599 Odd\r\nContent-Length: 0\r\n\r\n";
  const char *r600 = "HTTP/1.1 600 Beyond\r\nContent-Length: 0\r\n\r\n";
  const char *r099 = "HTTP/1.1 099 Below\r\nContent-Length: 0\r\n\r\n";
  const char *r99 = "HTTP/1.1 99 Below\r\nContent-Length: 0\r\n\r\n";
  (void) state;
  assert_int_equal(mg_parse_http(r100, (int) strlen(r100), &hm, 0),
                   (int) strlen(r100));
  assert_int_equal(hm.resp_code, 100);
  assert_int_equal(mg_parse_http(r599, (int) strlen(r599), &hm, 0),
                   (int) strlen(r599));
  assert_int_equal(hm.resp_code, 599);
  assert_int_equal(mg_parse_http(r600, (int) strlen(r600), &hm, 0), -1);
  assert_int_equal(mg_parse_http(r099, (int) strlen(r099), &hm, 0), -1);
  assert_int_equal(mg_parse_http(r99, (int) strlen(r99), &hm, 0), -1);
  /* refused as soon as the third digit is there */
  assert_int_equal(mg_parse_http("HTTP/1.1 600", 12, &hm, 0), -1);
  assert_int_equal(mg_parse_http("HTTP/1.1 59", 11, &hm, 0), 0);
}

/* Empty lines before the first line: skipped and counted, like Mongoose 6,
 * for requests and replies alike. */
static void test_leading_empty_lines(void **state) {
  const char *req = "\r\n\r\nGET /x?a=1 HTTP/1.1\r\nHost: h\r\n\r\n";
  const char *resp = "\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiNEXT";
  struct http_message hm;
  struct mbuf mb;
  char *buf;
  int n;
  (void) state;

  buf = exact_copy(req, strlen(req));
  n = mg_parse_http(buf, (int) strlen(req), &hm, 1);
  assert_int_equal(n, (int) strlen(req));
  assert_ptr_equal(hm.message.p, buf + 4);
  assert_int_equal(hm.message.len, strlen(req) - 4);
  assert_mgstr(hm.method, "GET");
  assert_mgstr(hm.uri, "/x");
  assert_mgstr(hm.query_string, "a=1");
  assert_mgstr(*mg_get_http_header(&hm, "Host"), "h");
  free(buf);

  buf = exact_copy(resp, strlen(resp));
  n = mg_parse_http(buf, (int) strlen(resp), &hm, 0);
  assert_int_equal(n, (int) strlen(resp) - 6); /* without "hiNEXT" */
  assert_ptr_equal(hm.message.p, buf + 3);
  assert_int_equal(hm.resp_code, 200);
  assert_mgstr(hm.body, "hi");
  assert_mgstr(hm.message, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
  /* Removing the returned length leaves exactly the body and what follows. */
  mbuf_init(&mb, 0);
  mbuf_append(&mb, buf, strlen(resp));
  mbuf_remove(&mb, (size_t) n);
  assert_int_equal(mb.len, 6);
  assert_memory_equal(mb.buf, "hiNEXT", 6);
  mbuf_free(&mb);
  free(buf);

  /* Only empty lines so far, or half of one more: wait for more. */
  assert_int_equal(mg_parse_http("\r\n\r\n", 4, &hm, 1), 0);
  assert_int_equal(mg_parse_http("\r\n\r", 3, &hm, 1), 0);
  assert_int_equal(mg_parse_http("\r\nGET / HT", 10, &hm, 1), 0);
  /* A bare CR is not an empty line, and whitespace is not either. */
  assert_int_equal(mg_parse_http("\r\rGET / HTTP/1.1\r\nHost: h\r\n\r\n", 29,
                                 &hm, 1),
                   -1);
  assert_int_equal(mg_parse_http("\r\n GET / HTTP/1.1\r\nHost: h\r\n\r\n",
                                 30, &hm, 1),
                   -1);
  /* The head parser under it (what a server reads after dropping empty
   * lines itself) still refuses them. */
  expect_request_error("\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
}

/* ---- malformed heads -------------------------------------------------- */

static void test_bare_cr(void **state) {
  (void) state;
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\nX: ab\r\r\n\r\n", 400);
  expect_request_error("GET /a\rb HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1\rHost: h\r\n\r\n", 400);
  expect_request_error("G\rET / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\n\r\r\n", 400);
  expect_request_error("GET / HTTP/1.1\r\nHo\rst: h\r\n\r\n", 400);
}

static void test_obs_fold(void **state) {
  struct parsed p;
  (void) state;
  /* Refused as a fold, not merely as a strange header name. */
  parse(&p, "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 1);
  assert_int_equal(p.h.status, 400);
  assert_string_equal(p.h.reason, "obs-fold");
  release(&p);
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n",
                       400);
  expect_request_error("GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400);
}

static void test_bad_header_names(void **state) {
  (void) state;
  expect_request_error("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\nX-A\t: 1\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n",
                       400);
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\nX(Y): 1\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\n: empty\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\nX\xc3\xa9: 1\r\n\r\n",
                       400);
}

static void test_control_chars_in_values(void **state) {
  static const char with_nul[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";
  struct parsed p;
  (void) state;
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01" "b\r\n\r\n",
                       400);
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\nX: a\x0b\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1\r\nHost: h\r\nX: \x1b[0m\r\n\r\n", 400);
  parse_n(&p, with_nul, sizeof(with_nul) - 1, 1, DEF_HEADER, DEF_URI);
  assert_int_equal(p.h.header_len, -1);
  assert_int_equal(p.h.status, 400);
  release(&p);

  /* HTAB and obs-text are allowed. */
  parse(&p, "GET / HTTP/1.1\r\nHost: h\r\nX: a\tb \xc3\xa9\r\n\r\n", 1);
  assert_true(p.h.header_len > 0);
  assert_mgstr(p.hm.header_values[1], "a\tb \xc3\xa9");
  release(&p);
}

static void test_bad_content_length(void **state) {
  static const char *const values[] = {
      "12a", "-1", "+5", "", " ", "0x10", "1 2", "5,", ",5",
      "99999999999999999999", "18446744073709551616",
      "4611686018427387905", /* 2^62 + 1 */
  };
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    char req[256];
    snprintf(req, sizeof(req),
             "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %s\r\n\r\n",
             values[i]);
    expect_request_error(req, 400);
  }
}

static void test_conflicting_content_length(void **state) {
  (void) state;
  expect_request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                       "Content-Length: 6\r\n\r\n",
                       400);
  expect_request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n"
                       "\r\n",
                       400);
  expect_request_error("POST / HTTP/1.1\r\nHost: h\r\ncontent-length: 5\r\n"
                       "CONTENT-LENGTH: 05\r\nContent-Length: 4\r\n\r\n",
                       400);
}

static void test_transfer_encoding_errors(void **state) {
  (void) state;
  /* CL together with TE, in either order */
  expect_request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n",
                       400);
  expect_request_error("POST / HTTP/1.1\r\nHost: h\r\n"
                       "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
                       400);
  /* codings we cannot undo */
  expect_request_error("POST / HTTP/1.1\r\nHost: h\r\n"
                       "Transfer-Encoding: gzip\r\n\r\n",
                       501);
  expect_request_error("POST / HTTP/1.1\r\nHost: h\r\n"
                       "Transfer-Encoding: gzip, chunked\r\n\r\n",
                       501);
  expect_request_error("POST / HTTP/1.1\r\nHost: h\r\n"
                       "Transfer-Encoding: gzip\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n",
                       501);
  /* chunked not last, or twice */
  expect_request_error("POST / HTTP/1.1\r\nHost: h\r\n"
                       "Transfer-Encoding: chunked, gzip\r\n\r\n",
                       400);
  expect_request_error("POST / HTTP/1.1\r\nHost: h\r\n"
                       "Transfer-Encoding: chunked\r\n"
                       "Transfer-Encoding: gzip\r\n\r\n",
                       400);
  expect_request_error("POST / HTTP/1.1\r\nHost: h\r\n"
                       "Transfer-Encoding: chunked, chunked\r\n\r\n",
                       400);
  /* not a coding at all */
  expect_request_error("POST / HTTP/1.1\r\nHost: h\r\n"
                       "Transfer-Encoding:\r\n\r\n",
                       400);
  expect_request_error("POST / HTTP/1.1\r\nHost: h\r\n"
                       "Transfer-Encoding: \"chunked\"\r\n\r\n",
                       400);
  expect_request_error("POST / HTTP/1.1\r\nHost: h\r\n"
                       "Transfer-Encoding: chunked;x=1\r\n\r\n",
                       400);
  /* HTTP/1.0 has no transfer codings */
  expect_request_error("POST / HTTP/1.0\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n",
                       400);
}

static void test_too_many_headers(void **state) {
  char req[4096];
  size_t len;
  int i;
  struct parsed p;
  (void) state;
  len = (size_t) snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: h\r\n");
  for (i = 1; i < MG_MAX_HTTP_HEADERS; i++) {
    len += (size_t) snprintf(req + len, sizeof(req) - len, "X-%d: %d\r\n", i,
                             i);
  }
  snprintf(req + len, sizeof(req) - len, "\r\n");
  parse(&p, req, 1);
  assert_int_equal(p.h.header_len, (int) strlen(req));
  assert_mgstr(p.hm.header_names[MG_MAX_HTTP_HEADERS - 1], "X-39");
  release(&p);

  snprintf(req + len, sizeof(req) - len, "One-More: 1\r\n\r\n");
  expect_request_error(req, 431);
  /* Known as soon as the extra line starts. */
  req[len + 1] = '\0';
  expect_request_error(req, 431);
}

static void test_head_too_large(void **state) {
  const char *req = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: 0123456789\r\n\r\n";
  size_t len = strlen(req);
  struct parsed p;
  char *big;
  (void) state;

  /* Exactly at the limit: fine. */
  parse_n(&p, req, len, 1, len, DEF_URI);
  assert_int_equal(p.h.header_len, (int) len);
  release(&p);

  /* One byte over: the blank line is not within the limit. */
  parse_n(&p, req, len, 1, len - 1, DEF_URI);
  assert_int_equal(p.h.header_len, -1);
  assert_int_equal(p.h.status, 431);
  release(&p);

  /* Not yet at the limit and unfinished: wait for more... */
  parse_n(&p, req, len - 10, 1, len - 1, DEF_URI);
  assert_int_equal(p.h.header_len, 0);
  release(&p);
  /* ...at the limit and unfinished: refuse. */
  parse_n(&p, req, len - 1, 1, len - 1, DEF_URI);
  assert_int_equal(p.h.header_len, -1);
  assert_int_equal(p.h.status, 431);
  release(&p);

  /* With the default limit: a never-ending header line. */
  big = malloc(DEF_HEADER + 100);
  assert_non_null(big);
  memset(big, 'a', DEF_HEADER + 100);
  memcpy(big, "GET / HTTP/1.1\r\nHost: h\r\nX: ", 28);
  parse_n(&p, big, DEF_HEADER - 1, 1, DEF_HEADER, DEF_URI);
  assert_int_equal(p.h.header_len, 0);
  release(&p);
  parse_n(&p, big, DEF_HEADER + 100, 1, DEF_HEADER, DEF_URI);
  assert_int_equal(p.h.header_len, -1);
  assert_int_equal(p.h.status, 431);
  release(&p);
  assert_int_equal(mg_parse_http(big, DEF_HEADER + 100, &p.hm, 1), -1);
  free(big);
}

static void test_long_uri(void **state) {
  struct parsed p;
  char *big;
  size_t n = DEF_URI + 100;
  (void) state;
  /* A 10-byte target with a 10-byte limit is fine, 11 is not. */
  parse_n(&p, "GET /123456789 HTTP/1.1\r\nHost: h\r\n\r\n", 36, 1, DEF_HEADER,
          10);
  assert_int_equal(p.h.header_len, 36);
  release(&p);
  parse_n(&p, "GET /1234567890 HTTP/1.1\r\nHost: h\r\n\r\n", 37, 1,
          DEF_HEADER, 10);
  assert_int_equal(p.h.header_len, -1);
  assert_int_equal(p.h.status, 414);
  release(&p);
  /* Told before the request line is even complete. */
  parse_n(&p, "GET /1234567890", 15, 1, DEF_HEADER, 10);
  assert_int_equal(p.h.header_len, -1);
  assert_int_equal(p.h.status, 414);
  release(&p);
  parse_n(&p, "GET /123456789", 14, 1, DEF_HEADER, 10);
  assert_int_equal(p.h.header_len, 0);
  release(&p);

  /* The default limit, incomplete head. */
  big = malloc(n);
  assert_non_null(big);
  memset(big, 'a', n);
  memcpy(big, "GET /", 5);
  parse_n(&p, big, n, 1, DEF_HEADER, DEF_URI);
  assert_int_equal(p.h.header_len, -1);
  assert_int_equal(p.h.status, 414);
  release(&p);
  free(big);
}

static void test_versions(void **state) {
  (void) state;
  expect_request_error("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505);
  expect_request_error("GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505);
  expect_request_error("GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505);
  expect_request_error("GET / HTTP/3.0\r\nHost: h\r\n\r\n", 505);
  expect_request_error("GET / http/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET / HTTP/11\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET / FOO\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET /\r\nHost: h\r\n\r\n", 400);
}

static void test_request_line_shape(void **state) {
  (void) state;
  expect_request_error("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET /  HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET  HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1\x01\nHost: h\r\n\r\n", 400);
  expect_request_error("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error(" GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error(" / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("G@T / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET /\x80 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", 400);
}

/* Parses a request with the given line and a Host field; checks it is
 * accepted with that uri. */
static void expect_target(const char *line, const char *uri) {
  char text[256];
  struct parsed p;
  snprintf(text, sizeof(text), "%s\r\nHost: h\r\n\r\n", line);
  parse(&p, text, 1);
  if (p.h.header_len <= 0) print_error("input: %s\n", text);
  assert_true(p.h.header_len > 0);
  assert_int_equal(p.hm.uri.len, strlen(uri));
  assert_memory_equal(p.hm.uri.p, uri, strlen(uri));
  release(&p);
}

/* RFC 9112 3.2: the four forms of request-target, each where it belongs. */
static void test_request_target_forms(void **state) {
  (void) state;
  expect_target("GET /a/b?x=1 HTTP/1.1", "/a/b");
  expect_target("GET http://h/a HTTP/1.1", "http://h/a");
  expect_target("GET svn+ssh.1-x:rest HTTP/1.1", "svn+ssh.1-x:rest");
  expect_target("CONNECT h.example:443 HTTP/1.1", "h.example:443");
  expect_target("CONNECT [::1]:8080 HTTP/1.1", "[::1]:8080");
  expect_target("OPTIONS * HTTP/1.1", "*");
  /* none of the forms */
  expect_request_error("GET index.html HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET 1http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET h.example HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET ?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET :/a HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("GET a/b:c HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  /* asterisk-form is for OPTIONS only, authority-form for CONNECT only */
  expect_request_error("GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("OPTIONS ** HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("CONNECT /a HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("CONNECT h.example HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("CONNECT :443 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("CONNECT h: HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("CONNECT h:44a HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("CONNECT u@h:443 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  expect_request_error("CONNECT h:443/x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  /* A CONNECT has no content: what follows its head is the tunnel's. */
  {
    const char *c = "CONNECT h:443 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
    struct http_message hm;
    struct parsed p;
    parse(&p, c, 1);
    assert_int_equal(p.h.header_len, (int) strlen(c) - 5);
    assert_int_equal(p.h.body_kind, HTTP_BODY_NONE);
    release(&p);
    assert_int_equal(mg_parse_http(c, (int) strlen(c), &hm, 1), (int) strlen(c) - 5);
    assert_int_equal(hm.body.len, 0);
    expect_request_error("CONNECT h:443 HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n",
                         400);
  }
}

static void test_host_rules(void **state) {
  (void) state;
  expect_request_error("GET / HTTP/1.1\r\nX: y\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400);
  expect_request_error("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400);
}

/* ---- incremental feeding ---------------------------------------------- */

/* Every proper prefix needs more bytes; the whole thing gives hl. Each
 * prefix is its own exact-size allocation. */
static void check_prefixes(const char *text, int is_req, int hl) {
  size_t n = strlen(text), k;
  for (k = 0; k < n; k++) {
    struct parsed p;
    parse_n(&p, text, k, is_req, DEF_HEADER, DEF_URI);
    if (p.h.header_len != 0) print_error("prefix of %zu bytes\n", k);
    assert_int_equal(p.h.header_len, 0);
    release(&p);
  }
  {
    struct parsed p;
    parse_n(&p, text, n, is_req, DEF_HEADER, DEF_URI);
    assert_int_equal(p.h.header_len, hl);
    release(&p);
  }
}

static void test_incremental_request(void **state) {
  const char *req =
      "POST /p?q=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
      "X-Empty:\r\nX-Crlf: 1\r\n\r\n";
  struct http_message hm;
  size_t k, n = strlen(req);
  (void) state;
  check_prefixes(req, 1, (int) n);
  /* mg_parse_http agrees on every prefix. */
  for (k = 0; k < n; k++) {
    char *buf = exact_copy(req, k);
    assert_int_equal(mg_parse_http(buf, (int) k, &hm, 1), 0);
    free(buf);
  }
  assert_int_equal(mg_parse_http(req, -5, &hm, 1), 0);
}

static void test_incremental_response(void **state) {
  const char *resp =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  (void) state;
  check_prefixes(resp, 0, (int) strlen(resp));
  check_prefixes("HTTP/1.0 204\n\n", 0, 14);
}

/* A malformed head is reported as soon as the bad byte arrives, and from
 * then on for every longer prefix. */
static void test_incremental_error(void **state) {
  const char *req = "GET / HTTP/1.1\r\nHost: h\r\nBad Name: 1\r\nX: y\r\n\r\n";
  size_t bad = (size_t) (strchr(req + 25, ' ') - req), k;
  (void) state;
  for (k = 0; k <= strlen(req); k++) {
    struct parsed p;
    parse_n(&p, req, k, 1, DEF_HEADER, DEF_URI);
    if (k <= bad) {
      assert_int_equal(p.h.header_len, 0);
    } else {
      assert_int_equal(p.h.header_len, -1);
      assert_int_equal(p.h.status, 400);
    }
    release(&p);
  }
}

/* ---- chunked bodies --------------------------------------------------- */

/* Parses one chunk from an exact-size copy. */
static int chunk(const char *text, size_t n, size_t *off, size_t *len,
                 size_t *total) {
  char *buf = exact_copy(text, n);
  int r = mg_http_parse_chunk(buf, n, off, len, total);
  free(buf);
  return r;
}

static int chunk_s(const char *text, size_t *off, size_t *len,
                   size_t *total) {
  return chunk(text, strlen(text), off, len, total);
}

static void test_chunk_basic(void **state) {
  size_t off, len, total;
  (void) state;
  assert_int_equal(chunk_s("5\r\nhello\r\nMORE", &off, &len, &total), 1);
  assert_int_equal(off, 3);
  assert_int_equal(len, 5);
  assert_int_equal(total, 10);

  assert_int_equal(chunk_s("1A\r\nabcdefghijklmnopqrstuvwxyz\r\n", &off, &len,
                           &total),
                   1);
  assert_int_equal(len, 26);
  assert_int_equal(off, 4);
  assert_int_equal(total, 32);
  assert_int_equal(chunk_s("1a\r\nabcdefghijklmnopqrstuvwxyz\r\n", &off, &len,
                           &total),
                   1);
  assert_int_equal(len, 26);
  assert_int_equal(chunk_s("000003\r\nabc\r\n", &off, &len, &total), 1);
  assert_int_equal(len, 3);
  assert_int_equal(off, 8);
}

static void test_chunk_extensions(void **state) {
  size_t off, len, total;
  (void) state;
  assert_int_equal(chunk_s("5;name=val;x=\"q;d\"\r\nhello\r\n", &off, &len,
                           &total),
                   1);
  assert_int_equal(off, 20);
  assert_int_equal(len, 5);
  assert_int_equal(total, 27);
  assert_int_equal(chunk_s("5 ; a=b\r\nhello\r\n", &off, &len, &total), 1);
  assert_int_equal(off, 9);
  assert_int_equal(len, 5);
  /* Control characters inside an extension are not skipped over. */
  assert_int_equal(chunk_s("5;a\x01\r\nhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5;a\rb\r\nhello\r\n", &off, &len, &total), -1);
  /* RFC 9112 7.1.1's grammar, exactly: BWS around ';' and '=', a token or
   * a quoted-string (with quoted-pairs) as the value. */
  assert_int_equal(chunk_s("5 ;a;b = c ;\td=\"x\\\"y\"\r\nhello\r\n", &off, &len,
                           &total),
                   1);
  assert_int_equal(len, 5);
  /* an extension with no name, a value missing or never closed, a value
   * that is neither token nor quoted-string, whitespace after the size (or
   * after an extension) that no ';' follows */
  assert_int_equal(chunk_s("5;\r\nhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5; \r\nhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5;;a\r\nhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5;=b\r\nhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5;a=\r\nhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5;a=\"b\r\nhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5;a=\"b\\\r\nhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5;a=b/c\r\nhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5 \r\nhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5\t\r\nhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5;a \r\nhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("0;\r\n\r\n", &off, &len, &total), -1);
  /* ... but only once the bytes that settle it are there */
  assert_int_equal(chunk_s("5 ", &off, &len, &total), 0);
  assert_int_equal(chunk_s("5;a=\"b", &off, &len, &total), 0);
  assert_int_equal(chunk_s("5;a=\"b\\", &off, &len, &total), 0);
  assert_int_equal(chunk_s("5;a =", &off, &len, &total), 0);
}

static void test_chunk_last_and_trailers(void **state) {
  size_t off = 99, len = 99, total = 0;
  const char *t = "0\r\nX-Sum: 12\r\nY:\r\n\r\nNEXT";
  (void) state;
  assert_int_equal(chunk_s("0\r\n\r\n", &off, &len, &total), 1);
  assert_int_equal(len, 0);
  assert_int_equal(off, 3);
  assert_int_equal(total, 5);

  assert_int_equal(chunk_s(t, &off, &len, &total), 1);
  assert_int_equal(len, 0);
  assert_int_equal(total, strlen(t) - 4);

  assert_int_equal(chunk_s("0;ext\r\n\r\n", &off, &len, &total), 1);
  assert_int_equal(total, 9);
  /* Malformed trailers. */
  assert_int_equal(chunk_s("0\r\nX: a\r\n b\r\n\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("0\r\nNoColon\r\n\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("0\r\n: v\r\n\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("0\r\nX : a\r\n\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("0\r\nX: a\rb\r\n\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("0\r\n\rX", &off, &len, &total), -1);
  assert_int_equal(chunk_s("0\r\n\n", &off, &len, &total), -1);
}

/* Decodes a whole chunked body a chunk at a time, checking that every
 * prefix of every chunk asks for more. */
static void test_chunk_prefixes(void **state) {
  const char *body =
      "4\r\nWiki\r\n5;e=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
      "0\r\nTrailer: v\r\n\r\n";
  char out[64];
  size_t pos = 0, outlen = 0, n = strlen(body);
  int chunks = 0;
  (void) state;
  for (;;) {
    size_t off, len, total, k;
    int r = -1;
    for (k = 0; pos + k <= n; k++) {
      r = chunk(body + pos, k, &off, &len, &total);
      if (r != 0) break;
    }
    assert_int_equal(r, 1);
    assert_int_equal(total, k); /* complete exactly at its last byte */
    memcpy(out + outlen, body + pos + off, len);
    outlen += len;
    pos += total;
    chunks++;
    if (len == 0) break;
  }
  assert_int_equal(chunks, 4);
  assert_int_equal(pos, n);
  assert_int_equal(outlen, 23);
  assert_memory_equal(out, "Wikipedia in\r\n\r\nchunks.", 23);
}

static void test_chunk_malformed(void **state) {
  size_t off, len, total;
  (void) state;
  assert_int_equal(chunk_s("", &off, &len, &total), 0);
  assert_int_equal(chunk_s("g\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("-5\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("0x5\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5x\r\nhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5 x\r\nhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5 \r\nhello\r\n", &off, &len, &total), -1);
  /* bare CR and bare LF in the size line */
  assert_int_equal(chunk_s("5\rhello\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5\nhello\r\n", &off, &len, &total), -1);
  /* sizes beyond 2^62, or beyond 64 bits */
  assert_int_equal(chunk_s("4000000000000001\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("FFFFFFFFFFFFFFFFFF\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("10000000000000000", &off, &len, &total), -1);
  /* 2^62 itself is a size, just one that needs more bytes */
  assert_int_equal(chunk_s("4000000000000000\r\nabc", &off, &len, &total), 0);
  /* what follows the data must be CRLF */
  assert_int_equal(chunk_s("5\r\nhelloX\r\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5\r\nhello\rX", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5\r\nhello\n", &off, &len, &total), -1);
  assert_int_equal(chunk_s("5\r\nhello!\r\n", &off, &len, &total), -1);
  /* still incomplete */
  assert_int_equal(chunk_s("5\r\nhello\r", &off, &len, &total), 0);
  assert_int_equal(chunk_s("5\r\nhel", &off, &len, &total), 0);
  assert_int_equal(chunk_s("5", &off, &len, &total), 0);
  assert_int_equal(chunk_s("5;ext", &off, &len, &total), 0);
}

/* ---- helpers ---------------------------------------------------------- */

static void test_get_http_header(void **state) {
  const char *req =
      "GET / HTTP/1.1\r\nHost: h\r\nX-Dup: first\r\nx-dup: second\r\n"
      "Content-Type: text/html\r\n\r\n";
  struct http_message hm;
  struct mg_str *v;
  (void) state;
  assert_true(mg_parse_http(req, (int) strlen(req), &hm, 1) > 0);
  v = mg_get_http_header(&hm, "content-TYPE");
  assert_non_null(v);
  assert_ptr_equal(v, &hm.header_values[3]);
  assert_mgstr(*v, "text/html");
  v = mg_get_http_header(&hm, "X-DUP");
  assert_non_null(v);
  assert_mgstr(*v, "first");
  assert_null(mg_get_http_header(&hm, "Content"));
  assert_null(mg_get_http_header(&hm, "Content-Type-X"));
  assert_null(mg_get_http_header(&hm, "Missing"));
  assert_null(mg_get_http_header(&hm, NULL));
}

static void test_get_http_var(void **state) {
  const char *q = "name=J%C3%B6rg+Smith&a=1&empty=&flag&A=upper&ab=2&a=again";
  struct mg_str qs = mg_mk_str(q);
  char dst[32];
  (void) state;
  assert_int_equal(mg_get_http_var(&qs, "name", dst, sizeof(dst)), 11);
  assert_string_equal(dst, "J\xc3\xb6rg Smith");
  assert_int_equal(mg_get_http_var(&qs, "a", dst, sizeof(dst)), 1);
  assert_string_equal(dst, "1");
  assert_int_equal(mg_get_http_var(&qs, "A", dst, sizeof(dst)), 5);
  assert_string_equal(dst, "upper");
  assert_int_equal(mg_get_http_var(&qs, "ab", dst, sizeof(dst)), 1);
  assert_string_equal(dst, "2");
  assert_int_equal(mg_get_http_var(&qs, "empty", dst, sizeof(dst)), 0);
  assert_string_equal(dst, "");
  assert_int_equal(mg_get_http_var(&qs, "flag", dst, sizeof(dst)), 0);
  /* absent (-4): prefixes and case variants do not count */
  strcpy(dst, "junk");
  assert_int_equal(mg_get_http_var(&qs, "nam", dst, sizeof(dst)), -4);
  assert_string_equal(dst, "");
  assert_int_equal(mg_get_http_var(&qs, "NAME", dst, sizeof(dst)), -4);
  assert_int_equal(mg_get_http_var(&qs, "b", dst, sizeof(dst)), -4);
}

static void test_get_http_var_limits(void **state) {
  struct mg_str body = mg_mk_str("v=abcd&bad=%zz&cut=%4");
  struct mg_str slice = mg_mk_str_n("v=abcdef", 4); /* only "v=ab" */
  struct mg_str empty = mg_mk_str("");
  char dst[8];
  (void) state;
  /* -3: "abcd" needs 5 bytes with its NUL */
  strcpy(dst, "junk");
  assert_int_equal(mg_get_http_var(&body, "v", dst, 4), -3);
  assert_string_equal(dst, "");
  assert_int_equal(mg_get_http_var(&body, "v", dst, 5), 4);
  assert_string_equal(dst, "abcd");
  /* -3 too: a malformed escape cannot be decoded into any dst */
  strcpy(dst, "junk");
  assert_int_equal(mg_get_http_var(&body, "bad", dst, sizeof(dst)), -3);
  assert_string_equal(dst, "");
  assert_int_equal(mg_get_http_var(&body, "cut", dst, sizeof(dst)), -3);
  /* the string's length is respected */
  assert_int_equal(mg_get_http_var(&slice, "v", dst, sizeof(dst)), 2);
  assert_string_equal(dst, "ab");
  /* -1: nothing to search (an empty or NULL source, no name) */
  strcpy(dst, "junk");
  assert_int_equal(mg_get_http_var(&empty, "v", dst, sizeof(dst)), -1);
  assert_string_equal(dst, "");
  assert_int_equal(mg_get_http_var(NULL, "v", dst, sizeof(dst)), -1);
  strcpy(dst, "junk");
  assert_int_equal(mg_get_http_var(&body, NULL, dst, sizeof(dst)), -1);
  assert_string_equal(dst, "");
  /* -2: nowhere to write, checked first */
  assert_int_equal(mg_get_http_var(&body, "v", NULL, 8), -2);
  strcpy(dst, "junk");
  assert_int_equal(mg_get_http_var(&body, "v", dst, 0), -2);
  assert_string_equal(dst, "junk");
  assert_int_equal(mg_get_http_var(&body, NULL, NULL, 0), -2);
  /* -4: searched, not there */
  strcpy(dst, "junk");
  assert_int_equal(mg_get_http_var(&body, "w", dst, sizeof(dst)), -4);
  assert_string_equal(dst, "");
}

static void test_get_http_var_from_body(void **state) {
  const char *req =
      "POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 21\r\n\r\n"
      "user=bob&msg=hi%21+x";
  struct http_message hm;
  char dst[16];
  (void) state;
  assert_true(mg_parse_http(req, (int) strlen(req), &hm, 1) > 0);
  assert_int_equal(hm.body.len, 20); /* one byte of the body is missing */
  assert_int_equal(mg_get_http_var(&hm.body, "msg", dst, sizeof(dst)), 5);
  assert_string_equal(dst, "hi! x");
  assert_int_equal(mg_get_http_var(&hm.body, "user", dst, sizeof(dst)), 3);
  assert_string_equal(dst, "bob");
}

static void test_http_parse_header(void **state) {
  struct mg_str digest = mg_mk_str(
      "Digest realm=\"test realm\", nonce=\"abc,def\", qop=auth, "
      "opaque=\"x, uri=evil\", uri=\"/path\"");
  struct mg_str disp = mg_mk_str("attachment; filename=\"a b.txt\"; size=10");
  struct mg_str esc = mg_mk_str("x; v=\"say \\\"hi\\\" \\\\ ok\"; w = bare");
  struct mg_str tricky = mg_mk_str("a=\"x\\\", b=evil\", b=good");
  char buf[32];
  (void) state;
  assert_int_equal(mg_http_parse_header(&digest, "realm", buf, sizeof(buf)),
                   10);
  assert_string_equal(buf, "test realm");
  assert_int_equal(mg_http_parse_header(&digest, "nonce", buf, sizeof(buf)),
                   7);
  assert_string_equal(buf, "abc,def");
  assert_int_equal(mg_http_parse_header(&digest, "qop", buf, sizeof(buf)), 4);
  assert_string_equal(buf, "auth");
  /* a quoted value never yields parameters of its own */
  assert_int_equal(mg_http_parse_header(&digest, "uri", buf, sizeof(buf)), 5);
  assert_string_equal(buf, "/path");

  assert_int_equal(mg_http_parse_header(&disp, "filename", buf, sizeof(buf)),
                   7);
  assert_string_equal(buf, "a b.txt");
  assert_int_equal(mg_http_parse_header(&disp, "size", buf, sizeof(buf)), 2);
  assert_string_equal(buf, "10");

  assert_int_equal(mg_http_parse_header(&esc, "v", buf, sizeof(buf)), 13);
  assert_string_equal(buf, "say \"hi\" \\ ok");
  assert_int_equal(mg_http_parse_header(&esc, "w", buf, sizeof(buf)), 4);
  assert_string_equal(buf, "bare");
  /* an escaped quote does not end another parameter's value early */
  assert_int_equal(mg_http_parse_header(&tricky, "b", buf, sizeof(buf)), 4);
  assert_string_equal(buf, "good");
}

static void test_http_parse_header_misses(void **state) {
  struct mg_str h = mg_mk_str("Digest realm=\"r\", nonce=n");
  struct mg_str open = mg_mk_str("a=\"never closed");
  struct mg_str noname = mg_mk_str("=v, x");
  char buf[8];
  (void) state;
  strcpy(buf, "junk");
  assert_int_equal(mg_http_parse_header(&h, "nonc", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "");
  assert_int_equal(mg_http_parse_header(&h, "Realm", buf, sizeof(buf)), 0);
  assert_int_equal(mg_http_parse_header(&h, "Digest", buf, sizeof(buf)), 0);
  assert_int_equal(mg_http_parse_header(&h, "", buf, sizeof(buf)), 0);
  assert_int_equal(mg_http_parse_header(&noname, "", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "");
  /* too small: "n" needs 2 bytes */
  strcpy(buf, "junk");
  assert_int_equal(mg_http_parse_header(&h, "nonce", buf, 1), 0);
  assert_string_equal(buf, "");
  assert_int_equal(mg_http_parse_header(&h, "nonce", buf, 2), 1);
  assert_string_equal(buf, "n");
  assert_int_equal(mg_http_parse_header(&open, "a", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "");
  assert_int_equal(mg_http_parse_header(NULL, "a", buf, sizeof(buf)), 0);
}

static void test_http_parse_header_single_quotes(void **state) {
  struct mg_str h = mg_mk_str(
      "Digest realm='test realm', nonce='a\"b,c', q=\"it's\", "
      "e='x\\'y', skip='u, v=evil', v=good");
  struct mg_str open = mg_mk_str("a='never closed");
  char buf[32];
  (void) state;
  assert_int_equal(mg_http_parse_header(&h, "realm", buf, sizeof(buf)), 10);
  assert_string_equal(buf, "test realm");
  /* a double quote inside single quotes is data, and vice versa */
  assert_int_equal(mg_http_parse_header(&h, "nonce", buf, sizeof(buf)), 5);
  assert_string_equal(buf, "a\"b,c");
  assert_int_equal(mg_http_parse_header(&h, "q", buf, sizeof(buf)), 4);
  assert_string_equal(buf, "it's");
  assert_int_equal(mg_http_parse_header(&h, "e", buf, sizeof(buf)), 3);
  assert_string_equal(buf, "x'y");
  /* a single-quoted value yields no parameters of its own either */
  assert_int_equal(mg_http_parse_header(&h, "v", buf, sizeof(buf)), 4);
  assert_string_equal(buf, "good");
  strcpy(buf, "junk");
  assert_int_equal(mg_http_parse_header(&open, "a", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "");
  /* too small for 'test realm' and its NUL */
  strcpy(buf, "junk");
  assert_int_equal(mg_http_parse_header(&h, "realm", buf, 10), 0);
  assert_string_equal(buf, "");
  assert_int_equal(mg_http_parse_header(&h, "realm", buf, 11), 10);
}

static void test_http_parse_header2(void **state) {
  struct mg_str h =
      mg_mk_str("Digest realm=\"a long realm value here\", qop='auth', n=");
  char small[8], *buf = small;
  (void) state;
  /* fits: written into the caller's buffer */
  assert_int_equal(mg_http_parse_header2(&h, "qop", &buf, sizeof(small)), 4);
  assert_ptr_equal(buf, small);
  assert_string_equal(small, "auth");
  /* does not fit: a heap copy replaces *buf, the old buffer holds "" */
  assert_int_equal(mg_http_parse_header2(&h, "realm", &buf, sizeof(small)),
                   23);
  assert_true(buf != small);
  assert_string_equal(buf, "a long realm value here");
  assert_string_equal(small, "");
  free(buf);
  /* exactly one byte short for the NUL also allocates */
  buf = small;
  assert_int_equal(mg_http_parse_header2(&h, "qop", &buf, 4), 4);
  assert_true(buf != small);
  assert_string_equal(buf, "auth");
  free(buf);
  /* absent or empty: 0, *buf unchanged and "" */
  buf = small;
  strcpy(small, "junk");
  assert_int_equal(mg_http_parse_header2(&h, "nonce", &buf, sizeof(small)), 0);
  assert_ptr_equal(buf, small);
  assert_string_equal(small, "");
  assert_int_equal(mg_http_parse_header2(&h, "n", &buf, sizeof(small)), 0);
  assert_ptr_equal(buf, small);
  /* no buffer at all: always the heap */
  buf = NULL;
  assert_int_equal(mg_http_parse_header2(&h, "qop", &buf, 0), 4);
  assert_non_null(buf);
  assert_string_equal(buf, "auth");
  free(buf);
  assert_int_equal(mg_http_parse_header2(&h, "qop", NULL, 8), 0);
}

static void test_parse_http_basic_auth(void **state) {
  struct mg_str ok = mg_mk_str("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  struct mg_str bearer = mg_mk_str("Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  struct mg_str nocolon = mg_mk_str("Basic dXNlcg==");
  struct mg_str bad = mg_mk_str("Basic dXNl*jpwYXNz");
  char user[16], pass[16];
  (void) state;
  assert_int_equal(
      mg_parse_http_basic_auth(&ok, user, sizeof(user), pass, sizeof(pass)), 0);
  assert_string_equal(user, "Aladdin");
  assert_string_equal(pass, "open sesame");
  assert_int_equal(mg_parse_http_basic_auth(&bearer, user, sizeof(user), pass,
                                            sizeof(pass)),
                   -1);
  assert_string_equal(user, "");
  assert_int_equal(mg_parse_http_basic_auth(&nocolon, user, sizeof(user), pass,
                                            sizeof(pass)),
                   -1);
  assert_int_equal(
      mg_parse_http_basic_auth(&bad, user, sizeof(user), pass, sizeof(pass)),
      -1);
  /* "open sesame" needs 12 bytes */
  assert_int_equal(mg_parse_http_basic_auth(&ok, user, sizeof(user), pass, 11),
                   -1);
  assert_string_equal(user, "");
  assert_string_equal(pass, "");
  assert_int_equal(mg_parse_http_basic_auth(&ok, user, sizeof(user), pass, 12),
                   0);
  assert_int_equal(
      mg_parse_http_basic_auth(NULL, user, sizeof(user), pass, sizeof(pass)),
      -1);
}

static void test_basic_auth_header(void **state) {
  struct mbuf mb;
  struct mg_str value;
  char user[16], pass[16];
  (void) state;
  mbuf_init(&mb, 0);
  mbuf_append(&mb, "X: 1\r\n", 6);
  mg_basic_auth_header(mg_mk_str("Aladdin"), mg_mk_str("open sesame"), &mb);
  assert_int_equal(mb.len, 6 + 51);
  assert_memory_equal(mb.buf,
                      "X: 1\r\nAuthorization: Basic "
                      "QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n",
                      mb.len);
  /* what it wrote reads back */
  value = mg_mk_str_n(mb.buf + 6 + 15, mb.len - 6 - 15 - 2);
  assert_int_equal(mg_parse_http_basic_auth(&value, user, sizeof(user), pass,
                                            sizeof(pass)),
                   0);
  assert_string_equal(user, "Aladdin");
  assert_string_equal(pass, "open sesame");
  /* an empty password keeps its ':' (RFC 7617) */
  mbuf_clear(&mb);
  mg_basic_auth_header(mg_mk_str("user"), mg_mk_str(""), &mb);
  assert_int_equal(mb.len, 31);
  assert_memory_equal(mb.buf, "Authorization: Basic dXNlcjo=\r\n", 31);
  mbuf_free(&mb);
}

/* Parses a request carrying the given Authorization value. */
static int basic_auth(const char *auth, char *user, size_t ul, char *pass,
                      size_t pl) {
  char req[256];
  struct http_message hm;
  snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: h\r\n%s%s\r\n\r\n",
           auth == NULL ? "X: " : "Authorization: ",
           auth == NULL ? "none" : auth);
  assert_true(mg_parse_http(req, (int) strlen(req), &hm, 1) > 0);
  return mg_get_http_basic_auth(&hm, user, ul, pass, pl);
}

static void test_basic_auth(void **state) {
  char user[32], pass[32];
  (void) state;
  assert_int_equal(basic_auth("Basic dXNlcjpwYXNz", user, 32, pass, 32), 0);
  assert_string_equal(user, "user");
  assert_string_equal(pass, "pass");
  assert_int_equal(basic_auth("basic  QWxhZGRpbjpvcGVuIHNlc2FtZQ==", user, 32,
                              pass, 32),
                   0);
  assert_string_equal(user, "Aladdin");
  assert_string_equal(pass, "open sesame");
  /* split at the first colon */
  assert_int_equal(basic_auth("Basic dXNlcjpwYTpzcw==", user, 32, pass, 32), 0);
  assert_string_equal(user, "user");
  assert_string_equal(pass, "pa:ss");
  assert_int_equal(basic_auth("Basic dXNlcjo=", user, 32, pass, 32), 0);
  assert_string_equal(user, "user");
  assert_string_equal(pass, "");
  assert_int_equal(basic_auth("Basic OnB3", user, 32, pass, 32), 0);
  assert_string_equal(user, "");
  assert_string_equal(pass, "pw");
  /* exactly fitting buffers */
  assert_int_equal(basic_auth("Basic dXNlcjpwYXNz", user, 5, pass, 5), 0);
  assert_string_equal(user, "user");
}

static void test_basic_auth_failures(void **state) {
  char user[32], pass[32];
  (void) state;
  assert_int_equal(basic_auth(NULL, user, 32, pass, 32), -1);
  assert_int_equal(basic_auth("Bearer dXNlcjpwYXNz", user, 32, pass, 32), -1);
  assert_int_equal(basic_auth("BasicdXNlcjpwYXNz", user, 32, pass, 32), -1);
  assert_int_equal(basic_auth("Basic", user, 32, pass, 32), -1);
  assert_int_equal(basic_auth("Basic dXNlcg==", user, 32, pass, 32), -1);
  assert_int_equal(basic_auth("Basic dXNl*jpwYXNz", user, 32, pass, 32), -1);
  assert_int_equal(basic_auth("Basic dXNlcjo=dXNl", user, 32, pass, 32), -1);
  assert_int_equal(basic_auth("Basic dXNlcjpwYXNzA", user, 32, pass, 32), -1);
  assert_int_equal(basic_auth("Basic dQB4OnA=", user, 32, pass, 32), -1);
  /* too small: user or password would not fit with its NUL */
  assert_int_equal(basic_auth("Basic dXNlcjpwYXNz", user, 4, pass, 32), -1);
  assert_string_equal(user, "");
  assert_int_equal(basic_auth("Basic dXNlcjpwYXNz", user, 32, pass, 4), -1);
  assert_string_equal(pass, "");
  assert_int_equal(basic_auth("Basic dXNlcjpwYXNz", NULL, 32, pass, 32), -1);
  assert_int_equal(basic_auth("Basic dXNlcjpwYXNz", user, 0, pass, 32), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_get_with_query),
      cmocka_unit_test(test_uri_without_query),
      cmocka_unit_test(test_post_content_length),
      cmocka_unit_test(test_content_length_zero),
      cmocka_unit_test(test_identical_content_lengths),
      cmocka_unit_test(test_chunked_request),
      cmocka_unit_test(test_pipelined),
      cmocka_unit_test(test_keep_alive_rules),
      cmocka_unit_test(test_lf_only_lines),
      cmocka_unit_test(test_upgrade_websocket),
      cmocka_unit_test(test_response_with_length),
      cmocka_unit_test(test_response_chunked),
      cmocka_unit_test(test_response_without_body),
      cmocka_unit_test(test_response_until_close),
      cmocka_unit_test(test_response_reason_phrases),
      cmocka_unit_test(test_response_errors),
      cmocka_unit_test(test_status_code_range),
      cmocka_unit_test(test_leading_empty_lines),
      cmocka_unit_test(test_bare_cr),
      cmocka_unit_test(test_obs_fold),
      cmocka_unit_test(test_bad_header_names),
      cmocka_unit_test(test_control_chars_in_values),
      cmocka_unit_test(test_bad_content_length),
      cmocka_unit_test(test_conflicting_content_length),
      cmocka_unit_test(test_transfer_encoding_errors),
      cmocka_unit_test(test_too_many_headers),
      cmocka_unit_test(test_head_too_large),
      cmocka_unit_test(test_long_uri),
      cmocka_unit_test(test_versions),
      cmocka_unit_test(test_request_line_shape),
      cmocka_unit_test(test_request_target_forms),
      cmocka_unit_test(test_host_rules),
      cmocka_unit_test(test_incremental_request),
      cmocka_unit_test(test_incremental_response),
      cmocka_unit_test(test_incremental_error),
      cmocka_unit_test(test_chunk_basic),
      cmocka_unit_test(test_chunk_extensions),
      cmocka_unit_test(test_chunk_last_and_trailers),
      cmocka_unit_test(test_chunk_prefixes),
      cmocka_unit_test(test_chunk_malformed),
      cmocka_unit_test(test_get_http_header),
      cmocka_unit_test(test_get_http_var),
      cmocka_unit_test(test_get_http_var_limits),
      cmocka_unit_test(test_get_http_var_from_body),
      cmocka_unit_test(test_http_parse_header),
      cmocka_unit_test(test_http_parse_header_misses),
      cmocka_unit_test(test_http_parse_header_single_quotes),
      cmocka_unit_test(test_http_parse_header2),
      cmocka_unit_test(test_parse_http_basic_auth),
      cmocka_unit_test(test_basic_auth_header),
      cmocka_unit_test(test_basic_auth),
      cmocka_unit_test(test_basic_auth_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
