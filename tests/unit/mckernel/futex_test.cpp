// SPDX-License-Identifier: GPL-2.0
// The futex table (kernel/futex.cpp): waiters are host threads blocked in the
// fake scheduler, their words in a page of a fake process.
#include "fake.h"

#include <kernel/mem.h>
#include <kernel/offload.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <kernel/time.h>
#include <kernel/vm.h>
#include <mcexec/abi.h>

#include <gtest/gtest.h>

#include <linux/futex.h>
#include <sys/mman.h>

#include <atomic>
#include <functional>
#include <cerrno>
#include <chrono>
#include <list>
#include <memory>
#include <thread>
#include <vector>

namespace {

using namespace mck;

constexpr uint64_t K4 = 4096, M = 1ull << 20;
constexpr uint64_t A = 0x10000000000ull; // the page of futex words
constexpr uint64_t X = A, Y = A + 64, Z = A + 128, TS = A + 1024; // words, and a timespec

int64_t futex(uint64_t addr, uint64_t op, uint64_t val, uint64_t timeout = 0, uint64_t addr2 = 0,
              uint64_t val3 = 0)
{
    SyscallArgs a{{addr, op, val, timeout, addr2, val3}, nullptr};
    return sys_futex(a);
}

class Futex : public ::testing::Test {
protected:
    void SetUp() override
    {
        fake::boot(64 * M);
        start = mem_free_bytes(-1);
        proc = std::make_unique<fake::Proc>();
        ASSERT_EQ(vm_mmap(&proc->p, A, K4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
                  int64_t(A));
    }
    void TearDown() override
    {
        // Wake whatever a failed test left, so its thread can end.
        for (uint64_t w : {X, Y, Z})
            futex(w, FUTEX_WAKE_PRIVATE, 1000);
        waiters.clear();
        EXPECT_EQ(fake::blocked(), 0);
        proc.reset();
        EXPECT_EQ(mem_free_bytes(-1), start);
        EXPECT_TRUE(fake::violations().empty()) << fake::violations().front();
    }

    // A thread of the process that makes one futex call.
    struct Waiter {
        Thread t;
        std::atomic<int64_t> ret{1};
        std::thread th;
        ~Waiter()
        {
            if (th.joinable())
                th.join();
        }
        bool done() const { return ret.load() != 1; }
    };
    Waiter& wait_on(uint64_t addr, uint64_t op = FUTEX_WAIT_PRIVATE, uint32_t val = 0, uint64_t timeout = 0,
                    uint32_t bitset = ~0u)
    {
        return in_thread([=] { return futex(addr, op, val, timeout, 0, bitset); });
    }
    // A thread of the process that makes @call.
    Waiter& in_thread(std::function<int64_t()> call)
    {
        waiters.emplace_back();
        Waiter& w = waiters.back();
        w.t.proc = &proc->p;
        w.t.tid = 1001 + uint32_t(waiters.size());
        w.th = std::thread([&w, call] {
            fake::set_current(&w.t);
            w.ret = call();
        });
        return w;
    }
    // Wait until @n waiters block (so the order of events is known).
    void blocked(int n) { ASSERT_TRUE(fake::wait_blocked(n)) << fake::blocked() << " blocked, not " << n; }
    int64_t result(Waiter& w)
    {
        w.th.join();
        return w.ret;
    }
    void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(20)); }

    uint64_t start = 0;
    std::unique_ptr<fake::Proc> proc;
    std::list<Waiter> waiters;
};

TEST_F(Futex, WakeWithoutWaitersIsZero)
{
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 1), 0);
    EXPECT_EQ(futex(X, FUTEX_WAKE, 1), 0);
}

TEST_F(Futex, WaitOnAnotherValueIsEAGAIN)
{
    *proc->word(X) = 5;
    EXPECT_EQ(futex(X, FUTEX_WAIT_PRIVATE, 4), -EAGAIN);
    EXPECT_EQ(fake::blocked(), 0);
}

