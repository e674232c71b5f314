/*
 * test_regex.c - the scenario runner's regular expressions (scn_regex.c):
 * each construct and each limit by hand, then thousands of random small
 * patterns and subjects against glibc's regexec, which the matcher must
 * agree with on whether, where and how long the leftmost-longest match is.
 */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "scn_regex.h"

/* Compiles pat (with its NULs, if len says so) and searches subj (same);
 * returns 0 for no match, else 1 and *so, *eo. Also checks that a search
 * that wants no offsets agrees on whether there is a match. */
static int search_n(const char *pat, size_t plen, const char *subj, size_t slen,
                    size_t *so, size_t *eo) {
  struct scn_re *re;
  char err[256];
  int rc, any;
  enum scn_re_status st = scn_re_compile(&re, pat, plen, err, sizeof(err));
  if (st != SCN_RE_OK) fail_msg("\"%s\" refused: %s", pat, err);
  rc = scn_re_search(re, subj, slen, so, eo);
  any = scn_re_search(re, subj, slen, NULL, NULL);
  assert_int_equal(rc, any);
  scn_re_free(re);
  return rc;
}

/* pat on subj matches at [so, eo); so == -1: does not match. */
static void check(const char *pat, const char *subj, int so, int eo) {
  size_t s = 99, e = 99;
  int rc = search_n(pat, strlen(pat), subj, strlen(subj), &s, &e);
  if (so < 0) {
    if (rc) fail_msg("\"%s\" on \"%s\": matched [%zu,%zu), wanted none", pat, subj, s, e);
    return;
  }
  if (!rc) fail_msg("\"%s\" on \"%s\": no match, wanted [%d,%d)", pat, subj, so, eo);
  if (s != (size_t) so || e != (size_t) eo) {
    fail_msg("\"%s\" on \"%s\": [%zu,%zu), wanted [%d,%d)", pat, subj, s, e, so, eo);
  }
}

/* pat (len bytes) is refused with status st and a reason containing why. */
static void refuse_n(const char *pat, size_t len, enum scn_re_status st, const char *why) {
  struct scn_re *re = (struct scn_re *) &re;
  char err[256];
  enum scn_re_status got = scn_re_compile(&re, pat, len, err, sizeof(err));
  if (got != st || strstr(err, why) == NULL) {
    fail_msg("\"%.60s\": status %d \"%s\", wanted %d \"%s\"", pat, (int) got, err, (int) st, why);
  }
  assert_null(re);
}

static void refuse(const char *pat, enum scn_re_status st, const char *why) {
  refuse_n(pat, strlen(pat), st, why);
}

/* s repeated n times, then tail; the caller frees it. */
static char *repeated(const char *s, int n, const char *tail) {
  size_t l = strlen(s), t = strlen(tail);
  char *out = (char *) malloc(l * (size_t) n + t + 1);
  int i;
  assert_non_null(out);
  for (i = 0; i < n; i++) memcpy(out + l * (size_t) i, s, l);
  memcpy(out + l * (size_t) n, tail, t + 1);
  return out;
}

/* "((...(a)...))", n deep; the caller frees it. */
static char *nested(int n) {
  char *close = repeated(")", n, ""), *open = repeated("(", n, "a"), *out;
  out = (char *) malloc(strlen(open) + strlen(close) + 1);
  assert_non_null(out);
  strcpy(out, open);
  strcat(out, close);
  free(open);
  free(close);
  return out;
}

static void test_literals_and_dot(void **state) {
  (void) state;
  check("abc", "xabcx", 1, 4);
  check("abc", "abxabc", 3, 6);
  check("abc", "ab", -1, -1);
  check("", "abc", 0, 0);
  check(".", "\n", 0, 1);      /* no REG_NEWLINE: '.' takes a newline */
  check("a.c", "a\nc", 0, 3);
  check("a..", "ab", -1, -1);
  check("}", "a}", 1, 2);      /* '}', ']' and an unmatched ')' are literals */
  check("]", "a]", 1, 2);
  check("a)", "(a)", 1, 3);
}

