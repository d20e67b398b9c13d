// SPDX-License-Identifier: GPL-2.0
// The program's credentials in every thread of mcexec (credentials.h).
#include "credentials.h"

#include "user_memory.h"

#include <mcexec/abi.h>

#include <dirent.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

namespace mcexec {
namespace {

// The change every other thread runs, and the memory its pointers name (so
// it outlives the call that asked for it); all under g_lock.
struct Change {
    long nr;
    long args[5];
};
Change g_change;
__user_cap_header_struct g_cap_header;
__user_cap_data_struct g_cap_data[_LINUX_CAPABILITY_U32S_3];
std::vector<gid_t> g_groups;
std::atomic<int> g_pending{0};
std::mutex g_lock; // one change at a time

void (*g_foreign)(int, const siginfo_t&); // where a signal of this number from anyone else goes

void on_signal(int sig, siginfo_t* info, void*)
{
    // Only mcexec's own broadcast changes credentials. The number from
    // anyone else (a kill) is a signal for the program.
    if (info->si_code != SI_TKILL || info->si_pid != getpid()) {
        if (g_foreign)
            g_foreign(sig, *info);
        return;
    }
    if (g_pending.load() <= 0)
        return; // a broadcast given up on
    int saved = errno;
    const Change& c = g_change;
    syscall(c.nr, c.args[0], c.args[1], c.args[2], c.args[3], c.args[4]);
    errno = saved;
    g_pending.fetch_sub(1);
}

std::vector<pid_t> threads()
{
    std::vector<pid_t> out;
    DIR* d = opendir("/proc/self/task");
    if (!d)
        return out;
    while (dirent* e = readdir(d))
        if (e->d_name[0] != '.')
            out.push_back(pid_t(atoi(e->d_name)));
    closedir(d);
    return out;
}

// Run @c in this thread, and if it succeeded, in every other thread of
// mcexec before returning, as the C library's set*id wrappers do; -errno if
// it failed here (then nowhere else). Unlike those wrappers, nothing aborts
// if a thread's answer differs: they all had the same credentials. A thread
// made meanwhile by one that had not run it yet runs it too (the same change
// twice is no change). Caller holds g_lock.
int64_t everywhere_locked(const Change& c)
{
    long r = syscall(c.nr, c.args[0], c.args[1], c.args[2], c.args[3], c.args[4]);
    if (r == -1)
        return -errno;
    g_change = c;
    std::vector<pid_t> done{pid_t(syscall(SYS_gettid))};
    for (int round = 0; round < 4; round++) {
        int sent = 0;
        for (pid_t tid : threads()) {
            bool seen = false;
            for (pid_t d : done)
                seen = seen || d == tid;
            if (seen)
                continue;
            done.push_back(tid);
            g_pending.fetch_add(1);
            if (syscall(SYS_tgkill, getpid(), tid, CREDENTIALS_SIGNAL) != 0)
                g_pending.fetch_sub(1); // it ended meanwhile
            else
                sent++;
        }
        // Bounded: a thread runs the handler as soon as it is scheduled.
        struct timespec step {0, 100000};
        for (int i = 0; i < 20000 && g_pending.load() > 0; i++)
            nanosleep(&step, nullptr);
        if (g_pending.load() > 0) {
            fprintf(stderr, "mcexec: %d threads did not take the program's credentials within 2 s\n",
                    g_pending.load());
            g_pending.store(0);
        }
        if (!sent)
            break;
    }
    return r;
}

int64_t everywhere(long nr, long a0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0)
{
    std::lock_guard<std::mutex> guard(g_lock);
    return everywhere_locked({nr, {a0, a1, a2, a3, a4}});
}

// capget and capset name a thread by pid; the program names itself by its
// pid (mcexec's) or its thread's LWK tid, which Linux does not know: both are
// "this thread" (0) here. Another pid is left to Linux. Header and sets are
// copied, so the program cannot change them after the check.
int64_t cap_call(uint64_t nr, uint64_t header_at, uint64_t data_at, uint32_t tid)
{
    __user_cap_header_struct h;
    if (!copy_from_program(&h, header_at, sizeof(h)))
        return -EFAULT;
    uint32_t asked = h.version;
    if (h.pid == getpid() || (tid && uint32_t(h.pid) == tid))
        h.pid = 0;
    int64_t ret;
    if (nr == SYS_capset && h.pid == 0) {
        std::lock_guard<std::mutex> guard(g_lock);
        size_t n = h.version == _LINUX_CAPABILITY_VERSION_1 ? 1 : 2;
        if (!copy_from_program(g_cap_data, data_at, n * sizeof(g_cap_data[0])))
            return -EFAULT;
        g_cap_header = h;
        ret = everywhere_locked({SYS_capset, {long(&g_cap_header), long(g_cap_data), 0, 0, 0}});
        h.version = g_cap_header.version;
    } else {
        ret = syscall(nr, &h, data_at) == -1 ? -errno : 0;
    }
    // An unknown version: Linux writes the one it prefers into the header.
    if (h.version != asked && !copy_to_program(header_at, &h.version, sizeof(h.version)))
        return -EFAULT;
    return ret;
}

// prctl options that change a thread's credentials in Linux, and so must
// change every worker's: the securebits (keep-caps among them), the
// no-new-privileges flag, the bounding set and the ambient set. Whichever
// worker later serves an execve of a program that runs on Linux gives it
// these; one that missed a drop would hand back what the program gave up.
bool changes_every_thread(const uint64_t a[6])
{
    switch (a[0]) {
    case PR_SET_KEEPCAPS:
    case PR_SET_SECUREBITS:
    case PR_SET_NO_NEW_PRIVS:
    case PR_CAPBSET_DROP:
        return true;
    case PR_CAP_AMBIENT:
        return a[1] != PR_CAP_AMBIENT_IS_SET; // raise, lower, clear all (others fail alike everywhere)
    default:
        return false;
    }
}

} // namespace

int64_t run_in_every_thread(long nr, const long args[5])
{
    std::lock_guard<std::mutex> guard(g_lock);
    return everywhere_locked({nr, {args[0], args[1], args[2], args[3], args[4]}});
}

void credentials_after_fork()
{
    new (&g_lock) std::mutex;
    g_pending.store(0);
}

bool credentials_init(void (*foreign)(int sig, const siginfo_t& info))
{
    if (CREDENTIALS_SIGNAL < SIGRTMIN || CREDENTIALS_SIGNAL > SIGRTMAX)
        return false;
    g_foreign = foreign;
    struct sigaction sa {};
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&sa.sa_mask);
    return sigaction(CREDENTIALS_SIGNAL, &sa, nullptr) == 0;
}

