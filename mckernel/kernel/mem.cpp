// SPDX-License-Identifier: GPL-2.0
// The physical page allocator: one bitmap per assigned chunk (1 bit per 4 KiB
// page, kept at the chunk's start), first fit, grouped by NUMA node. Pages
// reach us zeroed from IHK; each chunk remembers from where on it never handed
// a page out, so only pages used before are zeroed again (a fresh instance
// maps gigabytes without writing them). A second bitmap marks the pages Linux
// still held when mcexec's view let go of them: they stay used until Linux
// says it let go of them too, which it is asked only for pages we have freed
// (the third bitmap): those no view maps, so Linux's holds can only end
// (docs/memory.md, held.cpp). A count per page says how many more processes
// map it copy-on-write after a fork: freeing such a page only lowers its
// count, and the last holder's free gives it back.
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
    uint64_t* held = nullptr;   // 1 = Linux holds it: never freed
    uint64_t* dropped = nullptr; // 1 = held, and freed by us: waits for Linux
    uint16_t* shares = nullptr;  // holders besides the first (copy-on-write after fork)
    uint64_t free_pages = 0;
    uint64_t hint = 0; // where the next 4 KiB search starts (next fit)
    uint64_t clean_from = 0; // pages from here on were never handed out: still zero
};

Chunk g_chunks[IHK_BOOT_MAX_MEM];
uint32_t g_num_chunks;
SpinLock g_lock{LockRank::Pages};
uint64_t g_free_pages;    // in all chunks
uint64_t g_reserve_pages; // only the kernel may take the last of these
uint64_t g_withhold_epoch; // counts mem_withhold() calls

bool used(const Chunk& c, uint64_t i) { return c.bitmap[i / 64] & (1ull << (i % 64)); }
bool held(const Chunk& c, uint64_t i) { return c.held[i / 64] & (1ull << (i % 64)); }
bool dropped(const Chunk& c, uint64_t i) { return c.dropped[i / 64] & (1ull << (i % 64)); }
void set_bit(uint64_t* map, uint64_t i, bool on)
{
    if (on)
        map[i / 64] |= 1ull << (i % 64);
    else
        map[i / 64] &= ~(1ull << (i % 64));
}

void mark(Chunk& c, uint64_t first, uint64_t count, bool set)
{
    for (uint64_t i = first; i < first + count; i++) {
        if (set)
            c.bitmap[i / 64] |= 1ull << (i % 64);
        else
            c.bitmap[i / 64] &= ~(1ull << (i % 64));
    }
    c.free_pages += set ? -count : count;
    g_free_pages += set ? -count : count;
    // For Linux (ihkosctl N get rusage): free now and the least ever free.
    ihk_lwk_rusage& u = boot_param_mut().rusage;
    u.mem_free = g_free_pages * PAGE;
    if (u.mem_free < u.mem_free_min)
        u.mem_free_min = u.mem_free;
}

} // namespace

