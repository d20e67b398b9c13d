// SPDX-License-Identifier: GPL-2.0
/*
 * ihk.ko entry points: module init/exit, the /dev/mcd0 device, its ioctl
 * dispatch, the ioctl plumbing shared with /dev/mcosN, and driver registration.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ihk_internal.h"

DEFINE_MUTEX(ihk_lock);
struct ihk_driver *ihk_driver;

/**
 * ihk_copy_array_in() - copy a user array of @count elements of @elem bytes.
 * @uptr: user address.
 * @count: number of elements, 1..@max.
 * @elem: element size.
 * @max: longest list accepted.
 * @err: reason on failure.
 *
 * Context: process, may sleep.
 * Return: kmalloc'd copy, or ERR_PTR(-EINVAL/-E2BIG/-EFAULT/-ENOMEM).
 */
void *ihk_copy_array_in(u64 uptr, u32 count, size_t elem, u32 max, struct ihk_err *err)
{
	void *buf;

	if (count == 0)
		return ERR_PTR(ihk_fail(err, 0, IHK_ERR_EMPTY, -EINVAL));
	if (count > max)
		return ERR_PTR(ihk_fail(err, max, IHK_ERR_TOO_MANY, -E2BIG));
	buf = memdup_user(u64_to_user_ptr(uptr), array_size(count, elem));
	return buf;
}

static long ihk_report(void __user *arg, void *req, size_t size, u32 *index, u32 *reason,
		       const struct ihk_err *err, long ret)
{
	if (ret >= 0)
		return ret;
	*index = err->index;
	*reason = err->reason;
	if (copy_to_user(arg, req, size))
		return -EFAULT;
	return ret;
}

/**
 * ihk_ioctl_cpu_list() - run @op on the CPU list of a struct ihk_cpu_list at @arg.
 * @os: instance the call is for, NULL for /dev/mcd0.
 * @arg: user struct ihk_cpu_list; err_index/err_reason are written on failure.
 * @op: the operation, called with ihk_lock held.
 *
 * Context: process, may sleep.
 * Return: @op's result, or -EFAULT/-EINVAL/-E2BIG for a malformed request.
 */
long ihk_ioctl_cpu_list(struct ihk_os *os, void __user *arg, ihk_cpu_op op)
{
	struct ihk_cpu_list req;
	struct ihk_err err = {};
	u32 *cpus;
	long ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags) {
		ret = ihk_fail(&err, 0, IHK_ERR_FLAGS, -EINVAL);
		goto out;
	}
	cpus = ihk_copy_array_in(req.cpus, req.num_cpus, sizeof(*cpus), IHK_MAX_LIST, &err);
	if (IS_ERR(cpus)) {
		ret = PTR_ERR(cpus);
		goto out;
	}
	mutex_lock(&ihk_lock);
	ret = op(os, cpus, req.num_cpus, &err);
	mutex_unlock(&ihk_lock);
	kfree(cpus);
out:
	return ihk_report(arg, &req, sizeof(req), &req.err_index, &req.err_reason, &err, ret);
}

/**
 * ihk_ioctl_mem_list() - run @op on the chunks of a struct ihk_mem_list at @arg.
 * @os: instance the call is for, NULL for /dev/mcd0.
 * @arg: user struct ihk_mem_list; err_index/err_reason are written on failure.
 * @op: the operation, called with ihk_lock held.
 *
 * Context: process, may sleep.
 * Return: @op's result, or -EFAULT/-EINVAL/-E2BIG for a malformed request.
 */
