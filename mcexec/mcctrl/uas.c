// SPDX-License-Identifier: GPL-2.0
/*
 * The unified address space: mcexec maps [MCK_USER_START, MCK_USER_END) from
 * its process file. A fault there walks the program's page tables in the LWK
 * (every table and page checked to lie in the instance's memory) and inserts
 * the page it finds with no more access than the program has: read-only
 * unless the LWK's entry is writable, nothing where the program has nothing.
 * Pages the LWK unmapped (or made less accessible) are zapped before mcexec
 * gets its next call; all of them when the program ends or the instance
 * stops.
 *
 * The instance's pages go in as ordinary pages (VM_MIXEDMAP, vm_insert_page):
 * each mapping holds a reference, so Linux can pin them (O_DIRECT,
 * process_vm_readv, vmsplice, RDMA) and gets the LWK's physical pages. Linux's
 * own pages of shared file mappings, pinned by pin.c, go in as special PFN
 * entries as before. Every page we insert is remembered by address
 * (@p->exposed); after a zap we look at its reference count: a page Linux
 * still holds (count above our own one) is reported to the LWK, which never
 * gives it back to its allocator (docs/memory.md).
 *
 * The mapping is one VMA that only mcctrl changes: mcexec (and so an
 * offloaded call the program makes) cannot split, move or re-protect it, so
 * every zap the LWK asks for covers exactly what it should (docs/security.md).
 */
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pfn_t.h>
#include <linux/sched/mm.h>
#include <linux/version.h>
#include <asm/io.h>

#include "mcctrl.h"

/*
 * How long a fault in the view waits for the LWK to map a page (it takes
 * microseconds; the bound is for a thread that no longer answers).
 */
#define MCCTRL_FAULT_WAIT_MS 10000

#define PTE_PRESENT 1ull
#define PTE_WRITE 2ull
#define PTE_USER 4ull
#define PTE_HUGE 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull

/*
 * The physical address behind @va in the program, or 0 when the program
 * cannot read it; *@writable says whether it can write it.
 * Context: p->uas held.
 */
static u64 mcctrl_lookup(struct mcctrl_proc *p, u64 va, bool *writable)
{
	u64 table = p->pml4_phys, e = 0, all = PTE_PRESENT | PTE_WRITE | PTE_USER;
	int level;

	for (level = 3; level >= 0; level--) {
		u64 *t = ihk_os_phys_to_virt(p->os, table, PAGE_SIZE);

		if (!t)
			return 0;
		e = READ_ONCE(t[(va >> (12 + 9 * level)) & 511]);
		all &= e;
		if (!(e & PTE_PRESENT) || !(e & PTE_USER))
			return 0;
		if ((level == 1 || level == 2) && (e & PTE_HUGE)) {
			u64 size = level == 2 ? SZ_1G : SZ_2M;

			if (e & MCK_PTE_COW)
				return 0;	/* shared with another process: never in a view */
			*writable = all & PTE_WRITE;
			return (e & PTE_ADDR & ~(size - 1)) + (va & (size - 1) & PAGE_MASK);
		}
		if (e & PTE_HUGE)
			return 0;	/* no large page in the top level */
		table = e & PTE_ADDR;
	}
	if (e & MCK_PTE_COW)
		return 0;	/* shared with another process: never in a view */
	*writable = all & PTE_WRITE;
	return e & PTE_ADDR;
}

/* The call the current task serves for the program: its block, or NULL. Context: p->uas held. */
static struct mck_offload *mcctrl_served_call(struct mcctrl_proc *p)
{
	struct pid *me = task_pid(current);
	struct mcctrl_call *c;
	u64 phys = 0;

	spin_lock_irq(&p->lock);
	list_for_each_entry(c, &p->inflight, link)
		if (c->who == me) {
			phys = c->phys;
			break;
		}
	if (p->acked || p->dead)
		phys = 0;
	spin_unlock_irq(&p->lock);
	return phys ? ihk_os_phys_to_virt(p->os, phys, sizeof(struct mck_offload)) : NULL;
}

/*
 * Serving a call, mcexec touched the program's memory at @addr where the
 * LWK maps nothing we may use: a page shared copy-on-write after a fork, or
 * memory that comes on first touch. Ask the thread waiting for the call to
 * make the page the program's own (MCK_OFFLOAD_FAULT) and wait, boundedly,
 * for its answer. Return: true if the LWK mapped it: look again.
 * Context: process, p->uas not held.
 */
