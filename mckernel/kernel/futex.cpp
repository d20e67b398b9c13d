// SPDX-License-Identifier: GPL-2.0
// Futexes: waiters of every process hang in one table keyed by (process,
// address), under one lock; a wake moves them to their CPU's run queue.
// Enough of the interface for glibc: WAIT, WAKE, their BITSET forms, REQUEUE
// and CMP_REQUEUE. A futex in a shared mapping is keyed by its physical
// address, so LWK processes sharing the page wake each other. Linux processes
// sharing a file's or a System V segment's page cannot reach our table, so a
// wait there looks at the word every millisecond and returns once it changed
// (every process-shared lock, condition variable, barrier and semaphore of
// glibc changes the word before it wakes). Returning on every slice instead
// would be a spurious wake each millisecond: a waker that counts whom it woke
// (LTP's checkpoints) would then find nobody waiting. A waiter that leaves
// because the word changed leaves a note instead: an LWK waker changes the
// word first and wakes after, and may be held up between the two (a busy
// node, an interrupt) past the waiter's look; its wake, within a while,
// counts the note as the waiter it would have woken. Shared anonymous memory
// is only ever shared with LWK processes, so a wait there sleeps until woken.
#include <kernel/errno.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>
#include <kernel/vm.h>

#include <arch/cpu.h>

