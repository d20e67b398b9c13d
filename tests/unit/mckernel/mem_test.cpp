// SPDX-License-Identifier: GPL-2.0
// The physical page allocator (kernel/mem.cpp) on fake physical memory.
#include "fake.h"

#include <kernel/mem.h>

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace {

using mck::mem_alloc;
using mck::mem_alloc_aligned;
using mck::mem_alloc_user;
using mck::mem_free;
using mck::mem_free_bytes;

constexpr uint64_t K4 = 4096, M2 = 2ull << 20, M = 1ull << 20;

class Mem : public ::testing::Test {
protected:
    void SetUp() override
    {
        fake::boot(64 * M);
        start = mem_free_bytes(-1);
    }
    uint64_t start = 0;
};

TEST(MemBoot, BitmapAndImageAreNotFree)
{
    fake::boot(64 * M);
    // 64 KiB of image, then the bitmaps (used, held, dropped) and the share
    // counts: 16384 pages, 3 x 2 KiB of bits and 32 KiB of counts, 26 pages in all.
    EXPECT_EQ(mem_free_bytes(-1), 64 * M - 64 * 1024 - 10 * K4);
    EXPECT_EQ(mck::mem_total_bytes(), 64 * M);
    EXPECT_TRUE(mck::mem_owns(fake::INSTANCE_PHYS));
    EXPECT_FALSE(mck::mem_owns(fake::LINUX_PHYS));
}

TEST(MemBoot, BootingAgainStartsOver)
{
    fake::boot(64 * M);
    uint64_t fresh = mem_free_bytes(-1);
    ASSERT_NE(mem_alloc(M, -1), 0u);
    fake::boot(64 * M);
    EXPECT_EQ(mem_free_bytes(-1), fresh);
    EXPECT_EQ(mck::mem_total_bytes(), 64 * M);
}

TEST_F(Mem, SinglePagesAreDistinctAndComeBack)
{
    std::vector<uint64_t> pages;
    for (int i = 0; i < 100; i++) {
        uint64_t pa = mem_alloc(K4, -1);
        ASSERT_NE(pa, 0u);
        EXPECT_EQ(pa % K4, 0u);
        EXPECT_TRUE(mck::mem_owns(pa));
        for (uint64_t q : pages)
            ASSERT_NE(q, pa);
        pages.push_back(pa);
    }
    EXPECT_EQ(mem_free_bytes(-1), start - 100 * K4);
    for (uint64_t pa : pages)
        mem_free(pa, K4);
    EXPECT_EQ(mem_free_bytes(-1), start);
}

TEST_F(Mem, ContiguousRunsDoNotOverlap)
{
    uint64_t a = mem_alloc(5 * K4, -1), b = mem_alloc(3 * K4 + 1, -1), c = mem_alloc(K4, -1);
    ASSERT_TRUE(a && b && c);
    EXPECT_TRUE(b >= a + 5 * K4 || b + 4 * K4 <= a);
    EXPECT_TRUE(c >= b + 4 * K4 || c + K4 <= b); // 3 pages and a byte take 4
    EXPECT_EQ(mem_free_bytes(-1), start - 10 * K4);
    mem_free(b, 3 * K4 + 1);
    mem_free(a, 5 * K4);
    mem_free(c, K4);
    EXPECT_EQ(mem_free_bytes(-1), start);
}

TEST_F(Mem, AlignedRunsAreAligned)
{
    uint64_t small = mem_alloc(K4, -1); // so the next free page is not 2 MiB aligned
    uint64_t big = mem_alloc_aligned(2 * M2, M2, -1);
    ASSERT_NE(big, 0u);
    EXPECT_EQ(big % M2, 0u);
    uint64_t user = mem_alloc_user(M2, M2, -1);
    ASSERT_NE(user, 0u);
    EXPECT_EQ(user % M2, 0u);
    EXPECT_NE(user, big);
    mem_free(big, 2 * M2);
    mem_free(user, M2);
    mem_free(small, K4);
    EXPECT_EQ(mem_free_bytes(-1), start);
}

TEST_F(Mem, ExhaustionReturnsZeroAndEverythingComesBack)
{
    std::vector<uint64_t> pages;
    while (uint64_t pa = mem_alloc(K4, -1))
        pages.push_back(pa);
    EXPECT_EQ(mem_free_bytes(-1), 0u);
    EXPECT_EQ(pages.size() * K4, start);
    EXPECT_EQ(mem_alloc(K4, -1), 0u);
    EXPECT_EQ(mem_alloc_aligned(M2, M2, -1), 0u);
    EXPECT_EQ(mem_alloc_user(K4, K4, -1), 0u);
    for (uint64_t pa : pages)
        mem_free(pa, K4);
    EXPECT_EQ(mem_free_bytes(-1), start);
    // And all of it can be had again, in one piece where it is contiguous.
    uint64_t big = mem_alloc_aligned(32 * M, M2, -1);
    EXPECT_NE(big, 0u);
    mem_free(big, 32 * M);
}

TEST_F(Mem, TooLargeARequestFails)
{
    EXPECT_EQ(mem_alloc(128 * M, -1), 0u);
    EXPECT_EQ(mem_alloc_user(128 * M, M2, -1), 0u);
    EXPECT_EQ(mem_alloc(uint64_t(1) << 62, -1), 0u);
    EXPECT_EQ(mem_free_bytes(-1), start);
}

// Fragmented memory: no run of two free pages anywhere, so two pages fail
// although half the memory is free.
TEST_F(Mem, FragmentationFailsARunButNotAPage)
{
    std::vector<uint64_t> pages;
    while (uint64_t pa = mem_alloc(K4, -1))
        pages.push_back(pa);
    for (size_t i = 0; i < pages.size(); i += 2)
        mem_free(pages[i], K4);
    EXPECT_EQ(mem_alloc(2 * K4, -1), 0u);
    uint64_t one = mem_alloc(K4, -1);
    EXPECT_NE(one, 0u);
    mem_free(one, K4);
    for (size_t i = 1; i < pages.size(); i += 2)
        mem_free(pages[i], K4);
    EXPECT_EQ(mem_free_bytes(-1), start);
}

// A program's memory never takes the kernel's last 1/64 (at least 4 MiB);
// the kernel's own allocations may.
TEST_F(Mem, UserAllocationsLeaveTheReserve)
{
    constexpr uint64_t reserve = 4 * M; // 64 MiB / 64 = 1 MiB, raised to the 4 MiB minimum
    std::vector<std::pair<uint64_t, uint64_t>> got;
    while (uint64_t pa = mem_alloc_user(M2, M2, -1))
        got.push_back({pa, M2});
    while (uint64_t pa = mem_alloc_user(K4, K4, -1))
        got.push_back({pa, K4});
    EXPECT_EQ(mem_free_bytes(-1), reserve);
    EXPECT_EQ(mem_alloc_user(K4, K4, -1), 0u);
    // The kernel gets the reserve, to the last page.
    uint64_t k = mem_alloc(K4, -1);
    EXPECT_NE(k, 0u);
    got.push_back({k, K4});
    while (uint64_t pa = mem_alloc(K4, -1))
        got.push_back({pa, K4});
    EXPECT_EQ(mem_free_bytes(-1), 0u);
    for (auto [pa, n] : got)
        mem_free(pa, n);
    EXPECT_EQ(mem_free_bytes(-1), start);
}

TEST(MemReserve, IsOneSixtyFourthUpTo64MiB)
{
    // 384 MiB: 6 MiB reserved.
    fake::boot(384 * M);
    uint64_t free_bytes = mem_free_bytes(-1);
    std::vector<uint64_t> got;
    while (uint64_t pa = mem_alloc_user(K4, K4, -1))
        got.push_back(pa);
    uint64_t reserve = mem_free_bytes(-1);
    EXPECT_EQ(reserve / K4, free_bytes / K4 / 64);
    for (uint64_t pa : got)
        mem_free(pa, K4);
}

// Pages that were never handed out are zero (IHK hands memory over zeroed)
// and are not written again; pages used before are zeroed.
TEST_F(Mem, OnlyReusedPagesAreZeroed)
{
    uint64_t a = mem_alloc(K4, -1);
    ASSERT_NE(a, 0u);
    // The allocator hands out the next page next (next fit). Mark it behind the
    // allocator's back: if it were zeroed again, the mark would go.
    memset(fake::host(a + K4), 0x5a, K4);
    uint64_t b = mem_alloc(K4, -1);
    ASSERT_EQ(b, a + K4);
    EXPECT_EQ(fake::host(b)[0], 0x5a);
    EXPECT_EQ(fake::host(b)[K4 - 1], 0x5a);
    // a was used: dirtied, freed and handed out again, it must read as zero.
    memset(fake::host(a), 0xa5, K4);
    mem_free(a, K4);
    uint64_t again = mem_alloc(K4, -1);
    ASSERT_EQ(again, a);
    for (uint64_t i = 0; i < K4; i++)
        ASSERT_EQ(fake::host(again)[i], 0) << "byte " << i;
    mem_free(again, K4);
    mem_free(b, K4);
}

// A run over used and never-used pages: the used part is zeroed, the rest is not written.
TEST_F(Mem, ARunOverTheWatermarkZeroesOnlyItsUsedPart)
{
    uint64_t a = mem_alloc(2 * K4, -1);
    ASSERT_NE(a, 0u);
    memset(fake::host(a), 0xa5, 2 * K4);
    mem_free(a, 2 * K4);
    memset(fake::host(a + 2 * K4), 0x5a, 2 * K4); // never handed out: marked behind its back
    uint64_t run = mem_alloc(4 * K4, -1);
    ASSERT_EQ(run, a);
    for (uint64_t i = 0; i < 2 * K4; i++)
        ASSERT_EQ(fake::host(run)[i], 0) << "byte " << i;
    EXPECT_EQ(fake::host(run + 2 * K4)[0], 0x5a);
    EXPECT_EQ(fake::host(run + 4 * K4 - 1)[0], 0x5a);
    mem_free(run, 4 * K4);
}

TEST_F(Mem, LargePagesAreZeroedWhenReused)
{
    uint64_t big = mem_alloc_user(M2, M2, -1);
    ASSERT_NE(big, 0u);
    memset(fake::host(big), 0xff, M2);
    mem_free(big, M2);
    uint64_t again = mem_alloc_user(M2, M2, -1);
    ASSERT_EQ(again, big);
    for (uint64_t i = 0; i < M2; i += 512)
        ASSERT_EQ(fake::host(again)[i], 0) << "byte " << i;
    mem_free(again, M2);
}

TEST_F(Mem, FreeOfAForeignAddressPanics)
{
    EXPECT_THROW(mem_free(fake::LINUX_PHYS, K4), fake::Panic);
    EXPECT_EQ(mem_free_bytes(-1), start);
}

// The real lock-order check runs in these tests: the page allocator's lock
// is innermost, so taking a process lock under it panics.
TEST(LockOrder, IsCheckedInHostTests)
{
    fake::boot(16 * M);
    mck::SpinLock pages{mck::LockRank::Pages}, process{mck::LockRank::Process};
    {
        mck::SpinLockGuard outer(process);
        mck::SpinLockGuard inner(pages); // in order
    }
    auto wrong = [&] {
        mck::SpinLockGuard outer(pages);
        mck::SpinLockGuard inner(process);
    };
    EXPECT_THROW(wrong(), fake::Panic);
}

TEST(MemNuma, NodeIsPreferredThenAnyNode)
{
    fake::boot(16 * M, 2);
    uint64_t node1 = mem_free_bytes(1);
    uint64_t pa = mem_alloc(K4, 1);
    ASSERT_NE(pa, 0u);
    EXPECT_EQ(mem_free_bytes(1), node1 - K4);
    EXPECT_GE(pa, fake::INSTANCE_PHYS + 16 * M);
    mem_free(pa, K4);
    // Node 1 full: node 0 serves it.
    std::vector<uint64_t> got;
    while (mem_free_bytes(1))
        got.push_back(mem_alloc(K4, 1));
    uint64_t node0 = mem_free_bytes(0);
    uint64_t other = mem_alloc(K4, 1);
    ASSERT_NE(other, 0u);
    EXPECT_EQ(mem_free_bytes(0), node0 - K4);
    got.push_back(other);
    for (uint64_t g : got)
        mem_free(g, K4);
}

// Linux still holds pages of a 2 MiB page the program unmapped (pinned through
// mcexec's view): freeing the 2 MiB gives back all but those, for good.
TEST_F(Mem, WithheldPagesNeverComeBack)
{
    uint64_t big = mem_alloc_aligned(M2, M2, -1);
    ASSERT_NE(big, 0u);
    EXPECT_EQ(mck::mem_withhold(big + 7 * K4, 2 * K4), 2u);
    EXPECT_EQ(mck::mem_withhold(big + 7 * K4, K4), 0u); // already
    mem_free(big, M2);
    EXPECT_EQ(mem_free_bytes(-1), start - 2 * K4);
    // Allocate everything there is: never the held pages.
    std::vector<uint64_t> pages;
    while (uint64_t pa = mem_alloc(K4, -1)) {
        EXPECT_FALSE(pa == big + 7 * K4 || pa == big + 8 * K4);
        pages.push_back(pa);
    }
    for (uint64_t pa : pages)
        mem_free(pa, K4);
    // Freed again (a second mapping of the page went away): still held.
    mem_free(big + 7 * K4, K4);
    EXPECT_EQ(mem_free_bytes(-1), start - 2 * K4);
}

// Linux's answer that it let go (held.cpp): only withheld pages we freed come
// back, and none if anything was withheld after Linux was asked.
TEST_F(Mem, WithheldPagesComeBackOnceFreedAndLetGo)
{
    uint64_t a = mem_alloc(4 * K4, -1), b = mem_alloc(K4, -1);
    ASSERT_NE(a, 0u);
    ASSERT_NE(b, 0u);
    uint64_t epoch;
    mck::HeldRun runs[4];
    EXPECT_EQ(mck::mem_withhold(a + K4, 2 * K4), 2u);
    EXPECT_EQ(mck::mem_dropped_runs(runs, 4, &epoch), 0u); // still ours: not asked about
    EXPECT_EQ(mck::mem_unhold(a, 4 * K4, epoch), 0u);      // nor given back
    mem_free(a, 4 * K4);
    EXPECT_EQ(mem_free_bytes(-1), start - 3 * K4);
    ASSERT_EQ(mck::mem_dropped_runs(runs, 4, &epoch), 1u);
    EXPECT_EQ(runs[0].phys, a + K4);
    EXPECT_EQ(runs[0].bytes, 2 * K4);
    // An answer older than a later withholding changes nothing.
    EXPECT_EQ(mck::mem_withhold(b, K4), 1u);
    EXPECT_EQ(mck::mem_unhold(a + K4, 2 * K4, epoch), 0u);
    EXPECT_EQ(mem_free_bytes(-1), start - 3 * K4);
    ASSERT_EQ(mck::mem_dropped_runs(runs, 4, &epoch), 1u);
    // b is still in use: an answer about it is ignored, a's pages come back.
    EXPECT_EQ(mck::mem_unhold(b, K4, epoch), 0u);
    EXPECT_EQ(mck::mem_unhold(a, 4 * K4, epoch), 2u);
    EXPECT_EQ(mem_free_bytes(-1), start - K4);
    EXPECT_EQ(mck::mem_unhold(a, 4 * K4, epoch), 0u); // once only
    EXPECT_EQ(mck::mem_dropped_runs(runs, 4, &epoch), 0u);
    // They are ordinary free pages again: allocated, and held no more when freed.
    std::vector<uint64_t> pages;
    bool seen = false;
    while (uint64_t pa = mem_alloc(K4, -1)) {
        seen |= pa == a + K4;
        pages.push_back(pa);
    }
    EXPECT_TRUE(seen);
    for (uint64_t pa : pages)
        mem_free(pa, K4);
    EXPECT_EQ(mem_free_bytes(-1), start - K4);
    mem_free(b, K4); // b stays withheld until Linux lets go of it too
    EXPECT_EQ(mem_free_bytes(-1), start - K4);
    ASSERT_EQ(mck::mem_dropped_runs(runs, 4, &epoch), 1u);
    EXPECT_EQ(mck::mem_unhold(runs[0].phys, runs[0].bytes, epoch), 1u);
    EXPECT_EQ(mem_free_bytes(-1), start);
}

// The runs after an address (held.cpp asks about the next ones at each process
// end, so a run Linux keeps holding does not hide the others).
TEST_F(Mem, DroppedRunsFromAnAddress)
{
    uint64_t a = mem_alloc(8 * K4, -1);
    ASSERT_NE(a, 0u);
    for (uint64_t p : {a, a + 2 * K4, a + 5 * K4})
        EXPECT_EQ(mck::mem_withhold(p, K4), 1u);
    mem_free(a, 8 * K4);
    uint64_t epoch;
    mck::HeldRun runs[4];
    ASSERT_EQ(mck::mem_dropped_runs(runs, 2, &epoch), 2u); // the first two, in order
    EXPECT_EQ(runs[0].phys, a);
    EXPECT_EQ(runs[1].phys, a + 2 * K4);
    ASSERT_EQ(mck::mem_dropped_runs(runs, 2, &epoch, runs[1].phys + runs[1].bytes), 1u);
    EXPECT_EQ(runs[0].phys, a + 5 * K4);
    EXPECT_EQ(runs[0].bytes, K4);
    EXPECT_EQ(mck::mem_dropped_runs(runs, 2, &epoch, a + 6 * K4), 0u); // nothing after the last
    ASSERT_EQ(mck::mem_dropped_runs(runs, 4, &epoch, a + 2 * K4), 2u); // a run starting there counts
    EXPECT_EQ(runs[0].phys, a + 2 * K4);
    for (uint64_t p : {a, a + 2 * K4, a + 5 * K4})
        EXPECT_EQ(mck::mem_unhold(p, K4, epoch), 1u);
    EXPECT_EQ(mem_free_bytes(-1), start);
}

} // namespace

TEST_F(Mem, ASharedPageGoesBackWithItsLastHolder)
{
    uint64_t a = mem_alloc_user(2 * K4, K4, -1);
    ASSERT_NE(a, 0u);
    EXPECT_TRUE(mck::mem_exclusive(a, 2 * K4));
    ASSERT_TRUE(mck::mem_share(a, K4));
    ASSERT_TRUE(mck::mem_share(a, K4));
    EXPECT_FALSE(mck::mem_exclusive(a, 2 * K4));
    EXPECT_TRUE(mck::mem_exclusive(a + K4, K4));
    mem_free(a, 2 * K4); // the second page goes, the first loses a holder
    EXPECT_EQ(mem_free_bytes(-1), start - K4);
    mem_free(a, K4);
    EXPECT_TRUE(mck::mem_exclusive(a, K4));
    EXPECT_EQ(mem_free_bytes(-1), start - K4);
    mem_free(a, K4);
    EXPECT_EQ(mem_free_bytes(-1), start);
    EXPECT_FALSE(mck::mem_share(a, K4)) << "a free page cannot be shared";
}
