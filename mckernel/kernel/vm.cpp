// SPDX-License-Identifier: GPL-2.0
// Address spaces (kernel/vm.h). Callers hold nothing; each call takes the
// process lock around changes to the region list and the page tables. Pages
// that leave the page tables go through process_unmapped(): mcexec may still
// see them until Linux confirms it dropped them.
#include <kernel/boot.h>
#include <kernel/errno.h>
#include <kernel/kargs.h>
#include <kernel/mem.h>
#include <kernel/mempolicy.h>
#include <kernel/offload.h>
#include <kernel/uaccess.h>
#include <kernel/vm.h>
#include <lib/error_or.h>
#include <mcexec/shared_anon.h>

#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/paging.h>
#include <arch/percpu.h>

extern "C" {
void* memset(void*, int, size_t);
void* memcpy(void*, const void*, size_t);
}

namespace mck {
namespace {

using arch::PAGE_1G;
using arch::PAGE_2M;
using arch::PAGE_4K;

constexpr uint64_t MAP_SHARED = 0x1, MAP_PRIVATE = 0x2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_32BIT = 0x40,
                   MAP_NORESERVE = 0x4000, MAP_HUGETLB = 0x40000, MAP_FIXED_NOREPLACE = 0x100000;
constexpr uint64_t MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;
// Linux's user range (x86-64, 4-level paging), for mremap's checks of a new place.
constexpr uint64_t LINUX_TASK_SIZE = (1ull << 47) - PAGE_4K;
constexpr uint64_t MMAP_LOW = MCK_INTERP_BASE + (1ull << 40); // mmap(NULL) stays above the program
constexpr uint64_t STACK_GUARD_GAP = 256 * PAGE_4K; // Linux's default stack_guard_gap
constexpr uint32_t PROT_RWX = arch::PROT_R | arch::PROT_W | arch::PROT_X;

uint64_t up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
uint64_t down(uint64_t v, uint64_t a) { return v & ~(a - 1); }

int home_node() { return boot_param().cpus[arch::this_cpu()->index].numa_node; }

// The node a default (local) policy means for memory of @p: the allocating
// CPU's, as on Linux. Before @p starts, the kernel sets up its image on the
// CPU Linux's SETUP came to: then the node of the CPU its main thread runs on
// first, so a program started with `taskset` finds its stack and data local.
// Caller holds p->lock.
int local_node_locked(Process* p)
{
    Thread* t = current();
    Thread* main = p->threads;
    if ((t && t->proc == p) || !main || __atomic_load_n(&p->started, __ATOMIC_ACQUIRE))
        return home_node();
    uint32_t cpu = main->migrate_to != ~0u ? main->migrate_to : main->cpu;
    return cpu < boot_param().num_cpus ? boot_param().cpus[cpu].numa_node : home_node();
}


Vma* find(Process* p, uint64_t addr)
{
    for (Vma* v = p->vmas; v; v = v->next)
        if (addr >= v->start && addr < v->end)
            return v;
    return nullptr;
}

// Memory for the page of @size bytes at @va of @p, where its NUMA policy
// puts it: the region's (mbind's), else the allocating thread's (set_mempolicy's).
// Caller holds p->lock.
uint64_t alloc_placed(Process* p, uint64_t va, uint64_t size)
{
    Vma* v = find(p, va);
    const MemPolicy& policy = v && v->policy.mode ? v->policy : mempolicy_of(p);
    Placement w = mempolicy_place(policy, va, size, local_node_locked(p));
    return mem_alloc_user_on(size, size, w.node, w.nodes, w.strict);
}

bool range_free(Process* p, uint64_t start, uint64_t end)
{
    for (Vma* v = p->vmas; v; v = v->next)
        if (v->start < end && start < v->end)
            return false;
    return true;
}

bool in_user_range(uint64_t start, uint64_t len)
{
    return start >= MCK_USER_START && len <= MCK_USER_END && start <= MCK_USER_END - len;
}

void insert(Process* p, Vma* n)
{
    Vma** pp = &p->vmas;
    while (*pp && (*pp)->start < n->start)
        pp = &(*pp)->next;
    n->next = *pp;
    *pp = n;
}

// Make @addr a region boundary (splitting the region across it). ENOMEM when
// the kernel heap is out of memory (nothing changed).
// The page size a MAP_HUGETLB region was made with; 0 for any other.
uint64_t huge_of(const Vma* v)
{
    return (v->flags & VMA_HUGE_1G) ? PAGE_1G : (v->flags & VMA_HUGE_2M) ? PAGE_2M : 0;
}

ErrorOr<void> split_at(Process* p, uint64_t addr)
{
    Vma* v = find(p, addr);
    if (!v || v->start == addr)
        return {};
    if (uint64_t huge = huge_of(v); huge && (addr & (huge - 1)))
        return Error::from_errno(EINVAL); // Linux: a huge page region splits at its page size only
    auto* tail = new Vma{addr, v->end, v->prot, v->flags, v->next, v->linux_addr ? v->linux_addr + (addr - v->start) : 0,
                         v->policy};
    if (!tail)
        return Error::from_errno(ENOMEM);
    v->end = addr;
    v->next = tail;
    return {};
}

// A new region in the list; ENOMEM when the kernel heap is out of memory.
ErrorOr<void> insert_new(Process* p, uint64_t start, uint64_t end, uint32_t prot, uint32_t flags,
                         uint64_t linux_addr = 0)
{
    auto* v = new Vma{start, end, prot, flags, nullptr, linux_addr};
    if (!v)
        return Error::from_errno(ENOMEM);
    insert(p, v);
    return {};
}

// Linux's checks of RLIMIT_AS and RLIMIT_DATA (may_expand_vm): may @add bytes
// be mapped, as data (private and writable) when @data, replacing what is in
// [start, end)? Caller holds p->lock.
bool within_limits(Process* p, uint64_t add, bool data, uint64_t start = 0, uint64_t end = 0)
{
    uint64_t total = add, data_bytes = data ? add : 0;
    for (Vma* v = p->vmas; v; v = v->next) {
        uint64_t s = v->start > start ? v->start : start, e = v->end < end ? v->end : end;
        uint64_t bytes = (v->end - v->start) - (s < e ? e - s : 0); // what stays of it
        total += bytes;
        if ((v->prot & arch::PROT_W) && !(v->flags & (VMA_SHARED | VMA_STACK)))
            data_bytes += bytes;
    }
    return total <= p->rlimits[MCK_RLIMIT_AS].cur && data_bytes <= p->rlimits[MCK_RLIMIT_DATA].cur;
}

// Highest aligned gap of @len in [@bottom, @top); 0 if none.
uint64_t find_gap(Process* p, uint64_t len, uint64_t align, uint64_t offset = 0, uint64_t bottom = MMAP_LOW,
                  uint64_t top = MCK_MMAP_TOP)
{
    uint64_t best = 0, lo = bottom;
    auto consider = [&](uint64_t gap_lo, uint64_t gap_hi) {
        gap_lo = gap_lo < bottom ? bottom : gap_lo;
        gap_hi = gap_hi > top ? top : gap_hi;
        if (gap_hi <= gap_lo || gap_hi - gap_lo < len + offset)
            return;
        uint64_t cand = down(gap_hi - len - offset, align) + offset;
        if (cand >= gap_lo && cand > best)
            best = cand;
    };
    for (Vma* v = p->vmas; v; v = v->next) {
        consider(lo, v->start);
        if (v->end > lo)
            lo = v->end;
    }
    consider(lo, top);
    return best;
}

// What mmu_unmap took out: our pages (freed once mcexec let go) and whether
// anything at all left, Linux's pages of shared mappings included.
struct Unmapped {
    DeferredFree* pages = nullptr;
    bool any = false;
};

void free_cb(uint64_t phys, uint64_t size, void* ctx)
{
    auto* u = static_cast<Unmapped*>(ctx);
    u->any = true;
    if (!mem_owns(phys))
        return; // a Linux page of a shared mapping: Linux unpins it when the process ends
    // Neighbouring pages become one entry.
    if (u->pages && u->pages->phys + u->pages->size == phys) {
        u->pages->size += size;
        return;
    }
    auto* d = new DeferredFree{phys, size, 0, u->pages};
    if (!d) {
        // Without a record we cannot know when mcexec let go of it: never
        // reuse it (a leak, and only when the kernel heap is exhausted).
        kprintf("memory: 0x%lx (%lu KiB) kept out of use: no kernel memory to track it", phys, size >> 10);
        return;
    }
    u->pages = d;
}

// Take the pages of [start, end) out of the tables; caller holds p->lock.
// Whether there were any (their TLB entries are then the caller's to flush).
bool release_locked(Process* p, uint64_t start, uint64_t end)
{
    Unmapped u;
    arch::mmu_unmap(p->root, start, end - start, free_cb, &u);
    // The process's budget gets them back now; the allocator once Linux let go.
    for (DeferredFree* d = u.pages; d; d = d->next)
        p->mem_used -= d->size;
    if (!u.any)
        return false;
    // Page tables left empty go too, but like the pages only once Linux let
    // go: mcctrl's fault handler walks these tables (mcexec/mcctrl/uas.c).
    // Without this a program mapping and unmapping all over its address
    // space would pile up tables until the kernel's reserve ran out.
    arch::mmu_prune(p->root, start, end - start, free_cb, &u);
    // mcexec's view loses every page that went, Linux's too (a later mapping
    // there must not reach the old file page through it).
    process_unmapped(p, start, end - start, u.pages);
    return true;
}

// A range whose TLB entries must go once p->lock is released (process_flush_tlb).
struct Flush {
    uint64_t va = 0, len = 0;
};

// Give the process its own page at @addr, where it shares one copy-on-write
// since a fork, mapped with @prot: the same page if the other holders let go
// of it meanwhile, else a copy. The shared page loses this holder once
// mcexec's view let go of it (process_unmapped). A 2 MiB page still shared
// is split, as Linux splits a transparent huge page, and only the 4 KiB page
// at @addr copied: a fork child writing its stack, heap and data costs a few
// 4 KiB pages, not as many 2 MiB ones. @whole (MAP_HUGETLB): copied whole,
// as Linux's hugetlb. False when out of memory. Caller holds p->lock and
// flushes @flush.
bool unshare_locked(Process* p, uint64_t addr, uint32_t prot, Flush* flush, bool whole)
{
    uint64_t pa, size;
    uint32_t now;
    if (!arch::mmu_lookup(p->root, addr, &pa, &now, &size) || !(now & arch::PROT_COW))
        return true;
    uint64_t va = down(addr, size), old = down(pa, size);
    *flush = Flush{va, size};
    if (mem_exclusive(old, size))
        return arch::mmu_map(p->root, va, old, size, prot);
    if (size != PAGE_4K && !whole) {
        // mmu_protect splits the large page; its small pages stay shared.
        if (!arch::mmu_protect(p->root, down(addr, PAGE_4K), PAGE_4K, now))
            return false;
        bool ok = unshare_locked(p, addr, prot, flush, false);
        *flush = Flush{va, size}; // the large page's TLB entry goes too
        return ok;
    }
    uint64_t page = alloc_placed(p, va, size);
    auto* d = page ? new DeferredFree{old, size, 0, nullptr} : nullptr;
    if (d)
        memcpy(arch::phys_to_virt(page), arch::phys_to_virt(old), size); // before any CPU can see it
    if (!d || !arch::mmu_map(p->root, va, page, size, prot)) {
        if (page)
            mem_free(page, size);
        if (d)
            delete d;
        return false;
    }
    process_unmapped(p, va, size, d);
    return true;
}

// A buffer the LWK lent Linux for call @ret: freed, unless the call may still
// be in Linux's hands (our thread was killed while it ran): then it goes with
// the process, when Linux has let go of everything.
void free_call_buffer(Process* p, uint64_t phys, uint64_t bytes, int64_t ret)
{
    Thread* self = current();
    if (ret == -EINTR && self && self->in_offload) {
        SpinLockGuard guard(p->lock);
        if (auto* d = new DeferredFree{phys, bytes, ~0ull, p->deferred}) {
            p->deferred = d;
            return;
        }
        kprintf("memory: 0x%lx kept out of use: Linux may still write it", phys);
        return;
    }
    mem_free(phys, bytes);
}

// Map memory for the unmapped pages of [start, end) with @prot; caller holds p->lock.
bool populate_locked(Process* p, uint64_t start, uint64_t end, uint32_t prot, bool huge_only = false)
{
    uint64_t pa, psize;
    uint32_t pprot;
    for (uint64_t va = start; va < end;) {
        if (p->mem_limit && p->mem_used >= p->mem_limit)
            return false;
        if (!(va & (PAGE_2M - 1)) && va + PAGE_2M <= end && arch::mmu_block_empty(p->root, va) &&
            (!p->mem_limit || p->mem_used + PAGE_2M <= p->mem_limit)) {
            uint64_t big = alloc_placed(p, va, PAGE_2M);
            if (big) {
                if (!arch::mmu_map(p->root, va, big, PAGE_2M, prot)) {
                    mem_free(big, PAGE_2M);
                    return false;
                }
                p->mem_used += PAGE_2M;
                if (p->mem_used > p->mem_peak)
                    p->mem_peak = p->mem_used;
                va += PAGE_2M;
                continue;
            }
        }
        if (!arch::mmu_lookup(p->root, va, &pa, &pprot, &psize)) {
            if (huge_only)
                return false; // MAP_HUGETLB: no 2 MiB page, no memory
            uint64_t page = alloc_placed(p, va, PAGE_4K);
            if (!page)
                return false;
            if (!arch::mmu_map(p->root, va, page, PAGE_4K, prot)) {
                mem_free(page, PAGE_4K);
                return false;
            }
            p->mem_used += PAGE_4K;
            if (p->mem_used > p->mem_peak)
                p->mem_peak = p->mem_used;
        }
        va += PAGE_4K;
    }
    return true;
}

constexpr uint32_t REGION_PROT = 0x100; // populate(): with the region's own protection

// Map memory for the unmapped pages of [start, end), a block at a time: each
// block is allocated and zeroed with interrupts on, and installed under the
// lock only if its region is still there and the block still empty. @prot,
// or the region's protection with REGION_PROT. Stops early, with true, where
// the region went away meanwhile. False when out of memory or when the
// process is being torn down (killing mcexec ends a long mmap at once).
// Blocks are 2 MiB pages where they fit, else 4 KiB ones; in a MAP_HUGE_1GB
// region 1 GiB pages, or 2 MiB ones where no 1 GiB page is free.
// Caller holds nothing.
ErrorOr<void> populate(Process* p, uint64_t start, uint64_t end, uint32_t prot)
{
    int home;
    {
        SpinLockGuard guard(p->lock);
        home = local_node_locked(p);
    }
    Thread* self = current(); // none when Linux's SETUP runs this from the IKC handler
    for (uint64_t va = start; va < end;) {
        if ((self && self->proc == p && self->killed) || p->exiting)
            return Error::from_errno(EINTR);
        uint64_t size = !(va & (PAGE_2M - 1)) && va + PAGE_2M <= end ? PAGE_2M : PAGE_4K;
        uint64_t pa = 0, got, psize;
        uint32_t pprot;
        Placement gig, big, small; // where its policy puts a page (allocated without the lock)
        bool huge_only;            // MAP_HUGETLB: a large page or nothing
        {
            SpinLockGuard guard(p->lock);
            Vma* v = find(p, va);
            if (!v || v->end < va + PAGE_4K)
                return {};
            huge_only = huge_of(v) != 0;
            const MemPolicy& policy = v->policy.mode ? v->policy : mempolicy_of(p);
            gig = mempolicy_place(policy, va, PAGE_1G, home);
            big = mempolicy_place(policy, va, PAGE_2M, home);
            small = mempolicy_place(policy, va, PAGE_4K, home);
            if (huge_of(v) == PAGE_1G && !(va & (PAGE_1G - 1)) && va + PAGE_1G <= end && v->end >= va + PAGE_1G &&
                arch::mmu_block_empty(p->root, va, PAGE_1G) && (!p->mem_limit || p->mem_used + PAGE_1G <= p->mem_limit))
                size = PAGE_1G;
            if (size == PAGE_2M && (v->end < va + PAGE_2M || !arch::mmu_block_empty(p->root, va)))
                size = PAGE_4K;
            if (size == PAGE_4K && arch::mmu_lookup(p->root, va, &got, &pprot, &psize)) {
                va += PAGE_4K;
                continue;
            }
            if (p->mem_limit && p->mem_used + size > p->mem_limit) {
                if (size == PAGE_4K || p->mem_used + PAGE_4K > p->mem_limit)
                    return Error::from_errno(ENOMEM);
                size = PAGE_4K;
            }
        }
        if (size == PAGE_1G && !(pa = mem_alloc_user_on(PAGE_1G, PAGE_1G, gig.node, gig.nodes, gig.strict)))
            size = PAGE_2M; // no 1 GiB page free: 2 MiB ones
        if (size == PAGE_2M && !(pa = mem_alloc_user_on(PAGE_2M, PAGE_2M, big.node, big.nodes, big.strict)))
            size = PAGE_4K; // no large page free: small ones
        if (size == PAGE_4K && huge_only)
            return Error::from_errno(ENOMEM);
        if (size == PAGE_4K && !(pa = mem_alloc_user_on(PAGE_4K, PAGE_4K, small.node, small.nodes, small.strict)))
            return Error::from_errno(ENOMEM);
        bool installed = false, table_failed = false;
        {
            SpinLockGuard guard(p->lock);
            Vma* v = find(p, va);
            bool empty = size != PAGE_4K ? arch::mmu_block_empty(p->root, va, size)
                                         : !arch::mmu_lookup(p->root, va, &got, &pprot, &psize);
            if (v && v->end >= va + size && empty && (!p->mem_limit || p->mem_used + size <= p->mem_limit)) {
                installed = arch::mmu_map(p->root, va, pa, size, prot == REGION_PROT ? v->prot : prot);
                table_failed = !installed;
                if (installed) {
                    p->mem_used += size;
                    if (p->mem_used > p->mem_peak)
                        p->mem_peak = p->mem_used;
                }
            }
        }
        if (!installed)
            mem_free(pa, size);
        if (table_failed)
            return Error::from_errno(ENOMEM);
        va += size;
    }
    return {};
}

// Overcommit of private anonymous memory (docs/lwk.md, "Overcommit").
// Heuristic, the default, as Linux's: a mapping larger than the process could
// ever have is refused; one that fits in the memory free now gets its pages
// now, so a compute loop over it takes no faults; a larger one gets them on
// first touch (a touch that finds none: SIGBUS). Strict: a page held for
// every page promised; a mapping gets all of its memory when it is made or
// fails with ENOMEM (MAP_NORESERVE too, as Linux's mode 2), and fork copies.
bool strict_commit() { return kargs().overcommit == KernelArgs::Overcommit::Strict; }

// Could @len bytes ever be backed: no more than the instance, or the process's share?
bool could_ever_fit(Process* p, uint64_t len)
{
    uint64_t budget = p->mem_limit ? p->mem_limit : mem_total_bytes();
    return len <= budget;
}

// Do @len more bytes fit in what programs may get now, and in the process's share?
bool fits_now(Process* p, uint64_t len)
{
    uint64_t free = mem_user_free_bytes();
    SpinLockGuard guard(p->lock);
    return len <= free && (!p->mem_limit || p->mem_used + len <= p->mem_limit);
}

// Pages we unmapped wait until Linux dropped its view of them. When memory
// runs short, ask for that now: any offloaded call makes mcctrl apply the
// pending unmaps before mcexec runs it. Returns whether anything came back.
bool reclaim_now(Process* p)
{
    {
        SpinLockGuard guard(p->lock);
        if (!p->deferred)
            return false;
    }
    uint64_t args[6] = {};
    offload(39, args); // getpid: cheap and harmless
    process_reclaim(p);
    return true;
}

// Give [start, end), private anonymous memory just made or made accessible,
// its pages as the overcommit policy says. Caller holds nothing. ENOMEM for
// more than could ever fit (Linux's heuristic refuses it too), and under the
// strict policy for more than is free (the caller undoes what it made);
// EINTR when the process is being killed.
ErrorOr<void> back(Process* p, uint64_t start, uint64_t end)
{
    uint64_t len = end - start;
    if (!could_ever_fit(p, len))
        return Error::from_errno(ENOMEM);
    if (!strict_commit()) {
        // Pages our unmaps freed may still wait for mcexec's view: ask once.
        if (!fits_now(p, len) && (!reclaim_now(p) || !fits_now(p, len)))
            return {}; // on first touch
    }
    ErrorOr<void> r = populate(p, start, end, REGION_PROT);
    if (r.is_error() && r.error().errno_value == ENOMEM && !strict_commit())
        return {}; // another allocation took the memory meanwhile: the rest on first touch
    return r;
}

// Remove the regions and pages of [start, end); caller holds p->lock. ENOMEM
// (nothing removed) when a region across an end could not be split; never
// for a range whose ends are region boundaries already.
ErrorOr<void> unmap_locked(Process* p, uint64_t start, uint64_t end)
{
    TRY(split_at(p, start));
    TRY(split_at(p, end));
    uint32_t first_release = p->nshared_releases;
    for (Vma** pp = &p->vmas; *pp;) {
        Vma* v = *pp;
        if (v->start >= start && v->end <= end) {
            // Linux's pages: unpinned once no CPU of ours can reach them.
            if ((v->flags & VMA_SHARED) && v->linux_addr && p->release_scopes &&
                p->nshared_releases < Process::MAX_SHARED_RELEASES)
                p->shared_releases[p->nshared_releases++] = {v->linux_addr, v->end - v->start, 0};
            *pp = v->next;
            delete v;
        } else {
            pp = &v->next;
        }
    }
    release_locked(p, start, end);
    // The unmap's number in mcexec's queue: mcctrl unpins after its view applied it.
    for (uint32_t i = first_release; i < p->nshared_releases; i++)
        p->shared_releases[i].inval_seq = p->shared ? p->shared->inval_seq : 0;
    return {};
}

// Declared first in each call that may unmap Linux's pages of shared
// mappings (munmap, a mapping over one, mremap, shmat over one, shmdt): when
// the outermost such call returns, after its TLB flushes and with no lock
// held, mcexec is told to unpin them and drop its own mapping
// (MCK_SYS_SHARED_RELEASE), as the program's munmap would on Linux (memfd
// seals, truncation, pinned memory). Only within the call that unmapped
// them: a release sent later could name what a new mapping reuses.
class SharedReleases {
public:
    explicit SharedReleases(Process* p) : m_p(p)
    {
        SpinLockGuard guard(p->lock);
        p->release_scopes++;
    }
    SharedReleases(const SharedReleases&) = delete;
    SharedReleases& operator=(const SharedReleases&) = delete;
    ~SharedReleases()
    {
        for (;;) {
            Process::SharedRelease r;
            {
                SpinLockGuard guard(m_p->lock);
                if (m_p->release_scopes > 1 || !m_p->nshared_releases) {
                    m_p->release_scopes--;
                    return;
                }
                r = m_p->shared_releases[--m_p->nshared_releases];
            }
            uint64_t args[6] = {r.linux_addr, r.len, r.inval_seq, 0, 0, 0};
            (void)offload(MCK_SYS_SHARED_RELEASE, args); // best effort: else they go at exit
        }
    }

private:
    Process* m_p;
};

// Create a region at [start, start + len), replacing what was there; the
// caller gives it memory (populate) after dropping the lock. Caller holds p->lock.
ErrorOr<void> map_locked(Process* p, uint64_t start, uint64_t len, uint32_t prot, uint32_t flags,
                         bool noreserve = false)
{
    // Like Linux's default overcommit check: more than we could ever back is
    // refused, unless the caller only reserves (MAP_NORESERVE but under the
    // strict policy, PROT_NONE).
    if (prot && (!noreserve || strict_commit()) && !could_ever_fit(p, len))
        return Error::from_errno(ENOMEM);
    TRY(unmap_locked(p, start, start + len));
    return insert_new(p, start, start + len, prot, flags);
}

} // namespace

int64_t vm_setup_region(Process* p, uint64_t start, uint64_t len, uint32_t prot, uint32_t flags)
{
    if (!len || (start | len) & (PAGE_4K - 1) || !in_user_range(start, len) || (prot & ~PROT_RWX))
        return -EINVAL;
    {
        SpinLockGuard guard(p->lock);
        if (!range_free(p, start, start + len))
            return -EINVAL;
        TRY_SYSCALL(insert_new(p, start, start + len, prot, flags));
    }
    // Writable until START: mcexec writes the program into it first.
    return to_syscall_result(populate(p, start, start + len, arch::PROT_R | arch::PROT_W));
}

void vm_apply_protections(Process* p)
{
    SpinLockGuard guard(p->lock);
    for (Vma* v = p->vmas; v; v = v->next)
        arch::mmu_protect(p->root, v->start, v->end - v->start, v->prot);
    arch::mmu_flush_local(p->root, 0, ~0ull);
    // mcexec wrote the program through writable views: they go before its first call.
    process_unmapped(p, MCK_USER_START, MCK_USER_END - MCK_USER_START, nullptr);
}

void vm_free_all(Process* p)
{
    while (Vma* v = p->vmas) {
        p->vmas = v->next;
        delete v;
    }
}

namespace {

// Page colouring of large anonymous mappings. Placed 2 MiB aligned, every
// large mapping would start at the same offset within 2 MiB, and so would the
// arrays malloc puts at their start: with 2 MiB pages that offset is the
// physical one, so a[i], b[i] and c[i] of a STREAM triad share cache sets (and
// an emulator's TLB slots) and evict each other. Successive large anonymous
// mappings of a process start COLOUR_STEP further into their 2 MiB block, in
// COLOURS turns; the step is not a multiple of 64 KiB, so they also differ in
// the cache-set bits just above the 4 KiB page. The cost: the partial 2 MiB
// block at each end of a coloured mapping is mapped with 4 KiB pages (at most
// 4 MiB of it), which is why only mappings of COLOUR_MIN or more are coloured:
// smaller ones keep their whole span on 2 MiB pages. The first gets colour 0,
// so a program with one large array sees no change. Fixed and hinted
// mappings, file mappings, mremap and brk are never coloured.
constexpr uint64_t COLOUR_MIN = 8ull << 20;
constexpr uint32_t COLOURS = 8;
constexpr uint64_t COLOUR_STEP = 0x41000; // 260 KiB: 7 steps stay inside 2 MiB
static_assert((COLOURS - 1) * COLOUR_STEP < PAGE_2M && COLOUR_STEP % PAGE_4K == 0);

// A hint as Linux takes it (arch_get_unmapped_area_topdown): free, and not
// within stack_guard_gap below the stack, which would stop its growth.
bool hint_free(Process* p, uint64_t addr, uint64_t len)
{
    if (!range_free(p, addr, addr + len))
        return false;
    for (Vma* v = p->vmas; v; v = v->next)
        if (v->start >= addr + len)
            return !(v->flags & VMA_STACK) || v->start - (addr + len) >= STACK_GUARD_GAP;
    return true;
}

// Where a new mapping goes (caller holds p->lock); 0 if nowhere. @colour: an
// anonymous mapping, which may be coloured.
uint64_t place(Process* p, uint64_t addr, uint64_t len, uint64_t flags, int64_t* err, bool colour = false,
               uint64_t align = 0)
{
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        // Linux: past the user range is "no memory there", before alignment.
        if (!in_user_range(addr, len) || (addr & (PAGE_4K - 1))) {
            *err = in_user_range(addr, len) ? -EINVAL : -ENOMEM;
            return 0;
        }
        if ((flags & MAP_FIXED_NOREPLACE) && !range_free(p, addr, addr + len)) {
            *err = -EEXIST;
            return 0;
        }
        return addr;
    }
    if (flags & MAP_32BIT) {
        // As Linux on x86-64: a free hint that ends below 2 GiB, else in
        // [1 GiB, 2 GiB) or ENOMEM; never coloured.
        constexpr uint64_t BOTTOM = 1ull << 30, TOP = 2ull << 30;
        if (addr && !(addr & (PAGE_4K - 1)) && in_user_range(addr, len) && len <= TOP && addr <= TOP - len &&
            range_free(p, addr, addr + len))
            return addr;
        uint64_t start = len <= TOP ? find_gap(p, len, align ? align : PAGE_4K, 0, BOTTOM, TOP) : 0;
        if (!start)
            *err = -ENOMEM;
        return start;
    }
    if (addr && !(addr & (PAGE_4K - 1)) && in_user_range(addr, len) && hint_free(p, addr, len))
        return addr;
    if (align) { // MAP_HUGETLB: at its page size, never coloured
        uint64_t start = find_gap(p, len, align);
        if (!start)
            *err = -ENOMEM;
        return start;
    }
    uint64_t offset = 0;
    if (colour && len >= COLOUR_MIN)
        offset = (p->mmap_colours++ % COLOURS) * COLOUR_STEP;
    uint64_t start = find_gap(p, len, len >= PAGE_2M ? PAGE_2M : PAGE_4K, offset);
    if (!start && offset)
        start = find_gap(p, len, PAGE_2M); // no room for the colour: uncoloured
    if (!start)
        *err = -ENOMEM;
    return start;
}

// One entry of a list mcctrl fills (abi.h): a Linux page it pinned, or a
// device's memory or I/O space with the memory type Linux maps it with.
struct LinuxFrame {
    uint64_t pa;
    bool writable, exec, io;
    arch::Cache cache;
};

// EIO when Linux answered nonsense: our own memory, flags we do not know, a
// memory type for a page.
ErrorOr<LinuxFrame> linux_frame(uint64_t entry)
{
    constexpr uint64_t KNOWN = MCK_PIN_WRITABLE | MCK_PIN_EXEC | MCK_PIN_IO | MCK_PIN_CACHE_MASK;
    uint64_t pa = entry & ~(PAGE_4K - 1), flags = entry & (PAGE_4K - 1), cache = MCK_PIN_CACHE(flags);
    bool io = flags & MCK_PIN_IO;
    if (mem_owns(pa) || (flags & ~KNOWN) || (!io && cache) || cache >= arch::CACHE_TYPES)
        return Error::from_errno(EIO);
    return LinuxFrame{pa, bool(flags & MCK_PIN_WRITABLE), bool(flags & MCK_PIN_EXEC), io, arch::Cache(cache)};
}

// Map @entry's frame at @va with @prot, narrowing @may (VMA_MAYWRITE,
// VMA_MAYEXEC) to what Linux allows; @io says whether the region holds device
// memory, and every frame of it must agree. Context: p->lock held.
int64_t map_linux_frame(Process* p, uint64_t va, uint64_t entry, uint32_t prot, uint32_t* may, bool* io, bool first)
{
    ErrorOr<LinuxFrame> got = linux_frame(entry);
    if (got.is_error())
        return -int64_t(got.error().errno_value);
    const LinuxFrame& f = got.value();
    if (!f.writable)
        *may &= ~VMA_MAYWRITE;
    if (!f.exec)
        *may &= ~VMA_MAYEXEC;
    if (first)
        *io = f.io;
    if (f.io != *io)
        return -EIO; // pages and device memory in one mapping: not what Linux does
    if (((prot & arch::PROT_W) && !(*may & VMA_MAYWRITE)) || ((prot & arch::PROT_X) && !(*may & VMA_MAYEXEC)))
        return -EACCES;
    if (!arch::mmu_map(p->root, va, f.pa, PAGE_4K, prot, f.cache))
        return -ENOMEM;
    return 0;
}

// Linux's pages mapped into the program: mcexec maps them in its own space
// (so Linux checks the program's rights to them) and mcctrl pins them for
// call @nr, whose args[1] is the length, args[2] the protection and args[4]
// the list mcctrl fills (abi.h). We map those very pages, so every process and
// Linux see the same bytes. Used for shared file mappings (Linux's page cache)
// and System V shared memory.
//
// @free_from (mremap growing in place): [free_from, addr + len) must still be
// free when the pages are mapped, or -ENOMEM; another thread may have mapped
// something there while mcexec worked.
int64_t map_linux_pages(Process* p, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t nr,
                        uint64_t args[6], uint32_t vma_flags, uint64_t* linux_addr = nullptr, uint64_t free_from = 0)
{
    {
        // Refused here if it would be refused below: else mcexec would map and
        // pin Linux memory the program never gets, kept until the process ends.
        SpinLockGuard guard(p->lock);
        int64_t err = 0;
        uint64_t where = place(p, addr, len, flags, &err);
        if (!where)
            return err;
        if (!within_limits(p, len, false, where, where + len))
            return -ENOMEM;
    }
    uint64_t pages = len / PAGE_4K;
    uint64_t list_bytes = up(pages * 8, PAGE_4K);
    uint64_t list_phys = mem_alloc(list_bytes, home_node());
    if (!list_phys)
        return -ENOMEM;
    args[4] = list_phys;
    int64_t handle = offload(nr, args);
    if (handle < 0) {
        free_call_buffer(p, list_phys, list_bytes, handle);
        return handle;
    }
    if (linux_addr)
        *linux_addr = uint64_t(handle);
    const auto* list = static_cast<const uint64_t*>(arch::phys_to_virt(list_phys));
    int64_t err = 0;
    uint64_t start;
    {
        SpinLockGuard guard(p->lock);
        start = place(p, addr, len, flags, &err);
        if (start && (!within_limits(p, len, false, start, start + len) ||
                      (free_from && !range_free(p, free_from, start + len)))) {
            start = 0;
            err = -ENOMEM;
        }
        // Nothing of it mapped: mcexec lets go of its mapping and the pins
        // now (SharedReleases), not at the process's end.
        if (!start && p->release_scopes && p->nshared_releases < Process::MAX_SHARED_RELEASES)
            p->shared_releases[p->nshared_releases++] = {uint64_t(handle), len, 0};
        if (start) {
            ErrorOr<void> made = unmap_locked(p, start, start + len);
            if (!made.is_error())
                made = insert_new(p, start, start + len, uint32_t(prot), vma_flags, uint64_t(handle));
            err = to_syscall_result(made);
            uint64_t eof = start + len;
            // What Linux allows with these pages (the file's open mode and
            // mount), whatever mcexec says: mcctrl marks each entry.
            uint32_t may = VMA_MAYWRITE | VMA_MAYEXEC;
            bool io = false;
            for (uint64_t i = 0; i < pages && !err; i++) {
                if (!list[i]) { // past the end of the file: SIGBUS, as on Linux
                    eof = start + i * PAGE_4K;
                    break;
                }
                err = map_linux_frame(p, start + i * PAGE_4K, list[i], uint32_t(prot), &may, &io, i == 0);
            }
            if (Vma* v = find(p, start))
                v->flags |= may | (io ? VMA_IO : 0);
            if (!err && eof < start + len) {
                if (split_at(p, eof).is_error())
                    err = -ENOMEM;
                else if (Vma* tail = find(p, eof))
                    tail->flags |= VMA_PAST_EOF;
            }
            if (err)
                (void)unmap_locked(p, start, start + len); // its ends are boundaries: cannot fail
        }
    }
    mem_free(list_phys, list_bytes);
    if (start)
        process_flush_tlb(p, start, len); // also after a failure: it may have replaced a mapping
    return err ? err : int64_t(start);
}

// A shared file mapping: Linux's page cache pages of the file.
int64_t map_shared_file(Process* p, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, int64_t fd, uint64_t off)
{
    // Linux looks at the low 32 bits only; a negative one is no file (and
    // MCK_SHARED_ANON_FD must come from map_shared_anon alone).
    if (int32_t(fd) < 0)
        return -EBADF;
    uint64_t args[6] = {uint64_t(uint32_t(fd)), len, prot, off, 0, 0};
    return map_linux_pages(p, addr, len, prot, flags, MCK_SYS_MAP_SHARED, args, VMA_FILE | VMA_SHARED);
}

// MAP_SHARED|MAP_ANONYMOUS: Linux's shared anonymous memory, made by mcexec
// (an anonymous MAP_SHARED mapping of its own, like Linux's /dev/zero object)
// and pinned like a file's pages. Fork children map the same pages again from
// their mcexec's copy, exactly as for shared files, so parent and children
// share them; Linux frees them when the last mcexec of the tree lets go.
// Why this and not an LWK-side object or a memfd: docs/lwk.md.
int64_t map_shared_anon(Process* p, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags)
{
    uint64_t args[6] = {MCK_SHARED_ANON_FD, len, prot, 0, 0, 0};
    return map_linux_pages(p, addr, len, prot, flags, MCK_SYS_MAP_SHARED, args, VMA_SHARED | VMA_SHARED_ANON);
}

int64_t mmap_once(Process* p, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, int64_t fd, uint64_t off)
{
    if (!len || (prot & ~uint64_t(PROT_RWX)) || (off & (PAGE_4K - 1)))
        return -EINVAL;
    if (len > MCK_USER_END)
        return -ENOMEM; // as Linux for more than its user range
    bool anon = flags & MAP_ANONYMOUS;
    uint64_t type = flags & (MAP_SHARED | MAP_PRIVATE);
    if (!type)
        return -EINVAL;
    if (!anon && (flags & MAP_HUGETLB)) {
        // Linux: EINVAL for any file but hugetlbfs's (not mapped here), after
        // EBADF. Accepted, UCX's shared memory would map past the file's end.
        constexpr int64_t SYS_FCNTL = 72, F_GETFD = 1;
        uint64_t query[6] = {uint64_t(fd), F_GETFD, 0, 0, 0, 0};
        int64_t got = offload(SYS_FCNTL, query);
        return got < 0 ? got : -EINVAL;
    }
    // MAP_HUGETLB of private memory: the page size it names (MAP_HUGE_2MB,
    // MAP_HUGE_1GB, or the default 2 MiB; EINVAL for any other), the length
    // rounded up to it and the address aligned to it, as Linux's hugetlbfs
    // mapping; its pages all get memory now (Linux reserves them), or ENOMEM.
    uint64_t huge = 0;
    if (anon && type == MAP_PRIVATE && (flags & MAP_HUGETLB)) {
        constexpr uint64_t MAP_HUGE_SHIFT = 26, MAP_HUGE_MASK = 0x3f;
        uint64_t shift = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
        huge = shift == 0 || shift == 21 ? PAGE_2M : shift == 30 ? PAGE_1G : 0;
        if (!huge)
            return -EINVAL;
        if (len > MCK_USER_END - huge)
            return -ENOMEM;
        if (addr & (huge - 1)) {
            if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))
                return -EINVAL;
            addr = 0; // a hint it cannot take
        }
        len = up(len, huge);
    }
    len = up(len, PAGE_4K);
    if (type == MAP_SHARED)
        return anon ? map_shared_anon(p, addr, len, prot, flags) : map_shared_file(p, addr, len, prot, flags, fd, off);
    process_reclaim(p);
    uint64_t start;
    {
        SpinLockGuard guard(p->lock);
        int64_t err = 0;
        start = place(p, addr, len, flags, &err, anon, huge);
        if (!start)
            return err;
        if (!within_limits(p, len, (prot & arch::PROT_W) && type == MAP_PRIVATE, start, start + len))
            return -ENOMEM;
        uint32_t vflags = !anon ? VMA_FILE : huge == PAGE_2M ? VMA_HUGE_2M : huge ? VMA_HUGE_1G : 0;
        TRY_SYSCALL(map_locked(p, start, len, uint32_t(prot), vflags, anon && !huge && (flags & MAP_NORESERVE)));
    }
    // Anonymous memory as the overcommit policy says, unless inaccessible or
    // only reserved (MAP_NORESERVE but under the strict policy); a file's
    // pages always, writable: mcexec writes them first.
    ErrorOr<void> filled{};
    if (!anon)
        filled = populate(p, start, start + len, arch::PROT_R | arch::PROT_W);
    else if (huge && prot)
        filled = populate(p, start, start + len, REGION_PROT);
    else if (prot && (!(flags & MAP_NORESERVE) || strict_commit()))
        filled = back(p, start, start + len);
    if (filled.is_error()) {
        {
            SpinLockGuard guard(p->lock);
            (void)unmap_locked(p, start, start + len); // ours, whole: cannot fail
        }
        process_flush_tlb(p, start, len);
        return -ENOMEM;
    }
    process_flush_tlb(p, start, len);
    if (anon)
        return int64_t(start);
    // Fill it from the file through mcexec; bytes past the end of the file stay zero.
    uint64_t args[6] = {uint64_t(fd), start, len, off, prot, 0};
    int64_t got = offload(MCK_SYS_MAP_FILL, args); // pread, and mcexec notes the file's name
    // A noexec mount: never executable (mcexec refused PROT_EXEC already).
    bool may_exec = got < 0 || !(uint64_t(got) & MCK_FILL_NOEXEC);
    if (got >= 0)
        got = int64_t(uint64_t(got) & ~MCK_FILL_NOEXEC);
    if (got == -EBADF) {
        // A descriptor open for writing only cannot be mapped (Linux: EACCES).
        constexpr int64_t SYS_FCNTL = 72, F_GETFL = 3, O_ACCMODE = 3, O_WRONLY = 1;
        uint64_t query[6] = {uint64_t(fd), F_GETFL, 0, 0, 0, 0};
        int64_t mode = offload(SYS_FCNTL, query);
        if (mode >= 0 && (mode & O_ACCMODE) == O_WRONLY)
            got = -EACCES;
    }
    SpinLockGuard guard(p->lock);
    if (got < 0) {
        (void)unmap_locked(p, start, start + len); // ours, whole: cannot fail
        return got == -EISDIR || got == -EINVAL ? -ENODEV : got;
    }
    if (Vma* v = find(p, start); v && may_exec)
        v->flags |= VMA_MAYEXEC;
    arch::mmu_protect(p->root, start, len, uint32_t(prot));
    // mcexec's pread wrote through a writable view; the program's may be less.
    if ((prot & PROT_RWX) != PROT_RWX)
        process_unmapped(p, start, len, nullptr);
    // Whole pages past the end of the file raise SIGBUS, as on Linux.
    uint64_t eof = start + up(uint64_t(got), PAGE_4K);
    if (eof < start + len) {
        if (split_at(p, eof).is_error()) {
            (void)unmap_locked(p, start, start + len); // ours, whole: cannot fail
            return -ENOMEM;
        }
        if (Vma* tail = find(p, eof))
            tail->flags |= VMA_PAST_EOF;
        release_locked(p, eof, start + len);
    }
    arch::mmu_flush_local(p->root, start, len);
    return int64_t(start);
}

} // namespace

