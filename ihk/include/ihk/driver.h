/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between ihk.ko (architecture-neutral resource pool and OS
 * instances) and an architecture driver such as ihk-smp-x86.ko.
 */
#ifndef _IHK_DRIVER_H
#define _IHK_DRIVER_H

#include <linux/module.h>
#include <linux/types.h>

struct ihk_boot_param;

/**
 * struct ihk_driver - what an architecture driver provides.
 * @name:	short name, for logs.
 * @owner:	THIS_MODULE of the driver.
 * @elf_machine: e_machine of the images it boots (EM_X86_64).
 * @cpu_hw_id:	hardware id of a Linux CPU (x86: APIC id). Context: any.
 * @start:	fill the architecture fields of @bp (already in the instance's
 *		memory, image loaded), set up the IKC doorbell IRQ on every Linux
 *		CPU the IKC map names (it calls @notify(@data) in IRQ context),
 *		start bp->cpus[0]; *@state is the driver's until @stop. Does not
 *		wait for the LWK. Context: ihk_lock held.
 * @stop:	stop every CPU in @bp->cpus so Linux can take them back, and free
 *		@state. Context: ihk_lock held.
 * @ping:	send the liveness probe (IHK_LWK_PING_VECTOR) to bp->cpus[@index].
 * @kick:	ring the IKC doorbell (IHK_LWK_IKC_VECTOR) of bp->cpus[@index].
 * @clock:	the counter the LWK stamps its usage with (x86: the TSC) now, and
 *		its rate in kHz in *@khz. Context: any.
 */
struct ihk_driver {
	const char *name;
	struct module *owner;
	u16 elf_machine;
	u32 (*cpu_hw_id)(unsigned int cpu);
	int (*start)(struct ihk_boot_param *bp, void (*notify)(void *data), void *data,
		     void **state);
	void (*stop)(struct ihk_boot_param *bp, void *state);
	void (*ping)(struct ihk_boot_param *bp, void *state, u32 index);
	void (*kick)(struct ihk_boot_param *bp, void *state, u32 index);
	u64 (*clock)(u32 *khz);
};

/**
 * ihk_register_driver() - make @drv the architecture driver.
 * @drv: the driver; must stay valid until ihk_unregister_driver().
 *
 * Context: process; takes the IHK lock.
 * Return: 0, or -EBUSY if another driver is registered.
 */
int ihk_register_driver(struct ihk_driver *drv);

/**
 * ihk_unregister_driver() - detach @drv; destroys every OS instance first, so
 * their CPUs and memory return to the reserved pool.
 * @drv: the registered driver.
 *
 * Context: process; takes the IHK lock.
 */
void ihk_unregister_driver(struct ihk_driver *drv);

#endif /* _IHK_DRIVER_H */
