/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What ihk.ko offers the module that runs programs on an instance (mcctrl.ko):
 * its ioctls on /dev/mcosN, the IKC messages the LWK sends, a call before an
 * instance stops, and IKC sending and address checks. See docs/mcexec.md.
 */
#ifndef _IHK_USER_H
#define _IHK_USER_H

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/types.h>
#include <ihk/ikc.h>

struct ihk_os;

/**
 * struct ihk_user_ops - the callbacks of the user module.
 * @owner:	its THIS_MODULE; held while @ioctl runs.
 * @ioc_magic:	ioctls of this _IOC_TYPE on /dev/mcosN go to @ioctl.
 * @ioctl:	an ioctl on /dev/mcosN; the open file holds @os. Context: process.
 * @ikc_recv:	a message from LWK CPU @index that IHK does not handle itself.
 *		Context: hard IRQ, or process with interrupts off; must not sleep.
 * @os_stopping: the LWK of @os is about to stop; its memory is still there
 *		and returns to Linux right after this returns, so nothing may
 *		map or read it afterwards. Context: process, ihk_lock held.
 */
struct ihk_user_ops {
	struct module *owner;
	unsigned int ioc_magic;
	long (*ioctl)(struct ihk_os *os, struct file *file, unsigned int cmd, unsigned long arg);
	void (*ikc_recv)(struct ihk_os *os, u32 index, const struct ihk_ikc_msg *m);
	void (*os_stopping)(struct ihk_os *os);
};

int ihk_register_user_ops(const struct ihk_user_ops *ops);	/* -EBUSY if taken */
void ihk_unregister_user_ops(const struct ihk_user_ops *ops);

void ihk_os_get(struct ihk_os *os);
void ihk_os_put(struct ihk_os *os);
int ihk_os_index(struct ihk_os *os);
/* RUNNING as far as Linux knows, and the LWK has not reported a panic. */
bool ihk_os_running(struct ihk_os *os);
u32 ihk_os_nr_cpus(struct ihk_os *os);
/* The booted LWK's ihk_boot_param.user_abi; 0 if none is booted. */
u32 ihk_os_user_abi(struct ihk_os *os);
/* Queue @m to LWK CPU @index and ring its doorbell. -EBUSY: ring full; -ENODEV: not running. */
int ihk_os_ikc_send(struct ihk_os *os, u32 index, const struct ihk_ikc_msg *m);
/* Ring LWK CPU @index's doorbell. */
void ihk_os_kick(struct ihk_os *os, u32 index);
/* Drain the rings from Linux's side, in case a doorbell was lost. */
void ihk_os_ikc_poll(struct ihk_os *os);
/* The same for LWK CPUs [@first, @first + @count) only: what a spinning waiter polls. */
void ihk_os_ikc_poll_cpus(struct ihk_os *os, u32 first, u32 count);
/* The kernel address of [@phys, @phys + @size) if it lies in the running instance's memory, else NULL. */
void *ihk_os_phys_to_virt(struct ihk_os *os, u64 phys, u64 size);

#endif /* _IHK_USER_H */
