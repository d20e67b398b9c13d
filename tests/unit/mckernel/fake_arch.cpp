// SPDX-License-Identifier: GPL-2.0
// The fake arch/ of the host tests: physical memory in one host mapping, a
// clock the test moves, a per-thread interrupt flag, and user copies that go
// through the process's real page tables (mmu.cpp) and fault where they would.
#include "fake.h"

#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/usercopy.h>
#include <kernel/vm.h>
#include <mcexec/abi.h>

#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace fake {
namespace {

uint8_t* g_phys = [] {
    void* m = mmap(nullptr, PHYS_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        perror("fake physical memory");
        abort();
    }
    madvise(m, PHYS_SIZE, MADV_HUGEPAGE); // tests that fill 1 GiB pages fault far less
    return static_cast<uint8_t*>(m);
}();

thread_local bool t_irq_on = true;
std::atomic<uint64_t> g_tsc{1000000000000ull}; // any start; tests use differences
uint64_t g_fault_lo, g_fault_hi;
thread_local mck::arch::Cpu g_cpu{}; // each host thread is a CPU (its own held-lock set)

} // namespace

uint8_t* host(uint64_t phys)
{
    if (phys < PHYS_BASE || phys >= PHYS_BASE + PHYS_SIZE) {
        fprintf(stderr, "fake arch: phys_to_virt(0x%lx) outside fake physical memory\n", phys);
        abort();
    }
    return g_phys + (phys - PHYS_BASE);
}

void zero_phys(uint64_t phys, uint64_t bytes)
{
    // Fresh zero pages from the host, without writing them.
    madvise(host(phys), bytes, MADV_DONTNEED);
}

uint64_t now_tsc() { return g_tsc.load(); }
void tsc_advance(uint64_t ns) { g_tsc += ns; }

void fault_user_range(uint64_t lo, uint64_t hi)
{
    g_fault_lo = lo;
    g_fault_hi = hi;
}

std::map<uint32_t, uint64_t> msrs;

} // namespace fake

namespace mck::arch {

uint64_t rdmsr(uint32_t) { abort(); }
void wrmsr(uint32_t msr, uint64_t v) { fake::msrs[msr] = v; }
uint64_t rdtsc() { return fake::now_tsc(); }
void cpu_relax() {}
void irq_disable() { fake::t_irq_on = false; }
void irq_enable() { fake::t_irq_on = true; }
void irq_enable_and_halt() { abort(); }
uint64_t irq_save()
{
    uint64_t flags = fake::t_irq_on ? 1 << 9 : 0;
    fake::t_irq_on = false;
    return flags;
}
void irq_restore(uint64_t flags) { fake::t_irq_on = flags & (1 << 9); }
bool irq_enabled() { return fake::t_irq_on; }
uint64_t read_cr2() { abort(); }
// Only the kernel's own tables are "loaded": no user space is, so
// mmu_flush_local() has nothing to flush.
void write_cr3(uint64_t v)
{
    if (v != fake::PHYS_BASE)
        abort(); // only a flush of the kernel's tables (pat_init)
}
uint64_t read_cr3() { return fake::PHYS_BASE; }
void halt_forever() { abort(); }
void cpuid(uint32_t, uint32_t, uint32_t*, uint32_t*, uint32_t*, uint32_t*) { abort(); }
void invlpg(uint64_t) {}
Cpu* this_cpu() { return &fake::g_cpu; }
void* phys_to_virt(uint64_t phys) { return fake::host(phys); }

} // namespace mck::arch

namespace {

// Copy @n bytes between the kernel (host memory) and user address @user of the
// current process, page by page through its page tables, as the CPU would: a
// page not mapped is demand-faulted (vm_fault_for_kernel) only with interrupts
// on, as trap.cpp does. Returns the bytes not copied.
uint64_t user_copy(uint64_t user, uint8_t* kernel, uint64_t n, bool write)
{
    mck::Thread* t = mck::current();
    uint64_t done = 0;
    while (done < n) {
        uint64_t va = user + done;
        uint64_t chunk = 4096 - (va & 4095);
        if (chunk > n - done)
            chunk = n - done;
        if (va >= fake::g_fault_lo && va < fake::g_fault_hi)
            return n - done;
        uint64_t pa, size;
        uint32_t prot;
        bool ok = t && t->proc && mck::arch::mmu_lookup(t->proc->root, va, &pa, &prot, &size);
        if (!ok && t && t->proc && mck::arch::irq_enabled() && mck::vm_fault_for_kernel(va, write))
            ok = mck::arch::mmu_lookup(t->proc->root, va, &pa, &prot, &size);
        if (!ok || !(prot & mck::arch::PROT_R) || (write && !(prot & mck::arch::PROT_W)))
            return n - done;
        if (write)
            memcpy(fake::host(pa), kernel + done, chunk);
        else
            memcpy(kernel + done, fake::host(pa), chunk);
        done += chunk;
    }
    return 0;
}

bool is_user(const void* p) { return reinterpret_cast<uint64_t>(p) < MCK_USER_END; }

} // namespace

extern "C" uint64_t mck_user_copy(void* dst, const void* src, uint64_t n)
{
    if (is_user(dst) == is_user(src)) {
        fprintf(stderr, "fake arch: mck_user_copy(%p, %p): exactly one side must be a user address\n", dst, src);
        abort();
    }
    if (is_user(dst))
        return user_copy(reinterpret_cast<uint64_t>(dst), static_cast<uint8_t*>(const_cast<void*>(src)), n, true);
    return user_copy(reinterpret_cast<uint64_t>(src), static_cast<uint8_t*>(dst), n, false);
}

extern "C" int mck_user_load32(uint32_t* dst, const uint32_t* src)
{
    return user_copy(reinterpret_cast<uint64_t>(src), reinterpret_cast<uint8_t*>(dst), 4, false) ? -EFAULT : 0;
}

namespace mck::arch {
uint64_t user_fault_fixup(uint64_t) { return 0; }
} // namespace mck::arch
