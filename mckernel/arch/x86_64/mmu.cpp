// SPDX-License-Identifier: GPL-2.0
// User page tables (arch/mmu.h). An inaccessible page stays in its entry with
// PRESENT clear and KEPT set, so mprotect(PROT_NONE) and back keeps the data.
//
// Every space is two pages: the root table, and after it a page of its own
// counts (struct SpaceCounts), so that the tables a space has and the most it
// ever had cost nothing to read; the instance's totals are in the boot block
// (ihkosctl N get rusage). Changes to one space are serialised by its caller;
// the instance's totals are atomic.
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/paging.h>
#include <kernel/boot.h>
#include <kernel/mem.h>
#include <mcexec/abi.h>

namespace mck::arch {
namespace {

constexpr uint64_t PRESENT = 1, WRITE = 2, USER = 4, PWT = 8, PCD = 0x10, HUGE = 0x80, KEPT = 0x200, COW = 0x400;
static_assert(COW == MCK_PTE_COW, "mcctrl reads the copy-on-write bit");
constexpr uint64_t PAT_4K = 0x80; // in a 4 KiB entry, where a 2 MiB one has HUGE
constexpr uint64_t CACHE_4K = PWT | PCD | PAT_4K;

// Linux's PAT layout (arch/x86/mm/pat): entry i is the type of PTE bits
// PAT:PCD:PWT = i. The first four are what a CPU without PAT support has.
enum : uint64_t { PAT_UC = 0, PAT_WC = 1, PAT_WT = 4, PAT_WP = 5, PAT_WB = 6, PAT_UC_MINUS = 7 };
constexpr uint64_t LINUX_PAT = PAT_WB | PAT_WC << 8 | PAT_UC_MINUS << 16 | PAT_UC << 24 | PAT_WB << 32 |
                               PAT_WP << 40 | PAT_UC_MINUS << 48 | PAT_WT << 56;
constexpr uint64_t NX = 1ull << 63;
constexpr uint64_t ADDR_MASK = 0x000ffffffffff000ull;
constexpr uint64_t HUGE_ADDR_MASK = 0x000fffffffe00000ull;
constexpr uint64_t GIG_ADDR_MASK = 0x000fffffc0000000ull;

// What one entry at @level maps (0: a 4 KiB page, 1: 2 MiB, 2: 1 GiB), and
// the address bits of such a leaf entry.
constexpr uint64_t page_bytes(int level) { return PAGE_4K << (9 * level); }
constexpr uint64_t addr_mask(int level) { return level == 0 ? ADDR_MASK : level == 1 ? HUGE_ADDR_MASK : GIG_ADDR_MASK; }
constexpr int level_of(uint64_t size) { return size == PAGE_1G ? 2 : size == PAGE_2M ? 1 : 0; }

uint64_t* table(uint64_t phys) { return static_cast<uint64_t*>(phys_to_virt(phys)); }

// The page after a space's root: its table pages (the root included).
struct SpaceCounts {
    uint64_t tables;
    uint64_t tables_peak;
};
SpaceCounts& counts(uint64_t root) { return *static_cast<SpaceCounts*>(phys_to_virt(root + PAGE_4K)); }

// The instance's user page tables, for Linux: bytes now and the most at once.
void instance_tables(int64_t pages)
{
    ihk_lwk_rusage& u = boot_param_mut().rusage;
    uint64_t now = __atomic_add_fetch(&u.page_table_bytes, uint64_t(pages * int64_t(PAGE_4K)), __ATOMIC_RELAXED);
    uint64_t old = __atomic_load_n(&u.page_table_peak, __ATOMIC_RELAXED);
    while (now > old && !__atomic_compare_exchange_n(&u.page_table_peak, &old, now, true, __ATOMIC_RELAXED,
                                                      __ATOMIC_RELAXED)) {
    }
}

// A zeroed table page for @root's space, counted; 0 when out of memory.
uint64_t new_table(uint64_t root)
{
    uint64_t phys = mem_alloc(PAGE_4K, -1);
    if (!phys)
        return 0;
    SpaceCounts& c = counts(root);
    if (++c.tables > c.tables_peak)
        c.tables_peak = c.tables;
    instance_tables(1);
    return phys;
}

// A table page of @root's space is no longer part of it (freed now or later).
void table_gone(uint64_t root)
{
    counts(root).tables--;
    instance_tables(-1);
}

unsigned idx(uint64_t va, int level) { return (va >> (12 + 9 * level)) & 511; }
bool owned(uint64_t e) { return e & (PRESENT | KEPT); }

uint64_t leaf_flags(uint32_t prot)
{
    uint64_t cow = (prot & PROT_COW) ? COW : 0;
    if (!(prot & (PROT_R | PROT_W | PROT_X)))
        return KEPT | USER | cow;
    uint64_t f = PRESENT | USER | cow;
    if ((prot & PROT_W) && !cow)
        f |= WRITE;
    if (!(prot & PROT_X))
        f |= NX;
    return f;
}

uint32_t prot_of(uint64_t e)
{
    if (!(e & PRESENT))
        return 0;
    return PROT_R | ((e & WRITE) ? PROT_W : 0) | ((e & NX) ? 0 : PROT_X) | ((e & COW) ? PROT_COW : 0);
}

// The entry for @va at @level (2: PDPT, 1: PD, 0: PT), creating tables if
// @create; nullptr where a large page (kept or not) covers @va above @level.
uint64_t* walk(uint64_t root, uint64_t va, int level, bool create)
{
    uint64_t* t = table(root);
    for (int l = 3; l > level; l--) {
        uint64_t& e = t[idx(va, l)];
        if (!owned(e)) {
            if (!create)
                return nullptr;
            uint64_t phys = new_table(root);
            if (!phys)
                return nullptr;
            e = phys | PRESENT | WRITE | USER;
        }
        if (e & HUGE)
            return nullptr;
        t = table(e & ADDR_MASK);
    }
    return &t[idx(va, level)];
}

// Turn the large page in @e, a level-@level entry (2: 1 GiB, 1: 2 MiB), into
// a table of 512 pages of the next size down with the same flags.
bool split(uint64_t root, uint64_t* e, int level)
{
    uint64_t phys = new_table(root);
    if (!phys)
        return false;
    uint64_t mask = addr_mask(level), base = *e & mask, flags = *e & ~mask;
    if (level == 1)
        flags &= ~HUGE; // the PAT bit of a 4 KiB entry; write-back: clear
    uint64_t* t = table(phys);
    for (unsigned i = 0; i < 512; i++)
        t[i] = (base + i * page_bytes(level - 1)) | flags;
    *e = phys | PRESENT | WRITE | USER;
    return true;
}

// Visit the leaf entries of [va, end): fn(entry, va, size). Large pages only
// partly inside are split first. False when a split ran out of memory.
template <typename Fn>
bool for_each_leaf(uint64_t root, uint64_t va, uint64_t end, Fn fn)
{
    while (va < end) {
        uint64_t* pdpte = walk(root, va, 2, false);
        uint64_t next1g = (va + PAGE_1G) & ~(PAGE_1G - 1);
        if (!pdpte || !owned(*pdpte)) {
            va = next1g;
            continue;
        }
        if (*pdpte & HUGE) {
            if (!(va & (PAGE_1G - 1)) && next1g <= end) {
                fn(pdpte, va, PAGE_1G);
                va = next1g;
                continue;
            }
            if (!split(root, pdpte, 2))
                return false;
        }
        uint64_t* pde = &table(*pdpte & ADDR_MASK)[idx(va, 1)];
        uint64_t next2m = (va + PAGE_2M) & ~(PAGE_2M - 1);
        if (*pde & HUGE) {
            if (!(va & (PAGE_2M - 1)) && next2m <= end) {
                fn(pde, va, PAGE_2M);
                va = next2m;
                continue;
            }
            if (!split(root, pde, 1))
                return false;
        }
        if (!(*pde & PRESENT)) {
            va = next2m;
            continue;
        }
        uint64_t* pt = table(*pde & ADDR_MASK);
        for (; va < end && va < next2m; va += PAGE_4K)
            if (owned(pt[idx(va, 0)]))
                fn(&pt[idx(va, 0)], va, PAGE_4K);
    }
    return true;
}

// Free the tables under @phys (a level-@level table of @root's space) and it.
void free_tables(uint64_t root, uint64_t phys, int level, PageFreeFn fn, void* ctx)
{
    uint64_t* t = table(phys);
    for (unsigned i = 0; i < (level == 3 ? 256u : 512u); i++) {
        uint64_t e = t[i];
        if (!owned(e))
            continue;
        if (level == 0 || (e & HUGE))
            fn(e & addr_mask(level), page_bytes(level), ctx);
        else
            free_tables(root, e & ADDR_MASK, level - 1, fn, ctx);
    }
    table_gone(root);
    mem_free(phys, PAGE_4K);
}

uint64_t g_kernel_root;

} // namespace

void pat_init()
{
    constexpr uint32_t MSR_PAT = 0x277;
    // Entries 0 (WB) and 3 (UC), all that is mapped yet, keep their types:
    // no cache flush needed, only stale TLB entries of the others go.
    wrmsr(MSR_PAT, LINUX_PAT);
    write_cr3(read_cr3());
}

uint64_t cache_bits(Cache c)
{
    switch (c) {
    case Cache::WriteBack:
        return 0;
    case Cache::WriteCombining:
        return PWT;
    case Cache::UncachedMinus:
        return PCD;
    case Cache::Uncached:
        return PCD | PWT;
    case Cache::WriteProtect:
        return PAT_4K | PWT;
    case Cache::WriteThrough:
        return PAT_4K | PCD | PWT;
    }
    return PCD | PWT; // not reached: the strongest type for anything else
}

Cache mmu_cache(uint64_t root, uint64_t va)
{
    uint64_t* e = walk(root, va, 0, false);
    if (!e || !owned(*e))
        return Cache::WriteBack;
    for (unsigned c = 0; c < CACHE_TYPES; c++)
        if ((*e & CACHE_4K) == cache_bits(Cache(c)))
            return Cache(c);
    return Cache::Uncached;
}

uint64_t mmu_table_bytes(uint64_t root) { return root ? counts(root).tables * PAGE_4K : 0; }

uint64_t mmu_table_peak_bytes(uint64_t root) { return root ? counts(root).tables_peak * PAGE_4K : 0; }

uint64_t mmu_kernel_space()
{
    if (!g_kernel_root)
        g_kernel_root = read_cr3() & ADDR_MASK;
    return g_kernel_root;
}

uint64_t mmu_new_space()
{
    uint64_t root = mem_alloc(2 * PAGE_4K, -1); // the root table, then its SpaceCounts
    if (!root)
        return 0;
    counts(root) = SpaceCounts{1, 1};
    instance_tables(1);
    const uint64_t* k = table(mmu_kernel_space());
    uint64_t* t = table(root);
    for (unsigned i = 256; i < 512; i++)
        t[i] = k[i];
    return root;
}

void mmu_free_space(uint64_t root, PageFreeFn fn, void* ctx)
{
    free_tables(root, root, 3, fn, ctx);
    mem_free(root + PAGE_4K, PAGE_4K);
}

bool mmu_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint32_t prot, Cache cache)
{
    int level = level_of(size);
    if (level && cache != Cache::WriteBack)
        return false;
    uint64_t* e = walk(root, va, level, true);
    if (!e || (level && (*e & PRESENT) && !(*e & HUGE)))
        return false; // a table hangs where the large page goes (callers ask mmu_block_empty first)
    *e = pa | leaf_flags(prot) | (level ? HUGE : cache_bits(cache));
    return true;
}

