// SPDX-License-Identifier: GPL-2.0
// Physical memory of the instance: the chunks IHK assigned, grouped by NUMA node,
// handed out in 4 KiB pages by a first-fit bitmap allocator per chunk.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <arch/paging.h>

namespace mck {

// @reserved_end: physical end of the image and boot area in chunk 0.
void mem_init(uint64_t reserved_end);
// Contiguous, page-aligned, zeroed; @node < 0: any node. Returns 0 when out.
uint64_t mem_alloc(uint64_t bytes, int node);
// The same, starting at a multiple of @align (a power of two, e.g. 2 MiB for large pages).
uint64_t mem_alloc_aligned(uint64_t bytes, uint64_t align, int node);
// For a program's memory: as mem_alloc_aligned, but never from the kernel's
// reserve (1/64 of the instance, 4-64 MiB), so a program that fills its memory
// leaves the kernel enough for page tables, regions and threads, and its next
// call gets ENOMEM instead of the kernel stopping.
uint64_t mem_alloc_user(uint64_t bytes, uint64_t align, int node);
// The same under a NUMA policy (kernel/mempolicy.h): from @node first, then
// from the nodes of @nodes (nodes 0-63), then, unless @strict, from any node.
uint64_t mem_alloc_user_on(uint64_t bytes, uint64_t align, int node, uint64_t nodes, bool strict);
// Pages Linux holds stay out of use: mem_free() skips them (and marks them
// dropped). A page shared by mem_share() loses one holder instead of going back.
void mem_free(uint64_t phys, uint64_t bytes);
// One more process maps the (allocated) pages of [phys, phys + bytes), copy-on-write
// after a fork: each page then needs one more mem_free() to go back. False,
// with nothing changed, if a page is not allocated or has 65535 holders already.
bool mem_share(uint64_t phys, uint64_t bytes);
// No page of [phys, phys + bytes) is shared (any more): its holder may write it.
bool mem_exclusive(uint64_t phys, uint64_t bytes);
// Linux still holds the pages of [phys, phys + bytes) (pinned through mcexec's
// view when the program let go of them): they are not handed out again until
// mem_unhold(). Returns how many pages were newly withheld (docs/memory.md).
uint64_t mem_withhold(uint64_t phys, uint64_t bytes);
// Withheld pages that we freed since (no view maps them, so Linux can only let
// go of them): at most @max runs of them at or above physical address @from
// into @runs, in address order; returns how many, and in @epoch the count of
// withholdings so far, for mem_unhold().
struct HeldRun {
    uint64_t phys, bytes;
};
uint32_t mem_dropped_runs(HeldRun* runs, uint32_t max, uint64_t* epoch, uint64_t from = 0);
// Linux let go of the pages of [phys, phys + bytes), as it found them when
// asked at @epoch: those withheld and freed are free again, others stay as they
// are, and nothing changes if a page was withheld since (Linux's answer may be
// older than a new hold). Returns how many pages came back.
uint64_t mem_unhold(uint64_t phys, uint64_t bytes, uint64_t epoch);
uint64_t mem_free_bytes(int node);
uint64_t mem_user_free_bytes(); // what programs may still get: free less the kernel's reserve
uint64_t mem_total_bytes(); // all chunks, used or not
bool mem_owns(uint64_t phys); // in one of our chunks (not a Linux page we map)
int mem_node_of(uint64_t phys); // NUMA node of one of our pages; -1 for any other
uint64_t mem_nodes();           // the NUMA nodes we have memory on, as a mask of nodes 0-63

// Pages of the kernel's own for a buffer too large for a kernel stack (16
// KiB), freed with the object. Check ok() first: they may not be there.
class KernelPages {
public:
    explicit KernelPages(uint64_t bytes) : m_bytes((bytes + 4095) & ~4095ull), m_phys(mem_alloc(m_bytes, -1)) {}
    ~KernelPages()
    {
        if (m_phys)
            mem_free(m_phys, m_bytes);
    }
    KernelPages(const KernelPages&) = delete;
    KernelPages& operator=(const KernelPages&) = delete;
    bool ok() const { return m_phys != 0; }
    uint8_t* data() const { return static_cast<uint8_t*>(arch::phys_to_virt(m_phys)); }
    uint64_t size() const { return m_bytes; }

private:
    uint64_t m_bytes;
    uint64_t m_phys;
};

// Test hooks (kernel arguments test_fill_memory / test_check_memory): write
// @pattern over every free page; count the non-zero bytes in free pages. They
// show whether memory reached us clean.
void mem_test_fill(uint8_t pattern);
uint64_t mem_test_count_nonzero();

} // namespace mck
