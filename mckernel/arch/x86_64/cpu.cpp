// SPDX-License-Identifier: GPL-2.0
// Per-CPU set-up: GDT with a TSS (an IST stack for NMI and double faults), the
// shared IDT, GS base; and TSC-based delays.
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <kernel/boot.h>
#include <kernel/mem.h>
#include <vdso/vvar.h>

#include <stddef.h>

namespace mck::arch {
namespace {

Cpu g_cpus[IHK_BOOT_MAX_CPUS];

constexpr uint64_t KCODE = 0x00af9a000000ffffull; // 64-bit, DPL 0
constexpr uint64_t KDATA = 0x00cf92000000ffffull;
constexpr uint64_t UCODE32 = 0x00cffa000000ffffull;
constexpr uint64_t UDATA = 0x00cff2000000ffffull;
constexpr uint64_t UCODE64 = 0x00affa000000ffffull;
constexpr uint16_t TSS_SELECTOR = 6 * 8;
constexpr uint64_t STACK_SIZE = 16 * 1024;

struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104);

extern "C" void mck_syscall_entry();
extern "C" void mck_syscall_compat_entry();

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

// The boot CPU sets up its TSS before the page allocator exists.
alignas(16) uint8_t g_bsp_stacks[4][16 * 1024];

uint64_t stack_top(uint64_t bytes)
{
    uint64_t phys = mem_alloc(bytes, -1);
    if (!phys)
        panic("no memory for a CPU stack");
    return reinterpret_cast<uint64_t>(phys_to_virt(phys)) + bytes;
}

} // namespace

Cpu& cpu(uint32_t index) { return g_cpus[index]; }

void cpu_prepare(uint32_t index)
{
    Cpu& c = g_cpus[index];
    if (index == 0 && !c.stack_top) {
        c.stack_top = reinterpret_cast<uint64_t>(g_bsp_stacks[0] + sizeof g_bsp_stacks[0]);
        for (int i = 0; i < 3; i++)
            c.ist_top[i] = reinterpret_cast<uint64_t>(g_bsp_stacks[i + 1] + sizeof g_bsp_stacks[i + 1]);
    }
    if (!c.stack_top)
        c.stack_top = stack_top(STACK_SIZE);
    for (int i = 0; i < 3; i++)
        if (!c.ist_top[i])
            c.ist_top[i] = stack_top(STACK_SIZE);
}

void cpu_init(uint32_t index)
{
    cpu_prepare(index);
    Cpu& c = g_cpus[index];
    c.self = &c;
    c.index = index;

    auto* tss = reinterpret_cast<Tss*>(c.tss);
    *tss = Tss{};
    tss->rsp[0] = c.stack_top;
    for (int i = 0; i < 3; i++)
        tss->ist[i] = c.ist_top[i];
    tss->iomap_base = sizeof(Tss);

    uint64_t base = reinterpret_cast<uint64_t>(tss);
    c.gdt[0] = 0;
    c.gdt[1] = KCODE;
    c.gdt[2] = KDATA;
    c.gdt[3] = UCODE32;
    c.gdt[4] = UDATA;
    c.gdt[5] = UCODE64;
    c.gdt[6] = (sizeof(Tss) - 1) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((base >> 24) & 0xff) << 56);
    c.gdt[7] = base >> 32; // a 64-bit TSS descriptor takes two slots

    DescriptorPointer gdtr{sizeof(c.gdt) - 1, reinterpret_cast<uint64_t>(c.gdt)};
    asm volatile("lgdt %0\n\t"
                 "pushq $0x08\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "movl $0x10, %%eax\n\t"
                 "movl %%eax, %%ds\n\t"
                 "movl %%eax, %%es\n\t"
                 "movl %%eax, %%ss\n\t"
                 :
                 : "m"(gdtr)
                 : "rax", "memory");
    asm volatile("ltr %0" ::"r"(TSS_SELECTOR));
    wrmsr(MSR_GS_BASE, reinterpret_cast<uint64_t>(&c));
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    idt_load();
    pat_init(); // before any mapping uses a type other than WB or UC (device memory)
    c.kstack_top = c.stack_top;
    smep_enable();
    syscall_init();
    fpu_init();
    if (user_cpu_id_insn() != MCK_VDSO_GETCPU_SYSCALL) {
        constexpr uint32_t MSR_TSC_AUX = 0xc0000103;
        wrmsr(MSR_TSC_AUX, (uint64_t(boot_param().cpus[index].numa_node) << 12) | index);
    }
}

