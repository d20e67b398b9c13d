// SPDX-License-Identifier: GPL-2.0
/*
 * The interface to the user module (mcctrl.ko, ihk/user.h): one set of
 * callbacks, published with RCU so the IKC IRQ can reach it without a lock,
 * and the instance services that module may call.
 */
#include <linux/rcupdate.h>
#include <linux/spinlock.h>

#include <ihk/user.h>
#include "ihk_internal.h"

static const struct ihk_user_ops __rcu *ihk_user;
static DEFINE_SPINLOCK(ihk_user_lock);

int ihk_register_user_ops(const struct ihk_user_ops *ops)
{
	int ret = 0;

	spin_lock(&ihk_user_lock);
	if (rcu_access_pointer(ihk_user))
		ret = -EBUSY;
	else
		rcu_assign_pointer(ihk_user, ops);
	spin_unlock(&ihk_user_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(ihk_register_user_ops);

void ihk_unregister_user_ops(const struct ihk_user_ops *ops)
{
	spin_lock(&ihk_user_lock);
	if (rcu_access_pointer(ihk_user) == ops)
		rcu_assign_pointer(ihk_user, NULL);
	spin_unlock(&ihk_user_lock);
	synchronize_rcu();	/* no IRQ handler still runs its callbacks */
}
EXPORT_SYMBOL_GPL(ihk_unregister_user_ops);

/* Forward an ioctl of the user module's type; -ENOTTY for anything else. */
long ihk_user_ioctl(struct ihk_os *os, struct file *file, unsigned int cmd, unsigned long arg)
{
	const struct ihk_user_ops *ops;
	struct module *owner = NULL;
	long ret = -ENOTTY;

	rcu_read_lock();
	ops = rcu_dereference(ihk_user);
	if (ops && _IOC_TYPE(cmd) == ops->ioc_magic && try_module_get(ops->owner))
		owner = ops->owner;
	rcu_read_unlock();
	/* A module reference keeps @ops valid while the callback runs. */
	if (owner) {
		ret = ops->ioctl(os, file, cmd, arg);
		module_put(owner);
	}
	return ret;
}

void ihk_user_ikc_recv(struct ihk_os *os, u32 index, const struct ihk_ikc_msg *m)
{
	const struct ihk_user_ops *ops;

	rcu_read_lock();
	ops = rcu_dereference(ihk_user);
	if (ops)
		ops->ikc_recv(os, index, m);
	else
		ihk_err("OS %d: IKC message type %u from LWK CPU %u and no mcctrl loaded\n", os->index,
			m->type, index);
	rcu_read_unlock();
}

/* Context: ihk_lock held (which the unregister path does not need, so no deadlock). */
void ihk_user_os_stopping(struct ihk_os *os)
{
	const struct ihk_user_ops *ops;
	struct module *owner = NULL;

	rcu_read_lock();
	ops = rcu_dereference(ihk_user);
	if (ops && try_module_get(ops->owner))
		owner = ops->owner;
	rcu_read_unlock();
	if (owner) {
		ops->os_stopping(os);
		module_put(owner);
	}
}

void ihk_os_get(struct ihk_os *os)
{
	kref_get(&os->ref);
}
EXPORT_SYMBOL_GPL(ihk_os_get);

void ihk_os_put(struct ihk_os *os)
{
	ihk_os_unref(os);
}
EXPORT_SYMBOL_GPL(ihk_os_put);

int ihk_os_index(struct ihk_os *os)
{
	return os->index;
}
EXPORT_SYMBOL_GPL(ihk_os_index);

bool ihk_os_running(struct ihk_os *os)
{
	return ihk_ikc_running(os);
}
EXPORT_SYMBOL_GPL(ihk_os_running);

u32 ihk_os_nr_cpus(struct ihk_os *os)
{
	return READ_ONCE(os->nr_lwk_cpus);
}
EXPORT_SYMBOL_GPL(ihk_os_nr_cpus);

u32 ihk_os_user_abi(struct ihk_os *os)
{
	/*
	 * Written by the LWK before its RUNNING (read with acquire at boot). A
	 * block that a concurrent shutdown drops stays Linux's memory: the
	 * value read is merely stale.
	 */
	struct ihk_boot_param *bp = READ_ONCE(os->bp);

	return bp ? READ_ONCE(bp->user_abi) : 0;
}
EXPORT_SYMBOL_GPL(ihk_os_user_abi);

int ihk_os_ikc_send(struct ihk_os *os, u32 index, const struct ihk_ikc_msg *m)
{
	return ihk_ikc_send(os, index, m);
}
EXPORT_SYMBOL_GPL(ihk_os_ikc_send);

void ihk_os_kick(struct ihk_os *os, u32 index)
{
	ihk_ikc_kick(os, index);
}
EXPORT_SYMBOL_GPL(ihk_os_kick);

void ihk_os_ikc_poll(struct ihk_os *os)
{
	ihk_ikc_poll(os);
}
EXPORT_SYMBOL_GPL(ihk_os_ikc_poll);

void ihk_os_ikc_poll_cpus(struct ihk_os *os, u32 first, u32 count)
{
	ihk_ikc_poll_cpus(os, first, count);
}
EXPORT_SYMBOL_GPL(ihk_os_ikc_poll_cpus);

void *ihk_os_phys_to_virt(struct ihk_os *os, u64 phys, u64 size)
{
	return ihk_ikc_phys_to_virt(os, phys, size);
}
EXPORT_SYMBOL_GPL(ihk_os_phys_to_virt);
