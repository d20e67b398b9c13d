// SPDX-License-Identifier: GPL-2.0
// Futexes: waiters of every process hang in one table keyed by (process,
// address), under one lock; a wake moves them to their CPU's run queue.
// Enough of the interface for glibc: WAIT, WAKE, their BITSET forms, REQUEUE
// and CMP_REQUEUE; and futex_waitv, one wait on several words. A futex in a
// shared mapping is keyed by its physical address, so LWK processes sharing
// the page wake each other. Linux processes sharing a file's or a System V
// segment's page cannot reach our table, so a wait there looks at the word
// every millisecond and returns once it changed (every process-shared lock,
// condition variable, barrier and semaphore of glibc changes the word before
// it wakes). Returning on every slice instead
// would be a spurious wake each millisecond: a waker that counts whom it woke
// (LTP's checkpoints) would then find nobody waiting. A waiter that leaves
// because the word changed leaves a note instead: an LWK waker changes the
// word first and wakes after, and may be held up between the two (a busy
// node, an interrupt) past the waiter's look; its wake, within a while,
// counts the note as the waiter it would have woken. The other way, Linux
// processes waiting there are in Linux's table: a shared (not private) wake
// of such a word wakes ours first, then theirs through mcexec's own mapping of
// the word. Shared anonymous memory is only ever shared with LWK processes, so
// a wait there sleeps until woken.
#include <kernel/errno.h>
#include <kernel/mem.h>
#include <kernel/offload.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>
#include <kernel/vm.h>

#include <arch/cpu.h>
#include <mcexec/abi.h>

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
    bool linux_too;      // a shared word Linux programs may wake: wait in slices
    uint64_t linux_word; // with linux_too: the word in mcexec's mapping, or 0
};

Key key_of(Process* p, uint64_t addr)
{
    uint64_t phys, linux_word = 0;
    bool linux_too = false;
    if (vm_shared_phys(p, addr, &phys, &linux_too, &linux_word))
        return {nullptr, phys, linux_too, linux_word};
    return {p, addr, false, 0};
}

// Linux processes waiting on a word of a file or System V segment that we
// share wait in Linux's futex table, which our wakes do not reach: mcexec
// wakes up to @count of them through its own mapping of the word. How many.
uint32_t wake_linux(const Key& k, uint32_t count, uint32_t bitset)
{
    if (!k.linux_word || !count)
        return 0;
    uint64_t args[6] = {k.linux_word, count, bitset, 0, 0, 0};
    int64_t n = offload(MCK_SYS_SHARED_FUTEX_WAKE, args);
    return n > 0 && uint64_t(n) <= count ? uint32_t(n) : 0;
}

void unlink(Waiter* w)
{
    for (Waiter** pp = &g_waiters; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            return;
        }
}

// One word of a wait: where it is, what it must still hold, which wakes
// count (a bitset), and the waiter queued on it.
struct WaitWord {
    uint64_t uaddr;
    uint32_t val;
    uint32_t bitset;
    bool shared;    // not FUTEX_PRIVATE: Linux looks up its page for the key
    bool linux_too; // a shared word Linux programs may wake: wait in slices
    Waiter w;
};

constexpr int64_t NONE = -1; // no word (-EPERM is never a wait's answer)

// The index of the last of @words a wake took, or NONE. Caller holds g_lock.
int64_t last_woken(const WaitWord* words, uint32_t n)
{
    int64_t found = NONE;
    for (uint32_t i = 0; i < n; i++)
        if (words[i].w.woken)
            found = i;
    return found;
}

// The index of the first word Linux programs share that no longer holds its
// value, or NONE: a Linux process may have changed it and woken us through
// Linux's table, which we cannot see. One that cannot be read any more
// (unmapped) counts as changed. Caller holds g_lock.
int64_t changed_word(const WaitWord* words, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!words[i].linux_too)
            continue;
        uint32_t cur;
        int64_t err = get_user_u32_atomic(cur, UserPtr<uint32_t>(words[i].uaddr));
        if (!err && cur == words[i].val)
            continue;
        if (!err)
            note_left(words[i].w.addr);
        return i;
    }
    return NONE;
}

