// SPDX-License-Identifier: GPL-2.0
// Clocks and sleeping (kernel/time.h): clock_gettime and friends without
// leaving the LWK, and sleeps on the tickless timer.
#include <kernel/boot.h>
#include <kernel/errno.h>
#include <kernel/posix_timer.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>

#include <arch/cpu.h>

namespace mck {

uint64_t thread_run_tsc(const Thread* t)
{
    uint64_t start = __atomic_load_n(&t->run_start, __ATOMIC_ACQUIRE);
    uint64_t ran = __atomic_load_n(&t->run_tsc, __ATOMIC_ACQUIRE);
    if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == ThreadState::Running) {
        uint64_t now = arch::rdtsc();
        ran += now > start ? now - start : 0;
    }
    return ran;
}

uint64_t thread_user_tsc(const Thread* t)
{
    uint64_t since = __atomic_load_n(&t->user_since, __ATOMIC_ACQUIRE);
    uint64_t now = arch::rdtsc();
    return __atomic_load_n(&t->user_tsc, __ATOMIC_RELAXED) + (since && now > since ? now - since : 0);
}

namespace {

constexpr int64_t CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2,
                  CLOCK_THREAD_CPUTIME_ID = 3, CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5,
                  CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7, CLOCK_TAI = 11;

// ns = tsc * mult >> 32, with mult computed once from the TSC rate.
uint64_t mult()
{
    static uint64_t m;
    if (!m)
        m = (1000000ull << 32) / (boot_param().tsc_khz ? boot_param().tsc_khz : 1000000);
    return m;
}

// Saturates at 2^62 cycles (decades), so a deadline computed from it never wraps.
uint64_t ns_to_tsc(uint64_t ns)
{
    constexpr uint64_t MAX = 1ull << 62;
    uint64_t khz = boot_param().tsc_khz;
    if (khz && ns / 1000 > MAX / khz)
        return MAX;
    return ns / 1000 * khz / 1000 + (ns % 1000) * khz / 1000000;
}

int64_t cpu_time_ns(Thread* t, bool whole_process)
{
    uint64_t tsc = t->run_tsc + (arch::rdtsc() - t->run_start);
    if (whole_process) {
        SpinLockGuard guard(t->proc->lock);
        tsc += t->proc->ended.cpu_tsc; // threads that ended count too
        for (Thread* o = t->proc->threads; o; o = o->proc_next)
            if (o != t)
                tsc += thread_run_tsc(o);
    }
    return int64_t(tsc_to_ns(tsc));
}

// Sleep until the TSC reaches @deadline; -EINTR if a signal comes first.
int64_t sleep_until(uint64_t deadline)
{
    Thread* t = current();
    t->interruptible = true;
    int64_t ret = 0;
    while (arch::rdtsc() < deadline) {
        if (t->killed || signal_pending(t)) {
            ret = -EINTR;
            break;
        }
        sched_block(deadline);
    }
    t->interruptible = false;
    return ret;
}

} // namespace

uint64_t tsc_to_ns(uint64_t tsc) { return uint64_t((unsigned __int128)tsc * mult() >> 32); }

uint64_t tsc_mult() { return mult(); }

uint64_t tsc_after_ns(int64_t ns) { return arch::rdtsc() + (ns > 0 ? ns_to_tsc(uint64_t(ns)) : 0); }

int64_t clock_now_ns(Process* p, int64_t clock)
{
    int64_t mono = p->mono_base_ns + int64_t(tsc_to_ns(arch::rdtsc() - p->tsc_base));
    switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
        return mono + p->realtime_offset_ns;
    case CLOCK_TAI:
        return mono + p->realtime_offset_ns + 37ll * 1000000000;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME: // the node does not suspend while it runs jobs
        return mono;
    case CLOCK_PROCESS_CPUTIME_ID:
        return cpu_time_ns(current(), true);
    case CLOCK_THREAD_CPUTIME_ID:
        return cpu_time_ns(current(), false);
    default:
        return -EINVAL;
    }
}

uint64_t tsc_at_clock_ns(Process* p, int64_t clock, int64_t ns)
{
    int64_t now = clock_now_ns(p, clock);
    if (now < 0 || ns <= now)
        return arch::rdtsc();
    return tsc_after_ns(ns - now);
}

