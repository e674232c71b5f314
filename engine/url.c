/*
 * url.c - percent-encoding (RFC 3986 section 2.1) and splitting a URI into
 * its parts.
 *
 * Decoding is strict about escapes: a '%' not followed by two hex digits is
 * an error rather than literal text, because guessing there is how two
 * components end up disagreeing about what a path means.
 */
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

static int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/*
 * Returns the decoded length, not counting the NUL written after it, or -1
 * when an escape is malformed or dst cannot hold the result and its NUL.
 * On failure dst still holds a NUL-terminated prefix whenever dst_len > 0.
 */
int mg_url_decode(const char *src, int src_len, char *dst, int dst_len,
                  int is_form_url_encoded) {
  int i = 0, j = 0;
  if (dst_len <= 0) return -1;
  if (src_len < 0) src_len = 0;
  while (i < src_len) {
    unsigned char c = (unsigned char) src[i];
    if (j + 1 >= dst_len) break; /* no room for this byte and the NUL */
    if (c == '%') {
      int hi, lo;
      if (src_len - i < 3) break; /* never read past src_len */
      hi = hex_value((unsigned char) src[i + 1]);
      lo = hex_value((unsigned char) src[i + 2]);
      if (hi < 0 || lo < 0) break;
      dst[j++] = (char) (hi << 4 | lo);
      i += 3;
    } else {
      dst[j++] = (is_form_url_encoded && c == '+') ? ' ' : (char) c;
      i++;
    }
  }
  dst[j] = '\0';
  return i == src_len ? j : -1;
}

/* RFC 3986 unreserved characters never need escaping. */
static int unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

static int passes_through(unsigned char c, const struct mg_str safe) {
  return unreserved(c) || mg_strchr(safe, c) != NULL;
}

/*
 * The result is allocated once at its exact size (a first pass counts the
 * escapes), NUL-terminated, and owned by the caller: free it with
 * mg_strfree() or free(). {NULL, 0} means memory ran out.
 */
struct mg_str mg_url_encode_opt(const struct mg_str src,
                                const struct mg_str safe, unsigned int flags) {
  const char *hex = (flags & MG_URL_ENCODE_F_UPPERCASE_HEX)
                        ? "0123456789ABCDEF"
                        : "0123456789abcdef";
  int plus = (flags & MG_URL_ENCODE_F_SPACE_AS_PLUS) != 0;
  struct mg_str r = MG_NULL_STR;
  size_t i, n = 0;
  char *out;

  if (src.len > ((size_t) -1 - 1) / 3) return r;
  for (i = 0; i < src.len; i++) {
    unsigned char c = (unsigned char) src.p[i];
    n += (passes_through(c, safe) || (plus && c == ' ')) ? 1 : 3;
  }
  out = (char *) malloc(n + 1);
  if (out == NULL) return r;

  for (i = n = 0; i < src.len; i++) {
    unsigned char c = (unsigned char) src.p[i];
    if (passes_through(c, safe)) {
      out[n++] = (char) c;
    } else if (plus && c == ' ') {
      out[n++] = '+';
    } else {
      out[n++] = '%';
      out[n++] = hex[c >> 4];
      out[n++] = hex[c & 15];
    }
  }
  out[n] = '\0';
  r.p = out;
  r.len = n;
  return r;
}

struct mg_str mg_url_encode(const struct mg_str src) {
  return mg_url_encode_opt(src, mg_mk_str("._-$,;~()/"), 0);
}

/* ---- mg_parse_uri ------------------------------------------------------ */

/* The part of s before the first c; s becomes what follows it. Returns 0,
 * leaving s alone, when c does not occur. */
static int cut_at(struct mg_str *s, char c, struct mg_str *before,
                  struct mg_str *after) {
  const char *at = mg_strchr(*s, c);
  if (at == NULL) return 0;
  *before = mg_mk_str_n(s->p, (size_t) (at - s->p));
  *after = mg_mk_str_n(at + 1, s->len - before->len - 1);
  return 1;
}

/* Decimal digits only, at most 65535. An empty port is allowed by the
 * grammar (port = *DIGIT) and reads as 0. */
