/*
 * url.c - percent-encoding (RFC 3986 section 2.1), splitting a URI into
 * its parts and putting parts together again, dot segments resolved.
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

/* How many bytes from s on decode to themselves: those before the first
 * '%' and, in a form, before the first '+'. */
static int plain_run(const char *s, int n, int is_form_url_encoded) {
  const char *stop = (const char *) memchr(s, '%', (size_t) n);
  if (stop != NULL) n = (int) (stop - s);
  if (is_form_url_encoded && n > 0 &&
      (stop = (const char *) memchr(s, '+', (size_t) n)) != NULL) {
    n = (int) (stop - s);
  }
  return n;
}

/*
 * Returns the decoded length, not counting the NUL written after it, or -1
 * when an escape is malformed or dst cannot hold the result and its NUL.
 * On failure dst still holds a NUL-terminated prefix whenever dst_len > 0.
 * dst may be src itself: the output never runs ahead of the input.
 */
int mg_url_decode(const char *src, int src_len, char *dst, int dst_len,
                  int is_form_url_encoded) {
  int i = 0, j = 0;
  if (dst_len <= 0) return -1;
  if (src_len < 0) src_len = 0;
  while (i < src_len) {
    /* Bytes that stand for themselves go over in one piece, as many as
     * there is room for with the NUL. */
    int run = plain_run(src + i, src_len - i, is_form_url_encoded);
    if (run > dst_len - 1 - j) run = dst_len - 1 - j;
    if (run > 0) {
      memmove(dst + j, src + i, (size_t) run);
      i += run;
      j += run;
    }
    if (i == src_len) break;
    if (j + 1 >= dst_len) break; /* no room for this byte and the NUL */
    if (src[i] == '%') {
      int hi, lo;
      if (src_len - i < 3) break; /* never read past src_len */
      hi = hex_value((unsigned char) src[i + 1]);
      lo = hex_value((unsigned char) src[i + 2]);
      if (hi < 0 || lo < 0) break;
      dst[j++] = (char) (hi << 4 | lo);
      i += 3;
    } else { /* a '+' in a form */
      dst[j++] = ' ';
      i++;
    }
  }
  dst[j] = '\0';
  return i == src_len ? j : -1;
}

/* What becomes of each byte value when encoding. */
enum { ENC_ESCAPE, ENC_KEEP, ENC_PLUS };

/* RFC 3986 unreserved characters never need escaping: ALPHA, DIGIT and
 * "-._~" are ENC_KEEP (1) here, the rest ENC_ESCAPE. */