int64_t vm_mmap(Process* p, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, int64_t fd, uint64_t off)
{
    SharedReleases release_after(p);
    int64_t ret = mmap_once(p, addr, len, prot, flags, fd, off);
    if (ret == -ENOMEM && reclaim_now(p))
        ret = mmap_once(p, addr, len, prot, flags, fd, off);
    if (ret == -ENOMEM) // programs rarely say why they fail after this; we do
        kprintf("process %u: mmap of %lu KiB refused: out of memory (%lu MiB in use, limit %lu MiB)", p->pid,
                len >> 10, p->mem_used >> 20, p->mem_limit >> 20);
    return ret;
}

int64_t vm_munmap(Process* p, uint64_t addr, uint64_t len)
{
    SharedReleases release_after(p);
    // Checked before rounding up: a length near 2^64 would wrap to 0.
    if ((addr & (PAGE_4K - 1)) || !len || len > MCK_USER_END || !in_user_range(addr, up(len, PAGE_4K)))
        return -EINVAL;
    len = up(len, PAGE_4K);
    {
        SpinLockGuard guard(p->lock);
        // ENOMEM as Linux when a split would pass its region limit.
        TRY_SYSCALL(unmap_locked(p, addr, addr + len));
    }
    process_flush_tlb(p, addr, len);
    return 0;
}

