// SPDX-License-Identifier: GPL-2.0
// POSIX timers (kernel/posix_timer.h).
//
// A timer on a wall clock (REALTIME, MONOTONIC, BOOTTIME, TAI) arms its
// kernel timer for the TSC at which that clock reads its value. One on a CPU
// clock looks at the CPU time when it could have been used up at the earliest
// and again until it is, at least 1 ms apart, as itimer.cpp does. SIGEV_NONE
// arms nothing: timer_gettime works out where it is.
//
// Overruns. Linux keeps one signal per timer: while it is pending, expiries
// only count in its si_overrun, and timer_getoverrun tells the count of the
// signal delivered last. The LWK finds the timer's signal in the signal queues
// (by si_code SI_TIMER and si_timerid) at each expiry and, while it is still
// there, adds to the si_overrun it will carry. So the signal's count is the
// one at its last expiry, not at its delivery as on Linux, and a timer whose
// signal stays pending (or is ignored) is looked at no more often than every 1 ms.
//
// Timers are per process: a fork child has none, an execve starts a new LWK
// process (so none), the last thread's end disarms them. A deleted timer's
// memory is kept for the next timer_create and freed with the process,
// because an expiry already taken off its CPU's list may still look at it.
#include <kernel/errno.h>
#include <kernel/posix_timer.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>

#include <arch/cpu.h>

