// SPDX-License-Identifier: GPL-2.0
/*
 * Device memory and I/O space for LWK programs: a MAP_SHARED mapping of a
 * device file whose driver maps frames, not pages (VM_IO/VM_PFNMAP, from
 * remap_pfn_range, io_remap_pfn_range or vmf_insert_pfn: a NIC's doorbells, a
 * PCI BAR through sysfs, a framebuffer). Linux cannot pin those, and there is
 * nothing to pin: we give the LWK each page's frame and the memory type Linux
 * maps it with here (uncached, write-combining, ...), so the program's stores
 * reach the device as they would from mcexec.
 *
 * Never RAM: a driver may map its own kernel pages this way and free them
 * when the mapping goes, and we could not hold them (RAM that drivers map as
 * pages is pinned by pin.c like any other). The device file stays open, so
 * its driver is not released, until the LWK lets go of every page. mcexec's
 * view maps those frames too (pin.c counts them in p->pinned), so offloaded
 * calls can read and write a buffer in device memory, as natively.
 */
#include <linux/file.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/version.h>
#include <asm/pgtable.h>

#include "mcctrl.h"

/*
 * The frame and protection Linux maps at @va of @vma, if present.
 * Context: mmap lock held.
 */
static int mcctrl_io_follow(struct vm_area_struct *vma, u64 va, unsigned long *pfn, pgprot_t *prot,
			    bool *writable)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	struct follow_pfnmap_args args = { .vma = vma, .address = va };

	if (follow_pfnmap_start(&args))
		return -ENOENT;
	*pfn = args.pfn;
	*prot = args.pgprot;
	*writable = args.writable;
	follow_pfnmap_end(&args);
	return 0;
#else
	spinlock_t *ptl;
	pte_t *ptep, pte;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	if (follow_pte(vma, va, &ptep, &ptl))
#else
	if (follow_pte(vma->vm_mm, va, &ptep, &ptl))
#endif
		return -ENOENT;
	pte = ptep_get(ptep);
	pte_unmap_unlock(ptep, ptl);
	*pfn = pte_pfn(pte);
	*prot = pte_pgprot(pte);
	*writable = pte_write(pte);
	return 0;
#endif
}

/* Linux's memory type for the caching bits of @prot, or -1 if none matches. */
static int mcctrl_io_cache_mode(pgprot_t prot)
{
	int mode;

	BUILD_BUG_ON(MCK_CACHE_WB != _PAGE_CACHE_MODE_WB || MCK_CACHE_WC != _PAGE_CACHE_MODE_WC ||
		     MCK_CACHE_UC_MINUS != _PAGE_CACHE_MODE_UC_MINUS || MCK_CACHE_UC != _PAGE_CACHE_MODE_UC ||
		     MCK_CACHE_WT != _PAGE_CACHE_MODE_WT || MCK_CACHE_WP != _PAGE_CACHE_MODE_WP);
	for (mode = MCK_CACHE_WB; mode <= MCK_CACHE_WP; mode++)
		if ((pgprot_val(prot) & _PAGE_CACHE_MASK) == cachemode2protval(mode))
			return mode;
	return -1;
}

bool mcctrl_io_vma(const struct vm_area_struct *vma)
{
	return vma->vm_flags & (VM_IO | VM_PFNMAP);
}

long mcctrl_io_range(struct vm_area_struct *vma, u64 addr, unsigned long n, bool write, u64 *io)
{
	unsigned long i, pfn;
	pgprot_t prot;
	bool writable;
	int mode;

	if (write && !(vma->vm_flags & VM_WRITE))
		return -EFAULT;
	for (i = 0; i < n; i++) {
		u64 va = addr + ((u64)i << PAGE_SHIFT);
		int err = mcctrl_io_follow(vma, va, &pfn, &prot, &writable);

		if (err || (write && !writable)) {
			/* Not faulted in yet (vmf_insert_pfn drivers): as a touch would. */
			if (fixup_user_fault(vma->vm_mm, va, write ? FAULT_FLAG_WRITE : 0, NULL))
				return -EFAULT;
			err = mcctrl_io_follow(vma, va, &pfn, &prot, &writable);
		}
		if (err || (write && !writable))
			return -EFAULT;
		mode = mcctrl_io_cache_mode(prot);
		if (mode < 0 || page_is_ram(pfn))
			return -EFAULT;
		io[i] = PFN_PHYS(pfn) | MCK_PIN_IO | ((u64)mode << MCK_PIN_CACHE_SHIFT);
	}
	return n;
}
