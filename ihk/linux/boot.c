// SPDX-License-Identifier: GPL-2.0
/*
 * The architecture-neutral half of an OS instance's lifecycle: validating and
 * keeping the LWK image, laying out the boot area (ihk/boot.h) in the instance's
 * memory, waiting a bounded time for RUNNING, the liveness probe behind
 * PANIC/HUNGUP, shutdown, and the kernel message log. The architecture driver
 * starts and stops the CPUs.
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/elf.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/uaccess.h>

#include "ihk_internal.h"

static unsigned int boot_timeout_ms = 30000;
module_param(boot_timeout_ms, uint, 0644);
MODULE_PARM_DESC(boot_timeout_ms, "How long boot waits for the LWK to report RUNNING (default 30000)");
static unsigned int hungup_timeout_ms = 2000;
module_param(hungup_timeout_ms, uint, 0644);
MODULE_PARM_DESC(hungup_timeout_ms,
		 "How long an LWK CPU may leave the liveness probe unanswered before HUNGUP (default 2000)");

/* Room the LWK needs in its first extent beyond the image: tables, bitmaps, stacks. */
#define IHK_BOOT_SLACK (8ull << 20)

static int ihk_image_check(const void *img, size_t size, u64 *end, struct ihk_err *err)
{
	const struct elf64_hdr *eh = img;
	const struct elf64_phdr *ph;
	bool entry_ok = false;
	size_t ph_bytes, ph_end;
	u64 seg_end;
	int i, loads = 0;

	*end = 0;
	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return ihk_fail(err, 0, IHK_ERR_IMAGE_FORMAT, -ENOEXEC);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != ihk_driver->elf_machine)
		return ihk_fail(err, 0, IHK_ERR_IMAGE_ARCH, -ENOEXEC);
	if (eh->e_type != ET_EXEC || eh->e_phentsize != sizeof(*ph) || !eh->e_phnum ||
	    check_mul_overflow((size_t)eh->e_phnum, sizeof(*ph), &ph_bytes) ||
	    check_add_overflow((size_t)eh->e_phoff, ph_bytes, &ph_end) || ph_end > size)
		return ihk_fail(err, 0, IHK_ERR_IMAGE_FORMAT, -ENOEXEC);
	ph = img + eh->e_phoff;
	for (i = 0; i < eh->e_phnum; i++, ph++) {
		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_filesz > ph->p_memsz || ph->p_offset > size ||
		    ph->p_filesz > size - ph->p_offset)
			return ihk_fail(err, 0, IHK_ERR_IMAGE_FORMAT, -ENOEXEC);
		if (ph->p_paddr < IHK_IMAGE_OFFSET ||
		    check_add_overflow(ph->p_paddr, ph->p_memsz, &seg_end) ||
		    seg_end > IHK_BOOT_MAP_SIZE || ph->p_vaddr != IHK_LWK_BASE + ph->p_paddr)
			return ihk_fail(err, 0, IHK_ERR_IMAGE_LAYOUT, -ENOEXEC);
		if ((ph->p_flags & PF_X) && eh->e_entry >= ph->p_vaddr &&
		    eh->e_entry < ph->p_vaddr + ph->p_memsz)
			entry_ok = true;
		*end = max(*end, seg_end);
		loads++;
	}
	if (!loads || !entry_ok)
		return ihk_fail(err, 0, IHK_ERR_IMAGE_LAYOUT, -ENOEXEC);
	return 0;
}

/**
 * ihk_os_load() - validate an LWK image from user space and keep it for boot.
 * @os: the instance (INACTIVE).
 * @ubuf: user address of the ELF file's bytes.
 * @size: their number.
 * @err: why it was refused.
 *
 * Context: ihk_lock held.
 * Return: 0 or -errno (see IHK_OS_LOAD).
 */
