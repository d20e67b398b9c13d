// SPDX-License-Identifier: GPL-2.0
// Mapping the vDSO into a process and filling its data page (kernel/vdso.h).
#include <kernel/time.h>
#include <kernel/vdso.h>
#include <kernel/vm.h>
#include <vdso/vvar.h>

#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/paging.h>

extern "C" const uint8_t mck_vdso_image[], mck_vdso_image_end[];
extern "C" void* memcpy(void*, const void*, size_t);

namespace mck {
namespace {

static_assert(MCK_VVAR_BASE + arch::PAGE_4K == MCK_VDSO_BASE, "vdso.lds: the data page is one page below");
static_assert(sizeof(mck_vvar) <= arch::PAGE_4K);

// The kernel's view of the page behind user address @va of @p (mapped by SETUP).
void* page_of(Process* p, uint64_t va)
{
    uint64_t pa, size;
    uint32_t prot;
    if (!arch::mmu_lookup(p->root, va, &pa, &prot, &size))
        return nullptr;
    return arch::phys_to_virt(pa + (va & (size - 1)));
}

// The process's clock (kernel/time.cpp) for the vDSO, under its seqcount.
void publish_clock(Process* p, mck_vvar* v)
{
    __atomic_store_n(&v->seq, v->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    v->mult = tsc_mult();
    v->tsc_base = p->tsc_base;
    v->mono_base_ns = p->mono_base_ns;
    v->realtime_offset_ns = p->realtime_offset_ns;
    v->cpu_first = p->cpu_first;
    v->getcpu_mode = arch::user_cpu_id_insn();
    __atomic_store_n(&v->seq, v->seq + 1, __ATOMIC_RELEASE);
}

} // namespace

int64_t vdso_map(Process* p)
{
    uint64_t size = uint64_t(mck_vdso_image_end - mck_vdso_image);
    uint64_t len = (size + arch::PAGE_4K - 1) & ~(arch::PAGE_4K - 1);
    if (int64_t err = vm_setup_region(p, MCK_VVAR_BASE, arch::PAGE_4K, arch::PROT_R, VMA_SPECIAL))
        return err;
    if (int64_t err = vm_setup_region(p, MCK_VDSO_BASE, len, arch::PROT_R | arch::PROT_X, VMA_SPECIAL))
        return err;
    // Fresh pages from SETUP: zeroed, 4 KiB each (the regions are not 2 MiB).
    auto* v = static_cast<mck_vvar*>(page_of(p, MCK_VVAR_BASE));
    if (!v)
        return -12; // ENOMEM
    publish_clock(p, v);
    for (uint64_t off = 0; off < size; off += arch::PAGE_4K) {
        void* dst = page_of(p, MCK_VDSO_BASE + off);
        if (!dst)
            return -12;
        memcpy(dst, mck_vdso_image + off, size - off < arch::PAGE_4K ? size - off : arch::PAGE_4K);
    }
    return 0;
}

} // namespace mck