int64_t vm_shm_attach(Process* p, uint64_t addr, uint64_t len, uint64_t prot, bool replace, uint64_t shmid,
                      uint64_t shmflg)
{
    SharedReleases release_after(p);
    uint64_t flags = addr ? (replace ? MAP_FIXED : MAP_FIXED_NOREPLACE) : 0;
    {
        // Where it goes, before mcexec attaches anything (checked again after).
        SpinLockGuard guard(p->lock);
        int64_t err = 0;
        if (!place(p, addr, len, flags, &err))
            return err == -EEXIST ? -EINVAL : err; // Linux: an attach over a mapping without SHM_REMAP
    }
    uint64_t args[6] = {shmid, len, prot, shmflg, 0, 0};
    uint64_t linux_addr = 0;
    int64_t ret = map_linux_pages(p, addr, len, prot, flags, MCK_SYS_SHM_ATTACH, args, VMA_SHARED | VMA_SHM,
                                  &linux_addr);
    if (ret < 0 && linux_addr) { // attached on Linux but not here: detach it there too
        uint64_t detach[6] = {linux_addr, 0, 0, 0, 0, 0};
        (void)offload(MCK_SYS_SHM_DETACH, detach);
    }
    return ret == -EEXIST ? -EINVAL : ret;
}

int64_t vm_shm_detach(Process* p, uint64_t addr)
{
    SharedReleases release_after(p);
    uint64_t linux_addr;
    {
        SpinLockGuard guard(p->lock);
        Vma* v = find(p, addr);
        if (!v || v->start != addr || !(v->flags & VMA_SHM))
            return -EINVAL;
        linux_addr = v->linux_addr;
    }
    // mcexec detaches its attach (only if it starts there) and says how long it was.
    uint64_t args[6] = {linux_addr, 0, 0, 0, 0, 0};
    int64_t len = offload(MCK_SYS_SHM_DETACH, args);
    if (len < 0)
        return len;
    {
        SpinLockGuard guard(p->lock);
        // The segment's regions: what is left of this attach in [addr, end),
        // each whole (an attach's regions never reach past its length).
        uint64_t end = addr + uint64_t(len);
        for (Vma* v = find(p, addr); v && v->start < end;) {
            Vma* next = v->next; // stays: it starts at or after v->end
            if ((v->flags & VMA_SHM) && v->linux_addr - v->start == linux_addr - addr && v->end <= end)
                (void)unmap_locked(p, v->start, v->end); // region boundaries: cannot fail
            v = next;
        }
    }
    process_flush_tlb(p, addr, uint64_t(len));
    return 0;
}

