/*
 * test_util.c - unit tests for the stateless helpers: engine/base64.c,
 * engine/url.c, engine/acl.c and engine/hexdump.c (url.c uses str.c).
 *
 *   cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g \
 *      -fsanitize=address,undefined -fno-omit-frame-pointer -Iengine \
 *      engine/base64.c engine/url.c engine/str.c engine/acl.c \
 *      engine/hexdump.c tests/test_util.c -lcmocka -o test_util
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mongoose.h"

/* A small deterministic generator, so failures reproduce exactly. */
static unsigned char next_byte(uint32_t *seed) {
  *seed = *seed * 1103515245u + 12345u;
  return (unsigned char) (*seed >> 16);
}

#define CANARY 0x5a

/* ---- base64 ----------------------------------------------------------- */

struct b64_vector {
  const char *plain, *encoded;
};

/* RFC 4648, section 10. */
static const struct b64_vector rfc4648[] = {
    {"", ""},          {"f", "Zg=="},         {"fo", "Zm8="},
    {"foo", "Zm9v"},   {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static int decode_str(const char *in, char *out) {
  return mg_base64_decode((const unsigned char *) in, (int) strlen(in), out);
}

static void test_base64_encode_rfc4648(void **state) {
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
    char out[32];
    memset(out, CANARY, sizeof(out));
    mg_base64_encode((const unsigned char *) rfc4648[i].plain,
                     (int) strlen(rfc4648[i].plain), out);
    assert_string_equal(out, rfc4648[i].encoded);
    /* Exactly the encoding and its NUL are written. */
    assert_int_equal((unsigned char) out[strlen(out) + 1], CANARY);
  }
}

static void test_base64_decode_rfc4648(void **state) {
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
    char out[32];
    memset(out, CANARY, sizeof(out));
    assert_int_equal(decode_str(rfc4648[i].encoded, out),
                     strlen(rfc4648[i].encoded));
    assert_string_equal(out, rfc4648[i].plain);
  }
}

static void test_base64_alphabet_edges(void **state) {
  static const unsigned char bytes[] = {0xfb, 0xff, 0x00, 0x10};
  char enc[16], dec[16];
  (void) state;
  mg_base64_encode(bytes, 4, enc);
  assert_string_equal(enc, "+/8AEA==");
  assert_int_equal(decode_str(enc, dec), 8);
  assert_memory_equal(dec, bytes, 4);
  assert_int_equal(dec[4], '\0');
}

static void test_base64_decode_without_padding(void **state) {
  char out[16];
  (void) state;
  assert_int_equal(decode_str("Zg", out), 2);
  assert_string_equal(out, "f");
  assert_int_equal(decode_str("Zm8", out), 3);
  assert_string_equal(out, "fo");
  assert_int_equal(decode_str("Zm9vYmE", out), 7);
  assert_string_equal(out, "fooba");
  /* Short padding is accepted as far as it goes. */
  assert_int_equal(decode_str("Zg=", out), 3);
  assert_string_equal(out, "f");
}

static void test_base64_decode_stops_at_invalid(void **state) {
  char out[16];
  (void) state;
  assert_int_equal(decode_str("Zm9v!Zm9v", out), 4);
  assert_string_equal(out, "foo");
  assert_int_equal(decode_str("Zm9vYmFy\n", out), 8);
  assert_string_equal(out, "foobar");
  assert_int_equal(decode_str("Zm9 v", out), 3);
  assert_string_equal(out, "fo");
  /* Invalid from the very start. */
  memset(out, CANARY, sizeof(out));
  assert_int_equal(decode_str("!Zm9v", out), 0);
  assert_string_equal(out, "");
  assert_int_equal(decode_str("=Zm9", out), 0);
  assert_string_equal(out, "");
  assert_int_equal(decode_str("", out), 0);
  assert_string_equal(out, "");
}

static void test_base64_decode_misplaced_padding(void **state) {
  char out[16];
  (void) state;
  /* One digit carries 6 bits, not a byte: neither it nor the padding
   * after it is consumed. */
  assert_int_equal(decode_str("Z===", out), 0);
  assert_string_equal(out, "");
  assert_int_equal(decode_str("Zm9vY", out), 4);
  assert_string_equal(out, "foo");
  /* Padding ends the text: nothing after it is decoded. */
  assert_int_equal(decode_str("Zg==Zm9v", out), 4);
  assert_string_equal(out, "f");
  assert_int_equal(decode_str("Zm8==", out), 4);
  assert_string_equal(out, "fo");
  /* '=' where a full group has ended is not padding. */
  assert_int_equal(decode_str("Zm9v=", out), 4);
  assert_string_equal(out, "foo");
}

