/*
 * test_compat_api.c - unit tests for the helpers that complete the
 * Mongoose 6 API: mg_asprintf/mg_avprintf (engine/printf.c), URI path
 * normalization and assembly (engine/url.c), SHA-1 and HMAC-SHA1 under
 * their cs_ names (engine/sha1.c), MD5 (engine/md5.c), streaming base64
 * (engine/base64.c, into an mbuf too), the native file, socket, clock and
 * hex dump helpers (sockiface/os_posix.c), and Mongoose 6's small common
 * helpers: glob matching (engine/glob.c), comma lists, c_strnlen and
 * c_strnstr (engine/str.c), c_snprintf (engine/printf.c), the leveled log
 * (engine/log.c), byte order and cs_timegm (engine/util.c).
 *
 * Expected digests are the standards' own test vectors: FIPS 180-4 for
 * SHA-1, RFC 2202 for HMAC-SHA1, RFC 1321 appendix A.5 for MD5, RFC 4648
 * section 10 for base64. A few lengths around the padding boundaries come
 * from an independent implementation, and so do the cs_timegm values
 * (Python's calendar.timegm, and the C library's timegm over four
 * centuries).
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

/* ---- mg_asprintf / mg_avprintf ------------------------------------------ */

static void test_asprintf_fits(void **state) {
  char small[16], *buf = small;
  int n;
  (void) state;
  n = mg_asprintf(&buf, sizeof(small), "%s=%d", "answer", 42);
  assert_int_equal(n, 9);
  assert_ptr_equal(buf, small);
  assert_string_equal(small, "answer=42");
  /* 15 characters and the NUL are exactly 16 bytes: still no allocation */
  n = mg_asprintf(&buf, sizeof(small), "%015d", 7);
  assert_int_equal(n, 15);
  assert_ptr_equal(buf, small);
  assert_string_equal(small, "000000000000007");
  n = mg_asprintf(&buf, sizeof(small), "%s", "");
  assert_int_equal(n, 0);
  assert_ptr_equal(buf, small);
  assert_string_equal(small, "");
}

static void test_asprintf_grows(void **state) {
  char small[16], *buf = small, expected[1101];
  int n, i;
  (void) state;
  /* one byte too many for the NUL */
  n = mg_asprintf(&buf, sizeof(small), "%016d", 7);
  assert_int_equal(n, 16);
  assert_true(buf != small);
  assert_string_equal(buf, "0000000000000007");
  free(buf);

  for (i = 0; i < 100; i++) memcpy(expected + 11 * i, "0123456789,", 11);
  expected[1100] = '\0';
  buf = small;
  n = mg_asprintf(&buf, sizeof(small), "%s%s", expected, "");
  assert_int_equal(n, 1100);
  assert_true(buf != small);
  assert_string_equal(buf, expected);
  free(buf);

  /* no buffer at all: the result always goes to the heap */
  buf = NULL;
  n = mg_asprintf(&buf, 0, "x%cz", 'y');
  assert_int_equal(n, 3);
  assert_non_null(buf);
  assert_string_equal(buf, "xyz");
  free(buf);
}