namespace {

// A shared file mapping mapped without PROT_WRITE, to be made writable: Linux
// decides (mcexec re-protects its mapping, so the file's open mode and seals
// count) and pins the pages for writing; they must be the pages we map.
int64_t make_writable(Process* p, uint64_t start, uint64_t end, uint64_t linux_addr)
{
    uint64_t pages = (end - start) / PAGE_4K, list_bytes = up(pages * 8, PAGE_4K);
    uint64_t list_phys = mem_alloc(list_bytes, home_node());
    if (!list_phys)
        return -ENOMEM;
    uint64_t args[6] = {linux_addr, end - start, list_phys, 0, 0, 0};
    int64_t err = offload(MCK_SYS_SHARED_WRITABLE, args);
    const auto* list = static_cast<const uint64_t*>(arch::phys_to_virt(list_phys));
    if (!err) {
        SpinLockGuard guard(p->lock);
        for (uint64_t i = 0; i < pages && !err; i++) {
            uint64_t pa = 0, psize;
            uint32_t pprot;
            bool mapped = arch::mmu_lookup(p->root, start + i * PAGE_4K, &pa, &pprot, &psize);
            if (mapped != (list[i] != 0) || (mapped && ((list[i] & ~(PAGE_4K - 1)) != (pa & ~(PAGE_4K - 1)) ||
                                                        !(list[i] & MCK_PIN_WRITABLE))))
                err = -EACCES; // not the pages we map (the file changed under us), or not writable
        }
        for (Vma* v = p->vmas; v && !err; v = v->next)
            if (v->start >= start && v->end <= end && (v->flags & VMA_SHARED) &&
                v->linux_addr == linux_addr + (v->start - start))
                v->flags |= VMA_MAYWRITE;
    }
    free_call_buffer(p, list_phys, list_bytes, err);
    return err;
}

// Before mprotect adds PROT_WRITE: make the shared file mappings of the range writable.
int64_t shared_writable(Process* p, uint64_t addr, uint64_t end)
{
    constexpr int MAX_PIECES = 8;
    struct Piece {
        uint64_t start, end, linux_addr;
    } pieces[MAX_PIECES];
    int n = 0;
    {
        SpinLockGuard guard(p->lock);
        // Whole regions only, so each piece gets VMA_MAYWRITE of its own.
        TRY_SYSCALL(split_at(p, addr));
        TRY_SYSCALL(split_at(p, end));
        for (Vma* v = p->vmas; v; v = v->next) {
            if (v->end <= addr || v->start >= end || !(v->flags & VMA_SHARED) || (v->flags & VMA_MAYWRITE))
                continue;
            if (n == MAX_PIECES || !v->linux_addr)
                return -EACCES;
            uint64_t s = v->start > addr ? v->start : addr, e = v->end < end ? v->end : end;
            pieces[n++] = {s, e, v->linux_addr + (s - v->start)};
        }
    }
    for (int i = 0; i < n; i++)
        if (int64_t err = make_writable(p, pieces[i].start, pieces[i].end, pieces[i].linux_addr))
            return err;
    return 0;
}

} // namespace

int64_t vm_mprotect(Process* p, uint64_t addr, uint64_t len, uint64_t prot)
{
    if ((addr & (PAGE_4K - 1)) || (prot & ~uint64_t(PROT_RWX)))
        return -EINVAL;
    if (len > MCK_USER_END)
        return -ENOMEM;
    len = up(len, PAGE_4K);
    if (!len)
        return 0;
    if (!in_user_range(addr, len))
        return -ENOMEM;
    if (prot & arch::PROT_W)
        if (int64_t err = shared_writable(p, addr, addr + len))
            return err;
    bool reduced = false, fill = false;
    {
        SpinLockGuard guard(p->lock);
        uint64_t end = addr + len;
        // The whole range must be mapped, and a shared file mapping gets no more
        // than the file allows (Linux: EACCES); checked before anything changes.
        for (uint64_t a = addr; a < end;) {
            Vma* v = find(p, a);
            if (!v)
                return -ENOMEM;
            // Private file mappings too may not become executable from a noexec mount.
            if (((v->flags & VMA_SHARED) && (prot & arch::PROT_W) && !(v->flags & VMA_MAYWRITE)) ||
                ((v->flags & (VMA_SHARED | VMA_FILE)) && (prot & arch::PROT_X) && !(v->flags & VMA_MAYEXEC)))
                return -EACCES;
            a = v->end;
        }
        TRY_SYSCALL(split_at(p, addr));
        TRY_SYSCALL(split_at(p, end));
        for (Vma* v = p->vmas; v; v = v->next) {
            if (v->start < addr || v->end > end)
                continue;
            fill |= !v->prot && prot && !(v->flags & VMA_SHARED);
            reduced |= (v->prot & ~uint32_t(prot)) != 0;
            v->prot = uint32_t(prot);
        }
        arch::mmu_protect(p->root, addr, len, uint32_t(prot));
        // mcexec's view must lose the access too before it runs another call.
        if (reduced)
            process_unmapped(p, addr, len, nullptr);
    }
    process_flush_tlb(p, addr, len);
    // Memory first made accessible gets its pages as the overcommit policy
    // says (those present are kept).
    if (fill)
        return to_syscall_result(back(p, addr, addr + len));
    return 0;
}

