// SPDX-License-Identifier: GPL-2.0
/*
 * Shared file mappings and System V shared memory of LWK programs: mcexec maps
 * the file (attaches the segment) and asks us to pin its pages for the
 * MCK_SYS_MAP_SHARED (MCK_SYS_SHM_ATTACH) call it serves; we give the LWK their
 * physical addresses. Everything that decides what the LWK may do with the
 * pages (how many, writable or not, where the list is) comes from the LWK's
 * request, not from mcexec, which runs the program's calls and is no more
 * trusted than the program (docs/security.md). The pages stay pinned until the
 * LWK unmaps them (MCK_SYS_SHARED_RELEASE, once mcexec's view of them is gone)
 * or no longer runs the process (its exit, or the instance stopping), so the
 * LWK can never touch a page Linux reused. Like RDMA memory registrations, the
 * pages are charged to mcexec's pinned_vm (VmPin) against RLIMIT_MEMLOCK
 * unless it has CAP_IPC_LOCK: a program cannot pin more of Linux's memory than
 * its user may lock (docs/mcexec.md). A device file's memory or I/O space
 * (VM_IO/VM_PFNMAP) has no pages to pin: pin_io.c gives its frames instead.
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <asm/io.h>

#include "mcctrl.h"

#define MCCTRL_PIN_MAX (1UL << 20)	/* pages per mapping (4 GiB) */
#define MCK_PROT_WRITE_BIT 2		/* PROT_WRITE in the LWK's request */

/* What the LWK asked for in the call being served. */
struct mcctrl_pin_request {
	u64 *list;		/* in the LWK's memory */
	unsigned long list_len;	/* pages of the LWK's mapping */
	bool write;
};

static void mcctrl_pin_done(struct mcctrl_proc *p, u64 token);

/*
 * Claim the in-flight call @token for pinning and read its request.
 * Both shared-mapping calls carry their length, protection and list in the
 * LWK's request block; mcexec's word counts for none of them.
 * Return: 0, -EINVAL (not a shared-mapping call of ours), -EBUSY (pinned already).
 */
static long mcctrl_pin_claim(struct mcctrl_proc *p, u64 token, struct mcctrl_pin_request *r)
{
	struct mck_offload *o = NULL;
	struct mcctrl_call *c;
	u64 len = 0, list_phys = 0;
	long ret = -EINVAL;

	spin_lock_irq(&p->lock);
	c = mcctrl_inflight(p, token);
	if (c && !p->acked && !p->dead)
		o = ihk_os_phys_to_virt(p->os, token, sizeof(*o));
	if (o && READ_ONCE(o->state) == MCK_OFFLOAD_SENT &&
	    (READ_ONCE(o->nr) == MCK_SYS_MAP_SHARED || READ_ONCE(o->nr) == MCK_SYS_SHARED_WRITABLE ||
	     READ_ONCE(o->nr) == MCK_SYS_SHARED_ADOPT || READ_ONCE(o->nr) == MCK_SYS_SHM_ATTACH ||
	     READ_ONCE(o->nr) == MCK_SYS_SHARED_REMAP)) {
		len = READ_ONCE(o->args[1]);
		if (READ_ONCE(o->nr) == MCK_SYS_MAP_SHARED || READ_ONCE(o->nr) == MCK_SYS_SHM_ATTACH ||
		    READ_ONCE(o->nr) == MCK_SYS_SHARED_REMAP) {
			r->write = READ_ONCE(o->args[2]) & MCK_PROT_WRITE_BIT;
			list_phys = READ_ONCE(o->args[4]);
		} else if (READ_ONCE(o->nr) == MCK_SYS_SHARED_WRITABLE) {
			r->write = true;
			list_phys = READ_ONCE(o->args[2]);
		} else {
			r->write = READ_ONCE(o->args[3]) & 1;
			list_phys = READ_ONCE(o->args[2]);
		}
		if (c->pin != MCCTRL_PIN_NONE) {
			ret = -EBUSY;
		} else if (len && !(len & ~PAGE_MASK) && (len >> PAGE_SHIFT) <= MCCTRL_PIN_MAX) {
			/* Until mcctrl_pin_done(), no answer: the LWK would free the list. */
			c->pin = MCCTRL_PIN_BUSY;
			ret = 0;
		}
	}
	spin_unlock_irq(&p->lock);
	if (ret)
		return ret;
	r->list_len = len >> PAGE_SHIFT;
	r->list = ihk_os_phys_to_virt(p->os, list_phys, r->list_len * sizeof(u64));
	if (!r->list) {
		mcctrl_pin_done(p, token);
		return -EINVAL;
	}
	return 0;
}