static const unsigned char unreserved[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 10 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, /* 20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, /* 30 */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, /* 50 */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, /* 70 */
};

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
  struct mg_str r = MG_NULL_STR;
  /* Unreserved and safe bytes are kept, a space may become '+', the rest
   * is escaped: decided once per byte value, not per byte of src. */
  unsigned char how[256];
  size_t i, n = 0;
  char *out;

  if (src.len > ((size_t) -1 - 1) / 3) return r;
  memcpy(how, unreserved, sizeof(how));
  for (i = 0; i < safe.len; i++) how[(unsigned char) safe.p[i]] = ENC_KEEP;
  if ((flags & MG_URL_ENCODE_F_SPACE_AS_PLUS) && how[' '] == ENC_ESCAPE) {
    how[' '] = ENC_PLUS;
  }
  for (i = 0; i < src.len; i++) {
    n += how[(unsigned char) src.p[i]] == ENC_ESCAPE ? 3 : 1;
  }
  out = (char *) malloc(n + 1);
  if (out == NULL) return r;

  for (i = n = 0; i < src.len; i++) {
    unsigned char c = (unsigned char) src.p[i];
    if (how[c] == ENC_KEEP) {
      out[n++] = (char) c;
    } else if (how[c] == ENC_PLUS) {
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
    /* Inside brackets ':' belongs to the address, not to the port. The
     * brackets stay part of the host, as in Mongoose 6: "[::1]" can then be
     * put back into a URI or a Host header as it is. */
    struct mg_str inner = mg_mk_str_n(hostport.p + 1, hostport.len - 1), addr;
    if (!cut_at(&inner, ']', &addr, &rest)) return -1;
    *host = mg_mk_str_n(hostport.p, addr.len + 2);
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

/* ---- dot segments and assembly ---------------------------------------- */

/*
 * One pass over the segments, writing at o what survives. The output never
 * runs ahead of the input (each segment is written no longer than it was
 * read, and after it), which is what lets out->p be in->p.
 *
 * Unlike RFC 3986's remove_dot_segments, a ".." with nothing left to remove
 * is an error rather than ignored: a request path climbing above the root
 * is an attack on whatever maps the path onto files, not a typo.
 */
int mg_normalize_uri_path(const struct mg_str *in, struct mg_str *out) {
  const char *src = in->p;
  char *dst = (char *) out->p;
  size_t len = in->len, i = 0, o = 0;

  if (len == 0 || src[0] != '/') {
    out->len = 0;
    return 0;
  }
  while (i < len) {
    /* src[i] is the '/' before a segment. */
    size_t start = i + 1, end = len, seg_len;
    const char *slash = NULL;
    int last;
    if (start < len) slash = (const char *) memchr(src + start, '/', len - start);
    if (slash != NULL) end = (size_t) (slash - src);
    seg_len = end - start;
    last = end == len;
    if (seg_len == 1 && src[start] == '.') {
      if (last) dst[o++] = '/';
    } else if (seg_len == 2 && src[start] == '.' && src[start + 1] == '.') {
      if (o == 0) {
        out->len = 0;
        return 0;
      }
      while (o > 0 && dst[o - 1] != '/') o--;
      o--; /* the '/' that began the removed segment */
      if (last) dst[o++] = '/';
    } else {
      dst[o++] = '/';
      memmove(dst + o, src + start, seg_len);
      o += seg_len;
    }
    i = end;
  }
  if (o == 0) dst[o++] = '/';
  out->len = o;
  return 1;
}

static size_t part_len(const struct mg_str *s) {
  return s != NULL && s->p != NULL ? s->len : 0;
}

static char *put(char *d, const char *s, size_t len) {
  memcpy(d, s, len);
  return d + len;
}

/*
 * The result is allocated once: every part's length is known up front,
 * and normalizing only ever shortens a path, so it happens in place in the
 * result. An empty path becomes "/" when normalizing, as a URI with an
 * authority has no other way to name the root.
 */
int mg_assemble_uri(const struct mg_str *scheme, const struct mg_str *user_info,
                    const struct mg_str *host, unsigned int port,
                    const struct mg_str *path, const struct mg_str *query,
                    const struct mg_str *fragment, int normalize_path,
                    struct mg_str *uri) {
  size_t sl = part_len(scheme), ul = part_len(user_info), hl = part_len(host);
  size_t pl = part_len(path), ql = part_len(query), fl = part_len(fragment);
  /* An IPv6 literal needs brackets, or its ':'s would read as a port. */
  int bracket = hl > 0 && host->p[0] != '[' && memchr(host->p, ':', hl) != NULL;
  char *buf, *d;

  uri->p = NULL;
  uri->len = 0;
  /* ":65535" is at most 11 bytes even for a 32-bit port; 1 more for a "/"
   * standing in for an empty path, and the NUL. */
  buf = (char *) malloc(sl + 3 + ul + 1 + hl + 2 + 11 + pl + 1 + ql + 1 + fl +
                        1 + 1);
  if (buf == NULL) return -1;
  d = buf;
  if (sl > 0) d = put(put(d, scheme->p, sl), "://", 3);
  if (ul > 0) d = put(put(d, user_info->p, ul), "@", 1);
  if (bracket) *d++ = '[';
  if (hl > 0) d = put(d, host->p, hl);
  if (bracket) *d++ = ']';
  if (port != 0) d += sprintf(d, ":%u", port);
  if (pl > 0 && normalize_path) {
    struct mg_str p = mg_mk_str_n(d, pl);
    memcpy(d, path->p, pl);
    if (!mg_normalize_uri_path(&p, &p)) {
      free(buf);
      return -1;
    }
    d += p.len;
  } else if (pl > 0) {
    d = put(d, path->p, pl);
  } else if (normalize_path) {
    *d++ = '/';
  }
  if (ql > 0) d = put(put(d, "?", 1), query->p, ql);
  if (fl > 0) d = put(put(d, "#", 1), fragment->p, fl);
  *d = '\0';
  uri->p = buf;
  uri->len = (size_t) (d - buf);
  return 0;
}
