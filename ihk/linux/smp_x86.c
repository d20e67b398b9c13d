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
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/overflow.h>
#include <asm/apic.h>
#include <asm/hw_irq.h>
#include <asm/irqdomain.h>
#include <asm/smp.h>
#include <asm/tsc.h>

#include <ihk/driver.h>
#include <ihk/ikc.h>
#include "sipi.h"

#define PTE_PRESENT 0x1ull
#define PTE_WRITE 0x2ull
#define PTE_HUGE 0x80ull
#define SZ_2M_ULL (2ull << 20)

enum { PML4, PDPT_LOW, PD_LOW, PDPT_HIGH, PD_HIGH, NR_TABLES };

/* The IKC doorbell IRQ on one Linux CPU. */
struct smp_x86_irq {
	int virq;
	unsigned int cpu;
	void (*notify)(void *data);
	void *data;
};

/*
 * Per boot: the trampoline's page tables (below 4 GiB for the 32-bit CR3 load)
 * and one doorbell IRQ per Linux CPU the IKC map names.
 */
struct smp_x86_boot {
	struct page *tables[NR_TABLES];
	u32 nr_cpus;		/* copies taken before the LWK ran: it can write bp */
	u32 *apic_ids;
	u32 nr_irqs;
	struct smp_x86_irq irqs[];
};

static u32 smp_x86_cpu_hw_id(unsigned int cpu)
{
	return per_cpu(x86_cpu_to_apicid, cpu);
}

static irqreturn_t smp_x86_ikc_irq(int virq, void *dev)
{
	struct smp_x86_irq *irq = dev;

	irq->notify(irq->data);
	return IRQ_HANDLED;
}

/*
 * A real Linux IRQ on @cpu through the vector domain (exported API only), so the
 * LWK can interrupt Linux with a fixed IPI to (APIC id, vector).
 */
static int smp_x86_irq_setup(struct smp_x86_irq *irq, unsigned int cpu, u32 *vector)
{
	struct irq_alloc_info info = {};
	int virq, ret;

	info.mask = cpumask_of(cpu);
	virq = irq_domain_alloc_irqs(x86_vector_domain, 1, cpu_to_node(cpu), &info);
	if (virq < 0)
		return virq;
	irq_set_handler(virq, handle_edge_irq);
	ret = irq_set_affinity(virq, cpumask_of(cpu));
	if (!ret)
		ret = request_irq(virq, smp_x86_ikc_irq, IRQF_NOBALANCING, "ihk-ikc", irq);
	if (ret) {
		irq_dispose_mapping(virq);
		return ret;
	}
	irq->virq = virq;
	irq->cpu = cpu;
	*vector = irqd_cfg(irq_get_irq_data(virq))->vector;
	return 0;
}

static void smp_x86_free(struct smp_x86_boot *b)
{
	int i;

	for (i = 0; i < b->nr_irqs; i++) {
		free_irq(b->irqs[i].virq, &b->irqs[i]);
		irq_dispose_mapping(b->irqs[i].virq);
	}
	for (i = 0; i < NR_TABLES; i++)
		if (b->tables[i])
			__free_page(b->tables[i]);
	kfree(b->apic_ids);
	kfree(b);
}

/*
 * Identity-map the 2 MiB holding the SIPI page (the trampoline runs there) and map
 * the first extent, up to IHK_BOOT_MAP_SIZE, at IHK_LWK_BASE: nothing else.
 */
static int smp_x86_build_tables(struct smp_x86_boot *b, u64 phys_base, u64 extent_size)
{
	u64 sipi_2m = smp_x86_sipi_phys() & ~(SZ_2M_ULL - 1);
	u64 span = min_t(u64, extent_size, IHK_BOOT_MAP_SIZE);
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
	t[PD_LOW][sipi_2m / SZ_2M_ULL] = sipi_2m | PTE_PRESENT | PTE_WRITE | PTE_HUGE;
	t[PML4][(IHK_LWK_BASE >> 39) & 511] = TABLE(PDPT_HIGH);
	t[PDPT_HIGH][(IHK_LWK_BASE >> 30) & 511] = TABLE(PD_HIGH);
	for (i = 0; i < span / SZ_2M_ULL; i++)
		t[PD_HIGH][i] = (phys_base + i * SZ_2M_ULL) | PTE_PRESENT | PTE_WRITE | PTE_HUGE;
#undef TABLE
	return 0;
}

/* One doorbell IRQ per distinct IKC Linux CPU; record (APIC id, vector) per LWK CPU. */
static int smp_x86_ikc_setup(struct smp_x86_boot *b, struct ihk_boot_param *bp,
			     void (*notify)(void *data), void *data)
{
	u32 i, j, vector = 0;
	int ret;

	for (i = 0; i < bp->num_cpus; i++) {
		unsigned int cpu = bp->cpus[i].ikc_linux_cpu;

		for (j = 0; j < b->nr_irqs && b->irqs[j].cpu != cpu; j++)
			;
		if (j == b->nr_irqs) {
			b->irqs[j].notify = notify;
			b->irqs[j].data = data;
			ret = smp_x86_irq_setup(&b->irqs[j], cpu, &vector);
			if (ret) {
				pr_err("ihk-smp-x86: no IKC IRQ on CPU %u: %d\n", cpu, ret);
				return ret;
			}
			b->nr_irqs++;
		}
		bp->cpus[i].ikc_apic_id = per_cpu(x86_cpu_to_apicid, cpu);
		bp->cpus[i].ikc_vector = irqd_cfg(irq_get_irq_data(b->irqs[j].virq))->vector;
	}
	return 0;
}

