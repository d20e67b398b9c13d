// SPDX-License-Identifier: GPL-2.0
// x86-64 CPU primitives and the per-CPU block the generic kernel uses.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mck::arch {

inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t(hi) << 32) | lo;
}

inline void wrmsr(uint32_t msr, uint64_t v)
{
    asm volatile("wrmsr" ::"c"(msr), "a"(uint32_t(v)), "d"(uint32_t(v >> 32)) : "memory");
}

inline uint64_t rdtsc()
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t(hi) << 32) | lo;
}

inline void cpu_relax() { asm volatile("pause" ::: "memory"); }
inline void irq_disable() { asm volatile("cli" ::: "memory"); }
inline void irq_enable() { asm volatile("sti" ::: "memory"); }
// Enable interrupts and halt as one step: an interrupt between them cannot be lost.
inline void irq_enable_and_halt() { asm volatile("sti; hlt" ::: "memory"); }
// Interrupts off; returns the flags irq_restore() needs to put them back as they were.
inline uint64_t irq_save()
{
    uint64_t flags;
    asm volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
    return flags;
}
inline void irq_restore(uint64_t flags)
{
    if (flags & (1 << 9))
        asm volatile("sti" ::: "memory");
}
inline uint64_t read_cr2()
{
    uint64_t v;
    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
inline void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }

[[noreturn]] inline void halt_forever()
{
    for (;;)
        asm volatile("cli; hlt");
}

constexpr uint32_t MSR_APIC_BASE = 0x1b;
constexpr uint32_t MSR_FS_BASE = 0xc0000100;
constexpr uint32_t MSR_GS_BASE = 0xc0000101;
constexpr uint32_t MSR_KERNEL_GS_BASE = 0xc0000102;

inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t* a, uint32_t* b, uint32_t* c, uint32_t* d)
{
    asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
inline void invlpg(uint64_t va) { asm volatile("invlpg (%0)" ::"r"(va) : "memory"); }
inline uint64_t read_cr3()
{
    uint64_t v;
    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

struct Cpu;
// The calling CPU's block (GS base points at it once cpu_init() ran).
inline Cpu* this_cpu()
{
    Cpu* c;
    asm volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

void syscall_init();              // SYSCALL and SYSENTER MSRs (cpu_init)
void smep_enable();               // CR4.SMEP where the CPU has it (cpu_init)
void fpu_init();                  // x87/SSE/AVX on, XCR0 (cpu_init)
void cpu_prepare(uint32_t index); // allocate a CPU's stacks (before it starts)
void cpu_init(uint32_t index);    // GDT, TSS, IDT, GS base for this CPU
void delay_us(uint64_t us);       // busy wait on the TSC (boot only)
// How user mode reads its CPU (the vDSO's getcpu): MCK_VDSO_GETCPU_* of
// vdso/vvar.h. cpu_init() puts (NUMA node << 12) | LWK CPU index into
// IA32_TSC_AUX, which RDPID and RDTSCP return, where either exists.
uint32_t user_cpu_id_insn();
uint64_t tsc_to_us(uint64_t tsc);

} // namespace mck::arch
