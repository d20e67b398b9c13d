// SPDX-License-Identifier: GPL-2.0
// System calls about processes and threads: identity, clone, fork, exit,
// thread pointers. A new process is a fork child on the LWK served by a
// forked mcexec; exec is mcexec's (docs/syscalls.md).
#include <kernel/boot.h>
#include <kernel/errno.h>
#include <kernel/itimer.h>
#include <kernel/offload.h>
#include <kernel/posix_timer.h>
#include <kernel/process.h>
#include <kernel/process_vm.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>

#include <arch/cpu.h>
#include <arch/fpu.h>

extern "C" void* memcpy(void*, const void*, size_t);

namespace mck {
namespace {

constexpr uint64_t CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800,
                   CLONE_VFORK = 0x4000, CLONE_THREAD = 0x10000, CLONE_SYSVSEM = 0x40000, CLONE_SETTLS = 0x80000,
                   CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000,
                   CLONE_CHILD_SETTID = 0x1000000;
constexpr uint64_t THREAD_FLAGS = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD;
constexpr uint64_t KNOWN_FLAGS = THREAD_FLAGS | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | CLONE_SETTLS |
                                 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID;

int64_t unsupported(const char* what)
{
    kprintf("process %u: %s is not supported on the LWK (ENOSYS)", current()->proc->pid, what);
    return -ENOSYS;
}

// fork, vfork and clone without CLONE_VM|CLONE_THREAD: the child is a copy of
// this process kept aside, which the mcexec that mcexec forks for it adopts
// and runs (kernel/process.h). vfork's child gets a copy too (shared
// copy-on-write); its parent waits, as on Linux, until the child ended or
// exec'd, and then has what the child wrote (vm_vfork_copy_back).
int64_t fork_process(SyscallArgs& a, uint64_t flags, uint64_t stack, uint64_t ptid, uint64_t ctid, uint64_t tls)
{
    int64_t token = process_fork_prepare(*a.frame, stack, (flags & CLONE_CHILD_SETTID) ? ctid : 0,
                                         (flags & CLONE_CHILD_CLEARTID) ? ctid : 0, tls, flags & CLONE_SETTLS,
                                         flags & CLONE_VFORK);
    if (token < 0)
        return token;
    uint64_t args[6] = {uint64_t(token), 0, 0, 0, 0, 0};
    int64_t pid = offload(MCK_SYS_FORK, args);
    if (pid <= 0) {
        process_fork_abandon(uint64_t(token));
        return pid ? pid : -EAGAIN;
    }
    if (flags & CLONE_PARENT_SETTID)
        (void)put_user(UserPtr<uint32_t>(ptid), uint32_t(pid));
    if (flags & CLONE_VFORK)
        process_vfork_wait(current(), uint64_t(token));
    return pid;
}

// The least loaded CPU of the process's share that @allowed names.
uint32_t pick_cpu(Process* p, const CpuMask& allowed)
{
    uint32_t best = ~0u;
    for (uint32_t c = 0; c < p->cpu_count; c++)
        if (allowed.has(c) && (best == ~0u || sched_load(p->cpu_first + c) < sched_load(best)))
            best = p->cpu_first + c;
    return best == ~0u ? p->cpu_first : best;
}

constexpr uint64_t SYS_SCHED_SETAFFINITY = 203, SYS_SCHED_GETAFFINITY = 204;

// The LWK thread sched_*affinity's @id names (0: the caller): of this
// process, or of another LWK process; none for a Linux task (or none at all).
RefPtr<Thread> affinity_target(Thread* self, uint64_t id)
{
    if (!id || id == self->tid)
        return RefPtr<Thread>(self);
    if (id > 0xffffffffull)
        return {};
    RefPtr<Thread> t = thread_find(self->proc, uint32_t(id));
    return t ? t : thread_find_anywhere(uint32_t(id));
}

// May the caller set the affinity of @target, another LWK process? Linux's
// rule (check_same_owner or CAP_SYS_NICE, in user namespaces) is Linux's to
// apply: its mcexec sets its own mask again on the target's mcexec, which
// changes nothing and fails as the real call would (EPERM). The mask goes
// through the caller's stack below its red zone, as a signal frame would.
int64_t may_set_affinity(Thread* self, Process* target)
{
    constexpr uint64_t MASK_BYTES = 512; // 4096 CPUs: more than any Linux here has
    uint64_t at = (self->frame()->rsp - 128 - MASK_BYTES) & ~63ull;
    if (at >= MCK_USER_END)
        return -EFAULT;
    uint64_t get[6] = {target->pid, MASK_BYTES, at, 0, 0, 0};
    int64_t n = offload(SYS_SCHED_GETAFFINITY, get);
    if (n < 0)
        return n;
    uint64_t set[6] = {target->pid, uint64_t(n), at, 0, 0, 0};
    return offload(SYS_SCHED_SETAFFINITY, set);
}

} // namespace

int64_t sys_getpid(SyscallArgs&) { return current()->proc->pid; }
int64_t sys_gettid(SyscallArgs&) { return current()->tid; }

// mcexec's parent is the program's parent (a shell, slurmstepd): asked once.
int64_t sys_getppid(SyscallArgs& a) { return process_ppid(current()->proc, a.arg); }

int64_t sys_clone(SyscallArgs& a)
{
    uint64_t flags = a.arg[0], stack = a.arg[1], ptid = a.arg[2], ctid = a.arg[3], tls = a.arg[4];
    if (flags & ~(KNOWN_FLAGS | CLONE_VFORK) & ~0xffull)
        return -EINVAL;
    // As arch_prctl: a thread pointer outside user space would fault the kernel on the switch.
    if ((flags & CLONE_SETTLS) && tls >= MCK_USER_END)
        return -EPERM;
    if ((flags & THREAD_FLAGS) != THREAD_FLAGS) {
        // Linux: CLONE_THREAD needs CLONE_SIGHAND, which needs CLONE_VM.
        if (((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) || ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)))
            return -EINVAL;
        if ((flags & CLONE_VM) && !(flags & CLONE_VFORK))
            return unsupported("clone with CLONE_VM but without CLONE_THREAD or CLONE_VFORK");
        if (flags & (CLONE_FILES | CLONE_FS))
            return unsupported("a new process sharing descriptors or the working directory (CLONE_FILES, CLONE_FS)");
        return fork_process(a, flags, stack, ptid, ctid, tls);
    }
    Thread* self = current();
    Process* p = self->proc;
    arch::TrapFrame frame = *a.frame;
    frame.rax = 0;
    if (stack)
        frame.rsp = stack;
    // The new thread starts with our extended state and thread pointers, set
    // before it is published: from then on a kill (another thread's fault, the
    // program's mcexec gone) may run it to its exit and free it, so we hold a
    // reference until we have woken it. (Set afterwards, a kill racing the
    // clone had the thread freed under us, and the kernel's memory corrupted.)
    auto made = thread_create(p, frame, pick_cpu(p, self->affinity), [&](Thread* t) {
        arch::fpu_save(t->fpu);
        t->fs_base = (flags & CLONE_SETTLS) ? tls : arch::rdmsr(arch::MSR_FS_BASE);
        t->gs_base = arch::rdmsr(arch::MSR_KERNEL_GS_BASE);
        t->sigmask = self->sigmask;
        t->affinity = self->affinity;
        t->mempolicy = self->mempolicy;
        t->altstack_flags = 2;
        if (flags & CLONE_CHILD_CLEARTID)
            t->clear_child_tid = ctid;
        ref_acquire(t);
    });
    if (made.is_error())
        return to_syscall_result(made); // EAGAIN past MCK_MAX_THREADS, as Linux past its limits (freed, our reference too)
    Thread* t = made.value();
    uint32_t tid = t->tid;
    if ((flags & CLONE_PARENT_SETTID) && !put_user(UserPtr<uint32_t>(ptid), tid))
        kprintf("process %u: clone: parent tid pointer 0x%lx is not writable", p->pid, ptid);
    if ((flags & CLONE_CHILD_SETTID) && !put_user(UserPtr<uint32_t>(ctid), tid))
        kprintf("process %u: clone: child tid pointer 0x%lx is not writable", p->pid, ctid);
    sched_wake(t);
    ref_release(t);
    return tid;
}