// SMEP, where the CPU has it: kernel mode never runs code from a user page, so
// a jump gone astray in the kernel faults instead of running what the program
// put there. (SMAP would need every user access bracketed: not yet.)
void smep_enable()
{
    uint32_t a, b, c, d;
    cpuid(0, 0, &a, &b, &c, &d);
    if (a < 7)
        return;
    cpuid(7, 0, &a, &b, &c, &d);
    if (!(b & (1u << 7)))
        return;
    uint64_t cr4;
    asm volatile("mov %%cr4, %0" : "=r"(cr4));
    asm volatile("mov %0, %%cr4" ::"r"(cr4 | (1ull << 20)) : "memory");
}

uint32_t user_cpu_id_insn()
{
    uint32_t a, b, c, d;
    cpuid(0, 0, &a, &b, &c, &d);
    if (a >= 7) {
        cpuid(7, 0, &a, &b, &c, &d);
        if (c & (1u << 22))
            return MCK_VDSO_GETCPU_RDPID;
    }
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    if (a >= 0x80000001) {
        cpuid(0x80000001, 0, &a, &b, &c, &d);
        if (d & (1u << 27))
            return MCK_VDSO_GETCPU_RDTSCP;
    }
    return MCK_VDSO_GETCPU_SYSCALL;
}

void set_kernel_stack(uint64_t top)
{
    Cpu* c = this_cpu();
    c->kstack_top = top;
    reinterpret_cast<Tss*>(c->tss)->rsp[0] = top;
}

// SYSCALL enters mck_syscall_entry with kernel CS 0x08 / SS 0x10; we return to
// user mode with IRETQ (user CS 0x2b, SS 0x23), so STAR's SYSRET half only has
// to match the GDT layout (mck_syscall_compat_entry's SYSRET to 32-bit mode
// uses it: CS 0x1b, SS 0x23).
//
// Every way into kernel mode a user program has is set, not left as the CPU
// came to us: Linux ran on it before, and INIT keeps or clears these MSRs
// depending on the CPU. A SYSCALL from 32-bit code (a far jump to CS 0x1b
// does it) would otherwise enter kernel mode at whatever MSR_CSTAR held (0 or
// Linux's entry) on the user's stack and GS: that took the whole node down.
// SYSENTER with MSR_SYSENTER_CS 0 is #GP (Intel; #UD on AMD in long mode).
void syscall_init()
{
    constexpr uint32_t MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175, MSR_SYSENTER_EIP = 0x176,
                       MSR_EFER = 0xc0000080, MSR_STAR = 0xc0000081, MSR_LSTAR = 0xc0000082,
                       MSR_CSTAR = 0xc0000083, MSR_FMASK = 0xc0000084;
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1); // SCE
    wrmsr(MSR_STAR, (uint64_t(0x18 | 3) << 48) | (uint64_t(0x08) << 32));
    wrmsr(MSR_LSTAR, reinterpret_cast<uint64_t>(mck_syscall_entry));
    wrmsr(MSR_CSTAR, reinterpret_cast<uint64_t>(mck_syscall_compat_entry));
    wrmsr(MSR_FMASK, 0x47700); // TF, DF, IF, IOPL, NT, AC cleared on entry
    wrmsr(MSR_SYSENTER_CS, 0);
    wrmsr(MSR_SYSENTER_ESP, 0);
    wrmsr(MSR_SYSENTER_EIP, 0);
}

uint64_t tsc_to_us(uint64_t tsc) { return tsc * 1000 / (boot_param().tsc_khz ? boot_param().tsc_khz : 1000000); }

void delay_us(uint64_t us)
{
    uint64_t end = rdtsc() + us * boot_param().tsc_khz / 1000;
    while (rdtsc() < end)
        cpu_relax();
}

} // namespace mck::arch
