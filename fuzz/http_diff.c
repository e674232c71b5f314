/*
 * http_diff.c - differential fuzz target: the engine's request parser
 * (mg_http_parse_head, then mg_http_parse_chunk for a chunked body) against
 * the system's http_parser (Debian's libhttp-parser, HTTP_REQUEST mode).
 *
 * One input is one request. Each side ends in one of three verdicts:
 *
 *   ACCEPT  the first message is complete: a valid head, then all of its
 *           body (Content-Length bytes, or every chunk up to and including
 *           the last chunk and its trailer section). Whatever follows the
 *           message is ignored by both sides (http_parser is paused in
 *           on_message_complete, so it never looks at a second message).
 *   REJECT  a parse error before the message was complete.
 *   MORE    neither: the message needs more bytes.
 *
 * When both accept, the method, the request target (our uri, then '?' and
 * query_string when there was a '?'), the version, the header fields (names
 * and values, in order), the body (decoded, for chunked) and where the
 * message ends must all be equal. ACCEPT against REJECT or against MORE is a
 * difference too (the two would frame the byte stream differently). REJECT
 * against MORE is not compared: it only says that one side noticed an error
 * before the end of the head, which the other may still notice later.
 *
 * Every difference must be explained by an enabled rule of the list of
 * intended differences, fuzz/http_diff_allowed.txt, or the target aborts
 * with the input, both verdicts and the mismatch on stderr. Each rule is a
 * predicate below over the input and both results; the file only says
 * which are enabled. The file is found through $HTTP_DIFF_ALLOWED, else
 * fuzz/http_diff_allowed.txt under the current directory, else
 * ../../fuzz/http_diff_allowed.txt from the directory of the binary.
 *
 * HTTP_DIFF_VERBOSE=1 prints both verdicts of every input and the rule that
 * explained each difference (for replaying a corpus by hand), and
 * HTTP_DIFF_KEEP_GOING=1 reports an unexplained difference without
 * aborting (for sorting a directory of findings).
 *
 * Note: the Debian library is built with HTTP_PARSER_STRICT=0 even though
 * its header says 1 (the upstream "library" target compiles with the "fast"
 * flags, and it shows: SP in a field name, bytes 0x80-0xff in a target
 * pass), so several of its checks are lenient; see the rules.
 *
 * Needs libhttp-parser-dev (-lhttp_parser) and, from the engine,
 * http_parse.c and str.c:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iengine \
 *     fuzz/http_diff.c engine/http_parse.c engine/str.c -lhttp_parser
 *   afl-clang-fast ... /usr/lib/afl/libAFLDriver.a -lhttp_parser -lstdc++
 *   gcc ... fuzz/http_diff.c fuzz/replay_main.c ... -lhttp_parser
 * Run it with -dict=fuzz/dict/http.dict on fuzz/corpus/http_diff/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "http_internal.h"

#define DIFF_MAX_INPUT 8192
/* A field line takes at least two bytes ("a:" and LF), so this many can
 * never be exceeded by an input of DIFF_MAX_INPUT bytes. */
#define MAX_FIELDS (DIFF_MAX_INPUT / 2 + 1)

enum verdict { V_MORE, V_ACCEPT, V_REJECT };

static const char *verdict_name(enum verdict v) {
  return v == V_ACCEPT ? "ACCEPT" : v == V_REJECT ? "REJECT" : "MORE";
}

static int verbose, keep_going; /* from the environment */

/* The input as a C string literal. */
static void print_escaped(const char *s, size_t n) {
  size_t i;
  fputc('"', stderr);
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char) s[i];
    if (c == '\r') {
      fputs("\\r", stderr);
    } else if (c == '\n') {
      fputs("\\n", stderr);
    } else if (c == '\t') {
      fputs("\\t", stderr);
    } else if (c == '"' || c == '\\') {
      fprintf(stderr, "\\%c", c);
    } else if (c >= 0x20 && c < 0x7f) {
      fputc(c, stderr);
    } else {
      /* Octal cannot swallow a following digit the way \x can. */
      fprintf(stderr, "\\%03o", c);
    }
  }
  fputs("\"\n", stderr);
}

/* ---- our side ---------------------------------------------------------- */

/* Where a chunked body failed, found by looking at the failing chunk. */
enum chunk_fault {
  CF_NONE,
  CF_SIZE,      /* no hex digit where a chunk size starts */
  CF_SIZE_JUNK, /* after the size and OWS, neither ';' nor CR */
  CF_EXT,       /* a chunk extension with a byte that is not allowed */
  CF_SIZE_CR,   /* the size line ends in CR without LF */
  CF_DATA_CRLF, /* the chunk data is not followed by CRLF */
  CF_TRAILER,   /* the trailer section is malformed */
  CF_OVERFLOW   /* the size is beyond what the engine allows */
};

static const char *fault_name(enum chunk_fault f) {
  static const char *names[] = {
      "none",         "chunk size", "junk after the size", "extension",
      "CR without LF", "data CRLF", "trailer",             "size overflow"};
  return names[f];
}

struct ours {
  enum verdict v;
  struct http_message hm;
  struct http_head h;
  int nfields;
  const char *reason; /* REJECT: the head parser's reason, or "chunk" */
  int status;
  enum chunk_fault fault; /* REJECT in the chunked body: what was wrong */
  size_t fault_at;        /* ... where the failing chunk starts */
  size_t fault_pos;       /* ... and where in it the fault is */
  size_t end;             /* ACCEPT: where the message ends */
  const char *body;
  size_t body_len;
  char chunked[DIFF_MAX_INPUT]; /* the decoded chunked body */
};

static int is_tchar(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Whether the chunk extensions from s[i] conform to
 * *( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] ) up to
 * a CR (*end gets its position): 1 if so, -1 if not, 0 if the bytes run
 * out first. */
static int ext_grammar(const char *s, size_t n, size_t i, size_t *end) {
  for (;;) {
    size_t j = i, k;
    while (j < n && (s[j] == ' ' || s[j] == '\t')) j++;
    if (j >= n) return 0;
    if (s[j] != ';') {
      *end = i;
      return j == i && s[i] == '\r' ? 1 : -1;
    }
    for (j++; j < n && (s[j] == ' ' || s[j] == '\t'); j++) {
    }
    for (k = j; k < n && is_tchar((unsigned char) s[k]); k++) {
    }
    if (k >= n) return 0;
    if (k == j) return -1;
    i = k;
    for (j = i; j < n && (s[j] == ' ' || s[j] == '\t'); j++) {
    }
    if (j >= n || s[j] != '=') continue;
    for (j++; j < n && (s[j] == ' ' || s[j] == '\t'); j++) {
    }
    if (j < n && s[j] == '"') {
      for (j++; j < n && s[j] != '"'; j++) {
        unsigned char c = (unsigned char) s[j];
        if (c == '\\' && j + 1 < n) c = (unsigned char) s[++j];
        if ((c < 0x20 && c != '\t') || c == 0x7f) return -1;
      }
      if (j >= n) return 0;
      i = j + 1;
    } else {
      for (k = j; k < n && is_tchar((unsigned char) s[k]); k++) {
      }
      if (k >= n) return 0;
      if (k == j) return -1;
      i = k;
    }
  }
}

/* Diagnoses a chunk that mg_http_parse_chunk refused, from its bytes: the
 * engine only says -1, the rules want to know what was wrong and where
 * (*pos: the offending byte, relative to s; for CF_TRAILER, where the
 * trailer section starts). */
static enum chunk_fault diagnose_chunk(const char *s, size_t n, size_t *pos) {
  size_t i = 0;
  uint64_t size = 0;
  while (i < n) {
    unsigned char c = (unsigned char) s[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) break;
    *pos = i;
    if (size > (((uint64_t) 1 << 62) - (uint64_t) d) / 16) return CF_OVERFLOW;
    size = size * 16 + (uint64_t) d;
    i++;
  }
  *pos = i;
  if (i == 0) return CF_SIZE;
  {
    size_t ws = i;
    while (ws < n && (s[ws] == ' ' || s[ws] == '\t')) ws++;
    if (ws < n && s[ws] == ';') {
      /* RFC 9112 7.1.1: the extensions, checked by ext_grammar(); a
       * fault anywhere in them is reported at the first ';' */
      size_t e = n;
      if (ext_grammar(s, n, i, &e) < 0) {
        *pos = ws;
        return CF_EXT;
      }
      i = e;
    } else if (ws < n && s[ws] != '\r') {
      return CF_SIZE_JUNK; /* *pos: right after the size */
    } else if (ws < n && ws != i) {
      return CF_SIZE_JUNK; /* whitespace that no ';' follows */
    }
  }
  *pos = i;
  if (i < n && s[i] != '\r') return CF_SIZE_JUNK;
  if (i + 1 < n && s[i + 1] != '\n') return CF_SIZE_CR;
  /* The size line is fine: the failure is further on. */
  i += 2;
  if (size == 0) {
    *pos = i;
    return CF_TRAILER;
  }
  *pos = i + (size_t) size;
  return CF_DATA_CRLF;
}

