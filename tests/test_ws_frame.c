/*
 * test_ws_frame.c - unit tests for the WebSocket building blocks: SHA-1 and
 * the accept key (engine/sha1.c), frame headers and masking
 * (engine/ws_frame.c), and UTF-8 validation (engine/utf8.c).
 *
 *   cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g \
 *      -fsanitize=address,undefined -fno-omit-frame-pointer -Iengine \
 *      engine/sha1.c engine/ws_frame.c engine/utf8.c engine/base64.c \
 *      tests/test_ws_frame.c -lcmocka -o test_ws_frame
 *
 * Expected values come from the standards' own examples (FIPS 180-4 test
 * vectors, RFC 6455 sections 1.3 and 5.7) wherever those exist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mongoose.h"
#include "sim.h"
#include "ws_internal.h"

/* ---- SHA-1 ------------------------------------------------------------ */

/* Hex of a digest, so that a failure shows both digests readably. */
static void to_hex(const unsigned char d[20], char out[41]) {
  static const char digits[] = "0123456789abcdef";
  int i;
  for (i = 0; i < 20; i++) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 15];
  }
  out[40] = '\0';
}

static void sha1_hex(const void *data, size_t len, char out[41]) {
  cs_sha1_ctx c;
  unsigned char d[20];
  cs_sha1_init(&c);
  cs_sha1_update(&c, data, (uint32_t) len);
  cs_sha1_final(d, &c);
  to_hex(d, out);
}

