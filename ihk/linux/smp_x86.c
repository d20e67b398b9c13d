// SPDX-License-Identifier: GPL-2.0
/*
 * ihk-smp-x86.ko: the x86-64 architecture driver of IHK. It reports APIC ids,
 * starts an LWK's first CPU through the SIPI trampoline with page tables that
 * map the image (ihk/boot.h), stops LWK CPUs with INIT so Linux can take them
 * back, and sends the liveness probe.
 */
#include <linux/elf.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/apic.h>
#include <asm/smp.h>
#include <asm/tsc.h>

#include <ihk/driver.h>
#include "sipi.h"

#define PTE_PRESENT 0x1ull
#define PTE_WRITE 0x2ull
#define PTE_HUGE 0x80ull
#define SZ_2M_ULL (2ull << 20)

enum { PML4, PDPT_LOW, PD_LOW, PDPT_HIGH, PD_HIGH, NR_TABLES };

/* Per boot: the trampoline's page tables (below 4 GiB for the 32-bit CR3 load). */
struct smp_x86_boot {
	struct page *tables[NR_TABLES];
};

static u32 smp_x86_cpu_hw_id(unsigned int cpu)
{
	return per_cpu(x86_cpu_to_apicid, cpu);
}

static void smp_x86_free(struct smp_x86_boot *b)
{
	int i;

	for (i = 0; i < NR_TABLES; i++)
		if (b->tables[i])
			__free_page(b->tables[i]);
	kfree(b);
}

/* Identity-map the first GiB (the trampoline runs there) and map P at IHK_LWK_BASE. */
static int smp_x86_build_tables(struct smp_x86_boot *b, u64 phys_base)
{
	u64 *t[NR_TABLES];
	int i;

	for (i = 0; i < NR_TABLES; i++) {
		b->tables[i] = alloc_page(GFP_KERNEL | __GFP_DMA32 | __GFP_ZERO);
		if (!b->tables[i])
			return -ENOMEM;
		t[i] = page_address(b->tables[i]);
	}
#define TABLE(i) (page_to_phys(b->tables[i]) | PTE_PRESENT | PTE_WRITE)
	t[PML4][0] = TABLE(PDPT_LOW);
	t[PDPT_LOW][0] = TABLE(PD_LOW);
	for (i = 0; i < 512; i++)
		t[PD_LOW][i] = i * SZ_2M_ULL | PTE_PRESENT | PTE_WRITE | PTE_HUGE;
	t[PML4][(IHK_LWK_BASE >> 39) & 511] = TABLE(PDPT_HIGH);
	t[PDPT_HIGH][(IHK_LWK_BASE >> 30) & 511] = TABLE(PD_HIGH);
	for (i = 0; i < IHK_BOOT_MAP_SIZE / SZ_2M_ULL; i++)
		t[PD_HIGH][i] = (phys_base + i * SZ_2M_ULL) | PTE_PRESENT | PTE_WRITE | PTE_HUGE;
#undef TABLE
	return 0;
}

static int smp_x86_start(struct ihk_boot_param *bp, void **state)
{
	struct ihk_trampoline_data *d = smp_x86_sipi_data();
	struct smp_x86_boot *b;
	int ret;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	ret = smp_x86_build_tables(b, bp->phys_base);
	if (ret) {
		smp_x86_free(b);
		return ret;
	}
	bp->x2apic = x2apic_enabled();
	bp->tsc_khz = tsc_khz;
	bp->trampoline_phys = smp_x86_sipi_phys();

	d->cr3 = page_to_phys(b->tables[PML4]);
	d->stage = 0;
	d->entry = bp->entry;
	d->stack = IHK_LWK_BASE + IHK_BSP_STACK_TOP;
	d->boot_param = IHK_LWK_BASE;
	d->cpu_index = 0;
	wmb();	/* the trampoline data and boot block before the SIPI */
	smp_x86_send_init(bp->cpus[0].apic_id);
	smp_x86_send_startup(bp->cpus[0].apic_id, bp->trampoline_phys);
	*state = b;
	return 0;
}

static void smp_x86_stop(struct ihk_boot_param *bp, void *state)
{
	u32 i;

	/* INIT parks each CPU until the next SIPI, which add_cpu() will send. */
	for (i = 0; i < bp->num_cpus; i++)
		smp_x86_send_init(bp->cpus[i].apic_id);
	smp_x86_free(state);
}

static void smp_x86_ping(struct ihk_boot_param *bp, void *state, u32 index)
{
	smp_x86_send_fixed(bp->cpus[index].apic_id, IHK_LWK_PING_VECTOR);
}

static struct ihk_driver smp_x86_driver = {
	.name = "smp-x86",
	.owner = THIS_MODULE,
	.elf_machine = EM_X86_64,
	.cpu_hw_id = smp_x86_cpu_hw_id,
	.start = smp_x86_start,
	.stop = smp_x86_stop,
	.ping = smp_x86_ping,
};

static int __init smp_x86_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct ihk_boot_param) > IHK_BOOT_PARAM_SIZE);
	ret = smp_x86_sipi_init();
	if (ret)
		return ret;
	ret = ihk_register_driver(&smp_x86_driver);
	if (ret)
		goto err_sipi;
	return 0;

err_sipi:
	smp_x86_sipi_exit();
	return ret;
}

static void __exit smp_x86_exit(void)
{
	ihk_unregister_driver(&smp_x86_driver);
	smp_x86_sipi_exit();
}

module_init(smp_x86_init);
module_exit(smp_x86_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IHK x86-64 SMP driver: co-kernels on reserved cores of a running Linux");