/* The list of call @token is written (or never will be): it may be answered now. */
static void mcctrl_pin_done(struct mcctrl_proc *p, u64 token)
{
	struct mcctrl_call *c;

	spin_lock_irq(&p->lock);
	c = mcctrl_inflight(p, token);
	if (c && c->pin == MCCTRL_PIN_BUSY)
		c->pin = MCCTRL_PIN_DONE;
	spin_unlock_irq(&p->lock);
}

/*
 * Charge @n pages to @mm's pinned_vm. Return: 0, or -EAGAIN past RLIMIT_MEMLOCK
 * (mmap's answer when too much memory is locked).
 */
static long mcctrl_pin_charge(struct mm_struct *mm, unsigned long n)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	s64 total = atomic64_add_return(n, &mm->pinned_vm);

	if ((u64)total > limit && !capable(CAP_IPC_LOCK)) {
		atomic64_sub(n, &mm->pinned_vm);
		return -EAGAIN;
	}
	return 0;
}

/* Unpin and uncharge @pin's pages (those not released already) and free it. */
static void mcctrl_pin_free(struct mcctrl_pin *pin, bool dirty)
{
	unsigned long i;

	for (i = 0; i < pin->n; i++)
		if (pin->pages[i])
			unpin_user_pages_dirty_lock(&pin->pages[i], 1, dirty);
	if (!pin->io)
		atomic64_sub(pin->n - pin->released, &pin->mm->pinned_vm);
	if (pin->file)
		fput(pin->file);
	mmdrop(pin->mm);
	kvfree(pin->io);
	kvfree(pin->pages);
	kfree(pin);
}

/*
 * Count one more (@delta 1) or one fewer (-1) pin of frame @pfn in p->pinned,
 * which the fault handler asks; a frame two mappings pinned stays until both
 * let go. Context: p->uas held for writing.
 */
static int mcctrl_pinned_count_one(struct mcctrl_proc *p, unsigned long pfn, int delta)
{
	unsigned long count = xa_to_value(xa_load(&p->pinned, pfn) ?: xa_mk_value(0));

	if (delta < 0 && !count)
		return 0;	/* not counted (a failed count): nothing to take back */
	count += delta;
	if (!count) {
		xa_erase(&p->pinned, pfn);
		return 0;
	}
	return xa_err(xa_store(&p->pinned, pfn, xa_mk_value(count), GFP_KERNEL));
}

/*
 * The same for pages [@from, @to) of @pin: Linux pages, or a device's frames,
 * which mcexec's view maps too (an offloaded call's buffer in device memory).
 */
static int mcctrl_pinned_count(struct mcctrl_proc *p, struct mcctrl_pin *pin, unsigned long from,
			       unsigned long to, int delta)
{
	unsigned long i;
	int ret = 0;

	for (i = from; i < to && !ret; i++) {
		if (pin->io && pin->io[i])
			ret = mcctrl_pinned_count_one(p, pin->io[i] >> PAGE_SHIFT, delta);
		else if (pin->pages[i])
			ret = mcctrl_pinned_count_one(p, page_to_pfn(pin->pages[i]), delta);
	}
	return ret;
}

/*
 * Pin @n pages of one mapping at @addr in mcexec into @pin->pages, or, for a
 * device file's memory or I/O space, give their frames (pin_io.c) in @pin->io
 * and hold the file. Return: pages pinned or -errno.
 */
