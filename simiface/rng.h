/*
 * rng.h - the simulation's one source of randomness: xoshiro256** seeded
 * through splitmix64. Same seed, same sequence, on every platform.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
  uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n); 0 when n is 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* 1 with probability p (0 <= p <= 1), consuming one draw either way. */
int rng_chance(struct rng *r, double p);
void rng_bytes(struct rng *r, void *buf, size_t len);

#endif