int ihk_os_load(struct ihk_os *os, u64 ubuf, u64 size, struct ihk_err *err)
{
	void *img;
	u64 end;
	int ret;

	if (!size || size > IHK_IMAGE_MAX) {
		ihk_err("image of %llu bytes; at most %u\n", size, IHK_IMAGE_MAX);
		return ihk_fail(err, 0, size ? IHK_ERR_IMAGE_SIZE : IHK_ERR_IMAGE_FORMAT,
				size ? -E2BIG : -ENOEXEC);
	}
	img = kvmalloc(size, GFP_KERNEL);
	if (!img)
		return -ENOMEM;
	if (copy_from_user(img, u64_to_user_ptr(ubuf), size)) {
		kvfree(img);
		return -EFAULT;
	}
	ret = ihk_image_check(img, size, &end, err);
	if (ret) {
		ihk_err("OS %d: the image is not a valid %s LWK image\n", os->index, ihk_driver->name);
		kvfree(img);
		return ret;
	}
	kvfree(os->image);
	os->image = img;
	os->image_size = size;
	pr_info("ihk: OS %d: image of %llu bytes loaded\n", os->index, size);
	return 0;
}

/* Copy the PT_LOAD segments to P + p_paddr and clear their tails. */
static u64 ihk_image_copy(const void *img, u64 phys_base)
{
	const struct elf64_hdr *eh = img;
	const struct elf64_phdr *ph = img + eh->e_phoff;
	u64 end = 0;
	int i;

	for (i = 0; i < eh->e_phnum; i++, ph++) {
		char *dst;

		if (ph->p_type != PT_LOAD)
			continue;
		dst = phys_to_virt(phys_base + ph->p_paddr);
		memcpy(dst, img + ph->p_offset, ph->p_filesz);
		memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
		end = max(end, ph->p_paddr + ph->p_memsz);
	}
	return phys_base + end;
}

/* Linux CPU that serves @lwk_cpu's offload: the IKC map, else one near it. */
static u32 ihk_ikc_target(struct ihk_os *os, u32 lwk_cpu)
{
	unsigned int cpu;
	u32 i;

	for (i = 0; i < os->num_ikc; i++)
		if (os->ikc[i].lwk_cpu == lwk_cpu)
			return os->ikc[i].linux_cpu;
	for_each_online_cpu(cpu)
		if (!ihk_cpu_is_reserved(cpu) && cpu_to_node(cpu) == cpu_to_node(lwk_cpu))
			return cpu;
	for_each_online_cpu(cpu)
		if (!ihk_cpu_is_reserved(cpu))
			return cpu;
	return 0;
}