/*
 * The LWK counts time in TSC ticks at bp->tsc_khz. Linux's tsc_khz comes from
 * a calibration of a few milliseconds at its boot, which on a loaded emulator
 * can be off by 0.1% (the LWK's clocks then drift a millisecond a second from
 * Linux's), and Linux's clock may not run on the TSC at all (another
 * clocksource, NTP's frequency correction). The rate against Linux's own
 * monotonic clock since this module loaded keeps the two in step; it is
 * measured on one CPU (TSCs may differ between CPUs where Linux found them
 * unsynchronised) and used once a second has passed, within 2% of tsc_khz.
 */
static u32 ref_cpu;
static u64 ref_sample[2];	/* TSC, ktime_get_ns() */

static void smp_x86_sample(void *out)
{
	u64 *s = out;

	s[0] = rdtsc_ordered();
	s[1] = ktime_get_ns();
}

static u32 smp_x86_tsc_khz(void)
{
	u64 now[2], ticks, ns, khz;

	if (!ref_sample[1] || smp_call_function_single(ref_cpu, smp_x86_sample, now, 1))
		return tsc_khz;
	ticks = now[0] - ref_sample[0];
	ns = now[1] - ref_sample[1];
	if (now[0] <= ref_sample[0] || ns < NSEC_PER_SEC)
		return tsc_khz;
	khz = mul_u64_u64_div_u64(ticks, USEC_PER_SEC, ns);
	if (khz < tsc_khz - tsc_khz / 50 || khz > tsc_khz + tsc_khz / 50)
		return tsc_khz;
	return (u32)khz;
}

static int smp_x86_start(struct ihk_boot_param *bp, void (*notify)(void *data), void *data,
			 void **state)
{
	struct ihk_trampoline_data *d = smp_x86_sipi_data();
	struct smp_x86_boot *b;
	int ret;

	u32 i;

	b = kzalloc(struct_size(b, irqs, bp->num_cpus), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->apic_ids = kcalloc(bp->num_cpus, sizeof(*b->apic_ids), GFP_KERNEL);
	if (!b->apic_ids) {
		smp_x86_free(b);
		return -ENOMEM;
	}
	b->nr_cpus = bp->num_cpus;
	for (i = 0; i < b->nr_cpus; i++)
		b->apic_ids[i] = bp->cpus[i].apic_id;
	ret = smp_x86_build_tables(b, bp->phys_base, bp->mem[0].size);
	if (!ret)
		ret = smp_x86_ikc_setup(b, bp, notify, data);
	if (ret) {
		smp_x86_free(b);
		return ret;
	}
	bp->x2apic = x2apic_enabled();
	bp->tsc_khz = smp_x86_tsc_khz();
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
	struct smp_x86_boot *b = state;
	u32 i;

	/* INIT parks each CPU until the next SIPI, which add_cpu() will send. */
	for (i = 0; i < b->nr_cpus; i++)
		smp_x86_send_init(b->apic_ids[i]);
	smp_x86_free(b);
}

static void smp_x86_ping(struct ihk_boot_param *bp, void *state, u32 index)
{
	struct smp_x86_boot *b = state;

	if (index < b->nr_cpus)
		smp_x86_send_fixed(b->apic_ids[index], IHK_LWK_PING_VECTOR);
}

static void smp_x86_kick(struct ihk_boot_param *bp, void *state, u32 index)
{
	struct smp_x86_boot *b = state;

	if (index < b->nr_cpus)
		smp_x86_send_fixed(b->apic_ids[index], IHK_LWK_IKC_VECTOR);
}

static u64 smp_x86_clock(u32 *khz)
{
	*khz = tsc_khz;
	return rdtsc_ordered();
}

static struct ihk_driver smp_x86_driver = {
	.name = "smp-x86",
	.owner = THIS_MODULE,
	.elf_machine = EM_X86_64,
	.cpu_hw_id = smp_x86_cpu_hw_id,
	.start = smp_x86_start,
	.stop = smp_x86_stop,
	.ping = smp_x86_ping,
	.kick = smp_x86_kick,
	.clock = smp_x86_clock,
};

static int __init smp_x86_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct ihk_boot_param) > IHK_BOOT_PARAM_SIZE);
	ref_cpu = cpumask_first(cpu_online_mask);
	if (smp_call_function_single(ref_cpu, smp_x86_sample, ref_sample, 1))
		ref_sample[1] = 0;
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
