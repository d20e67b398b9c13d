// SPDX-License-Identifier: GPL-2.0
/*
 * The unified address space: mcexec maps [MCK_USER_START, MCK_USER_END) from
 * its process file. A fault there walks the program's page tables in the LWK
 * (every table and page checked to lie in the instance's memory) and inserts
 * the page it finds, so a pointer the program passes to an offloaded call
 * means the same bytes in mcexec. Pages the LWK unmapped are zapped before
 * mcexec gets its next call; all of them when the program ends or the
 * instance stops.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>

#include "mcctrl.h"

#define PTE_PRESENT 1ull
#define PTE_HUGE 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull
#define PTE_ADDR_2M 0x000fffffffe00000ull

/* The physical address behind @va in the program, or 0. Context: p->uas held. */
static u64 mcctrl_lookup(struct mcctrl_proc *p, u64 va)
{
	u64 table = p->pml4_phys, e = 0;
	int level;

	for (level = 3; level >= 0; level--) {
		u64 *t = ihk_os_phys_to_virt(p->os, table, PAGE_SIZE);

		if (!t)
			return 0;
		e = READ_ONCE(t[(va >> (12 + 9 * level)) & 511]);
		if (!(e & PTE_PRESENT))
			return 0;
		if (level == 1 && (e & PTE_HUGE))
			return (e & PTE_ADDR_2M) + (va & (SZ_2M - 1) & PAGE_MASK);
		if (level > 1 && (e & PTE_HUGE))
			return 0;	/* the LWK maps no 1 GiB pages */
		table = e & PTE_ADDR;
	}
	return e & PTE_ADDR;
}

static vm_fault_t mcctrl_uas_fault(struct vm_fault *vmf)
{
	struct mcctrl_proc *p = vmf->vma->vm_private_data;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	u64 pa;

	down_read(&p->uas);
	if (!p->dead) {
		pa = mcctrl_lookup(p, vmf->address);
		/* The LWK's own memory, or a Linux page of a shared file mapping we pinned. */
		if (pa && (ihk_os_phys_to_virt(p->os, pa, PAGE_SIZE) || mcctrl_pinned(p, pa >> PAGE_SHIFT)))
			ret = vmf_insert_pfn(vmf->vma, vmf->address & PAGE_MASK, pa >> PAGE_SHIFT);
	}
	up_read(&p->uas);
	return ret;
}

static const struct vm_operations_struct mcctrl_uas_ops = {
	.fault = mcctrl_uas_fault,
};

int mcctrl_uas_mmap(struct mcctrl_proc *p, struct vm_area_struct *vma)
{
	if (vma->vm_start != MCK_USER_START || vma->vm_end != MCK_USER_END || vma->vm_pgoff ||
	    !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	down_write(&p->uas);
	if (p->mm || p->dead) {
		up_write(&p->uas);
		return -EBUSY;
	}
	p->mm = current->mm;
	mmgrab(p->mm);
	up_write(&p->uas);
	/* Not in core dumps, not inherited, never merged or grown; no struct page semantics. */
	vma->vm_flags |= VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY;
	vma->vm_ops = &mcctrl_uas_ops;
	vma->vm_private_data = p;
	return 0;
}

/* Our VMA in @mm, if it is still there. Context: mmap lock held. */
static struct vm_area_struct *mcctrl_uas_vma(struct mcctrl_proc *p, struct mm_struct *mm)
{
	struct vm_area_struct *vma = find_vma(mm, MCK_USER_START);

	if (vma && vma->vm_start == MCK_USER_START && vma->vm_private_data == p &&
	    vma->vm_ops == &mcctrl_uas_ops)
		return vma;
	return NULL;
}

static void mcctrl_zap(struct vm_area_struct *vma, u64 start, u64 len)
{
	u64 end;

	if (start < MCK_USER_START)
		start = MCK_USER_START;
	if (check_add_overflow(start, len, &end) || end > MCK_USER_END)
		end = MCK_USER_END;
	if (start < end)
		zap_vma_ptes(vma, start, end - start);
}

/*
 * Apply the LWK's queued unmaps to mcexec's view. Context: mcexec, process.
 * Serialized by p->uas, so inval_done only moves forward whichever of
 * mcexec's threads gets here first.
 */
void mcctrl_uas_invalidate(struct mcctrl_proc *p)
{
	struct mck_proc_shared *s = p->shared;
	struct vm_area_struct *vma;
	struct mm_struct *mm = current->mm;
	u64 seq, i;

	if (READ_ONCE(p->dead) || smp_load_acquire(&s->inval_seq) == READ_ONCE(p->inval_done))
		return;
	mmap_read_lock(mm);
	down_write(&p->uas);
	if (p->mm && p->mm != mm)
		goto out;	/* only mcexec's own threads can drop its view */
	seq = smp_load_acquire(&s->inval_seq);
	vma = p->dead || !p->mm ? NULL : mcctrl_uas_vma(p, mm);
	if (vma && seq - p->inval_done > MCK_INVAL_SLOTS) {
		mcctrl_zap(vma, MCK_USER_START, MCK_USER_END - MCK_USER_START);
	} else if (vma) {
		for (i = p->inval_done + 1; i <= seq; i++) {
			struct mck_inval *r = &s->inval[i % MCK_INVAL_SLOTS];

			mcctrl_zap(vma, READ_ONCE(r->start), READ_ONCE(r->len));
		}
	}
	WRITE_ONCE(p->inval_done, seq);
	if (!p->dead)
		smp_store_release(&s->inval_done, seq);
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
		p->dead = true;
		vma = mcctrl_uas_vma(p, mm);
		if (vma)
			mcctrl_zap(vma, MCK_USER_START, MCK_USER_END - MCK_USER_START);
		up_write(&p->uas);
		mmap_read_unlock(mm);
		mmput(mm);
	} else {
		down_write(&p->uas);
		p->dead = true;
		up_write(&p->uas);
	}
}