bool mmu_unmap(uint64_t root, uint64_t va, uint64_t len, PageFreeFn fn, void* ctx)
{
    return for_each_leaf(root, va, va + len, [&](uint64_t* e, uint64_t, uint64_t size) {
        fn(*e & addr_mask(level_of(size)), size, ctx);
        *e = 0;
    });
}

namespace {

// The entry a moved large page of @size takes whole at @dst, or nullptr when
// it must go in pieces of the next size down: @dst is not aligned to @size,
// or a table hangs there already.
uint64_t* whole_slot(uint64_t root, uint64_t dst, uint64_t size, bool create)
{
    if (dst & (size - 1))
        return nullptr;
    uint64_t* e = walk(root, dst, level_of(size), create);
    return e && !((*e & PRESENT) && !(*e & HUGE)) ? e : nullptr;
}

// The tables a page of @size needs at @dst: whole where it can go whole, else
// for its pieces. False when out of memory.
bool prepare_slot(uint64_t root, uint64_t dst, uint64_t size)
{
    if (size == PAGE_4K)
        return walk(root, dst, 0, true) != nullptr;
    if (whole_slot(root, dst, size, true))
        return true;
    for (uint64_t off = 0; off < size; off += size / 512)
        if (!prepare_slot(root, dst + off, size / 512))
            return false;
    return true;
}

// Put the leaf entry @e of a page of @size at @dst, as prepare_slot planned.
void place(uint64_t root, uint64_t dst, uint64_t e, uint64_t size)
{
    if (size == PAGE_4K) {
        *walk(root, dst, 0, false) = e;
    } else if (uint64_t* slot = whole_slot(root, dst, size, false)) {
        *slot = e;
    } else {
        int level = level_of(size);
        uint64_t base = e & addr_mask(level), flags = e & ~addr_mask(level);
        if (level == 1)
            flags &= ~HUGE; // the PAT bit of a 4 KiB entry; write-back: clear
        for (uint64_t off = 0; off < size; off += size / 512)
            place(root, dst + off, (base + off) | flags, size / 512);
    }
}

} // namespace

