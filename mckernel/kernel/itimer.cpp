// SPDX-License-Identifier: GPL-2.0
// Interval timers (kernel/itimer.h).
//
// ITIMER_REAL expires at a CLOCK_MONOTONIC time: its kernel timer is armed for
// that moment. ITIMER_VIRTUAL (user time) and ITIMER_PROF (user and system
// time) expire at an amount of the process's CPU time, which no interrupt
// measures on a tickless CPU: their kernel timer looks at the CPU time when it
// could have been reached at the earliest (every thread running from now on)
// and again until it is, at least 1 ms apart. No timer armed, no interrupt.
// Expiry sends SIGALRM, SIGVTALRM or SIGPROF to the process; the interval
// re-arms it from the expiry, and expiries missed meanwhile are lost (as Linux).
// Timers are per process, not inherited by fork, gone with the process.
// RLIMIT_CPU is checked the same way, on ITIMER_PROF's clock, by a fourth
// timer the program cannot set (CPU_LIMIT).
#include <kernel/errno.h>
#include <kernel/itimer.h>
#include <kernel/offload.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>

#include <arch/cpu.h>

namespace mck {
namespace {

constexpr int ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2, CPU_LIMIT = 3;
constexpr int SIGNAL_OF[3] = {14, 26, 27}; // SIGALRM, SIGVTALRM, SIGPROF
constexpr int SIGKILL = 9, SIGXCPU = 24;
constexpr uint64_t RLIM_INFINITY = ~0ull;
constexpr int64_t SYS_SETITIMER = 38;
constexpr uint64_t NS_PER_US = 1000, NS_PER_SEC = 1000000000;
constexpr uint64_t CPU_CHECK_MIN_NS = 1000000; // 1 ms, a 1000 Hz tick
constexpr uint64_t NEVER = ~0ull >> 1;

struct Timeval {
    int64_t sec, usec;
};
struct ITimerval {
    Timeval interval, value;
};
static_assert(sizeof(ITimerval) == 32);

uint64_t add_sat(uint64_t a, uint64_t b) { return a + b < a || a + b > NEVER ? NEVER : a + b; }

// Linux's timeval_valid: 0 <= usec < 1 s, sec >= 0.
bool valid(const Timeval& tv) { return tv.sec >= 0 && tv.usec >= 0 && tv.usec < 1000000; }

uint64_t to_ns(const Timeval& tv)
{
    if (uint64_t(tv.sec) >= NEVER / NS_PER_SEC)
        return NEVER;
    return uint64_t(tv.sec) * NS_PER_SEC + uint64_t(tv.usec) * NS_PER_US;
}

Timeval to_tv(uint64_t ns) { return Timeval{int64_t(ns / NS_PER_SEC), int64_t(ns % NS_PER_SEC / NS_PER_US)}; }

// The clock @which runs on, in ns. Caller holds p->lock.
uint64_t now_ns(Process* p, int which)
{
    if (which == ITIMER_REAL)
        return uint64_t(clock_now_ns(p, 1 /* CLOCK_MONOTONIC */));
    uint64_t now = arch::rdtsc();
    uint64_t tsc = which == ITIMER_VIRTUAL ? p->ended_user_tsc : p->ended.cpu_tsc;
    for (Thread* t = p->threads; t; t = t->proc_next) {
        if (which != ITIMER_VIRTUAL) { // ITIMER_PROF, CPU_LIMIT: user and system time
            tsc += thread_run_tsc(t);
            continue;
        }
        uint64_t since = __atomic_load_n(&t->user_since, __ATOMIC_ACQUIRE);
        tsc += __atomic_load_n(&t->user_tsc, __ATOMIC_RELAXED) + (since && now > since ? now - since : 0);
    }
    return tsc_to_ns(tsc);
}

void fire(Timer* k);

// Arm @which's kernel timer for its value (set). Caller holds p->lock.
void arm(Process* p, int which, uint64_t now)
{
    ITimer& it = p->itimers[which];
    it.timer.owner = p;
    it.timer.fire = fire;
    if (which == ITIMER_REAL) {
        timer_arm(&it.timer, tsc_at_clock_ns(p, 1, int64_t(it.value_ns)));
        return;
    }
    uint64_t left = it.value_ns > now ? it.value_ns - now : 0;
    uint64_t wait = left / (p->nthreads ? p->nthreads : 1);
    timer_arm(&it.timer, tsc_after_ns(int64_t(wait > CPU_CHECK_MIN_NS ? wait : CPU_CHECK_MIN_NS)));
}

uint64_t sec_ns(uint64_t sec) { return sec >= NEVER / NS_PER_SEC ? NEVER : sec * NS_PER_SEC; }

// CPU_LIMIT's next check: at the soft limit, or at the hard one if sooner; 0
// (disarmed) while the soft limit is infinite, as Linux checks nothing then.
// Caller holds p->lock.
void cpu_limit_arm(Process* p)
{
    ITimer& it = p->itimers[CPU_LIMIT];
    timer_cancel(&it.timer);
    const mck_rlimit& l = p->rlimits[MCK_RLIMIT_CPU];
    it.value_ns = 0;
    if (l.cur == RLIM_INFINITY || p->itimers_gone)
        return;
    uint64_t soft = sec_ns(l.cur), hard = l.max == RLIM_INFINITY ? NEVER : sec_ns(l.max);
    it.value_ns = soft < hard ? soft : hard;
    if (!it.value_ns)
        it.value_ns = 1; // a limit of 0 s: at the first check (value 0 means disarmed)
    arm(p, CPU_LIMIT, now_ns(p, CPU_LIMIT));
}

// CPU_LIMIT's check, in Linux's order: at the hard limit SIGKILL, nothing
// else; at the soft limit SIGXCPU, and the soft limit one second later (as
// getrlimit then tells). Returns the signal to send. Caller holds p->lock.
int cpu_limit_check(Process* p)
{
    ITimer& it = p->itimers[CPU_LIMIT];
    mck_rlimit& l = p->rlimits[MCK_RLIMIT_CPU];
    if (l.cur == RLIM_INFINITY) {
        it.value_ns = 0;
        return 0;
    }
    uint64_t now = now_ns(p, CPU_LIMIT);
    if (l.max != RLIM_INFINITY && now >= sec_ns(l.max)) {
        it.value_ns = 0;
        return SIGKILL;
    }
    int sig = 0;
    if (now >= sec_ns(l.cur)) {
        sig = SIGXCPU;
        if (l.cur < l.max)
            l.cur++;
    }
    cpu_limit_arm(p);
    return sig;
}

// Interrupt context, no lock held; @k's owner is held for us (kernel/timer.h).
void fire(Timer* k)
{
    Process* p = k->owner;
    int which = int(reinterpret_cast<ITimer*>(k) - p->itimers);
    bool expired = false;
    if (which == CPU_LIMIT) {
        int sig;
        {
            SpinLockGuard guard(p->lock);
            if (p->itimers_gone || !p->itimers[CPU_LIMIT].value_ns || timer_armed(k))
                return;
            sig = cpu_limit_check(p);
        }
        if (sig == SIGKILL) {
            process_kill(p, SIGKILL);
        } else if (sig) {
            SigInfo info;
            info.code = 0x80; // SI_KERNEL, as Linux's
            signal_send_process(p, sig, info);
        }
        return;
    }
    {
        SpinLockGuard guard(p->lock);
        ITimer& it = p->itimers[which];
        // Disarmed, or set again (armed anew) since this expiry was due.
        if (p->itimers_gone || !it.value_ns || timer_armed(k))
            return;
        uint64_t now = now_ns(p, which);
        if (now >= it.value_ns) {
            expired = true;
            if (it.interval_ns) {
                uint64_t next = add_sat(it.value_ns, it.interval_ns);
                if (next <= now) // late by more than an interval: those are lost
                    next = add_sat(now, it.interval_ns - (now - it.value_ns) % it.interval_ns);
                it.value_ns = next;
            } else {
                it.value_ns = 0;
            }
        }
        if (it.value_ns)
            arm(p, which, now);
    }
    if (expired) {
        SigInfo info;
        info.code = 0x80; // SI_KERNEL, as Linux's timers send them
        signal_send_process(p, SIGNAL_OF[which], info);
    }
}

// Read @which as getitimer tells it. Caller holds p->lock.
ITimerval read(Process* p, int which)
{
    const ITimer& it = p->itimers[which];
    ITimerval v{to_tv(it.interval_ns), {0, 0}};
    if (it.value_ns) {
        uint64_t now = now_ns(p, which);
        // About to expire: Linux tells a little time left, never none.
        v.value = to_tv(it.value_ns > now + NS_PER_US ? it.value_ns - now : NS_PER_US);
    }
    return v;
}

// Set @which to @v (value 0 disarms); its old setting in @old.
void set(Process* p, int which, const ITimerval& v, ITimerval* old)
{
    SpinLockGuard guard(p->lock);
    if (old)
        *old = read(p, which);
    ITimer& it = p->itimers[which];
    timer_cancel(&it.timer);
    it.interval_ns = to_ns(v.interval);
    uint64_t value = to_ns(v.value);
    it.value_ns = 0;
    if (value && !p->itimers_gone) {
        uint64_t now = now_ns(p, which);
        it.value_ns = add_sat(now, value);
        arm(p, which, now);
    }
}

// Where the LWK may put a setitimer argument for Linux: the caller's stack
// below its red zone, where a signal frame would go.
uint64_t scratch(Thread* t) { return (t->frame()->rsp - 128 - 2 * sizeof(ITimerval)) & ~15ull; }

// A process started by an execve may have its ITIMER_REAL on Linux (see
// itimer_exec_begin): take it over, once, before the first use.
void take_from_linux(Thread* t)
{
    Process* p = t->proc;
    if (__atomic_load_n(&p->itimer_real_local, __ATOMIC_ACQUIRE))
        return;
    __atomic_store_n(&p->itimer_real_local, true, __ATOMIC_RELEASE);
    uint64_t at = scratch(t);
    ITimerval zero{}, old{};
    if (at >= MCK_USER_END || !put_user(UserPtr<ITimerval>(at), zero))
        return;
    uint64_t args[6] = {ITIMER_REAL, at, at + sizeof(ITimerval), 0, 0, 0};
    // Not the program's setitimer, though of its number: a signal must not end it.
    if (offload_for_lwk(SYS_SETITIMER, args) != 0 || !get_user(old, UserPtr<ITimerval>(at + sizeof(ITimerval))))
        return;
    if (old.value.sec || old.value.usec)
        set(p, ITIMER_REAL, old, nullptr);
}

} // namespace

void itimer_process_end(Process* p)
{
    SpinLockGuard guard(p->lock);
    p->itimers_gone = true;
    for (ITimer& it : p->itimers) {
        timer_cancel(&it.timer);
        it.value_ns = 0;
    }
}

void itimer_exec_begin(Thread* t)
{
    Process* p = t->proc;
    take_from_linux(t);
    ITimerval v;
    {
        SpinLockGuard guard(p->lock);
        v = read(p, ITIMER_REAL);
    }
    if (!v.value.sec && !v.value.usec)
        return;
    uint64_t at = scratch(t);
    if (at >= MCK_USER_END || !put_user(UserPtr<ITimerval>(at), v))
        return;
    uint64_t args[6] = {ITIMER_REAL, at, 0, 0, 0, 0};
    if (offload(SYS_SETITIMER, args) != 0)
        return; // stays the LWK's: lost by the exec
    // Linux's now, alone: one SIGALRM, not one from each.
    set(p, ITIMER_REAL, ITimerval{}, nullptr);
    __atomic_store_n(&p->itimer_real_local, false, __ATOMIC_RELEASE);
}

void itimer_exec_failed(Thread* t) { take_from_linux(t); }

void itimer_cpu_limit_changed(Process* p)
{
    SpinLockGuard guard(p->lock);
    cpu_limit_arm(p);
}

int64_t sys_getitimer(SyscallArgs& a)
{
    int which = int(a.arg[0]);
    if (int32_t(a.arg[0]) < ITIMER_REAL || int32_t(a.arg[0]) > ITIMER_PROF)
        return -EINVAL;
    Thread* t = current();
    if (which == ITIMER_REAL)
        take_from_linux(t);
    ITimerval v;
    {
        SpinLockGuard guard(t->proc->lock);
        v = read(t->proc, which);
    }
    return put_user(a.ptr<ITimerval>(1), v) ? 0 : -EFAULT;
}

int64_t sys_setitimer(SyscallArgs& a)
{
    ITimerval v{};
    // As Linux: a null value disarms; it is checked before @which.
    if (a.arg[1] && !get_user(v, a.ptr<ITimerval>(1)))
        return -EFAULT;
    if (!valid(v.value) || !valid(v.interval))
        return -EINVAL;
    if (int32_t(a.arg[0]) < ITIMER_REAL || int32_t(a.arg[0]) > ITIMER_PROF)
        return -EINVAL;
    int which = int(a.arg[0]);
    Thread* t = current();
    if (which == ITIMER_REAL)
        take_from_linux(t);
    ITimerval old;
    set(t->proc, which, v, &old);
    // As Linux: the timer is set even if the old value cannot be told.
    if (a.arg[2] && !put_user(a.ptr<ITimerval>(2), old))
        return -EFAULT;
    return 0;
}

int64_t sys_alarm(SyscallArgs& a)
{
    ITimerval v{};
    v.value.sec = int64_t(uint32_t(a.arg[0]));
    Thread* t = current();
    take_from_linux(t);
    ITimerval old;
    set(t->proc, ITIMER_REAL, v, &old);
    // Linux rounds to the nearest second and never says 0 for a timer still armed.
    int64_t sec = old.value.sec;
    if ((!sec && old.value.usec) || old.value.usec >= 500000)
        sec++;
    return sec;
}

} // namespace mck
