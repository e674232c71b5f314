/*
 * test_str.c - unit tests for engine/str.c.
 *
 *   cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g \
 *      -fsanitize=address,undefined -fno-omit-frame-pointer -Iengine \
 *      engine/str.c tests/test_str.c -lcmocka -o test_str
 *
 * Many strings here are slices of longer ones, so that a function reading
 * past s.len (or relying on a NUL terminator) gives a wrong answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mongoose.h"

/* The sign of a comparison result: -1, 0 or 1. */
static int sign(int v) {
  return (v > 0) - (v < 0);
}

static struct mg_str slice(const char *s, size_t len) {
  return mg_mk_str_n(s, len);
}

static void test_mk_str(void **state) {
  const char *text = "abc";
  struct mg_str s = mg_mk_str(text);
  struct mg_str n = mg_mk_str(NULL);
  struct mg_str lit = MG_MK_STR("hello");
  struct mg_str null_lit = MG_NULL_STR;
  (void) state;
  assert_ptr_equal(s.p, text);
  assert_int_equal(s.len, 3);
  assert_null(n.p);
  assert_int_equal(n.len, 0);
  assert_int_equal(lit.len, 5);
  assert_memory_equal(lit.p, "hello", 5);
  assert_null(null_lit.p);
  assert_int_equal(null_lit.len, 0);

  s = mg_mk_str_n(text + 1, 1);
  assert_ptr_equal(s.p, text + 1);
  assert_int_equal(s.len, 1);
}

static void test_vcmp(void **state) {
  struct mg_str s = slice("hello world", 5);
  struct mg_str empty = MG_NULL_STR;
  struct mg_str with_nul = slice("a\0b", 3);
  (void) state;
  assert_int_equal(mg_vcmp(&s, "hello"), 0);
  assert_int_equal(sign(mg_vcmp(&s, "hello world")), -1); /* s is a prefix */
  assert_int_equal(sign(mg_vcmp(&s, "hell")), 1);
  assert_int_equal(sign(mg_vcmp(&s, "help")), -1);
  assert_int_equal(sign(mg_vcmp(&s, "hella")), 1);
  assert_int_equal(sign(mg_vcmp(&s, "Hello")), 1);
  assert_int_equal(mg_vcmp(&empty, ""), 0);
  assert_int_equal(sign(mg_vcmp(&empty, "a")), -1);
  /* Equal only with the same length, even when the C string stops at a
   * NUL that the mg_str contains. */
  assert_int_equal(sign(mg_vcmp(&with_nul, "a")), 1);
}

static void test_vcasecmp(void **state) {
  struct mg_str s = slice("Content-Length: 5", 14);
  struct mg_str empty = MG_NULL_STR;
  (void) state;
  assert_int_equal(mg_vcasecmp(&s, "content-length"), 0);
  assert_int_equal(mg_vcasecmp(&s, "CONTENT-LENGTH"), 0);
  assert_int_equal(sign(mg_vcasecmp(&s, "content-length:")), -1);
  assert_int_equal(sign(mg_vcasecmp(&s, "content-len")), 1);
  assert_int_equal(sign(mg_vcasecmp(&s, "content-type")), -1);
  assert_int_equal(mg_vcasecmp(&empty, ""), 0);
  /* Only ASCII letters fold: '[' (0x5b) is not the upper case of '{'. */
  s = slice("[", 1);
  assert_int_not_equal(mg_vcasecmp(&s, "{"), 0);
}

static void test_strcmp(void **state) {
  struct mg_str a = slice("abcdef", 3), b = slice("abcxyz", 3);
  struct mg_str empty = MG_NULL_STR, empty2 = slice("zzz", 0);
  (void) state;
  assert_int_equal(mg_strcmp(a, b), 0);
  assert_int_equal(sign(mg_strcmp(a, slice("abd", 3))), -1);
  assert_int_equal(sign(mg_strcmp(slice("abd", 3), a)), 1);
  assert_int_equal(sign(mg_strcmp(a, slice("abcd", 4))), -1);
  assert_int_equal(sign(mg_strcmp(slice("abcd", 4), a)), 1);
  assert_int_equal(mg_strcmp(empty, empty2), 0);
  assert_int_equal(sign(mg_strcmp(empty, a)), -1);
  /* Bytes compare as unsigned, as strcmp does. */
  assert_int_equal(sign(mg_strcmp(slice("\x80", 1), slice("a", 1))), 1);
  /* Embedded NULs are ordinary bytes. */
  assert_int_equal(sign(mg_strcmp(slice("a\0b", 3), slice("a\0c", 3))), -1);
}

