// SPDX-License-Identifier: GPL-2.0
// Host stand-in for arch/x86_64/include/arch/cpu.h: the same names for the
// kernel sources the host tests compile. One CPU, interrupts a per-thread flag,
// the TSC a clock the test moves (fake_arch.cpp); privileged instructions abort.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mck::arch {

uint64_t rdmsr(uint32_t msr);
void wrmsr(uint32_t msr, uint64_t v);
uint64_t rdtsc(); // 1 GHz: one tick per nanosecond, moved by fake::advance_ns()

void cpu_relax();
void irq_disable();
void irq_enable();
void irq_enable_and_halt();
uint64_t irq_save();
void irq_restore(uint64_t flags);
bool irq_enabled(); // host tests only: the calling host thread's interrupt flag
uint64_t read_cr2();
void write_cr3(uint64_t v);
uint64_t read_cr3();
[[noreturn]] void halt_forever();

constexpr uint32_t MSR_APIC_BASE = 0x1b;
constexpr uint32_t MSR_FS_BASE = 0xc0000100;
constexpr uint32_t MSR_GS_BASE = 0xc0000101;
constexpr uint32_t MSR_KERNEL_GS_BASE = 0xc0000102;

void cpuid(uint32_t leaf, uint32_t sub, uint32_t* a, uint32_t* b, uint32_t* c, uint32_t* d);
void invlpg(uint64_t va);

struct Cpu;
Cpu* this_cpu();

void syscall_init();
void fpu_init();
void cpu_prepare(uint32_t index);
void cpu_init(uint32_t index);
void delay_us(uint64_t us);
uint64_t tsc_to_us(uint64_t tsc);

} // namespace mck::arch
