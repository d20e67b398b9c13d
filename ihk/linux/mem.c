// SPDX-License-Identifier: GPL-2.0
/*
 * The reserved memory pool: 2 MiB blocks taken from Linux's page allocator on
 * a chosen NUMA node, kept as a sorted list of physically contiguous extents,
 * each owned by the pool or by one OS instance.
 *
 * Why the page allocator and not memory hot-remove: it needs no symbol Linux does
 * not export, works on every kernel and node, and a 2 MiB block is exactly the
 * large page the co-kernel maps. Neighbouring blocks are merged into extents, so
 * a co-kernel still sees few, large chunks.
 *
 * Every block is split into 4 KiB pages with their own reference count, one
 * reference each held by us: mcctrl maps them into mcexec as ordinary pages,
 * so Linux can pin them (O_DIRECT, process_vm_readv, RDMA). A page whose count
 * is above 1 is still held by Linux; it never goes back into the pool (another
 * instance would get memory Linux may still write) but back to Linux, which
 * frees it when the last holder lets go (docs/memory.md).
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/list_sort.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/moduleparam.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "ihk_internal.h"

#define IHK_MEM_ORDER (ilog2(IHK_MEM_GRANULE) - PAGE_SHIFT)

static unsigned int keep_linux_mb = 256;
module_param(keep_linux_mb, uint, 0644);
MODULE_PARM_DESC(keep_linux_mb,
		 "Free memory (MiB) left to Linux on each NUMA node by reservations (default 256)");
static bool reserve_gib = true;
module_param(reserve_gib, bool, 0644);
MODULE_PARM_DESC(reserve_gib,
		 "Reservations take whole 1 GiB-aligned GiBs first where Linux can free them, for 1 GiB pages (default on)");
static unsigned int keep_linux_percent = 5;
module_param(keep_linux_percent, uint, 0644);
MODULE_PARM_DESC(keep_linux_percent,
		 "Share (%) of each node's memory left to Linux, if more than keep_linux_mb (default 5)");

/**
 * struct ihk_mem_ext - physically contiguous reserved memory on one node.
 * @list:	entry in ihk_mem, sorted by @phys.
 * @phys:	start, IHK_MEM_GRANULE aligned.
 * @size:	bytes, a multiple of IHK_MEM_GRANULE.
 * @node:	NUMA node.
 * @os:		owning instance, NULL for the pool.
 * @dirty:	in the pool, holding what an instance left: cleared before it is
 *		assigned again (not when it goes back to Linux, which clears
 *		pages before it hands them to anyone that may read them).
 */
struct ihk_mem_ext {
	struct list_head list;
	phys_addr_t phys;
	u64 size;
	int node;
	struct ihk_os *os;
	bool dirty;
};

static LIST_HEAD(ihk_mem);

static bool ihk_mem_node_ok(int node)
{
	return node >= 0 && node < MAX_NUMNODES && node_online(node) &&
	       node_state(node, N_MEMORY);
}

/* Bytes Linux can give up on @node now and still keep its safety margin. */
static u64 ihk_mem_spare(int node)
{
	pg_data_t *pgdat = NODE_DATA(node);
	unsigned long free = 0, managed = 0, wmark = 0, keep;
	int i;

	for (i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *zone = &pgdat->node_zones[i];

		/* GFP_KERNEL never allocates from these: they cannot be spared. */
		if (!populated_zone(zone) || is_highmem_idx(i) || i == ZONE_MOVABLE)
			continue;
		free += zone_page_state(zone, NR_FREE_PAGES);
		managed += zone_managed_pages(zone);
		wmark += high_wmark_pages(zone);
	}
	keep = max_t(unsigned long, (unsigned long)keep_linux_mb << (20 - PAGE_SHIFT),
		     managed / 100 * keep_linux_percent);
	keep += wmark;
	return free > keep ? (u64)(free - keep) << PAGE_SHIFT : 0;
}