static void test_base64_decode_respects_len(void **state) {
  char out[16];
  (void) state;
  assert_int_equal(mg_base64_decode((const unsigned char *) "Zm9vYmFy", 4,
                                    out),
                   4);
  assert_string_equal(out, "foo");
  assert_int_equal(mg_base64_decode((const unsigned char *) "Zg==", 2, out),
                   2);
  assert_string_equal(out, "f");
}

static void test_base64_round_trip(void **state) {
  uint32_t seed = 12345;
  unsigned char plain[200], decoded[200];
  char encoded[300];
  int n, round;
  (void) state;
  for (round = 0; round < 20; round++) {
    for (n = 0; n <= 130; n++) {
      int i, enc_len;
      for (i = 0; i < n; i++) plain[i] = next_byte(&seed);
      mg_base64_encode(plain, n, encoded);
      enc_len = (int) strlen(encoded);
      assert_int_equal(enc_len, (n + 2) / 3 * 4);
      assert_int_equal(mg_base64_decode((const unsigned char *) encoded,
                                        enc_len, (char *) decoded),
                       enc_len);
      if (n > 0) assert_memory_equal(decoded, plain, (size_t) n);
      assert_int_equal(decoded[n], 0);
    }
  }
}

static void test_base64_round_trip_all_bytes(void **state) {
  unsigned char plain[256], decoded[260];
  char encoded[400];
  int i;
  (void) state;
  for (i = 0; i < 256; i++) plain[i] = (unsigned char) i;
  mg_base64_encode(plain, 256, encoded);
  assert_int_equal(strlen(encoded), 344);
  assert_int_equal(
      mg_base64_decode((const unsigned char *) encoded, 344, (char *) decoded),
      344);
  assert_memory_equal(decoded, plain, 256);
}

/* ---- mg_url_decode ---------------------------------------------------- */

static int url_decode(const char *s, char *dst, int dst_len, int form) {
  return mg_url_decode(s, (int) strlen(s), dst, dst_len, form);
}

static void test_url_decode(void **state) {
  char out[64];
  (void) state;
  assert_int_equal(url_decode("a%20b", out, sizeof(out), 0), 3);
  assert_string_equal(out, "a b");
  assert_int_equal(url_decode("%2f%2F%41%7e", out, sizeof(out), 0), 4);
  assert_string_equal(out, "//A~");
  assert_int_equal(url_decode("plain", out, sizeof(out), 0), 5);
  assert_string_equal(out, "plain");
  assert_int_equal(url_decode("", out, sizeof(out), 0), 0);
  assert_string_equal(out, "");
  assert_int_equal(url_decode("100%25", out, sizeof(out), 0), 4);
  assert_string_equal(out, "100%");
}

static void test_url_decode_plus(void **state) {
  char out[64];
  (void) state;
  assert_int_equal(url_decode("a+b%2Bc", out, sizeof(out), 1), 5);
  assert_string_equal(out, "a b+c");
  assert_int_equal(url_decode("a+b%2Bc", out, sizeof(out), 0), 5);
  assert_string_equal(out, "a+b+c");
}

static void test_url_decode_embedded_nul(void **state) {
  char out[16];
  (void) state;
  assert_int_equal(url_decode("a%00b", out, sizeof(out), 0), 3);
  assert_memory_equal(out, "a\0b\0", 4);
}

static void test_url_decode_malformed(void **state) {
  static const char *bad[] = {"%",   "%2",   "%zz",  "%g0",  "%0g",
                              "ab%", "ab%4", "%%41", "%-1x", "%+1x"};
  char out[64];
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(url_decode(bad[i], out, sizeof(out), 1), -1);
    /* Still a valid C string, never longer than the input. */
    assert_true(strlen(out) <= strlen(bad[i]));
  }
  /* A truncated escape at the very end of the buffer: nothing past src_len
   * may be read (ASan reports it, as this array has no terminator). */
  {
    const char unterminated[2] = {'%', '4'};
    assert_int_equal(mg_url_decode(unterminated, 2, out, sizeof(out), 0), -1);
  }
  /* src_len cuts an escape short even though more text follows. */
  assert_int_equal(mg_url_decode("%41", 2, out, sizeof(out), 0), -1);
  assert_int_equal(mg_url_decode("%41", 3, out, sizeof(out), 0), 1);
  assert_string_equal(out, "A");
}

