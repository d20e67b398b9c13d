// SPDX-License-Identifier: GPL-2.0
// System call 599, kprint(const char *msg): the worked example of adding a
// system call (docs/lwk.md). One line in syscalls.def, this function.
#include <kernel/boot.h>
#include <kernel/errno.h>
#include <kernel/process.h>
#include <kernel/syscall.h>
#include <kernel/uaccess.h>

namespace mck {

int64_t sys_kprint(SyscallArgs& a)
{
    char buf[256];
    int64_t len = strncpy_from_user(buf, a.arg[0], sizeof(buf));
    if (len < 0)
        return len; // -EFAULT, or -ENAMETOOLONG for 256 bytes or more
    kprintf("kprint: pid %u: %s", current()->proc->pid, buf);
    return len;
}

} // namespace mck