static u64 ihk_mem_total(struct ihk_os *os, bool any_owner, int node)
{
	struct ihk_mem_ext *e;
	u64 total = 0;

	list_for_each_entry(e, &ihk_mem, list)
		if ((any_owner || e->os == os) && (node == IHK_NUMA_ALL || e->node == node))
			total += e->size;
	return total;
}

static int ihk_mem_cmp(void *priv, const struct list_head *a, const struct list_head *b)
{
	phys_addr_t pa = list_entry(a, struct ihk_mem_ext, list)->phys;
	phys_addr_t pb = list_entry(b, struct ihk_mem_ext, list)->phys;

	return pa < pb ? -1 : pa > pb;
}

/* Put @items into the pool list, keep it sorted and merge neighbours. */
static void ihk_mem_add(struct list_head *items)
{
	struct ihk_mem_ext *e, *next;

	list_splice_init(items, &ihk_mem);
	list_sort(NULL, &ihk_mem, ihk_mem_cmp);
	list_for_each_entry_safe(e, next, &ihk_mem, list) {
		if (list_entry_is_head(next, &ihk_mem, list))
			break;
		if (e->phys + e->size == next->phys && e->node == next->node &&
		    e->os == next->os && e->dirty == next->dirty) {
			next->phys = e->phys;
			next->size += e->size;
			list_del(&e->list);
			kfree(e);
		}
	}
}

/* What an instance left is cleared before another instance gets it. */
static void ihk_mem_scrub(struct ihk_mem_ext *e)
{
	phys_addr_t p;

	for (p = e->phys; p < e->phys + e->size; p += PAGE_SIZE) {
		clear_page(phys_to_virt(p));
		if (!(p & (IHK_MEM_GRANULE - 1)))
			cond_resched();
	}
}

/*
 * Drop our reference to each page of [@phys, @phys + @size): Linux frees a page
 * now, or when whoever else still holds it lets go.
 */
static void ihk_mem_put_range(phys_addr_t phys, u64 size)
{
	phys_addr_t p;

	for (p = phys; p < phys + size; p += PAGE_SIZE) {
		put_page(pfn_to_page(PHYS_PFN(p)));
		if (!(p & (IHK_MEM_GRANULE - 1)))
			cond_resched();
	}
}

static void ihk_mem_free_list(struct list_head *items)
{
	struct ihk_mem_ext *e, *tmp;

	list_for_each_entry_safe(e, tmp, items, list) {
		ihk_mem_put_range(e->phys, e->size);
		list_del(&e->list);
		kfree(e);
	}
}

/* Does Linux hold a page of the block at @phys besides our own reference? */
static bool ihk_mem_block_held(phys_addr_t phys)
{
	phys_addr_t p;

	for (p = phys; p < phys + IHK_MEM_GRANULE; p += PAGE_SIZE)
		if (page_count(pfn_to_page(PHYS_PFN(p))) != 1)
			return true;
	return false;
}

/*
 * Memory an instance gave back (@items, not yet in the pool): a 2 MiB block
 * with a page Linux still holds (pinned through mcexec's view, in a pipe, in
 * an I/O) goes back to Linux instead of into the pool, where another instance
 * could get it while Linux still reads or writes it. Return: bytes given back.
 */
static u64 ihk_mem_surrender_held(struct list_head *items)
{
	struct ihk_mem_ext *e, *rest;
	phys_addr_t b;
	u64 given = 0;

	list_for_each_entry(e, items, list) {
		for (b = e->phys; b < e->phys + e->size; b += IHK_MEM_GRANULE) {
			if (!ihk_mem_block_held(b))
				continue;
			rest = kmalloc(sizeof(*rest), GFP_KERNEL);
			if (!rest) {
				/* Cannot split the extent: the whole extent goes to Linux. */
				ihk_err("%pa: held by Linux; giving back %llu MiB\n", &b, e->size >> 20);
				ihk_mem_put_range(e->phys, e->size);
				given += e->size;
				e->size = 0;
				break;
			}
			/* e keeps [phys, b), rest gets what follows the block. */
			*rest = *e;
			rest->phys = b + IHK_MEM_GRANULE;
			rest->size = e->phys + e->size - rest->phys;
			e->size = b - e->phys;
			list_add(&rest->list, &e->list);
			pr_info("ihk: 2 MiB at %pa still held by Linux: given back to Linux, not to the pool\n",
				&b);
			ihk_mem_put_range(b, IHK_MEM_GRANULE);
			given += IHK_MEM_GRANULE;
			break;	/* rest is the next entry: the loop goes on there */
		}
		cond_resched();
	}
	list_for_each_entry_safe(e, rest, items, list) {
		if (!e->size) {
			list_del(&e->list);
			kfree(e);
		}
	}
	return given;
}