static void test_url_decode_small_dst(void **state) {
  char out[8];
  (void) state;
  memset(out, CANARY, sizeof(out));
  /* "hello" needs 6 bytes with its NUL. */
  assert_int_equal(url_decode("hello", out, 5, 0), -1);
  assert_int_equal((unsigned char) out[5], CANARY);
  assert_int_equal(out[4], '\0');
  assert_int_equal(url_decode("hello", out, 6, 0), 5);
  assert_string_equal(out, "hello");
  assert_int_equal((unsigned char) out[6], CANARY);

  /* An escape counts as one output byte. */
  assert_int_equal(url_decode("%41%42", out, 3, 0), 2);
  assert_string_equal(out, "AB");
  assert_int_equal(url_decode("%41%42", out, 2, 0), -1);

  memset(out, CANARY, sizeof(out));
  assert_int_equal(url_decode("x", out, 0, 0), -1);
  assert_int_equal((unsigned char) out[0], CANARY);
  assert_int_equal(url_decode("x", out, 1, 0), -1);
  assert_int_equal(out[0], '\0');
  assert_int_equal(url_decode("", out, 1, 0), 0);
}

/* ---- mg_url_encode ---------------------------------------------------- */

static void assert_encodes(struct mg_str got, const char *expected) {
  assert_non_null(got.p);
  assert_int_equal(got.len, strlen(expected));
  assert_string_equal(got.p, expected); /* also checks the NUL */
  mg_strfree(&got);
}

static void test_url_encode(void **state) {
  (void) state;
  assert_encodes(mg_url_encode(mg_mk_str("a b&c=d/e.f")), "a%20b%26c%3dd/e.f");
  assert_encodes(mg_url_encode(mg_mk_str("._-$,;~()/")), "._-$,;~()/");
  assert_encodes(mg_url_encode(mg_mk_str("AZaz09")), "AZaz09");
  assert_encodes(mg_url_encode(mg_mk_str("?#%+@:")), "%3f%23%25%2b%40%3a");
  assert_encodes(mg_url_encode(mg_mk_str("\xff\x01")), "%ff%01");
  assert_encodes(mg_url_encode(mg_mk_str_n("a\0b", 3)), "a%00b");
}

static void test_url_encode_empty(void **state) {
  struct mg_str r = mg_url_encode(mg_mk_str(""));
  (void) state;
  /* Still a heap string, so callers can always free it and print it. */
  assert_non_null(r.p);
  assert_int_equal(r.len, 0);
  assert_string_equal(r.p, "");
  mg_strfree(&r);
  r = mg_url_encode(mg_mk_str(NULL));
  assert_non_null(r.p);
  assert_int_equal(r.len, 0);
  mg_strfree(&r);
}

static void test_url_encode_opt(void **state) {
  struct mg_str none = mg_mk_str("");
  struct mg_str src = mg_mk_str("a b/c~\xab");
  (void) state;
  assert_encodes(mg_url_encode_opt(src, none, 0), "a%20b%2fc~%ab");
  assert_encodes(mg_url_encode_opt(src, none, MG_URL_ENCODE_F_UPPERCASE_HEX),
                 "a%20b%2Fc~%AB");
  assert_encodes(mg_url_encode_opt(src, none, MG_URL_ENCODE_F_SPACE_AS_PLUS),
                 "a+b%2fc~%ab");
  assert_encodes(
      mg_url_encode_opt(src, mg_mk_str("/"),
                        MG_URL_ENCODE_F_SPACE_AS_PLUS |
                            MG_URL_ENCODE_F_UPPERCASE_HEX),
      "a+b/c~%AB");
  /* Unreserved characters pass even with an empty safe set. */
  assert_encodes(mg_url_encode_opt(mg_mk_str("-._~"), none, 0), "-._~");
  /* A safe set may let a space through unencoded. */
  assert_encodes(mg_url_encode_opt(mg_mk_str("a b"), mg_mk_str(" "),
                                   MG_URL_ENCODE_F_SPACE_AS_PLUS),
                 "a b");
}