static void test_anchors(void **state) {
  (void) state;
  check("^ab", "ab", 0, 2);
  check("^b", "ab", -1, -1);
  check("^b", "a\nb", -1, -1); /* only at the subject's start and end */
  check("a$", "a\nb", -1, -1);
  check("b$", "a\nb", 2, 3);
  check("$", "abc", 3, 3);
  check("^", "abc", 0, 0);
  check("^$", "", 0, 0);
  check("a^b", "a^b", -1, -1); /* anchors wherever they appear */
  check("(^a|b)c", "acbc", 0, 2);
  check("(^a|b)c", "xacbc", 3, 5);
  check("(^)*a", "a", 0, 1);
}

static void test_brackets(void **state) {
  (void) state;
  check("[a-c]+", "xxbcaz", 2, 5);
  check("[]a]+", "x]a]", 1, 4);
  check("[^]a]", "]ab", 2, 3);
  check("[^x]", "\n", 0, 1);
  check("[a-]+", "x-a-", 1, 4);
  check("[-a]+", "x-a-", 1, 4);
  check("[--/]+", "a-./", 1, 4);
  check("[\\]]", "\\]", 0, 2);  /* a backslash is literal in a bracket */
  check("[[]", "a[", 1, 2);
  check("[[:digit:]]+", "ab123c", 2, 5);
  check("[[:alpha:][:digit:]]+", "-ab12-", 1, 5);
  check("[^[:space:]]+", " \t\nab\r", 3, 5);
  check("[[:upper:]][[:lower:]]", "aBcD", 1, 3);
  check("[[:xdigit:]]+", "xfF09g", 1, 5);
  check("[[:punct:]]", "ab!", 2, 3);
  check("[[:blank:]]", "a\n\tb", 2, 3);
  check("[[:cntrl:]]", "a\x7f", 1, 2);
  check("[[:print:]]+", "\x01 a~\x7f", 1, 4);
  check("[[:graph:]]+", " a~ ", 1, 3);
  check("[[:alnum:]]+", "-a1-", 1, 3);
  check("[[.-.]a]+", "x-a", 1, 3);
  check("[[=a=]]", "ba", 1, 2);
  check("[\x80-\xff]+", "a\x81\xfe", 1, 3);
}

static void test_groups_and_alternation(void **state) {
  (void) state;
  check("a|ab|abc", "abcd", 0, 3);        /* the longest, not the first */
  check("(ab|a)(c|bcd)", "abcd", 0, 4);
  check("(a|ab)(c|bcd)(d*)", "abcd", 0, 4);
  check("x(a|b)*y", "xababy", 0, 6);
  check("a|", "b", 0, 0);
  check("|a", "a", 0, 1);
  check("(|a)b", "ab", 0, 2);
  check("()", "a", 0, 0);
  check("(a(b(c)))", "abc", 0, 3);
  check("b|cd", "acd", 1, 3);             /* leftmost first, then longest */
  check("(a|b)(c|d)", "zzbd", 2, 4);
}

static void test_repetition(void **state) {
  (void) state;
  check("a*", "baaa", 0, 0);
  check("a+", "baaa", 1, 4);
  check("ba?", "baa", 0, 2);
  check("ba?c", "bc", 0, 2);
  check("a{2}", "aaa", 0, 2);
  check("a{2}", "a", -1, -1);
  check("a{2,}", "aaaa", 0, 4);
  check("a{1,2}", "aaa", 0, 2);
  check("a{,2}b", "aaab", 1, 4);
  check("a{,}", "aa", 0, 2);
  check("a{0}b", "ab", 1, 2);
  check("(ab){2}", "abababa", 0, 4);
  check("(ab){1,2}c", "ababc", 0, 5);
  check("(a|bc){2,3}", "bcabcx", 0, 5);
  check("(a*)*b", "aab", 0, 3);           /* loops over empty matches end */
  check("(a*)+$", "aa", 0, 2);
  check("()*x", "x", 0, 1);
  check("(){2}x", "x", 0, 1);
  check("a{255}", "aa", -1, -1);
  check("(a|b){0,3}c", "ababc", 1, 5);
}

