/*
 * rng.c - xoshiro256** (Blackman and Vigna), seeded with splitmix64 so that
 * any 64-bit seed, 0 included, gives a well-mixed state.
 */
#include "rng.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void rng_seed(struct rng *r, uint64_t seed) {
  int i;
  for (i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

uint64_t rng_next(struct rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

/* Rejection sampling: no modulo bias, still one draw in the common case. */
uint64_t rng_below(struct rng *r, uint64_t n) {
  uint64_t limit, x;
  if (n == 0) return 0;
  limit = UINT64_MAX - UINT64_MAX % n;
  do {
    x = rng_next(r);
  } while (x >= limit);
  return x % n;
}

int rng_chance(struct rng *r, double p) {
  /* 53 random bits give a double uniform in [0, 1) on every platform. */
  double u = (double) (rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
  return u < p;
}

void rng_bytes(struct rng *r, void *buf, size_t len) {
  unsigned char *p = (unsigned char *) buf;
  while (len > 0) {
    uint64_t x = rng_next(r);
    int i;
    for (i = 0; i < 8 && len > 0; i++, len--) {
      *p++ = (unsigned char) (x >> (8 * i));
    }
  }
}
