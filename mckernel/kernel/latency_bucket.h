// SPDX-License-Identifier: GPL-2.0
// Which bucket of the offload latency histogram (mck_proc_stats.offload_latency,
// mcexec/abi.h) a call's TSC ticks fall in. Header-only and pure, so the host
// unit tests check the bucket edges the LWK uses.
#pragma once

#include <mcexec/abi.h>
#include <stdint.h>

namespace mck {

// Nanoseconds in @ticks at @tsc_khz ticks per ms, without overflow for any
// @ticks (the product is split at the ms); 0 when the rate is unknown.
constexpr uint64_t tsc_to_ns(uint64_t ticks, uint64_t tsc_khz)
{
    if (!tsc_khz)
        return 0;
    return ticks / tsc_khz * 1000000 + ticks % tsc_khz * 1000000 / tsc_khz;
}

// floor(log2(ns)), 0 for 0 ns, at most MCK_LATENCY_BUCKETS - 1.
constexpr uint32_t latency_bucket(uint64_t ns)
{
    uint32_t b = ns ? 63 - uint32_t(__builtin_clzll(ns)) : 0;
    return b < MCK_LATENCY_BUCKETS ? b : MCK_LATENCY_BUCKETS - 1;
}

} // namespace mck
