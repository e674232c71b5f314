/*
 * multipart_parse.c - the multipart/form-data part parser (RFC 7578, RFC
 * 2046 5.1), and mg_parse_multipart over a body held whole. It knows
 * nothing of connections: the streaming driver (http_multipart.c) and the
 * fuzz target feed it bytes the same way.
 *
 * The parser never looks further back than the bytes not yet consumed and
 * keeps back only what could be the start of a delimiter ("\r\n--" and the
 * boundary), so a delimiter split across reads at any byte is found, and a
 * part of any size passes through a window of one read plus 73 bytes. A
 * part's header block is bounded by the caller's max_header.
 */
#include <stdlib.h>
#include <string.h>

#include "http_multipart.h"

#define MP_MAX_PADDING 64 /* blanks allowed after a delimiter, before CRLF */

/* ---- the part parser ------------------------------------------------------ */

int mg_mp_init(struct mg_mp_parser *p, struct mg_str boundary, size_t max_header) {
  memset(p, 0, sizeof(*p));
  if (boundary.len == 0 || boundary.len > MG_MP_BOUNDARY_MAX) return -1;
  memcpy(p->delim, "\r\n--", 4);
  memcpy(p->delim + 4, boundary.p, boundary.len);
  p->dlen = 4 + boundary.len;
  p->max_header = max_header;
  p->state = MP_FIRST;
  return 0;
}