static void test_strncmp(void **state) {
  struct mg_str a = slice("abcdef", 6), b = slice("abcxyz", 6);
  (void) state;
  assert_int_equal(mg_strncmp(a, b, 3), 0);
  assert_int_equal(sign(mg_strncmp(a, b, 4)), -1);
  assert_int_equal(mg_strncmp(a, b, 0), 0);
  assert_int_equal(mg_strncmp(a, a, 100), 0);
  /* A shorter string within the first n bytes still sorts first. */
  assert_int_equal(sign(mg_strncmp(slice("ab", 2), a, 4)), -1);
  assert_int_equal(mg_strncmp(slice("ab", 2), a, 2), 0);
}

static void test_strcasecmp(void **state) {
  (void) state;
  assert_int_equal(mg_strcasecmp(slice("GeT", 3), slice("get", 3)), 0);
  assert_int_equal(sign(mg_strcasecmp(slice("GET", 3), slice("post", 4))),
                   -1);
  assert_int_equal(sign(mg_strcasecmp(slice("gets", 4), slice("GET", 3))), 1);
  assert_int_equal(mg_strcasecmp(slice("GETx", 3), slice("get", 3)), 0);
}

static void test_starts_with(void **state) {
  struct mg_str s = slice("HTTP/1.1 200", 12);
  (void) state;
  assert_true(mg_str_starts_with(s, mg_mk_str("HTTP/")));
  assert_true(mg_str_starts_with(s, mg_mk_str("")));
  assert_true(mg_str_starts_with(s, s));
  assert_false(mg_str_starts_with(s, mg_mk_str("http/")));
  assert_false(mg_str_starts_with(slice("HTTP", 4), mg_mk_str("HTTP/")));
  assert_false(mg_str_starts_with(s, mg_mk_str("HTTP/1.1 2000")));
}

static void test_strstr(void **state) {
  const char *text = "aaab needle haystack";
  struct mg_str h = mg_mk_str(text);
  (void) state;
  assert_ptr_equal(mg_strstr(h, mg_mk_str("needle")), text + 5);
  assert_ptr_equal(mg_strstr(h, mg_mk_str("aab")), text + 1);
  assert_ptr_equal(mg_strstr(h, mg_mk_str("stack")), text + 15);
  assert_ptr_equal(mg_strstr(h, h), text);
  assert_null(mg_strstr(h, mg_mk_str("pin")));
  assert_null(mg_strstr(slice("abc", 2), mg_mk_str("abcd")));
  /* The haystack ends at its length, not at a NUL. */
  assert_null(mg_strstr(slice(text, 10), mg_mk_str("needle")));
  assert_ptr_equal(mg_strstr(slice(text, 11), mg_mk_str("needle")), text + 5);
  /* An empty needle matches at the start, like strstr. */
  assert_ptr_equal(mg_strstr(h, mg_mk_str("")), text);
  assert_null(mg_strstr(mg_mk_str(NULL), mg_mk_str("a")));
}

static void test_strchr(void **state) {
  const char *text = "key=value\xff";
  struct mg_str s = mg_mk_str(text);
  (void) state;
  assert_ptr_equal(mg_strchr(s, '='), text + 3);
  assert_ptr_equal(mg_strchr(s, 'k'), text);
  assert_null(mg_strchr(s, '#'));
  assert_null(mg_strchr(slice(text, 3), '='));
  assert_ptr_equal(mg_strchr(slice(text, 4), '='), text + 3);
  assert_null(mg_strchr(mg_mk_str(NULL), 'a'));
  /* Both spellings of a high byte find it. */
  assert_ptr_equal(mg_strchr(s, 0xff), text + 9);
  assert_ptr_equal(mg_strchr(s, (char) 0xff), text + 9);
}

