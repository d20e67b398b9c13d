// SPDX-License-Identifier: GPL-2.0
// Linux's errno values, as system calls return them (negated).
#pragma once

namespace mck {

enum : long {
    EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, E2BIG = 7, ENOEXEC = 8, EBADF = 9, ECHILD = 10,
    EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19,
    EISDIR = 21, EINVAL = 22, EMFILE = 24, ENOSPC = 28, ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38, EOPNOTSUPP = 95, ETIMEDOUT = 110,
    // Never seen by the program: how a system call interrupted by a signal
    // ends is decided on the way out (signal_restart_syscall()), as on Linux.
    ERESTARTSYS = 512,    // restart after a handler with SA_RESTART, else EINTR
    ERESTARTNOINTR = 513, // always restart (the call did not run)
    ERESTARTNOHAND = 514, // EINTR if a handler runs, else restart
};

} // namespace mck
