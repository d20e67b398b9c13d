// SPDX-License-Identifier: GPL-2.0
// mcexec's descriptors at the top of RLIMIT_NOFILE (fd_limit.h).
#include "fd_limit.h"

#include <algorithm>

namespace mcexec {

constexpr uint64_t INFINITE = ~0ull;

uint64_t reserved_fd_number(uint64_t max, unsigned slot) { return max - 1 - slot; }

FdLimit program_nofile(FdLimit l)
{
    if (l.max != INFINITE)
        l.max = l.max > RESERVED_FD_COUNT ? l.max - RESERVED_FD_COUNT : 0;
    l.cur = std::min(l.cur, l.max);
    return l;
}

FdLimit linux_nofile(FdLimit wanted)
{
    // Linux refuses a hard limit above fs.nr_open (EPERM), infinity too.
    if (wanted.max != INFINITE)
        wanted.max = wanted.max > INFINITE - RESERVED_FD_COUNT ? INFINITE : wanted.max + RESERVED_FD_COUNT;
    return wanted;
}

} // namespace mcexec