// Linux's answers (checked on Linux) for bad words.
TEST_F(Futex, BadAddresses)
{
    EXPECT_EQ(futex(X + 2, FUTEX_WAKE_PRIVATE, 1), -EINVAL);
    EXPECT_EQ(futex(X + 2, FUTEX_WAIT_PRIVATE, 0), -EINVAL);
    EXPECT_EQ(futex(A + K4, FUTEX_WAIT_PRIVATE, 0), -EFAULT);
    EXPECT_EQ(futex(A + K4, FUTEX_WAKE, 1), -EFAULT); // a shared wake looks at the page
    EXPECT_EQ(futex(A + K4, FUTEX_WAKE_PRIVATE, 1), 0); // a private one does not
    // mcexec's memory is nothing mapped to the program, not the kernel's: Linux's range.
    EXPECT_EQ(futex(MCK_USER_END, FUTEX_WAKE_PRIVATE, 1), 0);
    EXPECT_EQ(futex(MCK_USER_END, FUTEX_WAKE, 1), -EFAULT);
    EXPECT_EQ(futex(MCK_USER_END, FUTEX_WAIT_PRIVATE, 0), -EFAULT);
    EXPECT_EQ(futex((1ull << 47) - 4096, FUTEX_WAKE_PRIVATE, 1), -EFAULT);
    EXPECT_EQ(futex(0xffffffff80000000ull, FUTEX_WAKE, 1), -EFAULT);
    EXPECT_EQ(futex(X, 99, 1), -ENOSYS);
    EXPECT_EQ(futex(X, FUTEX_WAIT_PRIVATE, 0, A + K4), -EFAULT); // the timeout is not mapped
    EXPECT_EQ(futex(X, FUTEX_WAIT_BITSET_PRIVATE, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ(futex(X, FUTEX_WAKE_BITSET_PRIVATE, 1, 0, 0, 0), -EINVAL);
}

TEST_F(Futex, BadTimeoutsAreEINVAL)
{
    auto* ts = reinterpret_cast<Timespec*>(proc->at(TS));
    *ts = {0, 1000000000};
    EXPECT_EQ(futex(X, FUTEX_WAIT_PRIVATE, 0, TS), -EINVAL);
    *ts = {-1, 0};
    EXPECT_EQ(futex(X, FUTEX_WAIT_PRIVATE, 0, TS), -EINVAL);
}

// The word went away between the check and the load (another thread unmapped it).
TEST_F(Futex, AFaultOnTheWordIsEFAULT)
{
    fake::fault_user_range(X, X + 4);
    EXPECT_EQ(futex(X, FUTEX_WAIT_PRIVATE, 0), -EFAULT);
    EXPECT_EQ(fake::blocked(), 0);
}

// Linux's get_futex_key(): a shared futex in private anonymous memory the
// process may not write is EFAULT, waiting or waking (the word never changes);
// a private futex there is only a key.
TEST_F(Futex, ASharedFutexInReadOnlyAnonymousMemoryIsEFAULT)
{
    constexpr uint64_t RO = A + 16 * K4;
    ASSERT_EQ(vm_mmap(&proc->p, RO, K4, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), int64_t(RO));
    EXPECT_EQ(futex(RO, FUTEX_WAIT, 1), -EFAULT);
    EXPECT_EQ(futex(RO, FUTEX_WAKE, 1), -EFAULT);
    EXPECT_EQ(futex(RO, FUTEX_CMP_REQUEUE, 1, 1, X, 0), -EFAULT);
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE, 1, 1, RO, 0), -EFAULT);
    EXPECT_EQ(futex(RO, FUTEX_WAIT_PRIVATE, 1), -EAGAIN);
    EXPECT_EQ(futex(RO, FUTEX_WAKE_PRIVATE, 1), 0);
    EXPECT_EQ(futex(X, FUTEX_WAIT, 1), -EAGAIN); // writable: a key like any other
    EXPECT_EQ(vm_munmap(&proc->p, RO, K4), 0);
}

TEST_F(Futex, WakeWakesWaitersOfThatWordOnlyAndAtMostCount)
{
    Waiter& x1 = wait_on(X);
    Waiter& x2 = wait_on(X);
    Waiter& x3 = wait_on(X);
    Waiter& y = wait_on(Y);
    blocked(4);
    EXPECT_EQ(futex(Z, FUTEX_WAKE_PRIVATE, 10), 0);
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 2), 2);
    blocked(2);
    settle();
    EXPECT_FALSE(y.done());
    EXPECT_EQ(int(x1.done()) + int(x2.done()) + int(x3.done()), 2);
    EXPECT_EQ(futex(Y, FUTEX_WAKE_PRIVATE, 10), 1);
    EXPECT_EQ(result(y), 0);
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 10), 1);
    EXPECT_EQ(result(x1), 0);
    EXPECT_EQ(result(x2), 0);
    EXPECT_EQ(result(x3), 0);
}

