// SPDX-License-Identifier: GPL-2.0
// Primitives that touch user memory and survive a fault there (usercopy.S):
// a fault resumes at the instruction's entry in the exception table, so the
// caller sees a failure instead of the kernel stopping. Callers check that the
// range is the program's first; kernel/uaccess.h is the interface to use.
#pragma once

#include <stdint.h>

extern "C" {
// Bytes not copied (0: all).
uint64_t mck_user_copy(void* dst, const void* src, uint64_t n);
// One aligned 32-bit load as a single access (futex words): 0 or -EFAULT.
int mck_user_load32(uint32_t* dst, const uint32_t* src);
}

namespace mck::arch {

// Where execution resumes after a fault at @rip in a user access; 0 if @rip is not one.
uint64_t user_fault_fixup(uint64_t rip);

} // namespace mck::arch
