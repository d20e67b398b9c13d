// SPDX-License-Identifier: GPL-2.0
// POSIX timers (timer_create, timer_settime, timer_gettime, timer_getoverrun,
// timer_delete) on the LWK's clocks, on the kernel timers of kernel/timer.h,
// as kernel/itimer.cpp runs setitimer's. Their signals go through the LWK's
// own signal queues (kernel/signal.h).
//
// The arithmetic and the reading of a clock id are here, inline, so the host
// unit tests check them without the rest of the kernel.
#pragma once

#include <stdint.h>

namespace mck {

struct Process;

// The last thread of @p ended: disarm its timers for good.
void posix_timer_process_end(Process* p);
// execve: Linux deletes the timers once the new image is sure. Until the
// exec's answer, an expiry sends nothing; if it failed, the signals owed are
// sent then (each with the expiries it missed as overruns).
void posix_timer_exec_begin(Process* p);
void posix_timer_exec_failed(Process* p);
// @p is being freed (no timer can fire any more): free its timers' memory.
void posix_timer_process_free(Process* p);

// What a timer's clock counts.
enum class PtClock : uint8_t {
    Wall,       // a clock of clock_now_ns (REALTIME, MONOTONIC, TAI)
    ProcessCpu, // the process's CPU time (user and system), ended threads too
    ProcessUser, // the process's user time (CPUCLOCK_VIRT)
    ThreadCpu,  // one thread's CPU time
    ThreadUser, // one thread's user time
};

struct PtClockSpec {
    PtClock kind = PtClock::Wall;
    int32_t wall = 1;  // Wall: the clock_now_ns clock it reads
    bool self = true;  // thread clocks: the caller's own thread (else @tid)
    uint32_t tid = 0;  // thread clocks named by tid; process clocks: the pid named (0: self)
    bool alarm = false; // REALTIME_ALARM, BOOTTIME_ALARM: needs CAP_WAKE_ALARM
};

// Read a clock id as Linux 6.1's timer_create does: 0 or -errno (EINVAL for
// an unknown clock, EOPNOTSUPP for a clock without timers). Negative ids are
// the CPU-time clocks of clock_getcpuclockid and pthread_getcpuclockid:
// ~pid << 3 | per-thread 4 | PROF 0, VIRT 1, SCHED 2 (3 with no per-thread
// bit is a clock file descriptor: Linux has no timers on those either).
inline int ptimer_decode_clock(int32_t id, PtClockSpec& out)
{
    constexpr int EINVAL_ = 22, EOPNOTSUPP_ = 95;
    out = PtClockSpec{};
    if (id < 0) {
        int32_t which = id & 3;
        bool thread = id & 4;
        if (which == 3) // a clock file descriptor (no timers on them), or no CPU clock
            return thread ? -EINVAL_ : -EOPNOTSUPP_;
        uint32_t pid = uint32_t(~(id >> 3));
        bool user = which == 1;
        out.kind = thread ? (user ? PtClock::ThreadUser : PtClock::ThreadCpu)
                          : (user ? PtClock::ProcessUser : PtClock::ProcessCpu);
        out.self = pid == 0;
        out.tid = pid;
        return 0;
    }
    switch (id) {
    case 0:  // REALTIME
    case 1:  // MONOTONIC
    case 11: // TAI
        out.wall = id;
        return 0;
    case 7:  // BOOTTIME: as MONOTONIC, the node does not suspend while it runs jobs
        out.wall = 1;
        return 0;
    case 8: // REALTIME_ALARM
    case 9: // BOOTTIME_ALARM
        out.wall = id == 8 ? 0 : 1;
        out.alarm = true;
        return 0;
    case 2: // PROCESS_CPUTIME_ID
        out.kind = PtClock::ProcessCpu;
        return 0;
    case 3: // THREAD_CPUTIME_ID
        out.kind = PtClock::ThreadCpu;
        return 0;
    case 4: // MONOTONIC_RAW
    case 5: // REALTIME_COARSE
    case 6: // MONOTONIC_COARSE: clocks Linux reads but has no timers on
        return -EOPNOTSUPP_;
    default:
        return -EINVAL_;
    }
}

// Linux's DELAYTIMER_MAX: an overrun count saturates there.
constexpr int64_t PTIMER_OVERRUN_MAX = 0x7fffffff;

inline int64_t ptimer_overrun_add(int64_t a, uint64_t b)
{
    return b >= uint64_t(PTIMER_OVERRUN_MAX) || a + int64_t(b) > PTIMER_OVERRUN_MAX ? PTIMER_OVERRUN_MAX
                                                                                   : a + int64_t(b);
}

// A timer due at @value expired at @now (>= @value): the expiries it missed
// besides this one, and its next value (0 without an interval: disarmed).
struct PtExpiry {
    uint64_t missed;
    uint64_t next;
};
inline PtExpiry ptimer_expire(uint64_t value, uint64_t interval, uint64_t now)
{
    constexpr uint64_t NEVER = ~0ull >> 1;
    if (!interval)
        return {0, 0};
    uint64_t missed = now > value ? (now - value) / interval : 0;
    // value + (missed + 1) * interval, saturated: past NEVER it never comes.
    if (missed + 1 > (NEVER - value) / interval)
        return {missed, NEVER};
    return {missed, value + (missed + 1) * interval};
}

} // namespace mck