static void test_escapes(void **state) {
  (void) state;
  check("a\\.b", "axb a.b", 4, 7);
  check("\\(\\)", "()", 0, 2);
  check("\\\\", "a\\", 1, 2);
  check("\\*\\+\\?\\{\\}\\|\\^\\$\\[\\]", "*+?{}|^$[]", 0, 10);
  check("\\-\\/\\\"", "-/\"", 0, 3);
}

static void test_lengths_and_nuls(void **state) {
  size_t so = 0, eo = 0;
  char *big;
  (void) state;
  /* Pattern and subject are pointer and length; NUL is a byte like others. */
  assert_int_equal(search_n("a\0b", 3, "xa\0b", 4, &so, &eo), 1);
  assert_int_equal(so, 1);
  assert_int_equal(eo, 4);
  assert_int_equal(search_n(".", 1, "\0", 1, &so, &eo), 1);
  assert_int_equal(search_n("c", 1, "abc", 2, &so, &eo), 0);
  assert_int_equal(search_n("b$", 2, "abc", 2, &so, &eo), 1);
  assert_int_equal(eo, 2);
  assert_int_equal(search_n("x", 1, NULL, 0, &so, &eo), 0);
  /* Long subjects and a line longer than any old buffer. */
  big = repeated("a", 200000, "b");
  assert_int_equal(search_n("a*b$", 4, big, 200001, &so, &eo), 1);
  assert_int_equal(so, 0);
  assert_int_equal(eo, 200001);
  assert_int_equal(search_n("(a|aa)*c", 8, big, 200001, &so, &eo), 0);
  free(big);
}

static void test_syntax_errors(void **state) {
  (void) state;
  refuse("*a", SCN_RE_ESYNTAX, "nothing to repeat");
  refuse("a|*b", SCN_RE_ESYNTAX, "nothing to repeat");
  refuse("(+a)", SCN_RE_ESYNTAX, "nothing to repeat");
  refuse("{1}", SCN_RE_ESYNTAX, "nothing to repeat");
  refuse("^*", SCN_RE_ESYNTAX, "cannot repeat an anchor");
  refuse("a$+", SCN_RE_ESYNTAX, "cannot repeat an anchor");
  refuse("a{", SCN_RE_ESYNTAX, "count");
  refuse("a{1", SCN_RE_ESYNTAX, "malformed count");
  refuse("a{x}", SCN_RE_ESYNTAX, "count");
  refuse("a{}", SCN_RE_ESYNTAX, "count");
  refuse("a{1,2,3}", SCN_RE_ESYNTAX, "malformed count");
  refuse("a{3,2}", SCN_RE_ESYNTAX, "max < min");
  refuse("(a", SCN_RE_ESYNTAX, "'(' without ')'");
  refuse("[a", SCN_RE_ESYNTAX, "unterminated bracket");
  refuse("[]", SCN_RE_ESYNTAX, "unterminated bracket");
  refuse("[z-a]", SCN_RE_ESYNTAX, "range end before its start");
  refuse("[a-c-e]", SCN_RE_ESYNTAX, "where one ends");
  refuse("[[:foo:]]", SCN_RE_ESYNTAX, "unknown class [:foo:]");
  refuse("[[:alpha:]", SCN_RE_ESYNTAX, "unterminated");
  refuse("[[:alpha:]-z]", SCN_RE_ESYNTAX, "a class cannot start a range");
  refuse("[a-[:alpha:]]", SCN_RE_ESYNTAX, "a class cannot end a range");
  refuse("[[.ab.]]", SCN_RE_ESYNTAX, "one-byte collating");
  refuse("a\\", SCN_RE_ESYNTAX, "trailing backslash");
  refuse("\\w", SCN_RE_EUNSUPPORTED, "\\w");
  refuse("(a)\\1", SCN_RE_EUNSUPPORTED, "back-references");
  refuse("\\<a", SCN_RE_EUNSUPPORTED, "GNU");
}