namespace {

// The CPU-time clocks clock_getcpuclockid and pthread_getcpuclockid name
// (encoded as posix_timer.h decodes them): the caller's own process (pid 0 or
// its own) and its own threads. Another process's is EINVAL here; Linux
// would read it. Not for clock_nanosleep, which Linux refuses on thread clocks.
int64_t cpu_clock_ns(Process* p, int64_t clock)
{
    PtClockSpec spec;
    if (clock < INT32_MIN || ptimer_decode_clock(int32_t(clock), spec) != 0)
        return -EINVAL;
    Thread* self = current();
    switch (spec.kind) {
    case PtClock::ProcessCpu:
    case PtClock::ProcessUser: // the LWK does not tell user from system time
        return spec.self || spec.tid == p->pid ? cpu_time_ns(self, true) : -EINVAL;
    case PtClock::ThreadCpu:
    case PtClock::ThreadUser: {
        if (spec.self || spec.tid == self->tid)
            return cpu_time_ns(self, false);
        SpinLockGuard guard(p->lock); // threads leave the list under it
        for (Thread* o = p->threads; o; o = o->proc_next)
            if (o->tid == spec.tid)
                return int64_t(tsc_to_ns(thread_run_tsc(o)));
        return -EINVAL;
    }
    default:
        return -EINVAL;
    }
}

// What clock_gettime and clock_getres read: a clock of clock_now_ns, a CPU-time
// clock, or an alarm clock (REALTIME_ALARM, BOOTTIME_ALARM), which reads as the
// clock it wakes for.
int64_t clock_read_ns(Process* p, int64_t clock)
{
    constexpr int64_t CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9;
    if (clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM)
        clock = clock == CLOCK_REALTIME_ALARM ? CLOCK_REALTIME : CLOCK_BOOTTIME;
    return clock < 0 ? cpu_clock_ns(p, clock) : clock_now_ns(p, clock);
}

} // namespace

int64_t sys_clock_gettime(SyscallArgs& a)
{
    int64_t ns = clock_read_ns(current()->proc, int64_t(int32_t(a.arg[0])));
    if (ns < 0)
        return ns;
    Timespec ts = ns_to_ts(ns);
    return put_user(a.ptr<Timespec>(1), ts) ? 0 : -EFAULT;
}

int64_t sys_clock_getres(SyscallArgs& a)
{
    if (clock_read_ns(current()->proc, int64_t(int32_t(a.arg[0]))) < 0)
        return -EINVAL;
    Timespec ts{0, 1};
    return !a.arg[1] || put_user(a.ptr<Timespec>(1), ts) ? 0 : -EFAULT;
}

int64_t sys_gettimeofday(SyscallArgs& a)
{
    int64_t ns = clock_now_ns(current()->proc, CLOCK_REALTIME);
    struct Timeval {
        int64_t sec, usec;
    } tv{ns / 1000000000, ns % 1000000000 / 1000};
    if (a.arg[0] && !put_user(a.ptr<Timeval>(0), tv))
        return -EFAULT;
    if (a.arg[1]) {
        uint64_t tz = 0; // struct timezone: UTC, as Linux reports without settimeofday
        if (!put_user(a.ptr<uint64_t>(1), tz))
            return -EFAULT;
    }
    return 0;
}

int64_t sys_time(SyscallArgs& a)
{
    int64_t sec = clock_now_ns(current()->proc, CLOCK_REALTIME) / 1000000000;
    if (a.arg[0] && !put_user(a.ptr<int64_t>(0), sec))
        return -EFAULT;
    return sec;
}

int64_t sys_nanosleep(SyscallArgs& a)
{
    Timespec ts;
    if (!get_user(ts, a.ptr<Timespec>(0)))
        return -EFAULT;
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
        return -EINVAL;
    uint64_t deadline = tsc_after_ns(ts_to_ns(ts));
    int64_t ret = sleep_until(deadline);
    if (ret == -EINTR && a.arg[1]) {
        uint64_t now = arch::rdtsc();
        Timespec rem = ns_to_ts(now < deadline ? int64_t(tsc_to_ns(deadline - now)) : 0);
        if (!put_user(a.ptr<Timespec>(1), rem))
            return -EFAULT; // as Linux: the time left could not be told
    }
    return ret;
}

int64_t sys_clock_nanosleep(SyscallArgs& a)
{
    int64_t clock = int64_t(a.arg[0]);
    Process* p = current()->proc;
    if (clock == CLOCK_THREAD_CPUTIME_ID)
        return -EOPNOTSUPP; // as Linux: a clock one cannot sleep on
    if (clock_now_ns(p, clock) < 0)
        return -EINVAL;
    Timespec ts;
    if (!get_user(ts, a.ptr<Timespec>(2)))
        return -EFAULT;
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
        return -EINVAL;
    bool absolute = a.arg[1] & 1; // TIMER_ABSTIME
    uint64_t deadline = absolute ? tsc_at_clock_ns(p, clock, ts_to_ns(ts)) : tsc_after_ns(ts_to_ns(ts));
    int64_t ret = sleep_until(deadline);
    if (ret == -EINTR && !absolute && a.arg[3]) {
        uint64_t now = arch::rdtsc();
        Timespec rem = ns_to_ts(now < deadline ? int64_t(tsc_to_ns(deadline - now)) : 0);
        if (!put_user(a.ptr<Timespec>(3), rem))
            return -EFAULT; // as Linux: the time left could not be told
    }
    return ret;
}

} // namespace mck