/*
 * Detach up to @size bytes (IHK_MEM_ALL: all) owned by @os on @node (or every
 * node) onto @out, splitting an extent where needed. Return the bytes moved.
 */
static u64 ihk_mem_detach(struct ihk_os *os, int node, u64 size, struct list_head *out)
{
	struct ihk_mem_ext *e, *tmp, *rest;
	u64 moved = 0;

	list_for_each_entry_safe(e, tmp, &ihk_mem, list) {
		if (moved == size)
			break;
		if (e->os != os || (node != IHK_NUMA_ALL && e->node != node))
			continue;
		if (size != IHK_MEM_ALL && e->size > size - moved) {
			rest = kmalloc(sizeof(*rest), GFP_KERNEL);
			if (!rest)
				break;
			*rest = *e;
			rest->phys += size - moved;
			rest->size -= size - moved;
			e->size = size - moved;
			list_add(&rest->list, &e->list);
		}
		moved += e->size;
		list_move_tail(&e->list, out);
	}
	return moved;
}

/*
 * Shared validation: flags, nodes, granule, and per-node sums of the explicit
 * sizes (@sums[nr_node_ids], IHK_MEM_ALL chunks excluded).
 */
static int ihk_mem_check(const struct ihk_mem_req *c, u32 n, u64 *sums, struct ihk_err *err)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if (c[i].reserved)
			return ihk_fail(err, i, IHK_ERR_FLAGS, -EINVAL);
		if (c[i].numa_node == IHK_NUMA_ALL && c[i].size != IHK_MEM_ALL) {
			ihk_err("a size on every NUMA node is ambiguous; name a node\n");
			return ihk_fail(err, i, IHK_ERR_NUMA_NODE, -EINVAL);
		}
		if (c[i].numa_node != IHK_NUMA_ALL && !ihk_mem_node_ok(c[i].numa_node)) {
			ihk_err("NUMA node %d does not exist or has no memory\n",
				c[i].numa_node);
			return ihk_fail(err, i, IHK_ERR_NUMA_NODE, -ENODEV);
		}
		if (c[i].size == IHK_MEM_ALL)
			continue;
		if (!c[i].size || c[i].size % IHK_MEM_GRANULE) {
			ihk_err("size %llu is not a positive multiple of %llu\n", c[i].size,
				IHK_MEM_GRANULE);
			return ihk_fail(err, i, IHK_ERR_MEM_GRANULE, -EINVAL);
		}
		if (check_add_overflow(sums[c[i].numa_node], c[i].size,
				       &sums[c[i].numa_node])) {
			ihk_err("memory sizes on node %d overflow\n", c[i].numa_node);
			return ihk_fail(err, i, IHK_ERR_MEM_OVERFLOW, -EOVERFLOW);
		}
	}
	return 0;
}

static u64 *ihk_mem_sums(const struct ihk_mem_req *c, u32 n, struct ihk_err *err, int *ret)
{
	u64 *sums = kcalloc(nr_node_ids, sizeof(*sums), GFP_KERNEL);

	*ret = sums ? ihk_mem_check(c, n, sums, err) : -ENOMEM;
	if (*ret) {
		kfree(sums);
		return NULL;
	}
	return sums;
}

/* Index of the last chunk naming @node, for error reports. */
static u32 ihk_mem_last_on(const struct ihk_mem_req *c, u32 n, int node)
{
	u32 i = n;

	while (i--)
		if (c[i].numa_node == node)
			return i;
	return 0;
}