namespace mck {
namespace {

struct Waiter {
    Process* proc; // nullptr for a shared futex: then addr is physical
    uint64_t addr;
    uint32_t bitset;
    Thread* thread;
    bool woken;
    Waiter* next;
};

SpinLock g_lock{LockRank::Futex};
Waiter* g_waiters;

constexpr int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAIT_BITSET = 9,
              FUTEX_WAKE_BITSET = 10;
constexpr int FUTEX_PRIVATE = 128, FUTEX_CLOCK_REALTIME = 256;

constexpr int64_t SHARED_SLICE_NS = 1000000;

// A waiter on a shared word that left because the word changed: a wake of
// that word before @until counts it (after the waiters still queued).
struct Left {
    uint64_t addr; // physical; 0: a free slot
    uint64_t until;
};
constexpr uint32_t MAX_LEFT = 32; // the oldest goes when they are all taken
constexpr int64_t LEFT_NS = 100 * SHARED_SLICE_NS;
Left g_left[MAX_LEFT];

// Caller holds g_lock.
void note_left(uint64_t addr)
{
    Left* slot = &g_left[0];
    for (Left& l : g_left)
        if (l.until < slot->until)
            slot = &l; // a free slot's is 0
    *slot = {addr, tsc_after_ns(LEFT_NS)};
}

// Take up to @count notes of @addr that are still current. Caller holds g_lock.
uint32_t take_left(uint64_t addr, uint32_t count)
{
    uint32_t taken = 0;
    uint64_t now = arch::rdtsc();
    for (Left& l : g_left)
        if (taken < count && l.addr == addr && l.until > now) {
            l = Left{};
            taken++;
        }
    return taken;
}

struct Key {
    Process* proc;
    uint64_t addr;
    bool linux_too; // a shared word Linux programs may wake: wait in slices
};

Key key_of(Process* p, uint64_t addr)
{
    uint64_t phys;
    bool linux_too = false;
    if (vm_shared_phys(p, addr, &phys, &linux_too))
        return {nullptr, phys, linux_too};
    return {p, addr, false};
}

void unlink(Waiter* w)
{
    for (Waiter** pp = &g_waiters; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            return;
        }
}

int64_t wait(Process* p, uint64_t addr, uint32_t val, uint64_t deadline_tsc, uint32_t bitset)
{
    if (!bitset)
        return -EINVAL;
    if (!vm_access_ok(p, addr, 4, false))
        return -EFAULT;
    Thread* t = current();
    Key k = key_of(p, addr);
    Waiter w{k.proc, k.addr, bitset, t, false, nullptr};
    {
        SpinLockGuard guard(g_lock);
        // Under the lock, so a waker that changed the word after us finds us queued.
        // The page may be gone again by now: then EFAULT, as Linux says.
        uint32_t cur;
        if (int64_t err = get_user_u32_atomic(cur, UserPtr<uint32_t>(addr)))
            return err;
        if (cur != val)
            return -EAGAIN;
        w.next = g_waiters;
        g_waiters = &w;
    }
    int64_t ret = 0;
    t->interruptible = true;
    for (;;) {
        uint64_t until = deadline_tsc;
        if (k.linux_too) {
            uint64_t slice = tsc_after_ns(SHARED_SLICE_NS);
            until = deadline_tsc && deadline_tsc < slice ? deadline_tsc : slice;
        }
        bool in_time = sched_block(until);
        SpinLockGuard guard(g_lock);
        if (w.woken)
            break;
        if (!in_time && until == deadline_tsc) {
            ret = -ETIMEDOUT;
        } else if (t->killed || signal_pending(t)) {
            // As Linux: a wait without a time limit is restarted after a
            // handler with SA_RESTART; a timed one ends with EINTR.
            ret = deadline_tsc || t->killed ? -EINTR : -ERESTARTSYS;
        } else if (in_time) {
            continue; // a stray wake
        } else {
            // A slice passed: a Linux process may have changed the word. One
            // that cannot be read any more (unmapped) ends the wait as well.
            uint32_t cur;
            int64_t err = get_user_u32_atomic(cur, UserPtr<uint32_t>(addr));
            if (!err && cur == val)
                continue;
            if (!err)
                note_left(k.addr);
        }
        unlink(&w);
        break;
    }
    t->interruptible = false;
    return ret;
}

// Wake up to @count waiters of @addr; with @requeue_to, move up to
// @requeue_count of the others to that word.
int64_t wake(Process* p, uint64_t addr, uint32_t count, uint32_t bitset, const uint64_t* requeue_to = nullptr,
             uint32_t requeue_count = 0)
{
    if (!bitset)
        return -EINVAL;
    // Woken in batches (the stack has no room for every thread); waiters are
    // moved only in the pass that took the last one to wake.
    constexpr uint32_t BATCH = 64;
    uint32_t woken = 0, moved = 0;
    Key k = key_of(p, addr), to = requeue_to ? key_of(p, *requeue_to) : Key{};
    for (bool more = true; more;) {
        Thread* to_wake[BATCH]; // each holds a reference: a woken waiter may exit at once
        uint32_t n = 0;
        more = false;
        {
            SpinLockGuard guard(g_lock);
            for (Waiter** pp = &g_waiters; *pp;) {
                Waiter* w = *pp;
                if (w->proc != k.proc || w->addr != k.addr || !(w->bitset & bitset)) {
                    pp = &w->next;
                    continue;
                }
                if (woken + n < count) {
                    if (n == BATCH) {
                        more = true;
                        break;
                    }
                    *pp = w->next;
                    w->woken = true;
                    ref_acquire(w->thread); // alive: its wait() checks w.woken under g_lock before returning
                    to_wake[n++] = w->thread;
                    continue;
                }
                if (requeue_to && moved < requeue_count) {
                    w->proc = to.proc;
                    w->addr = to.addr;
                    moved++;
                }
                pp = &w->next;
            }
        }
        for (uint32_t i = 0; i < n; i++) {
            sched_wake(to_wake[i]);
            ref_release(to_wake[i]);
        }
        woken += n;
    }
    if (!k.proc && k.linux_too && woken < count) {
        SpinLockGuard guard(g_lock);
        woken += take_left(k.addr, count - woken);
    }
    return int64_t(woken + moved);
}

// Linux's user range (x86-64, 4-level paging): from MCK_USER_END up it is
// mcexec's, which the program sees as nothing mapped, not as the kernel's.
constexpr uint64_t TASK_SIZE_MAX = (1ull << 47) - 4096;

// Linux's get_futex_key(): EINVAL for a misaligned word, EFAULT outside
// Linux's user range (access_ok); a shared word must also be mapped and
// readable. A private word is only a key: one nothing maps still wakes none.
int64_t check_word(Process* p, uint64_t addr, bool shared)
{
    if (addr & 3)
        return -EINVAL;
    if (addr > TASK_SIZE_MAX - 4 || (shared && (!vm_access_ok(p, addr, 4, false) || vm_readonly_anon(p, addr))))
        return -EFAULT;
    return 0;
}

// REQUEUE and CMP_REQUEUE, checked in Linux's order (futex_requeue): the
// counts, the first word, the second, then the comparison.
int64_t requeue(Process* p, SyscallArgs& a, bool cmp)
{
    uint64_t addr = a.arg[0], addr2 = a.arg[4];
    bool shared = !(a.arg[1] & FUTEX_PRIVATE);
    // The second count travels in the timeout's place, as a 32-bit int.
    int32_t nr_wake = int32_t(a.arg[2]), nr_requeue = int32_t(uint32_t(a.arg[3]));
    if (nr_wake < 0 || nr_requeue < 0)
        return -EINVAL;
    if (int64_t err = check_word(p, addr, shared))
        return err;
    if (int64_t err = check_word(p, addr2, shared))
        return err;
    if (cmp) {
        uint32_t cur;
        if (!vm_access_ok(p, addr, 4, false) || !get_user(cur, a.ptr<uint32_t>(0)))
            return -EFAULT;
        if (cur != uint32_t(a.arg[5]))
            return -EAGAIN;
    }
    return wake(p, addr, uint32_t(nr_wake), ~0u, &addr2, uint32_t(nr_requeue));
}

} // namespace

int64_t futex_wake(Process* p, uint64_t addr, uint32_t count) { return wake(p, addr, count, ~0u); }

int64_t sys_futex(SyscallArgs& a)
{
    Process* p = current()->proc;
    uint64_t addr = a.arg[0], timeout = a.arg[3];
    int op = int(a.arg[1]) & ~(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);
    bool realtime = a.arg[1] & FUTEX_CLOCK_REALTIME;
    uint32_t val = uint32_t(a.arg[2]);
    if (op == FUTEX_REQUEUE || op == FUTEX_CMP_REQUEUE)
        return requeue(p, a, op == FUTEX_CMP_REQUEUE);
    if (addr & 3)
        return -EINVAL;
    // Linux looks at the word of a shared futex even to wake it: not mapped, EFAULT.
    if (addr > TASK_SIZE_MAX - 4)
        return -EFAULT;
    if (!vm_access_ok(p, addr, 4, false) && (op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET || !(a.arg[1] & FUTEX_PRIVATE)))
        return -EFAULT;
    if (!(a.arg[1] & FUTEX_PRIVATE) && vm_readonly_anon(p, addr))
        return -EFAULT; // get_futex_key(): a read-only anonymous page never changes
    switch (op) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
        uint64_t deadline = 0;
        if (timeout) {
            Timespec ts;
            if (!get_user(ts, a.ptr<Timespec>(3)))
                return -EFAULT;
            if (ts.nsec < 0 || ts.nsec >= 1000000000 || ts.sec < 0)
                return -EINVAL;
            // WAIT: a relative time; WAIT_BITSET: an absolute one on its clock.
            deadline = op == FUTEX_WAIT ? tsc_after_ns(ts_to_ns(ts))
                                        : tsc_at_clock_ns(p, realtime ? 0 : 1, ts_to_ns(ts));
        }
        return wait(p, addr, val, deadline, op == FUTEX_WAIT ? ~0u : uint32_t(a.arg[5]));
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
        return wake(p, addr, val, op == FUTEX_WAKE ? ~0u : uint32_t(a.arg[5]));
    default:
        return -ENOSYS;
    }
}

} // namespace mck