static void test_stacked_repetition(void **state) {
  (void) state;
  refuse("a**", SCN_RE_EUNDEFINED, "stacked repetition");
  refuse("a+{2}", SCN_RE_EUNDEFINED, "undefined in POSIX");
  refuse("a{2}{3}", SCN_RE_EUNDEFINED, "stacked");
  refuse("(a)?*", SCN_RE_EUNDEFINED, "stacked");
  check("a*\\*", "aa*", 0, 3);
}

static void test_limits(void **state) {
  char *p;
  clock_t t0 = clock();
  (void) state;
  /* Length: 4096 bytes compile, 4097 do not. */
  p = repeated("a", SCN_RE_MAX_LEN, "");
  check(p, p, 0, SCN_RE_MAX_LEN);
  free(p);
  p = repeated("a", SCN_RE_MAX_LEN + 1, "");
  refuse(p, SCN_RE_ELIMIT, "longer than 4096 bytes");
  free(p);
  /* Nesting: 64 levels compile, 65 do not, and 12,500 are no trouble. */
  p = nested(64);
  check(p, "ba", 1, 2);
  free(p);
  p = nested(65);
  refuse(p, SCN_RE_ELIMIT, "nested deeper than 64");
  free(p);
  p = repeated("(", 12500, "");
  refuse_n(p, 4000, SCN_RE_ELIMIT, "at offset 64: parentheses nested deeper than 64");
  refuse(p, SCN_RE_ELIMIT, "longer than");
  free(p);
  /* Counts: at most 255 each, and the expanded program at most 16384. */
  refuse("a{256}", SCN_RE_ELIMIT, "count over 255");
  refuse("a{1,256}", SCN_RE_ELIMIT, "count over 255");
  refuse("((a{255}){255}){255}", SCN_RE_ELIMIT, "exceed 16384 instructions");
  refuse("(a{0,255}){0,255}", SCN_RE_ELIMIT, "exceed 16384 instructions");
  refuse("(a{255}){65}", SCN_RE_ELIMIT, "exceed 16384 instructions");
  refuse("(a{255}){64}*", SCN_RE_EUNDEFINED, "stacked");
  check("((a{255}){64})*", "b", 0, 0); /* 16,323 instructions */
  refuse("((a{255}){64}){2}", SCN_RE_ELIMIT, "exceed");
  {
    /* The largest program that fits (64 x 255 + match), and the widest
     * alternation that fits in 4096 bytes (2048 ways), on subjects that
     * keep every state alive and never match: O(program x subject). */
    char *subj = repeated("a", 3000, "");
    assert_int_equal(search_n("(a{255}){64}b", 13, subj, 3000, NULL, NULL), 0);
    free(subj);
  }
  {
    char *alt = repeated("a|", 2047, "b"), *subj = repeated("c", 3000, "");
    size_t so, eo;
    assert_int_equal(search_n(alt, strlen(alt), subj, 3000, &so, &eo), 0);
    assert_int_equal(search_n(alt, strlen(alt), "cca", 3, &so, &eo), 1);
    assert_int_equal(so, 2);
    assert_int_equal(eo, 3);
    free(alt);
    alt = repeated("a|", 2048, "b");
    refuse(alt, SCN_RE_ELIMIT, "longer than 4096");
    free(alt);
    free(subj);
  }
  /* Generous, even under sanitizers: glibc took 18 s or more on some. */
  assert_true((double) (clock() - t0) / CLOCKS_PER_SEC < 20.0);
}

