// SPDX-License-Identifier: GPL-2.0
// Address spaces (kernel/vm.cpp) with the real page tables (arch/x86_64/mmu.cpp)
// in fake physical memory; what Linux would see is checked against Linux's answers.
#include "fake.h"

#include <arch/mmu.h>
#include <kernel/mem.h>
#include <kernel/vm.h>
#include <lib/spinlock.h>
#include <mcexec/abi.h>
#include <mcexec/shared_anon.h>

#include <gtest/gtest.h>

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

namespace {

using namespace mck;

constexpr uint64_t K4 = 4096, M2 = 2ull << 20, M = 1ull << 20;
constexpr uint64_t A = 0x10000000000ull; // 1 TiB: a free, 2 MiB-aligned place for MAP_FIXED
constexpr uint64_t ANON = MAP_PRIVATE | MAP_ANONYMOUS, RW = PROT_READ | PROT_WRITE;
constexpr uint64_t KERNEL_IMAGE = 0xffffffff80000000ull;

class Vm : public ::testing::Test {
protected:
    virtual uint64_t instance_bytes() const { return 64 * M; }
    void SetUp() override
    {
        fake::boot(instance_bytes());
        start = mem_free_bytes(-1);
        proc = std::make_unique<fake::Proc>();
        p = &proc->p;
    }
    void TearDown() override
    {
        proc.reset();
        // Every page and every table back: nothing leaked.
        EXPECT_EQ(mem_free_bytes(-1), start);
        EXPECT_TRUE(fake::violations().empty()) << fake::violations().front();
    }
    int64_t map(uint64_t addr, uint64_t len, uint64_t prot = RW, uint64_t flags = ANON | MAP_FIXED)
    {
        return vm_mmap(p, addr, len, prot, flags, -1, 0);
    }
    bool mapped(uint64_t va, uint32_t* prot = nullptr, uint64_t* size = nullptr)
    {
        return proc->mapped(va, prot, size);
    }
    int regions()
    {
        int n = 0;
        for (Vma* v = p->vmas; v; v = v->next)
            n++;
        return n;
    }

    uint64_t start = 0;
    std::unique_ptr<fake::Proc> proc;
    Process* p = nullptr;
};

TEST_F(Vm, AnonymousMmapIsPopulatedAndMunmapGivesItBack)
{
    int64_t a = vm_mmap(p, 0, 3 * K4, RW, ANON, -1, 0);
    ASSERT_GT(a, 0);
    EXPECT_EQ(a % K4, 0);
    EXPECT_GE(uint64_t(a), MCK_INTERP_BASE);
    EXPECT_LE(uint64_t(a) + 3 * K4, MCK_MMAP_TOP);
    uint64_t used = start - mem_free_bytes(-1);
    for (uint64_t i = 0; i < 3; i++) {
        uint32_t prot;
        EXPECT_TRUE(mapped(a + i * K4, &prot));
        EXPECT_EQ(prot, RW);
        EXPECT_EQ(*proc->at(a + i * K4), 0);
    }
    EXPECT_EQ(p->mem_used, 3 * K4);
    memset(proc->at(a), 0x11, K4);
    EXPECT_EQ(vm_munmap(p, a, 3 * K4), 0);
    for (uint64_t i = 0; i < 3; i++)
        EXPECT_FALSE(mapped(a + i * K4));
    EXPECT_EQ(p->mem_used, 0u);
    EXPECT_EQ(vm_check_mapped(p, a, K4), -ENOMEM);
    // The pages went through Linux's invalidation before they are reused; a flush followed.
    ASSERT_FALSE(fake::invalidations.empty());
    EXPECT_EQ(fake::invalidations.back().start, uint64_t(a));
    // The three pages, and the page tables left empty (at most a PT, a PD and a PDPT).
    EXPECT_GE(fake::invalidations.back().page_bytes, 3 * K4);
    EXPECT_LE(fake::invalidations.back().page_bytes, 6 * K4);
    ASSERT_FALSE(fake::flushes.empty());
    EXPECT_EQ(fake::flushes.back().start, uint64_t(a));
    // The tables went with the pages: what stays is what the process had before.
    EXPECT_EQ(start - mem_free_bytes(-1), used - fake::invalidations.back().page_bytes);
}

TEST_F(Vm, AlignedTwoMegabytesGetLargePages)
{
    ASSERT_EQ(map(A, 2 * M2 + 2 * K4), int64_t(A));
    uint64_t size;
    ASSERT_TRUE(mapped(A, nullptr, &size));
    EXPECT_EQ(size, M2);
    ASSERT_TRUE(mapped(A + M2 + 5 * K4, nullptr, &size));
    EXPECT_EQ(size, M2);
    ASSERT_TRUE(mapped(A + 2 * M2 + K4, nullptr, &size));
    EXPECT_EQ(size, K4);
    EXPECT_FALSE(mapped(A + 2 * M2 + 2 * K4));
    EXPECT_EQ(p->mem_used, 2 * M2 + 2 * K4);
}

TEST_F(Vm, SuccessiveLargeMappingsGetDifferentColours)
{
    // Three malloc'ed arrays (glibc adds a page for its header): each starts at
    // another offset within 2 MiB, so a[i], b[i] and c[i] do not share cache sets.
    const uint64_t len = 8 * M + K4;
    int64_t a[3];
    for (auto& x : a) {
        x = vm_mmap(p, 0, len, RW, ANON, -1, 0);
        ASSERT_GT(x, 0);
    }
    EXPECT_EQ(a[0] % M2, 0) << "the first large mapping keeps colour 0";
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++) {
            EXPECT_NE(a[i] % M2, a[j] % M2) << i << " and " << j;
            // Also apart in the set bits just above the page (not a multiple of 64 KiB).
            EXPECT_NE(a[i] % (64 * 1024), a[j] % (64 * 1024)) << i << " and " << j;
        }
    // The aligned 2 MiB blocks inside a coloured mapping are still large pages;
    // only the partial blocks at its ends are 4 KiB pages.
    uint64_t size = 0;
    uint64_t first_block = (uint64_t(a[1]) + M2 - 1) & ~(M2 - 1);
    ASSERT_TRUE(mapped(first_block, nullptr, &size));
    EXPECT_EQ(size, M2);
    ASSERT_TRUE(mapped(uint64_t(a[1]), nullptr, &size));
    EXPECT_EQ(size, K4);
    EXPECT_EQ(*proc->at(uint64_t(a[1]) + len - 1), 0);
    // Smaller mappings are not coloured: all of a 4 MiB one stays on 2 MiB pages.
    int64_t small = vm_mmap(p, 0, 4 * M, RW, ANON, -1, 0);
    ASSERT_GT(small, 0);
    EXPECT_EQ(small % M2, 0);
    for (auto x : a)
        EXPECT_EQ(vm_munmap(p, uint64_t(x), len), 0);
    EXPECT_EQ(vm_munmap(p, uint64_t(small), 4 * M), 0);
}

TEST_F(Vm, MunmapInTheMiddleSplitsTheRegion)
{
    ASSERT_EQ(map(A, 3 * K4), int64_t(A));
    *proc->at(A) = 1;
    *proc->at(A + 2 * K4) = 3;
    EXPECT_EQ(regions(), 1);
    EXPECT_EQ(vm_munmap(p, A + K4, K4), 0);
    EXPECT_EQ(regions(), 2);
    EXPECT_TRUE(mapped(A));
    EXPECT_FALSE(mapped(A + K4));
    EXPECT_TRUE(mapped(A + 2 * K4));
    EXPECT_EQ(*proc->at(A), 1);
    EXPECT_EQ(*proc->at(A + 2 * K4), 3);
    EXPECT_EQ(vm_check_mapped(p, A, 3 * K4), -ENOMEM);
    EXPECT_EQ(vm_check_mapped(p, A + 2 * K4, K4), 0);
}

TEST_F(Vm, MunmapSplitsALargePage)
{
    ASSERT_EQ(map(A, M2), int64_t(A));
    proc->at(A + 7 * K4)[5] = 42;
    EXPECT_EQ(vm_munmap(p, A + 100 * K4, K4), 0);
    uint64_t size;
    ASSERT_TRUE(mapped(A + 7 * K4, nullptr, &size));
    EXPECT_EQ(size, K4);
    EXPECT_EQ(proc->at(A + 7 * K4)[5], 42);
    EXPECT_FALSE(mapped(A + 100 * K4));
    EXPECT_TRUE(mapped(A + 101 * K4));
    EXPECT_EQ(p->mem_used, M2 - K4);
}

TEST_F(Vm, MunmapOfAHoleSucceedsAndTellsLinuxNothing)
{
    EXPECT_EQ(vm_munmap(p, A, 16 * K4), 0);
    EXPECT_TRUE(fake::invalidations.empty());
}

TEST_F(Vm, MapFixedReplacesWhatWasThere)
{
    ASSERT_EQ(map(A, 3 * K4), int64_t(A));
    memset(proc->at(A), 1, K4);
    memset(proc->at(A + K4), 2, K4);
    memset(proc->at(A + 2 * K4), 3, K4);
    ASSERT_EQ(map(A + K4, K4, PROT_READ), int64_t(A + K4));
    uint32_t prot;
    ASSERT_TRUE(mapped(A + K4, &prot));
    EXPECT_EQ(prot, uint32_t(PROT_READ));
    EXPECT_EQ(*proc->at(A + K4), 0); // a new page
    EXPECT_EQ(*proc->at(A), 1);
    EXPECT_EQ(*proc->at(A + 2 * K4), 3);
    EXPECT_EQ(regions(), 3);
    EXPECT_EQ(p->mem_used, 3 * K4);
    // MAP_FIXED_NOREPLACE does not.
    EXPECT_EQ(map(A + 2 * K4, K4, RW, ANON | MAP_FIXED_NOREPLACE), -EEXIST);
    EXPECT_EQ(map(A + 3 * K4, K4, RW, ANON | MAP_FIXED_NOREPLACE), int64_t(A + 3 * K4));
}

TEST_F(Vm, AHintIsTakenWhenFreeAndIgnoredOtherwise)
{
    EXPECT_EQ(vm_mmap(p, A, K4, RW, ANON, -1, 0), int64_t(A));
    int64_t b = vm_mmap(p, A, K4, RW, ANON, -1, 0);
    EXPECT_GT(b, 0);
    EXPECT_NE(b, int64_t(A));
    EXPECT_TRUE(mapped(A));
    // Out of range or unaligned: a place of our choosing.
    EXPECT_GT(vm_mmap(p, KERNEL_IMAGE, K4, RW, ANON, -1, 0), 0);
    EXPECT_GT(vm_mmap(p, A + 123, K4, RW, ANON, -1, 0), 0);
}

// Linux's answers (checked on Linux) for bad arguments.
TEST_F(Vm, MmapArgumentsAreCheckedAsLinuxDoes)
{
    EXPECT_EQ(vm_mmap(p, 0, 0, RW, ANON, -1, 0), -EINVAL);
    EXPECT_EQ(vm_mmap(p, 0, K4, RW, MAP_ANONYMOUS, -1, 0), -EINVAL); // neither shared nor private
    EXPECT_EQ(map(A + 123, K4), -EINVAL);
    EXPECT_EQ(vm_mmap(p, 0, K4, RW, MAP_PRIVATE, 3, 123), -EINVAL);
    EXPECT_TRUE(fake::offloads.empty());
}

TEST_F(Vm, MmapOutsideTheUserRangeIsENOMEMAsOnLinux)
{
    EXPECT_EQ(map(MCK_USER_END, K4), -ENOMEM);
    EXPECT_EQ(map(MCK_USER_END - K4, 2 * K4), -ENOMEM);
    EXPECT_EQ(map(KERNEL_IMAGE, K4), -ENOMEM);
    EXPECT_EQ(map(KERNEL_IMAGE, K4, RW, ANON | MAP_FIXED_NOREPLACE), -ENOMEM);
    EXPECT_EQ(vm_mmap(p, 0, 1ull << 62, RW, ANON, -1, 0), -ENOMEM);
    EXPECT_EQ(vm_mmap(p, 0, ~0ull, RW, ANON, -1, 0), -ENOMEM);
    EXPECT_EQ(vm_mmap(p, 0, ~0ull - 2 * K4, RW, ANON, -1, 0), -ENOMEM);
    EXPECT_EQ(p->vmas, nullptr);
}

TEST_F(Vm, MmapLargerThanTheInstanceIsRefusedUnlessItOnlyReserves)
{
    EXPECT_EQ(map(A, 128 * M), -ENOMEM);
    EXPECT_EQ(p->vmas, nullptr);
    ASSERT_EQ(map(A, 128 * M, RW, ANON | MAP_FIXED | MAP_NORESERVE), int64_t(A));
    EXPECT_FALSE(mapped(A)); // pages come on first touch
    EXPECT_EQ(vm_fault(p, A + 5 * M, true), 0);
    EXPECT_TRUE(mapped(A + 5 * M));
    ASSERT_EQ(map(A + 128 * M, 1ull << 40, PROT_NONE), int64_t(A + 128 * M));
    EXPECT_EQ(vm_munmap(p, A, 128 * M + (1ull << 40)), 0);
}

TEST_F(Vm, AMappingLargerThanTheFreeMemoryIsBackedOnFirstTouch)
{
    // More than the program may have now (the instance less the kernel's
    // reserve) but less than the instance: Linux's heuristic accepts it.
    uint64_t len = start - 2 * M;
    ASSERT_EQ(map(A, len), int64_t(A));
    EXPECT_FALSE(mapped(A)) << "nothing taken up front: the program may never touch it";
    EXPECT_EQ(p->mem_used, 0u);
    EXPECT_EQ(vm_fault(p, A + 6 * M, true), 0);
    uint64_t size = 0;
    EXPECT_TRUE(mapped(A + 6 * M, nullptr, &size));
    EXPECT_EQ(size, M2) << "a large page where it can";
    EXPECT_EQ(p->mem_used, M2);
    // Touching it all runs out: SIGBUS at the first page there is none for.
    int sig = 0;
    uint64_t va = A;
    for (; va < A + len && !sig; va += M2)
        sig = vm_fault(p, va, true);
    EXPECT_EQ(sig, 7);
    EXPECT_LT(va, A + len);
    EXPECT_EQ(vm_munmap(p, A, len), 0);
}

TEST_F(Vm, AMappingThatFitsInTheFreeMemoryGetsItsPagesAtOnce)
{
    ASSERT_EQ(map(A, 8 * M), int64_t(A));
    for (uint64_t va = A; va < A + 8 * M; va += M2)
        EXPECT_TRUE(mapped(va));
    EXPECT_EQ(p->mem_used, 8 * M);
}