/* mg_avprintf must leave ap usable for its own second pass. */
static int call_avprintf(char **buf, size_t size, const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = mg_avprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

static void test_avprintf(void **state) {
  char small[4], *buf = small;
  int n;
  (void) state;
  n = call_avprintf(&buf, sizeof(small), "%d-%s-%.1f", 12, "ab", 2.5);
  assert_int_equal(n, 9);
  assert_true(buf != small);
  assert_string_equal(buf, "12-ab-2.5");
  free(buf);
  buf = small;
  n = call_avprintf(&buf, sizeof(small), "%d", 123);
  assert_int_equal(n, 3);
  assert_ptr_equal(buf, small);
  assert_string_equal(small, "123");
}

/* ---- mg_normalize_uri_path ---------------------------------------------- */

/* Normalizes a copy of in; NULL for expected means it must fail. */
static void check_normalize(const char *in, const char *expected) {
  char src[64], dst[64];
  struct mg_str sin, sout;
  int r;
  assert_true(strlen(in) < sizeof(src));
  memcpy(src, in, strlen(in));
  sin = mg_mk_str_n(src, strlen(in));
  sout = mg_mk_str_n(dst, 0);
  r = mg_normalize_uri_path(&sin, &sout);
  if (expected == NULL) {
    if (r != 0) fail_msg("\"%s\" normalized, expected failure", in);
    assert_int_equal(sout.len, 0);
  } else {
    if (r != 1) fail_msg("\"%s\" failed to normalize", in);
    assert_ptr_equal(sout.p, dst);
    if (mg_vcmp(&sout, expected) != 0) {
      fail_msg("\"%s\" -> \"%.*s\", expected \"%s\"", in, (int) sout.len,
               sout.p, expected);
    }
  }

  /* In place, the same answer. */
  memcpy(src, in, strlen(in));
  sin = mg_mk_str_n(src, strlen(in));
  r = mg_normalize_uri_path(&sin, &sin);
  assert_int_equal(r, expected == NULL ? 0 : 1);
  if (expected != NULL) {
    assert_ptr_equal(sin.p, src);
    assert_int_equal(mg_vcmp(&sin, expected), 0);
  }
}

static void test_normalize_uri_path(void **state) {
  (void) state;
  check_normalize("/a/./b/../c", "/a/c");
  check_normalize("/", "/");
  check_normalize("/a/b", "/a/b");
  check_normalize("/a/b/", "/a/b/");
  check_normalize("/a/b/..", "/a/");
  check_normalize("/a/b/../", "/a/");
  check_normalize("/a/b/.", "/a/b/");
  check_normalize("/.", "/");
  check_normalize("/./", "/");
  check_normalize("/a/..", "/");
  check_normalize("/a/b/../../c", "/c");
  /* RFC 3986 section 5.2.4's examples */
  check_normalize("/a/b/c/./../../g", "/a/g");
  check_normalize("/mid/content=5/../6", "/mid/6");
  /* only whole segments are dots */
  check_normalize("/..a/b./.c/...", "/..a/b./.c/...");
  /* empty segments are kept, and ".." removes one of them */
  check_normalize("/a//b", "/a//b");
  check_normalize("/a//..", "/a/");
}

static void test_normalize_uri_path_errors(void **state) {
  (void) state;
  /* above the root */
  check_normalize("/..", NULL);
  check_normalize("/../a", NULL);
  check_normalize("/a/../..", NULL);
  check_normalize("/a/../../b", NULL);
  check_normalize("/./..", NULL);
  /* not absolute */
  check_normalize("", NULL);
  check_normalize("a/b", NULL);
  check_normalize("../a", NULL);
}

/* ---- mg_assemble_uri ---------------------------------------------------- */

static void check_assemble(const char *scheme, const char *user,
                           const char *host, unsigned int port,
                           const char *path, const char *query,
                           const char *frag, int normalize,
                           const char *expected) {
  struct mg_str s = mg_mk_str(scheme), u = mg_mk_str(user),
                h = mg_mk_str(host), p = mg_mk_str(path), q = mg_mk_str(query),
                f = mg_mk_str(frag), out;
  int r = mg_assemble_uri(scheme ? &s : NULL, user ? &u : NULL,
                          host ? &h : NULL, port, path ? &p : NULL,
                          query ? &q : NULL, frag ? &f : NULL, normalize, &out);
  if (expected == NULL) {
    assert_int_equal(r, -1);
    assert_null(out.p);
    assert_int_equal(out.len, 0);
    return;
  }
  assert_int_equal(r, 0);
  assert_non_null(out.p);
  if (mg_vcmp(&out, expected) != 0) {
    fail_msg("got \"%.*s\", expected \"%s\"", (int) out.len, out.p, expected);
  }
  assert_int_equal(out.p[out.len], '\0');
  free((void *) out.p);
}

static void test_assemble_uri(void **state) {
  (void) state;
  check_assemble("http", "user:pw", "example.com", 8080, "/a/b", "x=1&y=2",
                 "top", 0, "http://user:pw@example.com:8080/a/b?x=1&y=2#top");
  check_assemble("http", NULL, "example.com", 0, "/", NULL, NULL, 0,
                 "http://example.com/");
  check_assemble("ws", "", "h", 0, "", "", "", 0, "ws://h");
  check_assemble(NULL, NULL, NULL, 0, "/p", "q", NULL, 0, "/p?q");
  check_assemble(NULL, NULL, "h", 80, NULL, NULL, NULL, 0, "h:80");
  check_assemble(NULL, NULL, NULL, 0, NULL, NULL, NULL, 0, "");
  /* IPv6 literals get their brackets, once */
  check_assemble("http", NULL, "::1", 80, "/", NULL, NULL, 0,
                 "http://[::1]:80/");
  check_assemble("http", NULL, "[::1]", 80, "/", NULL, NULL, 0,
                 "http://[::1]:80/");
  check_assemble("http", NULL, "fe80::1", 0, NULL, NULL, NULL, 0,
                 "http://[fe80::1]");
  /* the largest port */
  check_assemble("udp", NULL, "h", 65535, NULL, NULL, NULL, 0, "udp://h:65535");
}

static void test_assemble_uri_normalize(void **state) {
  (void) state;
  check_assemble("http", NULL, "h", 0, "/a/./b/../c", "q", "f", 1,
                 "http://h/a/c?q#f");
  check_assemble("http", NULL, "h", 0, "/a/./b/../c", NULL, NULL, 0,
                 "http://h/a/./b/../c");
  /* an empty path is the root when normalizing */
  check_assemble("http", NULL, "h", 0, NULL, "q", NULL, 1, "http://h/?q");
  check_assemble("http", NULL, "h", 0, "", NULL, NULL, 1, "http://h/");
  /* errors: above the root, not absolute */
  check_assemble("http", NULL, "h", 0, "/a/../..", NULL, NULL, 1, NULL);
  check_assemble("http", NULL, "h", 0, "rel/x", NULL, NULL, 1, NULL);
}

/* A URI taken apart by mg_parse_uri goes back together unchanged. */
static void test_assemble_parse_round_trip(void **state) {
  static const char *const uris[] = {
      "http://user@[2001:db8::7]:8000/x/y?z=1#f",
      "https://example.com/",
      "ws://127.0.0.1:9000/chat",
  };
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
    struct mg_str s, u, h, p, q, f, out;
    unsigned int port;
    assert_int_equal(mg_parse_uri(mg_mk_str(uris[i]), &s, &u, &h, &port, &p,
                                  &q, &f),
                     0);
    assert_int_equal(mg_assemble_uri(&s, &u, &h, port, &p, &q, &f, 0, &out),
                     0);
    assert_string_equal(out.p, uris[i]);
    free((void *) out.p);
  }
}

/* ---- SHA-1 and HMAC-SHA1 ------------------------------------------------ */

static void hex_of(const unsigned char *d, size_t n, char *out) {
  cs_to_hex(out, d, n);
}