/* Decodes chunks from s[off], appending to o->chunked (o->body_len bytes
 * are there already), until the last chunk, an error or the end. */
static void run_chunks(const char *s, size_t n, size_t off, struct ours *o) {
  o->v = V_MORE;
  o->reason = NULL;
  o->status = 0;
  o->fault = CF_NONE;
  for (;;) {
    size_t data_off, data_len, total;
    int r = mg_http_parse_chunk(s + off, n - off, &data_off, &data_len, &total);
    if (r == 0) return;
    if (r < 0) {
      o->v = V_REJECT;
      o->reason = "chunk";
      o->status = 400;
      o->fault = diagnose_chunk(s + off, n - off, &o->fault_pos);
      o->fault_at = off;
      o->fault_pos += off;
      return;
    }
    if (total > n - off || data_off + data_len > total) {
      fprintf(stderr, "http_diff: mg_http_parse_chunk out of bounds\n");
      abort();
    }
    memcpy(o->chunked + o->body_len, s + off + data_off, data_len);
    o->body_len += data_len;
    off += total;
    if (data_len == 0) break;
  }
  o->v = V_ACCEPT;
  o->end = off;
}

static void run_ours(const char *s, size_t n, struct ours *o) {
  size_t hl;
  o->v = V_MORE;
  o->reason = NULL;
  o->status = 0;
  o->fault = CF_NONE;
  o->fault_at = o->fault_pos = 0;
  o->end = 0;
  o->body = NULL;
  o->body_len = 0;
  o->nfields = 0;
  mg_http_parse_head(s, n, 1, 65536, 65536, &o->hm, &o->h);
  if (o->h.header_len < 0) {
    o->v = V_REJECT;
    o->reason = o->h.reason;
    o->status = o->h.status;
    return;
  }
  if (o->h.header_len == 0) return;
  while (o->nfields < MG_MAX_HTTP_HEADERS &&
         o->hm.header_names[o->nfields].len > 0) {
    o->nfields++;
  }
  hl = (size_t) o->h.header_len;
  switch (o->h.body_kind) {
    case HTTP_BODY_NONE:
      o->v = V_ACCEPT;
      o->end = hl;
      return;
    case HTTP_BODY_LENGTH:
      if (o->h.content_length > n - hl) return;
      o->v = V_ACCEPT;
      o->body = s + hl;
      o->body_len = (size_t) o->h.content_length;
      o->end = hl + o->body_len;
      return;
    case HTTP_BODY_CHUNKED:
      break;
    default:
      /* Requests never end with the connection. */
      fprintf(stderr, "http_diff: unexpected body kind %d\n", o->h.body_kind);
      abort();
  }
  o->body = o->chunked;
  run_chunks(s, n, hl, o);
}

/* ---- http_parser's side ------------------------------------------------ */

struct field {
  size_t name_off, name_len, value_off, value_len;
};

struct theirs {
  enum verdict v;
  http_parser p;
  enum http_errno err;
  size_t consumed; /* what http_parser_execute returned */
  int headers_done, done;
  int last; /* the previous header callback: 0 none, 1 name, 2 value */
  char url[DIFF_MAX_INPUT];
  size_t url_len;
  char arena[DIFF_MAX_INPUT]; /* names and values of the fields */
  size_t arena_len;
  struct field fields[MAX_FIELDS];
  int nfields;
  char body[DIFF_MAX_INPUT];
  size_t body_len;
};

/* Every piece a callback hands over is a part of the input, and the parts
 * do not overlap, so none of these buffers can overflow; checked anyway. */
static void append(char *buf, size_t *len, const char *p, size_t n) {
  if (n > DIFF_MAX_INPUT - *len) {
    fprintf(stderr, "http_diff: callback data larger than the input\n");
    abort();
  }
  memcpy(buf + *len, p, n);
  *len += n;
}

static int on_url(http_parser *p, const char *at, size_t n) {
  struct theirs *t = (struct theirs *) p->data;
  append(t->url, &t->url_len, at, n);
  return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n) {
  struct theirs *t = (struct theirs *) p->data;
  if (t->headers_done) { /* a trailer field: not compared */
    t->last = 1;
    return 0;
  }
  if (t->last != 1) {
    struct field *f;
    if (t->nfields == MAX_FIELDS) abort();
    f = &t->fields[t->nfields++];
    f->name_off = t->arena_len;
    f->name_len = 0;
    f->value_off = t->arena_len;
    f->value_len = 0;
  }
  append(t->arena, &t->arena_len, at, n);
  t->fields[t->nfields - 1].name_len += n;
  t->last = 1;
  return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n) {
  struct theirs *t = (struct theirs *) p->data;
  struct field *f;
  if (t->headers_done) {
    t->last = 2;
    return 0;
  }
  if (t->nfields == 0) abort(); /* a value before any name */
  f = &t->fields[t->nfields - 1];
  if (t->last == 1) f->value_off = t->arena_len;
  append(t->arena, &t->arena_len, at, n);
  f->value_len += n;
  t->last = 2;
  return 0;
}

static int on_headers_complete(http_parser *p) {
  struct theirs *t = (struct theirs *) p->data;
  t->headers_done = 1;
  t->last = 0;
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t n) {
  struct theirs *t = (struct theirs *) p->data;
  append(t->body, &t->body_len, at, n);
  return 0;
}

static int on_message_complete(http_parser *p) {
  struct theirs *t = (struct theirs *) p->data;
  t->done = 1;
  http_parser_pause(p, 1); /* one message only */
  return 0;
}

static http_parser_settings settings;

static void run_theirs(const char *s, size_t n, struct theirs *t) {
  t->headers_done = t->done = t->last = 0;
  t->url_len = t->arena_len = t->body_len = 0;
  t->nfields = 0;
  http_parser_init(&t->p, HTTP_REQUEST);
  t->p.data = t;
  t->consumed = http_parser_execute(&t->p, &settings, s, n);
  t->err = HTTP_PARSER_ERRNO(&t->p);
  if (t->done) {
    t->v = V_ACCEPT;
  } else if (t->err != HPE_OK) {
    t->v = V_REJECT;
  } else {
    t->v = V_MORE;
  }
}

/* ---- what is compared ---------------------------------------------------- */

enum diff_kind {
  D_VERDICT, /* ACCEPT against REJECT or MORE */
  D_METHOD,
  D_URL,
  D_VERSION,
  D_FIELD_COUNT,
  D_FIELD_NAME, /* of field c->index */
  D_FIELD_VALUE,
  D_BODY,
  D_END /* the two messages end at different offsets */
};

static const char *kind_name(enum diff_kind k) {
  static const char *names[] = {"verdict",    "method",      "url",
                                "version",    "field count", "field name",
                                "field value", "body",       "message end"};
  return names[k];
}

/* One comparison. A rule may compare again on an edited copy of the input
 * (one level deeper), to see whether what remains is explained too. */
struct ctx {
  const char *s;
  size_t n;
  struct ours *o;
  struct theirs *t; /* always of the original input */
  long shift;       /* bytes the edits removed before http_parser's end */
  int depth;
  enum diff_kind kind; /* the difference being explained */
  int index;           /* D_FIELD_NAME, D_FIELD_VALUE: which field */
  int unexplained;     /* how many differences no rule explained */
  enum diff_kind bad_kind; /* the first of them */
  int bad_index;
};

/* Where http_parser's message ends, in this (maybe edited) input. */
static size_t their_end(const struct ctx *c) {
  return (size_t) ((long) c->t->consumed - c->shift);
}

static int compare(struct ctx *c);

static struct mg_str their_name(const struct ctx *c, int i) {
  const struct field *f = &c->t->fields[i];
  return mg_mk_str_n(c->t->arena + f->name_off, f->name_len);
}

static struct mg_str their_value(const struct ctx *c, int i) {
  const struct field *f = &c->t->fields[i];
  return mg_mk_str_n(c->t->arena + f->value_off, f->value_len);
}

