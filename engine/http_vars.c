/*
 * http_vars.c - reading what a parsed message carries: headers, form and
 * query variables, header parameters and Basic credentials.
 *
 * Everything here works on borrowed bytes and copies only into the buffers
 * the caller passes, always NUL-terminated and never past their size. When
 * a value does not fit, the buffer is left holding "" rather than a cut-off
 * value, because a truncated name or password is worse than none.
 */
#include <limits.h>
#include <string.h>

#include "mongoose.h"

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

static int is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

/* Whether every '%' in v starts a complete escape. mg_url_decode reports a
 * bad escape and a short buffer the same way; checking first tells the two
 * apart, so a caller is never told to retry with a bigger buffer in vain. */
static int escapes_ok(const char *v, size_t len) {
  size_t i;
  for (i = 0; i < len; i++) {
    if (v[i] != '%') continue;
    if (len - i < 3 || !is_hex(v[i + 1]) || !is_hex(v[i + 2])) return 0;
    i += 2;
  }
  return 1;
}

/*
 * buf is "a=1&b=2": pairs split at '&', a name without '=' having an empty
 * value. Names are compared as they appear, undecoded and case-sensitive.
 * A malformed escape in the value counts as a bad argument (-3).
 */
int mg_get_http_var(const struct mg_str *buf, const char *name, char *dst,
                    size_t dst_len) {
  size_t name_len, pos = 0;
  if (dst == NULL || dst_len == 0) return -3;
  dst[0] = '\0';
  if (buf == NULL || name == NULL || (buf->p == NULL && buf->len > 0)) {
    return -3;
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
      int r;
      if (!escapes_ok(v, v_len)) return -3;
      if (v_len > INT_MAX) return -2; /* the length would not fit an int */
      r = mg_url_decode(v, (int) v_len, dst,
                        dst_len > INT_MAX ? INT_MAX : (int) dst_len, 1);
      if (r < 0) {
        dst[0] = '\0';
        return -2; /* the escapes were fine, so only the room was short */
      }
      return r;
    }
  }
  return -1;
}

/* ---- header parameters ------------------------------------------------ */

/* Separators between parameters: "a=1, b=2" and "x; y=1" alike. */
static int is_param_sep(char c) {
  return c == ' ' || c == '\t' || c == ',' || c == ';';
}

static int is_ws(char c) {
  return c == ' ' || c == '\t';
}

/*
 * Copies a parameter value starting at p[0] into buf: a quoted-string
 * (backslash escapes the next byte) or a bare token up to a separator.
 * Returns its length, or 0 if it does not fit or an opening quote is never
 * closed; buf holds "" then.
 */
static int copy_value(const char *p, size_t len, char *buf, size_t buf_size) {
  size_t i = 0, out = 0;
  int quoted = len > 0 && p[0] == '"';
  if (quoted) i++;
  for (; i < len; i++) {
    char c = p[i];
    if (quoted && c == '"') break;
    if (!quoted && is_param_sep(c)) break;
    if (quoted && c == '\\') {
      if (++i == len) break; /* a dangling backslash: unterminated */
      c = p[i];
    }
    if (out + 1 >= buf_size || out >= INT_MAX) {
      buf[0] = '\0';
      return 0;
    }
    buf[out++] = c;
  }
  if (quoted && i == len) {
    buf[0] = '\0';
    return 0;
  }
  buf[out] = '\0';
  return (int) out;
}

/*
 * Finds var_name=value among the words of a header value such as
 * 'Digest realm="x", nonce="y", qop=auth' or 'attachment; filename="a b"'.
 * Words without '=' (the scheme, "attachment") are skipped, as are the
 * values of other parameters, quoted ones included, so that a quoted
 * 'x, name=evil' is never read as a parameter of its own.
 */
int mg_http_parse_header(struct mg_str *hdr, const char *var_name, char *buf,
                         size_t buf_size) {
  size_t i = 0, name_len;
  if (buf == NULL || buf_size == 0) return 0;
  buf[0] = '\0';
  if (hdr == NULL || hdr->p == NULL || var_name == NULL) return 0;
  name_len = strlen(var_name);

  while (i < hdr->len) {
    const char *p = hdr->p;
    size_t start, end;
    while (i < hdr->len && is_param_sep(p[i])) i++;
    start = i;
    while (i < hdr->len && !is_param_sep(p[i]) && p[i] != '=') i++;
    end = i;
    while (i < hdr->len && is_ws(p[i])) i++;
    if (i == hdr->len || p[i] != '=') continue; /* a bare word */
    i++;
    while (i < hdr->len && is_ws(p[i])) i++;

    if (end > start && end - start == name_len &&
        memcmp(p + start, var_name, name_len) == 0) {
      return copy_value(p + i, hdr->len - i, buf, buf_size);
    }
    /* Skip the other parameter's value. */
    if (i < hdr->len && p[i] == '"') {
      for (i++; i < hdr->len && p[i] != '"'; i++) {
        if (p[i] == '\\') i++;
      }
      i++; /* the closing quote (or past the end) */
    } else {
      while (i < hdr->len && !is_param_sep(p[i])) i++;
    }
  }
  return 0;
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

int mg_get_http_basic_auth(struct http_message *hm, char *user,
                           size_t user_len, char *pass, size_t pass_len) {
  struct mg_str *h;
  struct cred_sink k;
  size_t i = 5;

  if (user == NULL || pass == NULL || user_len == 0 || pass_len == 0) {
    return -1;
  }
  user[0] = pass[0] = '\0';
  h = mg_get_http_header(hm, "Authorization");
  /* The scheme name is case-insensitive (RFC 9110 section 11.1). */
  if (h == NULL || h->len < 6 || mg_ncasecmp(h->p, "Basic", 5) != 0 ||
      h->p[5] != ' ') {
    return -1;
  }
  while (i < h->len && h->p[i] == ' ') i++;

  memset(&k, 0, sizeof(k));
  k.user = user;
  k.pass = pass;
  k.user_len = user_len;
  k.pass_len = pass_len;
  if (!decode_credentials(h->p + i, h->len - i, &k)) {
    user[0] = pass[0] = '\0';
    return -1;
  }
  user[k.u] = '\0';
  pass[k.p] = '\0';
  return 0;
}