// Linux's futex_wake() counts in an int and stops once the count is reached
// after a wake: a count of 0, or one past INT_MAX, wakes one waiter.
TEST_F(Futex, AWakeOfNoneOrANegativeCountWakesOne)
{
    for (int i = 0; i < 3; i++)
        wait_on(X);
    blocked(3);
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 0), 1);
    blocked(2);
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 0xffffffffu), 1);
    blocked(1);
    EXPECT_EQ(futex(X, FUTEX_WAKE_BITSET_PRIVATE, 0x80000000u, 0, 0, ~0u), 1);
    blocked(0);
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 0), 0); // none left
    for (Waiter& w : waiters)
        EXPECT_EQ(result(w), 0);
}

TEST_F(Futex, BitsetsSelectWaiters)
{
    Waiter& one = wait_on(X, FUTEX_WAIT_BITSET_PRIVATE, 0, 0, 1);
    Waiter& two = wait_on(X, FUTEX_WAIT_BITSET_PRIVATE, 0, 0, 2);
    blocked(2);
    EXPECT_EQ(futex(X, FUTEX_WAKE_BITSET_PRIVATE, 10, 0, 0, 2), 1);
    EXPECT_EQ(result(two), 0);
    EXPECT_FALSE(one.done());
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 10), 1);
    EXPECT_EQ(result(one), 0);
}

TEST_F(Futex, ATimeoutExpires)
{
    *reinterpret_cast<Timespec*>(proc->at(TS)) = {0, 1000000}; // 1 ms
    Waiter& w = wait_on(X, FUTEX_WAIT_PRIVATE, 0, TS);
    blocked(1);
    fake::advance_ns(999999);
    settle();
    EXPECT_FALSE(w.done());
    fake::advance_ns(2);
    EXPECT_EQ(result(w), -ETIMEDOUT);
}

// The overflow: 1e10 s is "a long time", not a deadline in the past.
TEST_F(Futex, AHugeTimeoutDoesNotExpire)
{
    *reinterpret_cast<Timespec*>(proc->at(TS)) = {10000000000, 0};
    Waiter& w = wait_on(X, FUTEX_WAIT_PRIVATE, 0, TS);
    blocked(1);
    fake::advance_ns(1000000000ull * 3600 * 24 * 365); // a year
    settle();
    EXPECT_FALSE(w.done());
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 1), 1);
    EXPECT_EQ(result(w), 0);
    EXPECT_EQ(ts_to_ns({10000000000, 0}), INT64_MAX);
    EXPECT_EQ(ts_to_ns({9223372036, 854775807}), INT64_MAX);
    EXPECT_EQ(ts_to_ns({1, 5}), 1000000005);
}

TEST_F(Futex, AnAbsoluteDeadlineOnTheMonotonicClock)
{
    // The process's monotonic clock reads 0 at fake::now_tsc() - tsc_base.
    proc->p.tsc_base = fake::now_tsc();
    *reinterpret_cast<Timespec*>(proc->at(TS)) = {2, 0};
    Waiter& w = wait_on(X, FUTEX_WAIT_BITSET_PRIVATE, 0, TS);
    blocked(1);
    fake::advance_ns(1999999999);
    settle();
    EXPECT_FALSE(w.done());
    fake::advance_ns(1);
    EXPECT_EQ(result(w), -ETIMEDOUT);
}

// As Linux: a wait without a time limit ends for restarting (SA_RESTART
// decides on the way out); a timed one ends with EINTR.
TEST_F(Futex, ASignalInterruptsTheWait)
{
    Waiter& w = wait_on(X);
    blocked(1);
    w.t.sigpending = 1 << 9;
    mck::sched_wake(&w.t);
    EXPECT_EQ(result(w), -512); // ERESTARTSYS
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 1), 0); // it left the table
}

