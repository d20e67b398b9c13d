// SPDX-License-Identifier: GPL-2.0
// The per-CPU block; GS base points at it, its first word points at itself.
#pragma once

#include <stdint.h>

namespace mck::arch {

struct alignas(64) Cpu {
    Cpu* self;
    uint32_t index;   // into ihk_boot_param.cpus
    uint32_t apic_id;
    uint64_t gdt[8];  // null, kcode, kdata, ucode32, udata, ucode64, TSS (two slots)
    uint8_t tss[104];
    uint64_t stack_top;    // kernel stack
    uint64_t ist_top[3];   // IST1 NMI, IST2 double fault, IST3 machine check: one each,
                           // so an NMI during #DF or #MC cannot overwrite its frame
};

Cpu& cpu(uint32_t index);

} // namespace mck::arch