long ihk_ioctl_mem_list(struct ihk_os *os, void __user *arg, ihk_mem_op op)
{
	struct ihk_mem_list req;
	struct ihk_mem_req *chunks;
	struct ihk_err err = {};
	long ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags) {
		ret = ihk_fail(&err, 0, IHK_ERR_FLAGS, -EINVAL);
		goto out;
	}
	chunks = ihk_copy_array_in(req.chunks, req.num_chunks, sizeof(*chunks),
				   IHK_MAX_MEM_CHUNKS, &err);
	if (IS_ERR(chunks)) {
		ret = PTR_ERR(chunks);
		goto out;
	}
	mutex_lock(&ihk_lock);
	ret = op(os, chunks, req.num_chunks, &err);
	mutex_unlock(&ihk_lock);
	kfree(chunks);
out:
	return ihk_report(arg, &req, sizeof(req), &req.err_index, &req.err_reason, &err, ret);
}

/*
 * Both query calls: count under the lock, allocate outside it, fill under it
 * again; if the set grew in between, report the new count with what fits.
 */
long ihk_ioctl_cpu_query(struct ihk_os *os, void __user *arg)
{
	struct ihk_cpu_query req;
	struct ihk_cpu_info *buf = NULL;
	u32 n;
	int count;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	n = min_t(u32, req.capacity, nr_cpu_ids);
	if (n) {
		buf = kvcalloc(n, sizeof(*buf), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	mutex_lock(&ihk_lock);
	count = (os && os->dead) ? -ENODEV : ihk_cpu_query(os, buf, n);
	mutex_unlock(&ihk_lock);
	if (count < 0)
		goto out;
	req.count = count;
	if (copy_to_user(u64_to_user_ptr(req.cpus), buf, array_size(min_t(u32, n, count),
								     sizeof(*buf))) ||
	    copy_to_user(arg, &req, sizeof(req)))
		count = -EFAULT;
out:
	kvfree(buf);
	return count < 0 ? count : 0;
}

long ihk_ioctl_mem_query(struct ihk_os *os, void __user *arg)
{
	struct ihk_mem_query req;
	struct ihk_mem_extent *buf = NULL;
	u32 n;
	int count;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	mutex_lock(&ihk_lock);
	count = (os && os->dead) ? -ENODEV : ihk_mem_query(os, NULL, 0);
	mutex_unlock(&ihk_lock);
	if (count < 0)
		return count;
	n = min_t(u32, req.capacity, count);
	if (n) {
		buf = kvcalloc(n, sizeof(*buf), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	mutex_lock(&ihk_lock);
	count = (os && os->dead) ? -ENODEV : ihk_mem_query(os, buf, n);
	mutex_unlock(&ihk_lock);
	if (count < 0)
		goto out;
	req.count = count;
	if (copy_to_user(u64_to_user_ptr(req.extents), buf,
			 array_size(min_t(u32, n, count), sizeof(*buf))) ||
	    copy_to_user(arg, &req, sizeof(req)))
		count = -EFAULT;
out:
	kvfree(buf);
	return count < 0 ? count : 0;
}

static int dev_cpu_reserve(struct ihk_os *os, const u32 *cpus, u32 n, struct ihk_err *err)
{
	return ihk_cpu_reserve(cpus, n, err);
}

static int dev_cpu_release(struct ihk_os *os, const u32 *cpus, u32 n, struct ihk_err *err)
{
	return ihk_cpu_release(cpus, n, err);
}

static int dev_mem_reserve(struct ihk_os *os, const struct ihk_mem_req *chunks, u32 n,
			   struct ihk_err *err)
{
	return ihk_mem_reserve(chunks, n, err);
}

static int dev_mem_release(struct ihk_os *os, const struct ihk_mem_req *chunks, u32 n,
			   struct ihk_err *err)
{
	return ihk_mem_release(chunks, n, err);
}

static long dev_destroy_os(void __user *arg)
{
	struct ihk_os_index req;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.reserved)
		return -EINVAL;
	return ihk_os_destroy(req.os_index);
}

static long dev_query_os(void __user *arg)
{
	struct ihk_os_list req;
	u32 *buf = NULL;
	u32 n;
	int count;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	n = min_t(u32, req.capacity, IHK_MAX_OS);
	if (n) {
		buf = kcalloc(n, sizeof(*buf), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	count = ihk_os_query(buf, n);
	req.count = count;
	if (copy_to_user(u64_to_user_ptr(req.indices), buf,
			 array_size(min_t(u32, n, count), sizeof(*buf))) ||
	    copy_to_user(arg, &req, sizeof(req)))
		count = -EFAULT;
	kfree(buf);
	return count < 0 ? count : 0;
}

static long ihk_dev_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	void __user *arg = (void __user *)uarg;

	switch (cmd) {
	case IHK_DEVICE_RESERVE_CPU:
		return ihk_ioctl_cpu_list(NULL, arg, dev_cpu_reserve);
	case IHK_DEVICE_RELEASE_CPU:
		return ihk_ioctl_cpu_list(NULL, arg, dev_cpu_release);
	case IHK_DEVICE_QUERY_CPU:
		return ihk_ioctl_cpu_query(NULL, arg);
	case IHK_DEVICE_RESERVE_MEM:
		return ihk_ioctl_mem_list(NULL, arg, dev_mem_reserve);
	case IHK_DEVICE_RELEASE_MEM:
		return ihk_ioctl_mem_list(NULL, arg, dev_mem_release);
	case IHK_DEVICE_QUERY_MEM:
		return ihk_ioctl_mem_query(NULL, arg);
	case IHK_DEVICE_CREATE_OS:
		return ihk_os_create();
	case IHK_DEVICE_DESTROY_OS:
		return dev_destroy_os(arg);
	case IHK_DEVICE_QUERY_OS:
		return dev_query_os(arg);
	default:
		return -ENOTTY;
	}
}

static int ihk_dev_open(struct inode *inode, struct file *file)
{
	/* The file mode already says root only; this also holds in user namespaces. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

static const struct file_operations ihk_dev_fops = {
	.owner = THIS_MODULE,
	.open = ihk_dev_open,
	.unlocked_ioctl = ihk_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice ihk_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mcd0",
	.fops = &ihk_dev_fops,
	.mode = 0600,
};

int ihk_register_driver(struct ihk_driver *drv)
{
	int ret = 0;

	mutex_lock(&ihk_lock);
	if (ihk_driver)
		ret = -EBUSY;
	else
		ihk_driver = drv;
	mutex_unlock(&ihk_lock);
	if (!ret)
		pr_info("ihk: driver %s registered\n", drv->name);
	return ret;
}
EXPORT_SYMBOL_GPL(ihk_register_driver);

void ihk_unregister_driver(struct ihk_driver *drv)
{
	/* One critical section: no instance can be created in between. */
	mutex_lock(&ihk_lock);
	ihk_os_destroy_all();
	if (ihk_driver == drv)
		ihk_driver = NULL;
	mutex_unlock(&ihk_lock);
	pr_info("ihk: driver %s unregistered\n", drv->name);
}
EXPORT_SYMBOL_GPL(ihk_unregister_driver);

static int __init ihk_init(void)
{
	int ret;

	ret = ihk_cpu_init();
	if (ret)
		return ret;
	ret = ihk_os_init();
	if (ret)
		goto err_cpu;
	ret = misc_register(&ihk_dev);
	if (ret)
		goto err_os;
	pr_info("ihk: /dev/mcd0 ready\n");
	return 0;

err_os:
	ihk_os_exit();
err_cpu:
	ihk_cpu_exit();
	return ret;
}

/* The mirror of init; the pool goes back to Linux even if instances still exist. */
static void __exit ihk_exit(void)
{
	misc_deregister(&ihk_dev);
	ihk_os_exit();
	mutex_lock(&ihk_lock);
	ihk_mem_exit();
	mutex_unlock(&ihk_lock);
	ihk_cpu_exit();
	pr_info("ihk: unloaded, all resources returned to Linux\n");
}

module_init(ihk_init);
module_exit(ihk_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IHK: partition CPUs and memory of a running Linux for co-kernels");