/*
 * Take @size bytes (or IHK_MEM_ALL) on @node in 2 MiB blocks onto @out. Stops
 * with -EINTR when @caller, the process that asked, is being killed.
 */
static int ihk_mem_alloc_node(int node, u64 size, struct list_head *out, u64 *got,
			      struct task_struct *caller)
{
	/* Zeroed: nobody may read what Linux or an earlier user left there. */
	const gfp_t gfp = GFP_KERNEL | __GFP_THISNODE | __GFP_NORETRY | __GFP_NOWARN | __GFP_ZERO;
	struct ihk_mem_ext *e;
	struct page *page;

	*got = 0;
	while (size == IHK_MEM_ALL ? ihk_mem_spare(node) >= IHK_MEM_GRANULE : *got < size) {
		if (fatal_signal_pending(caller))
			return -EINTR;
		e = kmalloc(sizeof(*e), GFP_KERNEL);
		if (!e)
			return -ENOMEM;
		page = alloc_pages_node(node, gfp, IHK_MEM_ORDER);
		if (!page) {
			kfree(e);
			return size == IHK_MEM_ALL ? 0 : -ENOMEM;
		}
		/* 512 pages with a reference each, none a compound tail: insertable. */
		split_page(page, IHK_MEM_ORDER);
		e->phys = PFN_PHYS(page_to_pfn(page));
		e->size = IHK_MEM_GRANULE;
		e->node = node;
		e->os = NULL;
		e->dirty = false;
		list_add_tail(&e->list, out);
		*got += IHK_MEM_GRANULE;
		cond_resched();
	}
	return 0;
}

#define IHK_GIB (1ULL << 30)
#define IHK_GIB_PAGES (IHK_GIB >> PAGE_SHIFT)

/* Can alloc_contig_range() try [@pfn, @pfn + IHK_GIB_PAGES): all online in @zone, none reserved? */
static bool ihk_mem_gib_candidate(struct zone *zone, unsigned long pfn)
{
	unsigned long i;

	for (i = 0; i < IHK_GIB_PAGES; i++) {
		struct page *page = pfn_to_online_page(pfn + i);

		if (!page || page_zone(page) != zone || PageReserved(page))
			return false;
	}
	return true;
}

/*
 * Take up to @size bytes (IHK_MEM_ALL: as much as the node can spare) on @node
 * as whole 1 GiB-aligned GiBs onto @out, so that the LWK can map 1 GiB pages
 * (a 2 MiB block at a time would rarely make one: Linux hands them out wherever
 * it has them). alloc_contig_range() moves Linux's movable pages out of each
 * GiB it tries and fails with -EBUSY where an unmovable one sits; we go on to
 * the next. What this does not get, the 2 MiB blocks take. Stops when @caller
 * is being killed. The GiBs are not cleared yet (ihk_mem_clear_parallel()).
 * Return: bytes taken.
 */
static u64 ihk_mem_alloc_gibs(int node, u64 size, struct list_head *out, struct task_struct *caller)
{
	pg_data_t *pgdat = NODE_DATA(node);
	struct ihk_mem_ext *e;
	u64 got = 0;
	int z;

	if (!reserve_gib)
		return 0;
	for (z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		unsigned long pfn;

		/* As ihk_mem_spare(): memory GFP_KERNEL may take, nothing only movable. */
		if (!populated_zone(zone) || is_highmem_idx(z) || z == ZONE_MOVABLE)
			continue;
		for (pfn = ALIGN(zone->zone_start_pfn, IHK_GIB_PAGES);
		     pfn + IHK_GIB_PAGES <= zone_end_pfn(zone); pfn += IHK_GIB_PAGES) {
			phys_addr_t phys = PFN_PHYS(pfn);

			if (size != IHK_MEM_ALL && got + IHK_GIB > size)
				return got;
			if (fatal_signal_pending(caller) || ihk_mem_spare(node) < IHK_GIB)
				return got;
			if (!ihk_mem_gib_candidate(zone, pfn))
				continue;
			e = kmalloc(sizeof(*e), GFP_KERNEL);
			if (!e)
				return got;
			if (alloc_contig_range(pfn, pfn + IHK_GIB_PAGES, MIGRATE_MOVABLE,
					       GFP_KERNEL | __GFP_NOWARN)) {
				kfree(e);
				cond_resched();
				continue;
			}
			/* Each page has a reference of its own, as split_page() leaves them. */
			e->phys = phys;
			e->size = IHK_GIB;
			e->node = node;
			e->os = NULL;
			e->dirty = false;
			list_add_tail(&e->list, out);
			got += IHK_GIB;
		}
	}
	return got;
}

