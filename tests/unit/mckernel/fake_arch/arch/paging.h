// SPDX-License-Identifier: GPL-2.0
// Host stand-in for arch/x86_64/include/arch/paging.h: "physical" memory is
// one host mapping (fake_arch.cpp), so the real page tables (mmu.cpp) and the
// allocator's bitmaps live in it.
#pragma once

#include <stdint.h>

struct ihk_boot_param;

namespace mck::arch {

// Aborts for an address outside the fake physical memory.
void* phys_to_virt(uint64_t phys);

uint64_t paging_init(const ihk_boot_param& bp);
void paging_load();
volatile uint32_t* lapic_mmio();
void* trampoline_page();

} // namespace mck::arch