static void test_quote(void **state) {
  char out[300], *p;
  (void) state;
  scn_re_quote("a\"b\\c\n\x01", 7, out, sizeof(out));
  assert_string_equal(out, "\"a\\\"b\\\\c\\n\\x01\"");
  p = repeated("(", 12500, "");
  scn_re_quote(p, 12500, out, sizeof(out));
  assert_string_equal(out, "\"((((((((((((((((((((((((((((((((((((((((((((((((...\" (12500 bytes)");
  scn_re_quote(p, 12500, out, 10);
  assert_string_equal(out, "\"((((((((");
  free(p);
}

/* A budget is spent by the thread steps a search takes: one too small ends
 * the search without a verdict, one large enough changes nothing, and what
 * is left is shared by the searches that follow. */
static void test_budget(void **state) {
  struct scn_re *re;
  char err[256], *subj = repeated("ab", 5000, "Z");
  size_t so = 9, eo = 9, len = strlen(subj);
  unsigned long long budget = 1000, plenty = 1ull << 40, before;
  (void) state;
  assert_int_equal(scn_re_compile(&re, "(a|b){1,8}Z", 11, err, sizeof(err)), SCN_RE_OK);
  assert_int_equal(scn_re_search_budget(re, subj, len, &so, &eo, &budget), -1);
  assert_true(budget == 0);
  assert_int_equal(scn_re_search_budget(re, subj, len, &so, &eo, &budget), -1);
  assert_int_equal(scn_re_search_budget(re, subj, len, &so, &eo, &plenty), 1);
  assert_int_equal(so, len - 9);
  assert_int_equal(eo, len);
  before = plenty;
  assert_int_equal(scn_re_search_budget(re, "b", 1, NULL, NULL, &plenty), 0);
  assert_true(plenty < before && before - plenty < 100);
  scn_re_free(re);
  free(subj);
}

/* ---- against glibc ---- */

static uint64_t s_rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n) {
  s_rng ^= s_rng << 13;
  s_rng ^= s_rng >> 7;
  s_rng ^= s_rng << 17;
  return (unsigned) (s_rng % n);
}

struct buf {
  char s[256];
  size_t n;
};

static void put(struct buf *b, const char *s) {
  size_t l = strlen(s);
  if (b->n + l < sizeof(b->s)) {
    memcpy(b->s + b->n, s, l + 1);
    b->n += l;
  }
}

static const char *const s_atoms[] = {
    "a", "b", "c", ".", "[ab]", "[^a]", "[a-b]", "[]a]", "[^]b]", "[[:alpha:]]", "\\.",
    "[[:digit:]a]", "[a-]", "\n", "()"};
static const char *const s_reps[] = {"*", "+", "?", "{2}", "{1,2}", "{0,1}", "{,2}", "{2,}",
                                     "{0}", "{0,3}", "{1,}"};

static void gen_alt(struct buf *b, int depth);

/* Mostly well-formed: atoms, groups, repetitions, alternatives, with now
 * and then a stray operator to exercise the error paths. */
static void gen_concat(struct buf *b, int depth) {
  int k, n = (int) rnd(4);
  for (k = 0; k < n; k++) {
    if (depth < 3 && rnd(4) == 0) {
      put(b, "(");
      gen_alt(b, depth + 1);
      put(b, ")");
    } else {
      put(b, s_atoms[rnd(sizeof(s_atoms) / sizeof(s_atoms[0]))]);
    }
    if (rnd(3) == 0) put(b, s_reps[rnd(sizeof(s_reps) / sizeof(s_reps[0]))]);
    if (rnd(40) == 0) put(b, s_reps[rnd(sizeof(s_reps) / sizeof(s_reps[0]))]);
    if (rnd(60) == 0) put(b, rnd(2) ? ")" : "(");
  }
}

/* Anchors only start or end a whole alternative: glibc loses them in the
 * copies it makes for "{m,n}" ("(.^a?){0,2}" matches "a"; "(.^a?)?" does
 * not), and the hand-written tests cover them elsewhere. */
