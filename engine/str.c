/*
 * str.c - struct mg_str: borrowed, length-delimited strings.
 *
 * An mg_str may contain NUL bytes and its pointer may be NULL when its
 * length is 0, so nothing here hands one to a str* function, nor a NULL
 * pointer to a mem* function (even with a zero length, that is undefined).
 *
 * Case folding is plain ASCII on purpose: protocol tokens (header names,
 * methods, schemes) are ASCII, and the C library's tolower() depends on the
 * process locale.
 */
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

static int ascii_lower(int c) {
  return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int ascii_space(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

/*
 * The one comparison everything else is built on: bytes as unsigned char,
 * optionally case-folded, and on a common prefix the shorter string sorts
 * first, exactly as strcmp would order them.
 */
static int compare(const char *a, size_t alen, const char *b, size_t blen,
                   int fold) {
  size_t n = alen < blen ? alen : blen;
  if (n > 0 && !fold) {
    /* memcmp orders by the first differing byte as unsigned char too. */
    int r = memcmp(a, b, n);
    if (r != 0) return r < 0 ? -1 : 1;
  } else if (n > 0) {
    const unsigned char *pa = (const unsigned char *) a, *end = pa + n;
    const unsigned char *pb = (const unsigned char *) b;
    for (; pa < end; pa++, pb++) {
      /* Equal bytes are equal either way: fold only where they differ. */
      if (*pa != *pb) {
        int ca = ascii_lower(*pa), cb = ascii_lower(*pb);
        if (ca != cb) return ca < cb ? -1 : 1;
      }
    }
  }
  if (alen == blen) return 0;
  return alen < blen ? -1 : 1;
}

struct mg_str mg_mk_str(const char *s) {
  struct mg_str r;
  r.p = s;
  r.len = s == NULL ? 0 : strlen(s);
  return r;
}

struct mg_str mg_mk_str_n(const char *s, size_t len) {
  struct mg_str r;
  r.p = s;
  r.len = len;
  return r;
}

int mg_vcmp(const struct mg_str *str1, const char *str2) {
  return compare(str1->p, str1->len, str2, strlen(str2), 0);
}

int mg_vcasecmp(const struct mg_str *str1, const char *str2) {
  return compare(str1->p, str1->len, str2, strlen(str2), 1);
}

int mg_strcmp(const struct mg_str str1, const struct mg_str str2) {
  return compare(str1.p, str1.len, str2.p, str2.len, 0);
}

/* Like strncmp: only the first n bytes of each side take part. */
int mg_strncmp(const struct mg_str str1, const struct mg_str str2, size_t n) {
  size_t l1 = str1.len < n ? str1.len : n;
  size_t l2 = str2.len < n ? str2.len : n;
  return compare(str1.p, l1, str2.p, l2, 0);
}

int mg_strcasecmp(const struct mg_str str1, const struct mg_str str2) {
  return compare(str1.p, str1.len, str2.p, str2.len, 1);
}

int mg_str_starts_with(struct mg_str s, struct mg_str prefix) {
  if (prefix.len > s.len) return 0;
  return compare(s.p, prefix.len, prefix.p, prefix.len, 0) == 0;
}

/* As with strstr, an empty needle is found at the very start. */
const char *mg_strstr(const struct mg_str haystack,
                      const struct mg_str needle) {
  const char *p, *last;
  if (needle.len > haystack.len) return NULL;
  if (needle.len == 0) return haystack.p;
  /* Candidates are where the first byte of the needle occurs, up to the
   * last place the whole needle still fits. */
  p = haystack.p;
  last = haystack.p + (haystack.len - needle.len);
  while ((p = (const char *) memchr(p, (unsigned char) needle.p[0],
                                    (size_t) (last - p) + 1)) != NULL) {
    if (memcmp(p, needle.p, needle.len) == 0) return p;
    if (p == last) break;
    p++;
  }
  return NULL;
}

const char *mg_strchr(const struct mg_str s, int c) {
  if (s.len == 0) return NULL;
  return (const char *) memchr(s.p, (unsigned char) c, s.len);
}

/*
 * An empty source yields {NULL, 0} without allocating, for both variants:
 * there is nothing to own, and mg_strfree() accepts the result either way.
 */
static struct mg_str duplicate(const struct mg_str s, size_t extra) {
  struct mg_str r = MG_NULL_STR;
  char *copy;
  if (s.p == NULL || s.len == 0 || s.len > (size_t) -1 - extra) return r;
  copy = (char *) malloc(s.len + extra);
  if (copy == NULL) return r;
  memcpy(copy, s.p, s.len);
  if (extra > 0) copy[s.len] = '\0';
  r.p = copy;
  r.len = s.len;
  return r;
}

struct mg_str mg_strdup(const struct mg_str s) {
  return duplicate(s, 0);
}

struct mg_str mg_strdup_nul(const struct mg_str s) {
  return duplicate(s, 1);
}

void mg_strfree(struct mg_str *s) {
  /* The pointer is const only because mg_str usually borrows; the strings
   * handed to this function were allocated by mg_strdup*. */
  free((void *) s->p);
  s->p = NULL;
  s->len = 0;
}

struct mg_str mg_strstrip(struct mg_str s) {
  while (s.len > 0 && ascii_space((unsigned char) s.p[0])) {
    s.p++;
    s.len--;
  }
  while (s.len > 0 && ascii_space((unsigned char) s.p[s.len - 1])) s.len--;
  return s;
}

/* C strings: stop at the first difference, at a NUL, or after len bytes. */
int mg_ncasecmp(const char *s1, const char *s2, size_t len) {
  size_t i;
  for (i = 0; i < len; i++) {
    int c1 = ascii_lower((unsigned char) s1[i]);
    int c2 = ascii_lower((unsigned char) s2[i]);
    if (c1 != c2) return c1 - c2;
    if (c1 == '\0') break;
  }
  return 0;
}

int mg_casecmp(const char *s1, const char *s2) {
  return mg_ncasecmp(s1, s2, (size_t) -1);
}

/* Under Mongoose 6's names. strnlen is not C11, hence the loop. */
size_t c_strnlen(const char *s, size_t maxlen) {
  size_t n = 0;
  while (n < maxlen && s[n] != '\0') n++;
  return n;
}

const char *c_strnstr(const char *s, const char *find, size_t slen) {
  return mg_strstr(mg_mk_str_n(s, slen), mg_mk_str(find));
}

/* ---- comma-separated lists --------------------------------------------- */

struct mg_str mg_next_comma_list_entry_n(struct mg_str list, struct mg_str *val,
                                         struct mg_str *eq_val) {
  struct mg_str entry, rest;
  const char *comma, *eq;
  if (list.p == NULL || list.len == 0) return mg_mk_str_n(NULL, 0);
  comma = mg_strchr(list, ',');
  entry = mg_mk_str_n(list.p,
                      comma != NULL ? (size_t) (comma - list.p) : list.len);
  /* After the last entry the rest is empty but keeps a pointer, so that
   * the caller's loop runs once more for that entry and stops on the next
   * call. */
  rest = comma != NULL ? mg_mk_str_n(comma + 1, list.len - entry.len - 1)
                       : mg_mk_str_n(list.p + list.len, 0);
  if (eq_val != NULL) {
    eq = mg_strchr(entry, '=');
    if (eq != NULL) {
      *eq_val = mg_mk_str_n(eq + 1, entry.len - (size_t) (eq - entry.p) - 1);
      entry.len = (size_t) (eq - entry.p);
    } else {
      *eq_val = mg_mk_str_n(entry.p + entry.len, 0);
    }
  }
  if (val != NULL) *val = entry;
  return rest;
}

const char *mg_next_comma_list_entry(const char *list, struct mg_str *val,
                                     struct mg_str *eq_val) {
  return mg_next_comma_list_entry_n(mg_mk_str(list), val, eq_val).p;
}