static void test_url_encode_decode_round_trip(void **state) {
  uint32_t seed = 777;
  char plain[100], decoded[101];
  int n, i, form;
  (void) state;
  for (n = 0; n < 100; n++) {
    for (form = 0; form <= 1; form++) {
      struct mg_str enc;
      for (i = 0; i < n; i++) plain[i] = (char) next_byte(&seed);
      enc = mg_url_encode_opt(mg_mk_str_n(plain, (size_t) n), mg_mk_str(""),
                              form ? MG_URL_ENCODE_F_SPACE_AS_PLUS : 0);
      assert_non_null(enc.p);
      assert_int_equal(mg_url_decode(enc.p, (int) enc.len, decoded,
                                     sizeof(decoded), form),
                       n);
      if (n > 0) assert_memory_equal(decoded, plain, (size_t) n);
      mg_strfree(&enc);
    }
  }
}

/* ---- mg_parse_uri ----------------------------------------------------- */

struct uri_parts {
  struct mg_str scheme, user_info, host, path, query, fragment;
  unsigned int port;
};

static int parse(const char *uri, struct uri_parts *u) {
  return mg_parse_uri(mg_mk_str(uri), &u->scheme, &u->user_info, &u->host,
                      &u->port, &u->path, &u->query, &u->fragment);
}

/* NULL means "expect the part to be absent". */
static void assert_part(struct mg_str got, const char *expected) {
  if (expected == NULL) {
    assert_null(got.p);
    assert_int_equal(got.len, 0);
  } else {
    assert_non_null(got.p);
    assert_int_equal(mg_vcmp(&got, expected), 0);
  }
}

static void test_parse_uri_full(void **state) {
  struct uri_parts u;
  const char *uri = "http://user:pass@example.com:8080/a/b?x=1&y=2#frag";
  (void) state;
  assert_int_equal(parse(uri, &u), 0);
  assert_part(u.scheme, "http");
  assert_part(u.user_info, "user:pass");
  assert_part(u.host, "example.com");
  assert_int_equal(u.port, 8080);
  assert_part(u.path, "/a/b");
  assert_part(u.query, "x=1&y=2");
  assert_part(u.fragment, "frag");
  /* The parts point into the original text. */
  assert_ptr_equal(u.scheme.p, uri);
  assert_ptr_equal(u.host.p, uri + 17);
}

static void test_parse_uri_partial(void **state) {
  struct uri_parts u;
  (void) state;

  assert_int_equal(parse("http://example.com", &u), 0);
  assert_part(u.scheme, "http");
  assert_part(u.user_info, NULL);
  assert_part(u.host, "example.com");
  assert_int_equal(u.port, 0);
  assert_part(u.path, NULL);
  assert_part(u.query, NULL);
  assert_part(u.fragment, NULL);

  assert_int_equal(parse("/index.html?x=1", &u), 0);
  assert_part(u.scheme, NULL);
  assert_part(u.host, NULL);
  assert_part(u.path, "/index.html");
  assert_part(u.query, "x=1");

  assert_int_equal(parse("example.com:80/x", &u), 0);
  assert_part(u.scheme, NULL);
  assert_part(u.host, "example.com");
  assert_int_equal(u.port, 80);
  assert_part(u.path, "/x");

  assert_int_equal(parse("localhost", &u), 0);
  assert_part(u.host, "localhost");
  assert_part(u.path, NULL);

  assert_int_equal(parse("ws://h#top", &u), 0);
  assert_part(u.host, "h");
  assert_part(u.query, NULL);
  assert_part(u.fragment, "top");

  assert_int_equal(parse("", &u), 0);
  assert_part(u.scheme, NULL);
  assert_part(u.host, NULL);
  assert_part(u.path, NULL);
}

static void test_parse_uri_empty_vs_absent(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("http://h/?#", &u), 0);
  assert_part(u.path, "/");
  assert_part(u.query, "");
  assert_part(u.fragment, "");
  assert_int_equal(parse("http://h/", &u), 0);
  assert_part(u.query, NULL);
  assert_part(u.fragment, NULL);
}

static void test_parse_uri_delimiters_in_later_parts(void **state) {
  struct uri_parts u;
  (void) state;
  /* "://" inside the query or path is not a scheme separator. */
  assert_int_equal(parse("/go?to=http://x:1/y", &u), 0);
  assert_part(u.scheme, NULL);
  assert_part(u.path, "/go");
  assert_part(u.query, "to=http://x:1/y");
  assert_int_equal(parse("/a://b", &u), 0);
  assert_part(u.scheme, NULL);
  assert_part(u.path, "/a://b");
  /* '?' after '#' belongs to the fragment. */
  assert_int_equal(parse("http://h/p#f?x", &u), 0);
  assert_part(u.query, NULL);
  assert_part(u.fragment, "f?x");
  /* The last '@' separates the user info. */
  assert_int_equal(parse("ftp://a@b:c@host:21/", &u), 0);
  assert_part(u.user_info, "a@b:c");
  assert_part(u.host, "host");
  assert_int_equal(u.port, 21);
  /* '@' in the path is just a character there. */
  assert_int_equal(parse("http://host/~user@x", &u), 0);
  assert_part(u.user_info, NULL);
  assert_part(u.host, "host");
  assert_part(u.path, "/~user@x");
}