TEST_F(Vm, UnderStrictOvercommitAMappingThatCannotBeBackedIsENOMEMAndLeavesNothingBehind)
{
    fake::OvercommitPolicy strict("overcommit=strict");
    uint64_t len = start - 2 * M;
    EXPECT_EQ(map(A, len), -ENOMEM);
    EXPECT_EQ(p->vmas, nullptr);
    EXPECT_FALSE(mapped(A));
    EXPECT_EQ(p->mem_used, 0u);
    // MAP_NORESERVE is no way around it (Linux's mode 2 ignores it too).
    EXPECT_EQ(map(A, len, RW, ANON | MAP_FIXED | MAP_NORESERVE), -ENOMEM);
    EXPECT_EQ(p->vmas, nullptr);
    ASSERT_EQ(map(A, 4 * M, RW, ANON | MAP_FIXED | MAP_NORESERVE), int64_t(A));
    EXPECT_TRUE(mapped(A + 3 * M)) << "held from the start";
    // Made accessible later: all of it now, or ENOMEM.
    ASSERT_EQ(map(A + 4 * M, len, PROT_NONE), int64_t(A + 4 * M));
    EXPECT_EQ(vm_mprotect(p, A + 4 * M, 4 * M, RW), 0);
    EXPECT_TRUE(mapped(A + 7 * M));
    EXPECT_EQ(vm_mprotect(p, A + 8 * M, len - 4 * M, RW), -ENOMEM);
}

TEST_F(Vm, MremapGrowsPastTheFreeMemoryAsLinuxDoes)
{
    // The case: half the instance mapped and used, grown to all of it.
    uint64_t half = (start / 2) & ~(M2 - 1);
    ASSERT_EQ(map(A, half), int64_t(A));
    *proc->word(A + half - 8) = 42;
    EXPECT_EQ(vm_mremap(p, A, half, 2 * half, 0, 0), int64_t(A)) << "in place";
    EXPECT_EQ(*proc->word(A + half - 8), 42u);
    EXPECT_FALSE(mapped(A + 2 * half - K4)) << "the new half on first touch";
    EXPECT_EQ(vm_fault(p, A + half + M, true), 0);
    // Moved: the same.
    ASSERT_EQ(map(A + 2 * half, K4), int64_t(A + 2 * half)); // in the way
    int64_t to = vm_mremap(p, A, 2 * half, 2 * half + M2, MREMAP_MAYMOVE, 0);
    ASSERT_GT(to, 0);
    EXPECT_NE(to, int64_t(A));
    EXPECT_EQ(*proc->word(uint64_t(to) + half - 8), 42u);
    EXPECT_FALSE(mapped(uint64_t(to) + 2 * half - K4)) << "moved as it was: still on first touch";
    EXPECT_EQ(vm_munmap(p, uint64_t(to), 2 * half + M2), 0);
    EXPECT_EQ(vm_munmap(p, A + 2 * half, K4), 0);
}

TEST_F(Vm, UnderStrictOvercommitMremapThatCannotBeBackedIsENOMEMAndKeepsTheOld)
{
    fake::OvercommitPolicy strict("overcommit=strict");
    uint64_t half = (start / 2) & ~(M2 - 1);
    ASSERT_EQ(map(A, half), int64_t(A));
    *proc->word(A + half - 8) = 42;
    EXPECT_EQ(vm_mremap(p, A, half, 2 * half, 0, 0), -ENOMEM);
    EXPECT_EQ(vm_mremap(p, A, half, 2 * half, MREMAP_MAYMOVE, 0), -ENOMEM);
    EXPECT_EQ(regions(), 1);
    EXPECT_EQ(*proc->word(A + half - 8), 42u);
    EXPECT_EQ(p->mem_used, half);
}

// Under strict accounting a moving mremap's growth has its memory when the
// call returns (it got it before the pages moved, with the move's lock held).
TEST_F(Vm, UnderStrictOvercommitAMovedRegionsGrowthIsBacked)
{
    fake::OvercommitPolicy strict("overcommit=strict");
    ASSERT_EQ(map(A, 2 * K4), int64_t(A));
    *proc->word(A + 8) = 42;
    ASSERT_EQ(map(A + 2 * K4, K4), int64_t(A + 2 * K4)); // in the way of growing in place
    uint64_t used = p->mem_used;
    int64_t to = vm_mremap(p, A, 2 * K4, 5 * K4, MREMAP_MAYMOVE, 0);
    ASSERT_GT(to, 0);
    EXPECT_NE(to, int64_t(A));
    EXPECT_EQ(*proc->word(uint64_t(to) + 8), 42u);
    EXPECT_TRUE(mapped(uint64_t(to) + 4 * K4)) << "the growth, backed";
    EXPECT_EQ(p->mem_used, used + 3 * K4);
}

TEST_F(Vm, MremapDontunmapMovesThePagesAndLeavesTheOldRangeEmptyAndUnlocked)
{
    constexpr uint64_t DONTUNMAP = 4; // MREMAP_DONTUNMAP
    ASSERT_EQ(map(A, 2 * M2), int64_t(A));
    *proc->word(A + 8) = 42;
    ASSERT_EQ(vm_set_locked(p, A, 2 * M2, true), 0);
    uint64_t used = p->mem_used;
    EXPECT_EQ(vm_mremap(p, A, 2 * M2, 2 * M2, DONTUNMAP, 0), -EINVAL) << "without MREMAP_MAYMOVE";
    EXPECT_EQ(vm_mremap(p, A, 2 * M2, 4 * M2, MREMAP_MAYMOVE | DONTUNMAP, 0), -EINVAL) << "another length";
    int64_t to = vm_mremap(p, A, 2 * M2, 2 * M2, MREMAP_MAYMOVE | DONTUNMAP, 0);
    ASSERT_GT(to, 0);
    EXPECT_NE(to, int64_t(A));
    EXPECT_EQ(*proc->word(uint64_t(to) + 8), 42u) << "the page moved";
    EXPECT_EQ(*proc->word(A + 8), 0u) << "the old range is mapped, with new zeroed memory";
    EXPECT_EQ(p->mem_used, 2 * used);
    EXPECT_EQ(vm_locked_after(p, 0, 0), 2 * M2) << "the new place is locked, the old is not";
    EXPECT_EQ(vm_munmap(p, uint64_t(to), 2 * M2), 0);
    EXPECT_EQ(vm_munmap(p, A, 2 * M2), 0);
    EXPECT_EQ(p->mem_used, 0u);
}

// The program's own segments are private mappings of its file on Linux, which
// reads the file again where MREMAP_DONTUNMAP emptied them; the LWK has no hold
// on the file and refuses, as for any private file mapping, also once moved.
TEST_F(Vm, MremapDontunmapOfTheProgramsOwnSegmentsIsRefused)
{
    constexpr uint64_t DONTUNMAP = 4;
    ASSERT_EQ(vm_setup_region(p, A, 2 * K4, RW, VMA_IMAGE), 0);
    *proc->word(A + 8) = 42;
    EXPECT_EQ(vm_mremap(p, A, K4, K4, MREMAP_MAYMOVE | DONTUNMAP, 0), -EINVAL);
    EXPECT_EQ(*proc->word(A + 8), 42u) << "left as it was";
    int64_t to = vm_mremap(p, A, K4, K4, MREMAP_MAYMOVE | MREMAP_FIXED, A + M2);
    ASSERT_EQ(to, int64_t(A + M2));
    EXPECT_EQ(vm_mremap(p, uint64_t(to), K4, K4, MREMAP_MAYMOVE | DONTUNMAP, 0), -EINVAL) << "moved, still the file's";
    EXPECT_EQ(*proc->word(uint64_t(to) + 8), 42u);
    ASSERT_EQ(map(A + 2 * M2, K4), int64_t(A + 2 * M2));
    EXPECT_GT(vm_mremap(p, A + 2 * M2, K4, K4, MREMAP_MAYMOVE | DONTUNMAP, 0), 0) << "anonymous memory moves";
}

// fits_now takes the process lock: it once ran under it here, and the lock
// check panicked the LWK.
TEST_F(Vm, UnderStrictOvercommitMremapDontunmapNeedsMemoryForTheOldRange)
{
    constexpr uint64_t DONTUNMAP = 4;
    fake::OvercommitPolicy strict("overcommit=strict");
    ASSERT_EQ(map(A, M2), int64_t(A));
    int64_t to = vm_mremap(p, A, M2, M2, MREMAP_MAYMOVE | DONTUNMAP, 0);
    ASSERT_GT(to, 0);
    EXPECT_TRUE(mapped(A)) << "held from the start";
    EXPECT_EQ(vm_munmap(p, uint64_t(to), M2), 0);
    EXPECT_EQ(vm_munmap(p, A, M2), 0);
    uint64_t half = (start / 2 + M2) & ~(M2 - 1); // more than half: no room for a second
    ASSERT_EQ(map(A, half), int64_t(A));
    EXPECT_EQ(vm_mremap(p, A, half, half, MREMAP_MAYMOVE | DONTUNMAP, 0), -ENOMEM);
    EXPECT_EQ(regions(), 1);
}

TEST_F(Vm, UnderMclFutureTheHeapIsLockedAndCountedUpToTheBreak)
{
    constexpr uint64_t B = 0x20000000ull;
    p->brk_start = p->brk = B;
    ASSERT_EQ(vm_brk(p, B + 3 * K4), int64_t(B + 3 * K4)); // before mlockall(MCL_FUTURE)
    EXPECT_EQ(vm_locked_after(p, 0, 0), 0u);
    EXPECT_EQ(vm_brk_growth(p, B + 5 * K4 - 1), 2 * K4) << "whole pages, as Linux's RLIMIT_MEMLOCK check";
    EXPECT_EQ(vm_brk_growth(p, B + K4), 0u);
    // Inside the heap's first 2 MiB, which it has already: the two pages past the old break.
    ASSERT_EQ(vm_brk(p, B + 5 * K4, true), int64_t(B + 5 * K4));
    EXPECT_EQ(vm_locked_after(p, 0, 0), 2 * K4);
    // Past it: a new 2 MiB, populated, counted up to the break.
    ASSERT_EQ(vm_brk(p, B + M2 + K4, true), int64_t(B + M2 + K4));
    EXPECT_EQ(vm_locked_after(p, 0, 0), M2 + K4 - 3 * K4);
    EXPECT_TRUE(mapped(B + M2));
    ASSERT_EQ(vm_brk(p, B + 4 * K4), int64_t(B + 4 * K4));
    EXPECT_EQ(vm_locked_after(p, 0, 0), K4) << "what the break gave back is no longer counted";
    EXPECT_EQ(vm_brk(p, B), int64_t(B));
    EXPECT_EQ(vm_locked_after(p, 0, 0), 0u);
}

// Linux's expand_downwards (6.1): a touch below the main thread's stack
// grows it (here to the 2 MiB boundary), within RLIMIT_STACK as it is at the
// touch, RLIMIT_AS (not RLIMIT_DATA), and 1 MiB clear of an accessible
// mapping below; any other region never grows, and a hint within that 1 MiB
// is not taken.
TEST_F(Vm, TheStackGrowsOnATouchBelowItWithinItsLimitsAsTheyAreThen)
{
    constexpr uint64_t TOP = MCK_STACK_TOP;
    auto stack_start = [&] {
        for (Vma* v = p->vmas; v; v = v->next)
            if (v->flags & VMA_STACK)
                return v->start;
        return uint64_t(0);
    };
    ASSERT_EQ(vm_setup_region(p, TOP - M2, M2, RW, VMA_STACK), 0);
    p->rlimits[MCK_RLIMIT_STACK] = {8 * M, ~0ull};
    EXPECT_EQ(vm_fault(p, TOP - 5 * M, true), 0);
    EXPECT_EQ(stack_start(), TOP - 6 * M);
    uint64_t size = 0;
    EXPECT_TRUE(mapped(TOP - 5 * M, nullptr, &size));
    EXPECT_EQ(size, M2) << "the grown part gets 2 MiB pages";
    EXPECT_EQ(vm_fault(p, TOP - 8 * M - K4, true), 11) << "past the limit: SIGSEGV";
    EXPECT_EQ(vm_fault(p, TOP - 8 * M, false), 0);
    EXPECT_EQ(stack_start(), TOP - 8 * M) << "exactly the limit";
    EXPECT_EQ(vm_fault(p, TOP - 12 * M, true), 11);
    p->rlimits[MCK_RLIMIT_STACK].cur = 16 * M; // setrlimit: from now on
    EXPECT_EQ(vm_fault(p, TOP - 12 * M, true), 0);
    // RLIMIT_DATA below what the program has is no matter: the stack is not data.
    ASSERT_EQ(map(A, M2), int64_t(A));
    p->rlimits[MCK_RLIMIT_DATA].cur = K4;
    EXPECT_EQ(vm_fault(p, TOP - 13 * M, true), 0);
    p->rlimits[MCK_RLIMIT_DATA].cur = ~0ull;
    EXPECT_EQ(vm_fault(p, A - K4, true), 11) << "other regions do not grow";
    ASSERT_EQ(vm_munmap(p, A, M2), 0);
    // A readable page 17 MiB down (the stack reaches 14 MiB): the stack stays
    // 1 MiB above it, and no limit changes that.
    EXPECT_EQ(stack_start(), TOP - 14 * M);
    p->rlimits[MCK_RLIMIT_STACK].cur = ~0ull;
    ASSERT_EQ(map(TOP - 17 * M, K4, PROT_READ), int64_t(TOP - 17 * M));
    EXPECT_EQ(vm_fault(p, TOP - 16 * M + K4 - 1, true), 11);
    EXPECT_EQ(vm_fault(p, TOP - 16 * M + K4, true), 0);
    EXPECT_EQ(stack_start(), TOP - 16 * M + K4);
    // PROT_NONE below: only not overlapped.
    ASSERT_EQ(vm_munmap(p, TOP - 17 * M, K4), 0);
    ASSERT_EQ(map(TOP - 17 * M, K4, PROT_NONE), int64_t(TOP - 17 * M));
    EXPECT_EQ(vm_fault(p, TOP - 17 * M + K4, true), 0);
    EXPECT_EQ(stack_start(), TOP - 17 * M + K4);
    EXPECT_EQ(vm_fault(p, TOP - 17 * M, true), 11) << "the PROT_NONE page itself";
    ASSERT_EQ(vm_munmap(p, TOP - 17 * M, K4), 0);
    // RLIMIT_AS: the growth counts as address space; where the 2 MiB boundary
    // would pass it, the stack grows to the touched page only.
    uint64_t now = 17 * M - K4; // the stack's size, all there is
    p->rlimits[MCK_RLIMIT_AS].cur = now + M / 2;
    EXPECT_EQ(vm_fault(p, TOP - now - 64 * 1024, true), 0);
    EXPECT_EQ(stack_start(), TOP - now - 64 * 1024);
    EXPECT_EQ(vm_fault(p, TOP - now - 64 * 1024 - M, true), 11);
    p->rlimits[MCK_RLIMIT_AS].cur = ~0ull;
    // A hint within 1 MiB below the stack is not taken; one below that is.
    uint64_t s = stack_start();
    int64_t elsewhere = vm_mmap(p, s - M, K4, RW, ANON, -1, 0);
    EXPECT_GT(elsewhere, 0);
    EXPECT_NE(elsewhere, int64_t(s - M));
    EXPECT_EQ(vm_mmap(p, s - M - K4, K4, RW, ANON, -1, 0), int64_t(s - M - K4));
    EXPECT_EQ(vm_munmap(p, s - M - K4, K4), 0);
    EXPECT_EQ(vm_munmap(p, uint64_t(elsewhere), K4), 0);
    EXPECT_EQ(vm_munmap(p, TOP - 32 * M, 32 * M), 0);
}

