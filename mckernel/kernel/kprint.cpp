// SPDX-License-Identifier: GPL-2.0
// McKernel's own system calls. 599, kprint(const char *msg): the worked
// example of adding a system call (docs/lwk.md): one line in syscalls.def,
// one function. 600, cpu_entries(): interrupts and exceptions this CPU took
// since boot, for benchmarks (a tickless compute core takes none). 601,
// cpu_syscalls(): system calls this CPU took since boot, this one included
// (a clock read through the vDSO takes none).
#include <kernel/boot.h>
#include <kernel/errno.h>
#include <kernel/process.h>
#include <kernel/syscall.h>
#include <kernel/uaccess.h>

#include <arch/cpu.h>
#include <arch/percpu.h>

namespace mck {

int64_t sys_kprint(SyscallArgs& a)
{
    char buf[256];
    int64_t len = strncpy_from_user(buf, a.ptr<char>(0), sizeof(buf));
    if (len < 0)
        return len; // -EFAULT, or -ENAMETOOLONG for 256 bytes or more
    kprintf("kprint: pid %u: %s", current()->proc->pid, buf);
    return len;
}

int64_t sys_cpu_entries(SyscallArgs&) { return int64_t(__atomic_load_n(&arch::this_cpu()->entries, __ATOMIC_RELAXED)); }

int64_t sys_cpu_syscalls(SyscallArgs&)
{
    return int64_t(__atomic_load_n(&arch::this_cpu()->syscalls, __ATOMIC_RELAXED));
}

} // namespace mck
