// SPDX-License-Identifier: GPL-2.0
/*
 * Shared file mappings of LWK programs: mcexec maps the file and asks us to pin
 * its pages; we give the LWK their physical addresses. The pages stay pinned
 * until the LWK no longer runs the process (its exit, or the instance stopping),
 * so the LWK can never touch a page Linux reused.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/io.h>
#include <linux/uaccess.h>

#include "mcctrl.h"

#define MCCTRL_PIN_MAX (1UL << 20)	/* pages per mapping (4 GiB) */

long mcctrl_pin(struct mcctrl_proc *p, void __user *arg)
{
	struct mcexec_pin req;
	struct mcctrl_pin *pin;
	u64 *list;
	unsigned long n, i;
	long got, ret = 0;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	n = req.len >> PAGE_SHIFT;
	if (!req.list_len || req.list_len > MCCTRL_PIN_MAX || n > req.list_len || (req.len & ~PAGE_MASK) ||
	    (req.addr & ~PAGE_MASK))
		return -EINVAL;
	list = ihk_os_phys_to_virt(p->os, req.list_phys, (u64)req.list_len * sizeof(u64));
	if (!list)
		return -EINVAL;
	pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	if (!pin)
		return -ENOMEM;
	pin->pages = kvcalloc(n ? n : 1, sizeof(*pin->pages), GFP_KERNEL);
	if (!pin->pages) {
		kfree(pin);
		return -ENOMEM;
	}
	got = n ? pin_user_pages_fast(req.addr, n, FOLL_LONGTERM | (req.write ? FOLL_WRITE : 0), pin->pages) : 0;
	if (got < 0 || (unsigned long)got != n) {
		if (got > 0)
			unpin_user_pages(pin->pages, got);
		kvfree(pin->pages);
		kfree(pin);
		return got < 0 ? got : -EFAULT;
	}
	pin->n = n;
	pin->write = req.write;
	for (i = 0; i < n && !ret; i++)
		ret = xa_err(xa_store(&p->pinned, page_to_pfn(pin->pages[i]), xa_mk_value(1), GFP_KERNEL));
	if (ret) {
		unpin_user_pages(pin->pages, n);
		kvfree(pin->pages);
		kfree(pin);
		return ret;
	}
	down_read(&p->uas);
	if (p->dead) {
		ret = -ENODEV;
	} else {
		for (i = 0; i < req.list_len; i++)
			WRITE_ONCE(list[i], i < n ? (u64)page_to_phys(pin->pages[i]) : 0);
	}
	up_read(&p->uas);
	spin_lock_irq(&p->lock);
	list_add(&pin->link, &p->pins);	/* even on -ENODEV: released with the rest */
	spin_unlock_irq(&p->lock);
	return ret;
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
	spin_unlock_irq(&p->lock);
	list_for_each_entry_safe(pin, tmp, &todo, link) {
		/* Only pages the LWK could write: dirtying a read-only file's pages
		 * asks its filesystem to write back what it cannot (9p BUGs). */
		unpin_user_pages_dirty_lock(pin->pages, pin->n, pin->write);
		kvfree(pin->pages);
		kfree(pin);
	}
	xa_destroy(&p->pinned);
}