bool mmu_move(uint64_t root, uint64_t from, uint64_t to, uint64_t len)
{
    // First every table the new place needs, so the move itself cannot fail halfway.
    bool tables = true;
    bool walked = for_each_leaf(root, from, from + len, [&](uint64_t*, uint64_t va, uint64_t size) {
        if (!prepare_slot(root, to + (va - from), size))
            tables = false;
    });
    if (!walked || !tables)
        return false;
    for_each_leaf(root, from, from + len, [&](uint64_t* e, uint64_t va, uint64_t size) {
        place(root, to + (va - from), *e, size);
        *e = 0;
    });
    return true;
}

namespace {

bool table_empty(uint64_t phys)
{
    const uint64_t* t = table(phys);
    for (unsigned i = 0; i < 512; i++)
        if (t[i])
            return false;
    return true;
}

// Prune the tables below entry @e of a level-@level table (3: PML4), for [va, end).
// True when @e's table was unhooked.
bool prune(uint64_t root, uint64_t& e, int level, uint64_t va, uint64_t end, PageFreeFn fn, void* ctx)
{
    if (!(e & PRESENT) || (e & HUGE))
        return false;
    uint64_t phys = e & ADDR_MASK;
    if (level > 1) {
        uint64_t span = 1ull << (12 + 9 * (level - 1)); // what one entry below maps
        uint64_t* t = table(phys);
        for (uint64_t a = va & ~(span - 1); a < end; a += span)
            prune(root, t[idx(a, level - 1)], level - 1, a > va ? a : va, a + span < end ? a + span : end, fn, ctx);
    }
    if (!table_empty(phys))
        return false;
    e = 0;
    table_gone(root);
    fn(phys, PAGE_4K, ctx);
    return true;
}

} // namespace

