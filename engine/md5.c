/*
 * md5.c - MD5 (RFC 1321), for Digest authentication and content hashes.
 *
 * MD5 is broken as a collision-resistant hash; it is here because HTTP
 * Digest authentication and old peers still name it, not to protect data.
 *
 * Like sha1.c, the context holds a partial 64-byte block, so input can come
 * in pieces of any size, and words are assembled with shifts, so the result
 * does not depend on the host's byte order or alignment. MD5 is the
 * little-endian one of the two: words and the length go in low byte first.
 */
#include <stdarg.h>
#include <string.h>

#include "internal.h"

/* T[i] = floor(2^32 * |sin(i + 1)|), RFC 1321 section 3.4, as a table so
 * that no floating point is involved. */
static const uint32_t md5_t[64] = {
    0xd76aa478u, 0xe8c7b756u, 0x242070dbu, 0xc1bdceeeu,
    0xf57c0fafu, 0x4787c62au, 0xa8304613u, 0xfd469501u,
    0x698098d8u, 0x8b44f7afu, 0xffff5bb1u, 0x895cd7beu,
    0x6b901122u, 0xfd987193u, 0xa679438eu, 0x49b40821u,
    0xf61e2562u, 0xc040b340u, 0x265e5a51u, 0xe9b6c7aau,
    0xd62f105du, 0x02441453u, 0xd8a1e681u, 0xe7d3fbc8u,
    0x21e1cde6u, 0xc33707d6u, 0xf4d50d87u, 0x455a14edu,
    0xa9e3e905u, 0xfcefa3f8u, 0x676f02d9u, 0x8d2a4c8au,
    0xfffa3942u, 0x8771f681u, 0x6d9d6122u, 0xfde5380cu,
    0xa4beea44u, 0x4bdecfa9u, 0xf6bb4b60u, 0xbebfbc70u,
    0x289b7ec6u, 0xeaa127fau, 0xd4ef3085u, 0x04881d05u,
    0xd9d4d039u, 0xe6db99e5u, 0x1fa27cf8u, 0xc4ac5665u,
    0xf4292244u, 0x432aff97u, 0xab9423a7u, 0xfc93a039u,
    0x655b59c3u, 0x8f0ccc92u, 0xffeff47du, 0x85845dd1u,
    0x6fa87e4fu, 0xfe2ce6e0u, 0xa3014314u, 0x4e0811a1u,
    0xf7537e82u, 0xbd3af235u, 0x2ad7d2bbu, 0xeb86d391u,
};

/* The rotation amounts: four per round, repeated four times each. */
static const unsigned char md5_s[4][4] = {
    {7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

static uint32_t rotl(uint32_t x, unsigned n) {
  return (x << n) | (x >> (32 - n));
}

static uint32_t load_le32(const unsigned char *p) {
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
         (uint32_t) p[3] << 24;
}

static void store_le32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char) v;
  p[1] = (unsigned char) (v >> 8);
  p[2] = (unsigned char) (v >> 16);
  p[3] = (unsigned char) (v >> 24);
}

/* The four rounds of RFC 1321 section 3.4 over one block, written as one
 * loop: step i of round r uses function F, G, H or I, the word at index
 * k(i) and T[i]; the rotating roles of A, B, C and D become a shift of the
 * four variables after each step. */
static void md5_block(uint32_t *st, const unsigned char *block) {
  uint32_t x[16];
  uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
  int i;

  for (i = 0; i < 16; i++) x[i] = load_le32(block + 4 * i);

  for (i = 0; i < 64; i++) {
    int round = i / 16;
    uint32_t f, tmp;
    unsigned k;
    switch (round) {
      case 0:
        f = (b & c) | (~b & d); /* F */
        k = (unsigned) i;
        break;
      case 1:
        f = (b & d) | (c & ~d); /* G */
        k = (unsigned) (5 * i + 1) & 15;
        break;
      case 2:
        f = b ^ c ^ d; /* H */
        k = (unsigned) (3 * i + 5) & 15;
        break;
      default:
        f = c ^ (b | ~d); /* I */
        k = (unsigned) (7 * i) & 15;
        break;
    }
    tmp = b + rotl(a + f + x[k] + md5_t[i], md5_s[round][i & 3]);
    a = d;
    d = c;
    c = b;
    b = tmp;
  }

  st[0] += a;
  st[1] += b;
  st[2] += c;
  st[3] += d;
}

void cs_md5_init(cs_md5_ctx *c) {
  /* Words A, B, C, D of RFC 1321 section 3.3. */
  c->state[0] = 0x67452301u;
  c->state[1] = 0xefcdab89u;
  c->state[2] = 0x98badcfeu;
  c->state[3] = 0x10325476u;
  c->count = 0;
}

void cs_md5_update(cs_md5_ctx *c, const unsigned char *p, size_t len) {
  mg_hash_feed(c->state, c->buffer, &c->count, md5_block, p, len);
}

void cs_md5_final(unsigned char digest[16], cs_md5_ctx *c) {
  /* Sections 3.1 and 3.2: a 1 bit, zeros up to 56 bytes into a block, then
   * the bit length as 64 bits, low byte first. The length is taken before
   * the padding, which cs_md5_update would count as well. */
  uint64_t bits = c->count * 8;
  size_t used = (size_t) (c->count % sizeof(c->buffer));
  unsigned char pad[72];
  size_t padlen = (used < 56 ? 56 : 120) - used;
  unsigned i;

  memset(pad, 0, sizeof(pad));
  pad[0] = 0x80;
  for (i = 0; i < 8; i++) pad[padlen + i] = (unsigned char) (bits >> (8 * i));
  cs_md5_update(c, pad, padlen + 8);

  for (i = 0; i < 4; i++) store_le32(digest + 4 * i, c->state[i]);
}

void cs_to_hex(char *to, const unsigned char *p, size_t len) {
  static const char digits[] = "0123456789abcdef";
  size_t i;
  for (i = 0; i < len; i++) {
    *to++ = digits[p[i] >> 4];
    *to++ = digits[p[i] & 15];
  }
  *to = '\0';
}

char *cs_md5(char buf[33], ...) {
  unsigned char digest[16];
  const unsigned char *p;
  cs_md5_ctx c;
  va_list ap;

  cs_md5_init(&c);
  va_start(ap, buf);
  while ((p = va_arg(ap, const unsigned char *)) != NULL) {
    size_t len = va_arg(ap, size_t);
    cs_md5_update(&c, p, len);
  }
  va_end(ap);
  cs_md5_final(digest, &c);
  cs_to_hex(buf, digest, sizeof(digest));
  return buf;
}