/*
 * Taking memory from Linux zeroes it (__GFP_ZERO, and init_on_alloc on most
 * distribution kernels): one pass over it, seconds per ten GiB on one core. An
 * explicit size is therefore split between workers on the node's online CPUs,
 * so that the pass runs at the node's memory bandwidth. (Reserve memory before
 * CPUs: the CPUs a reservation takes offline cannot help; ihkconfig's start
 * does it in that order.)
 */
#define IHK_MEM_WORKERS_MAX 16

struct ihk_mem_worker {
	struct work_struct work;
	int node;
	u64 size;
	struct task_struct *caller;
	struct list_head got_list;
	u64 got;
	int ret;
};

static void ihk_mem_worker_fn(struct work_struct *work)
{
	struct ihk_mem_worker *w = container_of(work, struct ihk_mem_worker, work);

	w->ret = ihk_mem_alloc_node(w->node, w->size, &w->got_list, &w->got, w->caller);
}

static int ihk_mem_alloc_node_parallel(int node, u64 size, struct list_head *out, u64 *got)
{
	u64 blocks = size / IHK_MEM_GRANULE;
	unsigned int n = min3((u64)nr_cpus_node(node), (u64)IHK_MEM_WORKERS_MAX, blocks);
	struct ihk_mem_worker *w;
	unsigned int i;
	int ret = 0;

	if (size == IHK_MEM_ALL || n <= 1)
		return ihk_mem_alloc_node(node, size, out, got, current);
	w = kcalloc(n, sizeof(*w), GFP_KERNEL);
	if (!w)
		return ihk_mem_alloc_node(node, size, out, got, current);
	for (i = 0; i < n; i++) {
		w[i].node = node;
		w[i].size = (blocks / n + (i < blocks % n)) * IHK_MEM_GRANULE;
		w[i].caller = current;
		INIT_LIST_HEAD(&w[i].got_list);
		INIT_WORK(&w[i].work, ihk_mem_worker_fn);
		queue_work_node(node, system_unbound_wq, &w[i].work);
	}
	/* Bounded: a worker stops at its first failed block or when we are killed. */
	*got = 0;
	for (i = 0; i < n; i++) {
		flush_work(&w[i].work);
		list_splice_tail_init(&w[i].got_list, out);
		*got += w[i].got;
		if (!ret)
			ret = w[i].ret;
	}
	kfree(w);
	return ret;
}

struct ihk_mem_clearer {
	struct work_struct work;
	phys_addr_t phys;
	u64 size;
};

static void ihk_mem_clearer_fn(struct work_struct *work)
{
	struct ihk_mem_clearer *w = container_of(work, struct ihk_mem_clearer, work);
	phys_addr_t p;

	for (p = w->phys; p < w->phys + w->size; p += PAGE_SIZE) {
		clear_page(phys_to_virt(p));
		if (!(p & (IHK_MEM_GRANULE - 1)))
			cond_resched();
	}
}

/*
 * Clear the extents on @items (GiBs alloc_contig_range() gave us, which it does
 * not zero) on @node, split between workers on the node's CPUs as the 2 MiB
 * blocks are, each a run of whole 2 MiB blocks.
 */
