// SPDX-License-Identifier: GPL-2.0
/*
 * The LWK asks whether Linux still holds pages it withheld (MCK_IKC_HELD_CHECK,
 * mckernel/kernel/held.cpp): pages we reported held when mcexec's view let go
 * of them (uas.c), and which the LWK has freed since, so no view maps them and
 * their count can only fall. For each run of them that nobody but IHK holds any
 * more we answer HELD_FREE, and the LWK uses them again. In a work item: the
 * question arrives in hard IRQ context, and a run may be long.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "mcctrl.h"

struct mcctrl_held_check {
	struct work_struct work;
	struct ihk_os *os;	/* a reference of ours */
	u32 index;		/* the LWK CPU that asked: the answer goes to its ring */
	u64 phys, len, epoch;
};

static void mcctrl_held_answer(struct mcctrl_held_check *c, u64 phys, u64 len)
{
	struct ihk_ikc_msg m = { .type = MCK_IKC_HELD_FREE, .arg = { 0, phys, len, c->epoch } };

	/* A full ring or a stopped instance: the LWK asks again at its next process end. */
	if (len)
		ihk_os_ikc_send(c->os, c->index, &m);
}

static void mcctrl_held_check_work(struct work_struct *work)
{
	struct mcctrl_held_check *c = container_of(work, struct mcctrl_held_check, work);
	u64 pa, start = 0, run = 0;

	/* Only the running instance's own memory. */
	if (ihk_os_phys_to_virt(c->os, c->phys, c->len)) {
		for (pa = c->phys; pa < c->phys + c->len; pa += PAGE_SIZE) {
			if (!mcctrl_page_held(PHYS_PFN(pa))) {
				if (!run)
					start = pa;
				run += PAGE_SIZE;
				continue;
			}
			mcctrl_held_answer(c, start, run);
			run = 0;
			cond_resched();
		}
		mcctrl_held_answer(c, start, run);
	}
	ihk_os_put(c->os);
	kfree(c);
}

void mcctrl_held_check(struct ihk_os *os, u32 index, const struct ihk_ikc_msg *m)
{
	struct mcctrl_held_check *c;
	u64 phys = m->arg[1], len = m->arg[2];

	if (m->arg[0] || !len || len > (1ULL << 40) || ((phys | len) & ~PAGE_MASK) ||
	    phys + len < phys) {
		mcctrl_err("LWK CPU %u: malformed question about held pages ignored\n", index);
		return;
	}
	c = kmalloc(sizeof(*c), GFP_ATOMIC);
	if (!c)
		return;	/* the LWK asks again at its next process end */
	INIT_WORK(&c->work, mcctrl_held_check_work);
	ihk_os_get(os);
	c->os = os;
	c->index = index;
	c->phys = phys;
	c->len = len;
	c->epoch = m->arg[3];
	queue_work(mcctrl_wq, &c->work);
}