static void test_cs_sha1(void **state) {
  static const char m448[] =
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  cs_sha1_ctx c;
  unsigned char d[20];
  char hex[41];
  size_t i;
  (void) state;

  cs_sha1_init(&c);
  cs_sha1_update(&c, (const unsigned char *) "ab", 2);
  cs_sha1_update(&c, NULL, 0);
  cs_sha1_update(&c, (const unsigned char *) "c", 1);
  cs_sha1_final(d, &c);
  hex_of(d, 20, hex);
  assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");

  cs_sha1_init(&c);
  for (i = 0; i < strlen(m448); i++) {
    cs_sha1_update(&c, (const unsigned char *) m448 + i, 1);
  }
  cs_sha1_final(d, &c);
  hex_of(d, 20, hex);
  assert_string_equal(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");

  cs_sha1_init(&c);
  cs_sha1_final(d, &c);
  hex_of(d, 20, hex);
  assert_string_equal(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void test_hmac_sha1_rfc2202(void **state) {
  static const struct {
    unsigned char key_byte; /* 0: the key is key_text */
    size_t key_len;
    const char *key_text;
    unsigned char data_byte; /* 0: the data is data_text */
    size_t data_len;
    const char *data_text;
    const char *hex;
  } cases[] = {
      {0x0b, 20, NULL, 0, 0, "Hi There",
       "b617318655057264e28bc0b6fb378c8ef146be00"},
      {0, 4, "Jefe", 0, 0, "what do ya want for nothing?",
       "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
      {0xaa, 20, NULL, 0xdd, 50, NULL,
       "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
      {1, 25, NULL, 0xcd, 50, NULL, /* key 0x01, 0x02, ... 0x19 */
       "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
      {0x0c, 20, NULL, 0, 0, "Test With Truncation",
       "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
      {0xaa, 80, NULL, 0, 0,
       "Test Using Larger Than Block-Size Key - Hash Key First",
       "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
      {0xaa, 80, NULL, 0, 0,
       "Test Using Larger Than Block-Size Key and Larger Than One "
       "Block-Size Data",
       "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
  };
  size_t i, j;
  (void) state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    unsigned char key[80], data[80], out[20];
    const unsigned char *k = key, *t = data;
    size_t dlen = cases[i].data_len;
    char hex[41];
    for (j = 0; j < cases[i].key_len && cases[i].key_text == NULL; j++) {
      key[j] = cases[i].key_byte == 1 ? (unsigned char) (j + 1)
                                      : cases[i].key_byte;
    }
    if (cases[i].key_text != NULL) k = (const unsigned char *) cases[i].key_text;
    if (cases[i].data_text != NULL) {
      t = (const unsigned char *) cases[i].data_text;
      dlen = strlen(cases[i].data_text);
    } else {
      memset(data, cases[i].data_byte, dlen);
    }
    cs_hmac_sha1(k, cases[i].key_len, t, dlen, out);
    hex_of(out, 20, hex);
    if (strcmp(hex, cases[i].hex) != 0) {
      fail_msg("case %zu: %s, expected %s", i + 1, hex, cases[i].hex);
    }
  }
}

/* A key of exactly one block is used as it is, not hashed first. */
static void test_hmac_sha1_edges(void **state) {
  unsigned char key[64], out[20];
  char hex[41];
  (void) state;
  memset(key, 0xaa, sizeof(key));
  cs_hmac_sha1(key, 64, (const unsigned char *) "x", 1, out);
  hex_of(out, 20, hex);
  assert_string_equal(hex, "9c6d8ea88eaae0dda58c8f4a0f8e9a190edc28e4");
  cs_hmac_sha1(NULL, 0, NULL, 0, out);
  hex_of(out, 20, hex);
  assert_string_equal(hex, "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d");
}

/* ---- MD5 ---------------------------------------------------------------- */

static void md5_hex(const void *data, size_t len, char out[33]) {
  cs_md5_ctx c;
  unsigned char d[16];
  cs_md5_init(&c);
  cs_md5_update(&c, (const unsigned char *) data, len);
  cs_md5_final(d, &c);
  cs_to_hex(out, d, sizeof(d));
}

static void test_md5_rfc1321(void **state) {
  static const struct {
    const char *msg, *hex;
  } suite[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
       "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"1234567890123456789012345678901234567890123456789012345678901234567"
       "8901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(suite) / sizeof(suite[0]); i++) {
    char hex[33], buf[33];
    md5_hex(suite[i].msg, strlen(suite[i].msg), hex);
    assert_string_equal(hex, suite[i].hex);
    /* cs_md5 over the same bytes, as one piece */
    assert_ptr_equal(cs_md5(buf, suite[i].msg, strlen(suite[i].msg), NULL),
                     buf);
    assert_string_equal(buf, suite[i].hex);
  }
}

static void test_md5_padding_boundaries(void **state) {
  static const struct {
    size_t len;
    const char *hex;
  } cases[] = {
      {55, "ef1772b6dff9a122358552954ad0df65"},
      {56, "3b0c8ac703f828b04c6c197006d17218"},
      {63, "b06521f39153d618550606be297466d5"},
      {64, "014842d480b571495a4a0363793f7367"},
      {65, "c743a45e0d2e6a95cb859adae0248435"},
      {119, "8a7bd0732ed6a28ce75f6dabc90e1613"},
      {120, "5f61c0ccad4cac44c75ff505e1f1e537"},
      {128, "e510683b3f5ffe4093d021808bc6ff70"},
  };
  unsigned char a[128];
  char hex[33];
  size_t i;
  (void) state;
  memset(a, 'a', sizeof(a));
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    md5_hex(a, cases[i].len, hex);
    assert_string_equal(hex, cases[i].hex);
  }
}

/* A million 'a's in pieces that straddle the block size every way. */
static void test_md5_million_a_uneven(void **state) {
  static const size_t sizes[] = {1, 3, 63, 64, 65, 127, 1000, 7, 0, 200};
  static unsigned char a[1000];
  cs_md5_ctx c;
  unsigned char d[16];
  char hex[33];
  size_t total = 0, k = 0;
  (void) state;
  memset(a, 'a', sizeof(a));
  cs_md5_init(&c);
  while (total < 1000000) {
    size_t n = sizes[k++ % (sizeof(sizes) / sizeof(sizes[0]))];
    if (n > 1000000 - total) n = 1000000 - total;
    cs_md5_update(&c, a, n);
    total += n;
  }
  cs_md5_final(d, &c);
  cs_to_hex(hex, d, sizeof(d));
  assert_string_equal(hex, "7707d6ae4e027c70eea2a935c2296f21");
}

/* The pieces of cs_md5 are hashed as one message, as HTTP Digest needs for
 * "user:realm:password". */
static void test_cs_md5_pieces(void **state) {
  const char *user = "user", *realm = "realm", *pass = "pass";
  char buf[33];
  (void) state;
  memset(buf, 'x', sizeof(buf));
  cs_md5(buf, user, strlen(user), ":", (size_t) 1, realm, strlen(realm), ":",
         (size_t) 1, pass, strlen(pass), NULL);
  assert_string_equal(buf, "8493fbc53ba582fb4c044c456bdc40eb");
  cs_md5(buf, "mess", (size_t) 4, "", (size_t) 0, "age digest", (size_t) 10,
         NULL);
  assert_string_equal(buf, "f96b697d7cb7938d525a2f31aaf161d0");
  cs_md5(buf, NULL);
  assert_string_equal(buf, "d41d8cd98f00b204e9800998ecf8427e");
}

static void test_cs_to_hex(void **state) {
  static const unsigned char bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
  char out[16];
  (void) state;
  memset(out, 'x', sizeof(out));
  cs_to_hex(out, bytes, sizeof(bytes));
  assert_string_equal(out, "00017f80abff");
  assert_int_equal(out[13], 'x');
  cs_to_hex(out, bytes, 0);
  assert_string_equal(out, "");
}

/* ---- base64 under its cs_ names ----------------------------------------- */

/* RFC 4648, section 10. */
static const struct {
  const char *plain, *encoded;
} rfc4648[] = {
    {"", ""},          {"f", "Zg=="},        {"fo", "Zm8="},
    {"foo", "Zm9v"},   {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

struct sink {
  char buf[64];
  size_t len;
};

static void sink_putc(char ch, void *user_data) {
  struct sink *s = (struct sink *) user_data;
  assert_true(s->len + 1 < sizeof(s->buf));
  s->buf[s->len++] = ch;
  s->buf[s->len] = '\0';
}

static void test_cs_base64_encode(void **state) {
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
    char out[16], mg[16];
    memset(out, 0x5a, sizeof(out));
    cs_base64_encode((const unsigned char *) rfc4648[i].plain,
                     (int) strlen(rfc4648[i].plain), out);
    assert_string_equal(out, rfc4648[i].encoded);
    assert_int_equal((unsigned char) out[strlen(out) + 1], 0x5a);
    mg_base64_encode((const unsigned char *) rfc4648[i].plain,
                     (int) strlen(rfc4648[i].plain), mg);
    assert_string_equal(mg, out);
  }
}

/* The streaming encoder gives the same text however the input is cut. */
static void test_cs_base64_streaming(void **state) {
  const char *plain = "foobar";
  size_t len, cut1, cut2;
  (void) state;
  for (len = 0; len <= 6; len++) {
    for (cut1 = 0; cut1 <= len; cut1++) {
      for (cut2 = cut1; cut2 <= len; cut2++) {
        struct cs_base64_ctx ctx;
        struct sink s;
        s.len = 0;
        s.buf[0] = '\0';
        cs_base64_init(&ctx, sink_putc, &s);
        cs_base64_update(&ctx, plain, cut1);
        cs_base64_update(&ctx, plain + cut1, cut2 - cut1);
        cs_base64_update(&ctx, plain + cut2, len - cut2);
        cs_base64_finish(&ctx);
        assert_string_equal(s.buf, rfc4648[len].encoded);
      }
    }
  }
}

static void test_cs_base64_binary(void **state) {
  static const unsigned char bytes[] = {0x00, 0xff, 0xfe, 0x00, 0x10};
  char enc[16], dec[16];
  int dec_len = -1;
  (void) state;
  cs_base64_encode(bytes, (int) sizeof(bytes), enc);
  assert_string_equal(enc, "AP/+ABA=");
  assert_int_equal(
      cs_base64_decode((const unsigned char *) enc, 8, dec, &dec_len), 8);
  assert_int_equal(dec_len, 5);
  assert_memory_equal(dec, bytes, 5);
  assert_int_equal(dec[5], '\0');
}

static void test_cs_base64_decode(void **state) {
  char out[16];
  int dec_len;
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
    const char *e = rfc4648[i].encoded;
    dec_len = -1;
    assert_int_equal(
        cs_base64_decode((const unsigned char *) e, (int) strlen(e), out,
                         &dec_len),
        (int) strlen(e));
    assert_int_equal(dec_len, (int) strlen(rfc4648[i].plain));
    assert_string_equal(out, rfc4648[i].plain);
  }
  /* stops at the first byte that is not base64: 4 consumed, 3 decoded */
  dec_len = -1;
  assert_int_equal(
      cs_base64_decode((const unsigned char *) "Zm9v!Zm9v", 9, out, &dec_len),
      4);
  assert_int_equal(dec_len, 3);
  assert_string_equal(out, "foo");
  /* a lone digit cannot make a byte and is not consumed */
  assert_int_equal(
      cs_base64_decode((const unsigned char *) "Zm9vY", 5, out, &dec_len), 4);
  assert_int_equal(dec_len, 3);
  /* dec_len is optional */
  assert_int_equal(cs_base64_decode((const unsigned char *) "Zg==", 4, out,
                                    NULL),
                   4);
  assert_string_equal(out, "f");
  /* nothing decodable */
  dec_len = -1;
  assert_int_equal(cs_base64_decode((const unsigned char *) "*", 1, out,
                                    &dec_len),
                   0);
  assert_int_equal(dec_len, 0);
  assert_string_equal(out, "");
}

static void test_cs_fprint_base64(void **state) {
  FILE *f = tmpfile();
  char got[32];
  size_t n;
  (void) state;
  assert_non_null(f);
  cs_fprint_base64(f, (const unsigned char *) "fooba", 5);
  fputc('|', f);
  cs_fprint_base64(f, (const unsigned char *) "", 0);
  cs_fprint_base64(f, (const unsigned char *) "f", 1);
  rewind(f);
  n = fread(got, 1, sizeof(got) - 1, f);
  got[n] = '\0';
  assert_string_equal(got, "Zm9vYmE=|Zg==");
  fclose(f);
}

/* ---- mg_match_prefix / mg_match_prefix_n -------------------------------- */

static int mp(const char *pattern, const char *str) {
  return mg_match_prefix(pattern, (int) strlen(pattern), str);
}

static size_t mpn(const char *pattern, const char *str) {
  return mg_match_prefix_n(mg_mk_str(pattern), mg_mk_str(str));
}

/* The examples of Mongoose 6's documentation, then each rule. */
static void test_match_prefix_documented(void **state) {
  (void) state;
  assert_int_equal(mp("a*f", "abcdefgh"), 6);
  assert_int_equal(mp("a*f", "abcdexgh"), -1);
  assert_int_equal(mpn("a*f", "abcdexgh"), 0);
  assert_int_equal(mp("a*f|de*,xy", "defgh"), 5);
  assert_int_equal(mp("a*f|de*,xy", "xyz"), 2);
  assert_int_equal(mp("?*", "abc"), 3);
  assert_int_equal(mp("?*", ""), -1);
  assert_int_equal(mpn("?*", ""), 0);
}

static void test_match_prefix_rules(void **state) {
  (void) state;
  /* '*' stops at '/', '**' does not */
  assert_int_equal(mp("/a/*", "/a/b/c"), 4);
  assert_int_equal(mp("/a/**", "/a/b/c"), 6);
  assert_int_equal(mp("*", "abc/def"), 3);
  assert_int_equal(mp("**", "abc/def"), 7);
  /* a star gives bytes back until the rest matches */
  assert_int_equal(mp("**/", "a/b/c"), 4);
  assert_int_equal(mp("*b", "abab/x"), 4);
  /* '?' is any one byte, '/' included */
  assert_int_equal(mp("a?c", "a/cd"), 3);
  assert_int_equal(mp("a?c", "ac"), -1);
  /* '$' anchors at the end */
  assert_int_equal(mp("/a$", "/a"), 2);
  assert_int_equal(mp("/a$", "/ab"), -1);
  assert_int_equal(mp("**.html$", "/x/y.html"), 9);
  assert_int_equal(mp("**.html$", "/x/y.html.bak"), -1);
  /* letters match either case */
  assert_int_equal(mp("*.HTML", "Index.html"), 10);
  assert_int_equal(mp("ABC", "abcd"), 3);
  /* the longest alternative counts, whatever the order */
  assert_int_equal(mp("a|abc", "abcd"), 3);
  assert_int_equal(mp("abc|a", "abcd"), 3);
  assert_int_equal(mp("x|y,z", "zz"), 1);
  assert_int_equal(mp("x|y,z", "w"), -1);
  /* an empty match is a match: 0, not -1 */
  assert_int_equal(mp("", "abc"), 0);
  assert_int_equal(mp("*", "/abc"), 0);
  assert_int_equal(mp("x|", "abc"), 0);
  assert_int_equal(mpn("", "abc"), 0);
}

static void test_match_prefix_lengths(void **state) {
  struct mg_str pat = mg_mk_str_n("*.cpp", 3), str = mg_mk_str_n("x.cpp", 3);
  (void) state;
  /* only pattern_len bytes of the pattern count */
  assert_int_equal(mg_match_prefix("ab|zzz", 2, "abz"), 2);
  assert_int_equal(mg_match_prefix("abc|zzz", 3, "abz"), -1);
  assert_int_equal(mg_match_prefix("abc", -1, "abc"), -1);
  assert_int_equal(mg_match_prefix("x", 1, NULL), -1);
  assert_int_equal(mg_match_prefix("", 0, NULL), 0);
  /* mg_str sides need no NUL */
  assert_int_equal(mg_match_prefix_n(pat, str), 3);
  assert_int_equal(mg_match_prefix_n(mg_mk_str_n(NULL, 0), mg_mk_str("abc")), 0);
  assert_int_equal(mg_match_prefix_n(mg_mk_str("a"), mg_mk_str_n(NULL, 0)), 0);
  assert_int_equal(mg_match_prefix_n(mg_mk_str("**"), mg_mk_str_n("ab\0cd", 5)), 5);
}

/* ---- mg_next_comma_list_entry ------------------------------------------- */

static void assert_str(struct mg_str s, const char *want) {
  if (s.len != strlen(want) || (s.len > 0 && memcmp(s.p, want, s.len) != 0)) {
    fail_msg("got \"%.*s\", want \"%s\"", (int) s.len, s.p != NULL ? s.p : "", want);
  }
}

static void test_comma_list(void **state) {
  const char *list = "a=1,b,c=3";
  const char *p = list;
  struct mg_str val = mg_mk_str("untouched"), eq = mg_mk_str("untouched");
  (void) state;
  p = mg_next_comma_list_entry(p, &val, &eq);
  assert_ptr_equal(p, list + 4);
  assert_str(val, "a");
  assert_ptr_equal(val.p, list);
  assert_str(eq, "1");
  p = mg_next_comma_list_entry(p, &val, &eq);
  assert_ptr_equal(p, list + 6);
  assert_str(val, "b");
  assert_str(eq, "");
  assert_ptr_equal(eq.p, list + 5); /* empty, but never NULL */
  p = mg_next_comma_list_entry(p, &val, &eq);
  assert_ptr_equal(p, list + 9); /* the last entry leaves "", not NULL */
  assert_str(val, "c");
  assert_str(eq, "3");
  val = mg_mk_str("untouched");
  assert_null(mg_next_comma_list_entry(p, &val, &eq));
  assert_str(val, "untouched");
  assert_null(mg_next_comma_list_entry("", &val, &eq));
  assert_null(mg_next_comma_list_entry(NULL, &val, &eq));
  assert_str(val, "untouched");
}

static void test_comma_list_edges(void **state) {
  const char *p = "x,,y==z,";
  struct mg_str val, eq;
  (void) state;
  p = mg_next_comma_list_entry(p, &val, &eq);
  assert_str(val, "x");
  p = mg_next_comma_list_entry(p, &val, &eq);
  assert_str(val, "");
  assert_str(eq, "");
  p = mg_next_comma_list_entry(p, &val, &eq);
  assert_str(val, "y"); /* split at the first '=' */
  assert_str(eq, "=z");
  assert_string_equal(p, "");
  assert_null(mg_next_comma_list_entry(p, &val, &eq)); /* trailing comma */
  /* without eq_val the entry is whole; spaces are kept */
  p = mg_next_comma_list_entry(" k=v ,w", &val, NULL);
  assert_str(val, " k=v ");
  assert_string_equal(p, "w");
}

static void test_comma_list_n(void **state) {
  const char *buf = "a,b=2;not part of the list";
  struct mg_str list = mg_mk_str_n(buf, 5), val, eq;
  (void) state;
  list = mg_next_comma_list_entry_n(list, &val, &eq);
  assert_str(val, "a");
  assert_ptr_equal(list.p, buf + 2);
  assert_int_equal(list.len, 3);
  list = mg_next_comma_list_entry_n(list, &val, &eq);
  assert_str(val, "b");
  assert_str(eq, "2");
  assert_ptr_equal(list.p, buf + 5); /* test p, not len: more to come? no */
  assert_int_equal(list.len, 0);
  list = mg_next_comma_list_entry_n(list, &val, &eq);
  assert_null(list.p);
  assert_int_equal(list.len, 0);
  assert_null(mg_next_comma_list_entry_n(mg_mk_str_n(NULL, 0), &val, &eq).p);
}

/* ---- c_snprintf, c_strnlen, c_strnstr ----------------------------------- */

static int call_c_vsnprintf(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = c_vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

static void test_c_snprintf(void **state) {
  char buf[8];
  (void) state;
  assert_int_equal(c_snprintf(buf, sizeof(buf), "%s-%d", "ab", 7), 4);
  assert_string_equal(buf, "ab-7");
  /* C99: the whole length comes back, what fits goes in, NUL-terminated */
  assert_int_equal(c_snprintf(buf, sizeof(buf), "%s-%d", "abc", 12345), 9);
  assert_string_equal(buf, "abc-123");
  assert_int_equal(c_snprintf(buf, 1, "%d", 42), 2);
  assert_string_equal(buf, "");
  assert_int_equal(c_snprintf(NULL, 0, "%d", 12345), 5);
  assert_int_equal(call_c_vsnprintf(buf, sizeof(buf), "%.*s|%c", 2, "xyz", 'q'), 4);
  assert_string_equal(buf, "xy|q");
  assert_int_equal(call_c_vsnprintf(buf, 4, "%05d", 42), 5);
  assert_string_equal(buf, "000");
}

static void test_c_strnlen(void **state) {
  const char unterminated[4] = {'a', 'b', 'c', 'd'};
  (void) state;
  assert_int_equal(c_strnlen("hello", 3), 3);
  assert_int_equal(c_strnlen("hi", 10), 2);
  assert_int_equal(c_strnlen("", 5), 0);
  assert_int_equal(c_strnlen("abc", 0), 0);
  /* reads no further than maxlen (ASan would object) */
  assert_int_equal(c_strnlen(unterminated, sizeof(unterminated)), 4);
}

static void test_c_strnstr(void **state) {
  const char *s = "hello world";
  const char bytes[5] = {'a', 'b', '\0', 'c', 'd'};
  (void) state;
  assert_ptr_equal(c_strnstr(s, "wor", 11), s + 6);
  assert_ptr_equal(c_strnstr(s, "wor", 9), s + 6);
  assert_null(c_strnstr(s, "wor", 8)); /* it must lie within slen */
  assert_ptr_equal(c_strnstr(s, "hello world", 11), s);
  assert_null(c_strnstr(s, "hello world!", 11));
  assert_null(c_strnstr(s, "xyz", 11));
  assert_ptr_equal(c_strnstr(s, "", 11), s);
  assert_ptr_equal(c_strnstr(s, "", 0), s);
  assert_null(c_strnstr(s, "h", 0));
  /* a length-delimited buffer: past a NUL, and not one byte beyond */
  assert_ptr_equal(c_strnstr(bytes, "cd", sizeof(bytes)), bytes + 3);
  assert_null(c_strnstr(bytes, "b", 1));
}

/* ---- logging ------------------------------------------------------------ */

/* Everything written to f since it was made, as a string. */
static const char *slurp(FILE *f, char *buf, size_t cap) {
  size_t n;
  rewind(f);
  n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  return buf;
}

static void test_log_levels(void **state) {
  FILE *f = tmpfile();
  char got[1024], want[1024];
  int l1, l2, l3, l4;
  (void) state;
  assert_non_null(f);
  cs_log_set_file(f);
  /* the default threshold is LL_ERROR */
  LOG(LL_ERROR, ("error %d", 1)); l1 = __LINE__;
  LOG(LL_WARN, ("warn %d", 2));
  LOG(LL_INFO, ("info"));
  cs_log_set_level(LL_DEBUG);
  LOG(LL_WARN, ("warn %s", "x")); l2 = __LINE__;
  LOG(LL_DEBUG, ("debug %c", 'y')); l3 = __LINE__;
  LOG(LL_VERBOSE_DEBUG, ("too verbose"));
  DBG(("too verbose too"));
  cs_log_set_level(LL_VERBOSE_DEBUG);
  DBG(("dbg %d", 4)); l4 = __LINE__;
  cs_log_set_level(LL_NONE);
  LOG(LL_ERROR, ("silenced"));
  LOG(LL_NONE, ("not a message level"));
  cs_log_set_level(LL_ERROR);
  cs_log_set_file(NULL);
  snprintf(want, sizeof(want),
           "test_compat_api.c:%d error 1\n"
           "test_compat_api.c:%d warn x\n"
           "test_compat_api.c:%d debug y\n"
           "test_compat_api.c:%d dbg 4\n",
           l1, l2, l3, l4);
  assert_string_equal(slurp(f, got, sizeof(got)), want);
  fclose(f);
}

/* A message longer than the formatter's stack buffer, and a prefix for
 * each message even when they come in a loop. */
static void test_log_long_message(void **state) {
  FILE *f = tmpfile();
  char got[2048], want[2048], big[1001];
  int i, line = 0;
  (void) state;
  assert_non_null(f);
  memset(big, 'z', 1000);
  big[1000] = '\0';
  cs_log_set_file(f);
  LOG(LL_ERROR, ("[%s]", big)); line = __LINE__;
  for (i = 0; i < 2; i++) {
    LOG(LL_ERROR, ("i=%d", i));
  }
  cs_log_set_file(NULL);
  snprintf(want, sizeof(want),
           "test_compat_api.c:%d [%s]\ntest_compat_api.c:%d i=0\n"
           "test_compat_api.c:%d i=1\n",
           line, big, line + 2, line + 2);
  assert_string_equal(slurp(f, got, sizeof(got)), want);
  fclose(f);
}

/* ---- base64 into an mbuf ------------------------------------------------ */

static void test_mbuf_append_base64(void **state) {
  struct mbuf mb;
  static const unsigned char bin[] = {0xff, 0x00, 0xfe};
  (void) state;
  mbuf_init(&mb, 0);
  mg_mbuf_append_base64(&mb, "Hello", 5);
  assert_int_equal(mb.len, 8);
  assert_memory_equal(mb.buf, "SGVsbG8=", 8);
  mg_mbuf_append_base64(&mb, "", 0);
  assert_int_equal(mb.len, 8);
  mg_mbuf_append_base64(&mb, "abc", 3);
  mg_mbuf_append_base64(&mb, bin, 2);
  mg_mbuf_append_base64(&mb, bin, 3);
  mg_mbuf_append_base64(&mb, "f", 1);
  assert_int_equal(mb.len, 24); /* no NUL after any of them */
  assert_memory_equal(mb.buf, "SGVsbG8=YWJj/wA=/wD+Zg==", 24);
  mg_mbuf_append_base64_putc('!', &mb);
  assert_int_equal(mb.len, 25);
  assert_int_equal(mb.buf[24], '!');
  mbuf_free(&mb);
}

/* The putc drives the streaming encoder directly, pieces of any size. */
static void test_mbuf_append_base64_putc(void **state) {
  struct mbuf mb;
  struct cs_base64_ctx ctx;
  (void) state;
  mbuf_init(&mb, 0);
  cs_base64_init(&ctx, mg_mbuf_append_base64_putc, &mb);
  cs_base64_update(&ctx, "foo", 1);
  cs_base64_update(&ctx, "oob", 3);
  cs_base64_update(&ctx, "ar", 2);
  cs_base64_finish(&ctx);
  assert_int_equal(mb.len, 8);
  assert_memory_equal(mb.buf, "Zm9vYmFy", 8);
  mbuf_free(&mb);
}

/* ---- byte order, calendar, clock ---------------------------------------- */

static void test_is_big_endian(void **state) {
  union {
    uint32_t u;
    unsigned char b[4];
  } probe;
  (void) state;
  probe.u = 0x01020304;
  assert_int_equal(mg_is_big_endian(), probe.b[0] == 0x01);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  assert_int_equal(mg_is_big_endian(), 0);
#endif
}

static double timegm_of(int year, int mon, int mday, int hour, int min, int sec) {
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  tm.tm_year = year - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = mday;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  return cs_timegm(&tm);
}

/* Expected values from Python's calendar.timegm. */
static void test_cs_timegm_vectors(void **state) {
  (void) state;
  assert_true(timegm_of(1970, 0, 1, 0, 0, 0) == 0.0);
  assert_true(timegm_of(1969, 11, 31, 23, 59, 59) == -1.0);
  assert_true(timegm_of(2000, 1, 29, 12, 34, 56) == 951827696.0);
  assert_true(timegm_of(2000, 2, 1, 0, 0, 0) == 951868800.0);
  assert_true(timegm_of(1900, 2, 1, 0, 0, 0) == -2203891200.0); /* 1900: no leap */
  assert_true(timegm_of(2100, 2, 1, 0, 0, 0) == 4107542400.0);  /* 2100: no leap */
  assert_true(timegm_of(2038, 0, 19, 3, 14, 8) == 2147483648.0);
  assert_true(timegm_of(9999, 11, 31, 23, 59, 59) == 253402300799.0);
  assert_true(timegm_of(1601, 0, 1, 0, 0, 0) == -11644473600.0);
  /* fields out of range carry over */
  assert_true(timegm_of(2023, 12, 1, 0, 0, 0) == timegm_of(2024, 0, 1, 0, 0, 0));
  assert_true(timegm_of(2024, -1, 1, 0, 0, 0) == timegm_of(2023, 11, 1, 0, 0, 0));
  assert_true(timegm_of(2024, -13, 1, 0, 0, 0) == timegm_of(2022, 11, 1, 0, 0, 0));
  assert_true(timegm_of(2024, 2, 0, 0, 0, 0) == timegm_of(2024, 1, 29, 0, 0, 0));
  assert_true(timegm_of(2024, 0, 1, 0, 0, -1) == 1704067199.0);
  assert_true(timegm_of(2024, 0, 1, 25, 61, 61) == 1704067200.0 + 25 * 3600 + 61 * 60 + 61);
}

/* The C library's timegm as the independent reference, across four
 * centuries of days and around every month boundary; the time zone must
 * not matter. */
static void test_cs_timegm_against_libc(void **state) {
  int year, mon, day;
  char *saved_tz = getenv("TZ") != NULL ? strdup(getenv("TZ")) : NULL;
  (void) state;
  setenv("TZ", "America/New_York", 1);
  tzset();
  for (year = 1890; year <= 2300; year += 1) {
    for (mon = -1; mon <= 12; mon++) {
      for (day = 0; day <= 32; day += 4) {
        struct tm tm, copy;
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = year - 1900;
        tm.tm_mon = mon;
        tm.tm_mday = day;
        tm.tm_hour = (year + day) % 24;
        tm.tm_min = (mon * 7 + 60) % 60;
        tm.tm_sec = day % 60;
        tm.tm_isdst = 1; /* ignored by both */
        copy = tm;
        if (cs_timegm(&tm) != (double) timegm(&copy)) {
          fail_msg("%d-%d-%d: %.0f, libc %lld", year, mon, day, cs_timegm(&tm),
                   (long long) timegm(&copy));
        }
      }
    }
  }
  if (saved_tz != NULL) {
    setenv("TZ", saved_tz, 1);
    free(saved_tz);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

static void test_cs_time(void **state) {
  double t;
  time_t before, after;
  (void) state;
  before = time(NULL);
  t = cs_time();
  after = time(NULL);
  assert_true(t >= (double) before && t < (double) after + 1);
}

/* ---- native file helpers ------------------------------------------------ */

static void test_fread_fwrite(void **state) {
  FILE *f = tmpfile();
  char buf[8] = "";
  (void) state;
  assert_non_null(f);
  assert_int_equal(mg_fwrite("abcdef", 2, 3, f), 3);
  rewind(f);
  assert_int_equal(mg_fread(buf, 3, 2, f), 2);
  assert_memory_equal(buf, "abcdef", 6);
  assert_int_equal(mg_fread(buf, 1, 1, f), 0);
  assert_true(feof(f));
  fclose(f);
}

static void test_set_close_on_exec(void **state) {
  int fds[2];
  sock_t s = socket(AF_INET, SOCK_STREAM, 0);
  (void) state;
  assert_true(s >= 0);
  assert_int_equal(fcntl(s, F_GETFD) & FD_CLOEXEC, 0);
  mg_set_close_on_exec(s);
  assert_int_equal(fcntl(s, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  closesocket(s);
  assert_int_equal(pipe(fds), 0);
  mg_set_close_on_exec(fds[1]);
  assert_int_equal(fcntl(fds[0], F_GETFD) & FD_CLOEXEC, 0);
  assert_int_equal(fcntl(fds[1], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  close(fds[0]);
  close(fds[1]);
  mg_set_close_on_exec(INVALID_SOCKET); /* nothing to do, no harm */
}

static void test_hexdumpf(void **state) {
  FILE *f = tmpfile();
  static char got[400000], want[400000];
  unsigned char *data = (unsigned char *) malloc(70000);
  int i, n;
  (void) state;
  assert_non_null(f);
  assert_non_null(data);
  mg_hexdumpf(f, "hello, world!\n\0\xff" "Bye", 19);
  assert_string_equal(slurp(f, got, sizeof(got)),
                      "0000  68 65 6c 6c 6f 2c 20 77 6f 72 6c 64 21 0a 00 ff  hello, world!...\n"
                      "0010  42 79 65                                         Bye\n");
  fclose(f);

  /* the same text as mg_hexdump, past the 4-digit offsets */
  for (i = 0; i < 70000; i++) data[i] = (unsigned char) (i * 7 + i / 256);
  assert_non_null(f = tmpfile());
  mg_hexdumpf(f, data, 70000);
  mg_hexdumpf(f, data, 0);
  mg_hexdumpf(f, data, -5);
  n = mg_hexdump(data, 70000, want, sizeof(want));
  assert_true(n > 0 && (size_t) n < sizeof(want) - 1);
  assert_int_equal(strlen(slurp(f, got, sizeof(got))), n);
  assert_string_equal(got, want);
  fclose(f);
  free(data);
}

/* ---- native helpers ----------------------------------------------------- */

static void test_fopen_open(void **state) {
  char path[] = "/tmp/mgcore-compat-XXXXXX", buf[16];
  FILE *f;
  int fd;
  ssize_t n;
  (void) state;
  fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);

  f = mg_fopen(path, "wb");
  assert_non_null(f);
  assert_true(fputs("hello", f) >= 0);
  fclose(f);

  fd = mg_open(path, O_RDONLY, 0);
  assert_true(fd >= 0);
  n = read(fd, buf, sizeof(buf));
  assert_int_equal(n, 5);
  assert_memory_equal(buf, "hello", 5);
  close(fd);

  /* the mode reaches open(): O_EXCL on an existing file fails */
  assert_int_equal(mg_open(path, O_WRONLY | O_CREAT | O_EXCL, 0600), -1);
  assert_int_equal(errno, EEXIST);
  unlink(path);
  assert_null(mg_fopen(path, "rb"));
  assert_int_equal(mg_open(path, O_RDONLY, 0), -1);
}

static void test_sock_to_str(void **state) {
  union socket_address sa;
  socklen_t slen = sizeof(sa.sin);
  sock_t lsn, cli, acc, sp[2];
  char buf[64], expected[64];
  unsigned lport, cport;
  (void) state;

  lsn = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(lsn >= 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin.sin_family = AF_INET;
  sa.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(lsn, &sa.sa, sizeof(sa.sin)), 0);
  assert_int_equal(listen(lsn, 1), 0);
  assert_int_equal(getsockname(lsn, &sa.sa, &slen), 0);
  lport = ntohs(sa.sin.sin_port);

  mg_sock_to_str(lsn, buf, sizeof(buf),
                 MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  snprintf(expected, sizeof(expected), "127.0.0.1:%u", lport);
  assert_string_equal(buf, expected);
  mg_sock_to_str(lsn, buf, sizeof(buf), MG_SOCK_STRINGIFY_IP);
  assert_string_equal(buf, "127.0.0.1");
  snprintf(expected, sizeof(expected), "%u", lport);
  mg_sock_to_str(lsn, buf, sizeof(buf), MG_SOCK_STRINGIFY_PORT);
  assert_string_equal(buf, expected);
  /* a listener has no peer */
  strcpy(buf, "junk");
  mg_sock_to_str(lsn, buf, sizeof(buf),
                 MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_REMOTE);
  assert_string_equal(buf, "");

  cli = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(cli >= 0);
  assert_int_equal(connect(cli, &sa.sa, sizeof(sa.sin)), 0);
  acc = accept(lsn, NULL, NULL);
  assert_true(acc >= 0);
  slen = sizeof(sa.sin);
  assert_int_equal(getsockname(cli, &sa.sa, &slen), 0);
  cport = ntohs(sa.sin.sin_port);
  /* the client's local side is the accepted socket's remote side */
  snprintf(expected, sizeof(expected), "127.0.0.1:%u", cport);
  mg_sock_to_str(cli, buf, sizeof(buf),
                 MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  assert_string_equal(buf, expected);
  mg_sock_to_str(acc, buf, sizeof(buf),
                 MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT |
                     MG_SOCK_STRINGIFY_REMOTE);
  assert_string_equal(buf, expected);
  snprintf(expected, sizeof(expected), "127.0.0.1:%u", lport);
  mg_sock_to_str(cli, buf, sizeof(buf),
                 MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT |
                     MG_SOCK_STRINGIFY_REMOTE);
  assert_string_equal(buf, expected);
  /* too small for the text: "" rather than a cut-off address */
  strcpy(buf, "junk");
  mg_sock_to_str(cli, buf, 8, MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  assert_string_equal(buf, "");
  close(acc);
  close(cli);
  close(lsn);

  /* no IP address: a Unix socket pair, a closed descriptor */
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
  strcpy(buf, "junk");
  mg_sock_to_str(sp[0], buf, sizeof(buf), MG_SOCK_STRINGIFY_IP);
  assert_string_equal(buf, "");
  close(sp[0]);
  close(sp[1]);
  strcpy(buf, "junk");
  mg_sock_to_str(sp[0], buf, sizeof(buf), MG_SOCK_STRINGIFY_IP);
  assert_string_equal(buf, "");
}

static void test_sock_to_str_ipv6(void **state) {
  union socket_address sa;
  socklen_t slen = sizeof(sa.sin6);
  char buf[64], expected[64];
  sock_t s = socket(AF_INET6, SOCK_DGRAM, 0);
  (void) state;
  if (s < 0) skip(); /* no IPv6 on this host */
  memset(&sa, 0, sizeof(sa));
  sa.sin6.sin6_family = AF_INET6;
  sa.sin6.sin6_addr = in6addr_loopback;
  if (bind(s, &sa.sa, sizeof(sa.sin6)) != 0) {
    close(s);
    skip();
  }
  assert_int_equal(getsockname(s, &sa.sa, &slen), 0);
  snprintf(expected, sizeof(expected), "[::1]:%u", ntohs(sa.sin6.sin6_port));
  mg_sock_to_str(s, buf, sizeof(buf),
                 MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  assert_string_equal(buf, expected);
  close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_asprintf_fits),
      cmocka_unit_test(test_asprintf_grows),
      cmocka_unit_test(test_avprintf),
      cmocka_unit_test(test_normalize_uri_path),
      cmocka_unit_test(test_normalize_uri_path_errors),
      cmocka_unit_test(test_assemble_uri),
      cmocka_unit_test(test_assemble_uri_normalize),
      cmocka_unit_test(test_assemble_parse_round_trip),
      cmocka_unit_test(test_cs_sha1),
      cmocka_unit_test(test_hmac_sha1_rfc2202),
      cmocka_unit_test(test_hmac_sha1_edges),
      cmocka_unit_test(test_md5_rfc1321),
      cmocka_unit_test(test_md5_padding_boundaries),
      cmocka_unit_test(test_md5_million_a_uneven),
      cmocka_unit_test(test_cs_md5_pieces),
      cmocka_unit_test(test_cs_to_hex),
      cmocka_unit_test(test_cs_base64_encode),
      cmocka_unit_test(test_cs_base64_streaming),
      cmocka_unit_test(test_cs_base64_binary),
      cmocka_unit_test(test_cs_base64_decode),
      cmocka_unit_test(test_cs_fprint_base64),
      cmocka_unit_test(test_fopen_open),
      cmocka_unit_test(test_sock_to_str),
      cmocka_unit_test(test_sock_to_str_ipv6),
      cmocka_unit_test(test_match_prefix_documented),
      cmocka_unit_test(test_match_prefix_rules),
      cmocka_unit_test(test_match_prefix_lengths),
      cmocka_unit_test(test_comma_list),
      cmocka_unit_test(test_comma_list_edges),
      cmocka_unit_test(test_comma_list_n),
      cmocka_unit_test(test_c_snprintf),
      cmocka_unit_test(test_c_strnlen),
      cmocka_unit_test(test_c_strnstr),
      cmocka_unit_test(test_log_levels),
      cmocka_unit_test(test_log_long_message),
      cmocka_unit_test(test_mbuf_append_base64),
      cmocka_unit_test(test_mbuf_append_base64_putc),
      cmocka_unit_test(test_is_big_endian),
      cmocka_unit_test(test_cs_timegm_vectors),
      cmocka_unit_test(test_cs_timegm_against_libc),
      cmocka_unit_test(test_cs_time),
      cmocka_unit_test(test_fread_fwrite),
      cmocka_unit_test(test_set_close_on_exec),
      cmocka_unit_test(test_hexdumpf),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