/* An IPv6 host keeps its brackets (Mongoose 6), pointing at the '['. */
static void test_parse_uri_ipv6(void **state) {
  struct uri_parts u;
  const char *uri = "http://[::1]:8080/p";
  (void) state;
  assert_int_equal(parse(uri, &u), 0);
  assert_part(u.host, "[::1]");
  assert_ptr_equal(u.host.p, uri + 7);
  assert_int_equal(u.port, 8080);
  assert_part(u.path, "/p");

  assert_int_equal(parse("http://[::1]:80/", &u), 0);
  assert_part(u.host, "[::1]");
  assert_int_equal(u.port, 80);
  assert_part(u.path, "/");

  assert_int_equal(parse("[2001:db8::1]", &u), 0);
  assert_part(u.host, "[2001:db8::1]");
  assert_int_equal(u.port, 0);

  assert_int_equal(parse("https://u@[fe80::1]/x?q", &u), 0);
  assert_part(u.user_info, "u");
  assert_part(u.host, "[fe80::1]");
  assert_part(u.path, "/x");
  assert_part(u.query, "q");

  assert_int_equal(parse("[::1]:9", &u), 0);
  assert_part(u.host, "[::1]");
  assert_int_equal(u.port, 9);

}

static void test_parse_uri_ports(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("h:0", &u), 0);
  assert_int_equal(u.port, 0);
  assert_int_equal(parse("h:65535", &u), 0);
  assert_int_equal(u.port, 65535);
  assert_int_equal(parse("h:00080", &u), 0);
  assert_int_equal(u.port, 80);
  /* The grammar allows an empty port; it reads as 0. */
  assert_int_equal(parse("http://h:/x", &u), 0);
  assert_part(u.host, "h");
  assert_int_equal(u.port, 0);
  assert_int_equal(parse("http://[::1]:/x", &u), 0);
  assert_part(u.host, "[::1]");
  assert_int_equal(u.port, 0);
}

static void test_parse_uri_malformed(void **state) {
  static const char *bad[] = {
      "http://h:abc/",  "http://h:65536/", "http://h:99999999999999999999/",
      "h:1:2",          "http://h:-1/",    "http://h: 80/",
      "http://h:80x",   "http://[::1/",    "http://[::1]x/",
      "[::1]:65536",    "[::1]:8a",        "::1",
  };
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct uri_parts u;
    memset(&u, 0, sizeof(u));
    u.port = 4242;
    u.host = mg_mk_str("untouched");
    if (parse(bad[i], &u) != -1) fail_msg("accepted \"%s\"", bad[i]);
    /* A failed parse leaves the outputs alone. */
    assert_int_equal(u.port, 4242);
    assert_int_equal(mg_vcmp(&u.host, "untouched"), 0);
  }
}

static void test_parse_uri_null_outputs(void **state) {
  struct mg_str host = MG_NULL_STR;
  unsigned int port = 0;
  (void) state;
  assert_int_equal(mg_parse_uri(mg_mk_str("http://u@h:1/p?q#f"), NULL, NULL,
                                NULL, NULL, NULL, NULL, NULL),
                   0);
  assert_int_equal(mg_parse_uri(mg_mk_str("http://h:1/p"), NULL, NULL, &host,
                                &port, NULL, NULL, NULL),
                   0);
  assert_part(host, "h");
  assert_int_equal(port, 1);
  assert_int_equal(mg_parse_uri(mg_mk_str("http://h:x/p"), NULL, NULL, NULL,
                                NULL, NULL, NULL, NULL),
                   -1);
}

static void test_parse_uri_respects_len(void **state) {
  struct mg_str host, path;
  unsigned int port;
  (void) state;
  /* Only the first 13 bytes are the URI; the rest must not be read. */
  assert_int_equal(mg_parse_uri(mg_mk_str_n("http://h:12/pXYZ:bad", 13), NULL,
                                NULL, &host, &port, &path, NULL, NULL),
                   0);
  assert_part(host, "h");
  assert_int_equal(port, 12);
  assert_part(path, "/p");
}

