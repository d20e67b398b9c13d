// SPDX-License-Identifier: GPL-2.0
// User address spaces: 4-level page tables whose upper half is the kernel's.
// Pages are 4 KiB, 2 MiB or 1 GiB; a large page is split into pages of the
// next size down when only part of it changes.
// Callers serialise changes to one space and flush other CPUs' TLBs themselves.
#pragma once

#include <stdint.h>

namespace mck::arch {

constexpr uint64_t PAGE_4K = 4096;
constexpr uint64_t PAGE_2M = 2ull << 20;
constexpr uint64_t PAGE_1G = 1ull << 30;
// Protections, the same bits as MCK_PROT_* (mcexec/abi.h) and PROT_* (mman.h).
constexpr uint32_t PROT_R = 1, PROT_W = 2, PROT_X = 4;
// Not a protection but a state of the entry, which mmu_lookup reports and
// mmu_map/mmu_protect keep: the page is shared copy-on-write with another
// process (after fork), so the entry is read-only whatever PROT_W says, until
// mmu_map puts the process's own page there (MCK_PTE_COW, mcexec/abi.h).
constexpr uint32_t PROT_COW = 8;

// Memory types, numbered as MCK_CACHE_* (mcexec/abi.h) and Linux's
// enum page_cache_mode. Every CPU of the LWK programs the PAT as Linux does
// (pat_init()), so a type maps to the same PTE bits as in Linux.
enum class Cache : uint8_t {
    WriteBack = 0,
    WriteCombining = 1,
    UncachedMinus = 2,
    Uncached = 3,
    WriteThrough = 4,
    WriteProtect = 5,
};
constexpr unsigned CACHE_TYPES = 6;

// Program this CPU's page attribute table (IA32_PAT) with Linux's layout.
void pat_init();
// The PTE bits of a 4 KiB page of memory type @c (PWT, PCD, PAT).
uint64_t cache_bits(Cache c);

using PageFreeFn = void (*)(uint64_t phys, uint64_t size, void* ctx);

// A new space (0 when out of memory); its kernel half is shared with every space.
uint64_t mmu_new_space();
// Free every user page (through @fn) and every table of @root.
void mmu_free_space(uint64_t root, PageFreeFn fn, void* ctx);
// Map @size (4K, 2M or 1G, aligned) at @va to @pa. An inaccessible (PROT_NONE)
// page keeps its memory. False when out of memory for tables, or when a large
// page would replace a table (ask mmu_block_empty first). A memory type
// other than write-back (device memory) only for 4 KiB pages; it stays
// through mmu_protect and mmu_move.
bool mmu_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint32_t prot, Cache cache = Cache::WriteBack);
// Remove the pages of [va, va + len), handing their memory to @fn.
bool mmu_unmap(uint64_t root, uint64_t va, uint64_t len, PageFreeFn fn, void* ctx);
// Unhook the page tables under [va, va + len) that map nothing any more and
// hand each table page to @fn, which must not reuse it before every walker
// (other CPUs' TLBs, Linux's fault handler) is done with it.
void mmu_prune(uint64_t root, uint64_t va, uint64_t len, PageFreeFn fn, void* ctx);
// Move the pages of [from, from + len) to [to, to + len), where nothing is
// mapped: the same memory with the same protection, nothing left behind (the
// tables stay; prune them). Large pages stay whole where @to keeps their
// alignment and no table hangs there, else go as pages of the next size down.
// False, with nothing moved, when out of memory for tables.
bool mmu_move(uint64_t root, uint64_t from, uint64_t to, uint64_t len);
// Change the protection of the mapped pages of [va, va + len); pages shared
// copy-on-write stay so (read-only).
bool mmu_protect(uint64_t root, uint64_t va, uint64_t len, uint32_t prot);
// The physical address behind @va and its protection, or false if nothing is mapped.
bool mmu_lookup(uint64_t root, uint64_t va, uint64_t* pa, uint32_t* prot, uint64_t* page_size);
// Has the program touched the page at @va since it was mapped (the CPU's
// accessed bit)? False where nothing is mapped.
bool mmu_accessed(uint64_t root, uint64_t va);
// The memory type of the page at @va (write-back where nothing is mapped).
Cache mmu_cache(uint64_t root, uint64_t va);
// Nothing at all is mapped, and no table hangs, in the @size-aligned block
// (2 MiB or 1 GiB) holding @va: a page of that size can go there.
bool mmu_block_empty(uint64_t root, uint64_t va, uint64_t size = PAGE_2M);
// Flush this CPU's TLB for [va, va + len) if @root is loaded here.
void mmu_flush_local(uint64_t root, uint64_t va, uint64_t len);
// Bytes of page tables under the user half of @root, the root page included:
// now, and the most it ever had (tables go when munmap prunes them).
uint64_t mmu_table_bytes(uint64_t root);
uint64_t mmu_table_peak_bytes(uint64_t root);
// The kernel's own tables (for CPUs running no process).
uint64_t mmu_kernel_space();

} // namespace mck::arch