static bool mcctrl_remote_fault(struct mcctrl_proc *p, unsigned long addr, bool write)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(MCCTRL_FAULT_WAIT_MS);
	struct mck_offload *o;
	bool ok = false;
	u32 cpu;

	down_read(&p->uas);
	o = mcctrl_served_call(p);
	if (!o || READ_ONCE(o->state) != MCK_OFFLOAD_SENT)
		goto out;
	WRITE_ONCE(o->fault_addr, addr);
	WRITE_ONCE(o->fault_write, write);
	WRITE_ONCE(o->fault_ret, -EFAULT);
	cpu = READ_ONCE(o->cpu);
	/* Only a call still in flight: an answer given meanwhile (DONE) stays. Full barrier. */
	if (cmpxchg(&o->state, MCK_OFFLOAD_SENT, MCK_OFFLOAD_FAULT) != MCK_OFFLOAD_SENT)
		goto out;
	if (!READ_ONCE(o->spinning) && cpu < p->ncpus)
		ihk_os_kick(p->os, cpu);
	while (smp_load_acquire(&o->state) == MCK_OFFLOAD_FAULT) {
		if (READ_ONCE(p->dead) || fatal_signal_pending(current) || time_after(jiffies, deadline)) {
			/* Take the question back; the LWK answers only one still asked. */
			if (cmpxchg(&o->state, MCK_OFFLOAD_FAULT, MCK_OFFLOAD_SENT) == MCK_OFFLOAD_FAULT) {
				if (!READ_ONCE(p->dead) && !fatal_signal_pending(current))
					mcctrl_err("process %u: no answer to a page request at %#lx within %u ms\n",
						   p->pid, addr, MCCTRL_FAULT_WAIT_MS);
				goto out;
			}
			break;
		}
		up_read(&p->uas);
		usleep_range(10, 50);
		down_read(&p->uas);
	}
	ok = !READ_ONCE(p->dead) && READ_ONCE(o->fault_ret) == 0;
out:
	up_read(&p->uas);
	return ok;
}

/*
 * The instance's page at @pa as an ordinary page, or NULL when @pa is not the
 * instance's (or has no usable struct page).
 */
static struct page *mcctrl_lwk_page(struct mcctrl_proc *p, u64 pa)
{
	struct page *page;

	if (!pa || !ihk_os_phys_to_virt(p->os, pa, PAGE_SIZE) || !pfn_valid(pa >> PAGE_SHIFT))
		return NULL;
	page = pfn_to_page(pa >> PAGE_SHIFT);
	/* IHK splits its blocks: each page has its own reference, held by IHK. */
	return page_count(page) ? page : NULL;
}

/*
 * Insert the instance's @page at @addr (read-only: vm_page_prot has no write
 * while page_mkwrite exists) and remember it. Context: p->uas held for reading.
 */
static vm_fault_t mcctrl_insert_page(struct mcctrl_proc *p, struct vm_area_struct *vma,
				     unsigned long addr, struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	void *old;
	int err;

	old = xa_store(&p->exposed, addr >> PAGE_SHIFT, xa_mk_value(pfn), GFP_KERNEL);
	if (xa_is_err(old))
		return VM_FAULT_OOM;
	/*
	 * A different page here means Linux dropped the old one from the view
	 * behind our back (MADV_DONTNEED): still look at it at the next zap.
	 */
	if (old && xa_to_value(old) != pfn &&
	    xa_is_err(xa_store(&p->orphans, xa_to_value(old), xa_mk_value(1), GFP_KERNEL))) {
		xa_store(&p->exposed, addr >> PAGE_SHIFT, old, GFP_NOWAIT);
		return VM_FAULT_OOM;
	}
	err = vm_insert_page(vma, addr, page);
	if (!err || err == -EBUSY)	/* -EBUSY: another thread mapped it first */
		return VM_FAULT_NOPAGE;
	return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
}