TEST_F(Vm, TheHeapGrowsPastTheFreeMemoryUnlessStrict)
{
    constexpr uint64_t B = 0x20000000ull;
    p->brk_start = p->brk = B;
    uint64_t len = (start - 2 * M) & ~(M2 - 1);
    {
        fake::OvercommitPolicy strict("overcommit=strict");
        EXPECT_EQ(vm_brk(p, B + len), int64_t(B)) << "refused: the heap stays";
        EXPECT_EQ(p->vmas, nullptr);
    }
    EXPECT_EQ(vm_brk(p, B + len), int64_t(B + len));
    EXPECT_EQ(vm_fault(p, B + len - K4, true), 0);
    EXPECT_EQ(vm_brk(p, B), int64_t(B));
}

TEST_F(Vm, MapHugetlbGivesWholeLargePagesAlignedAndSplitsOnlyAtThem)
{
    constexpr uint64_t HUGE = MAP_HUGETLB, HUGE_2MB = MAP_HUGETLB | (21ull << 26);
    int64_t a = vm_mmap(p, 0, K4, RW, ANON | HUGE, -1, 0);
    ASSERT_GT(a, 0);
    EXPECT_EQ(uint64_t(a) % M2, 0u) << "aligned to its page size";
    uint64_t size = 0;
    ASSERT_TRUE(mapped(uint64_t(a), nullptr, &size));
    EXPECT_EQ(size, M2) << "the length rounded up: one 2 MiB page";
    EXPECT_EQ(p->mem_used, M2);
    // Split only at 2 MiB (Linux: EINVAL), whatever the call.
    EXPECT_EQ(vm_munmap(p, uint64_t(a), K4), -EINVAL);
    EXPECT_EQ(vm_mprotect(p, uint64_t(a), K4, PROT_READ), -EINVAL);
    EXPECT_EQ(vm_mremap(p, uint64_t(a), M2, M2 + K4, MREMAP_MAYMOVE, 0), -EINVAL);
    EXPECT_EQ(vm_munmap(p, uint64_t(a), M2), 0);
    // MAP_FIXED must be aligned; a hint that is not is ignored; unknown sizes are EINVAL.
    EXPECT_EQ(map(A + K4, M2, RW, ANON | MAP_FIXED | HUGE_2MB), -EINVAL);
    ASSERT_EQ(map(A, 3 * M2 - K4, RW, ANON | MAP_FIXED | HUGE_2MB), int64_t(A));
    for (uint64_t va = A; va < A + 3 * M2; va += M2) {
        EXPECT_TRUE(mapped(va, nullptr, &size));
        EXPECT_EQ(size, M2);
    }
    EXPECT_EQ(vm_munmap(p, A + M2, M2), 0) << "at its page boundaries it splits";
    EXPECT_EQ(vm_munmap(p, A, 3 * M2), 0);
    a = vm_mmap(p, A + K4, M2, RW, ANON | HUGE, -1, 0);
    ASSERT_GT(a, 0);
    EXPECT_EQ(uint64_t(a) % M2, 0u);
    EXPECT_EQ(vm_munmap(p, uint64_t(a), M2), 0);
    EXPECT_EQ(vm_mmap(p, 0, M2, RW, ANON | MAP_HUGETLB | (25ull << 26), -1, 0), -EINVAL) << "32 MiB: no such page";
    // 1 GiB: laid out at 1 GiB; more than this 64 MiB instance could ever hold.
    EXPECT_EQ(vm_mmap(p, 0, K4, RW, ANON | MAP_HUGETLB | (30ull << 26), -1, 0), -ENOMEM);
    EXPECT_EQ(p->vmas, nullptr);
}

TEST_F(Vm, MapHugetlbWithoutA2MiBPageFreeIsENOMEM)
{
    // Take every 2 MiB page, leaving small ones.
    std::vector<uint64_t> taken;
    while (uint64_t pa = mem_alloc_user(M2, M2, -1))
        taken.push_back(pa);
    uint64_t small = mem_alloc_user(K4, K4, -1);
    ASSERT_NE(small, 0u) << "small pages are still free";
    mem_free(small, K4);
    EXPECT_EQ(vm_mmap(p, 0, M2, RW, ANON | MAP_HUGETLB, -1, 0), -ENOMEM) << "no 2 MiB page: no memory, as Linux's empty pool";
    EXPECT_EQ(p->vmas, nullptr);
    ASSERT_GT(vm_mmap(p, 0, M2, RW, ANON, -1, 0), 0) << "without MAP_HUGETLB: small pages";
    for (uint64_t pa : taken)
        mem_free(pa, M2);
}

TEST_F(Vm, MunmapArgumentsAreCheckedAsLinuxDoes)
{
    ASSERT_EQ(map(A, K4), int64_t(A));
    EXPECT_EQ(vm_munmap(p, A, 0), -EINVAL);
    EXPECT_EQ(vm_munmap(p, A + 1, K4), -EINVAL);
    EXPECT_EQ(vm_munmap(p, MCK_USER_END, K4), -EINVAL);
    EXPECT_EQ(vm_munmap(p, MCK_USER_END - K4, 2 * K4), -EINVAL);
    EXPECT_EQ(vm_munmap(p, KERNEL_IMAGE, K4), -EINVAL);
    EXPECT_EQ(vm_munmap(p, A, ~0ull), -EINVAL);
    EXPECT_EQ(vm_munmap(p, A, ~0ull - K4 + 2), -EINVAL);
    EXPECT_TRUE(mapped(A));
}

TEST_F(Vm, MprotectSplitsAndChangesThePages)
{
    ASSERT_EQ(map(A, 4 * K4), int64_t(A));
    EXPECT_EQ(vm_mprotect(p, A + K4, 2 * K4, PROT_READ), 0);
    EXPECT_EQ(regions(), 3);
    uint32_t prot;
    ASSERT_TRUE(mapped(A + K4, &prot));
    EXPECT_EQ(prot, uint32_t(PROT_READ));
    ASSERT_TRUE(mapped(A + 3 * K4, &prot));
    EXPECT_EQ(prot, RW);
    EXPECT_EQ(vm_fault(p, A + K4, true), 11); // SIGSEGV: a write to a read-only page
    EXPECT_EQ(vm_fault(p, A + K4, false), 0); // mapped and readable: another CPU mapped it meanwhile
    // Less access: mcexec's view is invalidated and TLBs flushed.
    ASSERT_FALSE(fake::invalidations.empty());
    EXPECT_EQ(fake::invalidations.back().start, A + K4);
    EXPECT_EQ(fake::invalidations.back().len, 2 * K4);
}

TEST_F(Vm, MprotectOverAGapIsENOMEMAndChangesNothing)
{
    ASSERT_EQ(map(A, K4), int64_t(A));
    ASSERT_EQ(map(A + 2 * K4, K4), int64_t(A + 2 * K4));
    EXPECT_EQ(vm_mprotect(p, A, 3 * K4, PROT_READ), -ENOMEM);
    uint32_t prot;
    ASSERT_TRUE(mapped(A, &prot));
    EXPECT_EQ(prot, RW);
    EXPECT_EQ(regions(), 2);
}

TEST_F(Vm, MprotectArgumentsAreCheckedAsLinuxDoes)
{
    ASSERT_EQ(map(A, K4), int64_t(A));
    EXPECT_EQ(vm_mprotect(p, A + 1, K4, PROT_READ), -EINVAL);
    EXPECT_EQ(vm_mprotect(p, A, K4, 0x1000), -EINVAL);
    EXPECT_EQ(vm_mprotect(p, A, 0, PROT_READ), 0);
    EXPECT_EQ(vm_mprotect(p, MCK_USER_END, K4, PROT_READ), -ENOMEM);
    EXPECT_EQ(vm_mprotect(p, KERNEL_IMAGE, K4, PROT_READ), -ENOMEM);
    EXPECT_EQ(vm_mprotect(p, A, ~0ull, PROT_READ), -ENOMEM);
    EXPECT_EQ(vm_mprotect(p, A + K4, K4, PROT_READ), -ENOMEM);
}

TEST_F(Vm, ProtNoneKeepsTheDataAndIsPopulatedWhenOpened)
{
    ASSERT_EQ(map(A, 2 * K4), int64_t(A));
    proc->at(A)[9] = 99;
    EXPECT_EQ(vm_mprotect(p, A, 2 * K4, PROT_NONE), 0);
    uint32_t prot;
    ASSERT_TRUE(mapped(A, &prot)); // the page is kept, inaccessible
    EXPECT_EQ(prot, 0u);
    EXPECT_EQ(vm_fault(p, A, false), 11);
    EXPECT_EQ(vm_mprotect(p, A, 2 * K4, RW), 0);
    ASSERT_TRUE(mapped(A, &prot));
    EXPECT_EQ(prot, RW);
    EXPECT_EQ(proc->at(A)[9], 99);
    // A region mapped PROT_NONE has no pages until it is opened.
    ASSERT_EQ(map(A + M2, 4 * K4, PROT_NONE), int64_t(A + M2));
    EXPECT_FALSE(mapped(A + M2));
    EXPECT_EQ(vm_mprotect(p, A + M2, 4 * K4, PROT_READ), 0);
    EXPECT_TRUE(mapped(A + M2 + 3 * K4));
}

// LTP mremap, and the panic: moving a PROT_NONE region copies through
// the kernel's view and keeps it inaccessible.
TEST_F(Vm, MremapMovesAProtNoneRegionWithItsData)
{
    ASSERT_EQ(map(A, 2 * K4), int64_t(A));
    proc->at(A + K4)[1] = 7;
    ASSERT_EQ(map(A + 2 * K4, K4), int64_t(A + 2 * K4)); // no room to grow in place
    ASSERT_EQ(vm_mprotect(p, A, 2 * K4, PROT_NONE), 0);
    int64_t to = vm_mremap(p, A, 2 * K4, 4 * K4, MREMAP_MAYMOVE, 0);
    ASSERT_GT(to, 0);
    EXPECT_NE(to, int64_t(A));
    EXPECT_FALSE(mapped(A));
    EXPECT_FALSE(mapped(A + K4));
    uint32_t prot;
    ASSERT_TRUE(mapped(to + K4, &prot));
    EXPECT_EQ(prot, 0u);
    EXPECT_EQ(vm_mprotect(p, to, 4 * K4, PROT_READ), 0);
    EXPECT_EQ(proc->at(to + K4)[1], 7);
    EXPECT_EQ(proc->at(to + 3 * K4)[0], 0);
    EXPECT_EQ(p->mem_used, 5 * K4);
}

// A move takes the old pages' entries, as Linux does: the same memory at the
// new place, 2 MiB pages still whole, nothing copied and nothing left behind;
// only what the region grew by is new memory.
TEST_F(Vm, MremapMovesThePagesThemselvesAndKeepsLargePagesWhole)
{
    ASSERT_EQ(map(A, 2 * M2), int64_t(A));
    ASSERT_EQ(map(A + 2 * M2, K4), int64_t(A + 2 * M2)); // no room to grow in place
    uint64_t size, pa_before, pa_after;
    uint32_t prot;
    ASSERT_TRUE(mapped(A + M2, &prot, &size));
    ASSERT_EQ(size, M2);
    ASSERT_TRUE(arch::mmu_lookup(p->root, A + M2 + 5 * K4, &pa_before, &prot, &size));
    proc->at(A + M2 + 5 * K4)[9] = 42;
    uint64_t used = p->mem_used;
    int64_t to = vm_mremap(p, A, 2 * M2, 3 * M2, MREMAP_MAYMOVE, 0);
    ASSERT_GT(to, 0);
    EXPECT_EQ(uint64_t(to) % M2, 0u);
    ASSERT_TRUE(arch::mmu_lookup(p->root, to + M2 + 5 * K4, &pa_after, &prot, &size));
    EXPECT_EQ(pa_after, pa_before) << "the same page, not a copy";
    EXPECT_EQ(size, M2);
    EXPECT_EQ(prot, RW);
    EXPECT_EQ(proc->at(to + M2 + 5 * K4)[9], 42);
    EXPECT_TRUE(mapped(to + 2 * M2 + K4)) << "the growth has memory";
    EXPECT_FALSE(mapped(A));
    EXPECT_FALSE(mapped(A + M2));
    EXPECT_EQ(p->mem_used, used + M2);
}

// A region that does not start on a 2 MiB boundary moves to the same offset
// within 2 MiB; pages the program never touched stay untouched.
TEST_F(Vm, MremapMovesAnUnalignedRegionAndItsHoles)
{
    ASSERT_EQ(map(A + 3 * K4, M2), int64_t(A + 3 * K4));
    ASSERT_EQ(map(A + 3 * K4 + M2, K4), int64_t(A + 3 * K4 + M2)); // no room to grow in place
    ASSERT_EQ(vm_madvise(p, A + 3 * K4 + 8 * K4, 2 * K4, MADV_DONTNEED), 0);
    proc->at(A + 3 * K4 + 7 * K4)[0] = 1;
    proc->at(A + 3 * K4 + M2 - K4)[1] = 2;
    int64_t to = vm_mremap(p, A + 3 * K4, M2, M2 + K4, MREMAP_MAYMOVE, 0);
    ASSERT_GT(to, 0);
    EXPECT_EQ(uint64_t(to) % M2, 3 * K4);
    EXPECT_EQ(proc->at(to + 7 * K4)[0], 1);
    EXPECT_EQ(proc->at(to + M2 - K4)[1], 2);
    EXPECT_FALSE(mapped(to + 8 * K4)) << "a page given back stays away";
    EXPECT_FALSE(mapped(A + 3 * K4 + 7 * K4));
    EXPECT_EQ(regions(), 2);
}