static void ihk_mem_clear_parallel(int node, struct list_head *items)
{
	unsigned int n = min_t(unsigned int, max(nr_cpus_node(node), 1), IHK_MEM_WORKERS_MAX);
	struct ihk_mem_clearer *w;
	struct ihk_mem_ext *e;
	unsigned int i;

	list_for_each_entry(e, items, list) {
		u64 blocks = e->size / IHK_MEM_GRANULE, at = 0;

		w = kcalloc(n, sizeof(*w), GFP_KERNEL);
		if (!w) {
			struct ihk_mem_clearer one = { .phys = e->phys, .size = e->size };

			ihk_mem_clearer_fn(&one.work);
			continue;
		}
		for (i = 0; i < n; i++) {
			w[i].phys = e->phys + at;
			w[i].size = (blocks / n + (i < blocks % n)) * IHK_MEM_GRANULE;
			at += w[i].size;
			INIT_WORK(&w[i].work, ihk_mem_clearer_fn);
			queue_work_node(node, system_unbound_wq, &w[i].work);
		}
		for (i = 0; i < n; i++)
			flush_work(&w[i].work);
		kfree(w);
	}
}

/**
 * ihk_mem_reserve() - take memory from Linux into the pool, all or none.
 * @c: the chunks; IHK_MEM_ALL takes what the node can spare.
 * @n: how many.
 * @err: which chunk failed and why.
 *
 * Context: process, ihk_lock held; may sleep in reclaim.
 * Return: 0 or -errno (see IHK_DEVICE_RESERVE_MEM).
 */
int ihk_mem_reserve(const struct ihk_mem_req *c, u32 n, struct ihk_err *err)
{
	LIST_HEAD(got_list);
	LIST_HEAD(gib_list);
	u64 *sums, got, total = 0;
	int node, ret;
	u32 i;

	sums = ihk_mem_sums(c, n, err, &ret);
	if (!sums)
		return ret;
	for_each_node(node) {
		if (sums[node] && sums[node] > ihk_mem_spare(node)) {
			ihk_err("node %d can spare %llu MiB, %llu MiB requested\n", node,
				ihk_mem_spare(node) >> 20, sums[node] >> 20);
			ret = ihk_fail(err, ihk_mem_last_on(c, n, node), IHK_ERR_MEM_FREE,
				       -ENOMEM);
			goto out;
		}
	}
	/* Explicit sizes first, so that "all" on the same node means "the rest". */
	for (i = 0; i < 2 * n; i++) {
		const struct ihk_mem_req *ci = &c[i % n];

		if ((i < n) == (ci->size == IHK_MEM_ALL))
			continue;
		for_each_node_state(node, N_MEMORY) {
			u64 gibs;

			if (ci->numa_node != IHK_NUMA_ALL && ci->numa_node != node)
				continue;
			/* Whole GiBs first, then 2 MiB blocks for the rest. */
			gibs = ihk_mem_alloc_gibs(node, ci->size, &gib_list, current);
			ihk_mem_clear_parallel(node, &gib_list);
			list_splice_tail_init(&gib_list, &got_list);
			got = 0;
			ret = 0;
			if (ci->size == IHK_MEM_ALL || ci->size > gibs)
				ret = ihk_mem_alloc_node_parallel(node, ci->size == IHK_MEM_ALL ?
								  IHK_MEM_ALL : ci->size - gibs,
								  &got_list, &got);
			got += gibs;
			total += got;
			if (ret) {
				ihk_err("node %d ran out of free memory\n", node);
				ihk_fail(err, i % n, IHK_ERR_MEM_FREE, ret);
				goto err_free;
			}
			if (!got && ci->numa_node != IHK_NUMA_ALL) {
				ihk_err("node %d has no memory to spare\n", node);
				ret = ihk_fail(err, i % n, IHK_ERR_MEM_FREE, -ENOMEM);
				goto err_free;
			}
		}
	}
	if (!total) {
		ihk_err("no NUMA node has memory to spare\n");
		ret = ihk_fail(err, 0, IHK_ERR_MEM_FREE, -ENOMEM);
		goto out;
	}
	ihk_mem_add(&got_list);
	pr_info("ihk: reserved %llu MiB\n", total >> 20);
	goto out;

err_free:
	ihk_mem_free_list(&got_list);
out:
	kfree(sums);
	return ret;
}