namespace mck {

struct PosixTimer {
    Timer timer;              // first: fire() finds the timer from it
    PosixTimer* next = nullptr;
    int32_t id = 0;
    PtClockSpec clock;
    uint32_t clock_tid = 0;   // thread clocks: whose CPU time
    int32_t notify = 0;       // SIGEV_*
    int32_t sig = 0;
    uint32_t target_tid = 0;  // SIGEV_THREAD_ID: the thread signalled
    uint64_t sigval = 0;
    uint64_t value_ns = 0;    // on its clock, when it expires next; 0: disarmed
    uint64_t interval_ns = 0;
    int64_t overrun = 0;      // of its signal sent last (counting while pending)
    int64_t overrun_last = 0; // of the one before: timer_getoverrun while the last is pending
    bool held = false;        // expired during an execve: its signal is owed if the exec fails
};

namespace {

constexpr int32_t SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2, SIGEV_THREAD_ID = 4;
constexpr int32_t SI_TIMER = -2;
constexpr int SIGALRM = 14, SIGRTMAX = 64;
constexpr uint64_t NS_PER_SEC = 1000000000;
constexpr uint64_t CHECK_MIN_NS = 1000000; // 1 ms, a 1000 Hz tick
constexpr uint64_t NEVER = ~0ull >> 1;
// Timers one process may hold: the kernel heap is small (kernel/mem.h).
// Linux bounds them by RLIMIT_SIGPENDING; past this one timer_create is EAGAIN.
constexpr uint32_t PTIMER_MAX = 4096;

struct SigEvent {
    uint64_t value;
    int32_t signo, notify;
    int32_t tid;
    int32_t pad[11];
};
static_assert(sizeof(SigEvent) == 64);

struct ITimerspec {
    Timespec interval, value;
};
static_assert(sizeof(ITimerspec) == 32);

uint64_t add_sat(uint64_t a, uint64_t b) { return a + b < a || a + b > NEVER ? NEVER : a + b; }

bool valid(const Timespec& ts) { return ts.sec >= 0 && ts.nsec >= 0 && ts.nsec < int64_t(NS_PER_SEC); }

uint64_t to_ns(const Timespec& ts)
{
    if (uint64_t(ts.sec) >= NEVER / NS_PER_SEC)
        return NEVER;
    return uint64_t(ts.sec) * NS_PER_SEC + uint64_t(ts.nsec);
}

Timespec to_ts(uint64_t ns) { return Timespec{int64_t(ns / NS_PER_SEC), int64_t(ns % NS_PER_SEC)}; }

Thread* thread_of(Process* p, uint32_t tid)
{
    for (Thread* t = p->threads; t; t = t->proc_next)
        if (t->tid == tid)
            return t;
    return nullptr;
}

// Now on @pt's clock in ns; false if its thread is gone. Caller holds p->lock.
bool now_ns(Process* p, const PosixTimer* pt, uint64_t& out)
{
    switch (pt->clock.kind) {
    case PtClock::Wall: {
        int64_t ns = clock_now_ns(p, pt->clock.wall);
        out = ns > 0 ? uint64_t(ns) : 0;
        return true;
    }
    case PtClock::ProcessCpu:
    case PtClock::ProcessUser: {
        bool user = pt->clock.kind == PtClock::ProcessUser;
        uint64_t tsc = user ? p->ended_user_tsc : p->ended.cpu_tsc;
        for (Thread* t = p->threads; t; t = t->proc_next)
            tsc += user ? thread_user_tsc(t) : thread_run_tsc(t);
        out = tsc_to_ns(tsc);
        return true;
    }
    case PtClock::ThreadCpu:
    case PtClock::ThreadUser: {
        Thread* t = thread_of(p, pt->clock_tid);
        if (!t)
            return false;
        out = tsc_to_ns(pt->clock.kind == PtClock::ThreadUser ? thread_user_tsc(t) : thread_run_tsc(t));
        return true;
    }
    }
    return false;
}

void fire(Timer* k);

// Arm @pt's kernel timer for its value, not before @min_ns from now. Caller holds p->lock.
void arm(Process* p, PosixTimer* pt, uint64_t now, uint64_t min_ns)
{
    pt->timer.owner = p;
    pt->timer.fire = fire;
    uint64_t left = pt->value_ns > now ? pt->value_ns - now : 0;
    if (pt->clock.kind == PtClock::Wall) {
        if (left >= min_ns)
            timer_arm(&pt->timer, tsc_at_clock_ns(p, pt->clock.wall, int64_t(pt->value_ns)));
        else
            timer_arm(&pt->timer, tsc_after_ns(int64_t(min_ns)));
        return;
    }
    // All its threads running from now on use it up in left / threads at the earliest.
    bool process = pt->clock.kind == PtClock::ProcessCpu || pt->clock.kind == PtClock::ProcessUser;
    uint64_t wait = left / (process && p->nthreads ? p->nthreads : 1);
    if (wait < CHECK_MIN_NS)
        wait = CHECK_MIN_NS;
    timer_arm(&pt->timer, tsc_after_ns(int64_t(wait < min_ns ? min_ns : wait)));
}

// The siginfo of @pt's signal while it is still pending, or null. Caller holds p->lock.
SigInfo* pending_info(Process* p, PosixTimer* pt)
{
    uint64_t* bits = &p->sigpending;
    SigInfo* slots = p->siginfo;
    SigList* queue = &p->sigqueue;
    if (pt->notify & SIGEV_THREAD_ID) {
        Thread* t = thread_of(p, pt->target_tid);
        if (!t)
            return nullptr;
        bits = &t->sigpending;
        slots = t->siginfo;
        queue = &t->sigqueue;
    }
    if (!(*bits & (1ull << (pt->sig - 1))))
        return nullptr;
    auto ours = [&](const SigInfo& i) { return i.code == SI_TIMER && i.pid == pt->id; };
    for (SigQueued* q = queue->head; q; q = q->next)
        if (q->sig == pt->sig && ours(q->info))
            return &q->info;
    return ours(slots[pt->sig - 1]) ? &slots[pt->sig - 1] : nullptr;
}

SigInfo info_of(const PosixTimer* pt)
{
    SigInfo info;
    info.code = SI_TIMER;
    info.pid = pt->id;                   // si_timerid
    info.uid = uint32_t(pt->overrun);    // si_overrun
    info.word3 = pt->sigval;             // si_value
    return info;
}

// The signal @pt sends now (0: none) in @info, to @target or the process. Caller holds p->lock.
int signal_of(Process* p, const PosixTimer* pt, SigInfo& info, RefPtr<Thread>& target)
{
    info = info_of(pt);
    if (!(pt->notify & SIGEV_THREAD_ID))
        return pt->sig;
    Thread* t = thread_of(p, pt->target_tid);
    if (!t)
        return 0; // Linux sends nothing once that thread is gone
    target = RefPtr<Thread>(t);
    return pt->sig;
}

void send(Process* p, int sig, const SigInfo& info, RefPtr<Thread>& target)
{
    if (!sig)
        return;
    if (target)
        signal_send_thread(target.get(), sig, info);
    else
        signal_send_process(p, sig, info);
}

// Is @sig ignored (SIG_IGN, or SIG_DFL of a signal whose default is to
// ignore)? Caller holds p->lock.
bool ignored(Process* p, int sig)
{
    uint64_t handler = p->actions[sig - 1].handler;
    bool ignores_by_default = sig == 17 || sig == 18 || sig == 23 || sig == 28; // CHLD, CONT, URG, WINCH
    return handler == 1 || (handler == 0 && ignores_by_default);
}

// Interrupt context, no lock held; @k's owner is held for us (kernel/timer.h).
void fire(Timer* k)
{
    Process* p = k->owner;
    auto* pt = reinterpret_cast<PosixTimer*>(k);
    SigInfo info;
    int sig = 0;
    RefPtr<Thread> target;
    {
        SpinLockGuard guard(p->lock);
        // Disarmed or deleted, or set again (armed anew) since this expiry was due.
        if (p->itimers_gone || !pt->value_ns || timer_armed(k))
            return;
        uint64_t now;
        if (!now_ns(p, pt, now)) { // its thread clock's thread is gone: it never expires
            pt->value_ns = 0;
            return;
        }
        if (now < pt->value_ns) {
            arm(p, pt, now, 0);
            return;
        }
        PtExpiry e = ptimer_expire(pt->value_ns, pt->interval_ns, now);
        pt->value_ns = e.next;
        uint64_t min_ns = 0;
        SigInfo* pending = p->ptimers_held ? nullptr : pending_info(p, pt);
        if (p->ptimers_held) {
            // The image may be gone in a moment: keep the signal until we know.
            if (pt->held) {
                pt->overrun = ptimer_overrun_add(pt->overrun, e.missed + 1);
            } else {
                pt->overrun_last = pt->overrun;
                pt->overrun = ptimer_overrun_add(0, e.missed);
                pt->held = true;
            }
            min_ns = CHECK_MIN_NS;
        } else if (pending) {
            pt->overrun = ptimer_overrun_add(pt->overrun, e.missed + 1);
            pending->uid = uint32_t(pt->overrun);
            min_ns = CHECK_MIN_NS; // no faster than a tick while nobody takes the signal
        } else {
            pt->overrun_last = pt->overrun;
            pt->overrun = ptimer_overrun_add(0, e.missed);
            sig = signal_of(p, pt, info, target);
            // An ignored signal is dropped, never pending: without this a short
            // interval would interrupt the CPU back to back (Linux: a jiffy).
            if (sig && ignored(p, sig))
                min_ns = CHECK_MIN_NS;
        }
        if (pt->value_ns)
            arm(p, pt, now, min_ns);
    }
    send(p, sig, info, target);
}

PosixTimer* find(Process* p, int32_t id)
{
    for (PosixTimer* pt = p->ptimers; pt; pt = pt->next)
        if (pt->id == id)
            return pt;
    return nullptr;
}

// @pt's setting as timer_gettime tells it. Caller holds p->lock.
ITimerspec read(Process* p, PosixTimer* pt)
{
    ITimerspec v{to_ts(pt->interval_ns), {0, 0}};
    if (!pt->value_ns)
        return v;
    uint64_t now;
    if (!now_ns(p, pt, now)) {
        pt->value_ns = 0;
        return v;
    }
    if (pt->notify == SIGEV_NONE && now >= pt->value_ns) {
        // Nothing fires it: it expires here, where it is looked at.
        PtExpiry e = ptimer_expire(pt->value_ns, pt->interval_ns, now);
        pt->value_ns = e.next;
        if (!pt->value_ns)
            return v;
    }
    // Due but not yet handled: Linux tells 1 ns left, never none.
    v.value = to_ts(pt->value_ns > now ? pt->value_ns - now : 1);
    return v;
}

// Is euid 0, as mcexec started with? Stands for CAP_WAKE_ALARM, which the LWK cannot read.
bool may_wake_alarm(Process* p)
{
    mck_proc_shared* s = p->shared;
    if (!s || p->creds_changed || !(__atomic_load_n(&s->cred_flags, __ATOMIC_ACQUIRE) & MCK_CRED_VALID))
        return false;
    return __atomic_load_n(&s->cred_uid[1], __ATOMIC_RELAXED) == 0;
}

} // namespace

void posix_timer_process_end(Process* p)
{
    SpinLockGuard guard(p->lock);
    p->itimers_gone = true;
    for (PosixTimer* pt = p->ptimers; pt; pt = pt->next) {
        timer_cancel(&pt->timer);
        pt->value_ns = 0;
    }
}

void posix_timer_exec_begin(Process* p)
{
    SpinLockGuard guard(p->lock);
    p->ptimers_held = true;
}

void posix_timer_exec_failed(Process* p)
{
    {
        SpinLockGuard guard(p->lock);
        p->ptimers_held = false;
    }
    // The signals of the timers that expired meanwhile, one at a time (sent with no lock held).
    for (;;) {
        SigInfo info;
        int sig = 0;
        RefPtr<Thread> target;
        {
            SpinLockGuard guard(p->lock);
            PosixTimer* pt = p->ptimers;
            while (pt && !pt->held)
                pt = pt->next;
            if (!pt)
                return;
            pt->held = false;
            sig = signal_of(p, pt, info, target);
        }
        send(p, sig, info, target);
    }
}

void posix_timer_process_free(Process* p)
{
    PosixTimer* lists[2] = {p->ptimers, p->ptimers_free};
    p->ptimers = p->ptimers_free = nullptr;
    for (PosixTimer* pt : lists)
        while (pt) {
            PosixTimer* next = pt->next;
            delete pt;
            pt = next;
        }
}

int64_t sys_timer_create(SyscallArgs& a)
{
    int32_t clockid = int32_t(a.arg[0]);
    SigEvent ev{};
    // As Linux: the sigevent is read first, then the clock, then the sigevent checked.
    if (a.arg[1] && !get_user(ev, a.ptr<SigEvent>(1)))
        return -EFAULT;
    PtClockSpec clock;
    if (int err = ptimer_decode_clock(clockid, clock))
        return err;
    Thread* self = current();
    Process* p = self->proc;
    PosixTimer* pt = nullptr;
    {
        SpinLockGuard guard(p->lock);
        if (p->nptimers >= PTIMER_MAX)
            return -EAGAIN;
        if ((pt = p->ptimers_free))
            p->ptimers_free = pt->next;
    }
    if (!pt && !(pt = new PosixTimer))
        return -EAGAIN;
    int64_t err = 0;
    int32_t id = 0;
    {
        SpinLockGuard guard(p->lock);
        // Under the lock: a late expiry of the deleted timer it was may look at it.
        *pt = PosixTimer{};
        pt->clock = clock;
        pt->clock_tid = clock.self ? self->tid : clock.tid;
        if (a.arg[1]) {
            pt->notify = ev.notify;
            pt->sig = ev.signo;
            pt->sigval = ev.value;
            pt->target_tid = uint32_t(ev.tid);
        } else {
            pt->notify = SIGEV_SIGNAL;
            pt->sig = SIGALRM;
        }
        // Linux's order: an id, the sigevent, then what the clock asks.
        switch (pt->notify) {
        case SIGEV_SIGNAL | SIGEV_THREAD_ID:
            if (pt->target_tid == 0 || !thread_of(p, pt->target_tid))
                err = -EINVAL;
            [[fallthrough]];
        case SIGEV_SIGNAL:
        case SIGEV_THREAD:
            if (pt->sig <= 0 || pt->sig > SIGRTMAX)
                err = -EINVAL;
            break;
        case SIGEV_NONE:
            break;
        default:
            err = -EINVAL;
        }
        if (!err && clock.alarm && !may_wake_alarm(p))
            err = -EPERM;
        // CPU clocks of the caller's own process and threads only.
        bool thread_clock = clock.kind == PtClock::ThreadCpu || clock.kind == PtClock::ThreadUser;
        if (!err && !clock.self && (thread_clock ? !thread_of(p, clock.tid) : clock.tid != p->pid))
            err = -EINVAL;
        if (!err && p->nptimers >= PTIMER_MAX)
            err = -EAGAIN;
        if (!err) {
            // The next free id from where the last one was taken, as Linux.
            do {
                id = p->ptimer_next_id;
                p->ptimer_next_id = id == 0x7fffffff ? 0 : id + 1;
            } while (find(p, id));
            pt->id = id;
            if (!a.arg[1])
                pt->sigval = uint64_t(uint32_t(id));
            pt->next = p->ptimers;
            p->ptimers = pt;
            p->nptimers++;
        } else {
            pt->next = p->ptimers_free;
            p->ptimers_free = pt;
        }
    }
    if (err)
        return err;
    if (!put_user(a.ptr<int32_t>(2), id)) {
        SyscallArgs del{{uint64_t(id), 0, 0, 0, 0, 0}, a.frame};
        sys_timer_delete(del);
        return -EFAULT;
    }
    return 0;
}

int64_t sys_timer_settime(SyscallArgs& a)
{
    ITimerspec v;
    if (!a.arg[2])
        return -EINVAL;
    if (!get_user(v, a.ptr<ITimerspec>(2)))
        return -EFAULT;
    if (!valid(v.interval) || !valid(v.value))
        return -EINVAL;
    bool absolute = a.arg[1] & 1; // TIMER_ABSTIME
    Process* p = current()->proc;
    ITimerspec old;
    {
        SpinLockGuard guard(p->lock);
        PosixTimer* pt = find(p, int32_t(a.arg[0]));
        if (!pt)
            return -EINVAL;
        old = read(p, pt);
        timer_cancel(&pt->timer);
        pt->interval_ns = to_ns(v.interval);
        pt->value_ns = 0;
        pt->overrun = pt->overrun_last = 0;
        pt->held = false;
        uint64_t value = to_ns(v.value);
        uint64_t now;
        if (value && !p->itimers_gone && now_ns(p, pt, now)) {
            pt->value_ns = absolute ? (value ? value : 1) : add_sat(now, value);
            if (pt->notify != SIGEV_NONE)
                arm(p, pt, now, 0);
        }
    }
    // As Linux: the timer is set even if the old value cannot be told.
    if (a.arg[3] && !put_user(a.ptr<ITimerspec>(3), old))
        return -EFAULT;
    return 0;
}

int64_t sys_timer_gettime(SyscallArgs& a)
{
    Process* p = current()->proc;
    ITimerspec v;
    {
        SpinLockGuard guard(p->lock);
        PosixTimer* pt = find(p, int32_t(a.arg[0]));
        if (!pt)
            return -EINVAL;
        v = read(p, pt);
    }
    return put_user(a.ptr<ITimerspec>(1), v) ? 0 : -EFAULT;
}

int64_t sys_timer_getoverrun(SyscallArgs& a)
{
    Process* p = current()->proc;
    SpinLockGuard guard(p->lock);
    PosixTimer* pt = find(p, int32_t(a.arg[0]));
    if (!pt)
        return -EINVAL;
    if (pt->notify == SIGEV_NONE)
        return 0; // as Linux: the count is a delivered signal's, and none is
    // The count of the signal delivered last: while one is pending, the one before.
    return pending_info(p, pt) ? pt->overrun_last : pt->overrun;
}

int64_t sys_timer_delete(SyscallArgs& a)
{
    Process* p = current()->proc;
    SpinLockGuard guard(p->lock);
    for (PosixTimer** at = &p->ptimers; *at; at = &(*at)->next) {
        PosixTimer* pt = *at;
        if (pt->id != int32_t(a.arg[0]))
            continue;
        timer_cancel(&pt->timer);
        pt->value_ns = 0; // an expiry already running sees it disarmed
        *at = pt->next;
        pt->next = p->ptimers_free;
        p->ptimers_free = pt;
        p->nptimers--;
        return 0;
    }
    return -EINVAL;
}

} // namespace mck
