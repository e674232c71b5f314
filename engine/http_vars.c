/*
 * http_vars.c - reading what a parsed message carries: headers, form and
 * query variables, header parameters and Basic credentials.
 *
 * Everything here works on borrowed bytes and copies only into the buffers
 * the caller passes (or, for mg_http_parse_header2, one it allocates),
 * always NUL-terminated and never past their size. When a value does not
 * fit, the buffer is left holding "" rather than a cut-off value, because a
 * truncated name or password is worse than none.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

struct mg_str *mg_get_http_header(struct http_message *hm, const char *name) {
  int i;
  if (hm == NULL || name == NULL) return NULL;
  for (i = 0; i < MG_MAX_HTTP_HEADERS && hm->header_names[i].p != NULL; i++) {
    if (mg_vcasecmp(&hm->header_names[i], name) == 0) {
      return &hm->header_values[i];
    }
  }
  return NULL;
}

/* ---- form and query variables ----------------------------------------- */

/*
 * buf is "a=1&b=2": pairs split at '&', a name without '=' having an empty
 * value. Names are compared as they appear, undecoded and case-sensitive.
 * The error codes are Mongoose 6's: -1 no source (name NULL, buf NULL or
 * empty), -2 no destination, -3 the value cannot be decoded into dst (too
 * small, or a malformed escape, which no size would cure), -4 not found.
 */
int mg_get_http_var(const struct mg_str *buf, const char *name, char *dst,
                    size_t dst_len) {
  size_t name_len, pos = 0;
  if (dst == NULL || dst_len == 0) return -2;
  dst[0] = '\0';
  if (buf == NULL || name == NULL || buf->p == NULL || buf->len == 0) {
    return -1;
  }
  name_len = strlen(name);

  while (pos < buf->len) {
    const char *pair = buf->p + pos, *amp, *eq;
    size_t pair_len = buf->len - pos, key_len;
    amp = memchr(pair, '&', pair_len);
    if (amp != NULL) pair_len = (size_t) (amp - pair);
    pos += pair_len + 1;

    eq = memchr(pair, '=', pair_len);
    key_len = eq == NULL ? pair_len : (size_t) (eq - pair);
    if (key_len == name_len && memcmp(pair, name, name_len) == 0) {
      const char *v = eq == NULL ? pair + pair_len : eq + 1;
      size_t v_len = pair_len - (size_t) (v - pair);
      int r = -1;
      if (v_len <= INT_MAX) {
        r = mg_url_decode(v, (int) v_len, dst,
                          dst_len > INT_MAX ? INT_MAX : (int) dst_len, 1);
      }
      if (r < 0) {
        dst[0] = '\0'; /* a cut-off value is worse than none */
        return -3;
      }
      return r;
    }
  }
  return -4;
}

/* ---- header parameters ------------------------------------------------ */

/* Separators between parameters: "a=1, b=2" and "x; y=1" alike. */
static int is_param_sep(char c) {
  return c == ' ' || c == '\t' || c == ',' || c == ';';
}

/* Values may be quoted with '"' (RFC 9110 quoted-string) or, as Mongoose 6
 * and some senders allow, with '\''; either way a backslash takes the next
 * byte literally. */
static int is_quote(char c) {
  return c == '"' || c == '\'';
}

/* The classes find_param scans by, one table lookup per byte. */
enum { PC_SEP = 1, PC_WS = 2, PC_EQ = 4 };

static const unsigned char param_class[256] = {
    ['\t'] = PC_SEP | PC_WS, [' '] = PC_SEP | PC_WS, [','] = PC_SEP,
    [';'] = PC_SEP,          ['='] = PC_EQ};

/* From p[i], past the bytes whose class has a bit of cls; returns where
 * they end (len at the latest). */
static size_t skip_class(const char *p, size_t i, size_t len, int cls) {
  const unsigned char *q = (const unsigned char *) p + i;
  const unsigned char *e = (const unsigned char *) p + len;
  while (q < e && (param_class[*q] & cls) != 0) q++;
  return (size_t) (q - (const unsigned char *) p);
}

/* From p[i], up to the first byte whose class has a bit of cls. */
static size_t skip_to_class(const char *p, size_t i, size_t len, int cls) {
  const unsigned char *q = (const unsigned char *) p + i;
  const unsigned char *e = (const unsigned char *) p + len;
  while (q < e && (param_class[*q] & cls) == 0) q++;
  return (size_t) (q - (const unsigned char *) p);
}