/* ---- mg_check_ip_acl -------------------------------------------------- */

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (uint32_t) a << 24 | (uint32_t) b << 16 | (uint32_t) c << 8 | d;
}

static void test_acl_empty_allows_all(void **state) {
  (void) state;
  assert_int_equal(mg_check_ip_acl(NULL, ip(1, 2, 3, 4)), 1);
  assert_int_equal(mg_check_ip_acl("", ip(1, 2, 3, 4)), 1);
}

static void test_acl_allow_list(void **state) {
  const char *acl = "+10.0.0.0/8";
  (void) state;
  assert_int_equal(mg_check_ip_acl(acl, ip(10, 1, 2, 3)), 1);
  assert_int_equal(mg_check_ip_acl(acl, ip(10, 255, 255, 255)), 1);
  assert_int_equal(mg_check_ip_acl(acl, ip(11, 0, 0, 1)), 0);
  assert_int_equal(mg_check_ip_acl(acl, ip(9, 255, 255, 255)), 0);
}

static void test_acl_deny_list(void **state) {
  const char *acl = "-1.2.3.4";
  (void) state;
  assert_int_equal(mg_check_ip_acl(acl, ip(1, 2, 3, 4)), 0);
  assert_int_equal(mg_check_ip_acl(acl, ip(1, 2, 3, 5)), 1);
  assert_int_equal(mg_check_ip_acl(acl, ip(4, 3, 2, 1)), 1);
}

static void test_acl_last_match_wins(void **state) {
  const char *acl = "+10.0.0.0/8,-10.0.0.1";
  const char *acl2 = "-0.0.0.0/0,+192.168.0.0/16,-192.168.1.0/24";
  (void) state;
  assert_int_equal(mg_check_ip_acl(acl, ip(10, 0, 0, 1)), 0);
  assert_int_equal(mg_check_ip_acl(acl, ip(10, 0, 0, 2)), 1);
  assert_int_equal(mg_check_ip_acl(acl, ip(192, 168, 1, 1)), 0);

  assert_int_equal(mg_check_ip_acl(acl2, ip(192, 168, 5, 5)), 1);
  assert_int_equal(mg_check_ip_acl(acl2, ip(192, 168, 1, 5)), 0);
  assert_int_equal(mg_check_ip_acl(acl2, ip(8, 8, 8, 8)), 0);
}

static void test_acl_masks(void **state) {
  (void) state;
  assert_int_equal(mg_check_ip_acl("+0.0.0.0/0", ip(255, 1, 2, 3)), 1);
  assert_int_equal(mg_check_ip_acl("-0.0.0.0/0", ip(0, 0, 0, 0)), 0);
  assert_int_equal(mg_check_ip_acl("+1.2.3.4/32", ip(1, 2, 3, 4)), 1);
  assert_int_equal(mg_check_ip_acl("+1.2.3.4/32", ip(1, 2, 3, 5)), 0);
  assert_int_equal(mg_check_ip_acl("+1.2.3.4/31", ip(1, 2, 3, 5)), 1);
  assert_int_equal(mg_check_ip_acl("+1.2.3.4/31", ip(1, 2, 3, 6)), 0);
  assert_int_equal(mg_check_ip_acl("+128.0.0.0/1", ip(200, 0, 0, 0)), 1);
  assert_int_equal(mg_check_ip_acl("+128.0.0.0/1", ip(127, 0, 0, 0)), 0);
  /* Host bits set in the network part are ignored, not an error. */
  assert_int_equal(mg_check_ip_acl("+10.1.2.3/8", ip(10, 9, 9, 9)), 1);
  /* Leading zeros are decimal, not octal. */
  assert_int_equal(mg_check_ip_acl("+010.0.0.1", ip(10, 0, 0, 1)), 1);
}

static void test_acl_whitespace(void **state) {
  (void) state;
  assert_int_equal(mg_check_ip_acl(" +1.2.3.4 , -1.2.3.4/32 ", ip(1, 2, 3, 4)),
                   0);
  assert_int_equal(mg_check_ip_acl("\t+1.2.3.4", ip(1, 2, 3, 4)), 1);
}

