// SPDX-License-Identifier: GPL-2.0
// Access to the calling process's memory. Every user pointer is checked
// against the page tables (mapping demand pages) before the kernel touches it;
// the process's tables are loaded, so the copy itself is a plain memcpy.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mck {

bool copy_from_user(void* dst, uint64_t src, size_t n);
bool copy_to_user(uint64_t dst, const void* src, size_t n);
// A NUL-terminated string of at most @max - 1 bytes; its length, -EFAULT or -ENAMETOOLONG.
int64_t strncpy_from_user(char* dst, uint64_t src, size_t max);

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