int64_t sys_clone3(SyscallArgs&) { return -ENOSYS; } // glibc falls back to clone
int64_t sys_fork(SyscallArgs& a) { return fork_process(a, 17 /* SIGCHLD */, 0, 0, 0, 0); }
int64_t sys_vfork(SyscallArgs& a) { return fork_process(a, 17 | CLONE_VFORK, 0, 0, 0, 0); }
// mcexec runs the new program: it starts a new LWK process in its place (docs/mcexec.md).
// The exec itself is mcexec's; ITIMER_REAL goes with it (kernel/itimer.h), POSIX
// timers hold their signals until it answers (kernel/posix_timer.h).
static int64_t exec(uint64_t nr, SyscallArgs& a)
{
    Thread* t = current();
    process_vm_note_offload(t->proc, nr, a.arg);
    itimer_exec_begin(t);
    posix_timer_exec_begin(t->proc);
    // The sixth argument, which neither call has: the signals the program
    // ignores, which mcexec's new image is to ignore too (MCK_EXEC_IGNORED_ARG).
    uint64_t args[6] = {a.arg[0], a.arg[1], a.arg[2], a.arg[3], a.arg[4], signal_ignored_set(t->proc)};
    // The mask goes with every call (mck_offload.sigmask); what it holds pending, with this one.
    t->offload->sigpending = signal_exec_pending(t);
    // And what Linux keeps of the task besides: its NUMA policy and CPU affinity.
    mck_exec_keeps& keeps = t->offload->keeps;
    keeps = mck_exec_keeps{};
    keeps.policy_mode = t->mempolicy.mode;
    keeps.policy_flags = t->mempolicy.flags;
    keeps.policy_nodes = t->mempolicy.nodes;
    static_assert(MCK_CPU_WORDS == CpuMask::WORDS);
    for (uint32_t w = 0; w < CpuMask::WORDS; w++)
        keeps.cpus[w] = t->affinity.bits[w];
    int64_t ret = offload(nr, args);
    if (!t->killed && !t->proc->exiting) { // the exec failed: this image goes on
        itimer_exec_failed(t);
        posix_timer_exec_failed(t->proc);
    }
    return ret;
}

