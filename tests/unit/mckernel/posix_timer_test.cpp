// SPDX-License-Identifier: GPL-2.0
// POSIX timers (kernel/posix_timer.cpp) over the fake machine: the kernel
// timers are a list the test runs by hand as the clock advances, and a sent
// signal is only marked pending (the test "delivers" it by clearing the bit),
// so expiries, overruns and what the calls answer are checked step by step.
#include "fake.h"

#include <kernel/posix_timer.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/time.h>
#include <kernel/vm.h>

#include <gtest/gtest.h>

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <vector>

// Fakes of kernel/sched.cpp's timers and kernel/signal.cpp's senders.
namespace {
std::vector<mck::Timer*> g_armed;
struct Sent {
    int sig;
    mck::SigInfo info;
    mck::Thread* thread; // null: to the process
};
std::vector<Sent> g_sent;
} // namespace

namespace mck {
void timer_arm(Timer* t, uint64_t deadline)
{
    timer_cancel(t);
    t->deadline = deadline;
    t->cpu = 0;
    g_armed.push_back(t);
}
bool timer_cancel(Timer* t)
{
    auto it = std::find(g_armed.begin(), g_armed.end(), t);
    if (it == g_armed.end())
        return false;
    g_armed.erase(it);
    t->cpu = ~0u;
    return true;
}
bool timer_armed(const Timer* t) { return t->cpu != ~0u; }
int64_t signal_send_process(Process* p, int sig, const SigInfo& info, uint64_t)
{
    g_sent.push_back({sig, info, nullptr});
    p->sigpending |= 1ull << (sig - 1);
    p->siginfo[sig - 1] = info;
    return 0;
}
int64_t signal_send_thread(Thread* t, int sig, const SigInfo& info, uint64_t)
{
    g_sent.push_back({sig, info, t});
    t->sigpending |= 1ull << (sig - 1);
    t->siginfo[sig - 1] = info;
    return 0;
}
} // namespace mck