static void test_acl_malformed(void **state) {
  static const char *bad[] = {
      "1.2.3.4",      "+1.2.3",     "+1.2.3.4.5",  "+256.0.0.1",
      "+1.2.3.4/33",  "+1.2.3.4/",  "+1.2.3.4x",   "+1.2.3.4,",
      ",+1.2.3.4",    "+1..2.3",    "+ 1.2.3.4",   "+1.2.3.4/8/8",
      "*1.2.3.4",     "+1.2.3.4 5", "+-1.2.3.4",   "+1.2.3.1000",
      "+1.2.3.4/100", "+a.b.c.d",   "+1.2.3.4//8", " ",
  };
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (mg_check_ip_acl(bad[i], ip(1, 2, 3, 4)) != -1) {
      fail_msg("accepted \"%s\"", bad[i]);
    }
  }
  /* A bad entry is reported even after an entry that already matched. */
  assert_int_equal(mg_check_ip_acl("+1.2.3.4,-300.1.1.1", ip(1, 2, 3, 4)), -1);
}

/* ---- mg_hexdump ------------------------------------------------------- */

/* The line for `hex` (already spaced) and `ascii`, at `offset`. */
static void expected_line(char *out, size_t out_len, unsigned offset,
                          const char *hex, const char *ascii) {
  snprintf(out, out_len, "%04x  %-47s  %s\n", offset, hex, ascii);
}

static void test_hexdump_short_line(void **state) {
  char dst[256], want[128];
  int n;
  (void) state;
  n = mg_hexdump("hello", 5, dst, sizeof(dst));
  expected_line(want, sizeof(want), 0, "68 65 6c 6c 6f", "hello");
  assert_string_equal(dst, want);
  assert_int_equal(n, (int) strlen(want));
  /* The ASCII column starts where a full line's does. */
  assert_ptr_equal(strstr(dst, "hello"), dst + 55);
}

static void test_hexdump_full_and_partial_lines(void **state) {
  const char *data = "0123456789abcdef\x00\x1f\x7f\x80 ~";
  char dst[256];
  const char *line1 =
      "0000  30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66  "
      "0123456789abcdef\n";
  char line2[128];
  int n;
  (void) state;
  n = mg_hexdump(data, 22, dst, sizeof(dst));
  expected_line(line2, sizeof(line2), 0x10, "00 1f 7f 80 20 7e", ".... ~");
  assert_int_equal(n, (int) (strlen(line1) + strlen(line2)));
  assert_int_equal(strlen(line1), 72);
  assert_memory_equal(dst, line1, strlen(line1));
  assert_string_equal(dst + strlen(line1), line2);
}

static void test_hexdump_exact_lines(void **state) {
  unsigned char data[32];
  char dst[256];
  int i;
  (void) state;
  for (i = 0; i < 32; i++) data[i] = (unsigned char) ('A' + i % 26);
  assert_int_equal(mg_hexdump(data, 32, dst, sizeof(dst)), 144);
  assert_int_equal(strncmp(dst + 72, "0010  51 52 53", 14), 0);
  assert_int_equal(dst[143], '\n');
  assert_int_equal(dst[144], '\0');
}

static void test_hexdump_empty(void **state) {
  char dst[8];
  (void) state;
  memset(dst, CANARY, sizeof(dst));
  assert_int_equal(mg_hexdump("abc", 0, dst, sizeof(dst)), 0);
  assert_string_equal(dst, "");
  assert_int_equal(mg_hexdump("abc", -5, dst, sizeof(dst)), 0);
  assert_string_equal(dst, "");
}

static void test_hexdump_tiny_dst(void **state) {
  char dst[200];
  (void) state;

  /* No room at all: nothing is written, not even the NUL. */
  memset(dst, CANARY, sizeof(dst));
  assert_int_equal(mg_hexdump("hello", 5, dst, 0), 0);
  assert_int_equal((unsigned char) dst[0], CANARY);

  /* Room for the NUL only. */
  assert_int_equal(mg_hexdump("hello", 5, dst, 1), 0);
  assert_int_equal(dst[0], '\0');
  assert_int_equal((unsigned char) dst[1], CANARY);

  /* A whole line is 72 characters; with its NUL it needs 73. */
  memset(dst, CANARY, sizeof(dst));
  assert_int_equal(mg_hexdump("0123456789abcdef", 16, dst, 72), 0);
  assert_int_equal(dst[0], '\0');
  assert_int_equal((unsigned char) dst[1], CANARY);
  assert_int_equal(mg_hexdump("0123456789abcdef", 16, dst, 73), 72);
  assert_int_equal(dst[72], '\0');
  assert_int_equal((unsigned char) dst[73], CANARY);
}

