// SPDX-License-Identifier: GPL-2.0
// The boot CPU starts the others through IHK's SIPI trampoline, one at a time
// (they share one boot stack), waiting a bounded time for each to check in.
#include <kernel/boot.h>
#include <kernel/smp.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/percpu.h>

namespace mck {

void smp_start_cpus()
{
    ihk_boot_param& bp = boot_param_mut();
    auto* tramp = reinterpret_cast<volatile ihk_trampoline_data*>(static_cast<char*>(arch::trampoline_page()) +
                                                                  IHK_TRAMPOLINE_DATA);
    constexpr uint64_t TIMEOUT_US = 5'000'000; // software emulation is slow to start a CPU
    __atomic_store_n(&bp.cpus_up, 1, __ATOMIC_RELEASE);
    for (uint32_t i = 1; i < bp.num_cpus; i++) {
        arch::cpu_prepare(i);
        tramp->stack = IHK_LWK_BASE + IHK_AP_STACK_TOP;
        tramp->cpu_index = i;
        tramp->stage = 0;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        uint32_t want = i + 1;
        uint64_t start = arch::rdtsc();
        arch::apic_start_cpu(bp.cpus[i].apic_id, bp.trampoline_phys);
        while (__atomic_load_n(&bp.cpus_up, __ATOMIC_ACQUIRE) < want) {
            if (arch::tsc_to_us(arch::rdtsc() - start) > TIMEOUT_US)
                panic("cpu %u (APIC id %u) did not start within %lu ms (trampoline stage %u)", i,
                      bp.cpus[i].apic_id, TIMEOUT_US / 1000, tramp->stage);
            arch::cpu_relax();
        }
    }
}

} // namespace mck