namespace {

using namespace mck;

constexpr uint64_t M = 1ull << 20, MS = 1000000;
constexpr uint64_t U = 0x10000000000ull; // a page for the calls' arguments
constexpr uint64_t EV = U, ID = U + 128, NEW = U + 256, OLD = U + 512;
constexpr int TIMER_CODE = -2, ALRM = 14, SIGRT = 40; // SI_TIMER, SIGALRM, a real-time signal

struct ITs {
    int64_t isec, insec, vsec, vnsec;
};
struct Ev {
    uint64_t value;
    int32_t signo, notify, tid, pad[11];
};

class PosixTimers : public ::testing::Test {
protected:
    void SetUp() override
    {
        fake::boot(64 * M);
        proc = std::make_unique<fake::Proc>();
        ASSERT_EQ(vm_mmap(&proc->p, U, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
                  int64_t(U));
        g_armed.clear();
        g_sent.clear();
    }
    void TearDown() override
    {
        posix_timer_process_end(&proc->p);
        EXPECT_TRUE(g_armed.empty());
        posix_timer_process_free(&proc->p);
        proc.reset();
        EXPECT_TRUE(fake::violations().empty()) << fake::violations().front();
    }

    int64_t create(int64_t clock, const Ev* ev, int32_t* id)
    {
        if (ev)
            *reinterpret_cast<Ev*>(proc->at(EV)) = *ev;
        SyscallArgs a{{uint64_t(clock), ev ? EV : 0, ID, 0, 0, 0}, nullptr};
        int64_t r = sys_timer_create(a);
        *id = *reinterpret_cast<int32_t*>(proc->at(ID));
        return r;
    }
    int64_t set(int32_t id, uint64_t flags, uint64_t value_ns, uint64_t interval_ns, ITs* old = nullptr)
    {
        *reinterpret_cast<ITs*>(proc->at(NEW)) = ITs{int64_t(interval_ns / 1000000000), int64_t(interval_ns % 1000000000),
                                                     int64_t(value_ns / 1000000000), int64_t(value_ns % 1000000000)};
        SyscallArgs a{{uint64_t(uint32_t(id)), flags, NEW, OLD, 0, 0}, nullptr};
        int64_t r = sys_timer_settime(a);
        if (old)
            *old = *reinterpret_cast<ITs*>(proc->at(OLD));
        return r;
    }
    int64_t get(int32_t id, ITs* v)
    {
        SyscallArgs a{{uint64_t(uint32_t(id)), OLD, 0, 0, 0, 0}, nullptr};
        int64_t r = sys_timer_gettime(a);
        *v = *reinterpret_cast<ITs*>(proc->at(OLD));
        return r;
    }
    int64_t overrun(int32_t id)
    {
        SyscallArgs a{{uint64_t(uint32_t(id)), 0, 0, 0, 0, 0}, nullptr};
        return sys_timer_getoverrun(a);
    }
    int64_t del(int32_t id)
    {
        SyscallArgs a{{uint64_t(uint32_t(id)), 0, 0, 0, 0, 0}, nullptr};
        return sys_timer_delete(a);
    }
    // Advance the clock and run the kernel timers due by then, as the interrupt does.
    void advance(uint64_t ns)
    {
        fake::advance_ns(ns);
        for (;;) {
            auto due = std::find_if(g_armed.begin(), g_armed.end(),
                                    [](Timer* t) { return t->deadline <= fake::now_tsc(); });
            if (due == g_armed.end())
                return;
            Timer* t = *due;
            g_armed.erase(due);
            t->cpu = ~0u;
            t->fire(t);
        }
    }
    void deliver(int sig) { proc->p.sigpending &= ~(1ull << (sig - 1)); }
    static uint64_t ns(int64_t sec, int64_t nsec) { return uint64_t(sec) * 1000000000 + uint64_t(nsec); }

    std::unique_ptr<fake::Proc> proc;
};

TEST(PosixTimerMath, Expire)
{
    EXPECT_EQ(ptimer_expire(100, 0, 150).next, 0u);
    EXPECT_EQ(ptimer_expire(100, 10, 100).next, 110u);
    EXPECT_EQ(ptimer_expire(100, 10, 100).missed, 0u);
    PtExpiry e = ptimer_expire(100, 10, 135);
    EXPECT_EQ(e.missed, 3u);
    EXPECT_EQ(e.next, 140u);
    EXPECT_EQ(ptimer_expire(~0ull >> 2, ~0ull >> 2, ~0ull >> 1).next, ~0ull >> 1); // saturates: never
    EXPECT_EQ(ptimer_overrun_add(5, 3), 8);
    EXPECT_EQ(ptimer_overrun_add(PTIMER_OVERRUN_MAX - 1, 7), PTIMER_OVERRUN_MAX);
    EXPECT_EQ(ptimer_overrun_add(0, ~0ull), PTIMER_OVERRUN_MAX);
}

TEST(PosixTimerMath, Clocks)
{
    PtClockSpec c;
    EXPECT_EQ(ptimer_decode_clock(0, c), 0);
    EXPECT_EQ(c.wall, 0);
    EXPECT_EQ(ptimer_decode_clock(7, c), 0);
    EXPECT_EQ(c.wall, 1); // BOOTTIME as MONOTONIC
    EXPECT_EQ(ptimer_decode_clock(11, c), 0);
    EXPECT_EQ(ptimer_decode_clock(8, c), 0);
    EXPECT_TRUE(c.alarm);
    EXPECT_EQ(ptimer_decode_clock(2, c), 0);
    EXPECT_EQ(c.kind, PtClock::ProcessCpu);
    EXPECT_EQ(ptimer_decode_clock(3, c), 0);
    EXPECT_EQ(c.kind, PtClock::ThreadCpu);
    for (int id : {4, 5, 6})
        EXPECT_EQ(ptimer_decode_clock(id, c), -EOPNOTSUPP) << id;
    for (int id : {10, 12, 1000})
        EXPECT_EQ(ptimer_decode_clock(id, c), -EINVAL) << id;
    // pthread_getcpuclockid of tid 1234: ~1234 << 3 | per-thread | SCHED.
    EXPECT_EQ(ptimer_decode_clock(int32_t((~1234u << 3) | 6), c), 0);
    EXPECT_EQ(c.kind, PtClock::ThreadCpu);
    EXPECT_EQ(c.tid, 1234u);
    EXPECT_FALSE(c.self);
    EXPECT_EQ(ptimer_decode_clock(int32_t((~0u << 3) | 1), c), 0); // pid 0, VIRT
    EXPECT_EQ(c.kind, PtClock::ProcessUser);
    EXPECT_TRUE(c.self);
    EXPECT_EQ(ptimer_decode_clock(int32_t((~5u << 3) | 3), c), -EOPNOTSUPP); // a clock fd
    EXPECT_EQ(ptimer_decode_clock(int32_t((~5u << 3) | 7), c), -EINVAL);
}

TEST_F(PosixTimers, NullSigeventIsSigalrmWithTheId)
{
    int32_t a = -1, b = -1;
    ASSERT_EQ(create(1, nullptr, &a), 0);
    ASSERT_EQ(create(1, nullptr, &b), 0);
    EXPECT_EQ(a, 0);
    EXPECT_EQ(b, 1);
    ASSERT_EQ(set(b, 0, 10 * MS, 0), 0);
    advance(9 * MS);
    EXPECT_TRUE(g_sent.empty());
    advance(1 * MS);
    ASSERT_EQ(g_sent.size(), 1u);
    EXPECT_EQ(g_sent[0].sig, ALRM);
    EXPECT_EQ(g_sent[0].info.code, TIMER_CODE);
    EXPECT_EQ(g_sent[0].info.pid, b); // si_timerid
    EXPECT_EQ(g_sent[0].info.uid, 0u); // si_overrun
    EXPECT_EQ(g_sent[0].info.word3, uint64_t(b));
    ITs v;
    ASSERT_EQ(get(b, &v), 0);
    EXPECT_EQ(ns(v.vsec, v.vnsec), 0u); // a one-shot is disarmed
}

TEST_F(PosixTimers, BadArguments)
{
    int32_t id;
    Ev ev{7, SIGRT, 0, 0, {}};
    EXPECT_EQ(create(4, &ev, &id), -EOPNOTSUPP);
    EXPECT_EQ(create(10, &ev, &id), -EINVAL);
    EXPECT_EQ(create(8, &ev, &id), -EPERM); // no CAP_WAKE_ALARM known
    ev.signo = 0;
    EXPECT_EQ(create(1, &ev, &id), -EINVAL);
    ev.signo = 65;
    EXPECT_EQ(create(1, &ev, &id), -EINVAL);
    ev.signo = SIGRT;
    ev.notify = 99;
    EXPECT_EQ(create(1, &ev, &id), -EINVAL);
    ev.notify = 4; // SIGEV_THREAD_ID
    ev.tid = 4242;
    EXPECT_EQ(create(1, &ev, &id), -EINVAL);
    ev.tid = int32_t(proc->t.tid);
    EXPECT_EQ(create(1, &ev, &id), 0);
    EXPECT_EQ(id, 0); // the failed ones took no id
    SyscallArgs bad{{1, 8, ID, 0, 0, 0}, nullptr};
    EXPECT_EQ(sys_timer_create(bad), -EFAULT);
    SyscallArgs badid{{1, 0, 8, 0, 0, 0}, nullptr};
    EXPECT_EQ(sys_timer_create(badid), -EFAULT);
    EXPECT_EQ(del(1), -EINVAL); // the one whose id could not be told is gone

    *reinterpret_cast<ITs*>(proc->at(NEW)) = ITs{0, 0, 0, 1000000000};
    SyscallArgs s{{uint64_t(id), 0, NEW, 0, 0, 0}, nullptr};
    EXPECT_EQ(sys_timer_settime(s), -EINVAL);
    SyscallArgs null_new{{uint64_t(id), 0, 0, 0, 0, 0}, nullptr};
    EXPECT_EQ(sys_timer_settime(null_new), -EINVAL);
    EXPECT_EQ(set(99, 0, MS, 0), -EINVAL);
    EXPECT_EQ(del(id), 0);
    EXPECT_EQ(del(id), -EINVAL);
    ITs v;
    EXPECT_EQ(get(id, &v), -EINVAL);
}

TEST_F(PosixTimers, OverrunsCountWhileTheSignalIsPending)
{
    int32_t id;
    Ev ev{0x55, SIGRT, 0, 0, {}};
    ASSERT_EQ(create(1, &ev, &id), 0);
    ASSERT_EQ(set(id, 0, 1 * MS, 1 * MS), 0);
    advance(1 * MS);
    ASSERT_EQ(g_sent.size(), 1u);
    EXPECT_EQ(g_sent[0].info.word3, 0x55u);
    // Not delivered: later expiries add to its si_overrun, no new signal.
    advance(1 * MS);
    advance(1 * MS);
    advance(3 * MS);
    EXPECT_EQ(g_sent.size(), 1u);
    EXPECT_GE(proc->p.siginfo[SIGRT - 1].uid, 4u);
    uint32_t counted = proc->p.siginfo[SIGRT - 1].uid;
    EXPECT_EQ(overrun(id), 0); // the one delivered before: none
    deliver(SIGRT);
    EXPECT_EQ(overrun(id), int64_t(counted));
    advance(1 * MS);
    ASSERT_EQ(g_sent.size(), 2u);
    EXPECT_EQ(overrun(id), int64_t(counted)); // the new one is pending: still the last delivered's
    // settime starts counting anew.
    ASSERT_EQ(set(id, 0, 0, 0), 0);
    EXPECT_EQ(overrun(id), 0);
    EXPECT_TRUE(g_armed.empty());
}

TEST_F(PosixTimers, GettimeAndOldValueNeverMoreThanSet)
{
    int32_t id;
    Ev ev{0, SIGRT, 0, 0, {}};
    ASSERT_EQ(create(1, &ev, &id), 0);
    ASSERT_EQ(set(id, 0, 100 * MS, 3500 * MS), 0);
    advance(30 * MS);
    ITs v, old;
    ASSERT_EQ(get(id, &v), 0);
    EXPECT_EQ(ns(v.vsec, v.vnsec), 70 * MS);
    EXPECT_EQ(ns(v.isec, v.insec), 3500 * MS);
    ASSERT_EQ(set(id, 0, 5 * MS, 0, &old), 0);
    EXPECT_EQ(ns(old.vsec, old.vnsec), 70 * MS);
    EXPECT_EQ(ns(old.isec, old.insec), 3500 * MS);
    // Due but not yet handled: 1 ns left, never none.
    fake::advance_ns(6 * MS);
    ASSERT_EQ(get(id, &v), 0);
    EXPECT_EQ(ns(v.vsec, v.vnsec), 1u);
}

TEST_F(PosixTimers, AbsoluteTime)
{
    int32_t id;
    Ev ev{0, SIGRT, 0, 0, {}};
    ASSERT_EQ(create(1, &ev, &id), 0);
    uint64_t now = uint64_t(clock_now_ns(&proc->p, 1));
    ASSERT_EQ(set(id, 1, now + 20 * MS, 0), 0);
    advance(19 * MS);
    EXPECT_TRUE(g_sent.empty());
    advance(1 * MS);
    EXPECT_EQ(g_sent.size(), 1u);
    deliver(SIGRT);
    ASSERT_EQ(set(id, 1, now, 0), 0); // in the past: at once
    advance(0);
    EXPECT_EQ(g_sent.size(), 2u);
}

TEST_F(PosixTimers, SigevNoneArmsNothing)
{
    int32_t id;
    Ev ev{0, 0, 1 /* SIGEV_NONE */, 0, {}};
    ASSERT_EQ(create(1, &ev, &id), 0);
    ASSERT_EQ(set(id, 0, 10 * MS, 4 * MS), 0);
    EXPECT_TRUE(g_armed.empty());
    fake::advance_ns(15 * MS);
    ITs v;
    ASSERT_EQ(get(id, &v), 0);
    EXPECT_EQ(ns(v.vsec, v.vnsec), 3 * MS); // expired at 10, 14: next at 18
    EXPECT_EQ(overrun(id), 0);
    EXPECT_TRUE(g_sent.empty());
}

TEST_F(PosixTimers, ThreadTarget)
{
    Thread other;
    other.proc = &proc->p;
    other.tid = 1001;
    proc->t.proc_next = &other;
    proc->p.nthreads = 2;
    int32_t id;
    Ev ev{9, SIGRT, 4 /* SIGEV_THREAD_ID */, 1001, {}};
    ASSERT_EQ(create(1, &ev, &id), 0);
    ASSERT_EQ(set(id, 0, 1 * MS, 1 * MS), 0);
    advance(1 * MS);
    ASSERT_EQ(g_sent.size(), 1u);
    EXPECT_EQ(g_sent[0].thread, &other);
    advance(2 * MS); // pending in that thread: counted
    EXPECT_EQ(g_sent.size(), 1u);
    EXPECT_GE(other.siginfo[SIGRT - 1].uid, 1u);
    // That thread is gone: nothing is sent any more.
    other.sigpending = 0;
    proc->t.proc_next = nullptr;
    proc->p.nthreads = 1;
    advance(5 * MS);
    EXPECT_EQ(g_sent.size(), 1u);
    ASSERT_EQ(del(id), 0);
}

TEST_F(PosixTimers, CpuClockLooksAgainUntilUsedUp)
{
    proc->t.run_start = fake::now_tsc(); // running from now on
    int32_t id;
    Ev ev{0, SIGRT, 0, 0, {}};
    ASSERT_EQ(create(2, &ev, &id), 0);
    ASSERT_EQ(set(id, 0, 5 * MS, 0), 0);
    advance(4 * MS);
    EXPECT_TRUE(g_sent.empty());
    advance(1 * MS);
    EXPECT_EQ(g_sent.size(), 1u);
}

TEST_F(PosixTimers, ExecHoldsTheSignalsUntilItFails)
{
    int32_t id;
    Ev ev{0, SIGRT, 0, 0, {}};
    ASSERT_EQ(create(1, &ev, &id), 0);
    ASSERT_EQ(set(id, 0, 1 * MS, 1 * MS), 0);
    posix_timer_exec_begin(&proc->p);
    advance(1 * MS);
    advance(1 * MS);
    EXPECT_TRUE(g_sent.empty());
    posix_timer_exec_failed(&proc->p);
    ASSERT_EQ(g_sent.size(), 1u);
    EXPECT_EQ(g_sent[0].info.uid, 1u); // the second expiry
}

TEST_F(PosixTimers, DeletedMemoryIsReusedAndIdsGoOn)
{
    int32_t a, b, c;
    ASSERT_EQ(create(1, nullptr, &a), 0);
    ASSERT_EQ(set(a, 0, 1 * MS, 0), 0);
    ASSERT_EQ(del(a), 0);
    EXPECT_TRUE(g_armed.empty());
    ASSERT_EQ(create(1, nullptr, &b), 0);
    EXPECT_EQ(b, a + 1);
    EXPECT_EQ(proc->p.ptimers_free, nullptr); // a's memory went to b
    ASSERT_EQ(create(1, nullptr, &c), 0);
    advance(5 * MS);
    EXPECT_TRUE(g_sent.empty());
}

TEST_F(PosixTimers, AtMost4096)
{
    int32_t id;
    for (int i = 0; i < 4096; i++)
        ASSERT_EQ(create(1, nullptr, &id), 0) << i;
    EXPECT_EQ(create(1, nullptr, &id), -EAGAIN);
    ASSERT_EQ(del(17), 0);
    EXPECT_EQ(create(1, nullptr, &id), 0);
    EXPECT_EQ(id, 4096);
}

TEST_F(PosixTimers, ProcessEndDisarms)
{
    int32_t id;
    ASSERT_EQ(create(1, nullptr, &id), 0);
    ASSERT_EQ(set(id, 0, 1 * MS, 1 * MS), 0);
    posix_timer_process_end(&proc->p);
    EXPECT_TRUE(g_armed.empty());
    advance(5 * MS);
    EXPECT_TRUE(g_sent.empty());
    EXPECT_EQ(set(id, 0, 1 * MS, 0), 0);
    EXPECT_TRUE(g_armed.empty()); // nothing is armed again
}

} // namespace

namespace {

TEST_F(PosixTimers, IgnoredSignalDoesNotInterruptBackToBack)
{
    proc->p.actions[SIGRT - 1].handler = 1; // SIG_IGN
    int32_t id;
    Ev ev{0, SIGRT, 0, 0, {}};
    ASSERT_EQ(create(1, &ev, &id), 0);
    ASSERT_EQ(set(id, 0, 1000, 1000), 0); // 1 us
    fake::advance_ns(1000);
    Timer* t = g_armed.at(0);
    g_armed.clear();
    t->cpu = ~0u;
    t->fire(t);
    ASSERT_EQ(g_armed.size(), 1u);
    EXPECT_GE(g_armed[0]->deadline, fake::now_tsc() + MS); // a tick, not the next microsecond
}

} // namespace
