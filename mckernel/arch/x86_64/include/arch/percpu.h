// SPDX-License-Identifier: GPL-2.0
// The per-CPU block; GS base points at it, its first word points at itself.
#pragma once

#include <stdint.h>

namespace mck::arch {

struct alignas(64) Cpu {
    Cpu* self;
    uint32_t index;   // into ihk_boot_param.cpus
    uint32_t apic_id;
    // Used by the syscall entry in syscall.S at these offsets (CPU_KSTACK, CPU_USER_RSP).
    uint64_t kstack_top;   // 16: the running thread's kernel stack
    uint64_t user_rsp;     // 24: scratch for the user stack pointer at syscall entry
    uint64_t entries;      // interrupts and exceptions taken (kernel entries but system calls)
    uint64_t gdt[8];  // null, kcode, kdata, ucode32, udata, ucode64, TSS (two slots)
    uint8_t tss[104];
    uint64_t stack_top;    // kernel stack
    uint64_t ist_top[3];   // IST1 NMI, IST2 double fault, IST3 machine check: one each,
                           // so an NMI during #DF or #MC cannot overwrite its frame
    uint32_t locks_held;   // bit n: a lock of rank n is held (lib/spinlock.h)
    uint64_t syscalls;     // system calls taken (the vDSO's answer none)
};

static_assert(__builtin_offsetof(Cpu, kstack_top) == 16 && __builtin_offsetof(Cpu, user_rsp) == 24);

Cpu& cpu(uint32_t index);
// Point the syscall entry and the TSS at @top, the next thread's kernel stack.
void set_kernel_stack(uint64_t top);

} // namespace mck::arch
