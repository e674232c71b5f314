/*
 * sha1.c - SHA-1 (FIPS 180-4, section 6.1), HMAC-SHA1 (RFC 2104) and the
 * WebSocket accept key.
 *
 * SHA-1 is no longer collision resistant, but RFC 6455 fixes it for the
 * opening handshake, where it only proves that the server understood the
 * request, and HMAC's security does not rest on collision resistance.
 *
 * The context buffers a partial 64-byte block, so input can arrive in pieces
 * of any size and the digest is the same as for one call with all of it.
 * All multi-byte values are assembled with shifts, which makes the code
 * independent of the host's byte order and alignment rules.
 */
#include <string.h>

#include "internal.h"
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
static void sha1_block(uint32_t *h, const unsigned char *block) {
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

void cs_sha1_init(cs_sha1_ctx *c) {
  /* The initial hash value H(0) of FIPS 180-4 section 5.3.1. */
  c->state[0] = 0x67452301u;
  c->state[1] = 0xefcdab89u;
  c->state[2] = 0x98badcfeu;
  c->state[3] = 0x10325476u;
  c->state[4] = 0xc3d2e1f0u;
  c->count = 0;
}

/* The bytes of a partly filled block are not stored separately: they are
 * always the count modulo the block size. Shared with md5.c, which frames
 * its blocks the same way. */
void mg_hash_feed(uint32_t *state, unsigned char buffer[64], uint64_t *count,
                  void (*block)(uint32_t *state, const unsigned char *b),
                  const unsigned char *p, size_t len) {
  size_t used = (size_t) (*count % 64);
  /* Nothing to do, and p may then be NULL, which memcpy must not get. */
  if (len == 0) return;
  *count += len;

  /* Top up a block left partly filled by an earlier call first. */
  if (used > 0) {
    size_t take = 64 - used;
    if (take > len) take = len;
    memcpy(buffer + used, p, take);
    used += take;
    p += take;
    len -= take;
    if (used < 64) return;
    block(state, buffer);
  }

  /* Whole blocks straight from the caller's memory, without a copy. */
  while (len >= 64) {
    block(state, p);
    p += 64;
    len -= 64;
  }

  /* Keep the tail for the next call (or for the final step). */
  if (len > 0) memcpy(buffer, p, len);
}

static void sha1_feed(cs_sha1_ctx *c, const unsigned char *p, size_t len) {
  mg_hash_feed(c->state, c->buffer, &c->count, sha1_block, p, len);
}

void cs_sha1_update(cs_sha1_ctx *c, const unsigned char *data, uint32_t len) {
  sha1_feed(c, data, len);
}

void cs_sha1_final(unsigned char digest[20], cs_sha1_ctx *c) {
  /* Padding (FIPS 180-4 5.1.1): a 1 bit, zeros up to 56 bytes into a block,
   * then the message length in bits as a 64-bit big-endian number. The
   * length is captured first because feeding the padding counts it too. */
  uint64_t bits = c->count * 8;
  size_t used = (size_t) (c->count % sizeof(c->buffer));
  unsigned char pad[72];
  size_t padlen = (used < 56 ? 56 : 120) - used;
  unsigned i;

  memset(pad, 0, sizeof(pad));
  pad[0] = 0x80;
  for (i = 0; i < 8; i++) {
    pad[padlen + i] = (unsigned char) (bits >> (56 - 8 * i));
  }
  sha1_feed(c, pad, padlen + 8);

  for (i = 0; i < 5; i++) store_be32(digest + 4 * i, c->state[i]);
}

/*
 * HMAC (RFC 2104) over SHA-1: H(K ^ opad, H(K ^ ipad, text)), with a key
 * longer than the 64-byte block first replaced by its own hash, and a
 * shorter one zero-padded to the block.
 */
void cs_hmac_sha1(const unsigned char *key, size_t key_len,
                  const unsigned char *text, size_t text_len,
                  unsigned char out[20]) {
  unsigned char k[64], pad[64], inner[20];
  cs_sha1_ctx c;
  size_t i;

  memset(k, 0, sizeof(k));
  if (key_len > sizeof(k)) {
    cs_sha1_init(&c);
    sha1_feed(&c, key, key_len);
    cs_sha1_final(k, &c);
  } else if (key_len > 0) {
    memcpy(k, key, key_len);
  }

  for (i = 0; i < sizeof(pad); i++) pad[i] = k[i] ^ 0x36;
  cs_sha1_init(&c);
  sha1_feed(&c, pad, sizeof(pad));
  sha1_feed(&c, text, text_len);
  cs_sha1_final(inner, &c);

  for (i = 0; i < sizeof(pad); i++) pad[i] = k[i] ^ 0x5c;
  cs_sha1_init(&c);
  sha1_feed(&c, pad, sizeof(pad));
  sha1_feed(&c, inner, sizeof(inner));
  cs_sha1_final(out, &c);
}

void ws_accept_key(const char *key, size_t key_len, char out[29]) {
  cs_sha1_ctx c;
  unsigned char digest[20];

  cs_sha1_init(&c);
  sha1_feed(&c, (const unsigned char *) key, key_len);
  sha1_feed(&c, (const unsigned char *) ws_guid, sizeof(ws_guid) - 1);
  cs_sha1_final(digest, &c);
  /* 20 bytes encode to 28 characters (the last group padded with one '='),
   * and the encoder adds the NUL: exactly the 29 bytes of out. */
  mg_base64_encode(digest, (int) sizeof(digest), out);
}
