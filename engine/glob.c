/*
 * glob.c - the one glob matcher of the engine, behind HTTP endpoints,
 * hidden_file_pattern and Mongoose 6's mg_match_prefix.
 *
 * A pattern matches a prefix of a string: '*' stands for any run of bytes
 * but '/', '**' for any run at all, '?' for one byte, '$' (last in an
 * alternative) for the end of the string, and '|' separates alternatives;
 * every other byte stands for itself. The callers differ only in details
 * (case, ',' as a separator too, whole-string matches), which are flags
 * here rather than copies of the matcher.
 */
#include <limits.h>
#include <string.h>

#include "internal.h"

static int fold(int c) {
  return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int same_byte(char a, char b, unsigned flags) {
  if (flags & MG_GLOB_NOCASE) {
    return fold((unsigned char) a) == fold((unsigned char) b);
  }
  return a == b;
}

/* One alternative p[0..pn) against a prefix of s[0..sn): the bytes of s it
 * takes, or -1. A star tries its longest run first and gives bytes back
 * until the rest of the pattern matches; patterns come from the program and
 * hold few stars, so the backtracking stays small. */
static long match_alt(const char *p, size_t pn, const char *s, size_t sn,
                      unsigned flags) {
  size_t i = 0, j = 0;
  while (i < pn) {
    if (p[i] == '*') {
      int any = i + 1 < pn && p[i + 1] == '*';
      size_t rest = i + (any ? 2 : 1), k = j;
      while (k < sn && (any || s[k] != '/')) k++;
      for (;;) {
        long r = match_alt(p + rest, pn - rest, s + k, sn - k, flags);
        if (r >= 0) return (long) k + r;
        if (k == j) return -1;
        k--;
      }
    }
    if (p[i] == '$' && i + 1 == pn) return j == sn ? (long) j : -1;
    if (j >= sn || (p[i] != '?' && !same_byte(p[i], s[j], flags))) return -1;
    i++;
    j++;
  }
  /* A whole-string match is a prefix match that had to reach the end; the
   * stars' backtracking above then looks for exactly that. */
  return (flags & MG_GLOB_WHOLE) && j != sn ? -1 : (long) j;
}

static size_t alt_len(const char *p, size_t n, unsigned flags) {
  size_t i;
  for (i = 0; i < n; i++) {
    if (p[i] == '|' || (p[i] == ',' && (flags & MG_GLOB_COMMA))) break;
  }
  return i;
}

long mg_glob_match(const char *pattern, size_t plen, const char *s, size_t slen,
                   unsigned flags) {
  long best = -1;
  /* An mg_str may be {NULL, 0}; "" keeps pointer arithmetic defined. */
  if (pattern == NULL) {
    pattern = "";
    plen = 0;
  }
  if (s == NULL) {
    s = "";
    slen = 0;
  }
  /* Every alternative is tried: the longest match counts, so the order in
   * which a program lists them does not change the result. */
  for (;;) {
    size_t n = alt_len(pattern, plen, flags);
    long m = match_alt(pattern, n, s, slen, flags);
    if (m > best) best = m;
    if (n == plen) return best;
    pattern += n + 1;
    plen -= n + 1;
  }
}

/* Mongoose 6 matched these case-insensitively and split alternatives at
 * ',' as well as '|'. */
#define MG6_FLAGS (MG_GLOB_NOCASE | MG_GLOB_COMMA)

size_t mg_match_prefix_n(const struct mg_str pattern, const struct mg_str str) {
  long m = mg_glob_match(pattern.p, pattern.len, str.p, str.len, MG6_FLAGS);
  return m < 0 ? 0 : (size_t) m;
}

int mg_match_prefix(const char *pattern, int pattern_len, const char *str) {
  long m;
  if (pattern_len < 0) return -1;
  m = mg_glob_match(pattern, (size_t) pattern_len, str,
                    str != NULL ? strlen(str) : 0, MG6_FLAGS);
  return m > INT_MAX ? INT_MAX : (int) m;
}
