// SPDX-License-Identifier: GPL-2.0
// System call dispatch: the table in syscalls.def says which calls are local;
// the rest are offloaded (kernel/offload.h).
#pragma once

#include <kernel/uaccess.h>

#include <arch/trap.h>
#include <stdint.h>

namespace mck {

struct SyscallArgs {
    uint64_t arg[6];
    arch::TrapFrame* frame; // the caller's user registers

    // Argument @i as a user address of a T (kernel/uaccess.h).
    template <typename T>
    UserPtr<T> ptr(int i) const
    {
        return UserPtr<T>(arg[i]);
    }
};

#define LOCAL(nr, name) int64_t sys_##name(SyscallArgs& a);
#include <kernel/syscalls.def>
#undef LOCAL

constexpr uint64_t SYSCALL_MAX = 602;

} // namespace mck