TEST_F(Futex, ASignalEndsATimedWaitWithEINTR)
{
    *reinterpret_cast<Timespec*>(proc->at(TS)) = {10000, 0};
    Waiter& w = wait_on(X, FUTEX_WAIT_PRIVATE, 0, TS);
    blocked(1);
    w.t.sigpending = 1 << 9;
    mck::sched_wake(&w.t);
    EXPECT_EQ(result(w), -EINTR);
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 1), 0);
}

// More waiters than one batch of wake(): all are woken, and a requeue moves
// only those past the count.
TEST_F(Futex, WakesMoreWaitersThanOneBatch)
{
    constexpr int N = 150;
    for (int i = 0; i < N; i++)
        wait_on(X);
    blocked(N);
    *proc->word(X) = 1;
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE_PRIVATE, 140, 5, Y, 1), 145);
    blocked(10);
    EXPECT_EQ(futex(Y, FUTEX_WAKE_PRIVATE, 100), 5);
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 100), 5);
    for (Waiter& w : waiters)
        EXPECT_EQ(result(w), 0);
}

TEST_F(Futex, RequeueWakesSomeAndMovesOthers)
{
    Waiter& a = wait_on(X);
    Waiter& b = wait_on(X);
    Waiter& c = wait_on(X);
    blocked(3);
    *proc->word(X) = 7;
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, Y, 8), -EAGAIN);
    blocked(3);
    // Wake one, move one to Y; the third stays on X.
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, Y, 7), 2);
    blocked(2);
    EXPECT_EQ(futex(Y, FUTEX_WAKE_PRIVATE, 10), 1);
    blocked(1);
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 10), 1);
    EXPECT_EQ(result(a), 0);
    EXPECT_EQ(result(b), 0);
    EXPECT_EQ(result(c), 0);
    // FUTEX_REQUEUE: no comparison.
    *proc->word(X) = 0;
    Waiter& d = wait_on(X);
    blocked(1);
    EXPECT_EQ(futex(X, FUTEX_REQUEUE_PRIVATE, 0, 5, Z), 1);
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 10), 0);
    EXPECT_EQ(futex(Z, FUTEX_WAKE_PRIVATE, 10), 1);
    EXPECT_EQ(result(d), 0);
}

// Linux's futex_requeue() checks, in its order: negative counts (the second
// one travels as the timeout), each word, then the comparison.
TEST_F(Futex, RequeueArgumentsAreCheckedAsLinuxDoes)
{
    *proc->word(X) = 3;
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE_PRIVATE, 1, uint32_t(-1), Y, 3), -EINVAL);
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE_PRIVATE, uint32_t(-1), 1, Y, 3), -EINVAL);
    EXPECT_EQ(futex(A + K4, FUTEX_CMP_REQUEUE, uint32_t(-1), 1, Y, 3), -EINVAL) << "counts first";
    EXPECT_EQ(futex(X, FUTEX_REQUEUE_PRIVATE, 1, uint32_t(-1), Y), -EINVAL);
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, Y, 4), -EAGAIN);
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, Y + 2, 4), -EINVAL) << "before the comparison";
    // A shared second word must be mapped and readable, before the comparison.
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE, 1, 1, A + K4, 4), -EFAULT);
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE, 1, 1, MCK_USER_END, 3), -EFAULT);
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE, 1, 1, Y, 3), 0);
    EXPECT_EQ(futex(A + K4, FUTEX_CMP_REQUEUE, 1, 1, Y, 3), -EFAULT);
    // A private one is only range checked, as Linux's private key is.
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, A + K4, 3), 0);
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, MCK_USER_END, 3), 0);
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, (1ull << 47) - 4096, 3), -EFAULT);
    // A PROT_NONE word is no readable word.
    ASSERT_EQ(vm_mprotect(&proc->p, A, K4, PROT_NONE), 0);
    EXPECT_EQ(futex(X, FUTEX_CMP_REQUEUE, 1, 1, Y, 3), -EFAULT);
    ASSERT_EQ(vm_mprotect(&proc->p, A, K4, PROT_READ | PROT_WRITE), 0);
    // A waiter moved to address 0 (a private word, never mapped) is moved all the same.
    *proc->word(X) = 0;
    Waiter& w = wait_on(X);
    blocked(1);
    EXPECT_EQ(futex(X, FUTEX_REQUEUE_PRIVATE, 0, 1, 0), 1);
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 10), 0);
    EXPECT_EQ(futex(0, FUTEX_WAKE_PRIVATE, 10), 1);
    EXPECT_EQ(result(w), 0);
}

