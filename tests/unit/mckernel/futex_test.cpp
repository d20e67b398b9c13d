// SPDX-License-Identifier: GPL-2.0
// The futex table (kernel/futex.cpp): waiters are host threads blocked in the
// fake scheduler, their words in a page of a fake process.
#include "fake.h"

#include <kernel/mem.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <kernel/time.h>
#include <kernel/vm.h>
#include <mcexec/abi.h>

#include <gtest/gtest.h>

#include <linux/futex.h>
#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <list>
#include <memory>
#include <thread>

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
        waiters.emplace_back();
        Waiter& w = waiters.back();
        w.t.proc = &proc->p;
        w.t.tid = 1001 + uint32_t(waiters.size());
        w.th = std::thread([&w, addr, op, val, timeout, bitset] {
            fake::set_current(&w.t);
            w.ret = futex(addr, op, val, timeout, 0, bitset);
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

} // namespace