static long mcctrl_pin_range(struct mcctrl_pin *pin, u64 addr, unsigned long n, bool write, bool *may_exec)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned int flags = FOLL_LONGTERM | (write ? FOLL_WRITE : 0);
	struct page **pages = pin->pages;
	long got = -EFAULT;

	/*
	 * Never the program's own memory: Linux can pin it through mcexec's view
	 * now, and the LWK would take its own pages for Linux's.
	 */
	if (addr < MCK_USER_END && addr + ((u64)n << PAGE_SHIFT) > MCK_USER_START)
		return -EFAULT;
	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (vma && n <= (vma->vm_end - addr) >> PAGE_SHIFT && mcctrl_io_vma(vma)) {
		*may_exec = vma->vm_flags & VM_MAYEXEC;
		pin->io = kvcalloc(n, sizeof(*pin->io), GFP_KERNEL);
		got = pin->io && vma->vm_file ? mcctrl_io_range(vma, addr, n, write, pin->io) : -ENOMEM;
		if (got == n)
			pin->file = get_file(vma->vm_file);
	} else if (vma && n <= (vma->vm_end - addr) >> PAGE_SHIFT) {
		*may_exec = vma->vm_flags & VM_MAYEXEC;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
		got = pin_user_pages(addr, n, flags, pages);
#else
		got = pin_user_pages(addr, n, flags, pages, NULL);
#endif
	}
	mmap_read_unlock(mm);
	return got;
}

/*
 * Pin the pages of mcexec's mapping @req and write them into the list of
 * request @r. Context: the call is claimed (MCCTRL_PIN_BUSY), so the LWK
 * keeps the list until we are done.
 */
static long mcctrl_pin_into(struct mcctrl_proc *p, const struct mcexec_pin_call *req,
			    const struct mcctrl_pin_request *r)
{
	bool late;
	struct mcctrl_pin *pin;
	unsigned long n = req->len >> PAGE_SHIFT, i;
	bool may_exec = false;
	u64 flags;
	long got, ret = 0;

	if (n > r->list_len)
		return -EINVAL;
	pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	if (!pin)
		return -ENOMEM;
	pin->pages = kvcalloc(n ? n : 1, sizeof(*pin->pages), GFP_KERNEL);
	if (!pin->pages) {
		kfree(pin);
		return -ENOMEM;
	}
	ret = mcctrl_pin_charge(current->mm, n);
	if (ret) {
		kvfree(pin->pages);
		kfree(pin);
		return ret;
	}
	pin->mm = current->mm;
	mmgrab(pin->mm);
	got = n ? mcctrl_pin_range(pin, req->addr, n, r->write, &may_exec) : 0;
	if (pin->io)
		atomic64_sub(n, &pin->mm->pinned_vm);	/* no memory of Linux's held */
	if (got < 0 || (unsigned long)got != n) {
		pin->n = got > 0 ? got : 0;
		if (!pin->io)
			atomic64_sub(n - pin->n, &pin->mm->pinned_vm);
		mcctrl_pin_free(pin, false);
		return got < 0 ? got : -EFAULT;
	}
	pin->n = n;
	pin->addr = req->addr;
	pin->write = r->write;
	/*
	 * From here on the pages stay pinned until the LWK releases them or the
	 * process ends, even on error. Listed and counted under p->uas, so that
	 * a release (which holds it throughout) sees both or neither.
	 */
	down_write(&p->uas);
	spin_lock_irq(&p->lock);
	late = p->unpinned;	/* the process ended while we pinned */
	if (!late)
		list_add(&pin->link, &p->pins);
	spin_unlock_irq(&p->lock);
	if (!late)
		ret = mcctrl_pinned_count(p, pin, 0, n, 1);
	up_write(&p->uas);
	if (late) {
		mcctrl_pin_free(pin, false);
		return -ENODEV;
	}
	if (ret)
		return ret;
	flags = (r->write ? MCK_PIN_WRITABLE : 0) | (may_exec ? MCK_PIN_EXEC : 0);
	down_read(&p->uas);
	if (p->dead) {
		ret = -ENODEV;
	} else {
		for (i = 0; i < r->list_len; i++)
			WRITE_ONCE(r->list[i], i >= n ? 0 : pin->io ? pin->io[i] | flags :
					   (u64)page_to_phys(pin->pages[i]) | flags);
	}
	up_read(&p->uas);
	return ret;
}

long mcctrl_pin_call(struct mcctrl_proc *p, void __user *arg)
{
	struct mcexec_pin_call req;
	struct mcctrl_pin_request r;
	long ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if ((req.len & ~PAGE_MASK) || (req.addr & ~PAGE_MASK))
		return -EINVAL;
	ret = mcctrl_pin_claim(p, req.token, &r);
	if (ret)
		return ret;
	ret = mcctrl_pin_into(p, &req, &r);
	mcctrl_pin_done(p, req.token);
	return ret;
}