std::optional<int64_t> credentials_call(uint64_t nr, const uint64_t a[6], uint32_t tid)
{
    switch (nr) {
    case SYS_setuid:
    case SYS_setgid:
    case SYS_setfsuid:
    case SYS_setfsgid:
    case SYS_personality:
        // setfsuid, setfsgid and personality answer the old value, never an error.
        return everywhere(long(nr), long(a[0]));
    case SYS_setreuid:
    case SYS_setregid:
        return everywhere(long(nr), long(a[0]), long(a[1]));
    case SYS_setresuid:
    case SYS_setresgid:
        return everywhere(long(nr), long(a[0]), long(a[1]), long(a[2]));
    case SYS_setgroups: {
        // Linux takes an int count (EINVAL for a negative one or too many).
        int count = int(a[0]);
        if (count < 0 || count > 65536)
            return -EINVAL;
        std::lock_guard<std::mutex> guard(g_lock);
        g_groups.assign(size_t(count), 0);
        if (count && !copy_from_program(g_groups.data(), a[1], g_groups.size() * sizeof(gid_t)))
            return -EFAULT;
        return everywhere_locked({SYS_setgroups, {count, long(g_groups.data()), 0, 0, 0}});
    }
    case SYS_capget:
    case SYS_capset:
        return cap_call(nr, a[0], a[1], tid);
    case SYS_prctl:
        if (!changes_every_thread(a))
            return std::nullopt;
        return everywhere(SYS_prctl, long(a[0]), long(a[1]), long(a[2]), long(a[3]), long(a[4]));
    default:
        return std::nullopt;
    }
}

} // namespace mcexec