namespace {

// The last region of the run from @v up to @end that Linux would see as one
// mapping: Linux merges neighbouring regions that differ in nothing, we keep
// them apart after a split. The same protection and kind (the part of a file
// mapping past the file's end is still the mapping), and for Linux's pages
// the next part of the same mapping in mcexec. Caller holds p->lock.
Vma* run_end(Vma* v, uint64_t end)
{
    Vma* last = v;
    while (last->end < end && last->next && last->next->start == last->end && last->next->prot == v->prot &&
           (last->next->flags & ~VMA_PAST_EOF) == (v->flags & ~VMA_PAST_EOF) &&
           (!(v->flags & VMA_SHARED) || last->next->linux_addr == last->linux_addr + (last->end - last->start)))
        last = last->next;
    return last;
}

// mremap of Linux's pages (a shared file mapping, shared anonymous memory):
// mcexec makes a second mapping of the same object from the same place with
// the new length (Linux's mremap of old size 0), mcctrl pins it, and that
// replaces [old_addr, old_addr + old_len) here: at @to (MREMAP_FIXED), in
// place when the range after it is free, else where there is room with
// @may_move. The old range's pins and mcexec's old mapping go with it
// (SharedReleases). A page the object has no longer (past a file's end, past
// shared anonymous memory's size) raises SIGBUS, as on Linux. @old_len 0
// makes the second mapping only, as on Linux.
int64_t remap_shared(Process* p, uint64_t old_addr, uint64_t old_len, uint64_t new_len, bool may_move, uint64_t to)
{
    uint64_t linux_at, prot;
    uint32_t vflags;
    bool in_place = false;
    {
        SpinLockGuard guard(p->lock);
        Vma* v = find(p, old_addr);
        if (!v || run_end(v, old_addr + old_len)->end < old_addr + old_len)
            return -EFAULT;
        if (v->flags & VMA_IO)
            return new_len > old_len ? -EFAULT : -EINVAL; // Linux: a VM_PFNMAP mapping does not grow
        linux_at = v->linux_addr + (old_addr - v->start);
        prot = v->prot;
        vflags = v->flags & (VMA_FILE | VMA_SHARED | VMA_SHARED_ANON | VMA_LOCKED);
        if (!to) {
            // A second mapping (old size 0) is always somewhere else.
            in_place = old_len && in_user_range(old_addr, new_len) &&
                       range_free(p, old_addr + old_len, old_addr + new_len);
            if (!in_place && !may_move)
                return -ENOMEM;
        }
        if (v->flags & VMA_SHM)
            return -EINVAL; // a System V attach: not grown or moved (docs/syscalls.md)
    }
    uint64_t args[6] = {linux_at, new_len, prot, old_len, 0, 0};
    uint64_t at = to ? to : in_place ? old_addr : 0;
    int64_t got = map_linux_pages(p, at, new_len, prot, at ? MAP_FIXED : 0, MCK_SYS_SHARED_REMAP, args, vflags,
                                  nullptr, in_place ? old_addr + old_len : 0);
    if (got < 0 || in_place || !old_len)
        return got;
    {
        SpinLockGuard guard(p->lock);
        // Unless another thread changed the old range meanwhile: then that is what it holds.
        Vma* v = find(p, old_addr);
        if (v && v->linux_addr + (old_addr - v->start) == linux_at)
            (void)unmap_locked(p, old_addr, old_addr + old_len); // ENOMEM: the old range stays, as a failed munmap
    }
    process_flush_tlb(p, old_addr, old_len);
    return got;
}

} // namespace

int64_t vm_mremap(Process* p, uint64_t old_addr, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t new_addr)
{
    SharedReleases release_after(p);
    // Linux's checks, in its order (but the new place's mappings are replaced
    // only once the move is sure to happen).
    bool fixed = flags & MREMAP_FIXED;
    // MREMAP_DONTUNMAP (Linux 5.7): always a move, of the same length
    // (compared before rounding, as Linux does), which leaves the old range
    // mapped and empty.
    bool dontunmap = flags & MREMAP_DONTUNMAP;
    if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) || (fixed && !(flags & MREMAP_MAYMOVE)) ||
        (dontunmap && (!(flags & MREMAP_MAYMOVE) || old_len != new_len)) || (old_addr & (PAGE_4K - 1)))
        return -EINVAL;
    if (old_len > MCK_USER_END || new_len > MCK_USER_END)
        return -EINVAL;
    old_len = up(old_len, PAGE_4K);
    new_len = up(new_len, PAGE_4K);
    if (!new_len)
        return -EINVAL;
    // Linux checks @new_addr for MREMAP_DONTUNMAP even when it is only a hint.
    if (fixed || dontunmap) {
        if ((new_addr & (PAGE_4K - 1)) || new_len > LINUX_TASK_SIZE || new_addr > LINUX_TASK_SIZE - new_len ||
            (old_addr < new_addr + new_len && new_addr < old_addr + old_len))
            return -EINVAL;
        if (fixed && !in_user_range(new_addr, new_len))
            return -ENOMEM; // mcexec's part of the address space, as mmap's MAP_FIXED there
    }
    if (!in_user_range(old_addr, old_len))
        return -EFAULT; // no mapping there, as Linux says
    {
        // A MAP_HUGETLB region moves and changes size in whole pages of its
        // own size only (Linux: EINVAL).
        SpinLockGuard guard(p->lock);
        Vma* v = find(p, old_addr);
        uint64_t huge = v ? huge_of(v) : 0;
        if (huge && ((old_addr | old_len | new_len | (fixed ? new_addr : 0)) & (huge - 1)))
            return -EINVAL;
        // Not supported: huge pages, device memory and the vDSO (Linux:
        // VM_PFNMAP, VM_DONTEXPAND, EINVAL too), and a private file mapping,
        // whose emptied range Linux would read from the file again while the
        // LWK has no hold on the file (Linux 5.7 to 5.12 refused it as well);
        // the program's own segments are one too, on Linux.
        if (dontunmap && v &&
            (huge || (v->flags & (VMA_IO | VMA_SPECIAL | VMA_IMAGE)) ||
             ((v->flags & VMA_FILE) && !(v->flags & VMA_SHARED))))
            return -EINVAL;
        // The vDSO never grows (Linux: VM_DONTEXPAND; device memory: remap_shared).
        // Old size 0 is a second mapping, of private memory EINVAL below, as Linux says first.
        if (v && old_len && new_len > old_len && (v->flags & VMA_SPECIAL))
            return -EFAULT;
    }
    if (!fixed && !dontunmap && new_len <= old_len) {
        if (new_len < old_len)
            vm_munmap(p, old_addr + new_len, old_len - new_len);
        return int64_t(old_addr);
    }
    bool shared;
    {
        SpinLockGuard guard(p->lock);
        Vma* v = find(p, old_addr);
        if (!v)
            return -EFAULT;
        shared = v->flags & VMA_SHARED;
        if (!old_len && !shared)
            return -EINVAL; // Linux: a second mapping of private memory would share nothing
        if (dontunmap && run_end(v, old_addr + old_len)->end < old_addr + old_len)
            return -EFAULT;
    }
    // Shared memory: the old range keeps its pages, which a second mapping of
    // them (old size 0) at the new place shares, as Linux's refault would.
    if (shared && dontunmap) {
        int64_t to = remap_shared(p, old_addr, 0, new_len, true, fixed ? new_addr : 0);
        if (to >= 0) { // the old range is no longer locked (Linux clears VM_LOCKED there)
            SpinLockGuard guard(p->lock);
            bool locked = false; // split only then: each piece is released on its own
            for (Vma* r = find(p, old_addr); r && r->start < old_addr + old_len; r = r->next)
                locked = locked || (r->flags & VMA_LOCKED);
            if (locked && !split_at(p, old_addr).is_error() && !split_at(p, old_addr + old_len).is_error())
                for (Vma* r = find(p, old_addr); r && r->start < old_addr + old_len; r = r->next)
                    r->flags &= ~VMA_LOCKED;
        }
        return to;
    }
    if (fixed && new_len < old_len) {
        // Linux moves what is left after the cut.
        if (int64_t err = vm_munmap(p, old_addr + new_len, old_len - new_len))
            return err;
        old_len = new_len;
    }
    if (shared)
        return remap_shared(p, old_addr, old_len, new_len, flags & MREMAP_MAYMOVE, fixed ? new_addr : 0);
    // Strict accounting: the emptied old range needs memory too (Linux's
    // security_vm_enough_memory for it). fits_now takes the lock itself.
    if (dontunmap && strict_commit() && !fits_now(p, old_len))
        return -ENOMEM;
    uint32_t prot, vflags;
    MemPolicy policy;
    bool grow_in_place;
    {
        SpinLockGuard guard(p->lock);
        Vma* v = find(p, old_addr);
        if (!v || run_end(v, old_addr + old_len)->end < old_addr + old_len || (v->flags & VMA_SHARED))
            return -EFAULT;
        prot = v->prot;
        vflags = v->flags;
        policy = v->policy; // mbind's policy moves and grows with the memory
        uint64_t tail = old_addr + old_len, new_end = old_addr + new_len;
        // Growing adds new_len - old_len to the address space, in place or
        // moved; MREMAP_DONTUNMAP all of new_len, less what it replaces.
        uint64_t adds = dontunmap ? new_len : new_len > old_len ? new_len - old_len : 0;
        if (adds && !within_limits(p, adds, (prot & arch::PROT_W) && !(vflags & VMA_STACK),
                                   dontunmap && fixed ? new_addr : 0, dontunmap && fixed ? new_addr + new_len : 0))
            return -ENOMEM;
        grow_in_place = !fixed && !dontunmap && in_user_range(old_addr, new_len) && range_free(p, tail, new_end);
        if (grow_in_place) {
            TRY_SYSCALL(insert_new(p, tail, new_end, prot, vflags));
            find(p, tail)->policy = policy;
        }
    }
    if (grow_in_place) {
        uint64_t tail = old_addr + old_len, new_end = old_addr + new_len;
        if (prot && back(p, tail, new_end).is_error()) {
            {
                SpinLockGuard guard(p->lock);
                (void)unmap_locked(p, tail, new_end); // ours, whole: cannot fail
            }
            process_flush_tlb(p, tail, new_end - tail);
            return -ENOMEM;
        }
        return int64_t(old_addr);
    }
    if (!(flags & MREMAP_MAYMOVE))
        return -ENOMEM;
    // Moved as Linux moves it: the old pages' table entries go to the new place
    // (nothing is copied), in one hold of the lock from replacing what was at
    // the new place to the move, so no other thread finds the new place empty
    // in between (Linux's mmap lock orders its faults after the move). What the
    // region grew by gets memory afterwards, with the lock dropped, as mmap
    // gives it; under strict accounting before the move instead, under the
    // lock (zeroed there: long only for a large growth, and only under that
    // policy), so that a move that cannot have all of it fails and moves nothing.
    uint64_t growth = new_len - old_len; // a shrinking move was cut above
    uint64_t to = new_addr;
    int64_t err = 0;
    {
        SpinLockGuard guard(p->lock);
        // Another thread may have changed the old range since it was looked at.
        Vma* v = find(p, old_addr);
        if (!v || v->prot != prot || v->flags != vflags || run_end(v, old_addr + old_len)->end < old_addr + old_len)
            return -EFAULT;
        // The same offset within 2 MiB as before, so large pages move whole.
        if (!fixed)
            to = (vflags & VMA_HUGE_1G) ? find_gap(p, new_len, PAGE_1G)
                 : new_len >= PAGE_2M   ? find_gap(p, new_len, PAGE_2M, old_addr & (PAGE_2M - 1))
                                        : find_gap(p, new_len, PAGE_4K);
        if (!to)
            return -ENOMEM;
        // MREMAP_FIXED: what was there goes now (its TLB entries below).
        ErrorOr<void> placed = map_locked(p, to, new_len, prot, vflags);
        if (placed.is_error()) {
            err = -placed.error().errno_value;
        } else {
            find(p, to)->policy = policy; // mbind's policy moves and grows with the memory
            if ((prot && growth && strict_commit() &&
                 !populate_locked(p, to + old_len, to + new_len, prot, huge_of(find(p, to)) != 0)) ||
                split_at(p, old_addr).is_error() || split_at(p, old_addr + old_len).is_error() ||
                !arch::mmu_move(p->root, old_addr, to, old_len))
                err = -ENOMEM;
        }
        if (!err) {
            // The old range keeps no page; its tables and mcexec's view of it go.
            Unmapped u;
            arch::mmu_prune(p->root, old_addr, old_len, free_cb, &u);
            process_unmapped(p, old_addr, old_len, u.pages);
            if (!dontunmap)
                (void)unmap_locked(p, old_addr, old_addr + old_len); // region boundaries now: cannot fail
            else // it stays, empty and no longer locked (Linux clears VM_LOCKED there)
                for (Vma* r = find(p, old_addr); r && r->start < old_addr + old_len; r = r->next)
                    r->flags &= ~VMA_LOCKED;
        } else if (!placed.is_error()) {
            (void)unmap_locked(p, to, to + new_len); // ours, whole: cannot fail
        }
    }
    if (fixed || err) // the pages that were there, or that went again
        process_flush_tlb(p, to, new_len);
    if (err)
        return err;
    process_flush_tlb(p, old_addr, old_len);
    if (prot && growth && !strict_commit())
        (void)back(p, to + old_len, to + new_len); // where it fits now, else on first touch
    // The emptied range gets new zeroed memory as mmap gives it (now where it
    // fits, else on first touch); under strict accounting that was checked.
    if (dontunmap && prot)
        (void)back(p, old_addr, old_addr + old_len);
    return int64_t(to);
}