/* The three ways memory moves between Linux, the pool and an instance. */
enum ihk_mem_move {
	IHK_MEM_RELEASE,	/* pool -> Linux */
	IHK_MEM_ASSIGN,		/* pool -> instance */
	IHK_MEM_UNASSIGN,	/* instance -> pool */
};

/*
 * Check that the source holds what @c asks for on each node. "all" from the pool
 * needs something there: for an assignment at all, for a release unless nothing
 * is reserved on the node (then it is a no-op).
 */
static int ihk_mem_check_have(struct ihk_os *from, enum ihk_mem_move move,
			      const struct ihk_mem_req *c, u32 n, u64 *running,
			      struct ihk_err *err)
{
	u32 i;

	memset(running, 0, nr_node_ids * sizeof(*running));
	for (i = 0; i < n; i++) {
		int node = c[i].numa_node;
		u64 have = ihk_mem_total(from, false, node);
		u64 any = ihk_mem_total(NULL, true, node);
		u64 want;

		if (c[i].size != IHK_MEM_ALL)
			want = running[node] += c[i].size;	/* checked for overflow */
		else if (move == IHK_MEM_ASSIGN || (move == IHK_MEM_RELEASE && any))
			want = 1;
		else
			want = 0;
		if (want <= have)
			continue;
		if (move == IHK_MEM_RELEASE && any >= want) {
			ihk_err("memory on node %d is assigned to an OS instance\n", node);
			return ihk_fail(err, i, IHK_ERR_MEM_ASSIGNED, -EBUSY);
		}
		ihk_err("%llu MiB asked for on node %d, %llu MiB there\n", want >> 20, node,
			have >> 20);
		return ihk_fail(err, i, move == IHK_MEM_UNASSIGN ? IHK_ERR_MEM_NOT_ASSIGNED :
				IHK_ERR_MEM_NOT_RESERVED, -ENOENT);
	}
	return 0;
}

/* Move what @c asks for from the pool or @os to the pool, @os or Linux. */
static int ihk_mem_transfer(struct ihk_os *os, enum ihk_mem_move move,
			    const struct ihk_mem_req *c, u32 n, struct ihk_err *err)
{
	struct ihk_os *from = move == IHK_MEM_UNASSIGN ? os : NULL;
	LIST_HEAD(moved);
	struct ihk_mem_ext *e;
	u64 *sums;
	int ret;
	u32 i;

	sums = ihk_mem_sums(c, n, err, &ret);
	if (!sums)
		return ret;
	ret = ihk_mem_check_have(from, move, c, n, sums, err);
	kfree(sums);
	if (ret)
		return ret;
	/* Explicit sizes first, so that "all" on the same node means "the rest". */
	for (i = 0; i < 2 * n; i++) {
		u64 want = c[i % n].size;

		if ((i < n) == (want == IHK_MEM_ALL))
			continue;
		if (ihk_mem_detach(from, c[i % n].numa_node, want, &moved) != want &&
		    want != IHK_MEM_ALL) {
			/* Only a failed split allocation gets here: undo. */
			ihk_mem_add(&moved);
			return -ENOMEM;
		}
	}
	if (move == IHK_MEM_RELEASE) {
		ihk_mem_free_list(&moved);
		return 0;
	}
	if (move == IHK_MEM_UNASSIGN)
		ihk_mem_surrender_held(&moved);
	list_for_each_entry(e, &moved, list) {
		if (move == IHK_MEM_ASSIGN && e->dirty)
			ihk_mem_scrub(e);
		e->dirty = move == IHK_MEM_UNASSIGN;
		e->os = move == IHK_MEM_ASSIGN ? os : NULL;
	}
	ihk_mem_add(&moved);
	return 0;
}

/**
 * ihk_mem_release() - give unassigned pool memory back to Linux, all or none.
 * @c: the chunks; IHK_MEM_ALL releases all unassigned memory of the node(s).
 * @n: how many.
 * @err: which chunk failed and why.
 *
 * Context: ihk_lock held.
 * Return: 0 or -errno (see IHK_DEVICE_RELEASE_MEM).
 */
