// SPDX-License-Identifier: GPL-2.0
// getrusage, times, and the usage wait4 and waitid report (kernel/rusage.h).
#include <kernel/errno.h>
#include <kernel/offload.h>
#include <kernel/rusage.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>

#include <arch/cpu.h>

namespace mck {
namespace {

constexpr int64_t SYS_WAIT4 = 61, SYS_WAITID = 247;
constexpr uint64_t WNOWAIT = 0x01000000;
constexpr uint32_t MAX_EXITED = 128; // ended, not yet reaped; the oldest go first
constexpr int64_t TICKS_PER_S = 100; // sysconf(_SC_CLK_TCK)

struct Exited {
    uint32_t pid = 0;
    Usage usage;
    bool core = false; // it died of a signal and wrote a core file (WCOREDUMP)
};
Exited g_exited[MAX_EXITED];
uint32_t g_exited_next;
SpinLock g_exited_lock{LockRank::Exited};

struct Rusage {
    int64_t utime_sec, utime_usec, stime_sec, stime_usec;
    int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv, nsignals, nvcsw,
        nivcsw;
};

// Of @u's CPU time, the system part (what was not in user mode).
uint64_t system_tsc(const Usage& u) { return u.cpu_tsc > u.user_tsc ? u.cpu_tsc - u.user_tsc : 0; }

Rusage to_rusage(const Usage& u)
{
    Rusage ru{};
    uint64_t user = tsc_to_ns(u.cpu_tsc - system_tsc(u)), sys = tsc_to_ns(system_tsc(u));
    ru.utime_sec = int64_t(user / 1000000000);
    ru.utime_usec = int64_t(user % 1000000000 / 1000);
    ru.stime_sec = int64_t(sys / 1000000000);
    ru.stime_usec = int64_t(sys % 1000000000 / 1000);
    ru.maxrss = int64_t(u.maxrss_kb);
    ru.minflt = int64_t(u.minflt);
    ru.nvcsw = int64_t(u.nvcsw);
    ru.nivcsw = int64_t(u.nivcsw);
    return ru;
}

// The current process reaped (or, @keep, only looked at) its child @pid:
// what the child used, added to the process's children unless @keep, and
// whether it dumped core; false if the child did not run on this LWK.
bool reaped(uint32_t pid, bool keep, Usage* out, bool* core)
{
    {
        SpinLockGuard guard(g_exited_lock);
        Exited* e = nullptr;
        for (auto& x : g_exited)
            if (x.pid == pid && pid)
                e = &x;
        if (!e)
            return false;
        *out = e->usage;
        *core = e->core;
        if (!keep)
            e->pid = 0;
    }
    if (!keep) {
        Process* p = current()->proc;
        SpinLockGuard guard(p->lock);
        p->children.add(*out);
    }
    return true;
}

uint64_t ticks(uint64_t tsc) { return tsc_to_ns(tsc) / (1000000000 / TICKS_PER_S); }

} // namespace

Usage usage_of(Process* p)
{
    SpinLockGuard guard(p->lock);
    Usage u = p->ended;
    for (Thread* t = p->threads; t; t = t->proc_next)
        u.add(Usage{thread_run_tsc(t), 0, 0, t->nvcsw, t->nivcsw, thread_user_tsc(t)});
    u.minflt = p->minflt;
    u.maxrss_kb = p->mem_peak >> 10;
    return u;
}

void usage_exited(Process* p)
{
    Usage u;
    bool core;
    {
        SpinLockGuard guard(p->lock);
        u = p->ended; // no thread left
        u.minflt = p->minflt;
        u.maxrss_kb = p->mem_peak >> 10;
        u.add(p->children); // Linux counts grandchildren their parent reaped
        core = p->exit_status & 0x80;
    }
    SpinLockGuard guard(g_exited_lock);
    for (auto& x : g_exited)
        if (x.pid == p->pid) { // the image before an execve: the same process to Linux
            x.usage.add(u);
            x.usage.maxrss_kb = u.maxrss_kb > x.usage.maxrss_kb ? u.maxrss_kb : x.usage.maxrss_kb;
            x.core = core; // the last image's end is the process's
            return;
        }
    g_exited[g_exited_next] = {p->pid, u, core};
    g_exited_next = (g_exited_next + 1) % MAX_EXITED;
}

int64_t sys_getrusage(SyscallArgs& a)
{
    constexpr int64_t RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;
    int64_t who = int32_t(a.arg[0]); // an int: RUSAGE_CHILDREN is -1 in 32 bits
    Thread* t = current();
    Process* p = t->proc;
    Usage u;
    if (who == RUSAGE_SELF) {
        u = usage_of(p);
    } else if (who == RUSAGE_THREAD) {
        u = Usage{t->run_tsc + (arch::rdtsc() - t->run_start), t->minflt, p->mem_peak >> 10, t->nvcsw, t->nivcsw,
                  thread_user_tsc(t)};
    } else if (who == RUSAGE_CHILDREN) {
        SpinLockGuard guard(p->lock);
        u = p->children;
    } else {
        return -EINVAL;
    }
    return put_user(a.ptr<Rusage>(1), to_rusage(u)) ? 0 : -EFAULT;
}

// times: CPU time in clock ticks, user and system, the reaped children's, and
// ticks since an arbitrary point (boot).
int64_t sys_times(SyscallArgs& a)
{
    Process* p = current()->proc;
    Usage self = usage_of(p), children;
    {
        SpinLockGuard guard(p->lock);
        children = p->children;
    }
    struct Tms {
        int64_t utime, stime, cutime, cstime;
    } tms{int64_t(ticks(self.cpu_tsc - system_tsc(self))), int64_t(ticks(system_tsc(self))),
          int64_t(ticks(children.cpu_tsc - system_tsc(children))), int64_t(ticks(system_tsc(children)))};
    if (a.arg[0] && !put_user(a.ptr<Tms>(0), tms))
        return -EFAULT;
    return int64_t(ticks(arch::rdtsc()));
}

// Linux waits (the children are its mcexec's); the usage is the LWK's, and
// so is WCOREDUMP: the child's mcexec dies of the signal without a core.
int64_t sys_wait4(SyscallArgs& a)
{
    int64_t pid = offload(SYS_WAIT4, a.arg);
    Usage u;
    bool core = false;
    if (pid <= 0 || !reaped(uint32_t(pid), false, &u, &core))
        return pid;
    if (a.arg[3] && !put_user(a.ptr<Rusage>(3), to_rusage(u)))
        return -EFAULT;
    int32_t status = 0;
    bool killed = a.arg[1] && get_user(status, a.ptr<int32_t>(1)) && (status & 0x7f) && (status & 0x7f) != 0x7f;
    if (core && killed && !put_user(a.ptr<int32_t>(1), status | 0x80))
        return -EFAULT;
    return pid;
}

int64_t sys_waitid(SyscallArgs& a)
{
    int64_t ret = offload(SYS_WAITID, a.arg);
    int32_t pid = 0;
    // siginfo_t: si_pid at byte 16; 0 there when WNOHANG found nobody.
    if (ret != 0 || !a.arg[2] || !get_user(pid, a.ptr<int32_t>(2).at(4)) || pid <= 0)
        return ret;
    Usage u;
    bool core = false;
    if (!reaped(uint32_t(pid), a.arg[3] & WNOWAIT, &u, &core))
        return ret;
    if (a.arg[4] && !put_user(a.ptr<Rusage>(4), to_rusage(u)))
        return -EFAULT;
    // siginfo_t's si_code at byte 8: CLD_KILLED (2) becomes CLD_DUMPED (3).
    constexpr int32_t CLD_KILLED = 2, CLD_DUMPED = 3;
    int32_t code = 0;
    if (core && get_user(code, a.ptr<int32_t>(2).at(2)) && code == CLD_KILLED &&
        !put_user(a.ptr<int32_t>(2).at(2), CLD_DUMPED))
        return -EFAULT;
    return ret;
}

} // namespace mck
