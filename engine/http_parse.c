/*
 * http_parse.c - the HTTP/1.x message head (RFC 9112) and chunked bodies.
 *
 * The parser is deliberately strict. A server that accepts what a proxy in
 * front of it reads differently (a bare CR, a folded line, two lengths) is
 * how request smuggling happens, so anything ambiguous is rejected with the
 * status a server should answer with, instead of being guessed at.
 *
 * Nothing is copied: every mg_str filled in points into the caller's bytes.
 * Nothing is remembered between calls either: each call parses from the
 * start, so a caller feeding bytes as they arrive just calls again with more.
 * Heads are small (16 KiB by default), which keeps that rescan cheap.
 */
#include <string.h>

#include "http_internal.h"

/* Content-Length and chunk sizes above this are refused: far beyond any real
 * body, and it leaves headroom so offsets computed from them cannot wrap. */
#define BODY_SIZE_LIMIT ((uint64_t) 1 << 62)

/* How each step of the head parser ended. */
enum step { STEP_OK, STEP_MORE, STEP_ERROR };

/* The bytes being parsed. lim is min(n, max_header): nothing past the head
 * limit is ever looked at, and running out of bytes at that point means the
 * head is too large rather than unfinished. */
struct scan {
  const char *s;
  size_t lim;
  int at_limit; /* lim is the head limit, not the end of the input */
  int is_req;   /* a request: its lines end in CRLF only */
  size_t pos;   /* where the next line starts */
};

static enum step fail(struct http_head *h, int status, const char *reason) {
  h->header_len = -1;
  h->status = status;
  h->reason = reason;
  return STEP_ERROR;
}

/* ---- character classes ------------------------------------------------ */

/*
 * One table lookup per byte instead of a chain of comparisons: the scans
 * below run over every byte of a head, and a table also keeps the classes
 * in one place where they can be read side by side.
 */
enum {
  CC_TCHAR = 1,  /* RFC 9110 tchar: methods, header names, codings */
  CC_VCHAR = 2,  /* visible ASCII 0x21-0x7e: the request target and version;
                    bytes >= 0x80 are left out on purpose, a target must
                    arrive percent-encoded */
  CC_FIELD = 4,  /* what a field value or reason phrase may hold: HTAB, SP,
                    VCHAR and obs-text (0x80-0xff, which RFC 9110 still
                    allows in values) */
  CC_DIGIT = 8,  /* 0-9 */
  CC_OWS = 16,   /* SP and HTAB */
  CC_ALPHA = 32, /* A-Z and a-z */
  CC_COMMA = 64  /* the list separator */
};

static const unsigned char char_class[256] = {
    0,  0,  0,  0,  0,  0,  0,  0,  0,  20, 0,  0,  0,  0,  0,  0,  /* 00 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 10 */
    20, 7,  6,  7,  7,  7,  7,  7,  6,  6,  7,  7,  70, 7,  7,  6,  /* 20 */
    15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 6,  6,  6,  6,  6,  6,  /* 30 */
    6,  39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, /* 40 */
    39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 6,  6,  6,  7,  7,  /* 50 */
    7,  39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, /* 60 */
    39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 6,  7,  6,  7,  0,  /* 70 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* 80 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* 90 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* a0 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* b0 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* c0 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* d0 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* e0 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* f0 */
};

static int is_class(unsigned char c, int cls) {
  return (char_class[c] & cls) != 0;
}

static int is_digit(unsigned char c) {
  return is_class(c, CC_DIGIT);
}

static int is_ows(unsigned char c) {
  return is_class(c, CC_OWS);
}

static int is_alpha(unsigned char c) {
  return is_class(c, CC_ALPHA);
}

/*
 * Eight bytes at a time, word tricks find a byte that may end a run of
 * field characters or of VCHARs; the table then settles each byte of the
 * word that has one. Field values and request targets are most of a head,
 * and almost all of their words have no such byte.
 *
 * A byte of w below n (n <= 0x80) sets the top bit of its lane in
 * (w - ONES * n) & ~w & HIGHS, and that expression is zero when there is
 * none: a borrow can only run on from a lane that already tested true.
 */
#define ONES ((uint64_t) 0x0101010101010101u)
#define HIGHS ((uint64_t) 0x8080808080808080u)