static int ihk_boot_layout(struct ihk_os *os, struct ihk_boot_param **out, struct ihk_err *err)
{
	const struct elf64_hdr *eh = os->image;
	struct ihk_boot_param *bp;
	struct ihk_boot_mem *mem;
	struct ihk_kmsg *kmsg;
	u32 *cpus, n_cpus, i;
	int n_mem, ret = 0;
	u64 image_end;

	cpus = kcalloc(IHK_BOOT_MAX_CPUS + 1, sizeof(*cpus), GFP_KERNEL);
	mem = kcalloc(IHK_BOOT_MAX_MEM + 1, sizeof(*mem), GFP_KERNEL);
	if (!cpus || !mem) {
		ret = -ENOMEM;
		goto out;
	}
	n_cpus = ihk_cpu_boot_list(os, cpus, IHK_BOOT_MAX_CPUS + 1);
	n_mem = ihk_mem_boot_extents(os, mem, IHK_BOOT_MAX_MEM + 1);
	if (!n_cpus) {
		ret = ihk_fail(err, 0, IHK_ERR_BOOT_NO_CPU, -EINVAL);
		goto out;
	}
	if (!n_mem) {
		ret = ihk_fail(err, 0, IHK_ERR_BOOT_NO_MEM, -EINVAL);
		goto out;
	}
	if (n_cpus > IHK_BOOT_MAX_CPUS || n_mem > IHK_BOOT_MAX_MEM) {
		ret = ihk_fail(err, 0, IHK_ERR_BOOT_TOO_MANY, -E2BIG);
		goto out;
	}
	/* mem[0], the largest extent, holds the boot area and the image. */
	for (i = 1; i < n_mem; i++)
		if (mem[i].size > mem[0].size)
			swap(mem[0], mem[i]);
	ihk_image_check(os->image, os->image_size, &image_end, err);
	if (mem[0].size < round_up(image_end, IHK_MEM_GRANULE) + IHK_BOOT_SLACK) {
		ihk_err("OS %d: the largest memory extent (%llu MiB) is too small for the image\n",
			os->index, mem[0].size >> 20);
		ret = ihk_fail(err, 0, IHK_ERR_BOOT_NO_MEM, -ENOMEM);
		goto out;
	}

	bp = phys_to_virt(mem[0].phys);
	memset(bp, 0, IHK_IMAGE_OFFSET);
	bp->magic = IHK_BOOT_MAGIC;
	bp->version = IHK_BOOT_VERSION;
	bp->size = sizeof(*bp);
	bp->num_cpus = n_cpus;
	os->nr_lwk_cpus = n_cpus;
	for (i = 0; i < n_cpus; i++) {
		bp->cpus[i].linux_cpu = cpus[i];
		bp->cpus[i].apic_id = ihk_driver->cpu_hw_id(cpus[i]);
		bp->cpus[i].numa_node = cpu_to_node(cpus[i]);
		bp->cpus[i].ikc_linux_cpu = ihk_ikc_target(os, cpus[i]);
	}
	bp->num_mem = n_mem;
	memcpy(bp->mem, mem, n_mem * sizeof(*mem));
	strscpy(bp->kargs, os->kargs ? os->kargs : "", sizeof(bp->kargs));
	bp->phys_base = mem[0].phys;
	bp->image_end = ihk_image_copy(os->image, mem[0].phys);
	bp->entry = eh->e_entry;
	bp->kmsg_phys = mem[0].phys + IHK_KMSG_OFFSET;
	bp->kmsg_size = IHK_KMSG_SIZE;
	bp->status = IHK_LWK_BOOTING;
	kmsg = phys_to_virt(bp->kmsg_phys);
	kmsg->head = 0;
	kmsg->size = IHK_KMSG_SIZE;
	*out = bp;
out:
	kfree(cpus);
	kfree(mem);
	return ret;
}

/**
 * ihk_os_boot() - start the LWK and wait, bounded, until it reports RUNNING.
 * @os: the instance (INACTIVE, with CPUs, memory and an image).
 * @timeout_ms: how long to wait; 0 for the boot_timeout_ms parameter.
 * @err: why it failed.
 *
 * On any failure after the CPUs started they are stopped again, and the log
 * stays readable.
 *
 * Context: ihk_lock held; dropped while waiting for the LWK; sleeps.
 * Return: 0 or -errno (see IHK_OS_BOOT).
 */