namespace {
int64_t brk_once(Process* p, uint64_t addr, bool locked);
int64_t brk_change_locked(Process* p, uint64_t addr, bool locked, uint64_t* grow_from, uint64_t* grow_to);
}

int64_t vm_brk(Process* p, uint64_t addr, bool locked)
{
    int64_t ret = brk_once(p, addr, locked);
    if (uint64_t(ret) < addr && addr > p->brk && reclaim_now(p))
        ret = brk_once(p, addr, locked);
    return ret;
}

uint64_t vm_brk_growth(Process* p, uint64_t addr)
{
    SpinLockGuard guard(p->lock);
    return addr > p->brk ? up(addr, PAGE_4K) - up(p->brk, PAGE_4K) : 0;
}

namespace {

int64_t brk_once(Process* p, uint64_t addr, bool locked)
{
    uint64_t grow_from = 0, grow_to = 0;
    {
        SpinLockGuard guard(p->lock);
        int64_t done = brk_change_locked(p, addr, locked, &grow_from, &grow_to);
        if (done >= 0)
            return done;
    }
    // Growing: the new part gets its memory without the lock held; locked
    // memory all of it now (Linux populates a locked heap), or the break stays.
    if ((locked ? populate(p, grow_from, grow_to, REGION_PROT) : back(p, grow_from, grow_to)).is_error()) {
        {
            SpinLockGuard guard(p->lock);
            (void)unmap_locked(p, grow_from, grow_to); // ours: cannot fail
        }
        process_flush_tlb(p, grow_from, grow_to - grow_from);
        SpinLockGuard guard(p->lock);
        return int64_t(p->brk);
    }
    SpinLockGuard guard(p->lock);
    p->brk = addr;
    return int64_t(addr);
}

// The break moves to @addr: the new break, the old one if it cannot, or -1
// with [*grow_from, *grow_to) to populate before it can. Caller holds p->lock.
int64_t brk_change_locked(Process* p, uint64_t addr, bool locked, uint64_t* grow_from, uint64_t* grow_to)
{
    if (addr < p->brk_start)
        return int64_t(p->brk);
    // The heap region ends at a 2 MiB boundary, so it is backed by large pages.
    uint64_t mapped_end = up(p->brk, PAGE_2M);
    if (p->brk == p->brk_start)
        mapped_end = p->brk_start;
    uint64_t want_end = up(addr, PAGE_2M);
    // Linux's check_data_rlimit: the heap is data.
    if (addr > p->brk && addr - p->brk_start > p->rlimits[MCK_RLIMIT_DATA].cur)
        return int64_t(p->brk);
    // After mlockall(MCL_FUTURE) the pages past the old break are locked,
    // also where the heap's last 2 MiB has them already (counted up to the
    // break, vm_locked_after).
    if (locked && addr > p->brk) {
        uint64_t from = up(p->brk, PAGE_4K);
        if (from < mapped_end && !split_at(p, from).is_error())
            for (Vma* v = p->vmas; v; v = v->next)
                if ((v->flags & VMA_HEAP) && v->start >= from && v->end <= mapped_end)
                    v->flags |= VMA_LOCKED;
    }
    if (addr > mapped_end) {
        if (!in_user_range(mapped_end, want_end - mapped_end) || !range_free(p, mapped_end, want_end) ||
            !within_limits(p, want_end - mapped_end, false))
            return int64_t(p->brk);
        Vma* heap = nullptr;
        for (Vma* v = p->vmas; v; v = v->next)
            if (v->flags & VMA_HEAP)
                heap = v;
        // After mlockall(MCL_FUTURE) the new part is locked (a region of its own
        // if the heap so far is not).
        uint32_t lock_flag = locked ? VMA_LOCKED : 0;
        if (heap && heap->end == mapped_end && (heap->flags & VMA_LOCKED) == lock_flag)
            heap->end = want_end;
        else if (insert_new(p, mapped_end, want_end, arch::PROT_R | arch::PROT_W, VMA_HEAP | lock_flag).is_error())
            return int64_t(p->brk);
        *grow_from = mapped_end;
        *grow_to = want_end;
        return -1;
    }
    if (addr < p->brk) {
        if (want_end < mapped_end) {
            uint64_t from = want_end > p->brk_start ? want_end : up(p->brk_start, PAGE_4K);
            if (unmap_locked(p, from, mapped_end).is_error())
                return int64_t(p->brk);
        }
        // Pages we keep past the new break must read as zero when it grows again.
        uint64_t zero_from = up(addr, PAGE_4K), zero_to = up(p->brk, PAGE_4K);
        if (zero_to > want_end)
            zero_to = want_end;
        // Through the kernel's view: the program may have made these pages read-only.
        for (uint64_t a = zero_from; a < zero_to; a += PAGE_4K) {
            uint64_t pa, psize;
            uint32_t pprot;
            if (!arch::mmu_lookup(p->root, a, &pa, &pprot, &psize) || !mem_owns(pa))
                continue;
            if (pprot & arch::PROT_COW)
                release_locked(p, a, a + PAGE_4K); // another process's too: a fresh page on the next touch
            else
                memset(arch::phys_to_virt(pa & ~(PAGE_4K - 1)), 0, PAGE_4K);
        }
        // Past the break the heap is as new when it grows again: writable, as
        // Linux's fresh pages are, whatever mprotect did to them before.
        if (zero_from < want_end && !split_at(p, zero_from).is_error()) {
            for (Vma* v = p->vmas; v; v = v->next)
                if (v->start >= zero_from && v->end <= want_end)
                    v->prot = arch::PROT_R | arch::PROT_W;
            arch::mmu_protect(p->root, zero_from, want_end - zero_from, arch::PROT_R | arch::PROT_W);
            arch::mmu_flush_local(p->root, zero_from, want_end - zero_from);
        }
    }
    p->brk = addr;
    return int64_t(addr);
}

} // namespace

namespace {

bool madvise_known(int64_t advice)
{
    // MADV_NORMAL..DONTNEED, FREE..POPULATE_WRITE, HWPOISON, SOFT_OFFLINE (Linux 6.1).
    return (advice >= 0 && advice <= 4) || (advice >= 8 && advice <= 23) || advice == 100 || advice == 101;
}

// Is all of [start, end) inside regions? Caller holds p->lock.
bool all_mapped(Process* p, uint64_t start, uint64_t end)
{
    for (uint64_t a = start; a < end;) {
        Vma* v = find(p, a);
        if (!v)
            return false;
        a = v->end;
    }
    return true;
}

} // namespace

// What Linux refuses @advice for on region @v: 0, or -EINVAL (pages of a
// locked region cannot be dropped; fork's wiping is for private anonymous
// memory only; MADV_FREE too), -EACCES (MADV_REMOVE needs a writable shared mapping).
static int64_t madvise_refused(const Vma* v, int64_t advice)
{
    constexpr int64_t MADV_DONTNEED = 4, MADV_FREE = 8, MADV_REMOVE = 9, MADV_WIPEONFORK = 18,
                      MADV_KEEPONFORK = 19;
    switch (advice) {
    case MADV_DONTNEED:
        return (v->flags & VMA_LOCKED) ? -EINVAL : 0;
    case MADV_FREE:
        return (v->flags & (VMA_LOCKED | VMA_FILE | VMA_SHARED)) ? -EINVAL : 0;
    case MADV_REMOVE:
        if (v->flags & VMA_LOCKED)
            return -EINVAL;
        return (v->flags & VMA_SHARED) && (v->prot & arch::PROT_W) ? 0 : -EACCES;
    case MADV_WIPEONFORK:
    case MADV_KEEPONFORK:
        return (v->flags & (VMA_FILE | VMA_SHARED)) ? -EINVAL : 0;
    default:
        return 0;
    }
}

int64_t vm_madvise(Process* p, uint64_t addr, uint64_t len, int64_t advice)
{
    constexpr int64_t MADV_DONTNEED = 4, MADV_FREE = 8;
    if (!madvise_known(advice) || (addr & (PAGE_4K - 1)) || len > ~0ull - PAGE_4K)
        return -EINVAL;
    len = up(len, PAGE_4K);
    if (addr + len < addr)
        return -EINVAL;
    if (!len)
        return 0;
    // Only the program's own regions: anything else is "not mapped" (Linux: ENOMEM).
    if (!in_user_range(addr, len))
        return -ENOMEM;
    bool dropped = false, holes;
    {
        SpinLockGuard guard(p->lock);
        holes = !all_mapped(p, addr, addr + len);
        for (Vma* v = p->vmas; v; v = v->next)
            if (v->start < addr + len && addr < v->end)
                if (int64_t err = madvise_refused(v, advice))
                    return err;
        if (advice == MADV_DONTNEED || advice == MADV_FREE) {
            // Private memory reads as zero afterwards: its pages go, and come
            // back zeroed on the next touch. Shared pages keep their data, as
            // on Linux (a file's, or shared anonymous memory's).
            for (Vma* v = p->vmas; v; v = v->next) {
                uint64_t s = v->start > addr ? v->start : addr, e = v->end < addr + len ? v->end : addr + len;
                if (s >= e || (v->flags & VMA_SHARED))
                    continue;
                release_locked(p, s, e);
                dropped = true;
            }
        }
    }
    if (dropped)
        process_flush_tlb(p, addr, len);
    return holes ? -ENOMEM : 0;
}

int64_t vm_check_mapped(Process* p, uint64_t addr, uint64_t len)
{
    if (addr & (PAGE_4K - 1))
        return -EINVAL;
    if (len > MCK_USER_END)
        return -ENOMEM;
    len = up(len, PAGE_4K);
    if (!len)
        return 0;
    if (!in_user_range(addr, len))
        return -ENOMEM;
    SpinLockGuard guard(p->lock);
    return all_mapped(p, addr, addr + len) ? 0 : -ENOMEM;
}

int64_t vm_mincore(Process* p, uint64_t addr, uint64_t len, uint64_t vec)
{
    if (addr & (PAGE_4K - 1))
        return -EINVAL;
    if (len > MCK_USER_END || !in_user_range(addr, up(len, PAGE_4K)))
        return -ENOMEM;
    uint64_t pages = up(len, PAGE_4K) / PAGE_4K;
    uint8_t chunk[256];
    for (uint64_t done = 0; done < pages;) {
        uint64_t n = pages - done < sizeof(chunk) ? pages - done : sizeof(chunk);
        {
            SpinLockGuard guard(p->lock);
            uint64_t from = addr + done * PAGE_4K;
            if (!all_mapped(p, from, from + n * PAGE_4K))
                return -ENOMEM;
            for (uint64_t i = 0; i < n; i++) {
                uint64_t pa, psize;
                uint32_t pprot;
                chunk[i] = arch::mmu_lookup(p->root, from + i * PAGE_4K, &pa, &pprot, &psize) ? 1 : 0;
            }
        }
        if (!copy_to_user(UserPtr<uint8_t>(vec).at(done), chunk, n))
            return -EFAULT;
        done += n;
    }
    return 0;
}

