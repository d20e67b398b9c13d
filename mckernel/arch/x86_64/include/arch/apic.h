// SPDX-License-Identifier: GPL-2.0
// The local APIC, in xAPIC (MMIO) or x2APIC (MSR) mode, whichever Linux left on.
#pragma once

#include <stdint.h>

namespace mck::arch {

constexpr uint8_t VECTOR_SPURIOUS = 0xff;
constexpr uint8_t VECTOR_TIMER = 0xf0;
constexpr uint8_t VECTOR_PING = 0xf1; // IHK_LWK_PING_VECTOR: Linux's liveness probe
// 0xf2 is IHK_LWK_IKC_VECTOR, Linux's IKC doorbell.
constexpr uint8_t VECTOR_RESCHED = 0xf3; // another LWK CPU made a thread runnable here
constexpr uint8_t VECTOR_TLB = 0xf4;     // another LWK CPU changed a process's mappings

// Maps the xAPIC page if needed; call after paging_init().
void apic_init();
void apic_eoi();
bool apic_x2();
uint32_t apic_id();
// A fixed interrupt @vector to the CPU with @apic_id (physical destination).
void apic_send_ipi(uint32_t apic_id, uint8_t vector);
// One-shot LAPIC timer, VECTOR_TIMER after @us microseconds; 0 disarms.
void apic_timer_arm(uint64_t us);
// INIT, then two SIPIs for the page at @page_phys (below 1 MiB).
void apic_start_cpu(uint32_t apic_id, uint64_t page_phys);

} // namespace mck::arch
