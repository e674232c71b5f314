/*
 * scn_lex.c - one scenario line into tokens: bare words, "strings" with C
 * escapes, connection references (#3), and times (@1.5s, +200ms, +10us).
 *
 * Every step looks at each byte of the line a bounded number of times and
 * a string's buffer is sized by that string alone, so a line costs time and
 * memory in proportion to its length, however many tokens it holds.
 */
#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

/* "1.5s" -> 1500000: decimal digits, an optional fraction, a unit (us, ms,
 * s). Parsed by hand rather than by strtod, which would also take signs,
 * hex, exponents, "inf" and "nan". Rounded to the nearest microsecond. */
int scn_parse_duration(const char *s, int64_t *us) {
  const char *p = s, *frac = "";
  uint64_t whole = 0, scale, v;
  size_t nfrac = 0, i;
  int exp;
  if (!isdigit((unsigned char) *p)) return -1;
  for (; isdigit((unsigned char) *p); p++) {
    whole = whole * 10 + (uint64_t) (*p - '0');
    if (whole > SCN_MAX_US) return -1; /* also keeps the next step in range */
  }
  if (*p == '.') {
    frac = ++p;
    while (isdigit((unsigned char) *p)) p++;
    nfrac = (size_t) (p - frac);
    if (nfrac == 0) return -1;
  }
  if (strcmp(p, "us") == 0) {
    exp = 0;
  } else if (strcmp(p, "ms") == 0) {
    exp = 3;
  } else if (strcmp(p, "s") == 0) {
    exp = 6;
  } else {
    return -1;
  }
  for (scale = 1, i = 0; i < (size_t) exp; i++) scale *= 10;
  if (whole > SCN_MAX_US / scale) return -1;
  v = whole * scale;
  for (i = 0; i < (size_t) exp; i++) {
    scale /= 10;
    if (i < nfrac) v += (uint64_t) (frac[i] - '0') * scale;
  }
  if ((size_t) exp < nfrac && frac[exp] >= '5') v++;
  if (v > SCN_MAX_US) return -1;
  *us = (int64_t) v;
  return 0;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Unescapes a quoted string starting after the opening quote. */
static int lex_string(const char **pp, struct tok *t, char *err, size_t errlen) {
  const char *p = *pp, *close;
  char *out;
  size_t o = 0;
  /* Its closing quote first: the string's own raw length bounds what it
   * unescapes to. */
  for (close = p; *close != '"'; close++) {
    if (*close == '\0' || *close == '\n') {
      snprintf(err, errlen, "unterminated string");
      return -1;
    }
    if (*close == '\\') {
      if (close[1] == '\0' || close[1] == '\n') {
        snprintf(err, errlen, "the string ends inside an escape ('\\' at the end of the line)");
        return -1;
      }
      close++;
    }
  }
  if ((out = (char *) malloc((size_t) (close - p) + 1)) == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  while (p < close) {
    char c = *p++;
    if (c == '\\') {
      int h1, h2;
      c = *p++;
      switch (c) {
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case '0': c = '\0'; break;
        case '\\': case '"': break;
        case 'x':
          /* The closing quote is no hex digit: this stops there. */
          h1 = hexval(p[0]);
          h2 = h1 >= 0 ? hexval(p[1]) : -1;
          if (h2 < 0) {
            free(out);
            snprintf(err, errlen, "bad \\x escape (two hex digits expected)");
            return -1;
          }
          c = (char) (h1 * 16 + h2);
          p += 2;
          break;
        default:
          free(out);
          if (isprint((unsigned char) c)) {
            snprintf(err, errlen, "unknown escape \\%c", c);
          } else {
            snprintf(err, errlen, "unknown escape: '\\' and byte 0x%02x",
                     (unsigned) (unsigned char) c);
          }
          return -1;
      }
    }
    out[o++] = c;
  }
  out[o] = '\0';
  t->type = T_STR;
  t->len = o;
  t->s = out; /* ownership moves to the token */
  *pp = close + 1;
  return 0;
}

/* A line's first token may be a time, and nothing else starts with '@' or
 * '+' there; elsewhere a flag is "+NAME", so only '+' and a digit is a
 * time. */
static int lex_word(const char **pp, int first, struct tok *t, char *err,
                    size_t errlen) {
  const char *p = *pp, *start = p;
  size_t n;
  while (*p != '\0' && !isspace((unsigned char) *p) && *p != '"') p++;
  n = (size_t) (p - start);
  assert(n > 0); /* the caller stops at white space, quotes and the end */
  if ((t->s = (char *) malloc(n + 1)) == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  memcpy(t->s, start, n);
  t->s[n] = '\0';
  t->len = n;
  t->type = T_WORD;
  if (start[0] == '#' && n > 1) {
    char *end;
    long long id = strtoll(start + 1, &end, 10);
    if (end != p || id <= 0 || id > 1000000) {
      snprintf(err, errlen, "bad connection reference '%s'", t->s);
      return -1;
    }
    t->type = T_CONN;
    t->n = id;
  } else if ((start[0] == '@' || start[0] == '+') &&
             (first || (n > 1 && isdigit((unsigned char) start[1])))) {
    if (scn_parse_duration(t->s + 1, &t->us) != 0) {
      snprintf(err, errlen, "bad time '%s' (like @1s, +200ms, +1.5ms, +10us)", t->s);
      return -1;
    }
    t->type = start[0] == '@' ? T_TIME_ABS : T_TIME_REL;
  }
  *pp = p;
  return 0;
}

void scn_free_toks(struct tok *toks, int n) {
  int i;
  for (i = 0; i < n; i++) free(toks[i].s);
  free(toks);
}

int scn_lex_line(const char *line, struct tok **out, int *nout, char *err,
                 size_t errlen) {
  struct tok *toks = NULL;
  int n = 0, cap = 0;
  const char *p = line;
  for (;;) {
    struct tok t;
    /* Any white space separates tokens (a form feed once made an empty
     * token that never advanced). */
    while (*p != '\0' && *p != '\n' && isspace((unsigned char) *p)) p++;
    if (*p == '\0' || *p == '\n' || (*p == '#' && !isdigit((unsigned char) p[1]))) {
      break; /* end of line, or a comment */
    }
    memset(&t, 0, sizeof(t));
    if (n == cap) {
      struct tok *m;
      if (cap > INT_MAX / 2) {
        snprintf(err, errlen, "more than %d tokens on one line", INT_MAX / 2);
        scn_free_toks(toks, n);
        return -1;
      }
      cap = cap ? cap * 2 : 8;
      if ((m = (struct tok *) realloc(toks, (size_t) cap * sizeof(*m))) == NULL) {
        snprintf(err, errlen, "out of memory");
        scn_free_toks(toks, n);
        return -1;
      }
      toks = m;
    }
    if (*p == '"') {
      p++;
      if (lex_string(&p, &t, err, errlen) != 0) {
        scn_free_toks(toks, n);
        return -1;
      }
    } else if (lex_word(&p, n == 0, &t, err, errlen) != 0) {
      free(t.s);
      scn_free_toks(toks, n);
      return -1;
    }
    toks[n++] = t;
  }
  if (n > 0 && n < cap) { /* a long line's doubling need not outlive it */
    struct tok *m = (struct tok *) realloc(toks, (size_t) n * sizeof(*m));
    if (m != NULL) toks = m;
  }
  *out = toks;
  *nout = n;
  return 0;
}