/*
 * The LWK unmapped [addr, addr + len) of mcexec's shared mappings (the
 * MCK_SYS_SHARED_RELEASE call @token; the range and the LWK's unmap sequence
 * number come from the LWK's request): unpin those pages now. Only once
 * mcexec's view no longer maps them: the view maps Linux pages without a
 * reference of its own, so an unpinned page Linux reused must be out of it.
 * Return: 0, -EINVAL (no such call), -EAGAIN (the view still has them; they
 * stay pinned until the process ends).
 */
long mcctrl_unpin_call(struct mcctrl_proc *p, void __user *arg)
{
	struct mcctrl_pin *pin, *tmp;
	struct mcexec_pin_call req;
	struct mck_offload *o = NULL;
	u64 addr = 0, len = 0, seq = 0;
	LIST_HEAD(done);

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	spin_lock_irq(&p->lock);
	if (mcctrl_inflight(p, req.token) && !p->acked && !p->dead)
		o = ihk_os_phys_to_virt(p->os, req.token, sizeof(*o));
	if (o && READ_ONCE(o->state) == MCK_OFFLOAD_SENT && READ_ONCE(o->nr) == MCK_SYS_SHARED_RELEASE) {
		addr = READ_ONCE(o->args[0]);
		len = READ_ONCE(o->args[1]);
		seq = READ_ONCE(o->args[2]);
	}
	spin_unlock_irq(&p->lock);
	if (!len || ((addr | len) & ~PAGE_MASK) || addr + len < addr)
		return -EINVAL;
	if ((s64)(READ_ONCE(p->inval_done) - seq) < 0)
		mcctrl_uas_invalidate(p);
	down_write(&p->uas);
	if ((s64)(p->inval_done - seq) < 0 && p->mm) {
		up_write(&p->uas);
		return -EAGAIN;
	}
	/* Taken off the list while we work on them; p->uas keeps other releases out. */
	spin_lock_irq(&p->lock);
	list_for_each_entry_safe(pin, tmp, &p->pins, link)
		if (pin->addr < addr + len && pin->addr + ((u64)pin->n << PAGE_SHIFT) > addr)
			list_move(&pin->link, &done);
	spin_unlock_irq(&p->lock);
	list_for_each_entry_safe(pin, tmp, &done, link) {
		u64 end = pin->addr + ((u64)pin->n << PAGE_SHIFT);
		unsigned long from = (max(pin->addr, addr) - pin->addr) >> PAGE_SHIFT;
		unsigned long to = (min(end, addr + len) - pin->addr) >> PAGE_SHIFT;
		unsigned long i, gone = 0;
		bool keep;

		(void)mcctrl_pinned_count(p, pin, from, to, -1);
		for (i = from; i < to; i++) {
			if (pin->io && pin->io[i]) {
				pin->io[i] = 0;
				pin->released++;	/* nothing to unpin or uncharge */
			}
			if (!pin->pages[i])
				continue;
			unpin_user_pages_dirty_lock(&pin->pages[i], 1, pin->write);
			pin->pages[i] = NULL;
			gone++;
		}
		atomic64_sub(gone, &pin->mm->pinned_vm);
		pin->released += gone;
		spin_lock_irq(&p->lock);
		list_del(&pin->link);
		/* After mcctrl_unpin_all() nothing may stay on the list. */
		keep = pin->released < pin->n && !p->unpinned;
		if (keep)
			list_add(&pin->link, &p->pins);
		spin_unlock_irq(&p->lock);
		if (!keep)
			mcctrl_pin_free(pin, pin->write);
	}
	up_write(&p->uas);
	return 0;
}

bool mcctrl_pinned(struct mcctrl_proc *p, unsigned long pfn)
{
	return xa_load(&p->pinned, pfn) != NULL;
}

/* Context: process; the LWK no longer runs @p (exited, killed and reported, or stopped). */
void mcctrl_unpin_all(struct mcctrl_proc *p)
{
	struct mcctrl_pin *pin, *tmp;
	LIST_HEAD(todo);

	spin_lock_irq(&p->lock);
	list_splice_init(&p->pins, &todo);
	p->unpinned = true;
	spin_unlock_irq(&p->lock);
	list_for_each_entry_safe(pin, tmp, &todo, link) {
		/* Only pages the LWK could write: dirtying a read-only file's pages
		 * asks its filesystem to write back what it cannot (9p BUGs). */
		mcctrl_pin_free(pin, pin->write);
	}
	xa_destroy(&p->pinned);
}