static void test_sha1_vectors(void **state) {
  static const char m448[] =
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  static const char m896[] =
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
      "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
  char hex[41];
  (void) state;

  sha1_hex("", 0, hex);
  assert_string_equal(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  sha1_hex("abc", 3, hex);
  assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
  sha1_hex(m448, strlen(m448), hex);
  assert_string_equal(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  sha1_hex(m896, strlen(m896), hex);
  assert_string_equal(hex, "a49b2446a02c645bf419f995b67091253a04a259");
}

/* Lengths around the padding boundaries: 55 is the last that pads within
 * its own block, 56-63 need an extra block, 64 is exactly one block. The
 * digests were checked against an independent implementation. */
static void test_sha1_padding_boundaries(void **state) {
  static const struct {
    size_t len;
    const char *hex;
  } cases[] = {
      {55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"},
      {56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"},
      {63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"},
      {64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
      {65, "11655326c708d70319be2610e8a57d9a5b959d3b"},
      {119, "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56"},
      {120, "f34c1488385346a55709ba056ddd08280dd4c6d6"},
      {128, "ad5b3fdbcb526778c2839d2f151ea753995e26a0"},
  };
  unsigned char a[128];
  char hex[41];
  size_t i;
  (void) state;

  memset(a, 'a', sizeof(a));
  for (i = 0; i < ARRAY_SIZE(cases); i++) {
    sha1_hex(a, cases[i].len, hex);
    assert_string_equal(hex, cases[i].hex);
  }
}

/* One million 'a's, in pieces whose sizes straddle the 64-byte block in
 * every way: smaller, equal, larger, and not lined up with it. */
static void test_sha1_million_a_uneven(void **state) {
  static const size_t sizes[] = {1, 3, 63, 64, 65, 127, 1000, 7, 0, 200};
  static unsigned char a[1000];
  cs_sha1_ctx c;
  unsigned char d[20];
  char hex[41];
  size_t total = 0, k = 0;
  (void) state;

  memset(a, 'a', sizeof(a));
  cs_sha1_init(&c);
  while (total < 1000000) {
    size_t n = sizes[k++ % ARRAY_SIZE(sizes)];
    if (n > 1000000 - total) n = 1000000 - total;
    cs_sha1_update(&c, a, (uint32_t) n);
    total += n;
  }
  cs_sha1_final(d, &c);
  to_hex(d, hex);
  assert_string_equal(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

/* Any split of a message into two calls, and byte-by-byte feeding, gives
 * the digest of the whole, for every length up to three blocks. */
static void test_sha1_any_split(void **state) {
  unsigned char msg[192];
  size_t len, cut, i;
  (void) state;

  for (i = 0; i < sizeof(msg); i++) msg[i] = (unsigned char) (i * 37 + 11);
  for (len = 0; len <= sizeof(msg); len++) {
    char whole[41], hex[41];
    cs_sha1_ctx c;
    unsigned char d[20];

    sha1_hex(msg, len, whole);
    for (cut = 0; cut <= len; cut++) {
      cs_sha1_init(&c);
      cs_sha1_update(&c, msg, (uint32_t) cut);
      cs_sha1_update(&c, msg + cut, (uint32_t) (len - cut));
      cs_sha1_final(d, &c);
      to_hex(d, hex);
      assert_string_equal(hex, whole);
    }
    cs_sha1_init(&c);
    for (i = 0; i < len; i++) cs_sha1_update(&c, msg + i, 1);
    cs_sha1_final(d, &c);
    to_hex(d, hex);
    assert_string_equal(hex, whole);
  }
}

static void test_ws_accept_key(void **state) {
  /* The key is a slice of a longer string: key_len, not a NUL, ends it. */
  static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==XYZ";
  char out[29];
  (void) state;

  memset(out, 'x', sizeof(out));
  ws_accept_key(key, 24, out);
  assert_int_equal(out[28], '\0');
  assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

/* ---- frame headers ---------------------------------------------------- */

static void test_header_round_trip(void **state) {
  static const uint64_t lens[] = {
      0, 1, 125, 126, 127, 65535, 65536, ((uint64_t) 1 << 32) + 5,
  };
  static const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
  static const struct {
    int opcode, fin;
  } kinds[] = {{2, 1}, {1, 0}, {0, 1}, {0, 0}};
  size_t i, k, m;
  (void) state;

  for (i = 0; i < ARRAY_SIZE(lens); i++) {
    size_t len_bytes = lens[i] <= 125 ? 0 : lens[i] <= 65535 ? 2 : 8;
    for (k = 0; k < ARRAY_SIZE(kinds); k++) {
      for (m = 0; m < 2; m++) {
        const unsigned char *mask = m ? key : NULL;
        unsigned char buf[32];
        struct ws_frame f;
        size_t n, want = 2 + len_bytes + (m ? 4 : 0), p;

        memset(buf, 0xaa, sizeof(buf));
        n = ws_write_header(buf, kinds[k].opcode, kinds[k].fin, lens[i], mask);
        assert_int_equal(n, want);
        assert_int_equal(buf[n], 0xaa); /* nothing written past the header */

        assert_int_equal(ws_parse_header(buf, n, &f), 1);
        assert_int_equal(f.fin, kinds[k].fin);
        assert_int_equal(f.rsv, 0);
        assert_int_equal(f.opcode, kinds[k].opcode);
        assert_int_equal(f.masked, (int) m);
        assert_true(f.payload_len == lens[i]);
        assert_int_equal(f.header_len, n);
        if (m) assert_memory_equal(f.mask, key, 4);

        /* Payload bytes after the header do not change the answer. */
        assert_int_equal(ws_parse_header(buf, sizeof(buf), &f), 1);
        assert_int_equal(f.header_len, n);

        /* Every proper prefix is "need more". */
        for (p = 0; p < n; p++)
          assert_int_equal(ws_parse_header(buf, p, &f), 0);
      }
    }
  }
}

static void expect_header(int opcode, int fin, uint64_t len,
                          const unsigned char *mask, const unsigned char *want,
                          size_t want_len) {
  unsigned char buf[14];
  size_t n = ws_write_header(buf, opcode, fin, len, mask);
  assert_int_equal(n, want_len);
  assert_memory_equal(buf, want, want_len);
}

static void test_header_exact_bytes(void **state) {
  static const unsigned char h0[] = {0x81, 0x00};
  static const unsigned char h125[] = {0x82, 0x7d};
  static const unsigned char h126[] = {0x82, 0x7e, 0x00, 0x7e};
  static const unsigned char h65535[] = {0x82, 0x7e, 0xff, 0xff};
  static const unsigned char h65536[] = {0x82, 0x7f, 0x00, 0x00, 0x00,
                                         0x00, 0x00, 0x01, 0x00, 0x00};
  static const unsigned char h4g5[] = {0x82, 0x7f, 0x00, 0x00, 0x00,
                                       0x01, 0x00, 0x00, 0x00, 0x05};
  static const unsigned char cont[] = {0x00, 0x03};
  static const unsigned char key[4] = {0xa1, 0xb2, 0xc3, 0xd4};
  static const unsigned char m125[] = {0x82, 0xfd, 0xa1, 0xb2, 0xc3, 0xd4};
  static const unsigned char m65535[] = {0x82, 0xfe, 0xff, 0xff,
                                         0xa1, 0xb2, 0xc3, 0xd4};
  static const unsigned char m65536[] = {0x82, 0xff, 0x00, 0x00, 0x00,
                                         0x00, 0x00, 0x01, 0x00, 0x00,
                                         0xa1, 0xb2, 0xc3, 0xd4};
  (void) state;

  expect_header(1, 1, 0, NULL, h0, sizeof(h0));
  expect_header(2, 1, 125, NULL, h125, sizeof(h125));
  expect_header(2, 1, 126, NULL, h126, sizeof(h126));
  expect_header(2, 1, 65535, NULL, h65535, sizeof(h65535));
  expect_header(2, 1, 65536, NULL, h65536, sizeof(h65536));
  expect_header(2, 1, ((uint64_t) 1 << 32) + 5, NULL, h4g5, sizeof(h4g5));
  expect_header(0, 0, 3, NULL, cont, sizeof(cont));
  expect_header(2, 1, 125, key, m125, sizeof(m125));
  expect_header(2, 1, 65535, key, m65535, sizeof(m65535));
  expect_header(2, 1, 65536, key, m65536, sizeof(m65536));
}

/* The frames of RFC 6455 section 5.7, parsed and rewritten. */
static void test_rfc_example_headers(void **state) {
  static const struct {
    unsigned char bytes[10];
    size_t len;
    int fin, opcode;
    uint64_t payload_len;
  } cases[] = {
      {{0x81, 0x05}, 2, 1, 1, 5},               /* unmasked "Hello" */
      {{0x01, 0x03}, 2, 0, 1, 3},               /* "Hel", first fragment */
      {{0x80, 0x02}, 2, 1, 0, 2},               /* "lo", last fragment */
      {{0x89, 0x05}, 2, 1, 9, 5},               /* unmasked Ping */
      {{0x82, 0x7e, 0x01, 0x00}, 4, 1, 2, 256}, /* 256 bytes binary */
      {{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0}, 10, 1, 2, 65536}, /* 64 KiB */
  };
  size_t i;
  (void) state;

  for (i = 0; i < ARRAY_SIZE(cases); i++) {
    struct ws_frame f;
    unsigned char out[14];
    assert_int_equal(ws_parse_header(cases[i].bytes, cases[i].len, &f), 1);
    assert_int_equal(f.fin, cases[i].fin);
    assert_int_equal(f.opcode, cases[i].opcode);
    assert_int_equal(f.masked, 0);
    assert_true(f.payload_len == cases[i].payload_len);
    assert_int_equal(f.header_len, cases[i].len);
    assert_int_equal(ws_write_header(out, cases[i].opcode, cases[i].fin,
                                     cases[i].payload_len, NULL),
                     cases[i].len);
    assert_memory_equal(out, cases[i].bytes, cases[i].len);
  }
}

/* The masked "Hello" of RFC 6455 5.7: header, key and payload. */
static void test_rfc_masked_hello(void **state) {
  static const unsigned char frame[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                        0x7f, 0x9f, 0x4d, 0x51, 0x58};
  static const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
  unsigned char payload[5], hdr[14];
  struct ws_frame f;
  (void) state;

  assert_int_equal(ws_parse_header(frame, sizeof(frame), &f), 1);
  assert_int_equal(f.fin, 1);
  assert_int_equal(f.opcode, 1);
  assert_int_equal(f.masked, 1);
  assert_memory_equal(f.mask, key, 4);
  assert_true(f.payload_len == 5);
  assert_int_equal(f.header_len, 6);

  /* Unmasked in one go... */
  memcpy(payload, frame + f.header_len, 5);
  ws_apply_mask(payload, 5, f.mask, 0);
  assert_memory_equal(payload, "Hello", 5);
  /* ...and in two pieces, the second starting at payload offset 2. */
  memcpy(payload, frame + f.header_len, 5);
  ws_apply_mask(payload, 2, f.mask, 0);
  ws_apply_mask(payload + 2, 3, f.mask, 2);
  assert_memory_equal(payload, "Hello", 5);

  /* Writing it back gives the same bytes. */
  assert_int_equal(ws_write_header(hdr, 1, 1, 5, key), 6);
  assert_memory_equal(hdr, frame, 6);
  memcpy(payload, "Hello", 5);
  ws_apply_mask(payload, 5, key, 0);
  assert_memory_equal(payload, frame + 6, 5);
}

static void expect_error(const unsigned char *h, size_t n) {
  struct ws_frame f;
  assert_int_equal(ws_parse_header(h, n, &f), -1);
}

static void test_header_protocol_errors(void **state) {
  static const unsigned char rsv1[] = {0xc1, 0x00};
  static const unsigned char rsv2[] = {0xa1, 0x00};
  static const unsigned char rsv3[] = {0x91, 0x00};
  static const unsigned char op3[] = {0x83, 0x00};
  static const unsigned char op11[] = {0x8b, 0x00};
  static const unsigned char ping126[] = {0x89, 0x7e, 0x00, 0x7e};
  static const unsigned char close127[] = {0x88, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0};
  static const unsigned char frag_ping[] = {0x09, 0x00};
  static const unsigned char frag_close[] = {0x08, 0x02, 0x03, 0xe8};
  static const unsigned char short16[] = {0x82, 0x7e, 0x00, 0x64};
  static const unsigned char short16_125[] = {0x82, 0x7e, 0x00, 0x7d};
  static const unsigned char short64[] = {0x82, 0x7f, 0, 0,    0,
                                          0,    0,    0, 0xff, 0xff};
  static const unsigned char short64_5[] = {0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0, 5};
  static const unsigned char top_bit[] = {0x82, 0x7f, 0x80, 0, 0,
                                          0,    0,    0,    0, 0};
  static const unsigned char all_ones[] = {0x82, 0x7f, 0xff, 0xff, 0xff,
                                           0xff, 0xff, 0xff, 0xff, 0xff};
  struct ws_frame f;
  (void) state;

  expect_error(rsv1, sizeof(rsv1));
  expect_error(rsv2, sizeof(rsv2));
  expect_error(rsv3, sizeof(rsv3));
  expect_error(op3, sizeof(op3));
  expect_error(op11, sizeof(op11));
  expect_error(ping126, sizeof(ping126));
  expect_error(close127, sizeof(close127));
  expect_error(frag_ping, sizeof(frag_ping));
  expect_error(frag_close, sizeof(frag_close));
  expect_error(short16, sizeof(short16));
  expect_error(short16_125, sizeof(short16_125));
  expect_error(short64, sizeof(short64));
  expect_error(short64_5, sizeof(short64_5));
  expect_error(top_bit, sizeof(top_bit));
  expect_error(all_ones, sizeof(all_ones));

  /* The RSV bits are reported as they were. */
  assert_int_equal(ws_parse_header(rsv1, sizeof(rsv1), &f), -1);
  assert_int_equal(f.rsv, 4);
  assert_int_equal(ws_parse_header(rsv3, sizeof(rsv3), &f), -1);
  assert_int_equal(f.rsv, 1);

  /* An error shows as soon as the byte carrying it is there. */
  assert_int_equal(ws_parse_header(rsv1, 1, &f), -1);
  assert_int_equal(ws_parse_header(op3, 1, &f), -1);
  assert_int_equal(ws_parse_header(frag_ping, 1, &f), -1);
  assert_int_equal(ws_parse_header(ping126, 2, &f), -1);
  assert_int_equal(ws_parse_header(top_bit, 3, &f), -1);
}

/* The limits right next to the errors above are accepted. */
static void test_header_limits_accepted(void **state) {
  static const unsigned char ping125[] = {0x89, 0x7d};
  static const unsigned char min16[] = {0x82, 0x7e, 0x00, 0x7e};
  static const unsigned char min64[] = {0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0};
  static const unsigned char max64[] = {0x82, 0x7f, 0x7f, 0xff, 0xff,
                                        0xff, 0xff, 0xff, 0xff, 0xff};
  struct ws_frame f;
  int op;
  (void) state;

  assert_int_equal(ws_parse_header(ping125, sizeof(ping125), &f), 1);
  assert_true(f.payload_len == 125);
  assert_int_equal(ws_parse_header(min16, sizeof(min16), &f), 1);
  assert_true(f.payload_len == 126);
  assert_int_equal(ws_parse_header(min64, sizeof(min64), &f), 1);
  assert_true(f.payload_len == 65536);
  assert_int_equal(ws_parse_header(max64, sizeof(max64), &f), 1);
  assert_true(f.payload_len == UINT64_C(0x7fffffffffffffff));

  /* Exactly 0, 1, 2, 8, 9 and 10 are known opcodes. */
  for (op = 0; op < 16; op++) {
    unsigned char h[2];
    int known = op <= 2 || (op >= 8 && op <= 10);
    h[0] = (unsigned char) (0x80 | op);
    h[1] = 0x00;
    assert_int_equal(ws_parse_header(h, 2, &f), known ? 1 : -1);
    if (known) assert_int_equal(f.opcode, op);
  }
}

/* ---- masking ---------------------------------------------------------- */

static void test_mask_in_pieces(void **state) {
  static const unsigned char key[4] = {0xde, 0xad, 0xbe, 0xef};
  static const size_t pieces[] = {1, 2, 3, 5, 7, 0, 11, 13, 6};
  unsigned char orig[1000], whole[1000], parts[1000];
  size_t i, off = 0, k = 0;
  (void) state;

  for (i = 0; i < sizeof(orig); i++) orig[i] = (unsigned char) (i * 7 + 3);
  memcpy(whole, orig, sizeof(orig));
  memcpy(parts, orig, sizeof(orig));

  ws_apply_mask(whole, sizeof(whole), key, 0);
  for (i = 0; i < sizeof(whole); i++)
    assert_int_equal(whole[i], orig[i] ^ key[i % 4]);

  while (off < sizeof(parts)) {
    size_t n = pieces[k++ % ARRAY_SIZE(pieces)];
    if (n > sizeof(parts) - off) n = sizeof(parts) - off;
    ws_apply_mask(parts + off, n, key, off);
    off += n;
  }
  assert_memory_equal(parts, whole, sizeof(whole));

  /* Masking is its own inverse. */
  ws_apply_mask(whole, sizeof(whole), key, 0);
  assert_memory_equal(whole, orig, sizeof(orig));
}

/* The offset is a full 64-bit payload position, not truncated. */
static void test_mask_large_offset(void **state) {
  static const unsigned char key[4] = {0x01, 0x02, 0x04, 0x08};
  unsigned char b[3] = {0, 0, 0};
  (void) state;

  ws_apply_mask(b, 3, key, ((uint64_t) 1 << 32) + 1);
  assert_int_equal(b[0], 0x02);
  assert_int_equal(b[1], 0x04);
  assert_int_equal(b[2], 0x08);
}

/* ---- UTF-8 ------------------------------------------------------------ */

static uint32_t feed_all(const char *s, size_t n) {
  return ws_utf8_feed(WS_UTF8_ACCEPT, (const unsigned char *) s, n);
}

static uint32_t feed_bytewise(const char *s, size_t n) {
  uint32_t st = WS_UTF8_ACCEPT;
  size_t i;
  for (i = 0; i < n; i++)
    st = ws_utf8_feed(st, (const unsigned char *) s + i, 1);
  return st;
}

/* Neither valid yet nor known to be invalid. */
static void assert_incomplete(uint32_t st) {
  assert_int_not_equal(st, WS_UTF8_ACCEPT);
  assert_int_not_equal(st, WS_UTF8_REJECT);
}

static void test_utf8_valid(void **state) {
  static const char *const valid[] = {
      "",
      "Hello, world",
      "\xc2\xa9",         /* U+00A9, 2 bytes */
      "\xc2\x80",         /* U+0080, smallest 2-byte */
      "\xdf\xbf",         /* U+07FF, largest 2-byte */
      "\xe2\x82\xac",     /* U+20AC, 3 bytes */
      "\xe0\xa0\x80",     /* U+0800, smallest 3-byte */
      "\xed\x9f\xbf",     /* U+D7FF, just below the surrogates */
      "\xee\x80\x80",     /* U+E000, just above them */
      "\xef\xbf\xbf",     /* U+FFFF */
      "\xf0\x9f\x98\x80", /* U+1F600, 4 bytes */
      "\xf0\x90\x80\x80", /* U+10000, smallest 4-byte */
      "\xf4\x8f\xbf\xbf", /* U+10FFFF, the last code point */
      "\xc2\xbf",         /* U+00BF: continuation bytes go up to BF */
      "\xe0\xbf\xbf",     /* U+0FFF: E0 takes A0-BF next */
      "\xe1\x80\x80",     /* U+1000 */
      "\xed\x80\x80",     /* U+D000: ED takes 80-9F next */
      "\xf0\xbf\xbf\xbf", /* U+3FFFF: F0 takes 90-BF next */
      "\xf1\x80\x80\x80", /* U+40000 */
      "\xf3\xbf\xbf\xbf", /* U+FFFFF */
      "\xf4\x80\x80\x80", /* U+100000: F4 takes 80-8F next */
      "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", /* "kosme" in Greek */
  };
  size_t i;
  (void) state;

  for (i = 0; i < ARRAY_SIZE(valid); i++) {
    size_t n = strlen(valid[i]);
    assert_int_equal(feed_all(valid[i], n), WS_UTF8_ACCEPT);
    assert_int_equal(feed_bytewise(valid[i], n), WS_UTF8_ACCEPT);
  }
}

/* A 4-byte character fed one byte at a time stays pending until its last
 * byte, then completes. */
static void test_utf8_split_sequence(void **state) {
  static const unsigned char smile[] = {0xf0, 0x9f, 0x98, 0x80};
  uint32_t st = WS_UTF8_ACCEPT;
  int i;
  (void) state;

  for (i = 0; i < 3; i++) {
    st = ws_utf8_feed(st, smile + i, 1);
    assert_incomplete(st);
  }
  st = ws_utf8_feed(st, smile + 3, 1);
  assert_int_equal(st, WS_UTF8_ACCEPT);

  /* An empty piece leaves a pending state unchanged. */
  st = ws_utf8_feed(WS_UTF8_ACCEPT, smile, 2);
  assert_int_equal(ws_utf8_feed(st, smile, 0), st);
}

/* Every cut of a mixed text into two pieces validates like the whole. */
static void test_utf8_any_split(void **state) {
  static const char text[] =
      "a\xc2\xa9z\xe2\x82\xac\xf0\x9f\x98\x80\xed\x9f\xbf\xf4\x8f\xbf\xbf!";
  size_t n = sizeof(text) - 1, cut;
  (void) state;

  for (cut = 0; cut <= n; cut++) {
    uint32_t st = feed_all(text, cut);
    assert_int_not_equal(st, WS_UTF8_REJECT);
    st = ws_utf8_feed(st, (const unsigned char *) text + cut, n - cut);
    assert_int_equal(st, WS_UTF8_ACCEPT);
  }
}

static void test_utf8_invalid(void **state) {
  static const struct {
    const char *s;
    size_t n;
  } invalid[] = {
      {"\xc0\x80", 2},             /* overlong U+0000 */
      {"\xc1\xbf", 2},             /* overlong U+007F */
      {"\xe0\x80\x80", 3},         /* overlong U+0000 */
      {"\xe0\x9f\xbf", 3},         /* overlong U+07FF */
      {"\xf0\x80\x80\x80", 4},     /* overlong U+0000 */
      {"\xf0\x8f\xbf\xbf", 4},     /* overlong U+FFFF */
      {"\xed\xa0\x80", 3},         /* U+D800, first surrogate */
      {"\xed\xbf\xbf", 3},         /* U+DFFF, last surrogate */
      {"\xf4\x90\x80\x80", 4},     /* U+110000 */
      {"\xf5\x80\x80\x80", 4},     /* lead byte past U+10FFFF */
      {"\xff", 1},                 /* never valid */
      {"\x80", 1},                 /* lone continuation */
      {"\xbf", 1},                 /* lone continuation */
      {"a\x80", 2},                /* continuation after ASCII */
      {"\xc2\xa9\x80", 3},         /* one continuation too many */
      {"\xc2\x41", 2},             /* lead then ASCII */
      {"\xe2\x82\x41", 3},         /* truncated by ASCII */
      {"\xe2\xc2\xa9", 3},         /* truncated by a new lead byte */
      {"\xc2\xc0", 2},             /* continuation above BF */
      {"\xe2\x82\xe2\x82\xac", 5}, /* last byte is a new lead */
      {"\xf0\x9f\x98\xff", 4},     /* last byte above BF */
      {"\xf0\x9f\xc0\x80", 4},     /* third byte above BF */
  };
  size_t i;
  (void) state;

  for (i = 0; i < ARRAY_SIZE(invalid); i++) {
    assert_int_equal(feed_all(invalid[i].s, invalid[i].n), WS_UTF8_REJECT);
    assert_int_equal(feed_bytewise(invalid[i].s, invalid[i].n), WS_UTF8_REJECT);
  }
}

static void test_utf8_truncated_at_end(void **state) {
  static const unsigned char euro[] = {0xe2, 0x82, 0xac};
  uint32_t st;
  (void) state;

  st = feed_all("ok\xe2\x82", 4);
  assert_incomplete(st);
  assert_incomplete(feed_all("\xf0\x9f\x98", 3));
  assert_incomplete(feed_all("\xc2", 1));
  /* The rest arriving later completes it. */
  assert_int_equal(ws_utf8_feed(st, euro + 2, 1), WS_UTF8_ACCEPT);
}

static void test_utf8_reject_is_final(void **state) {
  /* Valid on its own; NUL first, since 0 is also the ACCEPT state. */
  static const unsigned char good[] = {0x00, 'a', 0xc2, 0xa9};
  uint32_t st;
  int b;
  (void) state;

  st = feed_all("\xc0", 1);
  assert_int_equal(st, WS_UTF8_REJECT);
  assert_int_equal(ws_utf8_feed(st, good, sizeof(good)), WS_UTF8_REJECT);
  assert_int_equal(ws_utf8_feed(st, good, 0), WS_UTF8_REJECT);
  /* No single byte leads out of it, NUL and 0x01 included. */
  for (b = 0; b < 256; b++) {
    unsigned char c = (unsigned char) b;
    assert_int_equal(ws_utf8_feed(WS_UTF8_REJECT, &c, 1), WS_UTF8_REJECT);
  }
  /* Also when the error is in the middle of one piece. */
  assert_int_equal(feed_all("ab\xed\xa0\x80xyz", 8), WS_UTF8_REJECT);
}

/* ---- close codes ------------------------------------------------------ */

static void test_close_codes(void **state) {
  static const struct {
    int code, valid;
  } cases[] = {
      {0, 0},    {-1, 0},   {999, 0},   {1000, 1}, {1001, 1}, {1002, 1},
      {1003, 1}, {1004, 0}, {1005, 0},  {1006, 0}, {1007, 1}, {1008, 1},
      {1009, 1}, {1010, 1}, {1011, 1},  {1012, 1}, {1013, 1}, {1014, 1},
      {1015, 0}, {1016, 0}, {2999, 0},  {3000, 1}, {3999, 1}, {4000, 1},
      {4999, 1}, {5000, 0}, {65535, 0},
  };
  size_t i;
  (void) state;

  for (i = 0; i < ARRAY_SIZE(cases); i++) {
    if (cases[i].valid != !!ws_close_code_valid(cases[i].code))
      fail_msg("close code %d: expected %s", cases[i].code,
               cases[i].valid ? "valid" : "invalid");
  }
}

/* ---- PING answered first (RFC 6455 5.5.2) ------------------------------ */

/* A handler that answers a PING with a text frame of its own. */
static void talk_on_ping(struct mg_connection *nc, int ev, void *ev_data) {
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  if (ev == MG_EV_WEBSOCKET_CONTROL_FRAME &&
      (wm->flags & 0x0f) == WEBSOCKET_OP_PING) {
    mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT, "after", 5);
  }
}

/* The PONG is on the wire before anything the handler sent on seeing the
 * PING, over the simulated network, byte for byte. */
static void test_pong_before_handler_frames(void **state) {
  static const char req[] =
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n";
  /* A masked PING "hi" (key 01 02 03 04). */
  static const unsigned char ping[] = {0x89, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2};
  static const unsigned char want[] = {0x8a, 0x02, 'h', 'i', 0x81, 0x05,
                                       'a',  'f',  't', 'e', 'r'};
  struct sim *s = sim_new(1);
  struct mg_mgr mgr;
  struct mg_connection *lc;
  struct sim_peer *c;
  const struct mbuf *rx;
  size_t head_len;
  (void) state;
  assert_non_null(s);
  sim_mgr_init(s, &mgr, NULL);
  assert_non_null(lc = mg_bind(&mgr, "tcp://10.0.0.1:80", talk_on_ping));
  mg_set_protocol_http_websocket(lc);
  c = sim_peer_new(s, "c");
  assert_int_equal(sim_peer_connect(c, "10.0.0.1:80"), 0);
  assert_int_equal(sim_peer_send(c, req, sizeof(req) - 1), 0);
  assert_int_equal(sim_run_until(s, &mgr, 10000), 0);
  rx = sim_peer_received(c);
  assert_true(rx->len > 4);
  assert_memory_equal(rx->buf, "HTTP/1.1 101 ", 13);
  head_len = rx->len;
  assert_memory_equal(rx->buf + head_len - 4, "\r\n\r\n", 4);
  assert_int_equal(sim_peer_send(c, ping, sizeof(ping)), 0);
  assert_int_equal(sim_run_until(s, &mgr, 20000), 0);
  rx = sim_peer_received(c);
  assert_int_equal(rx->len - head_len, sizeof(want));
  assert_memory_equal(rx->buf + rx->len - sizeof(want), want, sizeof(want));
  mg_mgr_free(&mgr);
  sim_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sha1_vectors),
      cmocka_unit_test(test_sha1_padding_boundaries),
      cmocka_unit_test(test_sha1_million_a_uneven),
      cmocka_unit_test(test_sha1_any_split),
      cmocka_unit_test(test_ws_accept_key),
      cmocka_unit_test(test_header_round_trip),
      cmocka_unit_test(test_header_exact_bytes),
      cmocka_unit_test(test_rfc_example_headers),
      cmocka_unit_test(test_rfc_masked_hello),
      cmocka_unit_test(test_header_protocol_errors),
      cmocka_unit_test(test_header_limits_accepted),
      cmocka_unit_test(test_mask_in_pieces),
      cmocka_unit_test(test_mask_large_offset),
      cmocka_unit_test(test_utf8_valid),
      cmocka_unit_test(test_utf8_split_sequence),
      cmocka_unit_test(test_utf8_any_split),
      cmocka_unit_test(test_utf8_invalid),
      cmocka_unit_test(test_utf8_truncated_at_end),
      cmocka_unit_test(test_utf8_reject_is_final),
      cmocka_unit_test(test_close_codes),
      cmocka_unit_test(test_pong_before_handler_frames),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