// futex_waitv: struct futex_waitv entries in a list of their own pages.
class FutexWaitv : public Futex {
protected:
    static constexpr uint64_t LIST = A + 32 * K4; // two pages: 128 entries and more
    static constexpr uint32_t U32 = 2, PRIVATE = 128;
    struct Entry {
        uint64_t val, uaddr;
        uint32_t flags, reserved;
    };
    void SetUp() override
    {
        Futex::SetUp();
        ASSERT_EQ(vm_mmap(&proc->p, LIST, 2 * K4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                          -1, 0),
                  int64_t(LIST));
    }
    Entry* entry(uint32_t i) { return reinterpret_cast<Entry*>(proc->at(LIST + i * sizeof(Entry))); }
    void set(uint32_t i, uint64_t uaddr, uint64_t val = 0, uint32_t flags = U32 | PRIVATE)
    {
        *entry(i) = {val, uaddr, flags, 0};
    }
    static int64_t waitv(uint64_t list, uint64_t n, uint64_t flags = 0, uint64_t timeout = 0, uint64_t clock = 1)
    {
        SyscallArgs a{{list, n, flags, timeout, clock, 0}, nullptr};
        return sys_futex_waitv(a);
    }
};

// Linux's answers and order (sys_futex_waitv, futex_parse_waitv, then the
// keys, then the values).
TEST_F(FutexWaitv, ArgumentsAreCheckedAsLinuxDoes)
{
    set(0, X);
    set(1, Y);
    EXPECT_EQ(waitv(LIST, 2, 1), -EINVAL) << "no flags yet";
    EXPECT_EQ(waitv(LIST, 0), -EINVAL);
    EXPECT_EQ(waitv(LIST, 129), -EINVAL);
    EXPECT_EQ(waitv(0, 2), -EINVAL);
    EXPECT_EQ(waitv(LIST, 2, 0, TS, 2), -EINVAL) << "only REALTIME and MONOTONIC";
    EXPECT_EQ(waitv(LIST, 2, 0, A + K4), -EFAULT) << "the timeout is not mapped";
    *reinterpret_cast<Timespec*>(proc->at(TS)) = {0, 1000000000};
    EXPECT_EQ(waitv(LIST, 2, 0, TS), -EINVAL);
    *reinterpret_cast<Timespec*>(proc->at(TS)) = {-1, 0};
    EXPECT_EQ(waitv(LIST, 2, 0, TS, 0), -EINVAL);
    EXPECT_EQ(waitv(A + K4, 1), -EFAULT) << "the list is not mapped";
    *reinterpret_cast<Entry*>(proc->at(LIST + 2 * K4 - sizeof(Entry))) = {0, X, U32, 0};
    EXPECT_EQ(waitv(LIST + 2 * K4 - sizeof(Entry), 2), -EFAULT) << "its end is not";
    EXPECT_EQ(waitv(MCK_USER_END - sizeof(Entry), 2), -EFAULT);
    EXPECT_EQ(waitv(~0ull - 8, 1), -EFAULT);
    set(1, Y, 0, PRIVATE);
    EXPECT_EQ(waitv(LIST, 2), -EINVAL) << "a size must be given";
    set(1, Y, 0, U32 | 1);
    EXPECT_EQ(waitv(LIST, 2), -EINVAL) << "only the 32-bit size";
    set(1, Y, 0, U32 | 0x100);
    EXPECT_EQ(waitv(LIST, 2), -EINVAL);
    set(1, Y);
    entry(1)->reserved = 1;
    EXPECT_EQ(waitv(LIST, 2), -EINVAL);
    // Every entry is parsed before any word is looked at.
    set(0, A + K4, 0, U32);
    set(1, Y, 0, U32 | 4);
    EXPECT_EQ(waitv(LIST, 2), -EINVAL);
    set(1, Y + 2);
    EXPECT_EQ(waitv(LIST, 2), -EFAULT) << "the shared word's key, before the second's alignment";
    set(0, X);
    EXPECT_EQ(waitv(LIST, 2), -EINVAL) << "a misaligned word";
    set(1, A + K4, 0, U32);
    EXPECT_EQ(waitv(LIST, 2), -EFAULT) << "a shared word that is not mapped";
    set(1, A + K4);
    EXPECT_EQ(waitv(LIST, 2), -EFAULT) << "a private one, when its value is read";
    set(1, MCK_USER_END);
    EXPECT_EQ(waitv(LIST, 2), -EFAULT);
    // The values, in order: a word that differs is EAGAIN, a later fault too late.
    *proc->word(Y) = 3;
    set(1, Y, 2);
    set(2, A + K4);
    EXPECT_EQ(waitv(LIST, 3), -EAGAIN);
    EXPECT_EQ(fake::blocked(), 0);
    // Only the low 32 bits of a value are compared, as Linux's 32-bit futexes.
    set(1, Y, (7ull << 32) | 3);
    set(2, Z);
    *reinterpret_cast<Timespec*>(proc->at(TS)) = {0, 0};
    proc->p.tsc_base = fake::now_tsc();
    EXPECT_EQ(waitv(LIST, 3, 0, TS), -ETIMEDOUT) << "a deadline already past";
}