/*
 * A parameter value starting at p[0]: a quoted string or a bare token up
 * to a separator. Returns its unescaped length, copying it into out when
 * out is not NULL (the caller made room), or -1 when an opening quote is
 * never closed.
 */
static long scan_value(const char *p, size_t len, char *out) {
  size_t i = 0, n = 0;
  char quote = len > 0 && is_quote(p[0]) ? p[0] : '\0';
  if (quote) i++;
  for (; i < len; i++) {
    char c = p[i];
    if (quote && c == quote) break;
    if (!quote && is_param_sep(c)) break;
    if (quote && c == '\\') {
      if (++i == len) break; /* a dangling backslash: unterminated */
      c = p[i];
    }
    if (out != NULL) out[n] = c;
    n++;
  }
  if (quote && i == len) return -1;
  return n > INT_MAX ? -1 : (long) n;
}

/*
 * Finds var_name=value among the words of a header value such as
 * 'Digest realm="x", nonce="y", qop=auth' or 'attachment; filename="a b"'
 * and returns where its value starts (NULL when absent). Words without '='
 * (the scheme, "attachment") are skipped, as are the values of other
 * parameters, quoted ones included, so that a quoted 'x, name=evil' is
 * never read as a parameter of its own.
 */
static const char *find_param(const struct mg_str *hdr, const char *var_name,
                              size_t *rest) {
  size_t i = 0, name_len, len;
  const char *p;
  if (hdr == NULL || hdr->p == NULL || var_name == NULL) return NULL;
  name_len = strlen(var_name);
  p = hdr->p;
  len = hdr->len;

  while (i < len) {
    size_t start, end;
    i = skip_class(p, i, len, PC_SEP);
    start = i;
    i = skip_to_class(p, i, len, PC_SEP | PC_EQ);
    end = i;
    i = skip_class(p, i, len, PC_WS);
    if (i == len || p[i] != '=') continue; /* a bare word */
    i = skip_class(p, i + 1, len, PC_WS);

    if (end > start && end - start == name_len &&
        memcmp(p + start, var_name, name_len) == 0) {
      *rest = len - i;
      return p + i;
    }
    /* Skip the other parameter's value. */
    if (i < len && is_quote(p[i])) {
      char quote = p[i];
      for (i++; i < len && p[i] != quote; i++) {
        if (p[i] == '\\') i++;
      }
      i++; /* the closing quote (or past the end) */
    } else {
      i = skip_to_class(p, i, len, PC_SEP);
    }
  }
  return NULL;
}

int mg_http_parse_header(struct mg_str *hdr, const char *var_name, char *buf,
                         size_t buf_size) {
  size_t rest = 0;
  const char *v;
  long n;
  if (buf == NULL || buf_size == 0) return 0;
  buf[0] = '\0';
  if ((v = find_param(hdr, var_name, &rest)) == NULL) return 0;
  n = scan_value(v, rest, NULL);
  if (n < 0 || (size_t) n >= buf_size) return 0; /* buf keeps "" */
  scan_value(v, rest, buf);
  buf[n] = '\0';
  return (int) n;
}

int mg_http_parse_header2(struct mg_str *hdr, const char *var_name, char **buf,
                          size_t buf_size) {
  size_t rest = 0;
  const char *v;
  char *dst;
  long n;
  if (buf == NULL) return 0;
  if (*buf != NULL && buf_size > 0) (*buf)[0] = '\0';
  if ((v = find_param(hdr, var_name, &rest)) == NULL) return 0;
  if ((n = scan_value(v, rest, NULL)) < 0) return 0;
  dst = *buf;
  if (dst == NULL || (size_t) n >= buf_size) {
    if ((dst = (char *) malloc((size_t) n + 1)) == NULL) return 0;
    *buf = dst;
  }
  scan_value(v, rest, dst);
  dst[n] = '\0';
  return (int) n;
}

/* ---- Basic credentials ------------------------------------------------ */

/* Where decoded bytes go: the user until the first ':', then the password. */
struct cred_sink {
  char *user, *pass;
  size_t user_len, pass_len;
  size_t u, p; /* bytes written so far */
  int in_pass;
};

static int sink_byte(struct cred_sink *k, char c) {
  if (c == '\0') return 0; /* would silently cut the C string short */
  if (!k->in_pass && c == ':') {
    k->in_pass = 1;
    return 1;
  }
  if (k->in_pass) {
    if (k->p + 1 >= k->pass_len) return 0;
    k->pass[k->p++] = c;
  } else {
    if (k->u + 1 >= k->user_len) return 0;
    k->user[k->u++] = c;
  }
  return 1;
}

