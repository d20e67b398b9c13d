// SPDX-License-Identifier: GPL-2.0
// ppoll, pselect6, epoll_pwait and epoll_pwait2: waits for descriptors with a
// signal mask of their own for the call. The descriptors are Linux's, so the
// wait is offloaded, but the mask must be the LWK thread's, where the
// program's signals are: given to Linux it would only change the mcexec
// worker's mask, and a signal the call lets through would not end the wait.
// So the LWK swaps the thread's mask (signal_swap_mask, as rt_sigsuspend
// does) and offloads the call without one; a signal the mask lets through
// interrupts the offloaded call like any other. Linux's order of checks:
// (pselect6's pair of mask and size,) the time limit (EFAULT, EINVAL), the
// mask (EINVAL for a size other than 8, EFAULT), then the rest, on Linux.
#include <kernel/errno.h>
#include <kernel/offload.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/signalfd.h>
#include <kernel/syscall.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>

namespace mck {
namespace {

constexpr uint64_t SYS_PSELECT6 = 270, SYS_PPOLL = 271, SYS_EPOLL_PWAIT = 281, SYS_EPOLL_PWAIT2 = 441;

// A time limit Linux would refuse: EFAULT unreadable, EINVAL out of range.
int64_t check_timeout(uint64_t at)
{
    Timespec ts;
    if (!at)
        return 0;
    if (!get_user(ts, UserPtr<Timespec>(at)))
        return -EFAULT;
    return ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000 ? -EINVAL : 0;
}

// Run call @nr with the mask at @set (none if 0) in place of the thread's;
// argument @mask_arg (the mask, or pselect6's pair) goes to Linux as NULL.
// A signal the mask lets through that is pending already ends the call at
// once, as Linux's wait would on its first look. @eintr: what an interrupted
// wait answers (ppoll and pselect6: -ERESTARTNOHAND, so it restarts when no
// handler runs; epoll's: -EINTR).
int64_t with_mask(uint64_t nr, const SyscallArgs& a, int mask_arg, uint64_t set, uint64_t size, int64_t eintr)
{
    if (!set) {
        uint64_t args[6] = {a.arg[0], a.arg[1], a.arg[2], a.arg[3], a.arg[4], a.arg[5]};
        args[mask_arg] = 0;
        return signalfd_offload_wait(nr, args);
    }
    if (int64_t err = signal_swap_mask(set, size))
        return err;
    int64_t ret = eintr;
    if (!signal_pending(current())) {
        uint64_t args[6] = {a.arg[0], a.arg[1], a.arg[2], a.arg[3], a.arg[4], a.arg[5]};
        args[mask_arg] = 0;
        ret = signalfd_offload_wait(nr, args);
        // Interrupted, also before Linux took it (-ERESTARTNOINTR): a signal
        // only this mask lets through came during the call, which Linux's
        // wait would have ended, not run again after the handler.
        if (ret == -EINTR || (ret <= -ERESTARTSYS && ret >= -ERESTARTNOHAND))
            ret = eintr;
    }
    signal_swap_mask_end(ret);
    return ret;
}

} // namespace

int64_t sys_ppoll(SyscallArgs& a)
{
    if (int64_t err = check_timeout(a.arg[2]))
        return err;
    return with_mask(SYS_PPOLL, a, 3, a.arg[3], a.arg[4], -ERESTARTNOHAND);
}

// pselect6's sixth argument is a pair { const sigset_t* set; size_t size; },
// which Linux reads before anything else.
int64_t sys_pselect6(SyscallArgs& a)
{
    struct MaskPair {
        uint64_t set, size;
    } pair{0, 0};
    if (a.arg[5] && !get_user(pair, a.ptr<MaskPair>(5)))
        return -EFAULT;
    if (int64_t err = check_timeout(a.arg[4]))
        return err;
    return with_mask(SYS_PSELECT6, a, 5, pair.set, pair.size, -ERESTARTNOHAND);
}

int64_t sys_epoll_pwait(SyscallArgs& a) { return with_mask(SYS_EPOLL_PWAIT, a, 4, a.arg[4], a.arg[5], -EINTR); }

int64_t sys_epoll_pwait2(SyscallArgs& a)
{
    if (int64_t err = check_timeout(a.arg[3]))
        return err;
    return with_mask(SYS_EPOLL_PWAIT2, a, 4, a.arg[4], a.arg[5], -EINTR);
}

} // namespace mck