void mmu_prune(uint64_t root, uint64_t va, uint64_t len, PageFreeFn fn, void* ctx)
{
    uint64_t end = va + len, span = 1ull << 39; // one PML4 entry
    uint64_t* pml4 = table(root);
    for (uint64_t a = va & ~(span - 1); a < end && idx(a, 3) < 256; a += span)
        prune(root, pml4[idx(a, 3)], 3, a > va ? a : va, a + span < end ? a + span : end, fn, ctx);
}

bool mmu_protect(uint64_t root, uint64_t va, uint64_t len, uint32_t prot)
{
    return for_each_leaf(root, va, va + len, [&](uint64_t* e, uint64_t, uint64_t size) {
        uint64_t addr = *e & addr_mask(level_of(size));
        *e = addr | leaf_flags(prot | ((*e & COW) ? PROT_COW : 0)) | (size != PAGE_4K ? HUGE : *e & CACHE_4K);
    });
}

bool mmu_lookup(uint64_t root, uint64_t va, uint64_t* pa, uint32_t* prot, uint64_t* page_size)
{
    uint64_t* pdpte = walk(root, va, 2, false);
    if (!pdpte || !owned(*pdpte))
        return false;
    if (*pdpte & HUGE) {
        *pa = (*pdpte & GIG_ADDR_MASK) + (va & (PAGE_1G - 1));
        *prot = prot_of(*pdpte);
        *page_size = PAGE_1G;
        return true;
    }
    uint64_t pde = table(*pdpte & ADDR_MASK)[idx(va, 1)];
    if (pde & HUGE) {
        if (!owned(pde))
            return false;
        *pa = (pde & HUGE_ADDR_MASK) + (va & (PAGE_2M - 1));
        *prot = prot_of(pde);
        *page_size = PAGE_2M;
        return true;
    }
    if (!(pde & PRESENT))
        return false;
    uint64_t pte = table(pde & ADDR_MASK)[idx(va, 0)];
    if (!owned(pte))
        return false;
    *pa = (pte & ADDR_MASK) + (va & (PAGE_4K - 1));
    *prot = prot_of(pte);
    *page_size = PAGE_4K;
    return true;
}

