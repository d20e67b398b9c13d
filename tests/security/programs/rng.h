// SPDX-License-Identifier: GPL-2.0
// The fuzzers' random numbers: xorshift64*, reproducible from the seed the
// caller stores in rng_state (never 0).
#ifndef SECURITY_RNG_H
#define SECURITY_RNG_H

#include <stdint.h>

static uint64_t rng_state;

static inline uint64_t rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/* Uniform-enough in [0, n); 0 for n == 0. */
static inline uint64_t rnd(uint64_t n) { return n ? rnd64() % n : 0; }
static inline int chance(unsigned pct) { return rnd(100) < pct; }

#endif
