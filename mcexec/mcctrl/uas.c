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
 * The mapping is one VMA that only mcctrl changes: mcexec (and so an
 * offloaded call the program makes) cannot split, move or re-protect it, so
 * every zap the LWK asks for covers exactly what it should (docs/security.md).
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/version.h>

#include "mcctrl.h"

#define PTE_PRESENT 1ull
#define PTE_WRITE 2ull
#define PTE_USER 4ull
#define PTE_HUGE 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull
#define PTE_ADDR_2M 0x000fffffffe00000ull

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
		if (level == 1 && (e & PTE_HUGE)) {
			*writable = all & PTE_WRITE;
			return (e & PTE_ADDR_2M) + (va & (SZ_2M - 1) & PAGE_MASK);
		}
		if (level > 1 && (e & PTE_HUGE))
			return 0;	/* the LWK maps no 1 GiB pages */
		table = e & PTE_ADDR;
	}
	*writable = all & PTE_WRITE;
	return e & PTE_ADDR;
}

/* A page mcexec may map: the LWK's own memory, or a Linux page we pinned for it. */
static bool mcctrl_mappable(struct mcctrl_proc *p, u64 pa)
{
	return pa && (ihk_os_phys_to_virt(p->os, pa, PAGE_SIZE) || mcctrl_pinned(p, pa >> PAGE_SHIFT));
}

static vm_fault_t mcctrl_uas_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mcctrl_proc *p = vma->vm_private_data;
	bool write = vmf->flags & FAULT_FLAG_WRITE, writable = false;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	pgprot_t prot;
	u64 pa;

	down_read(&p->uas);
	if (!p->dead) {
		pa = mcctrl_lookup(p, vmf->address, &writable);
		if (mcctrl_mappable(p, pa) && (writable || !write)) {
			/* Read faults map read-only; a later write comes through pfn_mkwrite. */
			prot = vm_get_page_prot((vma->vm_flags & ~VM_WRITE) | (write ? VM_WRITE : 0));
			ret = vmf_insert_pfn_prot(vma, vmf->address & PAGE_MASK, pa >> PAGE_SHIFT, prot);
		}
	}
	up_read(&p->uas);
	return ret;
}

/* A write to a page mapped read-only: allowed only where the program may write. */
static vm_fault_t mcctrl_uas_pfn_mkwrite(struct vm_fault *vmf)
{
	struct mcctrl_proc *p = vmf->vma->vm_private_data;
	bool writable = false;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	u64 pa;

	down_read(&p->uas);
	if (!p->dead) {
		pa = mcctrl_lookup(p, vmf->address, &writable);
		if (writable && mcctrl_mappable(p, pa) && pa >> PAGE_SHIFT == pte_pfn(vmf->orig_pte))
			ret = 0;
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

static const struct vm_operations_struct mcctrl_uas_ops = {
	.fault = mcctrl_uas_fault,
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
	 * Not in core dumps, not inherited, never merged or grown; no struct page
	 * semantics; never executable in mcexec.
	 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY);
	vm_flags_clear(vma, VM_EXEC | VM_MAYEXEC);
#else
	vma->vm_flags |= VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY;
	vma->vm_flags &= ~(VM_EXEC | VM_MAYEXEC);
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
	if (IS_ERR(vma)) {
		mcctrl_err("process %u: mcexec's view is not whole; its unmaps stay pending\n", p->pid);
		goto out;
	}
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
		/* Every piece of ours, whatever mcexec did to its address space. */
		for (vma = find_vma_intersection(mm, MCK_USER_START, MCK_USER_END);
		     vma && vma->vm_start < MCK_USER_END; vma = find_vma(mm, vma->vm_end))
			if (vma->vm_ops == &mcctrl_uas_ops && vma->vm_private_data == p)
				zap_vma_ptes(vma, vma->vm_start, vma->vm_end - vma->vm_start);
		up_write(&p->uas);
		mmap_read_unlock(mm);
		mmput(mm);
	} else {
		down_write(&p->uas);
		p->dead = true;
		up_write(&p->uas);
	}
}