static int is_tchar(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A Content-Disposition parameter into out (MG_MP_NAME_MAX bytes): 0, or -1
 * when it is too long, as a cut-off file name would be worse than none. A
 * parameter is never longer than the value holding it, so a short value
 * is parsed straight into out. */
static int disposition_param(struct mg_str value, const char *name, char *out) {
  char *tmp;
  int n;
  out[0] = '\0';
  if (value.len < MG_MP_NAME_MAX) {
    mg_http_parse_header(&value, name, out, MG_MP_NAME_MAX);
    return 0;
  }
  if ((tmp = (char *) malloc(value.len + 1)) == NULL) return -1;
  n = mg_http_parse_header(&value, name, tmp, value.len + 1);
  if (n >= MG_MP_NAME_MAX) {
    free(tmp);
    return -1;
  }
  memcpy(out, tmp, (size_t) n + 1);
  free(tmp);
  return 0;
}

/* The header lines of a part, s[0..n) with every line ending in CRLF: a
 * token name, ':', a value without control characters (no obs-fold). */
static int parse_part_headers(struct mg_mp_parser *p, const char *s, size_t n) {
  size_t i = 0;
  int seen_cd = 0;
  p->var_name[0] = p->file_name[0] = '\0';
  while (i < n) {
    const char *eol = (const char *) memmem(s + i, n - i, "\r\n", 2);
    size_t end = (size_t) (eol - s), k = i, colon;
    struct mg_str name, value;
    while (k < end && is_tchar((unsigned char) s[k])) k++;
    if (k == i || k == end || s[k] != ':') return -1;
    colon = k;
    for (k = colon + 1; k < end; k++) {
      unsigned char c = (unsigned char) s[k];
      if ((c < 0x20 && c != '\t') || c == 0x7f) return -1;
    }
    name = mg_mk_str_n(s + i, colon - i);
    value = mg_strstrip(mg_mk_str_n(s + colon + 1, end - colon - 1));
    if (!seen_cd && mg_vcasecmp(&name, "Content-Disposition") == 0) {
      seen_cd = 1;
      if (disposition_param(value, "name", p->var_name) != 0 ||
          disposition_param(value, "filename", p->file_name) != 0) {
        return -1;
      }
    }
    i = end + 2;
  }
  return 0;
}

/* How many bytes at the end of buf[0..n) could begin a delimiter. Only a
 * CR can start one, and the earliest CR that does gives the longest tail,
 * which is the one kept. */
static size_t keep_back(const struct mg_mp_parser *p, const char *buf, size_t n) {
  size_t k = n < p->dlen - 1 ? n : p->dlen - 1;
  const char *at = buf + n - k, *end = buf + n;
  if (k == 0) return 0;
  while ((at = (const char *) memchr(at, '\r', (size_t) (end - at))) != NULL) {
    if (memcmp(at, p->delim, (size_t) (end - at)) == 0) return (size_t) (end - at);
    at++;
  }
  return 0;
}

static size_t step_error(struct mg_mp_parser *p, enum mg_mp_what *what) {
  p->state = MP_ERROR;
  *what = MPW_ERROR;
  return 0;
}

size_t mg_mp_step(struct mg_mp_parser *p, const char *buf, size_t n, int complete,
                  enum mg_mp_what *what, size_t *data_len) {
  const char *d;
  size_t w;
  *what = MPW_NONE;
  *data_len = 0;
  switch (p->state) {
    case MP_FIRST: /* the first delimiter may open the body without its CRLF */
      if (n < p->dlen - 2) {
        if (!complete && memcmp(buf, p->delim + 2, n) == 0) {
          *what = MPW_NEED;
          return 0;
        }
        p->state = MP_PREAMBLE;
        return 0;
      }
      if (memcmp(buf, p->delim + 2, p->dlen - 2) == 0) {
        p->state = MP_AFTER_DELIM;
        return p->dlen - 2;
      }
      p->state = MP_PREAMBLE;
      return 0;
    case MP_PREAMBLE:
      if ((d = (const char *) memmem(buf, n, p->delim, p->dlen)) != NULL) {
        p->state = MP_AFTER_DELIM;
        return (size_t) (d - buf) + p->dlen;
      }
      if (complete) return step_error(p, what);
      *what = MPW_NEED;
      return n - keep_back(p, buf, n);
    case MP_AFTER_DELIM:
      if (n >= 1 && buf[0] == '-') {
        if (n < 2) {
          if (complete) return step_error(p, what);
          *what = MPW_NEED;
          return 0;
        }
        if (buf[1] != '-') return step_error(p, what);
        p->state = MP_EPILOGUE;
        return 2;
      }
      /* One blank past the allowance is enough to refuse the padding. */
      for (w = 0; w < n && w <= MP_MAX_PADDING && (buf[w] == ' ' || buf[w] == '\t');
           w++) {
      }
      if (w > MP_MAX_PADDING) return step_error(p, what);
      if (n < w + 2) {
        if (complete || (n > w && buf[w] != '\r')) return step_error(p, what);
        *what = MPW_NEED;
        return 0;
      }
      if (buf[w] != '\r' || buf[w + 1] != '\n') return step_error(p, what);
      p->state = MP_HEADERS;
      return w + 2;
    case MP_HEADERS:
      if (n >= 2 && buf[0] == '\r' && buf[1] == '\n') { /* no header at all */
        p->var_name[0] = p->file_name[0] = '\0';
        p->state = MP_DATA;
        p->part_open = 1;
        *what = MPW_BEGIN;
        return 2;
      }
      w = n < p->max_header + 4 ? n : p->max_header + 4;
      if ((d = (const char *) memmem(buf, w, "\r\n\r\n", 4)) == NULL) {
        if (complete || n >= p->max_header + 4) return step_error(p, what);
        *what = MPW_NEED;
        return 0;
      }
      if (parse_part_headers(p, buf, (size_t) (d - buf) + 2) != 0) {
        return step_error(p, what);
      }
      p->state = MP_DATA;
      p->part_open = 1;
      *what = MPW_BEGIN;
      return (size_t) (d - buf) + 4;
    case MP_DATA:
      if ((d = (const char *) memmem(buf, n, p->delim, p->dlen)) != NULL) {
        if (d > buf) {
          *what = MPW_DATA;
          *data_len = (size_t) (d - buf);
          return 0;
        }
        p->state = MP_AFTER_DELIM;
        p->part_open = 0;
        *what = MPW_END;
        return p->dlen;
      }
      /* A body that ends without a delimiter still hands its data over
       * first: the error comes at the next step. */
      if (complete && n == 0) return step_error(p, what);
      *data_len = complete ? n : n - keep_back(p, buf, n);
      *what = *data_len > 0 ? MPW_DATA : MPW_NEED;
      return 0;
    case MP_EPILOGUE:
      *what = complete ? MPW_DONE : MPW_NEED;
      return n;
    case MP_ERROR:
      break;
  }
  *what = MPW_ERROR;
  return 0;
}

/* ---- a body held whole ---------------------------------------------------- */

static void copy_name(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  if (dst == NULL || cap == 0) return;
  if (n >= cap) n = 0; /* "" rather than a cut-off name */
  memcpy(dst, src, n);
  dst[n] = '\0';
}

size_t mg_parse_multipart(const char *buf, size_t buf_len, char *var_name,
                          size_t var_name_len, char *file_name,
                          size_t file_name_len, const char **chunk,
                          size_t *chunk_len) {
  struct mg_mp_parser *p;
  const char *eol;
  size_t off, b, data_off = 0, data_len = 0, result = 0;
  copy_name(var_name, var_name_len, "");
  copy_name(file_name, file_name_len, "");
  if (chunk != NULL) *chunk = NULL;
  if (chunk_len != NULL) *chunk_len = 0;
  /* The boundary is what the first line holds after its "--". */
  if (buf == NULL || buf_len < 4 || buf[0] != '-' || buf[1] != '-' ||
      (eol = (const char *) memmem(buf, buf_len, "\r\n", 2)) == NULL) {
    return 0;
  }
  for (b = (size_t) (eol - buf); b > 2 && (buf[b - 1] == ' ' || buf[b - 1] == '\t'); b--) {
  }
  /* "--boundary--" closes the body. A boundary that itself ends in "--"
   * cannot be told from it here; the streaming parser knows its boundary. */
  if (b >= 4 && buf[b - 1] == '-' && buf[b - 2] == '-') return 0;
  if ((p = (struct mg_mp_parser *) malloc(sizeof(*p))) == NULL) return 0;
  if (mg_mp_init(p, mg_mk_str_n(buf + 2, b - 2), buf_len) != 0) {
    free(p);
    return 0;
  }
  for (off = 0;;) {
    enum mg_mp_what what;
    size_t len, used = mg_mp_step(p, buf + off, buf_len - off, 1, &what, &len);
    if (what == MPW_END) {
      result = off + 2; /* the next part's "--boundary" line */
      break;
    }
    off += used;
    if (what == MPW_BEGIN) {
      copy_name(var_name, var_name_len, p->var_name);
      copy_name(file_name, file_name_len, p->file_name);
      data_off = off;
    } else if (what == MPW_DATA) {
      data_len += len;
      off += len;
    } else if (what != MPW_NONE) {
      break;
    }
  }
  free(p);
  if (result == 0) {
    copy_name(var_name, var_name_len, "");
    copy_name(file_name, file_name_len, "");
    return 0;
  }
  if (chunk != NULL) *chunk = buf + data_off;
  if (chunk_len != NULL) *chunk_len = data_len;
  return result;
}