static vm_fault_t mcctrl_uas_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mcctrl_proc *p = vma->vm_private_data;
	unsigned long addr = vmf->address & PAGE_MASK;
	bool write = vmf->flags & FAULT_FLAG_WRITE, writable = false;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	struct page *page;
	u64 pa;

	if (!p)
		return VM_FAULT_SIGBUS;	/* a copy in a fork */
	down_read(&p->uas);
	if (!p->dead && !mcctrl_lookup(p, addr, &writable)) {
		up_read(&p->uas);
		mcctrl_remote_fault(p, addr, write);
		down_read(&p->uas);
	}
	if (!p->dead) {
		pa = mcctrl_lookup(p, addr, &writable);
		page = mcctrl_lwk_page(p, pa);
		/*
		 * Both kinds go in read-only (vm_page_prot): a write faults again
		 * and page_mkwrite / pfn_mkwrite decide, so the check is in one place.
		 */
		if (!pa || (write && !writable))
			ret = VM_FAULT_SIGBUS;
		else if (page)
			ret = mcctrl_insert_page(p, vma, addr, page);
		else if (mcctrl_pinned(p, pa >> PAGE_SHIFT))
			/* A pinned Linux page, or a device's frame, with the memory type Linux keeps for it. */
			ret = vmf_insert_mixed(vma, addr, pfn_to_pfn_t(pa >> PAGE_SHIFT));
	}
	up_read(&p->uas);
	return ret;
}

/* May mcexec's entry at @addr for @pa become writable? Context: p->uas held. */
static bool mcctrl_may_write(struct mcctrl_proc *p, unsigned long addr, u64 pa)
{
	bool writable = false;

	return !p->dead && pa && mcctrl_lookup(p, addr, &writable) == pa && writable;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
/*
 * Without VM_SHARED (see mcctrl_uas_mmap), the core's own upgrade after
 * page_mkwrite/pfn_mkwrite (finish_mkwrite_fault) warns: we make the entry
 * writable ourselves and answer VM_FAULT_NOPAGE, which skips it.
 */
struct mcctrl_mkwrite {
	struct vm_area_struct *vma;
	unsigned long pfn;
};

static int mcctrl_pte_mkwrite(pte_t *pte, unsigned long addr, void *data)
{
	struct mcctrl_mkwrite *w = data;
	pte_t old = ptep_get(pte);

	/* Not the entry we checked any more (zapped, another page): the access faults again. */
	if (!pte_present(old) || pte_pfn(old) != w->pfn || pte_write(old))
		return 0;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	old = pte_mkwrite_novma(old);	/* pte_mkwrite() is not exported; never a shadow stack here */
#else
	old = pte_mkwrite(old);
#endif
	set_pte_at(w->vma->vm_mm, addr, pte, pte_mkdirty(pte_mkyoung(old)));
	return 0;
}

/* Make the entry at @vmf->address writable if it still maps @pfn. Context: p->uas held. */
static vm_fault_t mcctrl_mkwrite(struct vm_fault *vmf, unsigned long pfn)
{
	struct mcctrl_mkwrite w = { .vma = vmf->vma, .pfn = pfn };

	if (apply_to_existing_page_range(vmf->vma->vm_mm, vmf->address & PAGE_MASK, PAGE_SIZE,
					 mcctrl_pte_mkwrite, &w))
		return VM_FAULT_SIGBUS;
	return VM_FAULT_NOPAGE;
}
#endif

/* A write to an instance page mapped read-only: allowed only where the program may write. */
static vm_fault_t mcctrl_uas_page_mkwrite(struct vm_fault *vmf)
{
	struct mcctrl_proc *p = vmf->vma->vm_private_data;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	if (!p)
		return VM_FAULT_SIGBUS;
	down_read(&p->uas);
	/*
	 * No page in the view is shared copy-on-write (mcctrl_lookup), so a
	 * write the LWK's entry does not allow is one the program may not make.
	 */
	if (mcctrl_may_write(p, vmf->address & PAGE_MASK, page_to_phys(vmf->page))) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
		ret = mcctrl_mkwrite(vmf, page_to_pfn(vmf->page));
#else
		/*
		 * Locked and said so: the core would otherwise retry forever on a page
		 * with no mapping. A zap meanwhile is caught by its pte_same check.
		 */
		lock_page(vmf->page);
		ret = VM_FAULT_LOCKED;
#endif
	}
	up_read(&p->uas);
	return ret;
}

/* A write to a Linux page (shared file mapping) mapped read-only: the same rule. */
static vm_fault_t mcctrl_uas_pfn_mkwrite(struct vm_fault *vmf)
{
	struct mcctrl_proc *p = vmf->vma->vm_private_data;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	u64 pa = (u64)pte_pfn(vmf->orig_pte) << PAGE_SHIFT;

	if (!p)
		return VM_FAULT_SIGBUS;
	down_read(&p->uas);
	if (mcctrl_may_write(p, vmf->address & PAGE_MASK, pa) && mcctrl_pinned(p, pa >> PAGE_SHIFT)) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
		ret = mcctrl_mkwrite(vmf, pa >> PAGE_SHIFT);
#else
		ret = 0;
#endif
	}
	up_read(&p->uas);
	return ret;
}

