// SPDX-License-Identifier: GPL-2.0
// User memory access (kernel/uaccess.h).
#include <kernel/errno.h>
#include <kernel/process.h>
#include <kernel/uaccess.h>
#include <kernel/vm.h>

extern "C" void* memcpy(void*, const void*, size_t);

namespace mck {

bool copy_from_user(void* dst, uint64_t src, size_t n)
{
    if (!vm_access_ok(current()->proc, src, n, false))
        return false;
    memcpy(dst, reinterpret_cast<const void*>(src), n);
    return true;
}

bool copy_to_user(uint64_t dst, const void* src, size_t n)
{
    if (!vm_access_ok(current()->proc, dst, n, true))
        return false;
    memcpy(reinterpret_cast<void*>(dst), src, n);
    return true;
}

int64_t strncpy_from_user(char* dst, uint64_t src, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        // Check page by page: the string may end right before an unmapped page.
        if ((i == 0 || !((src + i) & 4095)) && !vm_access_ok(current()->proc, src + i, 1, false))
            return -EFAULT;
        dst[i] = *reinterpret_cast<const char*>(src + i);
        if (!dst[i])
            return int64_t(i);
    }
    return -ENAMETOOLONG;
}

} // namespace mck