TEST_F(Vm, MremapGrowsInPlaceShrinksAndChecksAsLinux)
{
    ASSERT_EQ(map(A, K4), int64_t(A));
    proc->at(A)[0] = 5;
    EXPECT_EQ(vm_mremap(p, A, K4, 3 * K4, 0, 0), int64_t(A));
    EXPECT_TRUE(mapped(A + 2 * K4));
    EXPECT_EQ(proc->at(A)[0], 5);
    EXPECT_EQ(vm_mremap(p, A, 3 * K4, K4, 0, 0), int64_t(A));
    EXPECT_FALSE(mapped(A + K4));
    EXPECT_EQ(vm_mremap(p, A, K4, 0, 0, 0), -EINVAL);
    EXPECT_EQ(vm_mremap(p, A, K4, K4, 4, 0), -EINVAL); // MREMAP_DONTUNMAP alone
    EXPECT_EQ(vm_mremap(p, A + M2, K4, 2 * K4, MREMAP_MAYMOVE, 0), -EFAULT);
    EXPECT_EQ(vm_mremap(p, MCK_USER_END, K4, 2 * K4, MREMAP_MAYMOVE, 0), -EFAULT);
    ASSERT_EQ(map(A + K4, K4), int64_t(A + K4));
    EXPECT_EQ(vm_mremap(p, A, K4, 2 * K4, 0, 0), -ENOMEM); // no room, may not move
}

// MREMAP_FIXED: the memory goes exactly where asked, whatever was there goes;
// a range overlapping the old one, or without MREMAP_MAYMOVE, is EINVAL.
TEST_F(Vm, MremapFixedMovesToThatPlaceReplacingWhatWasThere)
{
    ASSERT_EQ(map(A, 2 * K4), int64_t(A));
    proc->at(A + K4)[2] = 9;
    ASSERT_EQ(map(A + M2, 4 * K4), int64_t(A + M2));
    proc->at(A + M2)[0] = 1;
    EXPECT_EQ(vm_mremap(p, A, 2 * K4, 3 * K4, MREMAP_FIXED, A + M2), -EINVAL) << "FIXED needs MAYMOVE";
    EXPECT_EQ(vm_mremap(p, A, 2 * K4, 3 * K4, MREMAP_MAYMOVE | MREMAP_FIXED, A + K4), -EINVAL) << "overlaps";
    EXPECT_EQ(vm_mremap(p, A, 2 * K4, 3 * K4, MREMAP_MAYMOVE | MREMAP_FIXED, A + M2 + 1), -EINVAL);
    EXPECT_EQ(vm_mremap(p, A, 2 * K4, 3 * K4, MREMAP_MAYMOVE | MREMAP_FIXED, 1ull << 47), -EINVAL);
    EXPECT_EQ(vm_mremap(p, A, 2 * K4, 3 * K4, MREMAP_MAYMOVE | MREMAP_FIXED, MCK_USER_END), -ENOMEM);
    EXPECT_EQ(proc->at(A + M2)[0], 1) << "nothing replaced by a refused move";
    EXPECT_EQ(vm_mremap(p, A, 2 * K4, 3 * K4, MREMAP_MAYMOVE | MREMAP_FIXED, A + M2), int64_t(A + M2));
    EXPECT_EQ(proc->at(A + M2 + K4)[2], 9);
    EXPECT_EQ(proc->at(A + M2)[0], 0) << "the old contents there went";
    EXPECT_TRUE(mapped(A + M2 + 2 * K4));
    EXPECT_TRUE(mapped(A + M2 + 3 * K4)) << "the rest of the mapping it replaced part of";
    EXPECT_FALSE(mapped(A));
    // Shrinking while moving: the first part moves, the rest goes.
    EXPECT_EQ(vm_mremap(p, A + M2, 3 * K4, K4, MREMAP_MAYMOVE | MREMAP_FIXED, A), int64_t(A));
    EXPECT_TRUE(mapped(A));
    EXPECT_FALSE(mapped(A + M2));
    EXPECT_FALSE(mapped(A + M2 + K4));
    EXPECT_FALSE(mapped(A + M2 + 2 * K4));
    // A second mapping (old size 0) of private memory would share nothing.
    EXPECT_EQ(vm_mremap(p, A, 0, K4, MREMAP_MAYMOVE, 0), -EINVAL);
}

// The pages a MREMAP_FIXED move replaces leave every CPU's TLB, the caller's
// too: its entries of the new place would else still reach them (once only the
// old range was flushed, and the new place when another thread had touched it).
TEST_F(Vm, MremapFixedFlushesThePagesItReplaced)
{
    ASSERT_EQ(map(A, 2 * K4), int64_t(A));
    ASSERT_EQ(map(A + M2, 4 * K4), int64_t(A + M2));
    proc->at(A + M2)[0] = 1; // mapped, so in some TLB
    fake::flushes.clear();
    ASSERT_EQ(vm_mremap(p, A, 2 * K4, 3 * K4, MREMAP_MAYMOVE | MREMAP_FIXED, A + M2), int64_t(A + M2));
    bool target = false, old = false;
    for (const fake::Flush& f : fake::flushes) {
        target = target || (f.start <= A + M2 && A + M2 + 3 * K4 <= f.start + f.len);
        old = old || (f.start <= A && A + 2 * K4 <= f.start + f.len);
    }
    EXPECT_TRUE(target) << "the new place";
    EXPECT_TRUE(old) << "the old range";
}

// Linux merges neighbouring regions that differ in nothing, so a range that
// was split and made whole again is one region for mremap.
TEST_F(Vm, MremapOfARegionSplitAndMadeWholeAgain)
{
    ASSERT_EQ(map(A, 2 * K4), int64_t(A));
    ASSERT_EQ(vm_mprotect(p, A + K4, K4, PROT_READ), 0);
    ASSERT_EQ(vm_mprotect(p, A + K4, K4, RW), 0);
    proc->at(A + K4)[3] = 4;
    EXPECT_EQ(vm_mremap(p, A, 2 * K4, 4 * K4, MREMAP_MAYMOVE, 0), int64_t(A));
    EXPECT_TRUE(mapped(A + 3 * K4));
    // Two mappings side by side, and moved.
    ASSERT_EQ(map(A + 4 * K4, K4), int64_t(A + 4 * K4));
    ASSERT_EQ(map(A + 5 * K4, K4), int64_t(A + 5 * K4)); // no room to grow
    int64_t to = vm_mremap(p, A, 5 * K4, 8 * K4, MREMAP_MAYMOVE, 0);
    ASSERT_GT(to, 0);
    EXPECT_EQ(proc->at(to + K4)[3], 4);
    EXPECT_FALSE(mapped(A));
    // Regions that differ are not one.
    ASSERT_EQ(map(A, K4, PROT_READ), int64_t(A));
    ASSERT_EQ(map(A + K4, K4), int64_t(A + K4));
    EXPECT_EQ(vm_mremap(p, A, 2 * K4, 4 * K4, MREMAP_MAYMOVE, 0), -EFAULT);
}

// LTP brk02 and the panic: the heap shrinks over a page the program
// made read-only; when it grows again that page is writable and zero.
TEST_F(Vm, BrkShrinksOverAReadOnlyPage)
{
    constexpr uint64_t B = 0x600000; // 6 MiB: 2 MiB-aligned, like a program's end
    p->brk_start = p->brk = B;
    ASSERT_EQ(vm_brk(p, B + 3 * K4), int64_t(B + 3 * K4));
    EXPECT_TRUE(mapped(B + 2 * K4));
    memset(proc->at(B + K4), 0x77, 2 * K4);
    ASSERT_EQ(vm_mprotect(p, B + K4, K4, PROT_READ), 0);
    EXPECT_EQ(vm_brk(p, B + K4), int64_t(B + K4));
    EXPECT_EQ(vm_brk(p, B + 3 * K4), int64_t(B + 3 * K4));
    uint32_t prot;
    ASSERT_TRUE(mapped(B + K4, &prot));
    EXPECT_EQ(prot, RW);
    EXPECT_EQ(proc->at(B + K4)[0], 0);
    EXPECT_EQ(proc->at(B + 2 * K4)[0], 0);
    // Below its start the break does not move; growing past 2 MiB adds memory.
    EXPECT_EQ(vm_brk(p, B - K4), int64_t(B + 3 * K4));
    EXPECT_EQ(vm_brk(p, B + M2 + K4), int64_t(B + M2 + K4));
    EXPECT_TRUE(mapped(B + M2));
    EXPECT_EQ(vm_brk(p, B), int64_t(B));
    EXPECT_FALSE(mapped(B));
    EXPECT_EQ(p->mem_used, 0u);
}

TEST_F(Vm, BrkStopsAtTheNextRegion)
{
    constexpr uint64_t B = 0x600000;
    p->brk_start = p->brk = B;
    ASSERT_EQ(map(B + M2, K4), int64_t(B + M2));
    EXPECT_EQ(vm_brk(p, B + K4), int64_t(B + K4));
    EXPECT_EQ(vm_brk(p, B + M2 + K4), int64_t(B + K4));
}

TEST_F(Vm, MadviseDontneedDropsPagesThatComeBackZero)
{
    ASSERT_EQ(map(A, 4 * K4), int64_t(A));
    memset(proc->at(A + K4), 0x33, K4);
    EXPECT_EQ(vm_madvise(p, A + K4, K4, MADV_DONTNEED), 0);
    EXPECT_FALSE(mapped(A + K4));
    EXPECT_TRUE(mapped(A));
    EXPECT_EQ(p->mem_used, 3 * K4);
    EXPECT_EQ(vm_fault(p, A + K4, true), 0);
    EXPECT_EQ(proc->at(A + K4)[0], 0);
}

TEST_F(Vm, MadviseArgumentsAndHolesAsLinux)
{
    ASSERT_EQ(map(A, K4), int64_t(A));
    EXPECT_EQ(vm_madvise(p, A, K4, 77), -EINVAL);
    EXPECT_EQ(vm_madvise(p, A + 1, K4, MADV_DONTNEED), -EINVAL);
    EXPECT_EQ(vm_madvise(p, A, ~0ull, MADV_DONTNEED), -EINVAL);
    EXPECT_EQ(vm_madvise(p, A, 0, MADV_DONTNEED), 0);
    EXPECT_EQ(vm_madvise(p, MCK_USER_END, K4, MADV_DONTNEED), -ENOMEM);
    EXPECT_EQ(vm_madvise(p, A, 2 * K4, MADV_NORMAL), -ENOMEM);
    EXPECT_EQ(vm_madvise(p, A + M2, K4, MADV_DONTNEED), -ENOMEM);
}

// Linux's refusals by region: a locked region's pages cannot be dropped,
// MADV_REMOVE needs a writable shared mapping, fork's wiping private memory.
TEST_F(Vm, MadviseRefusesWhatLinuxRefusesForTheRegion)
{
    ASSERT_EQ(map(A, 4 * K4), int64_t(A));
    EXPECT_EQ(vm_madvise(p, A, K4, MADV_REMOVE), -EACCES);
    EXPECT_EQ(vm_madvise(p, A, K4, MADV_WIPEONFORK), 0);
    EXPECT_EQ(vm_madvise(p, A, K4, MADV_KEEPONFORK), 0);
    ASSERT_EQ(vm_set_locked(p, A + 2 * K4, K4, true), 0);
    EXPECT_EQ(vm_madvise(p, A, 4 * K4, MADV_DONTNEED), -EINVAL);
    EXPECT_EQ(vm_madvise(p, A + 2 * K4, K4, MADV_FREE), -EINVAL);
    EXPECT_EQ(vm_madvise(p, A + 2 * K4, K4, MADV_REMOVE), -EINVAL) << "the lock is looked at first";
    EXPECT_EQ(vm_madvise(p, A, 2 * K4, MADV_DONTNEED), 0) << "the unlocked part may go";
    EXPECT_TRUE(mapped(A + 2 * K4));
}

// The hang: 48 TiB of nothing is answered at once.
TEST_F(Vm, MadviseOverAHugeUnmappedRangeIsFast)
{
    ASSERT_EQ(map(A, K4), int64_t(A));
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(vm_madvise(p, MCK_USER_START, 48ull << 40, MADV_DONTNEED), -ENOMEM);
    EXPECT_EQ(vm_madvise(p, MCK_USER_START, MCK_USER_END - MCK_USER_START, MADV_WILLNEED), -ENOMEM);
    EXPECT_EQ(vm_check_mapped(p, MCK_USER_START, 48ull << 40), -ENOMEM);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(100));
    EXPECT_FALSE(mapped(A)); // DONTNEED dropped the one page in range
    EXPECT_EQ(p->mem_used, 0u);
}

TEST_F(Vm, MincoreReportsResidentPages)
{
    ASSERT_EQ(map(A, 4 * K4), int64_t(A));
    ASSERT_EQ(map(A + M2, 4 * K4), int64_t(A + M2));
    ASSERT_EQ(vm_madvise(p, A + M2, 4 * K4, MADV_DONTNEED), 0);
    ASSERT_EQ(vm_madvise(p, A + K4, K4, MADV_DONTNEED), 0);
    ASSERT_EQ(map(A + 2 * M2, K4), int64_t(A + 2 * M2)); // the vector
    EXPECT_EQ(vm_mincore(p, A, 4 * K4, A + 2 * M2), 0);
    const uint8_t want[4] = {1, 0, 1, 1};
    EXPECT_EQ(memcmp(proc->at(A + 2 * M2), want, 4), 0);
    EXPECT_EQ(vm_mincore(p, A + M2, 4 * K4, A + 2 * M2), 0);
    EXPECT_EQ(proc->at(A + 2 * M2)[0], 0);
    // Bad arguments and holes, as Linux.
    EXPECT_EQ(vm_mincore(p, A + 1, K4, A + 2 * M2), -EINVAL);
    EXPECT_EQ(vm_mincore(p, A, 8 * K4, A + 2 * M2), -ENOMEM);
    EXPECT_EQ(vm_mincore(p, MCK_USER_END, K4, A + 2 * M2), -ENOMEM);
    EXPECT_EQ(vm_mincore(p, A, 0, A + 2 * M2), 0);
    EXPECT_EQ(vm_mincore(p, A, 4 * K4, A + 3 * M2), -EFAULT); // the vector is not mapped
    EXPECT_EQ(vm_mincore(p, A, 4 * K4, MCK_USER_END), -EFAULT);
    ASSERT_EQ(vm_mprotect(p, A + 2 * M2, K4, PROT_READ), 0);
    EXPECT_EQ(vm_mincore(p, A, 4 * K4, A + 2 * M2), -EFAULT); // nor writable
}

