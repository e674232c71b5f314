/*
 * http_send.c - what a handler calls to answer: status lines, heads,
 * chunks, errors, redirects, HTML-escaped text.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_head.h"
#include "http_internal.h"

const char *mg_http_status_text(int code) {
  switch (code) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 426: return "Upgrade Required";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return code < 300 ? "OK" : code < 400 ? "Redirect" : "Error";
  }
}

/* The Date header follows mg_time(): the virtual clock in simulation. A
 * server writes the same two dates over and over (now, and a file's
 * modification time), and gmtime_r plus strftime cost more than the rest of
 * a small reply's head: the last few are kept, per thread, for as long as
 * one manager lives (what a run does may not depend on the runs before it:
 * a fuzzer must see the same edges for the same input). */
#define DATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */
struct date_memo {
  time_t secs;
  int valid;
  char text[DATE_LEN + 1];
};
static _Thread_local struct date_memo s_dates[4];
static _Thread_local unsigned s_dates_next;
static _Thread_local unsigned long s_dates_epoch;

static void two_digits(char *p, int v) {
  p[0] = (char) ('0' + v / 10);
  p[1] = (char) ('0' + v % 10);
}

/* What strftime("%a, %d %b %Y %H:%M:%S GMT") writes in the C locale, for
 * the four-digit years only (others take the slow road). */
static int format_date(char *out, const struct tm *tm) {
  static const char days[] = "SunMonTueWedThuFriSat";
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  int year = tm->tm_year + 1900;
  if (year < 1000 || year > 9999 || tm->tm_wday < 0 || tm->tm_wday > 6 ||
      tm->tm_mon < 0 || tm->tm_mon > 11) {
    return 0;
  }
  memcpy(out, days + 3 * tm->tm_wday, 3);
  memcpy(out + 3, ", ", 2);
  two_digits(out + 5, tm->tm_mday);
  out[7] = ' ';
  memcpy(out + 8, months + 3 * tm->tm_mon, 3);
  out[11] = ' ';
  two_digits(out + 12, year / 100);
  two_digits(out + 14, year % 100);
  out[16] = ' ';
  two_digits(out + 17, tm->tm_hour);
  out[19] = ':';
  two_digits(out + 20, tm->tm_min);
  out[22] = ':';
  two_digits(out + 23, tm->tm_sec);
  memcpy(out + 25, " GMT", 5);
  return 1;
}

