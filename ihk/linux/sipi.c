// SPDX-License-Identifier: GPL-2.0
/*
 * The SIPI page: a page of System RAM below 1 MiB that a woken CPU can execute
 * from in real mode. Since Linux 5.13 memblock keeps the first MiB for itself, so
 * no allocator hands one out. We take the lowest RAM page at or above 64 KiB
 * that is not Linux's own real-mode trampoline (recognised by its header), or
 * the page the admin names with sipi_page= (e.g. one kept free with
 * memmap=4K$0x9000 on the kernel command line). It is claimed in /proc/iomem,
 * its old contents are saved, and they are put back when the module unloads.
 * This is the one place that works around a missing export
 * (real_mode_header); see docs/boot-protocol.md.
 */
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/irqflags.h>
#include <linux/delay.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/apic.h>

#include "sipi.h"

static unsigned long sipi_page;
module_param(sipi_page, ulong, 0444);
MODULE_PARM_DESC(sipi_page, "Physical address of the page below 1 MiB for the SIPI trampoline (default: found automatically)");

extern const char ihk_trampoline_start[], ihk_trampoline_end[], ihk_trampoline_code64[];

#define SIPI_LOWEST 0x10000ul
#define SIPI_LIMIT 0x100000ul
#define LINUX_TRAMPOLINE_SPAN 0x10000ul

static struct resource sipi_res = {
	.name = "IHK SIPI trampoline",
	.flags = IORESOURCE_MEM | IORESOURCE_BUSY,
};
static void *sipi_saved;
static void *sipi_virt;

/* Linux's real_mode_header: text_start == page + 4 KiB, then rising addresses. */
static bool sipi_is_linux_trampoline(unsigned long q)
{
	const u32 *w = phys_to_virt(q);

	return w[0] == q + PAGE_SIZE && w[1] > w[0] && w[2] > w[0] &&
	       w[2] < q + LINUX_TRAMPOLINE_SPAN;
}

static bool sipi_page_usable(unsigned long p)
{
	unsigned long q;

	for (q = p > LINUX_TRAMPOLINE_SPAN ? p - LINUX_TRAMPOLINE_SPAN : 0; q <= p; q += PAGE_SIZE)
		if (sipi_is_linux_trampoline(q))
			return false;
	return true;
}

static int sipi_consider(struct resource *res, void *arg)
{
	unsigned long *found = arg;
	unsigned long p = max_t(unsigned long, ALIGN(res->start, PAGE_SIZE), SIPI_LOWEST);

	for (; p + PAGE_SIZE <= min_t(unsigned long, res->end + 1, SIPI_LIMIT); p += PAGE_SIZE) {
		if (sipi_page_usable(p)) {
			*found = p;
			return 1;	/* stop the walk */
		}
	}
	return 0;
}

static void sipi_install(unsigned long phys)
{
	struct ihk_trampoline_data *d;
	u32 gdt = phys + IHK_TRAMPOLINE_DATA + offsetof(struct ihk_trampoline_data, gdt);

	memcpy(sipi_virt, ihk_trampoline_start, ihk_trampoline_end - ihk_trampoline_start);
	d = sipi_virt + IHK_TRAMPOLINE_DATA;
	memset(d, 0, sizeof(*d));
	d->gdt[1] = 0x00af9a000000ffffull;	/* 64-bit code */
	d->gdt[2] = 0x00cf92000000ffffull;	/* data */
	d->gdt_limit = sizeof(d->gdt) - 1;
	d->gdt_base_lo = gdt & 0xffff;
	d->gdt_base_hi = gdt >> 16;
	d->far_offset = phys + (ihk_trampoline_code64 - ihk_trampoline_start);
	d->far_selector = 0x08;
}

/**
 * smp_x86_sipi_init() - find, claim and fill the SIPI page.
 *
 * Context: module init.
 * Return: 0, -ENODEV (no usable page), -EBUSY (page claimed by someone else).
 */
int smp_x86_sipi_init(void)
{
	unsigned long phys = sipi_page;
	int ret;

	BUILD_BUG_ON(sizeof(struct ihk_trampoline_data) != 0x50);
	if (!phys)
		walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM, 0, SIPI_LIMIT - 1,
				    &phys, sipi_consider);
	if (!phys || phys >= SIPI_LIMIT || (phys & ~PAGE_MASK)) {
		pr_err("ihk-smp-x86: no usable page below 1 MiB for the SIPI trampoline (sipi_page=0x%lx)\n",
		       phys);
		return -ENODEV;
	}
	if (ihk_trampoline_end - ihk_trampoline_start > IHK_TRAMPOLINE_DATA)
		return -EINVAL;
	sipi_res.start = phys;
	sipi_res.end = phys + PAGE_SIZE - 1;
	ret = insert_resource(&iomem_resource, &sipi_res);
	if (ret) {
		pr_err("ihk-smp-x86: page 0x%lx is in use: %d\n", phys, ret);
		return ret;
	}
	sipi_virt = phys_to_virt(phys);
	sipi_saved = kmemdup(sipi_virt, PAGE_SIZE, GFP_KERNEL);
	if (!sipi_saved) {
		remove_resource(&sipi_res);
		return -ENOMEM;
	}
	sipi_install(phys);
	pr_info("ihk-smp-x86: SIPI trampoline at 0x%lx\n", phys);
	return 0;
}

void smp_x86_sipi_exit(void)
{
	memcpy(sipi_virt, sipi_saved, PAGE_SIZE);
	kfree(sipi_saved);
	remove_resource(&sipi_res);
}

u64 smp_x86_sipi_phys(void)
{
	return sipi_res.start;
}

struct ihk_trampoline_data *smp_x86_sipi_data(void)
{
	return sipi_virt + IHK_TRAMPOLINE_DATA;
}

/* Physical destination mode with the APIC id works in xAPIC and x2APIC mode. */
static void smp_x86_icr(u32 apic_id, u32 low)
{
	unsigned long flags;

	local_irq_save(flags);
	apic->safe_wait_icr_idle();
	apic->icr_write(low, apic_id);
	apic->safe_wait_icr_idle();
	local_irq_restore(flags);
}

void smp_x86_send_init(u32 apic_id)
{
	smp_x86_icr(apic_id, APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT);
	mdelay(10);
	smp_x86_icr(apic_id, APIC_INT_LEVELTRIG | APIC_DM_INIT);
}

void smp_x86_send_startup(u32 apic_id, u64 page)
{
	int i;

	for (i = 0; i < 2; i++) {
		smp_x86_icr(apic_id, APIC_DM_STARTUP | (page >> PAGE_SHIFT));
		udelay(200);
	}
}

void smp_x86_send_fixed(u32 apic_id, u8 vector)
{
	smp_x86_icr(apic_id, APIC_DM_FIXED | vector);
}
