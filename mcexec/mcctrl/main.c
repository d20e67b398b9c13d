// SPDX-License-Identifier: GPL-2.0
/*
 * mcctrl.ko: registers with ihk.ko as the module that runs programs on its
 * instances (ihk/user.h). Needs ihk.ko; unloading waits until no process file
 * is open (each holds a module reference).
 */
#include <linux/module.h>
#include <linux/sysfs.h>

#include "mcctrl.h"

static const struct ihk_user_ops mcctrl_ops = {
	.owner = THIS_MODULE,
	.ioc_magic = MCEXEC_IOC_MAGIC,
	.ioctl = mcctrl_ioctl,
	.ikc_recv = mcctrl_ikc_recv,
	.os_stopping = mcctrl_os_stopping,
};

struct workqueue_struct *mcctrl_wq;

unsigned int mcctrl_offload_spin_us = 200;
module_param_named(offload_spin_us, mcctrl_offload_spin_us, uint, 0644);
MODULE_PARM_DESC(offload_spin_us,
		 "How long (us, at most 1000) an mcexec thread polls for an offloaded call before it sleeps, while its CPU has nothing else to run; 0: never (default 200)");

/*
 * What the polling of mcexec's waiting threads did (mcctrl_spin), for admins
 * and tests: polls begun, polls that found a call (or the end), and polls not
 * begun because the thread's CPU had other work (the guard). Read-only.
 */
atomic_long_t mcctrl_spins = ATOMIC_LONG_INIT(0);
atomic_long_t mcctrl_spins_served = ATOMIC_LONG_INIT(0);
atomic_long_t mcctrl_spins_busy = ATOMIC_LONG_INIT(0);

/* The read-only parameters below: no one sets them, not even modprobe at load time. */
static int mcctrl_set_read_only(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static int mcctrl_get_count(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read((atomic_long_t *)kp->arg));
}

static const struct kernel_param_ops mcctrl_count_ops = {
	.set = mcctrl_set_read_only,	/* at load time too */
	.get = mcctrl_get_count,
};

module_param_cb(spins, &mcctrl_count_ops, &mcctrl_spins, 0444);
MODULE_PARM_DESC(spins, "Polls for an offloaded call an mcexec thread began before sleeping (read-only)");
module_param_cb(spins_served, &mcctrl_count_ops, &mcctrl_spins_served, 0444);
MODULE_PARM_DESC(spins_served, "Polls that found a call (read-only)");
module_param_cb(spins_busy, &mcctrl_count_ops, &mcctrl_spins_busy, 0444);
MODULE_PARM_DESC(spins_busy, "Polls not begun: the thread's CPU had other work to run (read-only)");

/*
 * mcexec reads it to tell which side of a refused MCEXEC_CREATE (EPROTO)
 * differs.
 */
static int mcctrl_get_abi(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%u\n", MCEXEC_ABI_VERSION);
}

static const struct kernel_param_ops mcctrl_abi_ops = {
	.set = mcctrl_set_read_only,
	.get = mcctrl_get_abi,
};

module_param_cb(abi_version, &mcctrl_abi_ops, NULL, 0444);
MODULE_PARM_DESC(abi_version, "The mcexec ABI this module speaks, with mcexec and the McKernel image (read-only)");

static int __init mcctrl_init(void)
{
	int ret;

	mcctrl_wq = alloc_workqueue("mcctrl", 0, 0);
	if (!mcctrl_wq)
		return -ENOMEM;
	ret = ihk_register_user_ops(&mcctrl_ops);
	if (ret) {
		pr_err("mcctrl: another module already runs programs on IHK (%d)\n", ret);
		destroy_workqueue(mcctrl_wq);
		return ret;
	}
	pr_info("mcctrl: ready\n");
	return 0;
}

static void __exit mcctrl_exit(void)
{
	ihk_unregister_user_ops(&mcctrl_ops);
	destroy_workqueue(mcctrl_wq);	/* runs what is queued first */
}

module_init(mcctrl_init);
module_exit(mcctrl_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mcctrl: system call offload and unified address space for mcexec");
