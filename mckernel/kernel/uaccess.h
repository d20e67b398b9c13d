// SPDX-License-Identifier: GPL-2.0
// Access to the calling process's memory: the only way kernel code touches
// it. Every address is checked against the program's user range; a fault
// during the copy (a page another thread unmapped or protected meanwhile)
// makes the call fail, never the kernel (arch/usercopy.h). Demand pages are
// mapped on the way, unless a spinlock is held (then the access fails).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mck {

bool copy_from_user(void* dst, uint64_t src, size_t n);
bool copy_to_user(uint64_t dst, const void* src, size_t n);
// A NUL-terminated string of at most @max - 1 bytes; its length, -EFAULT or -ENAMETOOLONG.
int64_t strncpy_from_user(char* dst, uint64_t src, size_t max);
// One aligned 32-bit word read in a single access (futex words): 0, -EINVAL
// (unaligned) or -EFAULT.
int64_t get_user_u32_atomic(uint32_t& v, uint64_t addr);

template <typename T>
bool get_user(T& v, uint64_t addr)
{
    return copy_from_user(&v, addr, sizeof(T));
}

template <typename T>
bool put_user(uint64_t addr, const T& v)
{
    return copy_to_user(addr, &v, sizeof(T));
}

} // namespace mck
