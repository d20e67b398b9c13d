// SPDX-License-Identifier: GPL-2.0
// The offload latency histogram's buckets (mckernel/kernel/latency_bucket.h).
#include <kernel/latency_bucket.h>

#include <gtest/gtest.h>

namespace {

using mck::latency_bucket;
using mck::tsc_to_ns;

TEST(LatencyBucket, PowersOfTwoOfNanoseconds)
{
    EXPECT_EQ(latency_bucket(0), 0u);
    EXPECT_EQ(latency_bucket(1), 0u);
    EXPECT_EQ(latency_bucket(2), 1u);
    EXPECT_EQ(latency_bucket(3), 1u);
    EXPECT_EQ(latency_bucket(1023), 9u);
    EXPECT_EQ(latency_bucket(1024), 10u);
    EXPECT_EQ(latency_bucket(96344), 16u);         // the emulated null offload of docs/mcexec.md
    EXPECT_EQ(latency_bucket(1000000000), 29u);    // 1 s
    EXPECT_EQ(latency_bucket((1ull << 39) - 1), 38u);
    // The last bucket takes everything longer.
    EXPECT_EQ(latency_bucket(1ull << 39), MCK_LATENCY_BUCKETS - 1u);
    EXPECT_EQ(latency_bucket(~0ull), MCK_LATENCY_BUCKETS - 1u);
}

TEST(LatencyBucket, TicksToNanoseconds)
{
    EXPECT_EQ(tsc_to_ns(3000, 3000000), 1000u);    // 3 GHz: 3000 ticks = 1 us
    EXPECT_EQ(tsc_to_ns(2999, 3000000), 999u);
    EXPECT_EQ(tsc_to_ns(1, 1000000), 1u);
    EXPECT_EQ(tsc_to_ns(123, 0), 0u);              // no rate: not a number to trust
    // A day at 3 GHz: ticks * 10^6 would overflow 64 bits.
    EXPECT_EQ(tsc_to_ns(86400ull * 3000000000ull, 3000000), 86400ull * 1000000000ull);
    EXPECT_EQ(latency_bucket(tsc_to_ns(3000 * 64, 3000000)), 15u); // 64 us: 64000 ns
}

} // namespace