static uint64_t any_below(uint64_t w, unsigned n) {
  return (w - ONES * n) & ~w & HIGHS;
}

/* Nonzero when a byte of w may not be a field character (a control
 * character or DEL; HTAB too, which the table then lets through). */
static uint64_t field_stop(uint64_t w) {
  return any_below(w, 0x20) | any_below(w ^ (ONES * 0x7f), 1);
}

/* Nonzero when a byte of w may not be a VCHAR. */
static uint64_t vchar_stop(uint64_t w) {
  return any_below(w, 0x21) | any_below(w ^ (ONES * 0x7f), 1) | (w & HIGHS);
}

/* Where the run of class cls bytes that starts at s[i] ends: the first
 * index in [i, end) holding another byte, or end. */
static size_t span(const char *s, size_t i, size_t end, int cls) {
  const unsigned char *p = (const unsigned char *) s + i;
  const unsigned char *e = (const unsigned char *) s + end;
  if (cls == CC_FIELD || cls == CC_VCHAR) {
    uint64_t w;
    while (e - p >= 8) {
      memcpy(&w, p, sizeof(w));
      if ((cls == CC_FIELD ? field_stop(w) : vchar_stop(w)) != 0) break;
      p += 8;
    }
  }
  while (p < e && (char_class[*p] & cls) != 0) p++;
  return (size_t) (p - (const unsigned char *) s);
}