int ihk_mem_release(const struct ihk_mem_req *c, u32 n, struct ihk_err *err)
{
	return ihk_mem_transfer(NULL, IHK_MEM_RELEASE, c, n, err);
}

/**
 * ihk_mem_assign() - move pool memory into @os, all or none.
 * @os: the instance.
 * @c: the chunks; IHK_MEM_ALL takes all unassigned memory of the node(s).
 * @n: how many.
 * @err: which chunk failed and why.
 *
 * Context: ihk_lock held.
 * Return: 0 or -errno (see IHK_OS_ASSIGN_MEM).
 */
int ihk_mem_assign(struct ihk_os *os, const struct ihk_mem_req *c, u32 n,
		   struct ihk_err *err)
{
	return ihk_mem_transfer(os, IHK_MEM_ASSIGN, c, n, err);
}

/**
 * ihk_mem_unassign() - move memory of @os back into the pool, all or none.
 * @os: the instance.
 * @c: the chunks; IHK_MEM_ALL: all of @os's memory on the node(s).
 * @n: how many.
 * @err: which chunk failed and why.
 *
 * Context: ihk_lock held.
 * Return: 0 or -errno (see IHK_OS_RELEASE_MEM).
 */
int ihk_mem_unassign(struct ihk_os *os, const struct ihk_mem_req *c, u32 n,
		     struct ihk_err *err)
{
	return ihk_mem_transfer(os, IHK_MEM_UNASSIGN, c, n, err);
}

/**
 * ihk_mem_unassign_all() - move all memory of @os back into the pool.
 * @os: the instance.
 *
 * Context: ihk_lock held.
 */
void ihk_mem_unassign_all(struct ihk_os *os)
{
	struct ihk_mem_ext *e;
	LIST_HEAD(moved);

	ihk_mem_detach(os, IHK_NUMA_ALL, IHK_MEM_ALL, &moved);
	ihk_mem_surrender_held(&moved);
	list_for_each_entry(e, &moved, list) {
		e->dirty = true;
		e->os = NULL;
	}
	ihk_mem_add(&moved);
}

/**
 * ihk_mem_query() - describe reserved memory.
 * @os: only extents of this instance; NULL: every extent.
 * @out: array to fill, may be NULL if @capacity is 0.
 * @capacity: entries @out holds.
 *
 * Context: ihk_lock held.
 * Return: how many extents match (may exceed @capacity).
 */
int ihk_mem_query(struct ihk_os *os, struct ihk_mem_extent *out, u32 capacity)
{
	struct ihk_mem_ext *e;
	int count = 0;

	list_for_each_entry(e, &ihk_mem, list) {
		if (os && e->os != os)
			continue;
		if (count < capacity) {
			out[count].phys = e->phys;
			out[count].size = e->size;
			out[count].numa_node = e->node;
			out[count].os_index = e->os ? e->os->index : IHK_OS_NONE;
		}
		count++;
	}
	return count;
}

/**
 * ihk_mem_exit() - give every reserved block back to Linux.
 *
 * Context: module exit, ihk_lock held, no OS instance left.
 */
void ihk_mem_exit(void)
{
	LIST_HEAD(all);

	list_splice_init(&ihk_mem, &all);
	ihk_mem_free_list(&all);
}

/**
 * ihk_mem_boot_extents() - the memory of @os, in address order.
 * @os: the instance.
 * @out: array to fill.
 * @capacity: entries @out holds.
 *
 * Context: ihk_lock held.
 * Return: how many extents @os has (may exceed @capacity).
 */
int ihk_mem_boot_extents(struct ihk_os *os, struct ihk_boot_mem *out, u32 capacity)
{
	struct ihk_mem_ext *e;
	int count = 0;

	list_for_each_entry(e, &ihk_mem, list) {
		if (e->os != os)
			continue;
		if (count < capacity) {
			out[count].phys = e->phys;
			out[count].size = e->size;
			out[count].numa_node = e->node;
			out[count].reserved = 0;
		}
		count++;
	}
	return count;
}
