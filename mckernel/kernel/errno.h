// SPDX-License-Identifier: GPL-2.0
// Linux's errno values, as system calls return them (negated).
#pragma once

namespace mck {

enum : long {
    EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, E2BIG = 7, ENOEXEC = 8, EBADF = 9, ECHILD = 10,
    EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19,
    EISDIR = 21, EINVAL = 22, ENOSPC = 28, ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38, ETIMEDOUT = 110,
    ERESTARTSYS = 512, ERESTARTNOHAND = 514,
};

} // namespace mck