/* mcexec's own munmap/mprotect/mremap/madvise/mbind would split or move it. */
static int mcctrl_uas_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static int mcctrl_uas_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

static int mcctrl_uas_mprotect(struct vm_area_struct *vma, unsigned long start, unsigned long end,
			       unsigned long newflags)
{
	return -EACCES;
}

/*
 * Reporting held pages to the LWK (struct mck_proc_shared, held_*): runs of
 * physically contiguous pages, one ring slot each. A run takes its slot when
 * it starts, so what was taken out of @p->exposed is always reported.
 */
struct mcctrl_held_run {
	u64 seq;	/* the slot of the run being built */
	u64 taken;	/* the LWK's held_taken when we started */
	u64 phys, len;
};

static void mcctrl_held_begin(struct mcctrl_proc *p, struct mcctrl_held_run *r)
{
	r->seq = p->held_seq;
	r->taken = READ_ONCE(p->shared->held_taken);
	/* The LWK's word: never trust it beyond what we wrote. */
	if (r->taken > r->seq || r->seq - r->taken > MCK_HELD_SLOTS)
		r->taken = r->seq - min_t(u64, r->seq, MCK_HELD_SLOTS);
	r->len = 0;
}

static void mcctrl_held_flush(struct mcctrl_proc *p, struct mcctrl_held_run *r)
{
	struct mck_held *h = &p->shared->held[r->seq % MCK_HELD_SLOTS];

	if (!r->len)
		return;
	WRITE_ONCE(h->phys, r->phys);
	WRITE_ONCE(h->len, r->len);
	r->seq++;
	r->len = 0;
}

/* Add page @pfn to the report. Return: false when the ring has no room for it. */
static bool mcctrl_held_add(struct mcctrl_proc *p, struct mcctrl_held_run *r, unsigned long pfn)
{
	u64 pa = (u64)pfn << PAGE_SHIFT;

	if (r->len && r->phys + r->len == pa) {
		r->len += PAGE_SIZE;
		return true;
	}
	mcctrl_held_flush(p, r);
	if (r->seq - r->taken >= MCK_HELD_SLOTS)
		return false;
	r->phys = pa;
	r->len = PAGE_SIZE;
	return true;
}

/* Publish the report; the caller's release of inval_done (or the exit ack) follows. */
static void mcctrl_held_end(struct mcctrl_proc *p, struct mcctrl_held_run *r)
{
	mcctrl_held_flush(p, r);
	if (r->seq != p->held_seq) {
		p->held_seq = r->seq;
		smp_store_release(&p->shared->held_seq, r->seq);
	}
}

/* After a zap: does Linux still hold @pfn besides IHK's own reference? */
bool mcctrl_page_held(unsigned long pfn)
{
	return page_count(pfn_to_page(pfn)) > 1;
}

/*
 * The pages we inserted in [@start, @end), now zapped: forget them, and report
 * those Linux still holds. Return: false if the ring filled up; what was not
 * reported stays remembered, for the next try. Context: p->uas held for
 * writing, the zap done.
 */
static bool mcctrl_uas_check(struct mcctrl_proc *p, struct mcctrl_held_run *r, u64 start, u64 end)
{
	unsigned long idx;
	void *entry;

	xa_for_each(&p->orphans, idx, entry) {
		if (mcctrl_page_held(idx) && !mcctrl_held_add(p, r, idx))
			return false;
		xa_erase(&p->orphans, idx);
	}
	if (end <= start)
		return true;
	xa_for_each_range(&p->exposed, idx, entry, start >> PAGE_SHIFT, (end - 1) >> PAGE_SHIFT) {
		if (mcctrl_page_held(xa_to_value(entry)) && !mcctrl_held_add(p, r, xa_to_value(entry)))
			return false;
		xa_erase(&p->exposed, idx);
	}
	return true;
}

/*
 * mcexec's view is gone for good (zapped, or its VMA removed): report every
 * page Linux still holds; if the ring cannot take them all, the LWK keeps
 * every page of the process out of use. Context: p->uas held for writing.
 */
static void mcctrl_uas_check_all(struct mcctrl_proc *p)
{
	struct mcctrl_held_run r;
	bool ok = true;

	if (!p->dead && p->shared) {
		mcctrl_held_begin(p, &r);
		ok = mcctrl_uas_check(p, &r, MCK_USER_START, MCK_USER_END);
		mcctrl_held_end(p, &r);
		if (!ok) {
			mcctrl_err("process %u: Linux holds many of its pages; the LWK keeps all of them\n",
				   p->pid);
			smp_store_release(&p->shared->held_all, 1);
		}
	}
	xa_destroy(&p->exposed);
	xa_destroy(&p->orphans);
}

