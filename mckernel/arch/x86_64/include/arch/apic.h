// SPDX-License-Identifier: GPL-2.0
// The local APIC, in xAPIC (MMIO) or x2APIC (MSR) mode, whichever Linux left on.
#pragma once

#include <stdint.h>

namespace mck::arch {

constexpr uint8_t VECTOR_SPURIOUS = 0xff;
constexpr uint8_t VECTOR_PING = 0xf1; // IHK_LWK_PING_VECTOR: Linux's liveness probe

// Maps the xAPIC page if needed; call after paging_init().
void apic_init();
void apic_eoi();
bool apic_x2();
uint32_t apic_id();
// A fixed interrupt @vector to the CPU with @apic_id (physical destination).
void apic_send_ipi(uint32_t apic_id, uint8_t vector);
// INIT, then two SIPIs for the page at @page_phys (below 1 MiB).
void apic_start_cpu(uint32_t apic_id, uint64_t page_phys);

} // namespace mck::arch
