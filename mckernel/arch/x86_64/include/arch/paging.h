// SPDX-License-Identifier: GPL-2.0
// The LWK's own page tables: its image, a direct map of its memory, the
// two foreign pages it needs (the local APIC and the SIPI trampoline), and a
// window per CPU onto any other page.
#pragma once

#include <stdint.h>

struct ihk_boot_param;

namespace mck::arch {

// All of the instance's memory is mapped here at its physical address.
constexpr uint64_t DIRECT_BASE = 0xffff888000000000ull;

inline void* phys_to_virt(uint64_t phys) { return reinterpret_cast<void*>(DIRECT_BASE + phys); }

// Build the tables from memory right after the image, switch to them, and
// return the physical end of what the image, boot area and tables use (BSP).
uint64_t paging_init(const ihk_boot_param& bp);
// Load the tables paging_init() built (APs).
void paging_load();
// The local APIC's registers (xAPIC mode) and the SIPI page, mapped uncached
// and write-back respectively by paging_init().
volatile uint32_t* lapic_mmio();
void* trampoline_page();
// This CPU's window onto the 4 KiB page holding @phys, which is not in the
// direct map (a Linux page a program maps): the address of @phys through it.
// Interrupts stay off from here until unmap_window() (one user per CPU).
void* map_window(uint64_t phys);
void unmap_window();

} // namespace mck::arch
