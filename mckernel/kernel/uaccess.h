// SPDX-License-Identifier: GPL-2.0
// Access to the calling process's memory: the only way kernel code touches
// it. Every address is checked against the program's user range; a fault
// during the copy (a page another thread unmapped or protected meanwhile)
// makes the call fail, never the kernel (arch/usercopy.h). Demand pages are
// mapped on the way, unless a spinlock is held (then the access fails).
//
// A user address has its own type, UserPtr<T> (SyscallArgs::ptr<T>(i) makes
// one from an argument): it cannot be dereferenced, converted to a kernel
// pointer or mixed with another type's by accident; get_user and put_user
// copy exactly one T.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mck {

template <typename T>
class UserPtr {
public:
    constexpr UserPtr() = default;
    constexpr explicit UserPtr(uint64_t addr) : m_addr(addr) {}

    constexpr uint64_t addr() const { return m_addr; }
    constexpr explicit operator bool() const { return m_addr != 0; }
    // The element @i places after this one (arrays of T).
    constexpr UserPtr at(uint64_t i) const { return UserPtr(m_addr + i * sizeof(T)); }
    // The same address seen as bytes (raw copies) or, deliberately, as another type.
    constexpr UserPtr<uint8_t> bytes() const { return UserPtr<uint8_t>(m_addr); }
    template <typename U>
    constexpr UserPtr<U> as() const
    {
        return UserPtr<U>(m_addr);
    }

private:
    uint64_t m_addr = 0;
};

bool copy_from_user(void* dst, UserPtr<uint8_t> src, size_t n);
bool copy_to_user(UserPtr<uint8_t> dst, const void* src, size_t n);
// A NUL-terminated string of at most @max - 1 bytes; its length, -EFAULT or -ENAMETOOLONG.
int64_t strncpy_from_user(char* dst, UserPtr<char> src, size_t max);
// One aligned 32-bit word read in a single access (futex words): 0, -EINVAL
// (unaligned) or -EFAULT.
int64_t get_user_u32_atomic(uint32_t& v, UserPtr<uint32_t> addr);

template <typename T>
bool get_user(T& v, UserPtr<T> src)
{
    return copy_from_user(&v, src.bytes(), sizeof(T));
}

template <typename T>
bool put_user(UserPtr<T> dst, const T& v)
{
    return copy_to_user(dst.bytes(), &v, sizeof(T));
}

} // namespace mck