void mem_init(uint64_t reserved_end)
{
    const ihk_boot_param& bp = boot_param();
    // From scratch: the memory is all of bp's and only it (host tests boot more than once).
    g_num_chunks = 0;
    g_free_pages = 0;
    uint64_t total = 0;
    for (uint32_t i = 0; i < bp.num_mem; i++)
        total += bp.mem[i].size / PAGE * PAGE;
    ihk_lwk_rusage& u = boot_param_mut().rusage;
    u.mem_total = total;
    u.mem_free_min = ~0ull;
    for (uint32_t i = 0; i < bp.num_mem; i++) {
        Chunk& c = g_chunks[g_num_chunks++];
        c = Chunk{};
        c.phys = bp.mem[i].phys;
        c.pages = bp.mem[i].size / PAGE;
        c.node = bp.mem[i].numa_node;
        c.bitmap = static_cast<uint64_t*>(arch::phys_to_virt(c.phys + (i == 0 ? reserved_end - c.phys : 0)));
        uint64_t bitmap_bytes = (c.pages + 63) / 64 * 8;
        c.held = c.bitmap + bitmap_bytes / 8;
        c.dropped = c.held + bitmap_bytes / 8;
        c.shares = reinterpret_cast<uint16_t*>(c.dropped + bitmap_bytes / 8);
        bitmap_bytes = bitmap_bytes * 3 + (c.pages * sizeof(uint16_t) + 7) / 8 * 8; // used, held, dropped; shares
        memset(c.bitmap, 0, bitmap_bytes);
        c.free_pages = c.pages;
        g_free_pages += c.pages;
        // Chunk 0 starts with the boot area and the image; every chunk holds its bitmaps.
        uint64_t head = (i == 0 ? reserved_end - c.phys : 0) + bitmap_bytes;
        mark(c, 0, (head + PAGE - 1) / PAGE, true);
        c.clean_from = (head + PAGE - 1) / PAGE;
        kprintf("memory: chunk %u: 0x%lx-0x%lx (%lu MiB) on NUMA node %d, %lu MiB free", i, c.phys,
                c.phys + c.pages * PAGE, c.pages * PAGE >> 20, c.node, c.free_pages * PAGE >> 20);
    }
    constexpr uint64_t MIN_RESERVE = (4ull << 20) / PAGE, MAX_RESERVE = (64ull << 20) / PAGE;
    g_reserve_pages = g_free_pages / 64;
    g_reserve_pages = g_reserve_pages < MIN_RESERVE ? MIN_RESERVE : g_reserve_pages > MAX_RESERVE ? MAX_RESERVE : g_reserve_pages;
    kprintf("memory: %lu MiB kept for the kernel's own use", g_reserve_pages * PAGE >> 20);
}

namespace {

// First fit of @count free pages whose physical address is a multiple of
// @align_pages pages, from the chunk's hint on; whole used words are skipped.
// Returns the page index or -1.
int64_t find_run(Chunk& c, uint64_t count, uint64_t align_pages)
{
    // Align the physical address, not the index: chunks are 2 MiB aligned, not
    // necessarily 1 GiB.
    uint64_t base = c.phys / PAGE;
    auto aligned = [&](uint64_t i) { return (base + i + align_pages - 1) / align_pages * align_pages - base; };
    uint64_t i = aligned(c.hint);
    for (int wrap = 0; wrap < 2; wrap++) {
        while (i + count <= c.pages) {
            if (align_pages == 1 && !(i % 64) && c.bitmap[i / 64] == ~0ull) {
                i += 64;
                continue;
            }
            uint64_t run = 0;
            while (run < count && !used(c, i + run))
                run++;
            if (run == count)
                return int64_t(i);
            i = aligned(i + run + 1);
        }
        i = aligned(0);
    }
    return -1;
}

} // namespace

namespace {

// Where an allocation may come from, in order: @node first (< 0: skip that
// pass), then the nodes of @nodes (a mask of nodes 0-63; 0: none), then,
// unless @strict, any node.
struct Where {
    int node;
    uint64_t nodes;
    bool strict;
};

bool in_pass(const Chunk& c, const Where& w, int pass)
{
    switch (pass) {
    case 0:
        return w.node >= 0 && c.node == w.node;
    case 1:
        return c.node >= 0 && c.node < 64 && (w.nodes >> c.node & 1);
    default:
        return !w.strict;
    }
}

uint64_t alloc(uint64_t bytes, uint64_t align, Where where, bool user)
{
    uint64_t count = (bytes + PAGE - 1) / PAGE;
    uint64_t align_pages = align > PAGE ? align / PAGE : 1;
    uint64_t phys = 0, dirty = 0;
    {
        SpinLockGuard guard(g_lock);
        if (user && g_free_pages < g_reserve_pages + count)
            return 0;
        for (int pass = 0; pass < 3 && !phys; pass++) {
            for (uint32_t k = 0; k < g_num_chunks && !phys; k++) {
                Chunk& c = g_chunks[k];
                if (!in_pass(c, where, pass) || c.free_pages < count)
                    continue;
                int64_t first = find_run(c, count, align_pages);
                if (first < 0)
                    continue;
                mark(c, uint64_t(first), count, true);
                if (align_pages == 1)
                    c.hint = uint64_t(first) + count;
                phys = c.phys + uint64_t(first) * PAGE;
                // Only what was handed out before needs zeroing.
                uint64_t end = uint64_t(first) + count;
                dirty = (c.clean_from > uint64_t(first) ? (c.clean_from < end ? c.clean_from : end) - uint64_t(first)
                                                        : 0);
                if (end > c.clean_from)
                    c.clean_from = end;
            }
        }
    }
    // Zero outside the lock: it can take a while for large pages.
    if (phys && dirty)
        memset(arch::phys_to_virt(phys), 0, dirty * PAGE);
    return phys;
}

} // namespace