// Queue on each of @words while each holds its value (-EAGAIN if one does
// not), sleep until a wake takes one of them, and return its index, as
// Linux's futex_wait_multiple (one word: FUTEX_WAIT's 0). A signal ends the
// wait with -ERESTARTSYS when @restartable (SA_RESTART decides on the way
// out), with -EINTR otherwise.
int64_t wait_any(Process* p, WaitWord* words, uint32_t n, uint64_t deadline_tsc, bool restartable)
{
    Thread* t = current();
    bool slices = false;
    for (uint32_t i = 0; i < n; i++) {
        WaitWord& ww = words[i];
        // Map it now if it is mapped on demand: under the lock below a word
        // not mapped is EFAULT, after the words before it were compared.
        (void)vm_access_ok(p, ww.uaddr, 4, false);
        Key k = key_of(p, ww.uaddr);
        ww.linux_too = k.linux_too;
        ww.w = Waiter{k.proc, k.addr, ww.bitset, t, false, nullptr};
        slices |= k.linux_too;
    }
    {
        SpinLockGuard guard(g_lock);
        // Under the lock, so a waker that changed a word after us finds us
        // queued. A page may be gone again by now: then EFAULT, as Linux says.
        for (uint32_t i = 0; i < n; i++) {
            uint32_t cur;
            if (int64_t err = get_user_u32_atomic(cur, UserPtr<uint32_t>(words[i].uaddr)))
                return err;
            if (cur != words[i].val)
                return -EAGAIN;
        }
        for (uint32_t i = 0; i < n; i++) {
            words[i].w.next = g_waiters;
            g_waiters = &words[i].w;
        }
    }
    int64_t ret = 0;
    t->interruptible = true;
    for (;;) {
        uint64_t until = deadline_tsc;
        if (slices) {
            uint64_t slice = tsc_after_ns(SHARED_SLICE_NS);
            until = deadline_tsc && deadline_tsc < slice ? deadline_tsc : slice;
        }
        bool in_time = sched_block(until);
        SpinLockGuard guard(g_lock);
        ret = last_woken(words, n);
        if (ret == NONE && !in_time && until == deadline_tsc)
            ret = -ETIMEDOUT;
        else if (ret == NONE && (t->killed || signal_pending(t)))
            ret = restartable && !t->killed ? -ERESTARTSYS : -EINTR;
        else if (ret == NONE && !in_time)
            ret = changed_word(words, n); // a slice passed
        if (ret == NONE)
            continue; // a stray wake, or nothing changed
        for (uint32_t i = 0; i < n; i++)
            if (!words[i].w.woken)
                unlink(&words[i].w);
        break;
    }
    t->interruptible = false;
    return ret;
}

// Wake up to @count waiters of @addr, ours first, then, with @linux_waiters,
// Linux's (a shared futex's); with @requeue_to, move up to @requeue_count of
// ours that are left to that word.
int64_t wake(Process* p, uint64_t addr, uint32_t count, uint32_t bitset, bool linux_waiters = false,
             const uint64_t* requeue_to = nullptr, uint32_t requeue_count = 0)
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
    if (linux_waiters && k.linux_too)
        woken += wake_linux(k, count - woken, bitset);
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
    return wake(p, addr, uint32_t(nr_wake), ~0u, false, &addr2, uint32_t(nr_requeue));
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
        uint32_t bitset = op == FUTEX_WAIT ? ~0u : uint32_t(a.arg[5]);
        if (!bitset)
            return -EINVAL;
        // As Linux: a wait without a time limit is restarted after a handler
        // with SA_RESTART; a timed one ends with EINTR.
        WaitWord word{addr, val, bitset, !(a.arg[1] & FUTEX_PRIVATE), false, {}};
        return wait_any(p, &word, 1, deadline, !deadline);
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
        // Linux's count is an int and it stops after the first wake that
        // reaches it: 0, or a "negative" count such as UINT32_MAX, wakes one.
        uint32_t count = int32_t(val) < 1 ? 1 : val;
        return wake(p, addr, count, op == FUTEX_WAKE ? ~0u : uint32_t(a.arg[5]), !(a.arg[1] & FUTEX_PRIVATE));
    }
    default:
        return -ENOSYS;
    }
}

// futex_waitv: wait on up to 128 words at once, checked in Linux's order
// (sys_futex_waitv, futex_parse_waitv, futex_wait_multiple_setup): the call's
// flags and count, the timeout, each entry, each word's key, then the values.
int64_t sys_futex_waitv(SyscallArgs& a)
{
    struct Entry { // struct futex_waitv of <linux/futex.h>
        uint64_t val, uaddr;
        uint32_t flags, reserved;
    };
    constexpr uint32_t FUTEX2_SIZE_U32 = 2, FUTEX_WAITV_MAX = 128;
    Process* p = current()->proc;
    uint64_t list = a.arg[0], timeout = a.arg[3];
    uint32_t n = uint32_t(a.arg[1]), flags = uint32_t(a.arg[2]);
    int32_t clock = int32_t(a.arg[4]);
    if (flags || !n || n > FUTEX_WAITV_MAX || !list)
        return -EINVAL;
    uint64_t deadline = 0;
    if (timeout) {
        if (clock != 0 && clock != 1) // CLOCK_REALTIME, CLOCK_MONOTONIC
            return -EINVAL;
        Timespec ts;
        if (!get_user(ts, a.ptr<Timespec>(3)))
            return -EFAULT;
        if (ts.nsec < 0 || ts.nsec >= 1000000000 || ts.sec < 0)
            return -EINVAL;
        deadline = tsc_at_clock_ns(p, clock, ts_to_ns(ts)); // absolute
    }
    KernelPages pages(uint64_t(n) * sizeof(WaitWord));
    if (!pages.ok())
        return -ENOMEM;
    auto* words = reinterpret_cast<WaitWord*>(pages.data());
    for (uint32_t i = 0; i < n; i++) {
        Entry e;
        if (!get_user(e, UserPtr<Entry>(list + uint64_t(i) * sizeof(Entry))))
            return -EFAULT;
        if ((e.flags & ~uint32_t(FUTEX2_SIZE_U32 | FUTEX_PRIVATE)) || e.reserved || !(e.flags & FUTEX2_SIZE_U32))
            return -EINVAL;
        words[i] = WaitWord{e.uaddr, uint32_t(e.val), ~0u, !(e.flags & FUTEX_PRIVATE), false, {}};
    }
    for (uint32_t i = 0; i < n; i++)
        if (int64_t err = check_word(p, words[i].uaddr, words[i].shared))
            return err;
    return wait_any(p, words, n, deadline, true);
}

} // namespace mck