static int str_eq(struct mg_str a, struct mg_str b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* Our request target as one string: uri, then '?' and the query string
 * when the target had a '?'. Written into buf (DIFF_MAX_INPUT bytes). */
static struct mg_str our_target(const struct ours *o, char *buf) {
  size_t len = o->hm.uri.len;
  memcpy(buf, o->hm.uri.p, len);
  if (o->hm.query_string.p != NULL) {
    buf[len++] = '?';
    memcpy(buf + len, o->hm.query_string.p, o->hm.query_string.len);
    len += o->hm.query_string.len;
  }
  return mg_mk_str_n(buf, len);
}

/* ---- helpers for the rules --------------------------------------------- */

static int our_reason(const struct ctx *c, const char *reason) {
  return c->o->v == V_REJECT && strcmp(c->o->reason, reason) == 0;
}

static int their_error(const struct ctx *c, enum http_errno e) {
  return c->t->v == V_REJECT && c->t->err == e;
}

/* Lines of the head: LF-terminated, a CR before the LF dropped. The first
 * is the request line; iteration stops at the first empty line. */
struct line_iter {
  const char *s;
  size_t n, pos;
  int done;
};

static int next_line(struct line_iter *it, struct mg_str *line) {
  size_t start = it->pos, end;
  if (it->done || start >= it->n) return 0;
  end = start;
  while (end < it->n && it->s[end] != '\n') end++;
  it->pos = end + 1;
  if (end > start && it->s[end - 1] == '\r') end--;
  *line = mg_mk_str_n(it->s + start, end - start);
  if (line->len == 0 && start > 0) it->done = 1;
  return !it->done;
}

/* The header lines whose name (up to ':') is, ignoring case, name. */
static int count_fields(const struct ctx *c, const char *name) {
  struct line_iter it = {c->s, c->n, 0, 0};
  struct mg_str line;
  size_t len = strlen(name);
  int count = 0, first = 1;
  while (next_line(&it, &line)) {
    if (first) {
      first = 0;
      continue;
    }
    if (line.len > len && line.p[len] == ':' &&
        mg_ncasecmp(line.p, name, len) == 0) {
      count++;
    }
  }
  return count;
}

/* ---- the request target, by RFC 9112 section 3.2 ------------------------- */

static int is_alpha(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

static int is_hex(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* unreserved, sub-delims, ':' and '@': pchar without pct-encoded. */
static int is_pchar(unsigned char c) {
  return is_alpha(c) || is_digit(c) ||
         (c != '\0' && strchr("-._~!$&'()*+,;=:@", c) != NULL);
}

/* pchar / pct-encoded, plus the bytes of extra (e.g. "/?"), over s[0..n). */
static int all_pchar(const char *s, size_t n, const char *extra) {
  size_t i;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char) s[i];
    if (c == '%') {
      if (i + 2 >= n) return 0;
      if (!is_hex((unsigned char) s[i + 1]) ||
          !is_hex((unsigned char) s[i + 2])) {
        return 0;
      }
      i += 2;
    } else if (!is_pchar(c) && strchr(extra, c) == NULL) {
      return 0;
    }
  }
  return 1;
}

/* path [ "?" query ], the path made of pchar and '/'. */
static int path_query_ok(const char *s, size_t n) {
  const char *q = (const char *) memchr(s, '?', n);
  size_t plen = q == NULL ? n : (size_t) (q - s);
  if (!all_pchar(s, plen, "/")) return 0;
  return q == NULL || all_pchar(q + 1, n - plen - 1, "/?");
}

/* authority = [ userinfo "@" ] host [ ":" port ], loosely: the bytes an
 * authority may hold, at most one '@', brackets only around an IPv6 host. */
static int authority_ok(const char *s, size_t n) {
  const char *at = NULL;
  size_t i;
  for (i = 0; i < n; i++) {
    if (s[i] == '@') {
      if (at != NULL) return 0;
      at = s + i;
    }
  }
  if (at != NULL) {
    if (!all_pchar(s, (size_t) (at - s), "")) return 0;
    n -= (size_t) (at + 1 - s);
    s = at + 1;
  }
  if (n > 0 && s[0] == '[') {
    const char *close = (const char *) memchr(s, ']', n);
    size_t k;
    if (close == NULL) return 0;
    for (k = 1; s + k < close; k++) {
      if (!is_hex((unsigned char) s[k]) && s[k] != ':' && s[k] != '.') {
        return 0;
      }
    }
    n -= (size_t) (close + 1 - s);
    s = close + 1;
    if (n == 0) return 1;
    if (s[0] != ':') return 0;
    for (k = 1; k < n; k++) {
      if (!is_digit((unsigned char) s[k])) return 0;
    }
    return 1;
  }
  {
    const char *colon = (const char *) memchr(s, ':', n);
    size_t hlen = colon == NULL ? n : (size_t) (colon - s), k;
    for (k = 0; k < hlen; k++) {
      unsigned char c = (unsigned char) s[k];
      if (c == '%') continue; /* checked below with the rest */
      if (c == ':' || c == '@' || !is_pchar(c)) return 0;
    }
    if (!all_pchar(s, hlen, "")) return 0;
    if (colon != NULL) {
      for (k = hlen + 1; k < n; k++) {
        if (!is_digit((unsigned char) s[k])) return 0;
      }
    }
  }
  return 1;
}

/* One of the four forms of request-target (RFC 9112 section 3.2). */
static int target_ok(struct mg_str method, const char *s, size_t n) {
  size_t i;
  if (n == 0) return 0;
  if (n == 1 && s[0] == '*') return mg_vcmp(&method, "OPTIONS") == 0;
  if (mg_vcmp(&method, "CONNECT") == 0) {
    /* authority-form: host ":" port, both required */
    const char *colon = NULL;
    for (i = 0; i < n; i++) {
      if (s[i] == ':') colon = s + i;
      if (s[i] == ']') colon = NULL; /* the port follows an IPv6 host */
    }
    return colon != NULL && colon > s && colon + 1 < s + n &&
           memchr(s, '@', n) == NULL && authority_ok(s, n);
  }
  if (s[0] == '/') return path_query_ok(s, n);
  /* absolute-form: scheme ":" hier-part [ "?" query ] */
  if (!is_alpha((unsigned char) s[0])) return 0;
  for (i = 1; i < n && (is_alpha((unsigned char) s[i]) ||
                        is_digit((unsigned char) s[i]) || s[i] == '+' ||
                        s[i] == '-' || s[i] == '.');
       i++) {
  }
  if (i == n || s[i] != ':') return 0;
  i++;
  if (n - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
    size_t a = i + 2, e = a;
    while (e < n && s[e] != '/' && s[e] != '?') e++;
    if (!authority_ok(s + a, e - a)) return 0;
    return path_query_ok(s + e, n - e);
  }
  return path_query_ok(s + i, n - i);
}

/* ---- comparing again on an edited input --------------------------------- */

#define MAX_DEPTH 32

static struct ours edited_ours[MAX_DEPTH];
static char edited[MAX_DEPTH][DIFF_MAX_INPUT];

/* Replaces s[at..at+cut) with ins[0..len) (len <= cut), runs our parser on
 * that and compares it with http_parser's result on the original input:
 * true when every difference left is explained. */
static int agree_after_edit(const struct ctx *c, size_t at, size_t cut,
                            const char *ins, size_t len) {
  struct ctx sub;
  int d = c->depth + 1;
  char *buf;
  if (d >= MAX_DEPTH || len > cut || at + cut > c->n) return 0;
  buf = edited[d];
  memcpy(buf, c->s, at);
  memcpy(buf + at, ins, len);
  memcpy(buf + at + len, c->s + at + cut, c->n - at - cut);
  sub = *c;
  sub.s = buf;
  sub.n = c->n - cut + len;
  sub.o = &edited_ours[d];
  sub.shift = c->shift + (long) (cut - len);
  sub.depth = d;
  sub.unexplained = 0;
  run_ours(sub.s, sub.n, sub.o);
  if (verbose) {
    fprintf(stderr, "%*sedited: ", 2 * d + 2, "");
    print_escaped(sub.s, sub.n);
  }
  return compare(&sub);
}

/* ---- the rules ----------------------------------------------------------- */

/* A verdict difference with ours rejecting (for reason) and http_parser
 * accepting. */
static int we_reject(const struct ctx *c, const char *reason) {
  return c->kind == D_VERDICT && c->t->v == V_ACCEPT &&
         (reason == NULL ? c->o->v == V_REJECT : our_reason(c, reason));
}

/* A verdict difference with ours accepting and http_parser rejecting. */
static int they_reject(const struct ctx *c, enum http_errno e) {
  return c->kind == D_VERDICT && c->o->v == V_ACCEPT && their_error(c, e);
}

/* http_parser stopped at the head of a request that asks for an Upgrade,
 * taking it as having no body (and skipping its check of the transfer
 * coding), where our parser did not. */
static int they_upgraded_at_head(const struct ctx *c) {
  if (c->t->v != V_ACCEPT || !c->t->p.upgrade || c->t->body_len != 0 ||
      !(c->kind == D_VERDICT || c->kind == D_BODY || c->kind == D_END)) {
    return 0;
  }
  /* where our head ended, when we got that far */
  return c->o->h.header_len <= 0 ||
         their_end(c) == (size_t) c->o->h.header_len;
}

/* We read a chunked body where http_parser did not see chunked as the
 * final coding: it refused the request, or stopped at its head. */
static int they_missed_chunked(const struct ctx *c) {
  if (c->o->h.header_len <= 0 || c->o->h.body_kind != HTTP_BODY_CHUNKED) {
    return 0;
  }
  return they_reject(c, HPE_INVALID_TRANSFER_ENCODING) ||
         they_upgraded_at_head(c);
}

/* RFC 9112 section 5.2: a server MUST reject obs-fold (400) or unfold it.
 * http_parser unfolds. */
static int rule_obs_fold(const struct ctx *c) {
  struct line_iter it = {c->s, c->n, 0, 0};
  struct mg_str line;
  int first = 1;
  if (!we_reject(c, "obs-fold")) return 0;
  while (next_line(&it, &line)) {
    if (!first && line.len > 0 && (line.p[0] == ' ' || line.p[0] == '\t')) {
      return 1;
    }
    first = 0;
  }
  return 0;
}

/* RFC 9112 section 5.1: whitespace between a field name and the colon MUST
 * be rejected (400). The Debian build (not strict) takes SP as a name
 * character, so "Host : a" is a field named "Host " to it. */
static int rule_whitespace_in_field_name(const struct ctx *c) {
  struct line_iter it = {c->s, c->n, 0, 0};
  struct mg_str line;
  int first = 1;
  if (!we_reject(c, "whitespace before colon")) return 0;
  while (next_line(&it, &line)) {
    const char *colon = mg_strchr(line, ':');
    if (!first && colon != NULL &&
        memchr(line.p, ' ', (size_t) (colon - line.p)) != NULL) {
      return 1;
    }
    first = 0;
  }
  return 0;
}

/* RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1 request
 * without Host, or with more than one. http_parser does not look. */
static int rule_missing_host(const struct ctx *c) {
  return we_reject(c, "missing Host") && count_fields(c, "Host") == 0;
}

static int rule_duplicate_host(const struct ctx *c) {
  return we_reject(c, "more than one Host") && count_fields(c, "Host") > 1;
}

/* We speak 1.0 and 1.1 and answer 505 to any other well-formed version;
 * http_parser takes any single-digit HTTP/x.y and leaves it to the caller. */
static int rule_unsupported_version(const struct ctx *c) {
  return we_reject(c, "HTTP version not supported") &&
         !(c->t->p.http_major == 1 && c->t->p.http_minor <= 1);
}

/* "GET /" with no version: http_parser takes it as an HTTP/0.9 request
 * line; RFC 9112 has no such request line (HTTP/0.9 is not HTTP/1.x). */
static int rule_http09_request_line(const struct ctx *c) {
  return (we_reject(c, "bad request target") ||
          we_reject(c, "bad request line")) &&
         c->t->p.http_major == 0 && c->t->p.http_minor == 9;
}

/* RFC 9112 section 2.2: a server SHOULD ignore at least one empty line
 * before the request line; http_parser skips any number of CR and LF
 * bytes, we refuse them. Explained only when our parser, given the input
 * without them, agrees with http_parser. */
static int rule_leading_empty_lines(const struct ctx *c) {
  size_t k = 0;
  if (!we_reject(c, "bad method")) return 0;
  while (k < c->n && (c->s[k] == '\r' || c->s[k] == '\n')) k++;
  return k > 0 && agree_after_edit(c, 0, k, "", 0);
}

/* RFC 9112 section 3: the request line has exactly one SP between its
 * parts, though a recipient MAY split on runs of whitespace; http_parser
 * does, we do not. Explained only when our parser, given the request line
 * with the extra spaces removed, agrees with http_parser. */
static int rule_extra_spaces_in_request_line(const struct ctx *c) {
  size_t i, run;
  if (!we_reject(c, "bad request target") &&
      !we_reject(c, "bad request line")) {
    return 0;
  }
  /* the first run of two or more SP on the request line */
  for (i = 0; i < c->n && c->s[i] != '\n' && c->s[i] != '\r'; i++) {
    if (c->s[i] != ' ') continue;
    for (run = 0; i + run < c->n && c->s[i + run] == ' '; run++) {
    }
    if (run > 1) return agree_after_edit(c, i + 1, run - 1, "", 0);
    i += run - 1;
  }
  return 0;
}

/* The Debian build (not strict) lets HT, FF and bytes 0x80-0xff into a
 * request target; RFC 9112 section 3.2 allows none of them (they must be
 * percent-encoded), and we refuse them. */
static int rule_non_vchar_in_target(const struct ctx *c) {
  size_t i;
  if (!we_reject(c, "bad request target") &&
      !we_reject(c, "bad request line")) {
    return 0;
  }
  for (i = 0; i < c->t->url_len; i++) {
    unsigned char b = (unsigned char) c->t->url[i];
    if (b == '\t' || b == '\f' || b >= 0x80) return 1;
  }
  return 0;
}

/* RFC 9110 section 5.5: CTL bytes in a field value are invalid (a
 * recipient MAY keep those other than NUL, CR and LF); we refuse them all.
 * http_parser checks every byte of a value but the first. */
static int rule_ctl_in_field_value(const struct ctx *c) {
  struct line_iter it = {c->s, c->n, 0, 0};
  struct mg_str line;
  int first = 1;
  if (!we_reject(c, "control character in header value")) return 0;
  while (next_line(&it, &line)) {
    const char *colon = mg_strchr(line, ':');
    size_t i;
    if (first || colon == NULL) {
      first = 0;
      continue;
    }
    for (i = (size_t) (colon - line.p) + 1; i < line.len; i++) {
      unsigned char b = (unsigned char) line.p[i];
      if ((b < 0x20 && b != '\t') || b == 0x7f) return 1;
    }
  }
  return 0;
}

/* A method is any token (RFC 9110 section 9.1); http_parser only knows
 * its own list, in upper case. */
static int rule_unknown_method(const struct ctx *c) {
  int m;
  if (!they_reject(c, HPE_INVALID_METHOD)) return 0;
  for (m = 0; m < 64; m++) {
    const char *name = http_method_str((enum http_method) m);
    if (strcmp(name, "<unknown>") == 0) break;
    if (mg_vcmp(&c->o->hm.method, name) == 0) return 0;
  }
  return 1;
}

/* RFC 9112 section 6.3: a Content-Length list of identical values, or
 * repeated identical fields, MAY be taken as that one value, which we do;
 * http_parser refuses any second Content-Length and any list. */
static int rule_identical_content_lengths(const struct ctx *c) {
  int i;
  if (!they_reject(c, HPE_UNEXPECTED_CONTENT_LENGTH) &&
      !they_reject(c, HPE_INVALID_CONTENT_LENGTH)) {
    return 0;
  }
  if (c->o->h.body_kind != HTTP_BODY_LENGTH) return 0;
  if (count_fields(c, "Content-Length") > 1) return 1;
  for (i = 0; i < c->o->nfields; i++) {
    if (mg_vcasecmp(&c->o->hm.header_names[i], "Content-Length") == 0 &&
        mg_strchr(c->o->hm.header_values[i], ',') != NULL) {
      return 1;
    }
  }
  return 0;
}

/* RFC 9112 section 6.1: a server SHOULD answer 501 to a transfer coding it
 * does not understand, which we do for anything but chunked; http_parser
 * undoes chunked when it is last and hands the rest (gzip, ...) over. */
static int rule_transfer_coding_not_chunked(const struct ctx *c) {
  return we_reject(c, "unsupported Transfer-Encoding") &&
         count_fields(c, "Transfer-Encoding") > 0;
}

/* A Transfer-Encoding list whose elements are not all tokens (RFC 9112
 * section 6.1, RFC 9110 section 10.1.4), with parameters on chunked, or
 * with no coding at all: we refuse it (400). http_parser only looks at
 * whether the last value ends in the token chunked. */
static int rule_transfer_coding_syntax(const struct ctx *c) {
  return we_reject(c, "bad Transfer-Encoding") &&
         count_fields(c, "Transfer-Encoding") > 0;
}

/* RFC 9112 section 6.1: chunked MUST NOT be applied more than once. We
 * refuse it listed twice; http_parser refuses "chunked, chunked" in one
 * field, but takes it from two fields, or when an HT after the first
 * hides it ("chunked<HT>, chunked"). */
static int rule_chunked_twice(const struct ctx *c) {
  int i, chunked = 0;
  if (!we_reject(c, "chunked is not the final coding")) return 0;
  for (i = 0; i < MG_MAX_HTTP_HEADERS && c->o->hm.header_names[i].len > 0;
       i++) {
    struct mg_str v = c->o->hm.header_values[i];
    size_t k = 0, start;
    if (mg_vcasecmp(&c->o->hm.header_names[i], "Transfer-Encoding") != 0) {
      continue;
    }
    while (k <= v.len) {
      struct mg_str e;
      start = k;
      while (k < v.len && v.p[k] != ',') k++;
      e = mg_mk_str_n(v.p + start, k - start);
      while (e.len > 0 && (e.p[0] == ' ' || e.p[0] == '\t')) {
        e.p++;
        e.len--;
      }
      while (e.len > 0 && (e.p[e.len - 1] == ' ' || e.p[e.len - 1] == '\t')) {
        e.len--;
      }
      if (mg_vcasecmp(&e, "chunked") == 0) chunked++;
      k++;
    }
  }
  return chunked > 1;
}

/* RFC 9112 section 6.3: a request whose final transfer coding is not
 * chunked MUST be refused (400), which we do. http_parser does for most
 * requests, but skips that check when the request asks for an Upgrade:
 * it takes such a request as having no body and stops at its head. */
static int rule_upgrade_skips_coding_check(const struct ctx *c) {
  return we_reject(c, "chunked is not the final coding") &&
         they_upgraded_at_head(c);
}

/* RFC 9112 section 6.1: Transfer-Encoding in an HTTP/1.0 message MUST be
 * taken as faulty framing; we refuse it, http_parser decodes the chunks. */
static int rule_transfer_encoding_http10(const struct ctx *c) {
  return we_reject(c, "Transfer-Encoding in HTTP/1.0") &&
         c->t->p.http_minor == 0;
}

/* More fields than MG_MAX_HTTP_HEADERS: we answer 431. */
static int rule_too_many_headers(const struct ctx *c) {
  return we_reject(c, "too many headers") &&
         c->t->nfields > MG_MAX_HTTP_HEADERS;
}

/* Are all Content-Length values of ours (list elements too) 1*DIGIT? */
static int lengths_are_digits(const struct ctx *c) {
  int i, found = 0;
  for (i = 0; i < MG_MAX_HTTP_HEADERS && c->o->hm.header_names[i].len > 0;
       i++) {
    struct mg_str v = c->o->hm.header_values[i];
    size_t k, digits = 0;
    if (mg_vcasecmp(&c->o->hm.header_names[i], "Content-Length") != 0) {
      continue;
    }
    found = 1;
    for (k = 0; k <= v.len; k++) {
      if (k == v.len || v.p[k] == ',') {
        if (digits == 0) return 0;
        digits = 0;
      } else if (is_digit((unsigned char) v.p[k])) {
        digits++;
      } else if (v.p[k] != ' ' && v.p[k] != '\t') {
        return 0;
      }
    }
  }
  return found;
}

/* RFC 9110 section 9.3.6: a CONNECT request has no content, and what
 * follows its head is the tunnel; both stop at the head whatever
 * Content-Length or Transfer-Encoding said. But we still check those
 * fields, so we refuse (400) a Content-Length too large for us (above
 * 2^62), which http_parser never looks at. */
static int rule_connect_body(const struct ctx *c) {
  if (mg_vcmp(&c->o->hm.method, "CONNECT") != 0 || c->t->v != V_ACCEPT ||
      c->t->body_len != 0) {
    return 0;
  }
  if (c->o->h.header_len <= 0) {
    return we_reject(c, "bad Content-Length") && lengths_are_digits(c);
  }
  if (their_end(c) != (size_t) c->o->h.header_len) return 0;
  switch (c->kind) {
    case D_VERDICT:
      return c->o->v != V_ACCEPT;
    case D_BODY:
    case D_END:
      return 1;
    default:
      return 0;
  }
}

/* RFC 9112 section 5: OWS around a field value is not part of it. Both
 * drop the leading OWS; http_parser keeps the trailing OWS. */
static int rule_trailing_ows_in_value(const struct ctx *c) {
  struct mg_str v;
  if (c->kind != D_FIELD_VALUE) return 0;
  v = their_value(c, c->index);
  if (v.len == 0 || (v.p[v.len - 1] != ' ' && v.p[v.len - 1] != '\t')) {
    return 0;
  }
  while (v.len > 0 && (v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t')) {
    v.len--;
  }
  return str_eq(v, c->o->hm.header_values[c->index]);
}

/* RFC 9112 section 2.2: a bare CR is invalid. The Debian build (not
 * strict) skips some of its checks that a CR is followed by LF (after an
 * empty field value, and at the end of the head), so there CR and any
 * byte end a line for it. */
static int rule_lenient_bare_cr(const struct ctx *c) {
  size_t i;
  if (!we_reject(c, "bare CR")) return 0;
  for (i = 0; i + 1 < c->n && i < their_end(c); i++) {
    if (c->s[i] == '\r' && c->s[i + 1] != '\n') return 1;
  }
  return 0;
}

/* RFC 9112 section 2.2 lets a recipient take a bare LF as a line end; we
 * refuse it in a request (400), since a front end that reads it as
 * whitespace sees other fields than we would. http_parser takes it. */
static int rule_bare_lf_in_request(const struct ctx *c) {
  size_t i;
  if (!we_reject(c, "bare LF")) return 0;
  for (i = 0; i < c->n && i < their_end(c); i++) {
    if (c->s[i] == '\n' && (i == 0 || c->s[i - 1] != '\r')) return 1;
  }
  return 0;
}

/* ---- chunked bodies: http_parser's leniencies --------------------------- */

static int rule_on(const char *name);

/* Whether the rules behind each chunk fix are enabled: looked up once, in
 * LLVMFuzzerInitialize, since fix_chunk asks for every chunk it fixes. */
static int fix_high_byte, fix_chunk_crlf, fix_chunk_size_line;

/* The size token of the chunk at s[at]: hex digits and bytes 0x80-0xff. */
static size_t size_token(const char *s, size_t n, size_t at, size_t *high) {
  size_t k = 0;
  *high = 0;
  while (at + k < n) {
    unsigned char b = (unsigned char) s[at + k];
    if (b >= 0x80) {
      (*high)++;
    } else if (!is_hex(b)) {
      break;
    }
    k++;
  }
  return k;
}

/* Rewrites the chunk our parser refused in buf[0..*n) the way http_parser
 * reads it, if an enabled rule describes that: 1 if it did. */
static int fix_chunk(char *buf, size_t *n, const struct ours *o) {
  size_t at = o->fault_pos, high, k, cr;
  k = size_token(buf, *n, o->fault_at, &high);
  if ((o->fault == CF_SIZE || o->fault == CF_SIZE_JUNK) && high > 0) {
    if (!fix_high_byte) return 0;
    for (; k > 0; k--) {
      if ((unsigned char) buf[o->fault_at + k - 1] >= 0x80) {
        buf[o->fault_at + k - 1] = '0';
      }
    }
    return 1;
  }
  switch (o->fault) {
    case CF_SIZE_CR:
      if (!fix_chunk_crlf || at + 1 >= *n) return 0;
      buf[at + 1] = '\n';
      return 1;
    case CF_DATA_CRLF:
      if (!fix_chunk_crlf || at + 2 > *n) return 0;
      buf[at] = '\r';
      buf[at + 1] = '\n';
      return 1;
    case CF_SIZE_JUNK:
    case CF_EXT:
      if (!fix_chunk_size_line) return 0;
      for (cr = at; cr < *n && buf[cr] != '\r'; cr++) {
      }
      if (cr == *n || cr == at) return 0;
      memmove(buf + at, buf + cr, *n - cr);
      *n -= cr - at;
      return 1;
    default:
      return 0;
  }
}

/* Rewrites every chunk our parser refuses, one after the other, as long
 * as an enabled rule describes how http_parser reads it, then compares
 * our parser on the result with http_parser on the original. */
static int agree_after_chunk_fixes(const struct ctx *c) {
  struct ctx sub;
  int d = c->depth + 1;
  size_t n = c->n, rounds;
  char *buf;
  if (d >= MAX_DEPTH) return 0;
  buf = edited[d];
  memcpy(buf, c->s, c->n);
  sub = *c;
  sub.o = &edited_ours[d];
  *sub.o = *c->o;
  sub.o->body = sub.o->chunked;
  for (rounds = 0; rounds <= 2 * c->n + 2; rounds++) {
    if (!(sub.o->v == V_REJECT && sub.o->fault != CF_NONE)) break;
    if (!fix_chunk(buf, &n, sub.o)) break;
    /* Only the refused chunk and what follows changed. */
    run_chunks(buf, n, sub.o->fault_at, sub.o);
  }
  if (rounds == 0) return 0;
  sub.s = buf;
  sub.n = n;
  sub.shift = c->shift + (long) (c->n - n);
  sub.depth = d;
  sub.unexplained = 0;
  if (verbose) {
    fprintf(stderr, "%*schunks fixed: ", 2 * d + 2, "");
    print_escaped(sub.s, sub.n);
  }
  return compare(&sub);
}

/* RFC 9112 section 7.1: a chunk's size line and its data each end in
 * CRLF. The Debian build (not strict) skips both checks: after a size it
 * takes CR and any byte, after the data any two bytes. Explained when our
 * parser, given CRLF there (and the other enabled chunk fixes), agrees. */
static int rule_lenient_chunk_crlf(const struct ctx *c) {
  return we_reject(c, "chunk") &&
         (c->o->fault == CF_SIZE_CR || c->o->fault == CF_DATA_CRLF) &&
         agree_after_chunk_fixes(c);
}

/* After "SIZE SP" or "SIZE;" http_parser skips any bytes up to a CR; we
 * allow OWS after the size, then only a chunk extension of field
 * characters (RFC 9112 section 7.1.1 allows nothing else there). Explained
 * when our parser, without those bytes, agrees. */
static int rule_lenient_chunk_size_line(const struct ctx *c) {
  return we_reject(c, "chunk") &&
         (c->o->fault == CF_SIZE_JUNK || c->o->fault == CF_EXT) &&
         agree_after_chunk_fixes(c);
}

/* http_parser's table of hex digits has 128 entries set and the other 128
 * left at zero, so it reads a byte 0x80-0xff in a chunk size as the digit
 * 0. Explained when our parser, given '0' for those bytes, agrees. */
static int rule_high_byte_hex_digit(const struct ctx *c) {
  size_t high;
  if (!we_reject(c, "chunk") ||
      (c->o->fault != CF_SIZE && c->o->fault != CF_SIZE_JUNK)) {
    return 0;
  }
  size_token(c->s, c->n, c->o->fault_at, &high);
  return high > 0 && agree_after_chunk_fixes(c);
}

/* The trailer section: http_parser reads it with its header rules, so it
 * takes there what the rules above describe for the head (bare LF line
 * ends, CR and any byte, SP in names, obs-fold, a CTL as the first byte of
 * a value); we take only "name: value" CRLF lines, then CRLF. */
static int rule_lenient_trailer_section(const struct ctx *c) {
  size_t i, end = their_end(c), line = c->o->fault_pos;
  int in_name = 1, value_start = 0;
  if (!we_reject(c, "chunk") || c->o->fault != CF_TRAILER || end > c->n) {
    return 0;
  }
  for (i = line; i < end; i++) {
    unsigned char b = (unsigned char) c->s[i];
    if (b == '\n') {
      if (i == 0 || c->s[i - 1] != '\r') return 1; /* bare LF */
      line = i + 1;
      in_name = 1;
      continue;
    }
    if (b == '\r') {
      if (i + 1 < end && c->s[i + 1] != '\n') return 1; /* CR, no LF */
      continue;
    }
    if (i == line && (b == ' ' || b == '\t')) return 1; /* obs-fold */
    if (in_name) {
      if (b == ' ') return 1; /* SP in a name */
      if (b == ':') {
        in_name = 0;
        value_start = 1;
      }
      continue;
    }
    if (value_start && b != ' ' && b != '\t') {
      if (b < 0x20 || b == 0x7f) return 1; /* CTL first in a value */
      value_start = 0;
    }
  }
  return 0;
}

/* The Debian build (not strict) skips its checks of the "TTP/" after the
 * 'H' of the version, so "H" and any four bytes (CR and LF included) and
 * then "1.1" is HTTP/1.1 to it. The version is found the way http_parser
 * finds it: after empty lines, a method, spaces, a target, spaces.
 * Explained when our parser, given "HTTP/" there, agrees. */
static int rule_lenient_version_name(const struct ctx *c) {
  size_t i = 0;
  const char *v;
  if (!we_reject(c, NULL)) return 0;
  while (i < c->n && (c->s[i] == '\r' || c->s[i] == '\n')) i++;
  while (i < c->n && c->s[i] != ' ') i++;
  while (i < c->n && c->s[i] == ' ') i++;
  while (i < c->n && c->s[i] != ' ' && c->s[i] != '\r' && c->s[i] != '\n') {
    i++;
  }
  while (i < c->n && c->s[i] == ' ') i++;
  if (c->n - i < 8) return 0;
  v = c->s + i;
  if (v[0] != 'H' || !is_digit((unsigned char) v[5]) || v[6] != '.' ||
      !is_digit((unsigned char) v[7]) || memcmp(v + 1, "TTP/", 4) == 0) {
    return 0;
  }
  return agree_after_edit(c, i + 1, 4, "TTP/", 4);
}

/* http_parser takes a field whose name only starts with
 * "Transfer-Encoding" ("Transfer-Encodingx: chunked") for a
 * Transfer-Encoding field whose coding is not chunked: when it is the last
 * such, the request is refused as having an invalid transfer coding (or,
 * asking for an Upgrade, taken as having no body) or, with a
 * Content-Length, refused as having both. */
static int rule_transfer_encoding_prefix(const struct ctx *c) {
  int i, last_real = -1, last_prefixed = -1, lengths = 0;
  for (i = 0; i < c->o->nfields; i++) {
    struct mg_str name = c->o->hm.header_names[i];
    if (mg_vcasecmp(&name, "Transfer-Encoding") == 0) last_real = i;
    if (mg_vcasecmp(&name, "Content-Length") == 0) lengths++;
    if (name.len > 17 && mg_ncasecmp(name.p, "Transfer-Encoding", 17) == 0) {
      last_prefixed = i;
    }
  }
  if (last_prefixed < 0) return 0;
  if (they_reject(c, HPE_UNEXPECTED_CONTENT_LENGTH)) {
    return lengths > 0 && last_real < 0;
  }
  return last_prefixed > last_real &&
         (they_reject(c, HPE_INVALID_TRANSFER_ENCODING) ||
          they_upgraded_at_head(c));
}

/* Is a Transfer-Encoding (te) or Content-Length field of ours followed,
 * after its trimmed value, by OWS holding an HT? */
static int htab_after_value(const struct ctx *c, int te) {
  int i;
  for (i = 0; i < c->o->nfields; i++) {
    struct mg_str v = c->o->hm.header_values[i];
    const char *end = v.p + v.len;
    if (mg_vcasecmp(&c->o->hm.header_names[i],
                    te ? "Transfer-Encoding" : "Content-Length") != 0) {
      continue;
    }
    while (end < c->s + c->n && (*end == ' ' || *end == '\t')) {
      if (*end == '\t') return 1;
      end++;
    }
  }
  return 0;
}

/* OWS (RFC 9110 section 5.6.3) is SP or HT; http_parser allows only SP
 * after the value of a Content-Length (and refuses the request) or after
 * "chunked" (which it then no longer recognises as chunked). */
static int rule_htab_after_framing_value(const struct ctx *c) {
  return (they_reject(c, HPE_INVALID_CONTENT_LENGTH) &&
          htab_after_value(c, 0)) ||
         (they_missed_chunked(c) && htab_after_value(c, 1));
}

/* RFC 9110 section 5.6.1: a recipient MUST ignore empty elements of a
 * list ("chunked," or ", chunked", or an empty Transfer-Encoding field
 * after one saying chunked); http_parser does not, and does not see
 * chunked as the final coding. */
static int rule_empty_list_element(const struct ctx *c) {
  int i;
  if (!they_missed_chunked(c)) return 0;
  for (i = 0; i < c->o->nfields; i++) {
    struct mg_str v = c->o->hm.header_values[i];
    size_t k, elem = 0;
    if (mg_vcasecmp(&c->o->hm.header_names[i], "Transfer-Encoding") != 0) {
      continue;
    }
    /* bytes other than OWS since the last comma */
    for (k = 0; k < v.len; k++) {
      if (v.p[k] == ',') {
        if (elem == 0) return 1;
        elem = 0;
      } else if (v.p[k] != ' ' && v.p[k] != '\t') {
        elem++;
      }
    }
    if (elem == 0) return 1;
  }
  return 0;
}

/* We allow BWS (SP or HT) between a chunk size and a ';' (RFC 9112 section
 * 7.1.1); http_parser allows SP but refuses HT there. */
static int rule_whitespace_after_chunk_size(const struct ctx *c) {
  size_t at = their_end(c), i;
  if (!they_reject(c, HPE_INVALID_CHUNK_SIZE) || at >= c->n ||
      c->s[at] != '\t') {
    return 0;
  }
  for (i = at; i > 0 && (c->s[i - 1] == ' ' || c->s[i - 1] == '\t'); i--) {
  }
  return i > 0 && is_hex((unsigned char) c->s[i - 1]);
}

/* Trailer fields are not interpreted by our parser (RFC 9110 section
 * 6.5.1: framing fields cannot be processed as trailers); http_parser
 * reads them with its header state machine, and refuses a trailer
 * Content-Length it does not like, or any second one. */
static int rule_framing_fields_in_trailer(const struct ctx *c) {
  if (!they_reject(c, HPE_INVALID_CONTENT_LENGTH) &&
      !they_reject(c, HPE_UNEXPECTED_CONTENT_LENGTH) &&
      !they_reject(c, HPE_INVALID_TRANSFER_ENCODING)) {
    return 0;
  }
  return c->o->h.body_kind == HTTP_BODY_CHUNKED && c->t->headers_done &&
         their_end(c) > (size_t) c->o->h.header_len;
}

/* Our parser checks the form of a request target (RFC 9112 section 3.2)
 * but takes any VCHAR inside it; http_parser refuses (some of) the targets
 * that break the RFC 3986 grammar. */
static int rule_lenient_target_bytes(const struct ctx *c) {
  char buf[DIFF_MAX_INPUT];
  struct mg_str target;
  if (!they_reject(c, HPE_INVALID_URL)) return 0;
  target = our_target(c->o, buf);
  return !target_ok(c->o->hm.method, target.p, target.len);
}

/* RFC 9112 section 3.2: we refuse a target in none of the four forms
 * ("CONNECT host" without its port, "*" on a GET); http_parser takes some
 * of them. */
static int rule_lenient_target_form(const struct ctx *c) {
  return we_reject(c, "bad request target") &&
         !target_ok(c->o->hm.method, c->t->url, c->t->url_len);
}

/* http_parser's URL grammar is narrower than RFC 3986 in places (a scheme
 * of letters only, its own set of userinfo and host bytes). */
static int rule_http_parser_url_grammar(const struct ctx *c) {
  char buf[DIFF_MAX_INPUT];
  struct mg_str target;
  if (!they_reject(c, HPE_INVALID_URL)) return 0;
  target = our_target(c->o, buf);
  return target_ok(c->o->hm.method, target.p, target.len);
}

struct rule {
  const char *name;
  int (*explains)(const struct ctx *c);
  int enabled;
  unsigned long hits;
};

static struct rule rules[] = {
    {"obs-fold", rule_obs_fold, 0, 0},
    {"whitespace-in-field-name", rule_whitespace_in_field_name, 0, 0},
    {"missing-host", rule_missing_host, 0, 0},
    {"duplicate-host", rule_duplicate_host, 0, 0},
    {"unsupported-version", rule_unsupported_version, 0, 0},
    {"http-0.9-request-line", rule_http09_request_line, 0, 0},
    {"leading-empty-lines", rule_leading_empty_lines, 0, 0},
    {"extra-spaces-in-request-line", rule_extra_spaces_in_request_line, 0, 0},
    {"non-vchar-in-target", rule_non_vchar_in_target, 0, 0},
    {"ctl-in-field-value", rule_ctl_in_field_value, 0, 0},
    {"unknown-method", rule_unknown_method, 0, 0},
    {"identical-content-lengths", rule_identical_content_lengths, 0, 0},
    {"transfer-coding-not-chunked", rule_transfer_coding_not_chunked, 0, 0},
    {"transfer-coding-syntax", rule_transfer_coding_syntax, 0, 0},
    {"chunked-twice", rule_chunked_twice, 0, 0},
    {"http_parser-upgrade-skips-coding-check", rule_upgrade_skips_coding_check,
     0, 0},
    {"transfer-encoding-http-1.0", rule_transfer_encoding_http10, 0, 0},
    {"too-many-headers", rule_too_many_headers, 0, 0},
    {"connect-body", rule_connect_body, 0, 0},
    {"trailing-ows-in-value", rule_trailing_ows_in_value, 0, 0},
    {"lenient-http_parser-bare-cr", rule_lenient_bare_cr, 0, 0},
    {"bare-lf-in-request", rule_bare_lf_in_request, 0, 0},
    {"lenient-http_parser-chunk-crlf", rule_lenient_chunk_crlf, 0, 0},
    {"lenient-http_parser-chunk-size-line", rule_lenient_chunk_size_line, 0,
     0},
    {"http_parser-high-byte-hex-digit", rule_high_byte_hex_digit, 0, 0},
    {"lenient-http_parser-trailer-section", rule_lenient_trailer_section, 0,
     0},
    {"lenient-http_parser-version-name", rule_lenient_version_name, 0, 0},
    {"http_parser-transfer-encoding-prefix", rule_transfer_encoding_prefix, 0,
     0},
    {"http_parser-htab-after-framing-value", rule_htab_after_framing_value, 0,
     0},
    {"empty-list-element", rule_empty_list_element, 0, 0},
    {"whitespace-after-chunk-size", rule_whitespace_after_chunk_size, 0, 0},
    {"http_parser-framing-fields-in-trailer", rule_framing_fields_in_trailer,
     0, 0},
    {"lenient-target-bytes", rule_lenient_target_bytes, 0, 0},
    {"http_parser-url-grammar", rule_http_parser_url_grammar, 0, 0},
    {"lenient-http_parser-target-form", rule_lenient_target_form, 0, 0},
    {NULL, NULL, 0, 0},
};

#define NRULES (sizeof(rules) / sizeof(rules[0]) - 1)

static int rule_on(const char *name) {
  size_t k;
  for (k = 0; k < NRULES; k++) {
    if (strcmp(rules[k].name, name) == 0) return rules[k].enabled;
  }
  abort(); /* a rule named in the code but missing from the table */
}

/* ---- the list of intended differences ------------------------------------ */


static FILE *open_allowed(const char *argv0, char *path, size_t size) {
  const char *env = getenv("HTTP_DIFF_ALLOWED");
  FILE *fp;
  const char *slash;
  if (env != NULL && *env != '\0') {
    snprintf(path, size, "%s", env);
    return fopen(path, "r");
  }
  snprintf(path, size, "fuzz/http_diff_allowed.txt");
  if ((fp = fopen(path, "r")) != NULL) return fp;
  if (argv0 != NULL && (slash = strrchr(argv0, '/')) != NULL) {
    snprintf(path, size, "%.*s/../../fuzz/http_diff_allowed.txt",
             (int) (slash - argv0), argv0);
    if ((fp = fopen(path, "r")) != NULL) return fp;
    /* next to the binary, as ci/clusterfuzzlite/build.sh installs it */
    snprintf(path, size, "%.*s/http_diff_allowed.txt", (int) (slash - argv0), argv0);
    if ((fp = fopen(path, "r")) != NULL) return fp;
  }
  return NULL;
}

/* One rule a line: "name: why". '#' starts a comment line; a rule is
 * disabled by commenting it out. An unknown name is an error, so that a
 * typo cannot silently disable a rule. */
static void load_allowed(const char *argv0) {
  char path[4096], line[256];
  FILE *fp = open_allowed(argv0, path, sizeof(path));
  int lineno = 0, c;
  if (fp == NULL) {
    fprintf(stderr,
            "http_diff: cannot open the list of intended differences (set "
            "HTTP_DIFF_ALLOWED, or run from the project root)\n");
    exit(2);
  }
  while (fgets(line, sizeof(line), fp) != NULL) {
    size_t len, k;
    char *p = line;
    lineno++;
    /* Only the start of a line matters: skip the rest of a long one. */
    if (strchr(line, '\n') == NULL) {
      while ((c = fgetc(fp)) != EOF && c != '\n') {
      }
    }
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '#' || *p == '\r' || *p == '\n' || *p == '\0') continue;
    len = strcspn(p, ": \t\r\n");
    for (k = 0; k < NRULES; k++) {
      if (strlen(rules[k].name) == len && memcmp(rules[k].name, p, len) == 0) {
        rules[k].enabled = 1;
        break;
      }
    }
    if (k == NRULES) {
      fprintf(stderr, "http_diff: %s:%d: unknown rule \"%.*s\"\n", path,
              lineno, (int) len, p);
      exit(2);
    }
  }
  fclose(fp);
  if (verbose) fprintf(stderr, "http_diff: rules from %s\n", path);
}

/* HTTP_DIFF_VERBOSE: how often each rule explained a difference. */
static void print_hits(void) {
  size_t k;
  fprintf(stderr, "http_diff: differences explained, by rule:\n");
  for (k = 0; k < NRULES; k++) {
    fprintf(stderr, "  %8lu  %s%s\n", rules[k].hits, rules[k].name,
            rules[k].enabled ? "" : " (disabled)");
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const char *v = getenv("HTTP_DIFF_VERBOSE");
  verbose = v != NULL && *v != '\0' && *v != '0';
  v = getenv("HTTP_DIFF_KEEP_GOING");
  keep_going = v != NULL && *v != '\0' && *v != '0';
  http_parser_settings_init(&settings);
  settings.on_url = on_url;
  settings.on_header_field = on_header_field;
  settings.on_header_value = on_header_value;
  settings.on_headers_complete = on_headers_complete;
  settings.on_body = on_body;
  settings.on_message_complete = on_message_complete;
  load_allowed(argc != NULL && *argc > 0 ? (*argv)[0] : NULL);
  fix_high_byte = rule_on("http_parser-high-byte-hex-digit");
  fix_chunk_crlf = rule_on("lenient-http_parser-chunk-crlf");
  fix_chunk_size_line = rule_on("lenient-http_parser-chunk-size-line");
  /* The rules describe this version's behaviour. */
  if (http_parser_version() != 0x020904) {
    fprintf(stderr,
            "http_diff: warning: http_parser %lu.%lu.%lu, the rules were "
            "written for 2.9.4\n",
            http_parser_version() >> 16, (http_parser_version() >> 8) & 255,
            http_parser_version() & 255);
  }
  if (verbose) atexit(print_hits);
  return 0;
}

/* ---- reporting ----------------------------------------------------------- */

static void print_verdicts(const struct ctx *c) {
  const struct ours *o = c->o;
  const struct theirs *t = c->t;
  fprintf(stderr, "  ours:        %s", verdict_name(o->v));
  if (o->v == V_REJECT) {
    fprintf(stderr, " (%d %s", o->status, o->reason);
    if (o->fault != CF_NONE) {
      fprintf(stderr, ": %s, chunk at offset %zu", fault_name(o->fault),
              o->fault_at);
    }
    fputc(')', stderr);
  }
  if (o->v == V_ACCEPT) fprintf(stderr, " (message ends at %zu)", o->end);
  fprintf(stderr, "\n  http_parser: %s", verdict_name(t->v));
  if (t->v == V_REJECT) {
    fprintf(stderr, " (%s: %s, at offset %zu)", http_errno_name(t->err),
            http_errno_description(t->err), t->consumed);
  }
  if (t->v == V_ACCEPT) fprintf(stderr, " (message ends at %zu)", t->consumed);
  fputc('\n', stderr);
}

static void print_str(const char *label, struct mg_str s) {
  fprintf(stderr, "  %s", label);
  print_escaped(s.p, s.len);
}

/* The details of a mismatch between two accepted messages. */
static void print_mismatch(const struct ctx *c) {
  char buf[DIFF_MAX_INPUT];
  const struct ours *o = c->o;
  const struct theirs *t = c->t;
  switch (c->kind) {
    case D_METHOD:
      print_str("our method:        ", o->hm.method);
      fprintf(stderr, "  http_parser's:      %s\n",
              http_method_str((enum http_method) t->p.method));
      break;
    case D_URL:
      print_str("our target:        ", our_target(o, buf));
      print_str("http_parser's:     ", mg_mk_str_n(t->url, t->url_len));
      break;
    case D_VERSION:
      print_str("our version:       ", o->hm.proto);
      fprintf(stderr, "  http_parser's:      HTTP/%u.%u\n", t->p.http_major,
              t->p.http_minor);
      break;
    case D_FIELD_COUNT:
      fprintf(stderr, "  fields: ours %d, http_parser's %d\n", o->nfields,
              t->nfields);
      break;
    case D_FIELD_NAME:
    case D_FIELD_VALUE:
      fprintf(stderr, "  field %d:\n", c->index);
      print_str("our name:          ", o->hm.header_names[c->index]);
      print_str("http_parser's:     ", their_name(c, c->index));
      print_str("our value:         ", o->hm.header_values[c->index]);
      print_str("http_parser's:     ", their_value(c, c->index));
      break;
    case D_BODY:
      print_str("our body:          ", mg_mk_str_n(o->body, o->body_len));
      print_str("http_parser's:     ", mg_mk_str_n(t->body, t->body_len));
      break;
    case D_END:
      fprintf(stderr, "  message end: ours %zu, http_parser's %zu\n", o->end,
              t->consumed);
      break;
    default:
      break;
  }
}

/* A difference: true when an enabled rule explains it; otherwise it is
 * counted, and the first such is kept for the report. */
static int differ(struct ctx *c, enum diff_kind kind, int index) {
  size_t k;
  c->kind = kind;
  c->index = index;
  for (k = 0; k < NRULES; k++) {
    if (rules[k].enabled && rules[k].explains(c)) {
      rules[k].hits++;
      if (verbose) {
        fprintf(stderr, "%*s%s difference, explained by %s\n",
                2 * c->depth + 2, "", kind_name(kind), rules[k].name);
      }
      return 1;
    }
  }
  if (c->unexplained++ == 0) {
    c->bad_kind = kind;
    c->bad_index = index;
  }
  return 0;
}

/* All differences between our result and http_parser's: true when every
 * one is explained. */
static int compare(struct ctx *c) {
  char buf[DIFF_MAX_INPUT];
  const struct ours *o = c->o;
  const struct theirs *t = c->t;
  int i, common;

  if (o->v != V_ACCEPT || t->v != V_ACCEPT) {
    if (o->v == V_ACCEPT || t->v == V_ACCEPT) differ(c, D_VERDICT, 0);
    return c->unexplained == 0;
  }
  if (mg_vcmp(&o->hm.method,
              http_method_str((enum http_method) t->p.method)) != 0) {
    differ(c, D_METHOD, 0);
  }
  if (!str_eq(our_target(o, buf), mg_mk_str_n(t->url, t->url_len))) {
    differ(c, D_URL, 0);
  }
  if (t->p.http_major != 1 ||
      t->p.http_minor != (unsigned) (o->hm.proto.p[7] - '0')) {
    differ(c, D_VERSION, 0);
  }
  if (o->nfields != t->nfields) differ(c, D_FIELD_COUNT, 0);
  common = o->nfields < t->nfields ? o->nfields : t->nfields;
  for (i = 0; i < common; i++) {
    if (!str_eq(o->hm.header_names[i], their_name(c, i))) {
      differ(c, D_FIELD_NAME, i);
    }
    if (!str_eq(o->hm.header_values[i], their_value(c, i))) {
      differ(c, D_FIELD_VALUE, i);
    }
  }
  if (!str_eq(mg_mk_str_n(o->body, o->body_len),
              mg_mk_str_n(t->body, t->body_len))) {
    differ(c, D_BODY, 0);
  }
  if (o->end != their_end(c)) differ(c, D_END, 0);
  return c->unexplained == 0;
}

static struct ours ours;
static struct theirs theirs;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ctx c;
  const char *s = (const char *) data;
  if (size > DIFF_MAX_INPUT) return 0;
  run_ours(s, size, &ours);
  run_theirs(s, size, &theirs);
  memset(&c, 0, sizeof(c));
  c.s = s;
  c.n = size;
  c.o = &ours;
  c.t = &theirs;
  if (verbose) {
    fprintf(stderr, "input (%zu bytes): ", size);
    print_escaped(s, size);
    print_verdicts(&c);
  }
  if (compare(&c)) return 0;
  c.kind = c.bad_kind;
  c.index = c.bad_index;
  fprintf(stderr, "\nhttp_diff: unexplained %s difference", kind_name(c.kind));
  if (c.kind == D_VERDICT) {
    fprintf(stderr, " (%s accepted)",
            ours.v == V_ACCEPT ? "only our parser" : "only http_parser");
  }
  if (c.unexplained > 1) fprintf(stderr, ", and %d more", c.unexplained - 1);
  fprintf(stderr, "\n  input (%zu bytes): ", size);
  print_escaped(s, size);
  print_verdicts(&c);
  print_mismatch(&c);
  if (!keep_going) abort();
  return 0;
}