static void gen_alt(struct buf *b, int depth) {
  int more = 0;
  do {
    if (more++) put(b, "|");
    if (depth == 0 && rnd(5) == 0) put(b, "^");
    gen_concat(b, depth);
    if (depth == 0 && rnd(5) == 0) put(b, "$");
  } while (rnd(4) == 0);
}

static void test_against_glibc(void **state) {
  int iter, compared = 0, refused = 0, both_bad = 0, matches = 0;
  (void) state;
  for (iter = 0; iter < 6000; iter++) {
    struct buf b = {{0}, 0};
    regex_t g;
    struct scn_re *re;
    char err[256];
    int grc, k, anchored;
    enum scn_re_status st;
    if (rnd(8) == 0) { /* token soup: mostly malformed */
      int t, n = 1 + (int) rnd(6);
      static const char *const soup[] = {"a", "(", ")", "|", "*", "+", "?", "{1}", "[", "]",
                                         "^", "$", "{", "}", "-", ".", "\\"};
      for (t = 0; t < n; t++) put(&b, soup[rnd(sizeof(soup) / sizeof(soup[0]))]);
    } else {
      gen_alt(&b, 0);
    }
    grc = regcomp(&g, b.s, REG_EXTENDED);
    st = scn_re_compile(&re, b.s, b.n, err, sizeof(err));
    if (grc != 0) {
      if (st == SCN_RE_OK) fail_msg("\"%s\": glibc refuses it (%d), scn_regex does not", b.s, grc);
      both_bad++;
      continue;
    }
    if (st != SCN_RE_OK) {
      if (st == SCN_RE_ESYNTAX || st == SCN_RE_ENOMEM) {
        fail_msg("\"%s\": glibc takes it, scn_regex refuses it: %s", b.s, err);
      }
      refused++;
      regfree(&g);
      continue;
    }
    /* glibc lets a '^' or '$' inside a pattern hold next to a newline the
     * match crosses (".^a" matches "\na", "$." matches "\n"), as if
     * REG_NEWLINE were set; POSIX, and scn_regex, say they hold only at the
     * subject's ends. So patterns with anchors get subjects without one. */
    anchored = strpbrk(b.s, "^$") != NULL;
    for (k = 0; k < 12; k++) {
      static const char alphabet[] = "abc.1\n";
      char subj[16];
      size_t n = rnd(11), i, so = 0, eo = 0;
      regmatch_t m;
      int want, got;
      for (i = 0; i < n; i++) subj[i] = alphabet[rnd(sizeof(alphabet) - 1 - (size_t) anchored)];
      subj[n] = '\0';
      want = regexec(&g, subj, 1, &m, 0) == 0;
      got = scn_re_search(re, subj, n, &so, &eo);
      if (want != got || (want && ((size_t) m.rm_so != so || (size_t) m.rm_eo != eo))) {
        fail_msg("\"%s\" on \"%s\": glibc %s [%d,%d), scn_regex %s [%zu,%zu)", b.s, subj,
                 want ? "matches" : "does not match", (int) m.rm_so, (int) m.rm_eo,
                 got ? "matches" : "does not match", so, eo);
      }
      assert_int_equal(scn_re_search(re, subj, n, NULL, NULL), got);
      matches += got;
      compared++;
    }
    scn_re_free(re);
    regfree(&g);
  }
  print_message("compared %d searches (%d matched) of %d patterns; %d refused by both, "
                "%d over limits or undefined\n", compared, matches, compared / 12, both_bad,
                refused);
  assert_true(compared > 40000);
  assert_true(matches > compared / 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_literals_and_dot),
      cmocka_unit_test(test_anchors),
      cmocka_unit_test(test_brackets),
      cmocka_unit_test(test_groups_and_alternation),
      cmocka_unit_test(test_repetition),
      cmocka_unit_test(test_escapes),
      cmocka_unit_test(test_lengths_and_nuls),
      cmocka_unit_test(test_syntax_errors),
      cmocka_unit_test(test_stacked_repetition),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_quote),
      cmocka_unit_test(test_budget),
      cmocka_unit_test(test_against_glibc),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