// Larger than the instance, so only reserved: pages come on first touch, a
// 2 MiB page where the region covers the aligned block, else a 4 KiB page.
TEST_F(Vm, DemandFaultsFillTheBlockOrThePage)
{
    ASSERT_EQ(map(A + K4, 128 * M, RW, ANON | MAP_FIXED | MAP_NORESERVE), int64_t(A + K4));
    EXPECT_FALSE(mapped(A + M2));
    EXPECT_EQ(vm_fault(p, A + M2 + 12345, false), 0);
    uint64_t size;
    ASSERT_TRUE(mapped(A + M2, nullptr, &size));
    EXPECT_EQ(size, M2);
    EXPECT_FALSE(mapped(A + 2 * M2));
    EXPECT_EQ(vm_fault(p, A + 2 * K4 + 1, true), 0);
    ASSERT_TRUE(mapped(A + 2 * K4, nullptr, &size));
    EXPECT_EQ(size, K4);
    EXPECT_FALSE(mapped(A + K4));
    EXPECT_FALSE(mapped(A + 3 * K4));
    EXPECT_EQ(vm_fault(p, A, false), 11); // no region
    EXPECT_EQ(vm_fault(p, A + 5 * K4, false), 0);
    EXPECT_EQ(p->mem_used, M2 + 2 * K4);
}

TEST_F(Vm, AccessChecksFollowThePageTables)
{
    ASSERT_EQ(map(A, K4, PROT_READ), int64_t(A));
    EXPECT_TRUE(vm_access_ok(p, A, 4, false));
    EXPECT_FALSE(vm_access_ok(p, A, 4, true));
    EXPECT_FALSE(vm_access_ok(p, A + K4 - 2, 4, false)); // into the hole after it
    EXPECT_FALSE(vm_access_ok(p, MCK_USER_END - 2, 4, false));
    EXPECT_FALSE(vm_access_ok(p, ~0ull - 1, 4, false));
    EXPECT_TRUE(vm_access_ok(p, A, 0, true));
}

// Page tables go with the process; as long as it lives they may stay for
// reuse, but an address space walked once across must not cost a table per
// mapping forever (a program could fill the kernel's reserve with them).
TEST_F(Vm, TablesOfUnmappedRangesAreFreed)
{
    ASSERT_EQ(map(A, K4), int64_t(A));
    ASSERT_EQ(vm_munmap(p, A, K4), 0);
    uint64_t after_one = mem_free_bytes(-1);
    for (uint64_t i = 1; i < 64; i++) {
        ASSERT_EQ(map(A + (i << 30), K4), int64_t(A + (i << 30)));
        ASSERT_EQ(vm_munmap(p, A + (i << 30), K4), 0);
    }
    EXPECT_EQ(mem_free_bytes(-1), after_one);
}

// Linux's side of shared file mappings, faked: mcexec answers MCK_SYS_MAP_SHARED
// with the Linux pages of the file, pinned.
class VmShared : public Vm {
protected:
    static constexpr uint64_t HANDLE = 0x7f0000000000ull; // where mcexec mapped the file
    void answer(uint64_t file_pages, uint64_t pin = MCK_PIN_WRITABLE, uint64_t first = fake::LINUX_PHYS)
    {
        fake::offload_handler = [=](const fake::Call& c) -> int64_t {
            if (c.nr != MCK_SYS_MAP_SHARED)
                return -ENOSYS;
            auto* list = reinterpret_cast<uint64_t*>(fake::host(c.args[4]));
            for (uint64_t i = 0; i < c.args[1] / K4; i++)
                list[i] = i < file_pages ? (first + i * K4) | pin : 0;
            return int64_t(HANDLE);
        };
    }
};

TEST_F(VmShared, MapsLinuxPagesAndUnmapQueuesAnInvalidation)
{
    answer(3);
    fake::host(fake::LINUX_PHYS + K4)[0] = 0x42; // the file's data, in Linux's page cache
    int64_t a = vm_mmap(p, A, 3 * K4, RW, MAP_SHARED | MAP_FIXED, 5, 0);
    ASSERT_EQ(a, int64_t(A));
    ASSERT_EQ(fake::offloads.size(), 1u);
    EXPECT_EQ(fake::offloads[0].args[0], 5u);
    EXPECT_EQ(fake::offloads[0].args[1], 3 * K4);
    EXPECT_EQ(proc->at(A + K4)[0], 0x42);
    uint64_t phys; // the futex key of a shared word
    EXPECT_TRUE(vm_shared_phys(p, A + K4 + 8, &phys));
    EXPECT_EQ(phys, fake::LINUX_PHYS + K4 + 8);
    EXPECT_EQ(p->mem_used, 0u); // Linux's pages are not the program's memory
    fake::invalidations.clear();
    EXPECT_EQ(vm_munmap(p, A, 3 * K4), 0);
    ASSERT_EQ(fake::invalidations.size(), 1u);
    EXPECT_EQ(fake::invalidations[0].start, A);
    EXPECT_EQ(fake::invalidations[0].len, 3 * K4);
    // None of the file's pages are ours to free: only page tables left empty.
    EXPECT_LE(fake::invalidations[0].page_bytes, 3 * K4);
    EXPECT_FALSE(mapped(A));
}

// After the unmap and its TLB flush, mcexec is told which of its pages to
// unpin and drop: the Linux address of each piece (and the unmap's number in
// mcexec's queue, from the shared block the fake has not); a partial unmap
// names only the part that went.
TEST_F(VmShared, UnmapReleasesLinuxsPagesOfThatPart)
{
    answer(4);
    ASSERT_EQ(vm_mmap(p, A, 4 * K4, RW, MAP_SHARED | MAP_FIXED, 5, 0), int64_t(A));
    fake::offloads.clear();
    EXPECT_EQ(vm_munmap(p, A + K4, 2 * K4), 0);
    ASSERT_EQ(fake::offloads.size(), 1u);
    EXPECT_EQ(fake::offloads[0].nr, MCK_SYS_SHARED_RELEASE);
    EXPECT_EQ(fake::offloads[0].args[0], HANDLE + K4);
    EXPECT_EQ(fake::offloads[0].args[1], 2 * K4);
    EXPECT_TRUE(mapped(A));
    EXPECT_TRUE(mapped(A + 3 * K4));
    // A private mapping placed over the rest releases both ends too.
    fake::offloads.clear();
    ASSERT_EQ(vm_mmap(p, A, 4 * K4, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), int64_t(A));
    ASSERT_EQ(fake::offloads.size(), 2u);
    std::vector<uint64_t> released{fake::offloads[0].args[0], fake::offloads[1].args[0]};
    std::sort(released.begin(), released.end());
    EXPECT_EQ(released, (std::vector<uint64_t>{HANDLE, HANDLE + 3 * K4}));
    // Private memory goes without a word to Linux.
    fake::offloads.clear();
    EXPECT_EQ(vm_munmap(p, A, 4 * K4), 0);
    EXPECT_TRUE(fake::offloads.empty());
    EXPECT_EQ(p->nshared_releases, 0u);
}

TEST_F(VmShared, PagesPastTheEndOfTheFileRaiseSigbus)
{
    answer(1);
    ASSERT_EQ(vm_mmap(p, A, 3 * K4, PROT_READ, MAP_SHARED | MAP_FIXED, 5, 0), int64_t(A));
    EXPECT_TRUE(mapped(A));
    EXPECT_FALSE(mapped(A + K4));
    EXPECT_EQ(vm_fault(p, A + K4, false), 7);
    EXPECT_EQ(vm_munmap(p, A, 3 * K4), 0);
}

TEST_F(VmShared, ReadOnlyFileCannotBeMappedOrMadeWritable)
{
    answer(2, 0);
    EXPECT_EQ(vm_mmap(p, A, 2 * K4, RW, MAP_SHARED | MAP_FIXED, 5, 0), -EACCES);
    EXPECT_EQ(p->vmas, nullptr);
    ASSERT_EQ(vm_mmap(p, A, 2 * K4, PROT_READ, MAP_SHARED | MAP_FIXED, 5, 0), int64_t(A));
    // mprotect asks Linux (MCK_SYS_SHARED_WRITABLE); it says no.
    fake::offload_handler = [](const fake::Call& c) -> int64_t {
        return c.nr == MCK_SYS_SHARED_WRITABLE ? -EACCES : -ENOSYS;
    };
    EXPECT_EQ(vm_mprotect(p, A, 2 * K4, RW), -EACCES);
    uint32_t prot;
    ASSERT_TRUE(mapped(A, &prot));
    EXPECT_EQ(prot, uint32_t(PROT_READ));
    EXPECT_EQ(vm_munmap(p, A, 2 * K4), 0);
}

TEST_F(VmShared, AnLwkPageInTheAnswerIsRefused)
{
    uint64_t ours = mem_alloc(K4, -1);
    answer(1, MCK_PIN_WRITABLE, ours);
    EXPECT_EQ(vm_mmap(p, A, K4, RW, MAP_SHARED | MAP_FIXED, 5, 0), -EIO);
    EXPECT_FALSE(mapped(A));
    EXPECT_EQ(p->vmas, nullptr);
    mem_free(ours, K4);
}

// A device file's memory or I/O space (mcctrl's pin_io.c): frames, not pages,
// mapped with the memory type Linux uses; no futex and no process_vm there.
TEST_F(VmShared, DeviceMemoryIsMappedWithLinuxsMemoryType)
{
    answer(2, MCK_PIN_WRITABLE | MCK_PIN_IO | (uint64_t(MCK_CACHE_WC) << MCK_PIN_CACHE_SHIFT));
    ASSERT_EQ(vm_mmap(p, A, 2 * K4, RW, MAP_SHARED | MAP_FIXED, 5, 0), int64_t(A));
    EXPECT_EQ(mck::arch::mmu_cache(p->root, A), mck::arch::Cache::WriteCombining);
    EXPECT_EQ(mck::arch::mmu_cache(p->root, A + K4), mck::arch::Cache::WriteCombining);
    uint64_t phys;
    EXPECT_FALSE(vm_shared_phys(p, A, &phys)) << "a futex in device memory: EFAULT, as on Linux";
    {
        SpinLockGuard guard(p->lock);
        EXPECT_TRUE(vm_io_locked(p, A + K4));
    }
    // mprotect keeps the type.
    ASSERT_EQ(vm_mprotect(p, A, 2 * K4, PROT_READ), 0);
    EXPECT_EQ(mck::arch::mmu_cache(p->root, A + K4), mck::arch::Cache::WriteCombining);
    EXPECT_EQ(vm_munmap(p, A, 2 * K4), 0);
    // A page of ordinary memory keeps write-back.
    answer(1);
    ASSERT_EQ(vm_mmap(p, A, K4, RW, MAP_SHARED | MAP_FIXED, 5, 0), int64_t(A));
    EXPECT_EQ(mck::arch::mmu_cache(p->root, A), mck::arch::Cache::WriteBack);
    {
        SpinLockGuard guard(p->lock);
        EXPECT_FALSE(vm_io_locked(p, A));
    }
    EXPECT_EQ(vm_munmap(p, A, K4), 0);
}

TEST_F(VmShared, NonsenseDeviceAnswersAreRefused)
{
    const uint64_t io = MCK_PIN_WRITABLE | MCK_PIN_IO;
    for (uint64_t bad : std::initializer_list<uint64_t>{MCK_PIN_WRITABLE | (uint64_t(MCK_CACHE_UC) << MCK_PIN_CACHE_SHIFT), // a type for a page
                         io | (6ull << MCK_PIN_CACHE_SHIFT), io | (7ull << MCK_PIN_CACHE_SHIFT), // no such type
                         io | 0x100}) {                                                          // unknown flag
        answer(1, bad);
        EXPECT_EQ(vm_mmap(p, A, K4, RW, MAP_SHARED | MAP_FIXED, 5, 0), -EIO) << std::hex << bad;
        EXPECT_FALSE(mapped(A));
        EXPECT_EQ(p->vmas, nullptr);
    }
    // Pages and device memory in one mapping: not something Linux does.
    fake::offload_handler = [](const fake::Call& c) -> int64_t {
        if (c.nr != MCK_SYS_MAP_SHARED)
            return 0;
        auto* list = reinterpret_cast<uint64_t*>(fake::host(c.args[4]));
        list[0] = fake::LINUX_PHYS | MCK_PIN_WRITABLE;
        list[1] = (fake::LINUX_PHYS + K4) | MCK_PIN_WRITABLE | MCK_PIN_IO;
        return int64_t(HANDLE);
    };
    EXPECT_EQ(vm_mmap(p, A, 2 * K4, RW, MAP_SHARED | MAP_FIXED, 5, 0), -EIO);
    EXPECT_FALSE(mapped(A));
}

// MAP_SHARED|MAP_ANONYMOUS: Linux's shared anonymous memory, through the
// shared-file call with no file (mcexec/shared_anon.h); kept like a file's pages.
TEST_F(VmShared, SharedAnonymousMemoryIsLinuxsAndKeepsItsData)
{
    fake::offload_handler = [](const fake::Call& c) -> int64_t {
        if (c.nr != MCK_SYS_MAP_SHARED || c.args[0] != MCK_SHARED_ANON_FD || c.args[3] != 0)
            return -ENOSYS;
        auto* list = reinterpret_cast<uint64_t*>(fake::host(c.args[4]));
        for (uint64_t i = 0; i < c.args[1] / K4; i++)
            list[i] = (fake::LINUX_PHYS + i * K4) | MCK_PIN_WRITABLE;
        return int64_t(HANDLE);
    };
    int64_t a = vm_mmap(p, A, 2 * K4, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, 9, 0);
    ASSERT_EQ(a, int64_t(A));
    ASSERT_EQ(fake::offloads.size(), 1u);
    EXPECT_EQ(p->mem_used, 0u);
    uint64_t phys;
    bool linux_too = true;
    EXPECT_TRUE(vm_shared_phys(p, A + K4, &phys, &linux_too));
    EXPECT_EQ(phys, fake::LINUX_PHYS + K4);
    EXPECT_FALSE(linux_too) << "no Linux program maps it: futex waits need no slices";
    // MADV_DONTNEED keeps shared contents (Linux: the object keeps them);
    // MADV_FREE is for private memory only.
    proc->at(A)[3] = 0x77;
    EXPECT_EQ(vm_madvise(p, A, 2 * K4, MADV_DONTNEED), 0);
    EXPECT_EQ(proc->at(A)[3], 0x77);
    EXPECT_EQ(vm_madvise(p, A, K4, MADV_FREE), -EINVAL);
    EXPECT_EQ(vm_madvise(p, A, K4, MADV_WIPEONFORK), -EINVAL) << "fork's wiping is for private memory";
    EXPECT_EQ(vm_munmap(p, A, 2 * K4), 0);
    EXPECT_FALSE(mapped(A));
}

