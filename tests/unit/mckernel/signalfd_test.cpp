// SPDX-License-Identifier: GPL-2.0
// signalfd on the LWK (kernel/signalfd.cpp): the table of descriptors that
// are signalfds follows the calls that make, copy and close descriptors; the
// eventfd's readiness follows the pending signals; reads take them; a wait
// for descriptors a signal of a mask interrupts starts again. mcexec faked.
#include "fake.h"

#include <kernel/offload.h>
#include <kernel/signalfd.h>
#include <kernel/syscall.h>
#include <kernel/time.h>
#include <kernel/vm.h>
#include <mcexec/abi.h>

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace {

using namespace mck;

constexpr uint64_t K4 = 4096, M = 1ull << 20;
constexpr uint64_t A = 0x10000000000ull; // the program's page: mask at A, records from A + 1024
constexpr uint64_t MASK = A, BUF = A + 1024;
constexpr uint64_t SYS_READ = 0, SYS_CLOSE = 3, SYS_POLL = 7, SYS_DUP = 32, SYS_DUP2 = 33, SYS_FCNTL = 72,
                   SYS_EVENTFD2 = 290, SYS_CLOSE_RANGE = 436;
constexpr int USR1 = 10, USR2 = 12;
constexpr uint64_t bit(int sig) { return 1ull << (sig - 1); }

class SignalFd : public ::testing::Test {
protected:
    void SetUp() override
    {
        fake::boot(64 * M);
        proc = std::make_unique<fake::Proc>();
        ASSERT_EQ(vm_mmap(&proc->p, A, K4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
                  int64_t(A));
        // mcexec: eventfds from 7 on, dup's copies from 20 on, every fd blocking.
        fake::offload_handler = [this](const fake::Call& c) -> int64_t {
            switch (c.nr) {
            case SYS_EVENTFD2:
                return next_fd++;
            case MCK_SYS_SIGNALFD_READY:
                ready[int(c.args[0])] = c.args[1];
                return 0;
            case SYS_DUP:
                return next_dup++;
            case SYS_DUP2:
                return int64_t(c.args[1]);
            case SYS_FCNTL:
                return c.args[1] == 3 /* F_GETFL */ ? flags : c.args[1] == 1 /* F_GETFD */ ? (c.args[0] < 3 ? 0 : -EBADF)
                                                                                          : next_dup++;
            case SYS_CLOSE:
            case SYS_CLOSE_RANGE:
                return 0;
            case SYS_POLL:
                return poll ? poll(c) : 0;
            default:
                return -ENOSYS;
            }
        };
    }
    void TearDown() override
    {
        signalfd_free(&proc->p);
        proc.reset();
        EXPECT_TRUE(fake::violations().empty()) << fake::violations().front();
    }
    int64_t make(uint64_t mask, uint64_t fd = ~0ull, uint64_t flags = 0)
    {
        *reinterpret_cast<uint64_t*>(proc->at(MASK)) = mask;
        SyscallArgs a{{fd, MASK, 8, flags, 0, 0}, nullptr};
        return sys_signalfd4(a);
    }
    // The call as the program makes it: answered by signalfd.cpp or offloaded.
    int64_t call(uint64_t nr, uint64_t a0, uint64_t a1 = 0, uint64_t a2 = 0)
    {
        SyscallArgs a{{a0, a1, a2, 0, 0, 0}, nullptr};
        int64_t ret;
        if (!signalfd_call(nr, a, ret))
            ret = offload(nr, a.arg);
        return ret;
    }
    // read() of @fd: the signals of the records, or the error.
    std::vector<int64_t> read_signals(uint64_t fd, uint64_t bytes = 4 * sizeof(signalfd_siginfo))
    {
        int64_t got = call(SYS_READ, fd, BUF, bytes);
        if (got < 0)
            return {got};
        std::vector<int64_t> sigs;
        for (int64_t off = 0; off < got; off += sizeof(signalfd_siginfo))
            sigs.push_back(reinterpret_cast<signalfd_siginfo*>(proc->at(BUF + uint64_t(off)))->ssi_signo);
        return sigs;
    }
    void pend(int sig, int32_t code = 0, int32_t pid = 0)
    {
        proc->p.sigpending |= bit(sig);
        proc->p.siginfo[sig - 1] = SigInfo{code, pid, 0, 0, 0};
    }

    std::unique_ptr<fake::Proc> proc;
    int64_t next_fd = 7, next_dup = 20, flags = 0;
    std::map<int, uint64_t> ready; // what mcexec made each eventfd last
    std::function<int64_t(const fake::Call&)> poll;
};

TEST_F(SignalFd, ReadsTakeThePendingSignalsOfTheMaskAndReadinessFollows)
{
    pend(USR2);
    int64_t fd = make(bit(USR1) | bit(USR2), ~0ull, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT_EQ(fd, 7);
    EXPECT_EQ(fake::offloads[0].nr, SYS_EVENTFD2);
    EXPECT_EQ(fake::offloads[0].args[1], uint64_t(SFD_NONBLOCK | SFD_CLOEXEC));
    EXPECT_EQ(ready[7], 1u) << "a signal of the mask was pending already";
    pend(USR1, -6, 1000);
    pend(3); // not in the mask: stays
    EXPECT_EQ(read_signals(7), (std::vector<int64_t>{USR1, USR2}));
    auto* rec = reinterpret_cast<signalfd_siginfo*>(proc->at(BUF));
    EXPECT_EQ(rec->ssi_code, -6);
    EXPECT_EQ(rec->ssi_pid, 1000u);
    EXPECT_EQ(ready[7], 0u) << "nothing of the mask pending any more";
    EXPECT_EQ(proc->p.sigpending, bit(3));
    // None left: O_NONBLOCK (Linux's file flag, asked) gives EAGAIN.
    flags = 04000;
    EXPECT_EQ(read_signals(7), (std::vector<int64_t>{-EAGAIN}));
    // Less room than one record: EINVAL, nothing taken.
    pend(USR1);
    EXPECT_EQ(read_signals(7, 64), (std::vector<int64_t>{-EINVAL}));
    EXPECT_EQ(read_signals(7, sizeof(signalfd_siginfo)), (std::vector<int64_t>{USR1}));
    // Other descriptors are Linux's.
    EXPECT_EQ(call(SYS_READ, 5, BUF, 128), -ENOSYS);
}

TEST_F(SignalFd, TheTableFollowsDupCloseAndCloseRange)
{
    ASSERT_EQ(make(bit(USR1)), 7);
    EXPECT_EQ(call(SYS_DUP, 7), 20);
    EXPECT_EQ(call(SYS_CLOSE, 7), 0);
    EXPECT_EQ(call(SYS_READ, 7, BUF, 128), -ENOSYS) << "closed: Linux's again";
    pend(USR1);
    EXPECT_EQ(read_signals(20), (std::vector<int64_t>{USR1}));
    // A second signalfd() on the copy changes the mask of the file.
    ASSERT_EQ(make(bit(USR2), 20), 20);
    EXPECT_EQ(call(SYS_DUP2, 20, 30), 30);
    EXPECT_EQ(call(SYS_FCNTL, 30, 1030 /* F_DUPFD_CLOEXEC */, 40), 21);
    pend(USR1);
    pend(USR2);
    EXPECT_EQ(read_signals(21), (std::vector<int64_t>{USR2}));
    // dup2 over one drops it; close_range drops those in its range.
    EXPECT_EQ(call(SYS_DUP2, 5, 30), 30);
    EXPECT_EQ(call(SYS_READ, 30, BUF, 128), -ENOSYS);
    EXPECT_EQ(call(SYS_CLOSE_RANGE, 21, 25, 4 /* CLOSE_RANGE_CLOEXEC */), 0);
    pend(USR2);
    EXPECT_EQ(read_signals(21), (std::vector<int64_t>{USR2})) << "only marked close-on-exec";
    EXPECT_EQ(call(SYS_CLOSE_RANGE, 21, 25, 0), 0);
    EXPECT_EQ(call(SYS_READ, 21, BUF, 128), -ENOSYS);
    flags = 04000;
    EXPECT_EQ(call(SYS_READ, 20, BUF, 128), -EAGAIN) << "the first copy is still one";
}

TEST_F(SignalFd, BadArgumentsAsLinux)
{
    *reinterpret_cast<uint64_t*>(proc->at(MASK)) = bit(USR1);
    SyscallArgs size4{{~0ull, MASK, 4, 0, 0, 0}, nullptr};
    EXPECT_EQ(sys_signalfd4(size4), -EINVAL);
    SyscallArgs bad_flags{{~0ull, MASK, 8, 1, 0, 0}, nullptr};
    EXPECT_EQ(sys_signalfd4(bad_flags), -EINVAL);
    SyscallArgs no_mask{{~0ull, 8, 8, 0, 0, 0}, nullptr};
    EXPECT_EQ(sys_signalfd4(no_mask), -EFAULT);
    EXPECT_EQ(make(bit(USR1), 1), -EINVAL) << "a descriptor that is no signalfd";
    EXPECT_EQ(make(bit(USR1), 99), -EBADF) << "no descriptor";
    EXPECT_TRUE(fake::offloads.size() == 2) << "nothing made";
    // At most 256 per process.
    for (int i = 0; i < 256; i++)
        ASSERT_EQ(make(bit(USR1)), 7 + i);
    EXPECT_EQ(make(bit(USR1)), -EMFILE);
}

// A signal of a mask that comes while a thread waits for descriptors on Linux
// interrupts that wait; it starts again once the eventfd is readable, with
// what is left of poll's time limit.
TEST_F(SignalFd, AWaitASignalInterruptsStartsAgainReady)
{
    ASSERT_EQ(make(bit(USR1)), 7);
    int polls = 0;
    std::vector<uint64_t> timeouts;
    poll = [&](const fake::Call& c) -> int64_t {
        timeouts.push_back(c.args[2]);
        if (polls++ == 0) {
            fake::advance_ns(300 * 1000 * 1000);
            pend(USR1); // sent by another thread meanwhile
            signalfd_signal_sent(&proc->p, USR1);
            EXPECT_EQ(fake::interrupted.size(), 1u);
            return -514; // -ERESTARTNOHAND: what mcexec answers for an interrupted poll
        }
        return ready[7] ? 1 : 0;
    };
    EXPECT_EQ(call(SYS_POLL, 0, 1, 1000), 1);
    EXPECT_EQ(polls, 2);
    ASSERT_EQ(timeouts.size(), 2u);
    EXPECT_EQ(timeouts[0], 1000u);
    EXPECT_EQ(timeouts[1], 700u);
    EXPECT_EQ(proc->t.fd_wait, FD_WAIT_NONE);
    // A signal no mask takes interrupts nothing; nor one for a thread not waiting.
    fake::interrupted.clear();
    proc->t.fd_wait = FD_WAITING;
    signalfd_signal_sent(&proc->p, USR2);
    EXPECT_TRUE(fake::interrupted.empty());
    EXPECT_EQ(proc->t.fd_wait, FD_WAITING);
    proc->t.fd_wait = FD_WAIT_NONE;
    signalfd_signal_sent(&proc->p, USR1);
    EXPECT_TRUE(fake::interrupted.empty());
    EXPECT_EQ(proc->t.fd_wait, FD_WAIT_NONE) << "no kick left behind for a later call";
    // An interruption for a signal the thread takes ends the wait: the handler runs.
    poll = [&](const fake::Call&) -> int64_t {
        proc->t.sigpending |= bit(USR2);
        signalfd_signal_sent(&proc->p, USR1);
        return -514;
    };
    EXPECT_EQ(call(SYS_POLL, 0, 1, 1000), -514);
    EXPECT_EQ(proc->t.fd_wait, FD_WAIT_NONE);
}

// epoll_pwait2's time limit is a const timespec Linux does not update: after
// an interruption it goes on as epoll_pwait with what is left, in milliseconds.
TEST_F(SignalFd, EpollPwait2GoesOnWithWhatIsLeft)
{
    ASSERT_EQ(make(bit(USR1)), 7);
    auto* ts = reinterpret_cast<uint64_t*>(proc->at(BUF));
    ts[0] = 2; // 2 s
    ts[1] = 0;
    std::vector<fake::Call> waits;
    poll = nullptr;
    fake::offload_handler = [&, old = fake::offload_handler](const fake::Call& c) -> int64_t {
        if (c.nr != 441 && c.nr != 281)
            return old(c);
        waits.push_back(c);
        if (waits.size() == 1) {
            fake::advance_ns(500 * 1000 * 1000);
            pend(USR1);
            signalfd_signal_sent(&proc->p, USR1);
            return -EINTR;
        }
        return 1;
    };
    uint64_t args[6] = {3, A + 2048, 1, BUF, 0, 0};
    EXPECT_EQ(signalfd_offload_wait(441, args), 1);
    ASSERT_EQ(waits.size(), 2u);
    EXPECT_EQ(waits[0].nr, 441u);
    EXPECT_EQ(waits[1].nr, 281u);
    EXPECT_EQ(waits[1].args[3], 1500u);
}

// A fork child's signalfds are its parent's eventfds until it gives each file
// one of its own (a copy for a dup), before it first looks at them.
TEST_F(SignalFd, AForkChildRenewsItsEventfdsOnceAFile)
{
    ASSERT_EQ(make(bit(USR1)), 7);
    ASSERT_EQ(call(SYS_DUP, 7), 20);
    ASSERT_EQ(make(bit(USR2)), 8);
    fake::Proc child;
    signalfd_fork(&proc->p, &child.p);
    fake::offloads.clear();
    std::vector<std::pair<int64_t, int64_t>> renewed;
    auto old = fake::offload_handler;
    fake::offload_handler = [&](const fake::Call& c) -> int64_t {
        if (c.nr == MCK_SYS_SIGNALFD_RENEW)
            renewed.push_back({int64_t(c.args[0]), int64_t(c.args[1])});
        return c.nr == MCK_SYS_SIGNALFD_RENEW ? 0 : old(c);
    };
    child.p.sigpending |= bit(USR2);
    fake::set_current(&child.t);
    int64_t ret;
    SyscallArgs a{{0, 1, 0, 0, 0, 0}, nullptr};
    ASSERT_TRUE(signalfd_call(SYS_POLL, a, ret));
    EXPECT_EQ(renewed, (std::vector<std::pair<int64_t, int64_t>>{{7, -1}, {20, 7}, {8, -1}}));
    EXPECT_EQ(ready[8], 1u) << "the child's own signal";
    renewed.clear();
    ASSERT_TRUE(signalfd_call(SYS_POLL, a, ret));
    EXPECT_TRUE(renewed.empty()) << "once";
    // The program cannot write to one (Linux: EINVAL); other descriptors are Linux's.
    SyscallArgs w{{8, BUF, 8, 0, 0, 0}, nullptr};
    ASSERT_TRUE(signalfd_call(1, w, ret));
    EXPECT_EQ(ret, -EINVAL);
    SyscallArgs w5{{5, BUF, 8, 0, 0, 0}, nullptr};
    EXPECT_FALSE(signalfd_call(1, w5, ret));
    signalfd_free(&child.p);
    fake::set_current(&proc->t);
}

} // namespace