int64_t sys_execve(SyscallArgs& a) { return exec(59, a); }
int64_t sys_execveat(SyscallArgs& a) { return exec(322, a); }
int64_t sys_rseq(SyscallArgs&) { return -ENOSYS; } // glibc runs without it

int64_t sys_exit(SyscallArgs& a)
{
    Thread* t = current();
    Process* p = t->proc;
    if (t->clear_child_tid && put_user(UserPtr<uint32_t>(t->clear_child_tid), uint32_t(0)))
        futex_wake(p, t->clear_child_tid, 1);
    {
        SpinLockGuard guard(p->lock);
        if (p->nthreads == 1 && !p->exiting)
            p->exit_status = int32_t((a.arg[0] & 0xff) << 8);
    }
    thread_exit();
}

int64_t sys_exit_group(SyscallArgs& a)
{
    process_kill(current()->proc, int32_t((a.arg[0] & 0xff) << 8));
    thread_exit();
}

int64_t sys_set_tid_address(SyscallArgs& a)
{
    current()->clear_child_tid = a.arg[0];
    return current()->tid;
}

int64_t sys_set_robust_list(SyscallArgs& a)
{
    if (a.arg[1] != 24)
        return -EINVAL;
    current()->robust_list = a.arg[0];
    return 0;
}

int64_t sys_get_robust_list(SyscallArgs& a)
{
    Thread* t = current();
    if (a.arg[0] && a.arg[0] != t->tid)
        return -EPERM;
    uint64_t len = 24;
    if (!put_user(a.ptr<uint64_t>(1), t->robust_list) || !put_user(a.ptr<uint64_t>(2), len))
        return -EFAULT;
    return 0;
}