static int parse_port(struct mg_str s, unsigned int *port) {
  unsigned long v = 0;
  size_t i;
  for (i = 0; i < s.len; i++) {
    if (s.p[i] < '0' || s.p[i] > '9') return -1;
    v = v * 10 + (unsigned long) (s.p[i] - '0');
    if (v > 65535) return -1;
  }
  *port = (unsigned int) v;
  return 0;
}

/* "userinfo@host:port", where host may be a bracketed IPv6 literal. */
static int parse_authority(struct mg_str a, struct mg_str *user_info,
                           struct mg_str *host, unsigned int *port) {
  struct mg_str hostport = a, rest;
  size_t i;
  /* A password may carry an unescaped '@'; the host never does, so the last
   * '@' is the separator. */
  for (i = a.len; i > 0; i--) {
    if (a.p[i - 1] == '@') {
      *user_info = mg_mk_str_n(a.p, i - 1);
      hostport = mg_mk_str_n(a.p + i, a.len - i);
      break;
    }
  }

  if (hostport.len > 0 && hostport.p[0] == '[') {
    /* Inside brackets ':' belongs to the address, not to the port. */
    struct mg_str inner = mg_mk_str_n(hostport.p + 1, hostport.len - 1);
    if (!cut_at(&inner, ']', host, &rest)) return -1;
    if (rest.len == 0) return 0;
    if (rest.p[0] != ':') return -1;
    return parse_port(mg_mk_str_n(rest.p + 1, rest.len - 1), port);
  }
  if (cut_at(&hostport, ':', host, &rest)) return parse_port(rest, port);
  *host = hostport;
  return 0;
}

/*
 * A part that is absent comes back as {NULL, 0}; one that is present but
 * empty ("http://h/?") points into uri with length 0. The outputs are only
 * written on success, so a failed parse leaves the caller's values alone.
 */
int mg_parse_uri(const struct mg_str uri, struct mg_str *scheme,
                 struct mg_str *user_info, struct mg_str *host,
                 unsigned int *port, struct mg_str *path, struct mg_str *query,
                 struct mg_str *fragment) {
  struct mg_str rs = MG_NULL_STR, ru = MG_NULL_STR, rh = MG_NULL_STR;
  struct mg_str rp = MG_NULL_STR, rq = MG_NULL_STR, rf = MG_NULL_STR;
  struct mg_str rest = uri, authority = MG_NULL_STR, tmp;
  unsigned int rport = 0;
  const char *sep, *slash;

  /* '#' and then '?' end the hierarchical part wherever they appear, so
   * peel them off first; whatever is left cannot contain either. */
  if (cut_at(&rest, '#', &tmp, &rf)) rest = tmp;
  if (cut_at(&rest, '?', &tmp, &rq)) rest = tmp;

  /* "://" makes a scheme only when no '/' comes before it; otherwise it is
   * just text inside a path. */
  sep = mg_strstr(rest, mg_mk_str("://"));
  slash = mg_strchr(rest, '/');
  if (sep != NULL && slash == sep + 1) {
    rs = mg_mk_str_n(rest.p, (size_t) (sep - rest.p));
    rest = mg_mk_str_n(sep + 3, rest.len - rs.len - 3);
  }

  /* Without a scheme a leading '/' means a bare path ("/index.html");
   * anything else starts with an authority ("host:80/x"). */
  if (rs.p != NULL || (rest.len > 0 && rest.p[0] != '/')) {
    slash = mg_strchr(rest, '/');
    authority = rest;
    if (slash != NULL) {
      authority.len = (size_t) (slash - rest.p);
      rp = mg_mk_str_n(slash, rest.len - authority.len);
    }
    if (parse_authority(authority, &ru, &rh, &rport) != 0) return -1;
  } else if (rest.len > 0) {
    rp = rest;
  }

  if (scheme != NULL) *scheme = rs;
  if (user_info != NULL) *user_info = ru;
  if (host != NULL) *host = rh;
  if (port != NULL) *port = rport;
  if (path != NULL) *path = rp;
  if (query != NULL) *query = rq;
  if (fragment != NULL) *fragment = rf;
  return 0;
}
