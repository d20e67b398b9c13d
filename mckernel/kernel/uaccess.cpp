// SPDX-License-Identifier: GPL-2.0
// User memory access (kernel/uaccess.h): a range check against the program's
// user range, then a copy that survives a fault (arch/usercopy.h). No check of
// the page tables first: another thread may change them at any moment, so
// only the fault itself can tell.
#include <kernel/errno.h>
#include <kernel/process.h>
#include <kernel/uaccess.h>

#include <arch/usercopy.h>
#include <mcexec/abi.h>

namespace mck {
namespace {

bool user_range(uint64_t addr, size_t n)
{
    return addr >= MCK_USER_START && addr < MCK_USER_END && n <= MCK_USER_END - addr;
}

} // namespace

// The one place a user address becomes a pointer: for the fault-safe primitives.
bool copy_from_user(void* dst, UserPtr<uint8_t> src, size_t n)
{
    if (!n)
        return true;
    return user_range(src.addr(), n) && mck_user_copy(dst, reinterpret_cast<const void*>(src.addr()), n) == 0;
}

bool copy_to_user(UserPtr<uint8_t> dst, const void* src, size_t n)
{
    if (!n)
        return true;
    return user_range(dst.addr(), n) && mck_user_copy(reinterpret_cast<void*>(dst.addr()), src, n) == 0;
}

int64_t get_user_u32_atomic(uint32_t& v, UserPtr<uint32_t> word)
{
    uint64_t addr = word.addr();
    if (addr & 3)
        return -EINVAL;
    if (!user_range(addr, 4))
        return -EFAULT;
    return mck_user_load32(&v, reinterpret_cast<const uint32_t*>(addr));
}

int64_t strncpy_from_user(char* dst, UserPtr<char> str, size_t max)
{
    uint64_t src = str.addr();
    size_t done = 0;
    while (done < max) {
        // Up to the end of the page: the string may end right before an unmapped one.
        size_t chunk = 4096 - ((src + done) & 4095);
        if (chunk > max - done)
            chunk = max - done;
        if (!copy_from_user(dst + done, UserPtr<uint8_t>(src + done), chunk))
            return -EFAULT;
        for (size_t i = 0; i < chunk; i++)
            if (!dst[done + i])
                return int64_t(done + i);
        done += chunk;
    }
    return -ENAMETOOLONG;
}

} // namespace mck
