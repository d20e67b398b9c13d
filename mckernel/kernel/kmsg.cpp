// SPDX-License-Identifier: GPL-2.0
// The kernel message log: lines appended to the ring in the boot area that
// Linux reads with "ihkosctl N kmsg", each stamped with time since boot and CPU.
#include <kernel/boot.h>

#include <arch/cpu.h>
#include <arch/percpu.h>
#include <lib/format.h>
#include <lib/spinlock.h>

#include <stdarg.h>

namespace mck {
namespace {

SpinLock g_kmsg_lock{LockRank::Log};
uint64_t g_boot_tsc;

ihk_kmsg* ring()
{
    return reinterpret_cast<ihk_kmsg*>(IHK_LWK_BASE + IHK_KMSG_OFFSET);
}

void append(const char* s, size_t n)
{
    ihk_kmsg* k = ring();
    uint64_t head = k->head;
    for (size_t i = 0; i < n; i++)
        k->data[(head + i) & (k->size - 1)] = s[i];
    // Publish the bytes before the new head (x86 keeps store order; stop the compiler).
    asm volatile("" ::: "memory");
    k->head = head + n;
}

} // namespace

void kmsg_init()
{
    g_boot_tsc = arch::rdtsc();
}

void kprintf_va(const char* fmt, va_list ap)
{
    char line[512];
    uint64_t us = arch::tsc_to_us(arch::rdtsc() - g_boot_tsc);
    // Before cpu_init() a CPU has no GS base (INIT cleared it); only the boot
    // CPU logs that early.
    uint64_t gs = arch::rdmsr(arch::MSR_GS_BASE);
    uint32_t cpu = gs ? reinterpret_cast<arch::Cpu*>(gs)->index : 0;
    size_t n = format(line, sizeof line, "[%5u.%06u] %u: ", unsigned(us / 1000000), unsigned(us % 1000000), cpu);
    n += vformat(line + n, sizeof line - n, fmt, ap);
    if (n == 0 || line[n - 1] != '\n') {
        if (n + 1 >= sizeof line)
            n = sizeof line - 2;
        line[n++] = '\n';
        line[n] = '\0';
    }
    // A CPU that faulted while holding the lock must still be able to log its
    // panic: after a bounded wait, write without it.
    uint64_t flags;
    asm volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
    bool locked = g_kmsg_lock.try_lock(10'000'000);
    append(line, n);
    if (locked)
        g_kmsg_lock.unlock();
    if (flags & (1 << 9))
        asm volatile("sti" ::: "memory");
}

void kprintf(const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kprintf_va(fmt, ap);
    va_end(ap);
}

void panic(const char* fmt, ...)
{
    arch::irq_disable();
    va_list ap;
    va_start(ap, fmt);
    char msg[256];
    vformat(msg, sizeof msg, fmt, ap);
    va_end(ap);
    __atomic_store_n(&boot_param_mut().status, IHK_LWK_PANIC, __ATOMIC_RELEASE);
    kprintf("PANIC: %s", msg);
    arch::halt_forever();
}

} // namespace mck