uint64_t mem_alloc_aligned(uint64_t bytes, uint64_t align, int node)
{
    return alloc(bytes, align, Where{node, 0, false}, false);
}

uint64_t mem_alloc_user(uint64_t bytes, uint64_t align, int node) { return alloc(bytes, align, Where{node, 0, false}, true); }

uint64_t mem_alloc_user_on(uint64_t bytes, uint64_t align, int node, uint64_t nodes, bool strict)
{
    return alloc(bytes, align, Where{node, nodes, strict}, true);
}

uint64_t mem_alloc(uint64_t bytes, int node) { return mem_alloc_aligned(bytes, PAGE, node); }

void mem_free(uint64_t phys, uint64_t bytes)
{
    SpinLockGuard guard(g_lock);
    for (uint32_t k = 0; k < g_num_chunks; k++) {
        Chunk& c = g_chunks[k];
        if (phys >= c.phys && phys < c.phys + c.pages * PAGE) {
            uint64_t first = (phys - c.phys) / PAGE, end = first + (bytes + PAGE - 1) / PAGE;
            // Runs between pages Linux holds or another process shares go
            // back; those stay used (one holder fewer for a shared one).
            for (uint64_t i = first; i < end;) {
                uint64_t run = 0;
                while (i + run < end && !held(c, i + run) && !c.shares[i + run])
                    run++;
                if (run)
                    mark(c, i, run, false);
                i += run;
                for (; i < end && (held(c, i) || c.shares[i]); i++) {
                    if (c.shares[i])
                        c.shares[i]--;
                    else
                        set_bit(c.dropped, i, true);
                }
            }
            if (first < c.hint)
                c.hint = first;
            return;
        }
    }
    panic("mem_free: 0x%lx is not in any chunk", phys);
}

namespace {

// The pages [first, end) of @chunk that hold [phys, phys + bytes); no chunk
// if no chunk holds all of it.
struct PageRun {
    Chunk* chunk = nullptr;
    uint64_t first = 0, end = 0;
};

PageRun pages_of(uint64_t phys, uint64_t bytes)
{
    for (uint32_t k = 0; k < g_num_chunks; k++) {
        Chunk& c = g_chunks[k];
        uint64_t first = (phys - c.phys) / PAGE, end = (phys - c.phys + bytes + PAGE - 1) / PAGE;
        if (phys >= c.phys && phys < c.phys + c.pages * PAGE)
            return end <= c.pages ? PageRun{&c, first, end} : PageRun{};
    }
    return {};
}

} // namespace

bool mem_share(uint64_t phys, uint64_t bytes)
{
    SpinLockGuard guard(g_lock);
    PageRun r = pages_of(phys, bytes);
    if (!r.chunk)
        return false;
    for (uint64_t i = r.first; i < r.end; i++)
        if (!used(*r.chunk, i) || r.chunk->shares[i] == UINT16_MAX)
            return false;
    for (uint64_t i = r.first; i < r.end; i++)
        r.chunk->shares[i]++;
    return true;
}

bool mem_exclusive(uint64_t phys, uint64_t bytes)
{
    SpinLockGuard guard(g_lock);
    PageRun r = pages_of(phys, bytes);
    for (uint64_t i = r.first; r.chunk && i < r.end; i++)
        if (r.chunk->shares[i])
            return false;
    return r.chunk != nullptr;
}

