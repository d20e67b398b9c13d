// SPDX-License-Identifier: GPL-2.0
// The physical page allocator: one bitmap per assigned chunk (1 bit per 4 KiB
// page, kept at the chunk's start), first fit, grouped by NUMA node.
#include <kernel/mem.h>
#include <kernel/boot.h>

#include <arch/paging.h>
#include <lib/spinlock.h>

extern "C" void* memset(void*, int, size_t);

namespace mck {
namespace {

constexpr uint64_t PAGE = 4096;

struct Chunk {
    uint64_t phys = 0;
    uint64_t pages = 0;
    int node = 0;
    uint64_t* bitmap = nullptr; // 1 = used
    uint64_t free_pages = 0;
};

Chunk g_chunks[IHK_BOOT_MAX_MEM];
uint32_t g_num_chunks;
SpinLock g_lock;

bool used(const Chunk& c, uint64_t i) { return c.bitmap[i / 64] & (1ull << (i % 64)); }

void mark(Chunk& c, uint64_t first, uint64_t count, bool set)
{
    for (uint64_t i = first; i < first + count; i++) {
        if (set)
            c.bitmap[i / 64] |= 1ull << (i % 64);
        else
            c.bitmap[i / 64] &= ~(1ull << (i % 64));
    }
    c.free_pages += set ? -count : count;
}

} // namespace

void mem_init(uint64_t reserved_end)
{
    const ihk_boot_param& bp = boot_param();
    for (uint32_t i = 0; i < bp.num_mem; i++) {
        Chunk& c = g_chunks[g_num_chunks++];
        c.phys = bp.mem[i].phys;
        c.pages = bp.mem[i].size / PAGE;
        c.node = bp.mem[i].numa_node;
        c.bitmap = static_cast<uint64_t*>(arch::phys_to_virt(c.phys + (i == 0 ? reserved_end - c.phys : 0)));
        uint64_t bitmap_bytes = (c.pages + 63) / 64 * 8;
        memset(c.bitmap, 0, bitmap_bytes);
        c.free_pages = c.pages;
        // Chunk 0 starts with the boot area and the image; every chunk holds its bitmap.
        uint64_t head = (i == 0 ? reserved_end - c.phys : 0) + bitmap_bytes;
        mark(c, 0, (head + PAGE - 1) / PAGE, true);
        kprintf("memory: chunk %u: 0x%lx-0x%lx (%lu MiB) on NUMA node %d, %lu MiB free", i, c.phys,
                c.phys + c.pages * PAGE, c.pages * PAGE >> 20, c.node, c.free_pages * PAGE >> 20);
    }
}

uint64_t mem_alloc(uint64_t bytes, int node)
{
    uint64_t count = (bytes + PAGE - 1) / PAGE;
    SpinLockGuard guard(g_lock);
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t k = 0; k < g_num_chunks; k++) {
            Chunk& c = g_chunks[k];
            // First pass: the requested node; second: anywhere.
            if ((pass == 0 && node >= 0 && c.node != node) || c.free_pages < count)
                continue;
            uint64_t run = 0;
            for (uint64_t i = 0; i < c.pages; i++) {
                run = used(c, i) ? 0 : run + 1;
                if (run == count) {
                    uint64_t first = i + 1 - count;
                    mark(c, first, count, true);
                    uint64_t phys = c.phys + first * PAGE;
                    memset(arch::phys_to_virt(phys), 0, count * PAGE);
                    return phys;
                }
            }
        }
        if (node < 0)
            break;
    }
    return 0;
}

void mem_free(uint64_t phys, uint64_t bytes)
{
    SpinLockGuard guard(g_lock);
    for (uint32_t k = 0; k < g_num_chunks; k++) {
        Chunk& c = g_chunks[k];
        if (phys >= c.phys && phys < c.phys + c.pages * PAGE) {
            mark(c, (phys - c.phys) / PAGE, (bytes + PAGE - 1) / PAGE, false);
            return;
        }
    }
    panic("mem_free: 0x%lx is not in any chunk", phys);
}

uint64_t mem_free_bytes(int node)
{
    SpinLockGuard guard(g_lock);
    uint64_t total = 0;
    for (uint32_t k = 0; k < g_num_chunks; k++)
        if (node < 0 || g_chunks[k].node == node)
            total += g_chunks[k].free_pages * PAGE;
    return total;
}

namespace {

template <typename Fn>
void for_each_free_page(Fn fn)
{
    for (uint32_t k = 0; k < g_num_chunks; k++) {
        Chunk& c = g_chunks[k];
        for (uint64_t i = 0; i < c.pages; i++)
            if (!used(c, i))
                fn(static_cast<uint64_t*>(arch::phys_to_virt(c.phys + i * PAGE)));
    }
}

} // namespace

void mem_test_fill(uint8_t pattern)
{
    SpinLockGuard guard(g_lock);
    for_each_free_page([pattern](uint64_t* page) { memset(page, pattern, PAGE); });
}

uint64_t mem_test_count_nonzero()
{
    SpinLockGuard guard(g_lock);
    uint64_t count = 0;
    for_each_free_page([&count](uint64_t* page) {
        for (uint64_t w = 0; w < PAGE / 8; w++)
            if (page[w])
                for (int b = 0; b < 8; b++)
                    count += ((page[w] >> (8 * b)) & 0xff) != 0;
    });
    return count;
}

} // namespace mck
