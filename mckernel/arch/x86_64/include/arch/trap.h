// SPDX-License-Identifier: GPL-2.0
// The interrupt frame entry.S builds and the IDT set-up.
#pragma once

#include <stdint.h>

namespace mck::arch {

struct TrapFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

static_assert(sizeof(TrapFrame) == 176);

inline bool from_user(const TrapFrame& f) { return f.cs & 3; }

void idt_init();  // build the shared IDT (BSP, once)
void idt_load();

} // namespace mck::arch