uint64_t mem_withhold(uint64_t phys, uint64_t bytes)
{
    SpinLockGuard guard(g_lock);
    uint64_t count = 0;
    for (uint64_t pa = phys & ~(PAGE - 1); pa < phys + bytes; pa += PAGE) {
        for (uint32_t k = 0; k < g_num_chunks; k++) {
            Chunk& c = g_chunks[k];
            if (pa < c.phys || pa >= c.phys + c.pages * PAGE)
                continue;
            uint64_t i = (pa - c.phys) / PAGE;
            if (!held(c, i)) {
                set_bit(c.held, i, true);
                count++;
            }
            // Free already (cannot happen: Linux reports before we free): take
            // it, as one of ours freed since.
            if (!used(c, i)) {
                mark(c, i, 1, true);
                set_bit(c.dropped, i, true);
            }
            break;
        }
    }
    g_withhold_epoch++;
    return count;
}

uint32_t mem_dropped_runs(HeldRun* runs, uint32_t max, uint64_t* epoch, uint64_t from)
{
    SpinLockGuard guard(g_lock);
    *epoch = g_withhold_epoch;
    uint32_t n = 0;
    for (uint32_t k = 0; k < g_num_chunks && n < max; k++) {
        Chunk& c = g_chunks[k];
        if (from >= c.phys + c.pages * PAGE)
            continue;
        for (uint64_t i = from > c.phys ? (from - c.phys) / PAGE : 0; i < c.pages && n < max;) {
            if (!c.dropped[i / 64] && !(i % 64)) {
                i += 64;
                continue;
            }
            if (!dropped(c, i)) {
                i++;
                continue;
            }
            uint64_t first = i;
            while (i < c.pages && dropped(c, i))
                i++;
            runs[n++] = HeldRun{c.phys + first * PAGE, (i - first) * PAGE};
        }
    }
    return n;
}

uint64_t mem_unhold(uint64_t phys, uint64_t bytes, uint64_t epoch)
{
    SpinLockGuard guard(g_lock);
    uint64_t count = 0;
    // A page withheld since the question may be one Linux holds anew.
    if (epoch != g_withhold_epoch)
        return 0;
    for (uint32_t k = 0; k < g_num_chunks; k++) {
        Chunk& c = g_chunks[k];
        uint64_t lo = phys > c.phys ? phys : c.phys, end = c.phys + c.pages * PAGE;
        if (phys + bytes < end)
            end = phys + bytes;
        for (uint64_t pa = lo & ~(PAGE - 1); pa < end; pa += PAGE) {
            uint64_t i = (pa - c.phys) / PAGE;
            // Only pages we freed: one still mapped may be pinned again any time.
            if (!dropped(c, i))
                continue;
            set_bit(c.dropped, i, false);
            set_bit(c.held, i, false);
            mark(c, i, 1, false);
            if (i < c.hint)
                c.hint = i;
            count++;
        }
    }
    return count;
}

bool mem_owns(uint64_t phys)
{
    for (uint32_t k = 0; k < g_num_chunks; k++)
        if (phys >= g_chunks[k].phys && phys < g_chunks[k].phys + g_chunks[k].pages * PAGE)
            return true;
    return false;
}

uint64_t mem_total_bytes()
{
    uint64_t total = 0;
    for (uint32_t k = 0; k < g_num_chunks; k++)
        total += g_chunks[k].pages * PAGE;
    return total;
}

int mem_node_of(uint64_t phys)
{
    for (uint32_t k = 0; k < g_num_chunks; k++)
        if (phys >= g_chunks[k].phys && phys - g_chunks[k].phys < g_chunks[k].pages * PAGE)
            return g_chunks[k].node;
    return -1;
}

uint64_t mem_nodes()
{
    uint64_t mask = 0;
    for (uint32_t k = 0; k < g_num_chunks; k++)
        if (g_chunks[k].node >= 0 && g_chunks[k].node < 64)
            mask |= 1ull << g_chunks[k].node;
    return mask;
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

uint64_t mem_user_free_bytes()
{
    SpinLockGuard guard(g_lock);
    return g_free_pages > g_reserve_pages ? (g_free_pages - g_reserve_pages) * PAGE : 0;
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
    for (uint32_t k = 0; k < g_num_chunks; k++)
        g_chunks[k].clean_from = g_chunks[k].pages; // nothing is known zero now
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