bool mmu_accessed(uint64_t root, uint64_t va)
{
    constexpr uint64_t ACCESSED = 0x20;
    uint64_t* pdpte = walk(root, va, 2, false);
    if (!pdpte || !owned(*pdpte))
        return false;
    if (*pdpte & HUGE)
        return *pdpte & ACCESSED;
    uint64_t pde = table(*pdpte & ADDR_MASK)[idx(va, 1)];
    if (pde & HUGE)
        return pde & ACCESSED;
    if (!(pde & PRESENT))
        return false;
    return table(pde & ADDR_MASK)[idx(va, 0)] & ACCESSED;
}

bool mmu_block_empty(uint64_t root, uint64_t va, uint64_t size)
{
    uint64_t* pdpte = walk(root, va, 2, false);
    if (!pdpte || !*pdpte)
        return true;
    if (size == PAGE_1G || (*pdpte & HUGE))
        return false; // a 1 GiB page, or tables under it (empty ones too: pruned only later)
    return !table(*pdpte & ADDR_MASK)[idx(va, 1)];
}

void mmu_flush_local(uint64_t root, uint64_t va, uint64_t len)
{
    if ((read_cr3() & ADDR_MASK) != root)
        return;
    if (len > 64 * PAGE_4K) {
        write_cr3(read_cr3());
        return;
    }
    for (uint64_t a = va & ~(PAGE_4K - 1); a < va + len; a += PAGE_4K)
        invlpg(a);
}

} // namespace mck::arch
