/*
 * sha1.c - SHA-1 (FIPS 180-4, section 6.1) and the WebSocket accept key.
 *
 * SHA-1 is no longer a safe hash, but RFC 6455 fixes it for the opening
 * handshake, where it only proves that the server understood the request;
 * nothing here relies on it for security.
 *
 * The context buffers a partial 64-byte block, so input can arrive in pieces
 * of any size and the digest is the same as for one call with all of it.
 * All multi-byte values are assembled with shifts, which makes the code
 * independent of the host's byte order and alignment rules.
 */
#include <string.h>

#include "mongoose.h"
#include "ws_internal.h"

/* Appended to the client's key before hashing (RFC 6455 section 1.3). */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static uint32_t rotl(uint32_t x, unsigned n) {
  return (x << n) | (x >> (32 - n));
}

static uint32_t load_be32(const unsigned char *p) {
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 |
         (uint32_t) p[3];
}

static void store_be32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char) (v >> 24);
  p[1] = (unsigned char) (v >> 16);
  p[2] = (unsigned char) (v >> 8);
  p[3] = (unsigned char) v;
}

/* Runs the compression function over one 64-byte block (FIPS 180-4 6.1.2).
 * The message schedule is kept as a 16-word ring rather than 80 words: each
 * W[t] only looks back 16 steps, so the rest would be dead weight. */
static void sha1_block(uint32_t h[5], const unsigned char *block) {
  uint32_t w[16];
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  int t;

  for (t = 0; t < 16; t++) w[t] = load_be32(block + 4 * t);

  for (t = 0; t < 80; t++) {
    uint32_t f, k, tmp;
    if (t >= 16) {
      /* W[t] = ROTL1(W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16]); in the ring,
       * t-16 and t share a slot, which is why it is overwritten last. */
      w[t & 15] = rotl(
          w[(t - 3) & 15] ^ w[(t - 8) & 15] ^ w[(t - 14) & 15] ^ w[t & 15], 1);
    }
    if (t < 20) {
      f = (b & c) | (~b & d); /* Ch */
      k = 0x5a827999u;
    } else if (t < 40) {
      f = b ^ c ^ d; /* Parity */
      k = 0x6ed9eba1u;
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d); /* Maj */
      k = 0x8f1bbcdcu;
    } else {
      f = b ^ c ^ d; /* Parity */
      k = 0xca62c1d6u;
    }
    tmp = rotl(a, 5) + f + e + k + w[t & 15];
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = tmp;
  }

  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

void sha1_init(struct sha1_ctx *c) {
  /* The initial hash value H(0) of FIPS 180-4 section 5.3.1. */
  c->h[0] = 0x67452301u;
  c->h[1] = 0xefcdab89u;
  c->h[2] = 0x98badcfeu;
  c->h[3] = 0x10325476u;
  c->h[4] = 0xc3d2e1f0u;
  c->bytes = 0;
  c->used = 0;
}

void sha1_update(struct sha1_ctx *c, const void *data, size_t len) {
  const unsigned char *p = (const unsigned char *) data;
  /* Nothing to do, and data may then be NULL, which memcpy must not get. */
  if (len == 0) return;
  c->bytes += len;

  /* Top up a block left partly filled by an earlier call first. */
  if (c->used > 0) {
    size_t take = sizeof(c->block) - c->used;
    if (take > len) take = len;
    memcpy(c->block + c->used, p, take);
    c->used += take;
    p += take;
    len -= take;
    if (c->used < sizeof(c->block)) return;
    sha1_block(c->h, c->block);
    c->used = 0;
  }

  /* Whole blocks straight from the caller's memory, without a copy. */
  while (len >= sizeof(c->block)) {
    sha1_block(c->h, p);
    p += sizeof(c->block);
    len -= sizeof(c->block);
  }

  /* Keep the tail for the next call (or for sha1_final). */
  if (len > 0) {
    memcpy(c->block, p, len);
    c->used = len;
  }
}

void sha1_final(struct sha1_ctx *c, unsigned char digest[20]) {
  /* Padding (FIPS 180-4 5.1.1): a 1 bit, zeros up to 56 bytes into a block,
   * then the message length in bits as a 64-bit big-endian number. The
   * length is captured first because sha1_update below would count the
   * padding bytes too. */
  uint64_t bits = c->bytes * 8;
  unsigned char pad[72];
  size_t padlen = (c->used < 56 ? 56 : 120) - c->used;
  unsigned i;

  memset(pad, 0, sizeof(pad));
  pad[0] = 0x80;
  for (i = 0; i < 8; i++) {
    pad[padlen + i] = (unsigned char) (bits >> (56 - 8 * i));
  }
  sha1_update(c, pad, padlen + 8);

  for (i = 0; i < 5; i++) store_be32(digest + 4 * i, c->h[i]);
}

void ws_accept_key(const char *key, size_t key_len, char out[29]) {
  struct sha1_ctx c;
  unsigned char digest[20];

  sha1_init(&c);
  sha1_update(&c, key, key_len);
  sha1_update(&c, ws_guid, sizeof(ws_guid) - 1);
  sha1_final(&c, digest);
  /* 20 bytes encode to 28 characters (the last group padded with one '='),
   * and the encoder adds the NUL: exactly the 29 bytes of out. */
  mg_base64_encode(digest, (int) sizeof(digest), out);
}