// mremap of a shared mapping: mcexec makes a second mapping of the same
// object from the same place, with the new length (MCK_SYS_SHARED_REMAP), and
// that replaces the old range, whose pins and mapping in mcexec go.
class VmSharedRemap : public VmShared {
protected:
    static constexpr uint64_t AGAIN = 0x7f2000000000ull; // mcexec's second mapping
    uint64_t backed = 0;                                 // pages the object has
    uint64_t remaps = 0;
    void answer_remap(uint64_t pages)
    {
        answer(pages);
        auto map_shared = fake::offload_handler;
        backed = pages;
        fake::offload_handler = [this, map_shared](const fake::Call& c) -> int64_t {
            if (c.nr == MCK_SYS_SHARED_RELEASE)
                return 0;
            if (c.nr != MCK_SYS_SHARED_REMAP)
                return map_shared(c);
            // The object's page at mcexec's address: mappings at HANDLE, then
            // at AGAIN + n GiB for the nth second one, all from the object's start.
            uint64_t at = c.args[0];
            if (at < HANDLE || (at >= HANDLE + 16 * K4 && at < AGAIN))
                return -EINVAL;
            uint64_t first = (at < AGAIN ? at - HANDLE : (at - AGAIN) % (1ull << 30)) / K4;
            auto* list = reinterpret_cast<uint64_t*>(fake::host(c.args[4]));
            for (uint64_t i = 0; i < c.args[1] / K4; i++)
                list[i] = first + i < backed ? (fake::LINUX_PHYS + (first + i) * K4) | MCK_PIN_WRITABLE : 0;
            return int64_t(AGAIN + (remaps++ << 30) + first * K4);
        };
    }
    std::vector<fake::Call> calls(uint64_t nr)
    {
        std::vector<fake::Call> out;
        for (const auto& c : fake::offloads)
            if (c.nr == nr)
                out.push_back(c);
        return out;
    }
    uint64_t phys(uint64_t va)
    {
        uint64_t pa = 0;
        EXPECT_TRUE(vm_shared_phys(p, va, &pa)) << std::hex << va;
        return pa;
    }
};

TEST_F(VmSharedRemap, GrowsInPlaceWithTheSamePages)
{
    answer_remap(4);
    ASSERT_EQ(vm_mmap(p, A, 2 * K4, RW, MAP_SHARED | MAP_FIXED, 5, 0), int64_t(A));
    fake::host(fake::LINUX_PHYS + K4)[3] = 0x33;
    fake::offloads.clear();
    ASSERT_EQ(vm_mremap(p, A, 2 * K4, 4 * K4, 0, 0), int64_t(A));
    auto remaps = calls(MCK_SYS_SHARED_REMAP);
    ASSERT_EQ(remaps.size(), 1u);
    EXPECT_EQ(remaps[0].args[0], HANDLE);
    EXPECT_EQ(remaps[0].args[1], 4 * K4);
    EXPECT_EQ(remaps[0].args[2], uint64_t(RW));
    EXPECT_EQ(proc->at(A + K4)[3], 0x33);
    EXPECT_EQ(phys(A + 3 * K4), fake::LINUX_PHYS + 3 * K4);
    EXPECT_EQ(p->mem_used, 0u);
    // The old range's pins go: mcexec's first mapping, as after a munmap.
    auto releases = calls(MCK_SYS_SHARED_RELEASE);
    ASSERT_EQ(releases.size(), 1u);
    EXPECT_EQ(releases[0].args[0], HANDLE);
    EXPECT_EQ(releases[0].args[1], 2 * K4);
    EXPECT_EQ(regions(), 1);
    // The new mapping is mcexec's second one: a later unmap names it.
    fake::offloads.clear();
    EXPECT_EQ(vm_munmap(p, A, 4 * K4), 0);
    releases = calls(MCK_SYS_SHARED_RELEASE);
    ASSERT_EQ(releases.size(), 1u);
    EXPECT_EQ(releases[0].args[0], AGAIN);
    EXPECT_EQ(releases[0].args[1], 4 * K4);
}

TEST_F(VmSharedRemap, MovesWhenBlockedAndOnlyWithMaymove)
{
    answer_remap(8);
    ASSERT_EQ(vm_mmap(p, A, 2 * K4, RW, MAP_SHARED | MAP_FIXED, 5, 0), int64_t(A));
    ASSERT_EQ(map(A + 2 * K4, K4), int64_t(A + 2 * K4)); // no room to grow in place
    fake::offloads.clear();
    EXPECT_EQ(vm_mremap(p, A, 2 * K4, 4 * K4, 0, 0), -ENOMEM);
    EXPECT_TRUE(fake::offloads.empty()) << "refused before mcexec mapped anything";
    // From the second page on: mcexec's mapping from there.
    int64_t to = vm_mremap(p, A + K4, K4, 3 * K4, MREMAP_MAYMOVE, 0);
    ASSERT_GT(to, 0);
    EXPECT_NE(to, int64_t(A + K4));
    auto remaps = calls(MCK_SYS_SHARED_REMAP);
    ASSERT_EQ(remaps.size(), 1u);
    EXPECT_EQ(remaps[0].args[0], HANDLE + K4);
    EXPECT_EQ(phys(to), fake::LINUX_PHYS + K4);
    EXPECT_EQ(phys(to + 2 * K4), fake::LINUX_PHYS + 3 * K4);
    EXPECT_TRUE(mapped(A)) << "the part not moved stays";
    EXPECT_FALSE(mapped(A + K4));
    auto releases = calls(MCK_SYS_SHARED_RELEASE);
    ASSERT_EQ(releases.size(), 1u);
    EXPECT_EQ(releases[0].args[0], HANDLE + K4);
    EXPECT_EQ(releases[0].args[1], K4);
    EXPECT_EQ(calls(MCK_SYS_SHARED_REMAP).size(), 1u);
    // MREMAP_FIXED: over the private page.
    fake::offloads.clear();
    EXPECT_EQ(vm_mremap(p, to, 3 * K4, 2 * K4, MREMAP_MAYMOVE | MREMAP_FIXED, A + 2 * K4), int64_t(A + 2 * K4));
    EXPECT_EQ(phys(A + 3 * K4), fake::LINUX_PHYS + 2 * K4);
    EXPECT_FALSE(mapped(to));
    EXPECT_FALSE(mapped(to + 2 * K4)) << "cut before it moved";
}

// Past what the object backs (a file's end, shared anonymous memory's size),
// the new pages raise SIGBUS, as on Linux; a second mapping (old size 0) keeps
// the first.
TEST_F(VmSharedRemap, PastTheObjectIsSigbusAndOldSizeZeroMakesASecondMapping)
{
    answer_remap(2);
    ASSERT_EQ(vm_mmap(p, A, 2 * K4, RW, MAP_SHARED | MAP_FIXED, 5, 0), int64_t(A));
    ASSERT_EQ(vm_mremap(p, A, 2 * K4, 4 * K4, 0, 0), int64_t(A));
    EXPECT_TRUE(mapped(A + K4));
    EXPECT_FALSE(mapped(A + 2 * K4));
    EXPECT_EQ(vm_fault(p, A + 3 * K4, false), 7);
    fake::offloads.clear();
    EXPECT_EQ(vm_mremap(p, A, 0, K4, 0, 0), -ENOMEM) << "a second mapping must move";
    int64_t second = vm_mremap(p, A, 0, 2 * K4, MREMAP_MAYMOVE, 0);
    ASSERT_GT(second, 0);
    EXPECT_EQ(phys(second + K4), phys(A + K4));
    EXPECT_TRUE(calls(MCK_SYS_SHARED_RELEASE).empty());
    EXPECT_TRUE(mapped(A));
}

// What mcexec's second mapping cannot be (Linux refused it) changes nothing.
TEST_F(VmSharedRemap, ARefusalKeepsTheOldMapping)
{
    answer(2);
    ASSERT_EQ(vm_mmap(p, A, 2 * K4, RW, MAP_SHARED | MAP_FIXED, 5, 0), int64_t(A));
    fake::offload_handler = [](const fake::Call& c) -> int64_t {
        return c.nr == MCK_SYS_SHARED_REMAP ? -EAGAIN : c.nr == MCK_SYS_SHARED_RELEASE ? 0 : -ENOSYS;
    };
    EXPECT_EQ(vm_mremap(p, A, 2 * K4, 4 * K4, MREMAP_MAYMOVE, 0), -EAGAIN);
    EXPECT_EQ(phys(A + K4), fake::LINUX_PHYS + K4);
    EXPECT_FALSE(mapped(A + 2 * K4));
    // An answer naming our own memory: refused, the new range unmapped, the old kept.
    uint64_t ours = mem_alloc(K4, -1);
    fake::offload_handler = [ours](const fake::Call& c) -> int64_t {
        if (c.nr == MCK_SYS_SHARED_RELEASE)
            return 0;
        if (c.nr != MCK_SYS_SHARED_REMAP)
            return -ENOSYS;
        auto* list = reinterpret_cast<uint64_t*>(fake::host(c.args[4]));
        for (uint64_t i = 0; i < c.args[1] / K4; i++)
            list[i] = ours | MCK_PIN_WRITABLE;
        return int64_t(AGAIN);
    };
    fake::offloads.clear();
    ASSERT_EQ(map(A + 2 * K4, K4), int64_t(A + 2 * K4));
    EXPECT_EQ(vm_mremap(p, A, 2 * K4, 4 * K4, MREMAP_MAYMOVE, 0), -EIO);
    EXPECT_EQ(phys(A + K4), fake::LINUX_PHYS + K4);
    auto releases = calls(MCK_SYS_SHARED_RELEASE);
    ASSERT_EQ(releases.size(), 1u) << "mcexec lets go of its second mapping at once";
    EXPECT_EQ(releases[0].args[0], AGAIN);
    mem_free(ours, K4);
}

// Not moved: a System V attach (EINVAL); device memory does not grow (Linux's EFAULT).
TEST_F(VmSharedRemap, ShmAndDeviceMemoryAreNotMoved)
{
    fake::offload_handler = [](const fake::Call& c) -> int64_t {
        if (c.nr == MCK_SYS_SHM_ATTACH) {
            auto* list = reinterpret_cast<uint64_t*>(fake::host(c.args[4]));
            for (uint64_t i = 0; i < c.args[1] / K4; i++)
                list[i] = (fake::LINUX_PHYS + i * K4) | MCK_PIN_WRITABLE;
            return int64_t(HANDLE);
        }
        return c.nr == MCK_SYS_SHARED_RELEASE || c.nr == MCK_SYS_SHM_DETACH ? 0 : -ENOSYS;
    };
    ASSERT_EQ(vm_shm_attach(p, A, 2 * K4, RW, false, 7, 0), int64_t(A));
    ASSERT_EQ(map(A + 2 * K4, K4), int64_t(A + 2 * K4));
    fake::offloads.clear();
    EXPECT_EQ(vm_mremap(p, A, 2 * K4, 4 * K4, 0, 0), -ENOMEM) << "Linux's answer first (LTP mremap04)";
    EXPECT_EQ(vm_mremap(p, A, 2 * K4, 4 * K4, MREMAP_MAYMOVE, 0), -EINVAL);
    EXPECT_TRUE(calls(MCK_SYS_SHARED_REMAP).empty());
    EXPECT_EQ(vm_munmap(p, A, 2 * K4), 0);
    fake::offload_handler = [](const fake::Call& c) -> int64_t {
        if (c.nr == MCK_SYS_MAP_SHARED) {
            auto* list = reinterpret_cast<uint64_t*>(fake::host(c.args[4]));
            for (uint64_t i = 0; i < c.args[1] / K4; i++)
                list[i] = (0xfe000000ull + i * K4) | MCK_PIN_IO | MCK_PIN_WRITABLE;
            return int64_t(HANDLE);
        }
        return c.nr == MCK_SYS_SHARED_RELEASE ? 0 : -ENOSYS;
    };
    ASSERT_EQ(vm_mmap(p, A, 2 * K4, RW, MAP_SHARED | MAP_FIXED, 5, 0), int64_t(A));
    EXPECT_EQ(vm_mremap(p, A, 2 * K4, 4 * K4, MREMAP_MAYMOVE, 0), -EFAULT);
    EXPECT_TRUE(calls(MCK_SYS_SHARED_REMAP).empty());
}

TEST_F(VmShared, SharedMappingsRefusedBeforeLinuxMapsAnything)
{
    answer(4);
    // A negative descriptor without MAP_ANONYMOUS is no file (Linux: EBADF),
    // and never mcexec's anonymous request.
    EXPECT_EQ(vm_mmap(p, A, K4, RW, MAP_SHARED | MAP_FIXED, -1, 0), -EBADF);
    EXPECT_EQ(vm_mmap(p, A, K4, RW, MAP_SHARED | MAP_FIXED, 0xffffffffull, 0), -EBADF);
    // Past RLIMIT_AS or over a mapping with MAP_FIXED_NOREPLACE: nothing pinned on Linux.
    p->rlimits[MCK_RLIMIT_AS].cur = 2 * K4;
    EXPECT_EQ(vm_mmap(p, A, 4 * K4, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0), -ENOMEM);
    EXPECT_EQ(vm_mmap(p, A, 4 * K4, RW, MAP_SHARED | MAP_FIXED, 5, 0), -ENOMEM);
    p->rlimits[MCK_RLIMIT_AS].cur = ~0ull;
    ASSERT_EQ(map(A, K4), int64_t(A));
    EXPECT_EQ(vm_mmap(p, A, K4, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), -EEXIST);
    EXPECT_TRUE(fake::offloads.empty());
    EXPECT_EQ(vm_munmap(p, A, K4), 0);
}

