// SPDX-License-Identifier: GPL-2.0
// Where mcexec keeps its own descriptors, and the RLIMIT_NOFILE the program
// sees. mcexec's descriptors (/dev/mcosN and the process file) sit at the top
// of its hard limit, and the program's hard limit is mcexec's less those, so
// every number below the program's limit is the program's, and every number
// at or above it gives what Linux gives there (EBADF, EINVAL, EMFILE) without
// mcexec saying so (docs/security.md). Pure, unit-tested on the host.
#pragma once

#include <cstdint>

namespace mcexec {

// How many descriptors mcexec keeps at the top of its hard limit.
constexpr uint64_t RESERVED_FD_COUNT = 2;

struct FdLimit {
    uint64_t cur, max; // as struct rlimit; ~0 for RLIM_INFINITY
};

// The number of mcexec's descriptor @slot (0: the top) under Linux's hard limit @max.
uint64_t reserved_fd_number(uint64_t max, unsigned slot);

// The program's RLIMIT_NOFILE, from mcexec's (Linux's): the hard limit less
// the reserve, the soft limit no higher than that.
FdLimit program_nofile(FdLimit linux_limit);

// What Linux gets when the program sets @wanted (cur <= max checked by the caller).
FdLimit linux_nofile(FdLimit wanted);

} // namespace mcexec
