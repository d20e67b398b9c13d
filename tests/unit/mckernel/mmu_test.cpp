// SPDX-License-Identifier: GPL-2.0
// User page tables (arch/x86_64/mmu.cpp) on fake physical memory: what
// mcexec --report counts of them.
#include "fake.h"

#include <arch/mmu.h>
#include <arch/paging.h>
#include <kernel/boot.h>
#include <kernel/mem.h>

#include <gtest/gtest.h>

namespace {

constexpr uint64_t K4 = 4096, M2 = 2ull << 20, G1 = 1ull << 30;

TEST(MmuTables, BytesCountEveryUserTable)
{
    fake::boot(64ull << 20);
    uint64_t root = mck::arch::mmu_new_space();
    ASSERT_NE(root, 0u);
    EXPECT_EQ(mck::arch::mmu_table_bytes(root), K4) << "the root alone";
    uint64_t page = mck::mem_alloc(K4, -1), big = mck::mem_alloc_aligned(M2, M2, -1);
    ASSERT_TRUE(page && big);
    // A 4 KiB page needs a PDPT, a PD and a PT; a 2 MiB page in the same GiB only the PD.
    ASSERT_TRUE(mck::arch::mmu_map(root, 0x400000, page, K4, mck::arch::PROT_R | mck::arch::PROT_W));
    EXPECT_EQ(mck::arch::mmu_table_bytes(root), 4 * K4);
    ASSERT_TRUE(mck::arch::mmu_map(root, 0x600000, big, M2, mck::arch::PROT_R));
    EXPECT_EQ(mck::arch::mmu_table_bytes(root), 4 * K4) << "a 2 MiB page takes no PT";
    // Another GiB: a PD and a PT more.
    ASSERT_TRUE(mck::arch::mmu_map(root, G1 + 0x1000, page, K4, mck::arch::PROT_R));
    EXPECT_EQ(mck::arch::mmu_table_bytes(root), 6 * K4);
    EXPECT_EQ(mck::arch::mmu_table_bytes(0), 0u);
}

void no_free(uint64_t, uint64_t, void*) {}

// Frees what it is handed and counts it: table pages (prune) or mapped pages (free_space).
void count_freed(uint64_t phys, uint64_t size, void* ctx)
{
    ++*static_cast<uint64_t*>(ctx);
    mck::mem_free(phys, size);
}

// mcexec --report's page_table_bytes is the most a process had at once, and
// ihkosctl N get rusage the instance's now and most: tables munmap prunes
// leave the first and count down the second.
TEST(MmuTables, PeakStaysAfterPruneAndTheInstanceCountsEverySpace)
{
    fake::boot(64ull << 20);
    const ihk_lwk_rusage& u = mck::boot_param().rusage;
    uint64_t before = u.page_table_bytes;
    uint64_t a = mck::arch::mmu_new_space(), b = mck::arch::mmu_new_space();
    ASSERT_TRUE(a && b);
    EXPECT_EQ(u.page_table_bytes, before + 2 * K4) << "two roots";
    uint64_t page = mck::mem_alloc(K4, -1), big = mck::mem_alloc_aligned(M2, M2, -1);
    ASSERT_TRUE(page && big);
    ASSERT_TRUE(mck::arch::mmu_map(a, 0x400000, page, K4, mck::arch::PROT_R));
    ASSERT_TRUE(mck::arch::mmu_map(b, 0x600000, big, M2, mck::arch::PROT_R | mck::arch::PROT_W));
    EXPECT_EQ(mck::arch::mmu_table_bytes(a), 4 * K4);
    EXPECT_EQ(mck::arch::mmu_table_bytes(b), 3 * K4);
    // Protecting half of the 2 MiB page splits it: one PT more.
    ASSERT_TRUE(mck::arch::mmu_protect(b, 0x600000, M2 / 2, mck::arch::PROT_R));
    EXPECT_EQ(mck::arch::mmu_table_bytes(b), 4 * K4);
    EXPECT_EQ(u.page_table_bytes, before + 8 * K4);
    // Unmap and prune a: back to its root, its peak stays.
    ASSERT_TRUE(mck::arch::mmu_unmap(a, 0x400000, K4, no_free, nullptr));
    uint64_t pruned = 0;
    mck::arch::mmu_prune(a, 0x400000, K4, count_freed, &pruned);
    EXPECT_EQ(pruned, 3u) << "its PT, PD and PDPT";
    EXPECT_EQ(mck::arch::mmu_table_bytes(a), K4);
    EXPECT_EQ(mck::arch::mmu_table_peak_bytes(a), 4 * K4);
    EXPECT_EQ(u.page_table_bytes, before + 5 * K4);
    EXPECT_GE(u.page_table_peak, before + 8 * K4);
    // Mapping again reaches the old peak, not beyond it.
    ASSERT_TRUE(mck::arch::mmu_map(a, 0x400000, page, K4, mck::arch::PROT_R));
    EXPECT_EQ(mck::arch::mmu_table_peak_bytes(a), 4 * K4);
    // Freeing the spaces gives back every table and both count pages.
    uint64_t free_before = mck::mem_free_bytes(-1);
    uint64_t pages = 0;
    mck::arch::mmu_free_space(a, count_freed, &pages);
    mck::arch::mmu_free_space(b, count_freed, &pages);
    EXPECT_EQ(pages, 1u + 512u) << "the 4 KiB page, and the split 2 MiB one as 512";
    EXPECT_EQ(u.page_table_bytes, before);
    EXPECT_EQ(mck::mem_free_bytes(-1), free_before + (4 + 4 + 2) * K4 + K4 + M2)
        << "8 tables, 2 count pages and the mapped pages";
}

using mck::arch::Cache;

// The memory type the PAT gives PTE bits @e (PWT, PCD, PAT of a 4 KiB entry),
// in the PAT's own encoding (0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC-).
unsigned pat_type(uint64_t pat, uint64_t e)
{
    unsigned index = ((e & 0x80) ? 4 : 0) | ((e & 0x10) ? 2 : 0) | ((e & 0x8) ? 1 : 0);
    return (pat >> (8 * index)) & 0xff;
}

// Linux's layout, as its boot log prints it: "WB WC UC- UC WB WP UC- WT".
TEST(MmuCache, PatIsLinuxsAndEveryTypeEncodesToItself)
{
    fake::msrs.clear();
    mck::arch::pat_init();
    ASSERT_EQ(fake::msrs.count(0x277), 1u);
    uint64_t pat = fake::msrs[0x277];
    EXPECT_EQ(pat, 0x0407050600070106ull);
    const unsigned want[mck::arch::CACHE_TYPES] = {6, 1, 7, 0, 4, 5}; // WB WC UC- UC WT WP
    for (unsigned c = 0; c < mck::arch::CACHE_TYPES; c++)
        EXPECT_EQ(pat_type(pat, mck::arch::cache_bits(Cache(c))), want[c]) << "type " << c;
}

TEST(MmuCache, DevicePagesKeepTheirTypeThroughProtectAndMove)
{
    fake::boot(64ull << 20);
    uint64_t root = mck::arch::mmu_new_space();
    ASSERT_NE(root, 0u);
    const uint64_t device = 0xfe000000ull, va = 0x400000;
    const uint32_t rw = mck::arch::PROT_R | mck::arch::PROT_W;
    for (unsigned c = 0; c < mck::arch::CACHE_TYPES; c++)
        ASSERT_TRUE(mck::arch::mmu_map(root, va + c * K4, device + c * K4, K4, rw, Cache(c)));
    for (unsigned c = 0; c < mck::arch::CACHE_TYPES; c++)
        EXPECT_EQ(mck::arch::mmu_cache(root, va + c * K4), Cache(c));
    ASSERT_TRUE(mck::arch::mmu_protect(root, va, mck::arch::CACHE_TYPES * K4, 0)); // PROT_NONE and back
    ASSERT_TRUE(mck::arch::mmu_protect(root, va, mck::arch::CACHE_TYPES * K4, mck::arch::PROT_R));
    ASSERT_TRUE(mck::arch::mmu_move(root, va, va + M2, mck::arch::CACHE_TYPES * K4));
    for (unsigned c = 0; c < mck::arch::CACHE_TYPES; c++) {
        uint64_t pa = 0, size = 0;
        uint32_t prot = 0;
        ASSERT_TRUE(mck::arch::mmu_lookup(root, va + M2 + c * K4, &pa, &prot, &size));
        EXPECT_EQ(pa, device + c * K4);
        EXPECT_EQ(prot, mck::arch::PROT_R);
        EXPECT_EQ(mck::arch::mmu_cache(root, va + M2 + c * K4), Cache(c)) << "type " << c;
    }
    // Write-back is what every other mapping gets; 2 MiB pages only that.
    uint64_t big = mck::mem_alloc_aligned(M2, M2, -1);
    EXPECT_FALSE(mck::arch::mmu_map(root, G1, big, M2, rw, Cache::Uncached));
    ASSERT_TRUE(mck::arch::mmu_map(root, G1, big, M2, rw));
    EXPECT_EQ(mck::arch::mmu_cache(root, G1), Cache::WriteBack);
}

} // namespace