static void test_hexdump_stops_at_line_boundary(void **state) {
  /* 51 bytes: three full lines of 72 characters and one of 59. */
  static const int line_ends[] = {0, 72, 144, 216, 275};
  const char *data = "The quick brown fox jumps over the lazy dog, twice.";
  char full[512], dst[512];
  int dst_len;
  (void) state;
  assert_int_equal(mg_hexdump(data, 51, full, sizeof(full)), 275);
  for (dst_len = 1; dst_len <= 300; dst_len++) {
    int i, want = 0;
    /* The longest run of whole lines that leaves room for the NUL. */
    for (i = 0; i < 5; i++) {
      if (line_ends[i] < dst_len) want = line_ends[i];
    }
    memset(dst, CANARY, sizeof(dst));
    assert_int_equal(mg_hexdump(data, 51, dst, dst_len), want);
    assert_memory_equal(dst, full, (size_t) want);
    assert_int_equal(dst[want], '\0');
    assert_int_equal((unsigned char) dst[dst_len], CANARY);
  }
}

static void test_hexdump_offsets_beyond_ffff(void **state) {
  const int len = 0x10000 + 5;
  const int dst_len = (len / 16 + 1) * 80;
  unsigned char *data = (unsigned char *) calloc((size_t) len, 1);
  char *dst = (char *) malloc((size_t) dst_len);
  char *last;
  int n;
  (void) state;
  assert_non_null(data);
  assert_non_null(dst);
  n = mg_hexdump(data, len, dst, dst_len);
  assert_int_equal(n, (int) strlen(dst));
  last = strrchr(dst, '\n');
  assert_non_null(last);
  *last = '\0';
  last = strrchr(dst, '\n') + 1;
  assert_int_equal(strncmp(last, "10000  00 00 00 00 00 ", 22), 0);
  /* The wider offset shifts the line but keeps the layout. */
  assert_int_equal(strlen(last), 5 + 2 + 47 + 2 + 5);
  assert_int_equal(strncmp(dst + 72 * 0xfff, "fff0  ", 6), 0);
  free(data);
  free(dst);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_base64_encode_rfc4648),
      cmocka_unit_test(test_base64_decode_rfc4648),
      cmocka_unit_test(test_base64_alphabet_edges),
      cmocka_unit_test(test_base64_decode_without_padding),
      cmocka_unit_test(test_base64_decode_stops_at_invalid),
      cmocka_unit_test(test_base64_decode_misplaced_padding),
      cmocka_unit_test(test_base64_decode_respects_len),
      cmocka_unit_test(test_base64_round_trip),
      cmocka_unit_test(test_base64_round_trip_all_bytes),
      cmocka_unit_test(test_url_decode),
      cmocka_unit_test(test_url_decode_plus),
      cmocka_unit_test(test_url_decode_embedded_nul),
      cmocka_unit_test(test_url_decode_malformed),
      cmocka_unit_test(test_url_decode_small_dst),
      cmocka_unit_test(test_url_encode),
      cmocka_unit_test(test_url_encode_empty),
      cmocka_unit_test(test_url_encode_opt),
      cmocka_unit_test(test_url_encode_decode_round_trip),
      cmocka_unit_test(test_parse_uri_full),
      cmocka_unit_test(test_parse_uri_partial),
      cmocka_unit_test(test_parse_uri_empty_vs_absent),
      cmocka_unit_test(test_parse_uri_delimiters_in_later_parts),
      cmocka_unit_test(test_parse_uri_ipv6),
      cmocka_unit_test(test_parse_uri_ports),
      cmocka_unit_test(test_parse_uri_malformed),
      cmocka_unit_test(test_parse_uri_null_outputs),
      cmocka_unit_test(test_parse_uri_respects_len),
      cmocka_unit_test(test_acl_empty_allows_all),
      cmocka_unit_test(test_acl_allow_list),
      cmocka_unit_test(test_acl_deny_list),
      cmocka_unit_test(test_acl_last_match_wins),
      cmocka_unit_test(test_acl_masks),
      cmocka_unit_test(test_acl_whitespace),
      cmocka_unit_test(test_acl_malformed),
      cmocka_unit_test(test_hexdump_short_line),
      cmocka_unit_test(test_hexdump_full_and_partial_lines),
      cmocka_unit_test(test_hexdump_exact_lines),
      cmocka_unit_test(test_hexdump_empty),
      cmocka_unit_test(test_hexdump_tiny_dst),
      cmocka_unit_test(test_hexdump_stops_at_line_boundary),
      cmocka_unit_test(test_hexdump_offsets_beyond_ffff),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