/*
 * A copy of the view in a fork of mcexec, which happens only if mcexec
 * cleared VM_DONTCOPY (MADV_DOFORK; VM_IO refused that before, but GUP
 * refuses VM_IO). The copy gets nothing: no entries (VM_WIPEONFORK is
 * checked after this), no faults served, nothing reported when it closes,
 * and no pointer to a process it holds no reference to.
 */
static void mcctrl_uas_open(struct vm_area_struct *vma)
{
	vma->vm_private_data = NULL;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, VM_WIPEONFORK);
#else
	vma->vm_flags |= VM_WIPEONFORK;
#endif
}

/* mcexec unmapped its view (munmap, exit): its entries are zapped already. */
static void mcctrl_uas_close(struct vm_area_struct *vma)
{
	struct mcctrl_proc *p = vma->vm_private_data;

	if (!p)
		return;	/* a copy in a fork (see above) */
	down_write(&p->uas);
	mcctrl_uas_check_all(p);
	up_write(&p->uas);
}

static const struct vm_operations_struct mcctrl_uas_ops = {
	.open = mcctrl_uas_open,
	.close = mcctrl_uas_close,
	.fault = mcctrl_uas_fault,
	.page_mkwrite = mcctrl_uas_page_mkwrite,
	.pfn_mkwrite = mcctrl_uas_pfn_mkwrite,
	.may_split = mcctrl_uas_may_split,
	.mremap = mcctrl_uas_mremap,
	.mprotect = mcctrl_uas_mprotect,
};