// System V shared memory: mcexec attaches the segment and mcctrl pins it for
// MCK_SYS_SHM_ATTACH (the list in the same place as for a shared file mapping);
// shmdt unmaps what is left of the attach once mcexec detached it.
TEST_F(VmShared, ShmAttachMapsLinuxPagesAndDetachUnmapsTheAttach)
{
    constexpr uint64_t SEG = 0x7f1000000000ull;
    fake::offload_handler = [](const fake::Call& c) -> int64_t {
        if (c.nr == MCK_SYS_SHM_ATTACH) {
            EXPECT_EQ(c.args[0], 7u); // shmid
            auto* list = reinterpret_cast<uint64_t*>(fake::host(c.args[4]));
            for (uint64_t i = 0; i < c.args[1] / K4; i++)
                list[i] = (fake::LINUX_PHYS + i * K4) | MCK_PIN_WRITABLE;
            return int64_t(SEG);
        }
        if (c.nr == MCK_SYS_SHM_DETACH)
            return c.args[0] == SEG ? int64_t(4 * K4) : -EINVAL;
        return -ENOSYS;
    };
    fake::host(fake::LINUX_PHYS + 2 * K4)[5] = 0x5a;
    ASSERT_EQ(vm_shm_attach(p, A, 4 * K4, RW, false, 7, 0), int64_t(A));
    EXPECT_EQ(proc->at(A + 2 * K4)[5], 0x5a);
    EXPECT_EQ(p->mem_used, 0u);
    // Without SHM_REMAP an attach never replaces a mapping (Linux: EINVAL).
    ASSERT_EQ(map(A + 8 * K4, K4), int64_t(A + 8 * K4));
    size_t calls = fake::offloads.size();
    EXPECT_EQ(vm_shm_attach(p, A + 6 * K4, 4 * K4, RW, false, 7, 0), -EINVAL);
    EXPECT_EQ(fake::offloads.size(), calls) << "refused before mcexec attached anything";
    // Split by mprotect: still one attach; detach only at its start.
    ASSERT_EQ(vm_mprotect(p, A + K4, K4, PROT_READ), 0);
    EXPECT_EQ(vm_shm_detach(p, A + K4), -EINVAL);
    EXPECT_EQ(vm_shm_detach(p, A + 8 * K4), -EINVAL); // not an attach
    calls = fake::offloads.size();
    ASSERT_EQ(vm_shm_detach(p, A), 0);
    ASSERT_GT(fake::offloads.size(), calls);
    EXPECT_EQ(fake::offloads[calls].nr, uint64_t(MCK_SYS_SHM_DETACH));
    // Then its pages are unpinned, piece by piece (mprotect split it).
    uint64_t released = 0;
    for (size_t i = calls + 1; i < fake::offloads.size(); i++) {
        EXPECT_EQ(fake::offloads[i].nr, uint64_t(MCK_SYS_SHARED_RELEASE));
        EXPECT_GE(fake::offloads[i].args[0], SEG);
        released += fake::offloads[i].args[1];
    }
    EXPECT_EQ(released, 4 * K4);
    EXPECT_FALSE(mapped(A));
    EXPECT_FALSE(mapped(A + 3 * K4));
    EXPECT_TRUE(mapped(A + 8 * K4)); // the neighbour stays
    EXPECT_EQ(regions(), 1);
    EXPECT_EQ(vm_shm_detach(p, A), -EINVAL); // detached already
    EXPECT_EQ(vm_munmap(p, A + 8 * K4, K4), 0);
}

// RLIMIT_AS and RLIMIT_DATA are the LWK's (kernel/rlimit.cpp): checked as
// Linux's may_expand_vm does, replaced mappings not counted twice.
TEST_F(Vm, AddressSpaceAndDataLimits)
{
    p->rlimits[MCK_RLIMIT_AS].cur = 8 * M;
    ASSERT_EQ(map(A, 6 * M), int64_t(A));
    EXPECT_EQ(map(A + 8 * M, 4 * M), -ENOMEM) << "10 MiB in all";
    EXPECT_EQ(map(A + 2 * M, 4 * M), int64_t(A + 2 * M)) << "over part of the first: 6 MiB in all";
    EXPECT_EQ(map(A + 8 * M, 2 * M), int64_t(A + 8 * M)) << "exactly 8 MiB";
    EXPECT_EQ(vm_mremap(p, A + 8 * M, 2 * M, 4 * M, 0, 0), -ENOMEM);
    ASSERT_EQ(vm_munmap(p, A, 10 * M), 0);
    p->rlimits[MCK_RLIMIT_AS].cur = ~0ull;
    // Data: private and writable only.
    p->rlimits[MCK_RLIMIT_DATA].cur = 4 * M;
    ASSERT_EQ(map(A, 4 * M), int64_t(A));
    EXPECT_EQ(map(A + 4 * M, 2 * M), -ENOMEM);
    EXPECT_EQ(map(A + 4 * M, 2 * M, PROT_READ), int64_t(A + 4 * M)) << "read-only is not data";
    ASSERT_EQ(vm_munmap(p, A, 6 * M), 0);
}

// Private file mappings are read through mcexec (MCK_SYS_MAP_FILL: pread into the new pages).
TEST_F(Vm, PrivateFileMappingIsReadThroughLinux)
{
    fake::offload_handler = [this](const fake::Call& c) -> int64_t {
        if (c.nr != MCK_SYS_MAP_FILL) // pread64(fd, buf, count, offset), and the file's name noted
            return -ENOSYS;
        EXPECT_EQ(c.args[3], 2 * K4);
        memset(proc->at(c.args[1]), 'x', K4);
        memset(proc->at(c.args[1] + K4), 'y', 100);
        return int64_t(K4 + 100); // the file ends in the second page
    };
    int64_t a = vm_mmap(p, A, 3 * K4, PROT_READ, MAP_PRIVATE | MAP_FIXED, 4, 2 * K4);
    ASSERT_EQ(a, int64_t(A));
    uint32_t prot;
    ASSERT_TRUE(mapped(A + K4, &prot));
    EXPECT_EQ(prot, uint32_t(PROT_READ));
    EXPECT_EQ(proc->at(A)[K4 - 1], 'x');
    EXPECT_EQ(proc->at(A + K4)[99], 'y');
    EXPECT_EQ(proc->at(A + K4)[100], 0);
    EXPECT_FALSE(mapped(A + 2 * K4));
    EXPECT_EQ(vm_fault(p, A + 2 * K4, false), 7); // SIGBUS past the end
    EXPECT_EQ(p->mem_used, 2 * K4);
}

// A noexec mount (mcexec's MAP_FILL says so): never executable, as on Linux.
TEST_F(Vm, PrivateFileMappingFromNoexecMountNeverExecutes)
{
    fake::offload_handler = [](const fake::Call& c) -> int64_t {
        if (c.nr != MCK_SYS_MAP_FILL)
            return -ENOSYS;
        if (c.args[4] & PROT_EXEC)
            return -EPERM; // mcexec refuses PROT_EXEC there
        return int64_t(K4 | MCK_FILL_NOEXEC);
    };
    EXPECT_EQ(vm_mmap(p, A, K4, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, 4, 0), -EPERM);
    EXPECT_FALSE(mapped(A));
    ASSERT_EQ(vm_mmap(p, A, 2 * K4, PROT_READ, MAP_PRIVATE | MAP_FIXED, 4, 0), int64_t(A))
        << "MCK_FILL_NOEXEC is no part of the length";
    EXPECT_EQ(vm_mprotect(p, A, K4, PROT_READ | PROT_EXEC), -EACCES);
    EXPECT_EQ(vm_mprotect(p, A, 2 * K4, PROT_READ | PROT_WRITE), 0) << "a private copy may be written";
    // The same file elsewhere: PROT_EXEC may be added later.
    fake::offload_handler = [](const fake::Call& c) -> int64_t { return c.nr == MCK_SYS_MAP_FILL ? int64_t(K4) : -ENOSYS; };
    ASSERT_EQ(vm_mmap(p, A + 4 * K4, K4, PROT_READ, MAP_PRIVATE | MAP_FIXED, 4, 0), int64_t(A + 4 * K4));
    EXPECT_EQ(vm_mprotect(p, A + 4 * K4, K4, PROT_READ | PROT_EXEC), 0);
}

TEST_F(Vm, FileMappingOfAWriteOnlyDescriptorIsEACCES)
{
    fake::offload_handler = [](const fake::Call& c) -> int64_t {
        if (c.nr == MCK_SYS_MAP_FILL)
            return -EBADF;
        if (c.nr == 72) // fcntl(F_GETFL)
            return 1;   // O_WRONLY
        return -ENOSYS;
    };
    EXPECT_EQ(vm_mmap(p, A, K4, PROT_READ, MAP_PRIVATE | MAP_FIXED, 4, 0), -EACCES);
    EXPECT_EQ(p->vmas, nullptr);
    EXPECT_FALSE(mapped(A));
}

} // namespace

namespace {

// mlock's count (Linux's locked_vm): a page counts once however often it is
// locked; munlock, munmap and munlockall take it back.
TEST_F(Vm, LockedPagesCountOnce)
{
    constexpr uint64_t A = 0x10000000000ull;
    ASSERT_EQ(map(A, 32 * K4), int64_t(A));
    EXPECT_EQ(vm_locked_after(p, 0, 0), 0u);
    EXPECT_EQ(vm_locked_after(p, A, 8 * K4), 8 * K4);
    EXPECT_EQ(vm_set_locked(p, A, 8 * K4, true), 0);
    EXPECT_EQ(vm_locked_after(p, 0, 0), 8 * K4);
    EXPECT_EQ(vm_locked_after(p, A, 8 * K4), 8 * K4);           // again: nothing new
    EXPECT_EQ(vm_locked_after(p, A + 4 * K4, 12 * K4), 16 * K4); // pages 8-15 new
    EXPECT_EQ(vm_locked_after(p, A + 4 * K4, ~0ull), 32 * K4);   // to the end of memory: all of it
    EXPECT_EQ(vm_set_locked(p, A + 2 * K4, 2 * K4, false), 0);
    EXPECT_EQ(vm_locked_after(p, 0, 0), 6 * K4);
    EXPECT_EQ(vm_munmap(p, A + 4 * K4, 2 * K4), 0);
    EXPECT_EQ(vm_locked_after(p, 0, 0), 4 * K4);
    vm_set_all_locked(p, true);
    EXPECT_EQ(vm_locked_after(p, 0, 0), vm_mapped_bytes(p));
    EXPECT_EQ(vm_mapped_bytes(p), 30 * K4);
    vm_set_all_locked(p, false);
    EXPECT_EQ(vm_locked_after(p, 0, 0), 0u);
    EXPECT_EQ(vm_munmap(p, A, 32 * K4), 0);
}

} // namespace

// fork (vm_fork_copy): a parent with one thread shares its private pages
// copy-on-write; the first write, or Linux touching one, copies it.
class VmFork : public Vm {
protected:
    void TearDown() override
    {
        child.reset(); // its pages first: then every page must be back
        fake::set_current(&proc->t);
        Vm::TearDown();
    }
    uint64_t phys(Process* q, uint64_t va, uint32_t* prot = nullptr, uint64_t* size = nullptr)
    {
        uint64_t pa, psize;
        uint32_t pprot;
        if (!arch::mmu_lookup(q->root, va, &pa, &pprot, &psize))
            return 0;
        if (prot)
            *prot = pprot;
        if (size)
            *size = psize;
        return pa;
    }
    // The child as fork makes it; its pages stay until it is destroyed.
    int64_t fork_child()
    {
        child = std::make_unique<fake::Proc>();
        fake::set_current(&proc->t);
        return vm_fork_copy(p, &child->p);
    }
    std::unique_ptr<fake::Proc> child;
};

TEST_F(VmFork, PagesAreSharedUntilAWriteCopiesThem)
{
    ASSERT_EQ(map(A, 2 * K4), int64_t(A));
    ASSERT_EQ(map(A + 2 * M2, M2), int64_t(A + 2 * M2));
    *proc->word(A) = 1;
    *proc->word(A + 2 * M2 + K4) = 2;
    fake::invalidations.clear();
    uint64_t before = mem_free_bytes(-1);
    ASSERT_EQ(fork_child(), 0);
    // No page was copied: only the child's page tables are new.
    EXPECT_LT(before - mem_free_bytes(-1), 8 * K4);
    uint32_t pprot, cprot;
    uint64_t shared = phys(p, A, &pprot);
    EXPECT_EQ(phys(&child->p, A, &cprot), shared);
    EXPECT_EQ(pprot, uint32_t(PROT_READ | arch::PROT_COW));
    EXPECT_EQ(cprot, uint32_t(PROT_READ | arch::PROT_COW));
    uint64_t size;
    EXPECT_EQ(phys(&child->p, A + 2 * M2, nullptr, &size), phys(p, A + 2 * M2));
    EXPECT_EQ(size, M2);
    // mcexec's view of the parent loses everything before it runs anything more.
    ASSERT_FALSE(fake::invalidations.empty());
    EXPECT_EQ(fake::invalidations.back().start, MCK_USER_START);
    EXPECT_EQ(fake::invalidations.back().len, MCK_USER_END - MCK_USER_START);
    EXPECT_EQ(fake::invalidations.back().page_bytes, 0u) << "nothing is freed";

    // The parent writes: its own copy, writable, with the old contents.
    EXPECT_EQ(vm_fault(p, A, true), 0);
    EXPECT_NE(phys(p, A, &pprot), shared);
    EXPECT_EQ(pprot, RW);
    EXPECT_EQ(*proc->word(A), 1u);
    *proc->word(A) = 3;
    EXPECT_EQ(*child->word(A), 1u);
    // The old page leaves mcexec's view before it loses a holder (the child keeps it).
    EXPECT_EQ(fake::invalidations.back().start, A);
    EXPECT_EQ(fake::invalidations.back().len, K4);
    EXPECT_EQ(fake::invalidations.back().page_bytes, K4);
    EXPECT_EQ(phys(&child->p, A), shared);
    // A large page is split, as Linux splits a transparent huge page: only the
    // 4 KiB page written is copied, the rest stays shared.
    uint64_t large = phys(p, A + 2 * M2);
    before = mem_free_bytes(-1);
    EXPECT_EQ(vm_fault(&child->p, A + 2 * M2 + 5 * K4, true), 0);
    EXPECT_NE(phys(&child->p, A + 2 * M2 + 5 * K4, &cprot, &size), large + 5 * K4);
    EXPECT_EQ(size, K4);
    EXPECT_EQ(cprot, RW);
    EXPECT_EQ(phys(&child->p, A + 2 * M2 + K4, &cprot), large + K4) << "the rest still shared";
    EXPECT_TRUE(cprot & arch::PROT_COW);
    EXPECT_EQ(*child->word(A + 2 * M2 + K4), 2u);
    EXPECT_LE(before - mem_free_bytes(-1), 2 * K4) << "a 4 KiB copy and a page table, not 2 MiB";
    // A write to a page shared with nobody any more takes it as it is.
    EXPECT_EQ(vm_fault(p, A + 2 * M2 + 5 * K4, true), 0);
    EXPECT_EQ(phys(p, A + 2 * M2 + 5 * K4, &pprot), large + 5 * K4);
    EXPECT_EQ(pprot, RW);
    child.reset();
    uint64_t second = phys(p, A + K4);
    EXPECT_EQ(vm_fault(p, A + K4, true), 0);
    EXPECT_EQ(phys(p, A + K4, &pprot), second) << "the child is gone: no copy";
    EXPECT_EQ(pprot, RW);
}

