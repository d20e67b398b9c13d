// SPDX-License-Identifier: GPL-2.0
// Page tables: 2 MiB pages for the image and the direct map, 4 KiB pages for
// the local APIC (uncached), the SIPI trampoline page and one window per CPU.
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <kernel/boot.h>

extern "C" void* memset(void*, int, size_t);

namespace mck::arch {
namespace {

constexpr uint64_t PRESENT = 1, WRITE = 2, PWT = 8, PCD = 0x10, HUGE = 0x80, GLOBAL = 0x100;
constexpr uint64_t NX = 1ull << 63;
constexpr uint64_t ADDR_MASK = 0x000ffffffffff000ull;
constexpr uint64_t PAGE_2M = 2ull << 20;

uint64_t g_pml4;
uint64_t g_base;      // P: physical address IHK_LWK_BASE maps
uint64_t g_bump, g_bump_end;
volatile uint32_t* g_lapic;
void* g_trampoline;
// The windows (map_window): a PML4 slot of their own, made here, before any
// user space copies the kernel half (mmu_new_space), so every space has them.
constexpr uint64_t WINDOW_BASE = 0xffffc90000000000ull;
static_assert(IHK_BOOT_MAX_CPUS <= 512, "the windows' entries are one page table");
uint64_t* g_window_pte; // entry i: CPU i's window

// Before the switch, tables are reached through the image mapping of P.
uint64_t* table_virt(uint64_t phys) { return reinterpret_cast<uint64_t*>(IHK_LWK_BASE + (phys - g_base)); }

uint64_t alloc_table()
{
    if (g_bump + 4096 > g_bump_end)
        panic("page tables do not fit in the boot mapping");
    uint64_t phys = g_bump;
    g_bump += 4096;
    memset(table_virt(phys), 0, 4096);
    return phys;
}

// The entry for @virt at @level (3: PML4 .. 1: PD), creating tables on the way.
uint64_t* walk(uint64_t virt, int stop_level)
{
    uint64_t* t = table_virt(g_pml4);
    for (int level = 3; level > stop_level; level--) {
        uint64_t& e = t[(virt >> (12 + 9 * level)) & 511];
        if (!(e & PRESENT))
            e = alloc_table() | PRESENT | WRITE;
        if (e & HUGE)
            return nullptr; // already covered by a large page
        t = table_virt(e & ADDR_MASK);
    }
    return &t[(virt >> (12 + 9 * stop_level)) & 511];
}

void map_2m(uint64_t virt, uint64_t phys, uint64_t flags)
{
    uint64_t* e = walk(virt, 1);
    if (e)
        *e = phys | flags | PRESENT | HUGE;
}

void* map_4k(uint64_t phys, uint64_t flags)
{
    uint64_t virt = DIRECT_BASE + (phys & ~0xfffull);
    uint64_t* e = walk(virt, 0);
    if (e)
        *e = (phys & ~0xfffull) | flags | PRESENT;
    return reinterpret_cast<void*>(DIRECT_BASE + phys);
}

} // namespace

uint64_t paging_init(const ihk_boot_param& bp)
{
    g_base = bp.phys_base;
    g_bump = (bp.image_end + 4095) & ~4095ull;
    // Tables come from the first extent, within what the trampoline mapped of it.
    g_bump_end = g_base + (bp.mem[0].size < IHK_BOOT_MAP_SIZE ? bp.mem[0].size : IHK_BOOT_MAP_SIZE);
    g_pml4 = alloc_table();

    // The image and boot area, where the trampoline's tables had them.
    uint64_t image_span = bp.mem[0].size < (1ull << 30) ? bp.mem[0].size : (1ull << 30);
    for (uint64_t off = 0; off < image_span; off += PAGE_2M)
        map_2m(IHK_LWK_BASE + off, g_base + off, WRITE | GLOBAL);
    // The direct map of every chunk; IHK hands out 2 MiB-aligned multiples of 2 MiB.
    for (uint32_t i = 0; i < bp.num_mem; i++)
        for (uint64_t off = 0; off < bp.mem[i].size; off += PAGE_2M)
            map_2m(DIRECT_BASE + bp.mem[i].phys + off, bp.mem[i].phys + off, WRITE | GLOBAL | NX);
    if (!bp.x2apic)
        g_lapic = static_cast<volatile uint32_t*>(map_4k(rdmsr(MSR_APIC_BASE) & ADDR_MASK, WRITE | PCD | PWT | NX));
    g_trampoline = map_4k(bp.trampoline_phys, WRITE | NX);
    g_window_pte = walk(WINDOW_BASE, 0);

    write_cr3(g_pml4);
    return g_bump;
}

void paging_load() { write_cr3(g_pml4); }
volatile uint32_t* lapic_mmio() { return g_lapic; }
void* trampoline_page() { return g_trampoline; }

void* map_window(uint64_t phys)
{
    uint32_t i = this_cpu()->index;
    uint64_t va = WINDOW_BASE + uint64_t(i) * 4096;
    __atomic_store_n(&g_window_pte[i], (phys & ADDR_MASK) | PRESENT | WRITE | NX, __ATOMIC_RELAXED);
    invlpg(va);
    return reinterpret_cast<void*>(va + (phys & 0xfff));
}

void unmap_window()
{
    uint32_t i = this_cpu()->index;
    __atomic_store_n(&g_window_pte[i], 0, __ATOMIC_RELAXED);
    invlpg(WINDOW_BASE + uint64_t(i) * 4096);
}

} // namespace mck::arch