/*
 * Decodes the base64 text four characters at a time straight into the two
 * buffers, so credentials of any length need no scratch space. Each group
 * must decode completely, and padding may only close the last one.
 */
static int decode_credentials(const char *b64, size_t len,
                              struct cred_sink *k) {
  size_t i;
  if (len == 0) return 0;
  for (i = 0; i < len; i += 4) {
    size_t group = len - i < 4 ? len - i : 4, digits = group, j;
    char out[4];
    if (memchr(b64 + i, '=', group) != NULL && i + group < len) return 0;
    if (mg_base64_decode((const unsigned char *) b64 + i, (int) group, out) !=
        (int) group) {
      return 0;
    }
    while (digits > 0 && b64[i + digits - 1] == '=') digits--;
    /* 4 digits carry 3 bytes, 3 carry 2, 2 carry 1. */
    for (j = 0; j < digits * 6 / 8; j++) {
      if (!sink_byte(k, out[j])) return 0;
    }
  }
  return k->in_pass;
}

/*
 * hdr is the Authorization value. The scheme name is case-insensitive
 * (RFC 9110 section 11.1); the credentials must be well-formed base64 with
 * a ':' in them, and both halves must fit with their NUL: otherwise user
 * and pass hold "" and the result is -1.
 */
int mg_parse_http_basic_auth(struct mg_str *hdr, char *user, size_t user_len,
                             char *pass, size_t pass_len) {
  struct cred_sink k;
  size_t i = 5;

  if (user == NULL || pass == NULL || user_len == 0 || pass_len == 0) {
    return -1;
  }
  user[0] = pass[0] = '\0';
  if (hdr == NULL || hdr->p == NULL || hdr->len < 6 ||
      mg_ncasecmp(hdr->p, "Basic", 5) != 0 || hdr->p[5] != ' ') {
    return -1;
  }
  while (i < hdr->len && hdr->p[i] == ' ') i++;

  memset(&k, 0, sizeof(k));
  k.user = user;
  k.pass = pass;
  k.user_len = user_len;
  k.pass_len = pass_len;
  if (!decode_credentials(hdr->p + i, hdr->len - i, &k)) {
    user[0] = pass[0] = '\0';
    return -1;
  }
  user[k.u] = '\0';
  pass[k.p] = '\0';
  return 0;
}

int mg_get_http_basic_auth(struct http_message *hm, char *user,
                           size_t user_len, char *pass, size_t pass_len) {
  struct mg_str *h = mg_get_http_header(hm, "Authorization");
  if (h == NULL) {
    if (user != NULL && user_len > 0) user[0] = '\0';
    if (pass != NULL && pass_len > 0) pass[0] = '\0';
    return -1;
  }
  return mg_parse_http_basic_auth(h, user, user_len, pass, pass_len);
}

/*
 * The ':' is written even for an empty password: RFC 7617 makes it part
 * of the credentials, and a server splitting at it would otherwise see no
 * password field at all. The whole line is reserved first, so that running
 * out of memory appends nothing rather than half a header.
 */
void mg_basic_auth_header(const struct mg_str user, const struct mg_str pass,
                          struct mbuf *buf) {
  static const char prefix[] = "Authorization: Basic ";
  struct cs_base64_ctx ctx;
  size_t plain = user.len + 1 + pass.len;
  size_t need = sizeof(prefix) - 1 + (plain + 2) / 3 * 4 + 2;

  if (buf->len + need > buf->size) mbuf_resize(buf, buf->len + need);
  if (buf->len + need > buf->size) return;
  mbuf_append(buf, prefix, sizeof(prefix) - 1);
  cs_base64_init(&ctx, mg_mbuf_append_base64_putc, buf);
  cs_base64_update(&ctx, user.p, user.len);
  cs_base64_update(&ctx, ":", 1);
  cs_base64_update(&ctx, pass.p, pass.len);
  cs_base64_finish(&ctx);
  mbuf_append(buf, "\r\n", 2);
}

void mg_http_send_basic_auth(struct mg_connection *nc, struct mg_str user,
                             struct mg_str pass) {
  struct mbuf hdr;
  mbuf_init(&hdr, 0);
  mg_basic_auth_header(user, pass, &hdr);
  mg_send(nc, hdr.buf, (int) hdr.len);
  mbuf_free(&hdr);
}