TEST_F(FutexWaitv, ReturnsTheIndexOfTheWokenWordAndLeavesTheOthers)
{
    set(0, X);
    set(1, Y, 0, U32); // shared and private words mix
    set(2, Z);
    Waiter& w = in_thread([this] { return waitv(LIST, 3); });
    blocked(1);
    EXPECT_EQ(futex(Z, FUTEX_WAKE_PRIVATE, 10), 1);
    EXPECT_EQ(result(w), 2);
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 10), 0) << "no longer queued on the others";
    EXPECT_EQ(futex(Y, FUTEX_WAKE, 10), 0);
    Waiter& again = in_thread([this] { return waitv(LIST, 3); });
    blocked(1);
    EXPECT_EQ(futex(Y, FUTEX_WAKE, 10), 1);
    EXPECT_EQ(result(again), 1);
}

// Two waits on overlapping lists: a wake counts each waiter once, and each
// sees its own index of the word.
TEST_F(FutexWaitv, WaitersOfOneWordInDifferentPlaces)
{
    set(0, X);
    set(1, Y);
    set(2, Z);
    Waiter& first = in_thread([this] { return waitv(LIST, 2); });            // X, Y
    Waiter& second = in_thread([this] { return waitv(LIST + sizeof(Entry), 2); }); // Y, Z
    blocked(2);
    EXPECT_EQ(futex(Y, FUTEX_WAKE_PRIVATE, 10), 2);
    EXPECT_EQ(result(first), 1);
    EXPECT_EQ(result(second), 0);
}

TEST_F(FutexWaitv, AllOf128Words)
{
    for (uint32_t i = 0; i < 128; i++)
        set(i, A + 4 * i);
    Waiter& w = in_thread([this] { return waitv(LIST, 128); });
    blocked(1);
    EXPECT_EQ(futex(A + 4 * 127, FUTEX_WAKE_PRIVATE, 1), 1);
    EXPECT_EQ(result(w), 127);
    for (uint32_t i = 0; i < 128; i++)
        EXPECT_EQ(futex(A + 4 * i, FUTEX_WAKE_PRIVATE, 1), 0) << i;
}

TEST_F(FutexWaitv, AnAbsoluteDeadlineOnEitherClock)
{
    set(0, X);
    proc->p.tsc_base = fake::now_tsc();
    *reinterpret_cast<Timespec*>(proc->at(TS)) = {1, 0};
    Waiter& mono = in_thread([this] { return waitv(LIST, 1, 0, TS, 1); });
    blocked(1);
    fake::advance_ns(999999999);
    settle();
    EXPECT_FALSE(mono.done());
    fake::advance_ns(1);
    EXPECT_EQ(result(mono), -ETIMEDOUT);
    // The realtime clock runs 1000 s ahead here.
    proc->p.realtime_offset_ns = 1000ll * 1000000000;
    *reinterpret_cast<Timespec*>(proc->at(TS)) = {1003, 0};
    Waiter& real = in_thread([this] { return waitv(LIST, 1, 0, TS, 0); });
    blocked(1);
    fake::advance_ns(1000000000);
    settle();
    EXPECT_FALSE(real.done());
    fake::advance_ns(1000000000);
    EXPECT_EQ(result(real), -ETIMEDOUT);
}