static void test_strdup(void **state) {
  char src[] = "abcdef";
  struct mg_str d = mg_strdup(slice(src, 3));
  (void) state;
  assert_non_null(d.p);
  assert_ptr_not_equal(d.p, src);
  assert_int_equal(d.len, 3);
  assert_memory_equal(d.p, "abc", 3);
  src[0] = 'X'; /* the copy is independent of the source */
  assert_memory_equal(d.p, "abc", 3);
  mg_strfree(&d);
  assert_null(d.p);
  assert_int_equal(d.len, 0);

  d = mg_strdup(mg_mk_str(NULL));
  assert_null(d.p);
  assert_int_equal(d.len, 0);
  d = mg_strdup(slice(src, 0));
  assert_null(d.p);
  assert_int_equal(d.len, 0);
  mg_strfree(&d); /* freeing the empty result is fine */
  assert_null(d.p);
}

static void test_strdup_nul(void **state) {
  struct mg_str d = mg_strdup_nul(slice("hello world", 5));
  (void) state;
  assert_non_null(d.p);
  assert_int_equal(d.len, 5);
  assert_string_equal(d.p, "hello");
  mg_strfree(&d);

  /* Embedded NULs are copied; the terminator comes after len bytes. */
  d = mg_strdup_nul(slice("a\0b", 3));
  assert_int_equal(d.len, 3);
  assert_memory_equal(d.p, "a\0b\0", 4);
  mg_strfree(&d);

  d = mg_strdup_nul(mg_mk_str(""));
  assert_null(d.p);
  assert_int_equal(d.len, 0);
}

static void test_strstrip(void **state) {
  const char *text = " \t\r\n\v\fkey = value \r\n";
  struct mg_str s = mg_strstrip(mg_mk_str(text));
  (void) state;
  assert_ptr_equal(s.p, text + 6);
  assert_int_equal(s.len, 11);
  assert_memory_equal(s.p, "key = value", 11);

  s = mg_strstrip(mg_mk_str("plain"));
  assert_int_equal(s.len, 5);
  s = mg_strstrip(mg_mk_str(" \t \n"));
  assert_int_equal(s.len, 0);
  s = mg_strstrip(mg_mk_str(NULL));
  assert_int_equal(s.len, 0);
  /* Only what lies within len counts: trailing bytes beyond it are not
   * whitespace to be stripped, and a NUL inside is not whitespace. */
  s = mg_strstrip(slice("ab   cd", 4));
  assert_int_equal(s.len, 2);
  s = mg_strstrip(slice(" a\0", 3));
  assert_int_equal(s.len, 2);
}

static void test_ncasecmp(void **state) {
  (void) state;
  assert_int_equal(mg_ncasecmp("Hello", "hELLO", 5), 0);
  assert_int_equal(mg_ncasecmp("Hello", "hELP", 3), 0);
  assert_int_equal(sign(mg_ncasecmp("Hello", "hELP", 4)), -1);
  assert_int_equal(sign(mg_ncasecmp("help", "HELLO", 4)), 1);
  assert_int_equal(mg_ncasecmp("abc", "xyz", 0), 0);
  /* Stops at a NUL: nothing after it is read or compared. */
  assert_int_equal(mg_ncasecmp("ab\0X", "AB\0Y", 4), 0);
  assert_int_equal(sign(mg_ncasecmp("ab", "abc", 10)), -1);
  assert_int_equal(sign(mg_ncasecmp("abc", "ab", 10)), 1);
}

static void test_casecmp(void **state) {
  (void) state;
  assert_int_equal(mg_casecmp("Keep-Alive", "keep-alive"), 0);
  assert_int_equal(mg_casecmp("", ""), 0);
  assert_int_equal(sign(mg_casecmp("close", "Keep-Alive")), -1);
  assert_int_equal(sign(mg_casecmp("abc", "ABD")), -1);
  assert_int_equal(sign(mg_casecmp("abcd", "ABC")), 1);
  assert_int_equal(sign(mg_casecmp("", "a")), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mk_str),      cmocka_unit_test(test_vcmp),
      cmocka_unit_test(test_vcasecmp),    cmocka_unit_test(test_strcmp),
      cmocka_unit_test(test_strncmp),     cmocka_unit_test(test_strcasecmp),
      cmocka_unit_test(test_starts_with), cmocka_unit_test(test_strstr),
      cmocka_unit_test(test_strchr),      cmocka_unit_test(test_strdup),
      cmocka_unit_test(test_strdup_nul),  cmocka_unit_test(test_strstrip),
      cmocka_unit_test(test_ncasecmp),    cmocka_unit_test(test_casecmp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
