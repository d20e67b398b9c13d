// SPDX-License-Identifier: GPL-2.0
// Time on the LWK: CLOCK_MONOTONIC and CLOCK_REALTIME from the TSC, anchored
// to Linux's clocks when the process was created, so they agree with Linux.
#pragma once

#include <kernel/process.h>

#include <stdint.h>

namespace mck {

struct Timespec {
    int64_t sec;
    int64_t nsec;
};

// Saturates: a timeout of centuries is "forever", not an overflow into the past.
inline int64_t ts_to_ns(const Timespec& ts)
{
    if (ts.sec >= 9223372035) // INT64_MAX / 1e9, less one second for nsec
        return INT64_MAX;
    return ts.sec * 1000000000 + ts.nsec;
}
inline Timespec ns_to_ts(int64_t ns) { return Timespec{ns / 1000000000, ns % 1000000000}; }

uint64_t tsc_to_ns(uint64_t tsc);
uint64_t tsc_mult(); // tsc_to_ns(t) == t * tsc_mult() >> 32 (the vDSO computes it so)
uint64_t tsc_after_ns(int64_t ns); // TSC deadline @ns from now
// Now on @clock (0 REALTIME, 1 MONOTONIC, ...); -EINVAL for clocks we do not know.
int64_t clock_now_ns(Process* p, int64_t clock);
// The TSC at which @clock reads @ns (0 if that is already past).
uint64_t tsc_at_clock_ns(Process* p, int64_t clock, int64_t ns);

int64_t futex_wake(Process* p, uint64_t addr, uint32_t count);

// TSC @t has run so far, its current run included when it is on a CPU now
// (read without its CPU's lock: a moment's skew while it switches).
uint64_t thread_run_tsc(const Thread* t);
// Of that, the TSC it spent in user mode (its current stretch included).
uint64_t thread_user_tsc(const Thread* t);

} // namespace mck