// Linux restarts futex_waitv after a handler with SA_RESTART even when timed:
// its deadline is absolute.
TEST_F(FutexWaitv, ASignalEndsTheWaitForRestarting)
{
    set(0, X);
    set(1, Y);
    *reinterpret_cast<Timespec*>(proc->at(TS)) = {100000, 0};
    Waiter& w = in_thread([this] { return waitv(LIST, 2, 0, TS); });
    blocked(1);
    w.t.sigpending = 1 << 9;
    mck::sched_wake(&w.t);
    EXPECT_EQ(result(w), -512); // ERESTARTSYS
    EXPECT_EQ(futex(X, FUTEX_WAKE_PRIVATE, 1), 0) << "it left the table";
    EXPECT_EQ(futex(Y, FUTEX_WAKE_PRIVATE, 1), 0);
}

// A word of a shared file mapping: Linux processes may wait on it in Linux's
// table. A shared wake wakes ours first, then asks mcexec to wake Linux's
// through its own mapping of the word; a private one, or one whose count our
// waiters met, asks nothing.
TEST_F(Futex, ASharedWakeOfAFileWordAlsoWakesLinuxWaiters)
{
    constexpr uint64_t F = A + 64 * K4, HANDLE = 0x7f0000000000ull; // the program's and mcexec's mapping
    std::vector<fake::Call> wakes;
    int64_t linux_woke = 2;
    fake::offload_handler = [&](const fake::Call& c) -> int64_t {
        if (c.nr == MCK_SYS_MAP_SHARED) {
            auto* list = reinterpret_cast<uint64_t*>(fake::host(c.args[4]));
            for (uint64_t i = 0; i < c.args[1] / K4; i++)
                list[i] = (fake::LINUX_PHYS + i * K4) | MCK_PIN_WRITABLE;
            return int64_t(HANDLE);
        }
        if (c.nr == MCK_SYS_SHARED_FUTEX_WAKE) {
            wakes.push_back(c);
            return linux_woke;
        }
        return -ENOSYS;
    };
    ASSERT_EQ(vm_mmap(&proc->p, F, 2 * K4, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, 5, 0), int64_t(F));
    const uint64_t word = F + K4 + 8;
    EXPECT_EQ(futex(word, FUTEX_WAKE, 5), 2) << "Linux's two";
    ASSERT_EQ(wakes.size(), 1u);
    EXPECT_EQ(wakes[0].args[0], HANDLE + K4 + 8) << "the word in mcexec's mapping";
    EXPECT_EQ(wakes[0].args[1], 5u);
    EXPECT_EQ(wakes[0].args[2], ~0u);
    EXPECT_EQ(futex(word, FUTEX_WAKE_BITSET, 5, 0, 0, 6), 2);
    ASSERT_EQ(wakes.size(), 2u);
    EXPECT_EQ(wakes[1].args[2], 6u) << "the bitset goes along";
    EXPECT_EQ(futex(word, FUTEX_WAKE_PRIVATE, 5), 0);
    EXPECT_EQ(wakes.size(), 2u) << "a private futex is the process's own";
    // Ours first: one waiter of ours and a count of 1 asks Linux nothing.
    Waiter& w = wait_on(word, FUTEX_WAIT);
    blocked(1);
    EXPECT_EQ(futex(word, FUTEX_WAKE, 1), 1);
    EXPECT_EQ(result(w), 0);
    EXPECT_EQ(wakes.size(), 2u);
    Waiter& w2 = wait_on(word, FUTEX_WAIT);
    blocked(1);
    EXPECT_EQ(futex(word, FUTEX_WAKE, 3), 3) << "ours, then two of Linux's";
    EXPECT_EQ(result(w2), 0);
    ASSERT_EQ(wakes.size(), 3u);
    EXPECT_EQ(wakes[2].args[1], 2u) << "only what our waiters left of the count";
    // mcexec's answer is not trusted past the count it was given.
    linux_woke = 99;
    EXPECT_EQ(futex(word, FUTEX_WAKE, 5), 0);
    linux_woke = -EFAULT;
    EXPECT_EQ(futex(word, FUTEX_WAKE, 5), 0);
    EXPECT_EQ(vm_munmap(&proc->p, F, 2 * K4), 0);
}

} // namespace
