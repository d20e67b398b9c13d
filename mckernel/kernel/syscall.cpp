// SPDX-License-Identifier: GPL-2.0
// System call entry and the way back to user mode: the dispatch table built
// from syscalls.def, and the checks on every return (a kill, a pending
// reschedule, a signal to deliver).
#include <kernel/boot.h>
#include <kernel/coredump.h>
#include <kernel/errno.h>
#include <kernel/offload.h>
#include <kernel/process.h>
#include <kernel/process_vm.h>
#include <kernel/procfs.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/signalfd.h>
#include <kernel/stats.h>
#include <kernel/usage.h>
#include <kernel/syscall.h>
#include <kernel/vm.h>

#include <arch/cpu.h>
#include <arch/percpu.h>

namespace mck {
namespace {

using Handler = int64_t (*)(SyscallArgs&);

struct Table {
    Handler h[SYSCALL_MAX]{};
    constexpr Table()
    {
#define LOCAL(nr, name) h[nr] = sys_##name;
#include <kernel/syscalls.def>
#undef LOCAL
    }
};

constexpr Table g_table;

} // namespace

static int64_t may_lock(uint64_t bytes);

// After mlockall(MCL_FUTURE), new memory is locked: it counts against
// RLIMIT_MEMLOCK with what is locked already (Linux's mlock_future_check, which
// adds the new length without looking for overlaps), or the call fails.
static bool may_lock_more(Process* p, uint64_t bytes)
{
    return !p->lock_future || may_lock(vm_locked_after(p, 0, 0) + ((bytes + 4095) & ~4095ull)) == 0;
}

// Thin adapters to the typed implementations.
int64_t sys_mmap(SyscallArgs& a)
{
    if (a.arg[5] & 4095)
        return -EINVAL;
    Process* p = current()->proc;
    if (!may_lock_more(p, a.arg[1]))
        return -EAGAIN;
    int64_t ret = vm_mmap(p, a.arg[0], a.arg[1], a.arg[2], a.arg[3], int64_t(a.arg[4]), a.arg[5]);
    if (ret >= 0 && p->lock_future)
        (void)vm_set_locked(p, uint64_t(ret), (a.arg[1] + 4095) & ~4095ull, true); // mapped whole: cannot fail
    return ret;
}
int64_t sys_mprotect(SyscallArgs& a) { return vm_mprotect(current()->proc, a.arg[0], a.arg[1], a.arg[2]); }
int64_t sys_munmap(SyscallArgs& a) { return vm_munmap(current()->proc, a.arg[0], a.arg[1]); }
// The heap grows in 2 MiB pieces. After mlockall(MCL_FUTURE) they are locked
// and counted with what is locked already, or the break stays (Linux's brk).
int64_t sys_brk(SyscallArgs& a)
{
    Process* p = current()->proc;
    if (p->lock_future) {
        uint64_t growth = vm_brk_growth(p, a.arg[0]);
        if (growth && !may_lock_more(p, growth))
            return vm_brk(p, 0);
    }
    return vm_brk(p, a.arg[0], p->lock_future);
}
int64_t sys_mremap(SyscallArgs& a)
{
    return vm_mremap(current()->proc, a.arg[0], a.arg[1], a.arg[2], a.arg[3], a.arg[4]);
}
int64_t sys_madvise(SyscallArgs& a) { return vm_madvise(current()->proc, a.arg[0], a.arg[1], int64_t(a.arg[2])); }
// LWK memory is never paged out: locking is a range check, as Linux makes it.
// May the process lock @bytes in all? Linux's answer, since the limit and the
// capability are: EPERM when RLIMIT_MEMLOCK is 0 without CAP_IPC_LOCK, ENOMEM
// above the limit (mcexec, MCK_SYS_MLOCK_CHECK).
static int64_t may_lock(uint64_t bytes)
{
    uint64_t args[6] = {bytes, 0, 0, 0, 0, 0};
    return offload(MCK_SYS_MLOCK_CHECK, args);
}
int64_t sys_munlock(SyscallArgs& a)
{
    Process* p = current()->proc;
    uint64_t start = a.arg[0] & ~4095ull, len = a.arg[1] + (a.arg[0] & 4095);
    if (int64_t err = vm_check_mapped(p, start, len))
        return err;
    return vm_set_locked(p, start, (len + 4095) & ~4095ull, false);
}
// Linux's order: may it lock at all and this much, is the range mapped, then
// the pages are faulted in (unless MLOCK_ONFAULT), which fails on
// inaccessible (PROT_NONE) ones: ENOMEM.
static int64_t mlock_range(SyscallArgs& a, bool populate)
{
    Process* p = current()->proc;
    uint64_t start = a.arg[0] & ~4095ull, len = a.arg[1] + (a.arg[0] & 4095);
    if (int64_t err = may_lock(vm_locked_after(p, start, len)))
        return err;
    if (int64_t err = vm_check_mapped(p, start, len))
        return err;
    if (int64_t err = vm_set_locked(p, start, (len + 4095) & ~4095ull, true))
        return err;
    return populate && !vm_access_ok(p, start, len, false) ? -ENOMEM : 0;
}
int64_t sys_mlock(SyscallArgs& a) { return mlock_range(a, true); }
int64_t sys_mlock2(SyscallArgs& a)
{
    constexpr uint64_t MLOCK_ONFAULT = 1;
    return (a.arg[2] & ~MLOCK_ONFAULT) ? -EINVAL : mlock_range(a, !(a.arg[2] & MLOCK_ONFAULT));
}
// MCL_FUTURE: later mmap memory is locked and counted (sys_mmap); mlockall
// without it, or munlockall, ends that.
int64_t sys_mlockall(SyscallArgs& a)
{
    constexpr uint64_t MCL_CURRENT = 1, MCL_FUTURE = 2, MCL_ONFAULT = 4;
    uint64_t f = a.arg[0];
    if (!f || (f & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || f == MCL_ONFAULT)
        return -EINVAL;
    Process* p = current()->proc;
    if (int64_t err = may_lock((f & MCL_CURRENT) ? vm_mapped_bytes(p) : 0))
        return err;
    if (f & MCL_CURRENT)
        vm_set_all_locked(p, true);
    p->lock_future = f & MCL_FUTURE;
    return 0;
}
int64_t sys_munlockall(SyscallArgs&)
{
    vm_set_all_locked(current()->proc, false);
    current()->proc->lock_future = false;
    return 0;
}
// Private memory has nothing to write back; shared file pages are Linux's page cache.
int64_t sys_msync(SyscallArgs& a)
{
    constexpr uint64_t MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;
    uint64_t f = a.arg[2];
    if ((f & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) || ((f & MS_ASYNC) && (f & MS_SYNC)))
        return -EINVAL;
    return vm_check_mapped(current()->proc, a.arg[0], a.arg[1]);
}
int64_t sys_mincore(SyscallArgs& a) { return vm_mincore(current()->proc, a.arg[0], a.arg[1], a.arg[2]); }
// Protection keys: the LWK allocates none (Linux on a CPU without them says the same).
int64_t sys_pkey_mprotect(SyscallArgs& a)
{
    if (int32_t(a.arg[3]) != -1)
        return -EINVAL;
    return vm_mprotect(current()->proc, a.arg[0], a.arg[1], a.arg[2]);
}
int64_t sys_pkey_alloc(SyscallArgs& a)
{
    constexpr uint64_t PKEY_DISABLE_ACCESS = 1, PKEY_DISABLE_WRITE = 2;
    return (a.arg[0] || (a.arg[1] & ~(PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE))) ? -EINVAL : -ENOSPC;
}
int64_t sys_pkey_free(SyscallArgs&) { return -EINVAL; }

// Calls that, offloaded, would act on mcexec itself (its address space, its
// LDT, its system call filter, its kernel-visible memory rings) instead of the
// program. Refused with what a Linux built without them answers (docs/security.md).
int64_t sys_remap_file_pages(SyscallArgs&) { return -ENOSYS; }
int64_t sys_modify_ldt(SyscallArgs&) { return -ENOSYS; }
int64_t sys_seccomp(SyscallArgs&) { return -ENOSYS; }
int64_t sys_io_setup(SyscallArgs&) { return -ENOSYS; }
int64_t sys_userfaultfd(SyscallArgs&) { return -ENOSYS; }
int64_t sys_io_uring_setup(SyscallArgs&) { return -ENOSYS; }
int64_t sys_process_madvise(SyscallArgs&) { return -ENOSYS; }
// A Landlock domain confines the thread that restricts itself: offloaded, one
// worker of mcexec, while the program's other calls run in the others.
int64_t sys_landlock_create_ruleset(SyscallArgs&) { return -ENOSYS; }
int64_t sys_landlock_add_rule(SyscallArgs&) { return -ENOSYS; }
int64_t sys_landlock_restrict_self(SyscallArgs&) { return -ENOSYS; }
// Newer calls of the same kind, as a Linux older than them answers (the
// node's, 6.1): the futex2 calls would wait on and wake mcexec's view of the
// words, not the LWK's futexes; the others change mcexec's memory map or
// memory policy. futex_waitv (5.16) is the LWK's (kernel/futex.cpp).
int64_t sys_futex_wake(SyscallArgs&) { return -ENOSYS; }
int64_t sys_futex_wait(SyscallArgs&) { return -ENOSYS; }
int64_t sys_futex_requeue(SyscallArgs&) { return -ENOSYS; }
int64_t sys_set_mempolicy_home_node(SyscallArgs&) { return -ENOSYS; }
int64_t sys_map_shadow_stack(SyscallArgs&) { return -ENOSYS; }
int64_t sys_mseal(SyscallArgs&) { return -ENOSYS; }

int64_t sys_rt_sigaction(SyscallArgs& a) { return sys_rt_sigaction(int64_t(a.arg[0]), a.arg[1], a.arg[2], a.arg[3]); }
int64_t sys_rt_sigprocmask(SyscallArgs& a)
{
    return sys_rt_sigprocmask(int64_t(a.arg[0]), a.arg[1], a.arg[2], a.arg[3]);
}
int64_t sys_rt_sigreturn(SyscallArgs& a) { return sys_rt_sigreturn(a.frame); }
int64_t sys_rt_sigpending(SyscallArgs& a) { return sys_rt_sigpending(a.arg[0], a.arg[1]); }
int64_t sys_pause(SyscallArgs&) { return sys_pause(); }
int64_t sys_rt_sigsuspend(SyscallArgs& a) { return sys_rt_sigsuspend(a.arg[0], a.arg[1]); }
int64_t sys_rt_sigtimedwait(SyscallArgs& a) { return sys_rt_sigtimedwait(a.arg[0], a.arg[1], a.arg[2], a.arg[3]); }
int64_t sys_sigaltstack(SyscallArgs& a) { return sys_sigaltstack(a.arg[0], a.arg[1], a.frame->rsp); }
int64_t sys_kill(SyscallArgs& a) { return sys_kill(int64_t(a.arg[0]), int64_t(a.arg[1])); }
int64_t sys_tgkill(SyscallArgs& a)
{
    if (int32_t(a.arg[0]) <= 0) // tkill's "any process" is not for tgkill
        return -EINVAL;
    return sys_tgkill(int64_t(a.arg[0]), int64_t(a.arg[1]), int64_t(a.arg[2]));
}
int64_t sys_tkill(SyscallArgs& a) { return sys_tgkill(0, int64_t(a.arg[0]), int64_t(a.arg[1])); }
int64_t sys_rt_sigqueueinfo(SyscallArgs& a)
{
    return sys_rt_sigqueueinfo(int32_t(a.arg[0]), 0, int32_t(a.arg[1]), a.arg[2], false);
}
int64_t sys_rt_tgsigqueueinfo(SyscallArgs& a)
{
    return sys_rt_sigqueueinfo(int32_t(a.arg[0]), int32_t(a.arg[1]), int32_t(a.arg[2]), a.arg[3], true);
}

} // namespace mck

extern "C" void mck_syscall(mck::arch::TrapFrame* f)
{
    using namespace mck;
    cpu_entered_kernel();
    __atomic_add_fetch(&arch::this_cpu()->syscalls, 1, __ATOMIC_RELAXED);
    usage_cpu_entry(Entry::Syscall);
    stats_enter(true);
    uint64_t nr = f->rax;
    Thread* self = current();
    self->syscall_nr = nr;
    SyscallArgs a{{f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9}, f};
    // Numbers past the table are no Linux system call: ENOSYS here, as Linux
    // says, and never offloaded (mcexec's private requests live up there).
    int64_t ret = -ENOSYS;
    if (nr < SYSCALL_MAX && g_table.h[nr]) {
        stats_local_call(nr);
        ret = g_table.h[nr](a);
    } else if (nr < SYSCALL_MAX) {
        process_vm_note_offload(self->proc, nr, a.arg);
        if (!self->proc->signalfds || !signalfd_call(nr, a, ret))
            ret = procfs_answer(nr, a.arg, offload(nr, a.arg));
    }
    f->rax = uint64_t(ret);
    // Kept only for a call a signal interrupted; never for rt_sigreturn,
    // whose RAX is the program's own (Linux: orig_ax = -1).
    constexpr uint64_t RT_SIGRETURN = 15;
    bool interrupted = ret <= -ERESTARTSYS && ret >= -ERESTARTNOHAND;
    if (!interrupted || nr == RT_SIGRETURN)
        self->syscall_nr = ~0ull;
}

// Interrupts off on entry and on return.
extern "C" void mck_exit_to_user(mck::arch::TrapFrame* f)
{
    using namespace mck;
    for (;;) {
        Thread* t = current();
        if (t->killed || t->proc->exiting) {
            arch::irq_enable();
            thread_exit();
        }
        // A main thread woken before START (a signal from Linux, say) has no
        // user state yet: returning would IRETQ a frame of zeros, a #GP in the
        // kernel that stopped the LWK (the mcctrl fuzzer found it). It waits
        // for START, or for the kill that ends it.
        if (!__atomic_load_n(&t->proc->started, __ATOMIC_ACQUIRE)) {
            arch::irq_enable();
            sched_block(0);
            arch::irq_disable();
            continue;
        }
        if (sched_need_resched()) {
            schedule();
            continue;
        }
        if (t->migrate_to != ~0u && t->migrate_to != t->cpu) { // sched_setaffinity by another thread
            schedule();
            continue;
        }
        if (t->fork_child) { // a fork child's first way out: map what Linux must pin for it
            arch::irq_enable();
            process_fork_child_first_run(t);
            arch::irq_disable();
            continue;
        }
        // Job control (until SIGCONT), or another thread writing a core (until it ends the process).
        if (__atomic_load_n(&t->proc->stopped, __ATOMIC_RELAXED) || coredump_holds(t)) {
            arch::irq_enable();
            signal_park(t);
            arch::irq_disable();
            continue;
        }
        if (signal_pending(t)) {
            bool framed = signal_deliver(t, f);
            arch::irq_disable();
            // No handler set up (an ignored or stop signal): the next one, or the stop, comes first.
            if (!framed || !signal_pending(t) || t->killed || t->proc->exiting)
                continue;
            // A signal that is still pending was blocked by the handler's mask.
        }
        signal_leave_syscall(t, f);
        stats_leave();
        cpu_going_user();
        return;
    }
}