namespace {

int64_t copy_pages(Process* parent, Process* child, bool cow, bool* shared_any)
{
    for (Vma* c = child->vmas; c; c = c->next) {
        if (c->flags & VMA_SHARED)
            continue;
        for (uint64_t va = c->start; va < c->end;) {
            SpinLockGuard guard(parent->lock);
            uint64_t block_end = down(va, PAGE_2M) + PAGE_2M < c->end ? down(va, PAGE_2M) + PAGE_2M : c->end;
            while (va < block_end) {
                uint64_t pa, size;
                uint32_t prot;
                if (!arch::mmu_lookup(parent->root, va, &pa, &prot, &size)) {
                    va += PAGE_4K;
                    continue;
                }
                // A large page whole where the region holds all of it (a
                // MAP_HUGETLB page always), else its 4 KiB piece at @va.
                bool big = size != PAGE_4K && !(va & (size - 1)) && va + size <= c->end;
                uint64_t bytes = big ? size : PAGE_4K, base = down(pa, bytes);
                if (child->mem_limit && child->mem_used + bytes > child->mem_limit)
                    return -ENOMEM;
                // Shared: readable pages of ours in a whole entry, not the vDSO's
                // data page (the kernel writes each process's own).
                uint32_t access = prot & (arch::PROT_R | arch::PROT_W | arch::PROT_X);
                if (cow && access && size == bytes && mem_owns(base) && va != MCK_VVAR_BASE &&
                    mem_share(base, bytes)) {
                    uint32_t shared = (access & ~arch::PROT_W) | arch::PROT_COW;
                    if (!arch::mmu_map(child->root, va, base, bytes, shared)) {
                        mem_free(base, bytes);
                        return -ENOMEM;
                    }
                    (void)arch::mmu_map(parent->root, va, base, bytes, shared); // the entry is there
                    *shared_any = true;
                    child->mem_used += bytes;
                    child->fork_shared += bytes;
                    va += bytes;
                    continue;
                }
                // The child's policies are the parent's (its regions' and its own).
                Placement w = mempolicy_place(c->policy.mode ? c->policy : child->mempolicy, va, bytes, home_node());
                uint64_t page = mem_alloc_user_on(bytes, bytes, w.node, w.nodes, w.strict);
                if (!page)
                    return -ENOMEM;
                memcpy(arch::phys_to_virt(page), arch::phys_to_virt(base), bytes);
                // A page the parent shares still is the parent's to write if its region allows.
                if (prot & arch::PROT_COW)
                    prot = (prot & ~arch::PROT_COW) | (c->prot & arch::PROT_W);
                if (!arch::mmu_map(child->root, va, page, bytes, prot)) {
                    mem_free(page, bytes);
                    return -ENOMEM;
                }
                child->mem_used += bytes;
                va += bytes;
            }
        }
    }
    return 0;
}

} // namespace

int64_t vm_fork_copy(Process* parent, Process* child)
{
    {
        SpinLockGuard guard(parent->lock);
        Vma** tail = &child->vmas;
        for (Vma* v = parent->vmas; v; v = v->next) {
            uint32_t flags = v->flags;
            if (flags & VMA_SHARED) // what Linux allows is asked again, for the child's pins
                flags = (flags & ~(VMA_MAYWRITE | VMA_MAYEXEC)) | VMA_ADOPT;
            flags &= ~VMA_LOCKED; // memory locks are not inherited
            auto* c = new Vma{v->start, v->end, v->prot, flags, nullptr, v->linux_addr, v->policy};
            if (!c)
                return -ENOMEM;
            *tail = c;
            tail = &c->next;
        }
        child->brk_start = parent->brk_start;
        child->brk = parent->brk;
        child->stack_start = parent->stack_start;
        child->mem_limit = parent->mem_limit;
    }
    // The pages, a 2 MiB block at a time under the parent's lock: its other
    // threads may unmap meanwhile, and a page they free must not be read
    // after it went back to the allocator.
    //
    // A parent with one thread (the one forking: a shell, make, a Python
    // subprocess) shares its private pages copy-on-write: both map them
    // read-only (MCK_PTE_COW) and the first write copies (unshare_locked).
    // mcexec's view of the parent loses them before mcexec runs anything
    // more for it (the fork call itself), and mcctrl never maps a shared
    // page. With more threads, another's offloaded call may be writing
    // through the view right now, into a page that would then be the
    // child's too: such a parent's pages are copied at once, as before.
    // Under the strict overcommit policy a fork child holds the memory it
    // may write (fork fails with ENOMEM when there is none): copied too. A
    // vfork child shares, as Linux's shares the whole address space.
    bool cow;
    {
        SpinLockGuard guard(parent->lock);
        cow = parent->nthreads == 1 && (!strict_commit() || child->vfork_parent);
    }
    bool shared_any = false;
    int64_t err = copy_pages(parent, child, cow, &shared_any);
    // Also after a failure: the parent's entries are copy-on-write by now.
    if (shared_any) {
        {
            SpinLockGuard guard(parent->lock);
            process_unmapped(parent, MCK_USER_START, MCK_USER_END - MCK_USER_START, nullptr);
        }
        process_flush_tlb(parent, MCK_USER_START, MCK_USER_END - MCK_USER_START);
    }
    child->mem_peak = child->mem_used;
    return err;
}


void vm_vfork_copy_back(Process* child, Process* parent)
{
    Flush flush, all;
    for (Vma* c = child->vmas; c; c = c->next) {
        if (c->flags & VMA_SHARED)
            continue;
        for (uint64_t va = c->start; va < c->end; va += PAGE_4K) {
            uint64_t cpa, ppa, size;
            uint32_t cprot, pprot;
            {
                SpinLockGuard guard(child->lock);
                // Pages still shared were not written; the vDSO's data page is each one's own.
                if (!arch::mmu_lookup(child->root, va, &cpa, &cprot, &size) || (cprot & arch::PROT_COW) ||
                    !(cprot & arch::PROT_R) || !mem_owns(cpa) || va == MCK_VVAR_BASE)
                    continue;
            }
            SpinLockGuard guard(parent->lock);
            Vma* v = find(parent, va);
            if (!v || (v->flags & VMA_SHARED) || !arch::mmu_lookup(parent->root, va, &ppa, &pprot, &size))
                continue; // the child mapped it itself
            if (down(ppa, PAGE_4K) == down(cpa, PAGE_4K))
                continue;
            if ((pprot & arch::PROT_COW) &&
                (!unshare_locked(parent, va, v->prot, &flush, huge_of(v) != 0) ||
                 !arch::mmu_lookup(parent->root, va, &ppa, &pprot, &size))) {
                kprintf("process %u: vfork child %u: no memory to give its writes at 0x%lx back", parent->pid,
                        child->pid, va);
                continue;
            }
            if (flush.len)
                all = Flush{MCK_USER_START, MCK_USER_END - MCK_USER_START};
            memcpy(arch::phys_to_virt(down(ppa, PAGE_4K)), arch::phys_to_virt(down(cpa, PAGE_4K)), PAGE_4K);
        }
    }
    if (all.len)
        process_flush_tlb(parent, all.va, all.len);
}

void vm_fork_adopt(Process* p)
{
    for (;;) {
        uint64_t start = 0, end = 0, linux_addr = 0;
        uint32_t prot = 0;
        {
            SpinLockGuard guard(p->lock);
            for (Vma* v = p->vmas; v && !end; v = v->next)
                if (v->flags & VMA_ADOPT) {
                    v->flags &= ~VMA_ADOPT;
                    if (v->flags & VMA_PAST_EOF)
                        continue; // no pages: SIGBUS, as in the parent
                    start = v->start;
                    end = v->end;
                    linux_addr = v->linux_addr;
                    prot = v->prot;
                }
        }
        if (!end)
            return;
        uint64_t pages = (end - start) / PAGE_4K, list_bytes = up(pages * 8, PAGE_4K);
        uint64_t list_phys = mem_alloc(list_bytes, home_node());
        int64_t err = list_phys ? 0 : -ENOMEM;
        if (!err) {
            // Writable pins where the parent had them: the region may be made writable later too.
            uint64_t args[6] = {linux_addr, end - start, list_phys, (prot & arch::PROT_W) ? 1ull : 0, 0, 0};
            err = linux_addr ? offload(MCK_SYS_SHARED_ADOPT, args) : -EINVAL;
        }
        if (!err) {
            const auto* list = static_cast<const uint64_t*>(arch::phys_to_virt(list_phys));
            SpinLockGuard guard(p->lock);
            Vma* v = find(p, start);
            uint32_t may = VMA_MAYWRITE | VMA_MAYEXEC;
            bool io = false;
            for (uint64_t i = 0; i < pages && v && v->start == start && v->end == end && !err; i++) {
                if (!list[i])
                    break; // the file shrank since: those pages raise SIGBUS
                err = map_linux_frame(p, start + i * PAGE_4K, list[i], prot, &may, &io, i == 0);
            }
            if (v && v->start == start && !err)
                v->flags |= may | (io ? VMA_IO : 0);
            if (err)
                release_locked(p, start, end);
        }
        if (list_phys)
            free_call_buffer(p, list_phys, list_bytes, err);
        if (err)
            kprintf("process %u: fork child: shared mapping 0x%lx-0x%lx not mapped again (error %ld): SIGBUS there",
                    p->pid, start, end, -err);
    }
}

namespace {

// The main thread's stack grows on a touch below it, as Linux's
// (expand_downwards, Linux 6.1): down to the touched page if the stack then
// stays within RLIMIT_STACK as it is now and RLIMIT_AS, and ends at least
// stack_guard_gap above the accessible region below (a PROT_NONE one, or a
// piece of the stack an munmap left, may only not be overlapped). It grows
// further, to the 2 MiB boundary, where the same rules allow: one fault and
// one 2 MiB page instead of 512 faults. Returns the grown region, or none
// (SIGSEGV). Caller holds p->lock.
Vma* grow_stack_locked(Process* p, uint64_t addr)
{
    Vma *below = nullptr, *v = p->vmas;
    for (; v && v->end <= addr; v = v->next)
        below = v;
    if (!v || !(v->flags & VMA_STACK) || addr >= v->start || addr < MCK_USER_START)
        return nullptr;
    uint64_t page = down(addr, PAGE_4K), limit = p->rlimits[MCK_RLIMIT_STACK].cur;
    uint64_t lowest = MCK_USER_START; // the lowest start both rules allow
    if (limit < v->end - MCK_USER_START)
        lowest = up(v->end - limit, PAGE_4K);
    if (below) {
        uint64_t gap = below->prot && !(below->flags & VMA_STACK) ? STACK_GUARD_GAP : 0;
        if (below->end + gap > lowest)
            lowest = below->end + gap;
    }
    if (page < lowest)
        return nullptr;
    uint64_t start = down(addr, PAGE_2M) > lowest ? down(addr, PAGE_2M) : lowest;
    // RLIMIT_AS only: the stack is not data (Linux's is_data_mapping).
    auto fits = [p](uint64_t add) {
        uint64_t total = add;
        for (Vma* r = p->vmas; r; r = r->next)
            total += r->end - r->start;
        return total <= p->rlimits[MCK_RLIMIT_AS].cur;
    };
    if (!fits(v->start - start)) {
        if (!fits(v->start - page))
            return nullptr;
        start = page;
    }
    v->start = start;
    return v;
}

// vm_fault under the lock; @unshare: a page shared copy-on-write becomes the
// process's own even for reading (Linux asks, see vm_fault_for_linux).
int fault_locked(Process* p, uint64_t addr, bool write, bool unshare, Flush* flush)
{
    constexpr int SIGBUS = 7, SIGSEGV = 11;
    SpinLockGuard guard(p->lock);
    Vma* v = find(p, addr);
    if (!v)
        v = grow_stack_locked(p, addr);
    if (!v || !v->prot || (write && !(v->prot & arch::PROT_W)))
        return SIGSEGV;
    uint64_t pa, psize;
    uint32_t prot;
    if (arch::mmu_lookup(p->root, addr, &pa, &prot, &psize)) {
        if ((prot & arch::PROT_COW) && (write || unshare)) {
            if (unshare_locked(p, addr, v->prot, flush, huge_of(v) != 0))
                return 0;
            kprintf("process %u: out of memory at 0x%lx for a copy-on-write copy", p->pid, addr);
            return SIGBUS;
        }
        if ((prot & arch::PROT_R) && (!write || (prot & arch::PROT_W))) {
            *flush = Flush{down(addr, PAGE_4K), PAGE_4K}; // another CPU changed it: a stale TLB entry
            return 0;
        }
        return SIGSEGV; // a protection fault
    }
    if (v->flags & (VMA_PAST_EOF | VMA_SHARED))
        return SIGBUS; // a shared mapping's pages are all mapped up front
    uint64_t block = down(addr, PAGE_2M);
    bool ok;
    if (block >= v->start && block + PAGE_2M <= v->end)
        ok = populate_locked(p, block, block + PAGE_2M, v->prot, huge_of(v) != 0);
    else
        ok = populate_locked(p, down(addr, PAGE_4K), down(addr, PAGE_4K) + PAGE_4K, v->prot);
    if (!ok)
        kprintf("process %u: out of memory at 0x%lx (%lu MiB in use, limit %lu MiB)", p->pid, addr,
                p->mem_used >> 20, p->mem_limit >> 20);
    return ok ? 0 : SIGBUS; // out of memory: Linux's OOM would kill instead
}

} // namespace

int vm_fault(Process* p, uint64_t addr, bool write)
{
    Flush flush;
    int sig = fault_locked(p, addr, write, false, &flush);
    if (flush.len)
        process_flush_tlb(p, flush.va, flush.len);
    return sig;
}