TEST_F(VmFork, AKernelWriteAcrossSmallPagesOfASharedLargePageCopiesEach)
{
    ASSERT_EQ(map(A, M2), int64_t(A));
    *proc->word(A + K4 - 8) = 1;
    ASSERT_EQ(fork_child(), 0);
    fake::set_current(&child->t);
    EXPECT_TRUE(vm_access_ok(&child->p, A + K4 - 8, 16, true));
    uint32_t prot = 0;
    phys(&child->p, A, &prot);
    EXPECT_EQ(prot, RW);
    phys(&child->p, A + K4, &prot);
    EXPECT_EQ(prot, RW);
    phys(&child->p, A + 2 * K4, &prot);
    EXPECT_TRUE(prot & arch::PROT_COW);
    EXPECT_EQ(*child->word(A + K4 - 8), 1u);
    fake::set_current(&proc->t);
}

TEST_F(VmFork, AMapHugetlbPageIsCopiedWhole)
{
    ASSERT_EQ(map(A, M2, RW, ANON | MAP_FIXED | MAP_HUGETLB), int64_t(A));
    *proc->word(A + K4) = 2;
    ASSERT_EQ(fork_child(), 0);
    EXPECT_EQ(vm_fault(&child->p, A + 5 * K4, true), 0);
    uint64_t size = 0;
    EXPECT_NE(phys(&child->p, A, nullptr, &size), phys(p, A));
    EXPECT_EQ(size, M2) << "Linux's hugetlb copies the huge page";
    EXPECT_EQ(*child->word(A + K4), 2u);
}

// MAP_HUGETLB | MAP_HUGE_1GB on an instance with 1 GiB-aligned memory: real
// 1 GiB pages (fake memory from 4 GiB + 4 MiB: pages at 5 and 6 GiB).
class VmGig : public VmFork {
protected:
    uint64_t instance_bytes() const override { return 3584 * M; }
    static constexpr uint64_t G1 = 1ull << 30, HUGE_1GB = MAP_HUGETLB | (30ull << 26);
};

TEST_F(VmGig, Map1GbGivesA1GiBPageThatMovesAndProtectsWhole)
{
    int64_t a = vm_mmap(p, 0, K4, RW, ANON | HUGE_1GB, -1, 0);
    ASSERT_GT(a, 0);
    EXPECT_EQ(uint64_t(a) % G1, 0u);
    uint64_t size = 0, pa = phys(p, uint64_t(a), nullptr, &size);
    EXPECT_EQ(size, G1) << "one 1 GiB page";
    EXPECT_EQ(pa % G1, 0u);
    EXPECT_EQ(p->mem_used, G1);
    EXPECT_EQ(phys(p, uint64_t(a) + 700 * M), pa + 700 * M);
    *proc->word(uint64_t(a) + 700 * M) = 7;
    // Split only at 1 GiB, whatever the call.
    EXPECT_EQ(vm_munmap(p, uint64_t(a), M2), -EINVAL);
    EXPECT_EQ(vm_mprotect(p, uint64_t(a), M2, PROT_READ), -EINVAL);
    EXPECT_EQ(vm_mprotect(p, uint64_t(a), G1, PROT_READ), 0);
    uint32_t prot = 0;
    EXPECT_EQ(phys(p, uint64_t(a), &prot, &size), pa);
    EXPECT_EQ(size, G1) << "protected whole";
    EXPECT_EQ(prot, uint32_t(PROT_READ));
    EXPECT_EQ(vm_fault(p, uint64_t(a), true), 11);
    // PROT_NONE keeps the page; moving it keeps it whole.
    EXPECT_EQ(vm_mprotect(p, uint64_t(a), G1, PROT_NONE), 0);
    EXPECT_EQ(vm_mprotect(p, uint64_t(a), G1, RW), 0);
    int64_t to = vm_mremap(p, uint64_t(a), G1, G1, MREMAP_MAYMOVE | MREMAP_FIXED, A);
    ASSERT_EQ(to, int64_t(A));
    EXPECT_EQ(phys(p, A, nullptr, &size), pa);
    EXPECT_EQ(size, G1) << "moved whole";
    EXPECT_EQ(*proc->word(A + 700 * M), 7u);
    EXPECT_FALSE(mapped(uint64_t(a)));
    EXPECT_EQ(vm_munmap(p, A, G1), 0);
    EXPECT_EQ(p->mem_used, 0u);
}

TEST_F(VmGig, MremapGrowsAndShrinksByWhole1GiBPages)
{
    ASSERT_EQ(map(A, G1, RW, ANON | MAP_FIXED | HUGE_1GB), int64_t(A));
    *proc->word(A + 8) = 5;
    EXPECT_EQ(vm_mremap(p, A, G1, G1 + M2, MREMAP_MAYMOVE, 0), -EINVAL) << "not a whole page";
    int64_t to = vm_mremap(p, A, G1, 2 * G1, MREMAP_MAYMOVE, 0);
    ASSERT_GT(to, 0);
    uint64_t size = 0;
    EXPECT_EQ(uint64_t(to) % G1, 0u);
    EXPECT_EQ(*proc->word(uint64_t(to) + 8), 5u);
    ASSERT_NE(phys(p, uint64_t(to) + G1 + 4 * K4, nullptr, &size), 0u) << "the new GiB has memory";
    EXPECT_EQ(size, G1) << "a 1 GiB page of its own";
    EXPECT_EQ(p->mem_used, 2 * G1);
    EXPECT_EQ(vm_mremap(p, uint64_t(to), 2 * G1, G1, 0, 0), to) << "shrinks in place";
    EXPECT_FALSE(mapped(uint64_t(to) + G1));
    EXPECT_EQ(p->mem_used, G1);
    EXPECT_EQ(vm_munmap(p, uint64_t(to), G1), 0);
}

TEST_F(VmGig, WithNo1GiBPageFree2MiBPagesBackIt)
{
    uint64_t taken = mem_alloc_user(G1, G1, -1), second = mem_alloc_user(G1, G1, -1);
    ASSERT_NE(taken, 0u);
    ASSERT_NE(second, 0u);
    EXPECT_EQ(mem_alloc_user(G1, G1, -1), 0u) << "two 1 GiB pages in this instance";
    int64_t a = vm_mmap(p, 0, G1, RW, ANON | HUGE_1GB, -1, 0);
    ASSERT_GT(a, 0) << "Linux would say ENOMEM with an empty 1 GiB pool; we give 2 MiB pages";
    uint64_t size = 0;
    EXPECT_NE(phys(p, uint64_t(a) + G1 - K4, nullptr, &size), 0u);
    EXPECT_EQ(size, M2);
    EXPECT_EQ(vm_munmap(p, uint64_t(a), G1), 0);
    mem_free(taken, G1);
    mem_free(second, G1);
}

TEST_F(VmGig, AFork1GiBPageIsSharedThenCopiedWhole)
{
    int64_t a = vm_mmap(p, 0, G1, RW, ANON | HUGE_1GB, -1, 0);
    ASSERT_GT(a, 0);
    *proc->word(uint64_t(a) + 300 * M) = 3;
    ASSERT_EQ(fork_child(), 0);
    uint64_t size = 0;
    EXPECT_EQ(phys(&child->p, uint64_t(a), nullptr, &size), phys(p, uint64_t(a)));
    EXPECT_EQ(size, G1) << "shared whole";
    EXPECT_EQ(vm_fault(&child->p, uint64_t(a) + 5 * K4, true), 0);
    EXPECT_NE(phys(&child->p, uint64_t(a), nullptr, &size), phys(p, uint64_t(a)));
    EXPECT_EQ(size, G1) << "Linux's hugetlb copies the huge page";
    EXPECT_EQ(*child->word(uint64_t(a) + 300 * M), 3u);
    EXPECT_EQ(vm_fault(p, uint64_t(a), true), 0) << "the parent's is its own again";
    EXPECT_EQ(phys(p, uint64_t(a), nullptr, &size) % G1, 0u);
    EXPECT_EQ(size, G1);
}

TEST_F(VmFork, ReadOnlyStaysReadOnlyAndMprotectKeepsTheShare)
{
    ASSERT_EQ(map(A, K4), int64_t(A));
    ASSERT_EQ(map(A + K4, K4, PROT_READ), int64_t(A + K4));
    ASSERT_EQ(fork_child(), 0);
    EXPECT_EQ(vm_fault(p, A + K4, true), 11) << "a write to read-only memory is SIGSEGV, shared or not";
    // mprotect to read-only and back: still shared, so still read-only in the entry.
    EXPECT_EQ(vm_mprotect(p, A, K4, PROT_READ), 0);
    EXPECT_EQ(vm_mprotect(p, A, K4, RW), 0);
    uint32_t prot;
    EXPECT_EQ(phys(p, A, &prot), phys(&child->p, A));
    EXPECT_EQ(prot, uint32_t(PROT_READ | arch::PROT_COW));
    EXPECT_TRUE(vm_access_ok(p, A, 8, true)) << "the kernel's own write copies it";
    EXPECT_NE(phys(p, A, &prot), phys(&child->p, A));
    EXPECT_EQ(prot, RW);
    // Linux touching a shared page (mcexec serving a call) unshares it even
    // for reading, since mcexec's view maps no shared page, and keeps it read-only.
    EXPECT_EQ(vm_fault_for_linux(&child->p, A + K4, false), 0);
    EXPECT_NE(phys(&child->p, A + K4, &prot), phys(p, A + K4));
    EXPECT_EQ(prot, uint32_t(PROT_READ));
    EXPECT_EQ(vm_fault_for_linux(&child->p, A + 4 * K4, false), -EFAULT) << "nothing mapped there";
    EXPECT_EQ(vm_fault_for_linux(&child->p, MCK_USER_END, false), -EFAULT);
}

TEST_F(VmFork, AParentWithMoreThreadsCopiesAtOnce)
{
    ASSERT_EQ(map(A, K4), int64_t(A));
    *proc->word(A) = 7;
    p->nthreads = 2;
    ASSERT_EQ(fork_child(), 0);
    p->nthreads = 1;
    uint32_t pprot, cprot;
    EXPECT_NE(phys(p, A, &pprot), phys(&child->p, A, &cprot));
    EXPECT_EQ(pprot, RW);
    EXPECT_EQ(cprot, RW);
    EXPECT_EQ(*child->word(A), 7u);
}

TEST_F(VmFork, UnderStrictOvercommitForkCopiesAtOnceAndVforkShares)
{
    fake::OvercommitPolicy strict("overcommit=strict");
    ASSERT_EQ(map(A, K4), int64_t(A));
    *proc->word(A) = 7;
    ASSERT_EQ(fork_child(), 0);
    EXPECT_NE(phys(p, A), phys(&child->p, A)) << "the child holds its page";
    EXPECT_EQ(*child->word(A), 7u);
    child.reset();
    // No memory for the copy: fork fails, and nothing is left behind.
    uint64_t big = (mem_user_free_bytes() / 2 + M2) & ~(M2 - 1);
    ASSERT_EQ(map(A + M2, big), int64_t(A + M2));
    EXPECT_EQ(fork_child(), -ENOMEM);
    // A vfork child shares what its waiting parent has, as Linux's shares the address space.
    child = std::make_unique<fake::Proc>();
    child->p.vfork_parent = &proc->t;
    ASSERT_EQ(vm_fork_copy(p, &child->p), 0);
    EXPECT_EQ(phys(p, A + M2), phys(&child->p, A + M2));
    child->p.vfork_parent = nullptr;
    child.reset();
    EXPECT_EQ(vm_munmap(p, A + M2, big), 0);
}

TEST_F(VmFork, AGrandchildSharesTooAndEveryPageComesBack)
{
    ASSERT_EQ(map(A, K4), int64_t(A));
    ASSERT_EQ(fork_child(), 0);
    auto grandchild = std::make_unique<fake::Proc>();
    fake::set_current(&child->t);
    ASSERT_EQ(vm_fork_copy(&child->p, &grandchild->p), 0);
    uint64_t shared = phys(p, A);
    EXPECT_EQ(phys(&grandchild->p, A), shared);
    EXPECT_EQ(vm_fault(&child->p, A, true), 0);
    EXPECT_NE(phys(&child->p, A), shared);
    EXPECT_EQ(vm_fault(p, A, true), 0);
    EXPECT_NE(phys(p, A), shared) << "the grandchild still has it";
    grandchild.reset();
    child.reset();
    fake::set_current(&proc->t);
}

TEST_F(VmFork, AVforkChildsWritesGoBackToTheParent)
{
    ASSERT_EQ(map(A, 2 * K4), int64_t(A));
    ASSERT_EQ(map(A + 2 * M2, M2), int64_t(A + 2 * M2));
    *proc->word(A) = 1;
    *proc->word(A + K4) = 2;
    ASSERT_EQ(fork_child(), 0);
    uint64_t untouched = phys(p, A + K4);
    // The child writes one small page and part of the large one, and maps memory of its own.
    ASSERT_EQ(vm_fault(&child->p, A, true), 0);
    *child->word(A) = 10;
    ASSERT_EQ(vm_fault(&child->p, A + 2 * M2 + K4, true), 0);
    *child->word(A + 2 * M2 + K4) = 20;
    ASSERT_EQ(vm_mmap(&child->p, A + 8 * M2, K4, RW, ANON | MAP_FIXED, -1, 0), int64_t(A + 8 * M2));
    *child->word(A + 8 * M2) = 30;
    vm_vfork_copy_back(&child->p, p);
    EXPECT_EQ(*proc->word(A), 10u);
    EXPECT_NE(phys(p, A), phys(&child->p, A)) << "a copy, not the child's page";
    EXPECT_EQ(*proc->word(A + 2 * M2 + K4), 20u);
    EXPECT_EQ(*proc->word(A + K4), 2u);
    uint32_t prot = 0;
    EXPECT_EQ(phys(p, A + K4, &prot), untouched) << "what the child did not write stays shared";
    EXPECT_TRUE(prot & arch::PROT_COW);
    EXPECT_FALSE(mapped(A + 8 * M2)) << "what the child mapped itself is not the parent's";
}
