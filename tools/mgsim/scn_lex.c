/*
 * scn_lex.c - one scenario line into tokens: bare words, "strings" with C
 * escapes, connection references (#3), and times (@1.5s, +200ms, +10us).
 */
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

/* "1.5s" -> 1500000. Returns 0 on success. Units are required. */
int scn_parse_duration(const char *s, int64_t *us) {
  char *end;
  double v, scale;
  if (!isdigit((unsigned char) s[0])) return -1;
  v = strtod(s, &end);
  if (strcmp(end, "us") == 0) {
    scale = 1;
  } else if (strcmp(end, "ms") == 0) {
    scale = 1e3;
  } else if (strcmp(end, "s") == 0) {
    scale = 1e6;
  } else {
    return -1;
  }
  v *= scale;
  if (v < 0 || v > 9e15 || v != v) return -1;
  *us = (int64_t) (v + 0.5);
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
  const char *p = *pp;
  /* Unescaping only shrinks: the rest of the line is enough, in one go. */
  char *out = (char *) malloc(strcspn(p, "\n") + 1);
  size_t o = 0;
  if (out == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (;;) {
    char c = *p++;
    if (c == '\0' || c == '\n') {
      free(out);
      snprintf(err, errlen, "unterminated string");
      return -1;
    }
    if (c == '"') break;
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
          snprintf(err, errlen, "unknown escape \\%c", c ? c : '0');
          return -1;
      }
    }
    out[o++] = c;
  }
  out[o] = '\0';
  t->type = T_STR;
  t->len = o;
  t->s = out; /* ownership moves to the token */
  *pp = p;
  return 0;
}

static int lex_word(const char **pp, struct tok *t, char *err, size_t errlen) {
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
  } else if ((start[0] == '@' || start[0] == '+') && n > 1 &&
             isdigit((unsigned char) start[1])) {
    if (scn_parse_duration(t->s + 1, &t->us) != 0) {
      snprintf(err, errlen, "bad time '%s' (like @1s, +200ms, +10us)", t->s);
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
    } else if (lex_word(&p, &t, err, errlen) != 0) {
      free(t.s);
      scn_free_toks(toks, n);
      return -1;
    }
    toks[n++] = t;
  }
  *out = toks;
  *nout = n;
  return 0;
}