int64_t sys_arch_prctl(SyscallArgs& a)
{
    constexpr uint64_t ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004,
                       ARCH_GET_CPUID = 0x1011, ARCH_SET_CPUID = 0x1012;
    uint64_t v = a.arg[1];
    UserPtr<uint64_t> out = a.ptr<uint64_t>(1); // ARCH_GET_*
    switch (a.arg[0]) {
    case ARCH_SET_FS:
        if (v >= MCK_USER_END)
            return -EPERM;
        arch::wrmsr(arch::MSR_FS_BASE, v);
        return 0;
    case ARCH_SET_GS:
        if (v >= MCK_USER_END)
            return -EPERM;
        arch::wrmsr(arch::MSR_KERNEL_GS_BASE, v); // the user's GS while we run in the kernel
        return 0;
    case ARCH_GET_FS:
        return put_user(out, arch::rdmsr(arch::MSR_FS_BASE)) ? 0 : -EFAULT;
    case ARCH_GET_GS:
        return put_user(out, arch::rdmsr(arch::MSR_KERNEL_GS_BASE)) ? 0 : -EFAULT;
    case ARCH_GET_CPUID:
        return 1; // CPUID runs in user mode: the LWK does not use CPUID faulting
    case ARCH_SET_CPUID:
        return -ENODEV; // as Linux on a CPU without CPUID faulting
    default:
        return -EINVAL;
    }
}

int64_t sys_sched_yield(SyscallArgs&)
{
    schedule();
    return 0;
}

// Linux's rules: the mask is as long as the CPUs there are (here: the
// process's share, in whole words); a shorter buffer or one not in whole words
// is EINVAL, a longer one gets only that much (the call returns the size).
// A Linux task's is Linux's; another LWK process's is in its share's numbering.
int64_t sys_sched_getaffinity(SyscallArgs& a)
{
    Thread* self = current();
    if (int32_t(a.arg[0]) < 0)
        return -ESRCH;
    RefPtr<Thread> t = affinity_target(self, a.arg[0]);
    if (!t)
        return offload(SYS_SCHED_GETAFFINITY, a.arg);
    Process* p = t->proc;
    uint64_t len = a.arg[1], size = (p->cpu_count + 63) / 64 * 8;
    if (len < size || (len & 7))
        return -EINVAL;
    CpuMask mask = t->affinity;
    if (!copy_to_user(a.ptr<uint8_t>(2), mask.bits, size))
        return -EFAULT;
    return int64_t(size);
}

// Any length, as Linux: bits past the buffer are 0 and those past the share
// are ignored; no CPU of the share left is EINVAL. The thread moves at once
// when its CPU is no longer allowed.
int64_t sys_sched_setaffinity(SyscallArgs& a)
{
    Thread* self = current();
    uint64_t len = a.arg[1];
    CpuMask mask;
    uint64_t n = len < sizeof(mask.bits) ? len : sizeof(mask.bits);
    if (!copy_from_user(mask.bits, a.ptr<uint8_t>(2), n))
        return -EFAULT;
    if (int32_t(a.arg[0]) < 0)
        return -ESRCH;
    RefPtr<Thread> t = affinity_target(self, a.arg[0]);
    if (!t)
        return offload(SYS_SCHED_SETAFFINITY, a.arg); // a Linux task: Linux's rules and CPUs
    Process* p = t->proc;
    if (p != self->proc)
        if (int64_t err = may_set_affinity(self, p))
            return err;
    CpuMask share = CpuMask::first(p->cpu_count);
    bool any = false;
    for (uint32_t w = 0; w < CpuMask::WORDS; w++) {
        mask.bits[w] &= share.bits[w];
        any |= mask.bits[w] != 0;
    }
    if (!any)
        return -EINVAL;
    t->affinity = mask;
    uint32_t now = t->cpu - p->cpu_first;
    if (mask.has(now))
        return 0;
    uint32_t to = 0;
    while (!mask.has(to))
        to++;
    t->migrate_to = p->cpu_first + to;
    if (t.get() == self)
        schedule();
    return 0;
}

int64_t sys_getcpu(SyscallArgs& a)
{
    Thread* t = current();
    uint32_t cpu = t->cpu - t->proc->cpu_first;
    uint32_t node = uint32_t(boot_param().cpus[t->cpu].numa_node);
    if (a.arg[0] && !put_user(a.ptr<uint32_t>(0), cpu))
        return -EFAULT;
    if (a.arg[1] && !put_user(a.ptr<uint32_t>(1), node))
        return -EFAULT;
    return 0;
}

} // namespace mck