void mg_http_date(char *buf, size_t len, double t) {
  time_t secs = (time_t) t;
  struct date_memo *m;
  struct tm tm;
  unsigned i;
  if (s_dates_epoch != mg_mgr_epoch()) {
    s_dates_epoch = mg_mgr_epoch();
    memset(s_dates, 0, sizeof(s_dates));
    s_dates_next = 0;
  }
  for (i = 0; i < sizeof(s_dates) / sizeof(s_dates[0]); i++) {
    m = &s_dates[i];
    if (m->valid && m->secs == secs && len > DATE_LEN) {
      memcpy(buf, m->text, DATE_LEN + 1);
      return;
    }
  }
  gmtime_r(&secs, &tm);
  m = &s_dates[s_dates_next++ % (sizeof(s_dates) / sizeof(s_dates[0]))];
  if (len > DATE_LEN && format_date(m->text, &tm)) {
    m->secs = secs;
    m->valid = 1;
    memcpy(buf, m->text, DATE_LEN + 1);
    return;
  }
  strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* ---- heads assembled in place --------------------------------------------- */

/* A reply's head is a handful of short strings: they are gathered in a
 * stack buffer and queued with one mg_send, which beats a printf per line.
 * What does not fit goes out in pieces, in order: the bytes are the same. */
void mg_hb_flush(struct mg_hb *b) {
  if (b->len > 0) mg_send(b->nc, b->buf, (int) b->len);
  b->len = 0;
}

void mg_hb_put(struct mg_hb *b, const char *s, size_t n) {
  if (n > sizeof(b->buf) - b->len) {
    mg_hb_flush(b);
    if (n > sizeof(b->buf)) {
      mg_send(b->nc, s, (int) n);
      return;
    }
  }
  memcpy(b->buf + b->len, s, n);
  b->len += n;
}

void mg_hb_str(struct mg_hb *b, const char *s) {
  if (s != NULL) mg_hb_put(b, s, strlen(s));
}

void mg_hb_int(struct mg_hb *b, int64_t v) {
  char tmp[24], *p = tmp + sizeof(tmp);
  uint64_t u = v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;
  do {
    *--p = (char) ('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) *--p = '-';
  mg_hb_put(b, p, (size_t) (tmp + sizeof(tmp) - p));
}

static void mark_replied(struct mg_connection *nc) {
  struct http_pd *pd = mg_http_pd(nc);
  if (pd != NULL) pd->replied = 1;
}

/* The reply says what happens to the connection when that differs from
 * the default of its request's version (RFC 9112 9.3, 9.6). */
static const char *connection_header(struct mg_connection *nc) {
  struct http_pd *pd = mg_http_pd(nc);
  if (pd == NULL || pd->is_client) return "";
  if (pd->close_after_reply) return "Connection: close\r\n";
  return pd->http10 ? "Connection: keep-alive\r\n" : "";
}

/* The status line, Date, Server and Connection lines, into b. */
static void response_line(struct mg_hb *b, int status_code) {
  char date[40];
  mg_http_date(date, sizeof(date), mg_mgr_now(b->nc->mgr));
  mark_replied(b->nc);
  mg_hb_put(b, "HTTP/1.1 ", 9);
  mg_hb_int(b, status_code);
  mg_hb_put(b, " ", 1);
  mg_hb_str(b, mg_http_status_text(status_code));
  mg_hb_put(b, "\r\nDate: ", 8);
  mg_hb_str(b, date);
  mg_hb_put(b, "\r\n", 2);
  mg_hb_str(b, MG_SERVER_HEADER);
  mg_hb_str(b, connection_header(b->nc));
}

static void extra_lines(struct mg_hb *b, const char *extra_headers) {
  if (extra_headers != NULL && extra_headers[0] != '\0') {
    mg_hb_str(b, extra_headers);
    mg_hb_put(b, "\r\n", 2);
  }
}

void mg_send_response_line(struct mg_connection *nc, int status_code,
                           const char *extra_headers) {
  struct mg_hb b;
  b.nc = nc;
  b.len = 0;
  response_line(&b, status_code);
  extra_lines(&b, extra_headers);
  mg_hb_flush(&b);
}

/* RFC 9112 6.1: a server must not send Transfer-Encoding in reply to an
 * HTTP/1.0 request, whose sender may not know chunked coding. A "chunked"
 * reply to one goes out as plain data instead, its end marked by the close. */
static int close_delimited(const struct http_pd *pd) {
  return pd != NULL && !pd->is_client && pd->http10 && pd->chunked_reply;
}

/* mg_send_head in two halves, so that a caller can add lines of its own
 * between the extra headers and the framing header. The first sets up the
 * reply's framing state and writes the response line and extra_headers. */
void mg_hb_begin_head(struct mg_hb *b, struct mg_connection *nc, int status_code,
                      int64_t content_length, const char *extra_headers) {
  struct http_pd *pd = mg_http_pd(nc);
  /* RFC 9110 8.6, RFC 9112 6.1: a 1xx or 204 reply has no content and must
   * carry neither Content-Length nor Transfer-Encoding. A 304, or any reply
   * to a HEAD, keeps the framing a GET would get (RFC 9110 9.3.2, 15.4.5)
   * but has no body either: chunks written for it are dropped. */
  int bodyless = status_code / 100 == 1 || status_code == 204;
  int no_body = bodyless || status_code == 304 ||
                (pd != NULL && !pd->is_client && pd->head_request);
  b->nc = nc;
  b->len = 0;
  b->status = status_code;
  if (pd != NULL && !pd->is_client) pd->reply_no_body = no_body;
  if (pd != NULL) pd->reply_chunks = 0;
  if (content_length < 0 && !bodyless && pd != NULL) {
    pd->chunked_reply = 1;
    /* Open until the last chunk. A HEAD's reply too, so that a handler
     * written for GET (head, chunks, last chunk) ends it the same way; but
     * see deliver() for a HEAD handler that sends the head alone. */
    if (!pd->is_client && (!no_body || pd->head_request)) pd->reply_open = 1;
    /* Set before the response line, which then says Connection: close. */
    if (close_delimited(pd)) pd->close_after_reply = 1;
  }
  response_line(b, status_code);
  extra_lines(b, extra_headers);
}

/* The framing header and the blank line; the head is queued. */
void mg_hb_end_head(struct mg_hb *b, int64_t content_length) {
  if (b->status / 100 == 1 || b->status == 204) {
    /* no framing header */
  } else if (content_length < 0) {
    if (!close_delimited(mg_http_pd(b->nc))) {
      mg_hb_put(b, "Transfer-Encoding: chunked\r\n", 28);
    }
  } else {
    mg_hb_put(b, "Content-Length: ", 16);
    mg_hb_int(b, content_length);
    mg_hb_put(b, "\r\n", 2);
  }
  mg_hb_put(b, "\r\n", 2);
  mg_hb_flush(b);
}

void mg_send_head(struct mg_connection *nc, int status_code,
                  int64_t content_length, const char *extra_headers) {
  struct mg_hb b;
  mg_hb_begin_head(&b, nc, status_code, content_length, extra_headers);
  mg_hb_end_head(&b, content_length);
}

/* The last chunk ends the reply. Sent from the request handler, the
 * handler's return settles what follows; sent later (from a timer, say), the
 * connection closes if the request asked for it, or, once the event being
 * handled is over, goes on with the requests that waited behind this reply
 * (http_handler in http.c). */
static void end_chunked_reply(struct mg_connection *nc, struct http_pd *pd) {
  if (pd == NULL || !pd->reply_open) return;
  pd->reply_open = 0;
  if (pd->in_request) return;
  pd->replied = 0; /* a malformed request next gets its own 400 */
  if (pd->close_after_reply) {
    nc->flags |= MG_F_SEND_AND_CLOSE;
  } else {
    pd->reply_ended_late = 1;
  }
}

void mg_send_http_chunk(struct mg_connection *nc, const char *buf, size_t len) {
  struct http_pd *pd = mg_http_pd(nc);
  if (pd != NULL && pd->reply_no_body) { /* HEAD, 1xx, 204, 304: no data */
    if (len == 0) {
      end_chunked_reply(nc, pd);
    } else {
      pd->reply_chunks++;
    }
    return;
  }
  if (pd != NULL) pd->reply_chunks++;
  if (close_delimited(pd)) { /* HTTP/1.0: see mg_send_head */
    if (len > 0) mg_send(nc, buf, (int) len);
    else end_chunked_reply(nc, pd); /* close_after_reply: the close ends it */
    return;
  }
  mg_printf(nc, "%zx\r\n", len);
  mg_send(nc, buf, (int) len);
  mg_send(nc, "\r\n", 2);
  if (len == 0) end_chunked_reply(nc, pd);
}

void mg_printf_http_chunk(struct mg_connection *nc, const char *fmt, ...) {
  char small[256], *buf = small;
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = mg_avprintf(&buf, sizeof(small), fmt, ap);
  va_end(ap);
  if (n < 0) return;
  /* An empty chunk would end the body: only an explicit empty call does. */
  if (n > 0 || fmt[0] == '\0') mg_send_http_chunk(nc, buf, (size_t) n);
  if (buf != small) free(buf);
}

void mg_printf_html_escape(struct mg_connection *nc, const char *fmt, ...) {
  char small[256], *buf = small;
  va_list ap;
  int n, i, start = 0;
  va_start(ap, fmt);
  n = mg_avprintf(&buf, sizeof(small), fmt, ap);
  va_end(ap);
  if (n < 0) return;
  for (i = 0; i < n; i++) {
    const char *esc = buf[i] == '<'    ? "&lt;"
                      : buf[i] == '>'  ? "&gt;"
                      : buf[i] == '&'  ? "&amp;"
                      : buf[i] == '"'  ? "&quot;"
                      : buf[i] == '\'' ? "&#39;"
                                       : NULL;
    if (esc == NULL) continue;
    mg_send(nc, buf + start, i - start);
    mg_send(nc, esc, (int) strlen(esc));
    start = i + 1;
  }
  mg_send(nc, buf + start, n - start);
  if (buf != small) free(buf);
}

void mg_http_send_error(struct mg_connection *nc, int code, const char *reason) {
  mg_http_send_error_extra(nc, code, reason, NULL);
}

void mg_http_send_error_extra(struct mg_connection *nc, int code, const char *reason,
                              const char *extra_headers) {
  const char *text = reason != NULL ? reason : mg_http_status_text(code);
  size_t len = strlen(text);
  struct http_pd *pd = mg_http_pd(nc);
  mg_send_response_line(nc, code, "Content-Type: text/plain");
  if (extra_headers != NULL && extra_headers[0] != '\0') {
    mg_printf(nc, "%s\r\n", extra_headers);
  }
  mg_printf(nc, "Content-Length: %zu\r\n\r\n", len + 1);
  /* RFC 9110 9.3.2: the head of a GET's reply, without its body. */
  if (pd != NULL && !pd->is_client && pd->head_request) return;
  mg_printf(nc, "%s\n", text);
}

void mg_http_send_redirect(struct mg_connection *nc, int status_code,
                           const struct mg_str location,
                           const struct mg_str extra_headers) {
  mg_send_response_line(nc, status_code, NULL);
  mg_printf(nc, "Location: %.*s\r\n", (int) location.len, location.p);
  if (extra_headers.len > 0) {
    mg_printf(nc, "%.*s\r\n", (int) extra_headers.len, extra_headers.p);
  }
  mg_printf(nc, "%s", "Content-Length: 0\r\n\r\n");
}