int mcctrl_uas_mmap(struct mcctrl_proc *p, struct vm_area_struct *vma)
{
	if (vma->vm_start != MCK_USER_START || vma->vm_end != MCK_USER_END || vma->vm_pgoff ||
	    !(vma->vm_flags & VM_SHARED) || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	down_write(&p->uas);
	if (p->mm || p->dead) {
		up_write(&p->uas);
		return -EBUSY;
	}
	p->mm = current->mm;
	mmgrab(p->mm);
	up_write(&p->uas);
	/*
	 * Not in core dumps, not inherited, never merged or grown; ordinary pages
	 * (the instance's) and PFNs (Linux's pinned pages) mixed, so no VM_IO or
	 * VM_PFNMAP, which GUP refuses; never executable in mcexec.
	 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY);
	vm_flags_clear(vma, VM_EXEC | VM_MAYEXEC);
#else
	vma->vm_flags |= VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY;
	vma->vm_flags &= ~(VM_EXEC | VM_MAYEXEC);
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	/*
	 * From 6.5, GUP refuses long-term write pins (ibv_reg_mr, io_uring fixed
	 * buffers) in a shared writable file VMA whose vm_ops have page_mkwrite:
	 * such a VMA "needs dirty tracking" (vma_needs_dirty_tracking()). Ours
	 * needs page_mkwrite/pfn_mkwrite to keep what the program may only read
	 * read-only, and has no file to write back. Without VM_SHARED, but with
	 * VM_MAYSHARE, the core still handles a write to a read-only entry as in
	 * a shared mapping (do_wp_page() calls page_mkwrite/pfn_mkwrite, never
	 * copies), GUP's FOLL_FORCE still cannot write it, and vm_page_prot stays
	 * read-only, while the VMA no longer counts as needing dirty tracking. A
	 * first write to an empty entry takes the copy-on-write fault path, which
	 * only calls our fault handler: it maps the instance's page, never a copy.
	 */
	vm_flags_clear(vma, VM_SHARED);
#endif
	vma->vm_ops = &mcctrl_uas_ops;
	vma->vm_private_data = p;
	return 0;
}

/*
 * Our VMA in @mm, whole, if it is still there; NULL if mcexec unmapped it.
 * -EBUSY if some of it is there but not as the one VMA we made (cannot happen
 * while the vm_ops above refuse to split it; if it does, nothing is acked).
 * Context: mmap lock held.
 */
static struct vm_area_struct *mcctrl_uas_vma(struct mcctrl_proc *p, struct mm_struct *mm)
{
	struct vm_area_struct *vma = find_vma_intersection(mm, MCK_USER_START, MCK_USER_END);

	if (!vma || vma->vm_ops != &mcctrl_uas_ops)
		return NULL;
	if (vma->vm_start != MCK_USER_START || vma->vm_end != MCK_USER_END || vma->vm_private_data != p)
		return ERR_PTR(-EBUSY);
	return vma;
}

/* Zap [@start, @start + @len) of our VMA, clamped to it; the clamped end. */
static u64 mcctrl_zap(struct vm_area_struct *vma, u64 start, u64 len, u64 *endp)
{
	u64 end;

	if (start < MCK_USER_START)
		start = MCK_USER_START;
	if (check_add_overflow(start, len, &end) || end > MCK_USER_END)
		end = MCK_USER_END;
	*endp = end;
	if (start >= end)
		return start;
	/* zap_vma_ptes() only takes VM_PFNMAP VMAs. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	zap_page_range_single(vma, start, end - start, NULL);
#else
	zap_page_range(vma, start, end - start);
#endif
	return start;
}

/*
 * Apply the LWK's queued unmaps to mcexec's view. Context: mcexec, process.
 * Serialized by p->uas, so inval_done only moves forward whichever of
 * mcexec's threads gets here first. An unmap is acknowledged only once the
 * pages Linux still holds from it are reported (held_seq before inval_done):
 * if the report ring is full, the zap is done but the acknowledgement waits
 * for the LWK to take the reports, at a later call.
 */
void mcctrl_uas_invalidate(struct mcctrl_proc *p)
{
	struct mck_proc_shared *s = p->shared;
	struct vm_area_struct *vma;
	struct mm_struct *mm = current->mm;
	struct mcctrl_held_run r;
	u64 seq, i, start, end, done;

	if (READ_ONCE(p->dead) || smp_load_acquire(&s->inval_seq) == READ_ONCE(p->inval_done))
		return;
	mmap_read_lock(mm);
	down_write(&p->uas);
	if (p->mm && p->mm != mm)
		goto out;	/* only mcexec's own threads can drop its view */
	seq = smp_load_acquire(&s->inval_seq);
	vma = p->dead || !p->mm ? NULL : mcctrl_uas_vma(p, mm);
	if (IS_ERR(vma)) {
		mcctrl_err("process %u: mcexec's view is not whole; its unmaps stay pending\n", p->pid);
		goto out;
	}
	done = p->inval_done;
	mcctrl_held_begin(p, &r);
	if (vma && seq - p->inval_done > MCK_INVAL_SLOTS) {
		start = mcctrl_zap(vma, MCK_USER_START, MCK_USER_END - MCK_USER_START, &end);
		if (mcctrl_uas_check(p, &r, start, end))
			done = seq;
	} else if (vma) {
		for (i = p->inval_done + 1; i <= seq; i++) {
			struct mck_inval *v = &s->inval[i % MCK_INVAL_SLOTS];

			start = mcctrl_zap(vma, READ_ONCE(v->start), READ_ONCE(v->len), &end);
			if (!mcctrl_uas_check(p, &r, start, end))
				break;
			done = i;
		}
	} else {
		done = seq;	/* no view: nothing mapped, close() reported what was held */
	}
	mcctrl_held_end(p, &r);
	WRITE_ONCE(p->inval_done, done);
	if (!p->dead)
		smp_store_release(&s->inval_done, done);
out:
	up_write(&p->uas);
	mmap_read_unlock(mm);
}

/* Drop mcexec's whole view for good; later faults get SIGBUS. Context: process. */
void mcctrl_uas_drop(struct mcctrl_proc *p)
{
	struct mm_struct *mm = p->mm;
	struct vm_area_struct *vma;

	if (mm && mmget_not_zero(mm)) {
		mmap_read_lock(mm);
		down_write(&p->uas);
		/* Every piece of ours, whatever mcexec did to its address space. */
		for (vma = find_vma_intersection(mm, MCK_USER_START, MCK_USER_END);
		     vma && vma->vm_start < MCK_USER_END; vma = find_vma(mm, vma->vm_end)) {
			u64 end;

			if (vma->vm_ops == &mcctrl_uas_ops && vma->vm_private_data == p)
				mcctrl_zap(vma, vma->vm_start, vma->vm_end - vma->vm_start, &end);
		}
		mcctrl_uas_check_all(p);
		p->dead = true;
		up_write(&p->uas);
		mmap_read_unlock(mm);
		mmput(mm);
	} else {
		down_write(&p->uas);
		mcctrl_uas_check_all(p);
		p->dead = true;
		up_write(&p->uas);
	}
}
