// SPDX-License-Identifier: GPL-2.0
// System call entry and the way back to user mode: the dispatch table built
// from syscalls.def, and the checks on every return (a kill, a pending
// reschedule, a signal to deliver).
#include <kernel/errno.h>
#include <kernel/offload.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/vm.h>

#include <arch/cpu.h>

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

// Thin adapters to the typed implementations.
int64_t sys_mmap(SyscallArgs& a)
{
    if (a.arg[5] & 4095)
        return -EINVAL;
    return vm_mmap(current()->proc, a.arg[0], a.arg[1], a.arg[2], a.arg[3], int64_t(a.arg[4]), a.arg[5]);
}
int64_t sys_mprotect(SyscallArgs& a) { return vm_mprotect(current()->proc, a.arg[0], a.arg[1], a.arg[2]); }
int64_t sys_munmap(SyscallArgs& a) { return vm_munmap(current()->proc, a.arg[0], a.arg[1]); }
int64_t sys_brk(SyscallArgs& a) { return vm_brk(current()->proc, a.arg[0]); }
int64_t sys_mremap(SyscallArgs& a)
{
    return vm_mremap(current()->proc, a.arg[0], a.arg[1], a.arg[2], a.arg[3], a.arg[4]);
}
int64_t sys_madvise(SyscallArgs& a) { return vm_madvise(current()->proc, a.arg[0], a.arg[1], int64_t(a.arg[2])); }
// Private memory only: nothing to write back, nothing to pin.
int64_t sys_msync(SyscallArgs&) { return 0; }
int64_t sys_mlock(SyscallArgs&) { return 0; }
int64_t sys_munlock(SyscallArgs&) { return 0; }
int64_t sys_mlockall(SyscallArgs&) { return 0; }
int64_t sys_munlockall(SyscallArgs&) { return 0; }
int64_t sys_mincore(SyscallArgs&) { return -ENOSYS; }
// Attaching would map Linux's memory into mcexec, not into the program: not yet (docs/syscalls.md).
int64_t sys_shmat(SyscallArgs&) { return -ENOSYS; }
int64_t sys_shmdt(SyscallArgs&) { return -EINVAL; }

int64_t sys_rt_sigaction(SyscallArgs& a) { return sys_rt_sigaction(int64_t(a.arg[0]), a.arg[1], a.arg[2], a.arg[3]); }
int64_t sys_rt_sigprocmask(SyscallArgs& a)
{
    return sys_rt_sigprocmask(int64_t(a.arg[0]), a.arg[1], a.arg[2], a.arg[3]);
}
int64_t sys_rt_sigreturn(SyscallArgs& a) { return sys_rt_sigreturn(a.frame); }
int64_t sys_rt_sigpending(SyscallArgs& a) { return sys_rt_sigpending(a.arg[0], a.arg[1]); }
int64_t sys_sigaltstack(SyscallArgs& a) { return sys_sigaltstack(a.arg[0], a.arg[1], a.frame->rsp); }
int64_t sys_kill(SyscallArgs& a) { return sys_kill(int64_t(a.arg[0]), int64_t(a.arg[1])); }
int64_t sys_tgkill(SyscallArgs& a) { return sys_tgkill(int64_t(a.arg[0]), int64_t(a.arg[1]), int64_t(a.arg[2])); }
int64_t sys_tkill(SyscallArgs& a) { return sys_tgkill(-1, int64_t(a.arg[0]), int64_t(a.arg[1])); }

} // namespace mck

extern "C" void mck_syscall(mck::arch::TrapFrame* f)
{
    using namespace mck;
    uint64_t nr = f->rax;
    SyscallArgs a{{f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9}, f};
    Handler h = nr < SYSCALL_MAX ? g_table.h[nr] : nullptr;
    int64_t ret = h ? h(a) : offload(nr, a.arg);
    f->rax = uint64_t(ret);
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
        if (sched_need_resched()) {
            schedule();
            continue;
        }
        if (signal_pending(t)) {
            signal_deliver(t, f);
            arch::irq_disable();
            if (!signal_pending(t) || t->killed || t->proc->exiting)
                continue;
            // A signal that is still pending was blocked by the handler's mask.
        }
        return;
    }
}
