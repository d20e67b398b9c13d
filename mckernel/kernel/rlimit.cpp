// SPDX-License-Identifier: GPL-2.0
// Resource limits. Linux keeps the program's limits (mcexec is the program
// there), except those of memory the LWK allocates and of the CPU time it
// gives: RLIMIT_AS, RLIMIT_DATA and RLIMIT_STACK of the program itself are the
// LWK's (Process::rlimits, enforced in vm.cpp), since applied to mcexec they
// would limit mcexec's own address space, which holds the program's whole
// range; RLIMIT_CPU too (enforced in itimer.cpp), since Linux would count
// mcexec's CPU time, not the program's. mcexec decides
// whether a hard limit may be raised (CAP_SYS_RESOURCE) and keeps the values
// for an execve (abi.h, MCK_SYS_RLIMIT). RLIMIT_SIGPENDING stays Linux's; the
// LWK reads it when it queues real-time signals (kernel/signal.cpp).
#include <kernel/errno.h>
#include <kernel/itimer.h>
#include <kernel/offload.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/uaccess.h>

namespace mck {
namespace {

constexpr uint64_t RLIMIT_CPU = 0, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_AS = 9, RLIMIT_SIGPENDING = 11;
constexpr int64_t SYS_GETRLIMIT = 97, SYS_SETRLIMIT = 160, SYS_PRLIMIT64 = 302;

// The LWK's index of Linux's @resource, or -1 if Linux keeps it.
int lwk_limit(uint64_t resource)
{
    switch (resource) {
    case RLIMIT_AS:
        return MCK_RLIMIT_AS;
    case RLIMIT_DATA:
        return MCK_RLIMIT_DATA;
    case RLIMIT_STACK:
        return MCK_RLIMIT_STACK;
    case RLIMIT_CPU:
        return MCK_RLIMIT_CPU;
    default:
        return -1;
    }
}

// Read limit @i, and replace it with @next if given; Linux's checks and order.
int64_t change(Process* p, int i, const mck_rlimit* next, mck_rlimit* old)
{
    if (next) {
        if (next->cur > next->max)
            return -EINVAL;
        // mcexec refuses a raise of the hard limit without CAP_SYS_RESOURCE (EPERM).
        uint64_t args[6] = {uint64_t(i), next->cur, next->max, 0, 0, 0};
        if (int64_t err = offload(MCK_SYS_RLIMIT, args))
            return err;
    }
    {
        SpinLockGuard guard(p->lock);
        if (old)
            *old = p->rlimits[i];
        if (next)
            p->rlimits[i] = *next;
    }
    if (next && i == MCK_RLIMIT_CPU)
        itimer_cpu_limit_changed(p);
    return 0;
}

} // namespace

int64_t sys_getrlimit(SyscallArgs& a)
{
    int i = lwk_limit(uint32_t(a.arg[0])); // Linux takes an unsigned int
    if (i < 0)
        return offload(SYS_GETRLIMIT, a.arg);
    mck_rlimit old;
    change(current()->proc, i, nullptr, &old);
    return put_user(a.ptr<mck_rlimit>(1), old) ? 0 : -EFAULT;
}

int64_t sys_setrlimit(SyscallArgs& a)
{
    int i = lwk_limit(uint32_t(a.arg[0])); // Linux takes an unsigned int
    if (i < 0) {
        int64_t ret = offload(SYS_SETRLIMIT, a.arg);
        if (ret == 0 && uint32_t(a.arg[0]) == RLIMIT_SIGPENDING)
            signal_limit_changed(current()->proc);
        return ret;
    }
    mck_rlimit next;
    if (!get_user(next, a.ptr<mck_rlimit>(1)))
        return -EFAULT;
    return change(current()->proc, i, &next, nullptr);
}

int64_t sys_prlimit64(SyscallArgs& a)
{
    Process* p = current()->proc;
    uint32_t pid = uint32_t(a.arg[0]);
    int i = lwk_limit(uint32_t(a.arg[1]));
    if ((pid && pid != p->pid) || i < 0) {
        int64_t ret = offload(SYS_PRLIMIT64, a.arg);
        if (ret == 0 && a.arg[2] && (!pid || pid == p->pid) && uint32_t(a.arg[1]) == RLIMIT_SIGPENDING)
            signal_limit_changed(p);
        return ret;
    }
    mck_rlimit next, old;
    if (a.arg[2] && !get_user(next, a.ptr<mck_rlimit>(2)))
        return -EFAULT;
    if (int64_t err = change(p, i, a.arg[2] ? &next : nullptr, &old))
        return err;
    if (a.arg[3] && !put_user(a.ptr<mck_rlimit>(3), old))
        return -EFAULT;
    return 0;
}

} // namespace mck
