// SPDX-License-Identifier: GPL-2.0
// User page tables (arch/x86_64/mmu.cpp) on fake physical memory: what
// mcexec --report counts of them.
#include "fake.h"

#include <arch/mmu.h>
#include <arch/paging.h>
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

} // namespace