int64_t vm_fault_for_linux(Process* p, uint64_t addr, bool write)
{
    if (!in_user_range(down(addr, PAGE_4K), PAGE_4K))
        return -EFAULT;
    Flush flush;
    int sig = fault_locked(p, addr, write, true, &flush);
    if (flush.len)
        process_flush_tlb(p, flush.va, flush.len);
    return sig ? -EFAULT : 0;
}

bool vm_fault_for_kernel(uint64_t addr, bool write)
{
    Thread* t = current();
    if (!t || !t->proc || !in_user_range(down(addr, PAGE_4K), PAGE_4K))
        return false;
    return vm_fault(t->proc, addr, write) == 0;
}

bool vm_access_ok(Process* p, uint64_t addr, uint64_t len, bool write)
{
    if (!len)
        return true;
    if (!in_user_range(addr, len))
        return false;
    uint64_t pa, psize;
    uint32_t prot;
    for (uint64_t a = down(addr, PAGE_4K); a < addr + len; a += PAGE_4K) {
        bool mapped;
        {
            SpinLockGuard guard(p->lock);
            mapped = arch::mmu_lookup(p->root, a, &pa, &prot, &psize);
        }
        if (!mapped && vm_fault(p, a, write))
            return false;
        if (mapped && write && (prot & arch::PROT_COW) && vm_fault(p, a, true))
            return false; // the copy-on-write copy failed (or the region is read-only)
        if (mapped && (!(prot & arch::PROT_R) || (write && !(prot & (arch::PROT_W | arch::PROT_COW)))))
            return false;
    }
    return true;
}

int64_t vm_set_locked(Process* p, uint64_t addr, uint64_t len, bool locked)
{
    if (!len)
        return 0;
    SpinLockGuard guard(p->lock);
    TRY_SYSCALL(split_at(p, addr));
    TRY_SYSCALL(split_at(p, addr + len));
    for (Vma* v = p->vmas; v; v = v->next)
        if (v->start >= addr && v->end <= addr + len)
            v->flags = locked ? v->flags | VMA_LOCKED : v->flags & ~VMA_LOCKED;
    return 0;
}

void vm_set_all_locked(Process* p, bool locked)
{
    SpinLockGuard guard(p->lock);
    for (Vma* v = p->vmas; v; v = v->next)
        v->flags = locked ? v->flags | VMA_LOCKED : v->flags & ~VMA_LOCKED;
}

uint64_t vm_locked_after(Process* p, uint64_t addr, uint64_t len)
{
    uint64_t end = len > ~0ull - addr ? ~0ull : addr + len, bytes = 0;
    SpinLockGuard guard(p->lock);
    // The heap counts up to the break, as Linux's does, not to its 2 MiB end.
    uint64_t brk_end = up(p->brk, PAGE_4K);
    for (Vma* v = p->vmas; v; v = v->next) {
        uint64_t s = v->start > addr ? v->start : addr, e = v->end < end ? v->end : end;
        uint64_t v_end = (v->flags & VMA_HEAP) && v->end > brk_end ? (brk_end > v->start ? brk_end : v->start) : v->end;
        if (v->flags & VMA_LOCKED)
            bytes += v_end - v->start;
        else if (s < e)
            bytes += e - s;
    }
    return bytes;
}

uint64_t vm_mapped_bytes(Process* p)
{
    uint64_t bytes = 0;
    SpinLockGuard guard(p->lock);
    for (Vma* v = p->vmas; v; v = v->next)
        bytes += v->end - v->start;
    return bytes;
}

bool vm_readonly_anon(Process* p, uint64_t addr)
{
    SpinLockGuard guard(p->lock);
    Vma* v = find(p, addr);
    return v && !(v->flags & (VMA_SHARED | VMA_FILE)) && !(v->prot & arch::PROT_W);
}

bool vm_io_locked(Process* p, uint64_t addr)
{
    Vma* v = find(p, addr);
    return v && (v->flags & VMA_IO);
}

bool vm_shared_phys(Process* p, uint64_t addr, uint64_t* phys, bool* linux_too, uint64_t* linux_word)
{
    SpinLockGuard guard(p->lock);
    Vma* v = find(p, addr);
    uint64_t pa, psize;
    uint32_t prot;
    if (!v || !(v->flags & VMA_SHARED) || (v->flags & VMA_IO) || !arch::mmu_lookup(p->root, addr, &pa, &prot, &psize))
        return false; // device memory: no futex there (Linux: EFAULT)
    *phys = pa; // mmu_lookup's answer has the offset in the page already
    bool linux_maps = !(v->flags & VMA_SHARED_ANON);
    if (linux_too)
        *linux_too = linux_maps;
    if (linux_word)
        *linux_word = linux_maps && v->linux_addr ? v->linux_addr + (addr - v->start) : 0;
    return true;
}

namespace {

// Put the program's own private page at @va (whole: [base, base + size),
// where *@base and *@size say) on a node of @w instead of node @at, keeping
// its bytes. -EACCES for a page it shares (a fork's copy-on-write, Linux's)
// or a large page reaching past [lo, hi); -ENOMEM with no room where @w
// allows. Caller holds p->lock and flushes the page's range.
int64_t move_page_locked(Process* p, uint64_t va, uint64_t lo, uint64_t hi, const Placement& w, uint64_t* base,
                         uint64_t* size)
{
    uint64_t pa;
    uint32_t prot;
    if (!arch::mmu_lookup(p->root, va, &pa, &prot, size))
        return -ENOENT;
    *base = down(va, *size);
    uint64_t old = down(pa, *size);
    Vma* v = find(p, va);
    if (!v || (v->flags & (VMA_SHARED | VMA_IO)) || (prot & arch::PROT_COW) || !mem_owns(old) || *base < lo ||
        *base + *size > hi)
        return -EACCES;
    uint64_t page = mem_alloc_user_on(*size, *size, w.node, w.nodes, w.strict);
    auto* d = page ? new DeferredFree{old, *size, 0, nullptr} : nullptr;
    if (d) {
        memcpy(arch::phys_to_virt(page), arch::phys_to_virt(old), *size); // before any CPU can see it
        if (arch::mmu_map(p->root, *base, page, *size, prot)) {
            process_unmapped(p, *base, *size, d); // mcexec's view lets go of the old page first
            return 0;
        }
        delete d;
    }
    if (page)
        mem_free(page, *size);
    return -ENOMEM;
}

// mbind: the pages [start, end) has go where @policy wants them. Linux
// places memory at its first touch, after the mbind; the LWK maps it ahead,
// so a page the program has not touched yet (the CPU's accessed bit) moves,
// as its first touch would place it. One it touched moves only with
// MPOL_MF_MOVE (@move), as on Linux. Pages it shares, a large page reaching
// past the range and a page with nowhere to go stay. *@moved: the caller
// flushes the range. The pages left where the policy does not want them.
uint64_t move_to_policy_locked(Process* p, uint64_t start, uint64_t end, const MemPolicy& policy, bool move,
                               bool* moved)
{
    uint64_t astray = 0;
    int home = home_node();
    for (uint64_t va = start; va < end;) {
        uint64_t pa, size;
        uint32_t prot;
        if (!arch::mmu_lookup(p->root, va, &pa, &prot, &size)) {
            va += PAGE_4K;
            continue;
        }
        uint64_t base = down(va, size);
        Placement w = mempolicy_place(policy, base, size, home);
        int at = mem_node_of(down(pa, size));
        if (at >= 0 && at < 64 && !(w.stay >> at & 1)) {
            bool ok = (move || !arch::mmu_accessed(p->root, base)) &&
                      move_page_locked(p, va, start, end, w, &base, &size) == 0;
            *moved |= ok;
            astray += ok ? 0 : 1;
        }
        va = base + size;
    }
    return astray;
}

} // namespace

int64_t vm_set_policy(Process* p, uint64_t addr, uint64_t len, const MemPolicy& policy, uint64_t flags)
{
    constexpr uint64_t MPOL_MF_STRICT = 1, MPOL_MF_MOVE = 2, MPOL_MF_MOVE_ALL = 4;
    bool moved = false;
    uint64_t astray;
    {
        SpinLockGuard guard(p->lock);
        // Linux's mbind: EFAULT for a hole anywhere in the range, nothing changed.
        if (!all_mapped(p, addr, addr + len))
            return -EFAULT;
        TRY_SYSCALL(split_at(p, addr));
        TRY_SYSCALL(split_at(p, addr + len));
        for (Vma* v = p->vmas; v; v = v->next)
            if (v->start >= addr && v->end <= addr + len)
                v->policy = policy;
        astray = move_to_policy_locked(p, addr, addr + len, policy.mode ? policy : mempolicy_of(p),
                                       flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL), &moved);
    }
    if (moved)
        process_flush_tlb(p, addr, len);
    // As Linux: with MPOL_MF_STRICT (and a policy), pages left elsewhere are EIO.
    return (flags & MPOL_MF_STRICT) && policy.mode && astray ? -EIO : 0;
}

bool vm_policy_at(Process* p, uint64_t addr, MemPolicy* policy)
{
    SpinLockGuard guard(p->lock);
    Vma* v = find(p, addr);
    if (!v)
        return false;
    *policy = v->policy;
    return true;
}

int vm_move_page(Process* p, uint64_t addr, int node)
{
    uint64_t base = 0, size = 0;
    int64_t err;
    {
        SpinLockGuard guard(p->lock);
        uint64_t pa, psize;
        uint32_t prot;
        if (!find(p, addr))
            return -EFAULT;
        if (!arch::mmu_lookup(p->root, addr, &pa, &prot, &psize))
            return -ENOENT;
        int at = mem_node_of(pa);
        if (node < 0 || at == node)
            return at >= 0 ? at : home_node();
        err = move_page_locked(p, addr, 0, MCK_USER_END, Placement{node, 0, true, 0}, &base, &size);
    }
    if (err)
        return int(err);
    process_flush_tlb(p, base, size);
    return node;
}

uint64_t vm_migrate_node(Process* p, int from, int to)
{
    // A piece of a region at a time under the lock, so a process with a large
    // address space does not hold it long; regions empty per 2 MiB skipped.
    constexpr uint64_t PIECE = 64ull << 20;
    uint64_t left = 0;
    for (uint64_t va = MCK_USER_START; va < MCK_USER_END && !current()->killed;) {
        uint64_t moved_lo = ~0ull, moved_hi = 0;
        {
            SpinLockGuard guard(p->lock);
            Vma* v = p->vmas;
            while (v && v->end <= va)
                v = v->next;
            if (!v)
                break;
            va = va > v->start ? va : v->start;
            uint64_t piece_end = down(va, PIECE) + PIECE < v->end ? down(va, PIECE) + PIECE : v->end;
            if (v->flags & (VMA_SHARED | VMA_IO)) {
                va = v->end; // Linux's pages
                continue;
            }
            while (va < piece_end) {
                uint64_t pa, size;
                uint32_t prot;
                if (!(va & (PAGE_2M - 1)) && arch::mmu_block_empty(p->root, va)) {
                    va += PAGE_2M;
                    continue;
                }
                if (!arch::mmu_lookup(p->root, va, &pa, &prot, &size)) {
                    va += PAGE_4K;
                    continue;
                }
                uint64_t base = down(va, size);
                if (mem_node_of(down(pa, size)) == from) {
                    int64_t err = move_page_locked(p, va, v->start, v->end, Placement{to, 0, true, 0}, &base, &size);
                    if (!err) {
                        moved_lo = base < moved_lo ? base : moved_lo;
                        moved_hi = base + size > moved_hi ? base + size : moved_hi;
                    } else if (err == -ENOMEM) {
                        left++;
                    }
                }
                va = base + size;
            }
        }
        if (moved_hi)
            process_flush_tlb(p, moved_lo, moved_hi - moved_lo);
    }
    return left;
}

int vm_node_of(Process* p, uint64_t addr)
{
    // Linux faults the page in (get_user_pages) to say where it is.
    if (!vm_access_ok(p, addr, 1, false))
        return -EFAULT;
    SpinLockGuard guard(p->lock);
    uint64_t pa, psize;
    uint32_t prot;
    if (!arch::mmu_lookup(p->root, addr, &pa, &prot, &psize))
        return -EFAULT;
    int node = mem_node_of(pa);
    // A Linux page of a shared mapping: where Linux put it is not ours to
    // know; the node of the CPU asking is the likeliest.
    return node >= 0 ? node : home_node();
}

void vm_describe(Process* p, uint64_t addr)
{
    SpinLockGuard guard(p->lock);
    Vma* v = find(p, addr);
    uint64_t pa = 0, psize = 0;
    uint32_t prot = 0;
    bool mapped = arch::mmu_lookup(p->root, addr, &pa, &prot, &psize);
    if (v)
        kprintf("  region 0x%lx-0x%lx prot %u flags 0x%x; page %s pa 0x%lx prot %u size 0x%lx", v->start, v->end,
                v->prot, v->flags, mapped ? "mapped" : "not mapped", pa, prot, psize);
    else
        kprintf("  no region; page %s", mapped ? "mapped" : "not mapped");
}

} // namespace mck