int ihk_os_boot(struct ihk_os *os, u32 timeout_ms, struct ihk_err *err)
{
	struct ihk_boot_param *bp = NULL;
	unsigned long deadline;
	void *state = NULL;
	u32 lwk;
	int ret;

	if (!os->image)
		return ihk_fail(err, 0, IHK_ERR_BOOT_NO_IMAGE, -EINVAL);
	ret = ihk_boot_layout(os, &bp, err);
	if (ret)
		return ret;
	os->bp = bp;
	os->kmsg = phys_to_virt(bp->kmsg_phys);
	os->kmsg_clear = 0;
	ret = ihk_driver->start(bp, ihk_ikc_notify, os->chan, &state);
	if (ret) {
		ihk_err("OS %d: the driver could not start CPU %u: %d\n", os->index,
			bp->cpus[0].linux_cpu, ret);
		return ret;
	}
	os->drv_state = state;
	os->status = IHK_OS_STATUS_BOOTING;
	deadline = jiffies + msecs_to_jiffies(timeout_ms ? timeout_ms : boot_timeout_ms);
	for (;;) {
		lwk = smp_load_acquire(&bp->status);
		if (lwk == IHK_LWK_RUNNING) {
			ret = ihk_ikc_attach(os);
			if (ret)
				break;
			os->status = IHK_OS_STATUS_RUNNING;
			pr_info("ihk: OS %d is RUNNING on %u CPU(s)\n", os->index, os->nr_lwk_cpus);
			return 0;
		}
		if (lwk == IHK_LWK_PANIC) {
			ret = ihk_fail(err, 0, IHK_ERR_BOOT_PANIC, -EIO);
			break;
		}
		if (time_after(jiffies, deadline)) {
			ret = ihk_fail(err, 0, IHK_ERR_BOOT_TIMEOUT, -ETIMEDOUT);
			break;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		/*
		 * Let everyone else in while we wait: they see BOOTING and cannot
		 * change this instance, and a destroy stops its CPUs itself. Our
		 * open file keeps @os alive.
		 */
		mutex_unlock(&ihk_lock);
		msleep(5);
		mutex_lock(&ihk_lock);
		if (os->dead)
			return -ENODEV;
	}
	ihk_err("OS %d failed to boot (%d); see its kmsg\n", os->index, ret);
	ihk_os_stop(os);
	os->status = lwk == IHK_LWK_PANIC ? IHK_OS_STATUS_PANIC : IHK_OS_STATUS_SHUTDOWN;
	return ret;
}

/**
 * ihk_os_stop() - stop the LWK's CPUs if they run; safe to call again.
 * @os: the instance.
 *
 * Context: ihk_lock held.
 */
void ihk_os_stop(struct ihk_os *os)
{
	if (!os->drv_state)
		return;
	/* mcctrl lets go of the LWK's memory while it is still there. */
	ihk_user_os_stopping(os);
	ihk_ikc_detach(os);
	WRITE_ONCE(os->bp->shutdown, 1);
	ihk_driver->stop(os->bp, os->drv_state);	/* frees the IRQs: no more notify */
	os->drv_state = NULL;
}

/**
 * ihk_os_shutdown() - stop a booted instance; its resources stay assigned.
 * @os: the instance.
 * @err: why it was refused.
 *
 * Context: ihk_lock held.
 * Return: 0, or -EINVAL if nothing was booted or it is already shut down.
 */
int ihk_os_shutdown(struct ihk_os *os, struct ihk_err *err)
{
	if (os->status != IHK_OS_STATUS_RUNNING && os->status != IHK_OS_STATUS_PANIC &&
	    os->status != IHK_OS_STATUS_HUNGUP)
		return ihk_fail(err, 0, IHK_ERR_NOT_RUNNING, -EINVAL);
	ihk_os_stop(os);
	os->status = IHK_OS_STATUS_SHUTDOWN;
	pr_info("ihk: OS %d shut down\n", os->index);
	return 0;
}

/*
 * The liveness check, from memory first: each LWK CPU publishes its state and
 * a counter of kernel entries (ihk/boot.h). A CPU idle or in user mode is
 * alive, and one in the kernel whose state or counter moves is too; neither
 * is interrupted. Only a CPU seen in the kernel, unchanged for
 * IHK_PROBE_AFTER_MS, gets a probe interrupt (the handler bumps its counter;
 * it is in the kernel anyway, so this costs no compute time); one that still
 * does not move by the end of the threshold is stuck with interrupts off.
 */
#define IHK_PROBE_AFTER_MS 10
static bool ihk_os_responds(struct ihk_os *os)
{
	struct ihk_boot_param *bp = os->bp;
	u32 i, pending, n = os->nr_lwk_cpus;
	unsigned long probe_at, deadline;
	bool probed = false;
	u64 *seen;

	seen = kcalloc(n, sizeof(*seen), GFP_KERNEL);
	if (!seen)
		return true;	/* no verdict without memory; do not claim a hang */
	for (i = 0; i < n; i++)
		seen[i] = READ_ONCE(bp->progress[i]);
	probe_at = jiffies + msecs_to_jiffies(IHK_PROBE_AFTER_MS);
	deadline = jiffies + msecs_to_jiffies(hungup_timeout_ms);
	for (;;) {
		pending = 0;
		for (i = 0; i < n; i++) {
			if (seen[i] == U64_MAX)
				continue;
			if (READ_ONCE(bp->cpu_state[i]) != IHK_LWK_CPU_KERNEL ||
			    READ_ONCE(bp->progress[i]) != seen[i])
				seen[i] = U64_MAX;	/* alive */
			else
				pending++;
		}
		if (!pending || time_after(jiffies, deadline))
			break;
		if (!probed && time_after(jiffies, probe_at)) {
			for (i = 0; i < n; i++)
				if (seen[i] != U64_MAX)
					ihk_driver->ping(bp, os->drv_state, i);
			probed = true;
		}
		/* Others may use IHK while we wait; if this instance changed, no verdict. */
		mutex_unlock(&ihk_lock);
		usleep_range(200, 500);
		mutex_lock(&ihk_lock);
		if (os->dead || os->status != IHK_OS_STATUS_RUNNING) {
			kfree(seen);
			return true;
		}
	}
	for (i = 0; pending && i < n; i++)
		if (seen[i] != U64_MAX)
			ihk_err("OS %d: its CPU index %u does not respond: HUNGUP\n", os->index, i);
	kfree(seen);
	return !pending;
}

/**
 * ihk_os_live_status() - the instance's status, checking a running LWK.
 * @os: the instance.
 *
 * PANIC and HUNGUP are sticky until shutdown; PANIC replaces HUNGUP.
 *
 * Context: ihk_lock held; dropped while waiting for the probe's answers (up to
 * hungup_timeout_ms).
 * Return: enum ihk_os_status.
 */
u32 ihk_os_live_status(struct ihk_os *os)
{
	if (os->status != IHK_OS_STATUS_RUNNING && os->status != IHK_OS_STATUS_HUNGUP)
		return os->status;
	/* A panic explains a hang: the panicking CPU stops with interrupts off. */
	if (smp_load_acquire(&os->bp->status) == IHK_LWK_PANIC)
		os->status = IHK_OS_STATUS_PANIC;
	else if (os->status == IHK_OS_STATUS_RUNNING && !ihk_os_responds(os))
		os->status = IHK_OS_STATUS_HUNGUP;
	return os->status;
}

/**
 * ihk_os_read_kmsg() - copy the log since the last clear into @buf.
 * @os: the instance.
 * @buf: kernel buffer.
 * @size: its size; the newest bytes win if the log is longer.
 *
 * Context: ihk_lock held.
 * Return: bytes copied.
 */
long ihk_os_read_kmsg(struct ihk_os *os, char *buf, u32 size)
{
	struct ihk_kmsg *k = os->kmsg;
	u64 head, start, i, now, lost;

	if (!k)
		return 0;
	/* The ring's size is ours (IHK_KMSG_SIZE), never the LWK-writable field. */
	head = smp_load_acquire(&k->head);
	start = max(os->kmsg_clear, head > IHK_KMSG_SIZE ? head - IHK_KMSG_SIZE : 0);
	if (start > head)
		start = head;	/* the LWK moved head backwards: show nothing */
	if (head - start > size)
		start = head - size;
	for (i = start; i < head; i++)
		buf[i - start] = k->data[i & (IHK_KMSG_SIZE - 1)];
	/* Bytes the LWK overwrote while we copied are dropped from the front. */
	now = smp_load_acquire(&k->head);
	lost = now > start + IHK_KMSG_SIZE ? min(now - start - IHK_KMSG_SIZE, head - start) : 0;
	if (lost)
		memmove(buf, buf + lost, head - start - lost);
	return head - start - lost;
}

static u64 ihk_tsc_ns(u64 ticks, u32 khz)
{
	return khz ? mul_u64_u32_div(ticks, 1000000, khz) : 0;
}

/**
 * ihk_os_read_rusage() - what the LWK counted since boot (struct ihk_lwk_rusage).
 * @os: the instance.
 * @out: filled but for @out->cpus and @out->capacity.
 * @cpus: room for @n CPUs; the first min(@n, CPUs) are filled.
 *
 * Every number comes from memory the LWK writes while we read: each is taken
 * as it is, bounded where it indexes anything. While the instance runs, a
 * CPU's current state counts up to now; once it stopped, up to its last change.
 *
 * Context: ihk_lock held.
 * Return: 0, or -EINVAL when the instance has no boot block.
 */
int ihk_os_read_rusage(struct ihk_os *os, struct ihk_os_rusage *out, struct ihk_os_rusage_cpu *cpus, u32 n)
{
	struct ihk_boot_param *bp = os->bp;
	struct ihk_lwk_rusage *u;
	u64 now, boot, last = 0, free, free_min, total;
	bool running;
	u32 khz, i;

	if (!bp)
		return -EINVAL;
	u = &bp->rusage;
	/* Stopped (shut down, or the LWK says it panicked): no state goes on. */
	running = (os->status == IHK_OS_STATUS_BOOTING || os->status == IHK_OS_STATUS_RUNNING ||
		   os->status == IHK_OS_STATUS_HUNGUP) && READ_ONCE(bp->status) != IHK_LWK_PANIC;
	now = ihk_driver->clock(&khz);
	boot = READ_ONCE(u->boot_tsc);
	out->num_cpus = os->nr_lwk_cpus;
	for (i = 0; i < os->nr_lwk_cpus; i++) {
		struct ihk_lwk_cpu_time *t = &u->cpu[i];
		u64 since = READ_ONCE(t->since), acc[3];
		u32 state = READ_ONCE(bp->cpu_state[i]), s;

		for (s = 0; s < 3; s++)
			acc[s] = READ_ONCE(t->tsc[s]);
		last = max(last, since);
		if (running && state < 3 && since && now > since)
			acc[state] += now - since;
		if (i >= n)
			continue;
		cpus[i].linux_cpu = bp->cpus[i].linux_cpu;
		cpus[i].state = state;
		cpus[i].kernel_ns = ihk_tsc_ns(acc[IHK_LWK_CPU_KERNEL], khz);
		cpus[i].idle_ns = ihk_tsc_ns(acc[IHK_LWK_CPU_IDLE], khz);
		cpus[i].user_ns = ihk_tsc_ns(acc[IHK_LWK_CPU_USER], khz);
		cpus[i].kernel_entries = READ_ONCE(bp->progress[i]);
		cpus[i].syscalls = READ_ONCE(t->syscalls);
		cpus[i].exceptions = READ_ONCE(t->exceptions);
		cpus[i].interrupts = READ_ONCE(t->interrupts);
	}
	if (!running)
		now = last;
	out->uptime_ns = boot && now > boot ? ihk_tsc_ns(now - boot, khz) : 0;
	total = READ_ONCE(u->mem_total);
	free = min(READ_ONCE(u->mem_free), total);
	free_min = min(READ_ONCE(u->mem_free_min), free);
	out->mem_total = total;
	out->mem_used = total - free;
	out->mem_peak = total - free_min;
	out->processes = READ_ONCE(u->processes);
	out->processes_peak = READ_ONCE(u->processes_peak);
	out->threads = READ_ONCE(u->threads);
	out->threads_peak = READ_ONCE(u->threads_peak);
	out->processes_started = READ_ONCE(u->processes_started);
	out->offloads = READ_ONCE(u->offloads);
	out->page_faults = READ_ONCE(u->page_faults);
	out->page_tables = READ_ONCE(u->page_table_bytes);
	out->page_tables_peak = max(READ_ONCE(u->page_table_peak), out->page_tables);
	return 0;
}

void ihk_os_clear_kmsg(struct ihk_os *os)
{
	if (os->kmsg)
		os->kmsg_clear = READ_ONCE(os->kmsg->head);
}

void ihk_os_free_boot(struct ihk_os *os)
{
	kvfree(os->image);
	os->image = NULL;
}