static int hex_digit(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* ---- small string helpers --------------------------------------------- */

static struct mg_str trim_ows(const char *p, size_t len) {
  while (len > 0 && is_ows((unsigned char) p[0])) {
    p++;
    len--;
  }
  while (len > 0 && is_ows((unsigned char) p[len - 1])) len--;
  return mg_mk_str_n(p, len);
}

/* The lengths first: most names a head is checked against differ in it. */
static int str_ieq(struct mg_str s, const char *lit) {
  return s.len == strlen(lit) && mg_vcasecmp(&s, lit) == 0;
}

static int is_token(struct mg_str s) {
  return s.len > 0 && span(s.p, 0, s.len, CC_TCHAR) == s.len;
}

/*
 * Walks a comma-separated header value (RFC 9110 section 5.6.1). Every
 * element is produced, empty ones included, because some headers must
 * ignore them (Connection) while others must refuse them (Content-Length).
 */
struct list_iter {
  struct mg_str list;
  size_t pos;
};

static int list_next(struct list_iter *it, struct mg_str *elem) {
  size_t start = it->pos, end = it->list.len;
  const char *comma;
  if (start > it->list.len) return 0;
  if (start < end) {
    comma = (const char *) memchr(it->list.p + start, ',', end - start);
    if (comma != NULL) end = (size_t) (comma - it->list.p);
  }
  it->pos = end + 1; /* past the comma; past the end after the last one */
  *elem = trim_ows(it->list.p + start, end - start);
  return 1;
}

/* The next element that is not empty, for the lists whose empty elements
 * are ignored: a run of commas and OWS between two elements is passed over
 * at once. */
static int list_next_nonempty(struct list_iter *it, struct mg_str *elem) {
  if (it->pos < it->list.len) {
    it->pos = span(it->list.p, it->pos, it->list.len, CC_OWS | CC_COMMA);
  }
  return it->pos < it->list.len && list_next(it, elem);
}

static int list_has(struct mg_str list, const char *token) {
  struct list_iter it = {list, 0};
  struct mg_str e;
  while (list_next_nonempty(&it, &e)) {
    if (str_ieq(e, token)) return 1;
  }
  return 0;
}

/* ---- the start line --------------------------------------------------- */

/*
 * s[i] is a CR or an LF that ends a line. A CR must be followed by LF: a
 * bare CR is read as a line break by some parsers and as data by others.
 * A bare LF is the same hazard in a request: a front end that takes it for
 * whitespace inside a value ("Dummy: x\nContent-Length: 5") sees other
 * fields than we would, so a request's lines end in CRLF only. Replies are
 * read leniently, as clients commonly do: no other recipient shares them.
 */
static enum step line_end(const struct scan *sc, size_t i, size_t *next,
                          struct http_head *h) {
  if (sc->s[i] == '\n') {
    if (sc->is_req) return fail(h, 400, "bare LF");
    *next = i + 1;
    return STEP_OK;
  }
  if (i + 1 >= sc->lim) return STEP_MORE;
  if (sc->s[i + 1] != '\n') return fail(h, 400, "bare CR");
  *next = i + 2;
  return STEP_OK;
}

/* Only 1.0 and 1.1 speak this syntax; another well-formed version is a
 * version we do not support (505), anything else is not HTTP (400). */
static enum step check_version(struct mg_str v, struct http_head *h) {
  if (v.len == 8 && memcmp(v.p, "HTTP/1.", 7) == 0 &&
      (v.p[7] == '0' || v.p[7] == '1')) {
    return STEP_OK;
  }
  if (v.len == 8 && memcmp(v.p, "HTTP/", 5) == 0 &&
      is_digit((unsigned char) v.p[5]) && v.p[6] == '.' &&
      is_digit((unsigned char) v.p[7])) {
    return fail(h, 505, "HTTP version not supported");
  }
  return fail(h, 400, "bad HTTP version");
}

/* RFC 9112 section 3.2: a target is in origin-form ("/path?query"),
 * absolute-form ("scheme:..."), authority-form ("host:port", CONNECT only)
 * or asterisk-form ("*", OPTIONS only). Anything else ("index.html",
 * "*" on a GET) would reach handlers as a uri no route expects. Only the
 * form is checked: inside it any VCHAR passes, as in most servers. */
static int target_form_ok(struct mg_str method, struct mg_str t) {
  size_t i;
  if (mg_vcmp(&method, "CONNECT") == 0) {
    const char *colon = NULL;
    for (i = 0; i < t.len; i++) {
      if (strchr("/?#@", t.p[i]) != NULL) return 0;
      if (t.p[i] == ':') colon = t.p + i;
    }
    if (colon == NULL || colon == t.p || colon + 1 == t.p + t.len) return 0;
    for (i = (size_t) (colon + 1 - t.p); i < t.len; i++) {
      if (!is_digit((unsigned char) t.p[i])) return 0;
    }
    return 1;
  }
  if (t.len == 1 && t.p[0] == '*') return mg_vcmp(&method, "OPTIONS") == 0;
  if (t.p[0] == '/') return 1;
  /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ':' */
  if (!is_alpha((unsigned char) t.p[0])) return 0;
  for (i = 1; i < t.len; i++) {
    unsigned char c = (unsigned char) t.p[i];
    if (c == ':') return 1;
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return 0;
  }
  return 0;
}

/* Splits the target at the first '?': the query string may be empty, but
 * is only absent ({NULL, 0}) when there is no '?'. */
static void split_target(struct mg_str target, struct http_message *hm) {
  const char *q = mg_strchr(target, '?');
  if (q == NULL) {
    hm->uri = target;
    return;
  }
  hm->uri = mg_mk_str_n(target.p, (size_t) (q - target.p));
  hm->query_string =
      mg_mk_str_n(q + 1, target.len - (size_t) (q - target.p) - 1);
}

/* method SP request-target SP HTTP-version, with exactly one SP each. Each
 * part is checked as soon as its bytes are there, so a bad or overlong
 * request line is refused without waiting for the rest of the head. */
static enum step parse_request_line(struct scan *sc, size_t max_uri,
                                    struct http_message *hm,
                                    struct http_head *h) {
  const char *s = sc->s;
  size_t i = sc->pos, start = i, next;
  struct mg_str version;
  enum step r;

  i = span(s, i, sc->lim, CC_TCHAR);
  if (i == sc->lim) return STEP_MORE;
  if (s[i] != ' ' || i == start) return fail(h, 400, "bad method");
  hm->method = mg_mk_str_n(s + start, i - start);

  /* Looking one byte past max_uri is enough to know the target is too
   * long, however much more of it there is. */
  start = ++i;
  i = span(s, i, sc->lim - i > max_uri ? i + max_uri + 1 : sc->lim, CC_VCHAR);
  if (i - start > max_uri) return fail(h, 414, "URI too long");
  if (i == sc->lim) return STEP_MORE;
  if (s[i] != ' ' || i == start ||
      !target_form_ok(hm->method, mg_mk_str_n(s + start, i - start))) {
    return fail(h, 400, "bad request target");
  }
  split_target(mg_mk_str_n(s + start, i - start), hm);

  start = ++i;
  i = span(s, i, sc->lim, CC_VCHAR);
  if (i == sc->lim) return STEP_MORE;
  if (s[i] != '\r' && s[i] != '\n') return fail(h, 400, "bad request line");
  version = mg_mk_str_n(s + start, i - start);
  if (check_version(version, h) != STEP_OK) return STEP_ERROR;
  hm->proto = version;

  r = line_end(sc, i, &next, h);
  if (r == STEP_OK) sc->pos = next;
  return r;
}

/* HTTP-version SP 3DIGIT SP [reason-phrase]. The SP before an empty reason
 * is often left out by servers, and losing it changes no meaning, so a line
 * ending right after the code is accepted too. */
static enum step parse_status_line(struct scan *sc, struct http_message *hm,
                                   struct http_head *h) {
  const char *s = sc->s;
  size_t i = sc->pos, start = i, next, k;
  struct mg_str version;
  int code = 0;
  enum step r;

  i = span(s, i, sc->lim, CC_VCHAR);
  if (i == sc->lim) return STEP_MORE;
  if (s[i] != ' ') return fail(h, 400, "bad status line");
  version = mg_mk_str_n(s + start, i - start);
  if (check_version(version, h) != STEP_OK) return STEP_ERROR;
  hm->proto = version;

  i++;
  for (k = 0; k < 3; k++, i++) {
    if (i == sc->lim) return STEP_MORE;
    if (!is_digit((unsigned char) s[i])) return fail(h, 400, "bad status");
    code = code * 10 + (s[i] - '0');
  }
  /* RFC 9110 section 15: codes outside 100..599 are not HTTP, and a client
   * could not tell what class of answer it got. */
  if (code < 100 || code > 599) return fail(h, 400, "bad status");
  hm->resp_code = code;

  if (i == sc->lim) return STEP_MORE;
  if (s[i] == ' ') i++;
  else if (s[i] != '\r' && s[i] != '\n') return fail(h, 400, "bad status");
  start = i;
  i = span(s, i, sc->lim, CC_FIELD);
  if (i == sc->lim) return STEP_MORE;
  if (s[i] != '\r' && s[i] != '\n') return fail(h, 400, "bad reason phrase");
  hm->resp_status_msg = mg_mk_str_n(s + start, i - start);

  r = line_end(sc, i, &next, h);
  if (r == STEP_OK) sc->pos = next;
  return r;
}

/* ---- header fields ---------------------------------------------------- */

/* One "name: value" line, or the blank line that ends the head (*done). */
static enum step parse_field(struct scan *sc, int count,
                             struct http_message *hm, struct http_head *h,
                             int *done) {
  const char *s = sc->s;
  size_t i = sc->pos, start = i, next;
  struct mg_str name;
  enum step r;

  if (i == sc->lim) return STEP_MORE;
  if (s[i] == '\r' || s[i] == '\n') {
    r = line_end(sc, i, &next, h);
    if (r == STEP_OK) {
      sc->pos = next;
      *done = 1;
    }
    return r;
  }
  /* obs-fold: continuation lines are long deprecated and parsers disagree
   * on what they join, so they are refused rather than unfolded. */
  if (is_ows((unsigned char) s[i])) return fail(h, 400, "obs-fold");
  if (count == MG_MAX_HTTP_HEADERS) return fail(h, 431, "too many headers");

  i = span(s, i, sc->lim, CC_TCHAR);
  if (i == sc->lim) return STEP_MORE;
  if (s[i] != ':') {
    /* "Name : v" must be refused (RFC 9112 section 5.1): some parsers
     * would strip the space and see a different header than we do. */
    if (is_ows((unsigned char) s[i])) {
      return fail(h, 400, "whitespace before colon");
    }
    return fail(h, 400, "bad header name");
  }
  if (i == start) return fail(h, 400, "empty header name");
  name = mg_mk_str_n(s + start, i - start);

  i = span(s, i + 1, sc->lim, CC_OWS);
  start = i;
  i = span(s, i, sc->lim, CC_FIELD);
  if (i == sc->lim) return STEP_MORE;
  if (s[i] != '\r' && s[i] != '\n') {
    return fail(h, 400, "control character in header value");
  }
  r = line_end(sc, i, &next, h);
  if (r != STEP_OK) return r;

  hm->header_names[count] = name;
  hm->header_values[count] = trim_ows(s + start, i - start);
  sc->pos = next;
  return STEP_OK;
}

/* ---- what the headers mean -------------------------------------------- */

/* What the framing-related headers said, gathered over all of them. */
struct framing {
  int hosts;
  int have_length;
  uint64_t length;
  int have_te;
  int te_codings;       /* non-empty transfer-codings seen */
  int chunked_count;    /* how often "chunked" was listed */
  int chunked_last;     /* the last coding so far is "chunked" */
  int unknown_coding;   /* a coding other than chunked */
  int conn_close, conn_keep_alive, conn_upgrade;
  int upgrade_websocket;
};

/* 1*DIGIT, refusing signs, spaces and values past BODY_SIZE_LIMIT. */
static int parse_decimal(struct mg_str s, uint64_t *out) {
  uint64_t v = 0;
  size_t i;
  if (s.len == 0) return 0;
  for (i = 0; i < s.len; i++) {
    unsigned d;
    if (!is_digit((unsigned char) s.p[i])) return 0;
    d = (unsigned) (s.p[i] - '0');
    if (v > (BODY_SIZE_LIMIT - d) / 10) return 0;
    v = v * 10 + d;
  }
  *out = v;
  return 1;
}

/* RFC 9112 section 6.3: a list of identical lengths ("5, 5") or repeated
 * identical headers may be taken as that one length; any disagreement
 * leaves the body's end unknowable, so the message is refused. */
static enum step note_length(struct mg_str value, struct framing *f,
                             struct http_head *h) {
  struct list_iter it = {value, 0};
  struct mg_str e;
  while (list_next(&it, &e)) {
    uint64_t v;
    if (!parse_decimal(e, &v)) return fail(h, 400, "bad Content-Length");
    if (f->have_length && v != f->length) {
      return fail(h, 400, "conflicting Content-Length");
    }
    f->have_length = 1;
    f->length = v;
  }
  return STEP_OK;
}

/* Transfer-Encoding codings in order, across all such headers. Decisions
 * wait until all are seen, since requests and responses differ. */
static enum step note_codings(struct mg_str value, struct framing *f,
                              struct http_head *h) {
  struct list_iter it = {value, 0};
  struct mg_str e;
  f->have_te = 1;
  while (list_next_nonempty(&it, &e)) { /* empty elements are ignored */
    const char *semi;
    struct mg_str coding;
    semi = mg_strchr(e, ';');
    coding = semi == NULL ? e
                          : trim_ows(e.p, (size_t) (semi - e.p));
    if (!is_token(coding)) return fail(h, 400, "bad Transfer-Encoding");
    f->te_codings++;
    if (str_ieq(coding, "chunked")) {
      /* chunked takes no parameters */
      if (semi != NULL) return fail(h, 400, "bad Transfer-Encoding");
      f->chunked_count++;
      f->chunked_last = 1;
    } else {
      f->unknown_coding = 1;
      f->chunked_last = 0;
    }
  }
  return STEP_OK;
}

static enum step note_header(struct mg_str name, struct mg_str value,
                             struct framing *f, struct http_head *h) {
  if (str_ieq(name, "Content-Length")) return note_length(value, f, h);
  if (str_ieq(name, "Transfer-Encoding")) return note_codings(value, f, h);
  if (str_ieq(name, "Host")) {
    f->hosts++;
  } else if (str_ieq(name, "Connection")) {
    /* One walk over the list for the three options. */
    struct list_iter it = {value, 0};
    struct mg_str e;
    while (list_next_nonempty(&it, &e)) {
      f->conn_close |= str_ieq(e, "close");
      f->conn_keep_alive |= str_ieq(e, "keep-alive");
      f->conn_upgrade |= str_ieq(e, "upgrade");
    }
  } else if (str_ieq(name, "Upgrade")) {
    f->upgrade_websocket |= list_has(value, "websocket");
  }
  return STEP_OK;
}

/* A request's body: RFC 9112 section 6.3, rules 3 to 6, strictly. */
static enum step request_body(const struct framing *f, struct http_head *h) {
  if (f->have_te) {
    /* chunked must be last and only once, or the body's end depends on
     * which recipient you ask; an unknown coding we cannot undo is 501. */
    if (f->te_codings == 0) return fail(h, 400, "bad Transfer-Encoding");
    if (f->chunked_count > 1 || (f->chunked_count == 1 && !f->chunked_last)) {
      return fail(h, 400, "chunked is not the final coding");
    }
    if (f->unknown_coding) {
      return fail(h, 501, "unsupported Transfer-Encoding");
    }
    h->body_kind = HTTP_BODY_CHUNKED;
  } else if (f->have_length) {
    /* Content-Length: 0 stays HTTP_BODY_LENGTH with content_length 0, so a
     * caller can tell "said 0" from "said nothing"; both mean no body. */
    h->body_kind = HTTP_BODY_LENGTH;
    h->content_length = f->length;
  } else {
    h->body_kind = HTTP_BODY_NONE;
  }
  return STEP_OK;
}

/* A response's body, assuming the request was not HEAD. */
static enum step response_body(int code, const struct framing *f,
                               struct http_head *h) {
  if (f->have_te && f->te_codings == 0) {
    return fail(h, 400, "bad Transfer-Encoding");
  }
  if (f->chunked_count > 1) return fail(h, 400, "chunked applied twice");
  if ((code >= 100 && code < 200) || code == 204 || code == 304) {
    h->body_kind = HTTP_BODY_NONE;
  } else if (f->have_te) {
    /* Without chunked last, only the close marks the end (rule 4). */
    h->body_kind =
        f->chunked_last ? HTTP_BODY_CHUNKED : HTTP_BODY_UNTIL_CLOSE;
  } else if (f->have_length) {
    h->body_kind = HTTP_BODY_LENGTH;
    h->content_length = f->length;
  } else {
    h->body_kind = HTTP_BODY_UNTIL_CLOSE;
  }
  return STEP_OK;
}

static enum step interpret(int is_req, struct http_message *hm,
                           struct http_head *h) {
  struct framing f;
  int http10 = hm->proto.p[7] == '0'; /* the version passed check_version */
  int i;

  memset(&f, 0, sizeof(f));
  for (i = 0; i < MG_MAX_HTTP_HEADERS && hm->header_names[i].p != NULL; i++) {
    if (note_header(hm->header_names[i], hm->header_values[i], &f, h) !=
        STEP_OK) {
      return STEP_ERROR;
    }
  }

  /* Both framings at once is the classic smuggling setup (section 6.1). */
  if (f.have_te && f.have_length) {
    return fail(h, 400, "both Content-Length and Transfer-Encoding");
  }
  /* HTTP/1.0 has no transfer codings: such framing is faulty (6.1). */
  if (f.have_te && http10) {
    return fail(h, 400, "Transfer-Encoding in HTTP/1.0");
  }
  if (is_req) {
    /* Section 3.2: exactly one Host in 1.1, never more than one. */
    if (f.hosts > 1) return fail(h, 400, "more than one Host");
    if (f.hosts == 0 && !http10) return fail(h, 400, "missing Host");
    if (request_body(&f, h) != STEP_OK) return STEP_ERROR;
    /* RFC 9110 section 9.3.6: a CONNECT request has no content, whatever
     * its framing fields say (they are still checked above, a malformed
     * one being no safer here than anywhere). What follows its head is the
     * tunnel's, and taking it for a body would hide tunnel bytes, or a
     * second request, from whoever reads the tunnel. */
    if (mg_vcmp(&hm->method, "CONNECT") == 0) {
      h->body_kind = HTTP_BODY_NONE;
      h->content_length = 0;
    }
  } else if (response_body(hm->resp_code, &f, h) != STEP_OK) {
    return STEP_ERROR;
  }

  h->keep_alive = http10 ? (f.conn_keep_alive && !f.conn_close)
                         : !f.conn_close;
  /* A body that ends with the connection leaves nothing to keep alive. */
  if (h->body_kind == HTTP_BODY_UNTIL_CLOSE) h->keep_alive = 0;
  h->upgrade_websocket = f.upgrade_websocket && f.conn_upgrade;
  return STEP_OK;
}

/* ---- the head --------------------------------------------------------- */

void mg_http_parse_head(const char *s, size_t n, int is_req, size_t max_header,
                        size_t max_uri, struct http_message *hm,
                        struct http_head *h) {
  struct scan sc;
  enum step r;
  int count = 0, done = 0;

  memset(hm, 0, sizeof(*hm));
  memset(h, 0, sizeof(*h));
  h->body_kind = HTTP_BODY_NONE;

  sc.s = s;
  sc.at_limit = n >= max_header;
  sc.lim = sc.at_limit ? max_header : n;
  sc.is_req = is_req;
  sc.pos = 0;

  r = is_req ? parse_request_line(&sc, max_uri, hm, h)
             : parse_status_line(&sc, hm, h);
  while (r == STEP_OK && !done) {
    r = parse_field(&sc, count, hm, h, &done);
    if (r == STEP_OK && !done) count++;
  }
  if (r == STEP_ERROR) return;
  if (r == STEP_MORE) {
    /* Out of bytes: with the whole allowance used, no end is coming. */
    if (sc.at_limit) fail(h, 431, "header section too large");
    return;
  }

  if (interpret(is_req, hm, h) != STEP_OK) return;
  h->header_len = (int) sc.pos;
  hm->message = mg_mk_str_n(s, sc.pos);
  hm->body = mg_mk_str_n(s + sc.pos, 0);
}

/*
 * Empty lines before the first line are skipped, as RFC 9112 section 2.2
 * asks of a server and as Mongoose 6 did for replies too: they are what a
 * peer that ends a body with an extra CRLF leaves between messages. They
 * count in the returned length, so that a caller removing that many bytes
 * removes them as well; hm->message starts at the first real line. A bare
 * CR among them is no empty line and fails like any other bad first line;
 * so is a bare LF before a request, whose lines end in CRLF only.
 */
int mg_parse_http(const char *s, int n, struct http_message *hm, int is_req) {
  struct http_head h;
  size_t len = n > 0 ? (size_t) n : 0, avail, skip = 0;

  for (;;) {
    if (!is_req && skip < len && s[skip] == '\n') {
      skip++;
    } else if (skip + 1 < len && s[skip] == '\r' && s[skip + 1] == '\n') {
      skip += 2;
    } else {
      break;
    }
  }
  if (skip + 1 == len && s[skip] == '\r') {
    memset(hm, 0, sizeof(*hm)); /* maybe half of one more empty line */
    return 0;
  }
  s += skip;
  len -= skip;

  mg_http_parse_head(s, len, is_req, MG_HTTP_DEFAULT_MAX_HEADER_BYTES,
                     MG_HTTP_DEFAULT_MAX_URI_BYTES, hm, &h);
  if (h.header_len <= 0) return h.header_len;

  avail = len - (size_t) h.header_len;
  if (h.body_kind == HTTP_BODY_LENGTH) {
    if (h.content_length < avail) avail = (size_t) h.content_length;
  } else if (h.body_kind != HTTP_BODY_UNTIL_CLOSE) {
    avail = 0; /* chunked bodies are decoded elsewhere */
  }
  hm->body = mg_mk_str_n(s + h.header_len, avail);
  hm->message = mg_mk_str_n(s, (size_t) h.header_len + avail);
  return h.header_len + (int) skip; /* at most n: no overflow */
}

/* ---- chunked bodies --------------------------------------------------- */

/* A CRLF at s[i]: 1 if there, 0 if not all there yet, -1 if wrong. Chunk
 * framing takes no bare LF: a body is where lenient line endings let one
 * recipient see a chunk boundary that another does not. */
static int expect_crlf(const char *s, size_t n, size_t i) {
  if (i >= n) return 0;
  if (s[i] != '\r') return -1;
  if (i + 1 >= n) return 0;
  return s[i + 1] == '\n' ? 1 : -1;
}

/* Skips to the CRLF ending a line whose bytes may only be field characters
 * (a trailer value). *end gets the CR's position. */
static int skip_to_crlf(const char *s, size_t n, size_t i, size_t *end) {
  i = span(s, i, n, CC_FIELD);
  *end = i;
  return expect_crlf(s, n, i);
}

/* The trailer section after the last chunk: field lines, then CRLF. Only
 * the shape is checked; the fields themselves are not reported. */
static int parse_trailers(const char *s, size_t n, size_t i, size_t *total) {
  for (;;) {
    size_t start = i, end;
    int r;
    if (i >= n) return 0;
    if (s[i] == '\r') {
      r = expect_crlf(s, n, i);
      if (r == 1) *total = i + 2;
      return r;
    }
    /* An obs-fold line starts with whitespace, which is no name: refused
     * below like any other line without a proper "name:". */
    i = span(s, i, n, CC_TCHAR);
    if (i >= n) return 0;
    if (s[i] != ':' || i == start) return -1;
    r = skip_to_crlf(s, n, i + 1, &end);
    if (r != 1) return r;
    i = end + 2;
  }
}

/* A quoted-string (RFC 9110 section 5.6.4) whose opening quote is at s[i]:
 * 1 with *end just past the closing quote, 0 if it has not all arrived, -1
 * if a byte that no quoted-string may hold (a CR, say: the quote is never
 * closed) comes first. */
static int quoted_string(const char *s, size_t n, size_t i, size_t *end) {
  for (i++; i < n; i++) {
    unsigned char c = (unsigned char) s[i];
    if (c == '"') {
      *end = i + 1;
      return 1;
    }
    if (c == '\\') {
      if (++i >= n) return 0;
      c = (unsigned char) s[i]; /* quoted-pair: HTAB, SP, VCHAR, obs-text */
    }
    if (!is_class(c, CC_FIELD)) return -1;
  }
  return 0;
}

/*
 * What follows a chunk size, up to the CRLF ending the line, per RFC 9112
 * section 7.1.1: *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string
 * ) ] ). The grammar is followed exactly rather than skipped over: bytes a
 * lenient parser would pass by (a bare ';', an unclosed quote, padding
 * after the size) are where two recipients can disagree on where the line
 * ends. Returns what expect_crlf does, *end getting the CR's position.
 */
static int chunk_extensions(const char *s, size_t n, size_t i, size_t *end) {
  for (;;) {
    size_t ws = span(s, i, n, CC_OWS);
    if (ws >= n) return 0;
    if (s[ws] != ';') {
      /* BWS only ever precedes a ';' (or an '=', below) */
      if (ws != i) return -1;
      *end = i;
      return expect_crlf(s, n, i);
    }
    i = span(s, ws + 1, n, CC_OWS);
    ws = span(s, i, n, CC_TCHAR);
    if (ws >= n) return 0;
    if (ws == i) return -1; /* no name */
    i = ws;
    ws = span(s, i, n, CC_OWS);
    if (ws >= n) return 0;
    if (s[ws] != '=') continue; /* a name alone */
    i = span(s, ws + 1, n, CC_OWS);
    if (i >= n) return 0;
    if (s[i] == '"') {
      int r = quoted_string(s, n, i, &i);
      if (r != 1) return r;
    } else {
      ws = span(s, i, n, CC_TCHAR);
      if (ws >= n) return 0;
      if (ws == i) return -1; /* no value */
      i = ws;
    }
  }
}

int mg_http_parse_chunk(const char *s, size_t n, size_t *data_off,
                        size_t *data_len, size_t *total) {
  uint64_t size = 0;
  size_t i = 0, end;
  int d, r;

  /* chunk-size: 1*HEXDIG, leading zeros allowed, bounded in value. */
  while (i < n && (d = hex_digit((unsigned char) s[i])) >= 0) {
    if (size > (BODY_SIZE_LIMIT - (uint64_t) d) / 16) return -1;
    size = size * 16 + (uint64_t) d;
    i++;
  }
  if (i >= n) return 0;
  if (i == 0) return -1;

  r = chunk_extensions(s, n, i, &end);
  if (r != 1) return r;
  i = end + 2;

  if (size == 0) {
    *data_off = i;
    *data_len = 0;
    return parse_trailers(s, n, i, total);
  }

  /* Compared as uint64_t: on a 32-bit size_t the size may not fit yet. */
  if ((uint64_t) (n - i) < size) return 0;
  r = expect_crlf(s, n, i + (size_t) size);
  if (r != 1) return r;
  *data_off = i;
  *data_len = (size_t) size;
  *total = i + (size_t) size + 2;
  return 1;
}
