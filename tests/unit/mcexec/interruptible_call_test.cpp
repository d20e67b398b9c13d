// SPDX-License-Identifier: GPL-2.0
// mcexec's interruptible calls (mcexec/src/interruptible_call.h) on the host:
// the answer for each of Linux's restart classes, an interruption that comes
// before the call, after it, and during mcexec's own calls.
#include "interruptible_call.h"

#include <mcexec/abi.h>

#include <gtest/gtest.h>

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

namespace {

using namespace std::chrono_literals;

std::atomic<int> g_foreign_sig{0}, g_foreign_pid{0};
void foreign(int sig, const siginfo_t& info)
{
    g_foreign_pid = info.si_pid;
    g_foreign_sig = sig;
}

class Interruptible : public ::testing::Test {
protected:
    void SetUp() override
    {
        mcexec::interruptible_init(foreign);
        ASSERT_EQ(pipe(fds), 0);
    }
    void TearDown() override
    {
        close(fds[0]);
        close(fds[1]);
    }

    // Run @body in a thread, send it mcexec's interruption after @delay, and
    // return what it returned.
    int64_t interrupt_after(std::chrono::milliseconds delay, const std::function<int64_t()>& body,
                            int sig = MCEXEC_INTERRUPT_SIGNAL)
    {
        std::atomic<int64_t> ret{1};
        std::atomic<bool> started{false};
        std::thread t([&] {
            mcexec::interruptible_reset();
            started = true;
            ret = body();
        });
        while (!started)
            std::this_thread::yield();
        std::this_thread::sleep_for(delay);
        pthread_kill(t.native_handle(), sig);
        t.join();
        return ret;
    }

    int fds[2];
};

TEST_F(Interruptible, ABlockedReadIsOneLinuxRestarts)
{
    char c;
    uint64_t args[6] = {uint64_t(fds[0]), uint64_t(&c), 1, 0, 0, 0};
    EXPECT_EQ(interrupt_after(100ms, [&] { return mcexec::interruptible_syscall(SYS_read, args); }),
              -MCK_ERESTARTSYS);
}

TEST_F(Interruptible, PollEndsWithEINTR)
{
    pollfd p{fds[0], POLLIN, 0};
    uint64_t args[6] = {uint64_t(&p), 1, uint64_t(-1), 0, 0, 0};
    EXPECT_EQ(interrupt_after(100ms, [&] { return mcexec::interruptible_syscall(SYS_poll, args); }), -EINTR);
}

TEST_F(Interruptible, NanosleepEndsWithEINTR)
{
    timespec ts{30, 0}, left{};
    uint64_t args[6] = {uint64_t(&ts), uint64_t(&left), 0, 0, 0, 0};
    EXPECT_EQ(interrupt_after(100ms, [&] { return mcexec::interruptible_syscall(SYS_nanosleep, args); }), -EINTR);
    EXPECT_GT(left.tv_sec, 0);
}

TEST_F(Interruptible, AnInterruptionBeforeTheCallCancelsIt)
{
    char c;
    uint64_t args[6] = {uint64_t(fds[0]), uint64_t(&c), 1, 0, 0, 0};
    int64_t ret = 1;
    bool pending = false;
    std::thread t([&] {
        mcexec::interruptible_reset();
        pthread_kill(pthread_self(), MCEXEC_INTERRUPT_SIGNAL); // delivered before it returns
        pending = mcexec::interruptible_pending();
        ret = mcexec::interruptible_syscall(SYS_read, args); // would block forever
    });
    t.join();
    EXPECT_TRUE(pending);
    EXPECT_EQ(ret, -MCK_ERESTARTNOINTR);
}

TEST_F(Interruptible, ResetForgetsAnEarlierInterruption)
{
    std::thread t([&] {
        pthread_kill(pthread_self(), MCEXEC_INTERRUPT_SIGNAL);
        mcexec::interruptible_reset();
        EXPECT_FALSE(mcexec::interruptible_pending());
        uint64_t args[6] = {};
        EXPECT_EQ(mcexec::interruptible_syscall(SYS_getpid, args), getpid());
    });
    t.join();
}

TEST_F(Interruptible, ACallThatEndedKeepsItsResult)
{
    ASSERT_EQ(write(fds[1], "x", 1), 1);
    char c = 0;
    uint64_t args[6] = {uint64_t(fds[0]), uint64_t(&c), 1, 0, 0, 0};
    EXPECT_EQ(interrupt_after(100ms, [&] {
                  int64_t r = mcexec::interruptible_syscall(SYS_read, args);
                  std::this_thread::sleep_for(300ms); // the interruption comes now
                  return r;
              }),
              1);
    EXPECT_EQ(c, 'x');
}

TEST_F(Interruptible, McexecsOwnCallsGoOn)
{
    char c = 0;
    std::thread writer([&] {
        std::this_thread::sleep_for(400ms);
        EXPECT_EQ(write(fds[1], "y", 1), 1);
    });
    // A plain read (not through the stub) is restarted by Linux: SA_RESTART.
    EXPECT_EQ(interrupt_after(100ms, [&] { return int64_t(read(fds[0], &c, 1)); }), 1);
    writer.join();
    EXPECT_EQ(c, 'y');
}

// The same signal number from another process is not an interruption: it
// goes to the program (the hook), and no call of mcexec's is cancelled.
TEST_F(Interruptible, AnotherProcesssSignalIsTheProgramsNotAnInterruption)
{
    g_foreign_sig = 0;
    sigset_t one, old;
    sigemptyset(&one);
    sigaddset(&one, MCEXEC_INTERRUPT_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &one, &old); // taken here, when unblocked below
    pid_t child = fork();
    if (child == 0) {
        kill(getppid(), MCEXEC_INTERRUPT_SIGNAL);
        _exit(0);
    }
    ASSERT_GT(child, 0);
    int status;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    mcexec::interruptible_reset();
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    for (int i = 0; i < 200 && !g_foreign_sig; i++)
        std::this_thread::sleep_for(5ms);
    EXPECT_EQ(g_foreign_sig.load(), MCEXEC_INTERRUPT_SIGNAL);
    EXPECT_EQ(g_foreign_pid.load(), child);
    EXPECT_FALSE(mcexec::interruptible_pending());
}

} // namespace
