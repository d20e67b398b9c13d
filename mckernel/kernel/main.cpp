// SPDX-License-Identifier: GPL-2.0
// McKernel's start: the boot CPU sets up logging, memory, paging and traps,
// starts the other CPUs, reports RUNNING to Linux and idles; the others join.
#include <kernel/boot.h>
#include <kernel/ikc.h>
#include <kernel/kargs.h>
#include <kernel/lock_rank.h>
#include <kernel/mem.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/usage.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/trap.h>

#include <mcexec/abi.h>

extern "C" {
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
extern char __bss_start[], __bss_end[];
void* memset(void*, int, size_t);
}

namespace mck {
namespace {

ihk_boot_param* g_bp;

// The mcexec ABI this image speaks, published in the boot block for mcctrl to
// check (ihk_boot_param.user_abi), behind a tag that finds it in the image
// file too (`grep -a MCKABI=`): an image and a mcctrl.ko of different
// releases must refuse to run programs, not misread each other's messages.
// Volatile: read from the image, not folded into the code.
struct ImageAbiTag {
    char tag[8];
    uint32_t version;
};
[[gnu::used]] const volatile ImageAbiTag image_abi_tag = {"MCKABI=", MCEXEC_ABI_VERSION};

void fault_on_purpose()
{
    kprintf("test_fault: faulting on purpose");
    volatile uint64_t* bad;
    asm volatile("mov $0x10, %0" : "=r"(bad)); // hidden from the compiler's checks
    *bad = 1;
}

// The lock-order check must stop this (lib/spinlock.h).
void lock_order_on_purpose()
{
    kprintf("test_fault: taking two locks out of order");
    SpinLock inner(LockRank::Pages), outer(LockRank::Process);
    SpinLockGuard a(inner);
    SpinLockGuard b(outer);
    kprintf("test_fault: the lock-order check let it pass");
}

void log_topology(const ihk_boot_param& bp)
{
    for (uint32_t i = 0; i < bp.num_cpus; i++) {
        const ihk_boot_cpu& c = bp.cpus[i];
        kprintf("cpu %u: Linux CPU %u, APIC id %u, NUMA node %d, offloads to Linux CPU %u", i, c.linux_cpu,
                c.apic_id, c.numa_node, c.ikc_linux_cpu);
    }
}

[[noreturn]] void bsp_start(ihk_boot_param* bp)
{
    memset(__bss_start, 0, size_t(__bss_end - __bss_start));
    g_bp = bp;
    // Traps first: until our IDT is loaded, any fault or Linux's broadcast NMI
    // would meet the real-mode IVT and reset the machine.
    arch::idt_init();
    arch::cpu_init(0);
    lock_rank_start();
    for (auto** ctor = __init_array_start; ctor != __init_array_end; ctor++)
        (*ctor)();
    kmsg_init();
    if (bp->magic != IHK_BOOT_MAGIC || bp->version != IHK_BOOT_VERSION || bp->size != sizeof(ihk_boot_param))
        panic("boot parameters: magic 0x%x version %u size %u, expected 0x%x %u %zu", bp->magic, bp->version,
              bp->size, IHK_BOOT_MAGIC, IHK_BOOT_VERSION, sizeof(ihk_boot_param));
    kprintf("McKernel booting: %u CPU(s), %u memory chunk(s), TSC %lu kHz, %s mode APIC", bp->num_cpus, bp->num_mem,
            bp->tsc_khz, bp->x2apic ? "x2APIC" : "xAPIC");
    usage_cpu_up();
    kprintf("kernel arguments: \"%s\"", bp->kargs);
    kargs_parse(bp->kargs);

    uint64_t reserved_end = arch::paging_init(*bp);
    mem_init(reserved_end);
    if (kargs().test_fill_memory) {
        mem_test_fill(0xa5);
        kprintf("test_fill_memory: wrote 0xa5 over %lu MiB of free memory", mem_free_bytes(-1) >> 20);
    }
    if (kargs().test_check_memory)
        kprintf("test_check_memory: %lu non-zero bytes in %lu MiB of free memory", mem_test_count_nonzero(),
                mem_free_bytes(-1) >> 20);
    arch::apic_init();
    log_topology(*bp);
    if (arch::apic_id() != bp->cpus[0].apic_id)
        panic("running on APIC id %u, expected %u", arch::apic_id(), bp->cpus[0].apic_id);

    ikc_init();
    smp_start_cpus();
    if (kargs().test_hang_cpu == 0) {
        kprintf("test_hang: cpu 0 stops responding");
        for (;;)
            arch::cpu_relax();
    }

    if (kargs().test_fault == KernelArgs::Fault::Boot)
        fault_on_purpose();
    if (kargs().test_fault == KernelArgs::Fault::LockOrder)
        lock_order_on_purpose();
    bp->user_abi = image_abi_tag.version;
    kprintf("McKernel running on %u CPU(s) with %lu MiB free, mcexec ABI %u", bp->cpus_up, mem_free_bytes(-1) >> 20,
            bp->user_abi);
    __atomic_store_n(&bp->status, IHK_LWK_RUNNING, __ATOMIC_RELEASE);
    if (kargs().test_fault == KernelArgs::Fault::Running) {
        arch::irq_enable(); // answer Linux's liveness probe meanwhile
        arch::delay_us(1000000); // let Linux see RUNNING first
        fault_on_purpose();
    }
    sched_idle();
}

[[noreturn]] void ap_main(void* arg)
{
    auto index = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(arg));
    arch::apic_init();
    if (arch::apic_id() != g_bp->cpus[index].apic_id)
        panic("CPU %u runs on APIC id %u, expected %u", index, arch::apic_id(), g_bp->cpus[index].apic_id);
    usage_cpu_up();
    kprintf("cpu %u up", index);
    __atomic_add_fetch(&g_bp->cpus_up, 1, __ATOMIC_RELEASE);
    if (int32_t(index) == kargs().test_hang_cpu) {
        kprintf("test_hang: cpu %u stops responding", index);
        arch::irq_disable();
        for (;;)
            arch::cpu_relax();
    }
    sched_idle();
}

} // namespace

const ihk_boot_param& boot_param() { return *g_bp; }
ihk_boot_param& boot_param_mut() { return *g_bp; }

void heartbeat() { __atomic_add_fetch(&g_bp->progress[arch::this_cpu()->index], 1, __ATOMIC_RELAXED); }

void cpu_entered_kernel()
{
    usage_cpu_state(IHK_LWK_CPU_KERNEL);
    __atomic_add_fetch(&g_bp->progress[arch::this_cpu()->index], 1, __ATOMIC_RELAXED);
}

void cpu_going_idle() { usage_cpu_state(IHK_LWK_CPU_IDLE); }

void cpu_going_user() { usage_cpu_state(IHK_LWK_CPU_USER); }

} // namespace mck

extern "C" void mck_switch_stack(uint64_t sp, void (*fn)(void*), void* arg);

// From entry.S, on a boot stack, interrupts off.
extern "C" [[noreturn]] void mck_start(ihk_boot_param* bp, uint32_t index)
{
    if (index == 0)
        mck::bsp_start(bp);
    // An AP loads its traps at once, then leaves the shared AP boot stack: the
    // next AP needs it. Its stacks were allocated before it was started.
    mck::arch::paging_load();
    mck::arch::cpu_init(index);
    mck_switch_stack(mck::arch::cpu(index).stack_top, mck::ap_main, reinterpret_cast<void*>(uintptr_t(index)));
    __builtin_unreachable();
}
