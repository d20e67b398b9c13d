// SPDX-License-Identifier: GPL-2.0
/*
 * OS instances: /dev/mcosN creation and destruction, and their ioctls
 * (resources, IKC map, kernel arguments, status).
 *
 * Lifetime: the instance list (an IDR) holds one reference and every open file
 * one more. Destroy removes the device, hands CPUs and memory back to the pool,
 * marks the instance dead and drops the list's reference; files still open on it
 * get -ENODEV until they close and the last reference frees it.
 */
#include <linux/capability.h>
#include <linux/cdev.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "ihk_internal.h"

static DEFINE_IDR(ihk_os_idr);
static dev_t ihk_os_devt;
static struct class *ihk_os_class;
static const struct file_operations ihk_os_fops;

static void ihk_os_free(struct kref *ref)
{
	struct ihk_os *os = container_of(ref, struct ihk_os, ref);

	ihk_os_free_boot(os);
	ihk_ikc_destroy(os);
	kfree(os->ikc);
	kfree(os->kargs);
	kfree(os);
}

/**
 * ihk_os_create() - create an INACTIVE instance and its /dev/mcosN.
 *
 * Context: process; takes ihk_lock.
 * Return: N, or -ENODEV (no driver), -ENOSPC (IHK_MAX_OS reached), -ENOMEM.
 */
int ihk_os_create(void)
{
	struct ihk_os *os;
	struct device *dev;
	int ret;

	mutex_lock(&ihk_lock);
	if (!ihk_driver) {
		ihk_err("no architecture driver loaded (ihk-smp-x86)\n");
		ret = -ENODEV;
		goto err_unlock;
	}
	os = kzalloc(sizeof(*os), GFP_KERNEL);
	if (!os) {
		ret = -ENOMEM;
		goto err_unlock;
	}
	kref_init(&os->ref);
	os->status = IHK_OS_STATUS_INACTIVE;
	os->chan = ihk_ikc_create(os);
	if (!os->chan) {
		kfree(os);
		ret = -ENOMEM;
		goto err_unlock;
	}
	ret = idr_alloc(&ihk_os_idr, os, 0, IHK_MAX_OS, GFP_KERNEL);
	if (ret < 0) {
		ihk_err("cannot create more than %d OS instances\n", IHK_MAX_OS);
		goto err_free_os;
	}
	os->index = ret;
	os->cdev = cdev_alloc();
	if (!os->cdev) {
		ret = -ENOMEM;
		goto err_remove_idr;
	}
	os->cdev->owner = THIS_MODULE;
	os->cdev->ops = &ihk_os_fops;
	ret = cdev_add(os->cdev, MKDEV(MAJOR(ihk_os_devt), os->index), 1);
	if (ret)
		goto err_put_cdev;
	dev = device_create(ihk_os_class, NULL, MKDEV(MAJOR(ihk_os_devt), os->index), NULL,
			    "mcos%d", os->index);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto err_del_cdev;
	}
	ret = os->index;	/* os may be destroyed as soon as the lock drops */
	mutex_unlock(&ihk_lock);
	pr_info("ihk: created OS %d\n", ret);
	return ret;

err_del_cdev:
	cdev_del(os->cdev);
	os->cdev = NULL;
err_put_cdev:
	if (os->cdev)
		kobject_put(&os->cdev->kobj);
err_remove_idr:
	idr_remove(&ihk_os_idr, os->index);
err_free_os:
	ihk_ikc_destroy(os);
	kfree(os);
err_unlock:
	mutex_unlock(&ihk_lock);
	return ret;
}

/* Context: ihk_lock held. */
static void ihk_os_teardown(struct ihk_os *os)
{
	/* The LWK must be stopped before its CPUs and memory can go anywhere. */
	ihk_os_stop(os);
	os->bp = NULL;
	os->kmsg = NULL;
	os->status = IHK_OS_STATUS_INACTIVE;
	device_destroy(ihk_os_class, MKDEV(MAJOR(ihk_os_devt), os->index));
	cdev_del(os->cdev);
	idr_remove(&ihk_os_idr, os->index);
	ihk_cpu_unassign_all(os);
	ihk_mem_unassign_all(os);
	os->dead = true;
	pr_info("ihk: destroyed OS %d\n", os->index);
	kref_put(&os->ref, ihk_os_free);
}

/**
 * ihk_os_destroy() - destroy instance @index; its resources return to the pool.
 * @index: N of /dev/mcosN.
 *
 * Context: process; takes ihk_lock.
 * Return: 0 or -ENOENT.
 */
int ihk_os_destroy(u32 index)
{
	struct ihk_os *os;
	int ret = 0;

	mutex_lock(&ihk_lock);
	os = index < IHK_MAX_OS ? idr_find(&ihk_os_idr, index) : NULL;
	if (os) {
		ihk_os_teardown(os);
	} else {
		ihk_err("OS %u does not exist\n", index);
		ret = -ENOENT;
	}
	mutex_unlock(&ihk_lock);
	return ret;
}

/**
 * ihk_os_destroy_all() - destroy every instance.
 *
 * Context: process; ihk_lock held.
 */
void ihk_os_destroy_all(void)
{
	struct ihk_os *os;
	int id;

	lockdep_assert_held(&ihk_lock);
	idr_for_each_entry(&ihk_os_idr, os, id)
		ihk_os_teardown(os);
}

/**
 * ihk_os_query() - list instance indices.
 * @out: array to fill.
 * @capacity: entries @out holds.
 *
 * Context: process; takes ihk_lock.
 * Return: how many instances exist.
 */
int ihk_os_query(u32 *out, u32 capacity)
{
	struct ihk_os *os;
	int id, count = 0;

	mutex_lock(&ihk_lock);
	idr_for_each_entry(&ihk_os_idr, os, id) {
		if (count < capacity)
			out[count] = id;
		count++;
	}
	mutex_unlock(&ihk_lock);
	return count;
}

/**
 * ihk_os_ikc_uses() - is @linux_cpu the Linux side of some instance's IKC map?
 * @linux_cpu: Linux CPU number.
 *
 * Context: ihk_lock held.
 * Return: true if it is.
 */
bool ihk_os_ikc_uses(unsigned int linux_cpu)
{
	struct ihk_os *os;
	int id;
	u32 i;

	idr_for_each_entry(&ihk_os_idr, os, id)
		for (i = 0; i < os->num_ikc; i++)
			if (os->ikc[i].linux_cpu == linux_cpu)
				return true;
	return false;
}

/*
 * Resources and settings change, and boot starts, only while no LWK CPU runs:
 * INACTIVE, or SHUTDOWN (every CPU parked by INIT). Context: ihk_lock held.
 */
static int ihk_os_changeable(struct ihk_os *os, struct ihk_err *err)
{
	if (os->dead)
		return -ENODEV;
	if (os->status != IHK_OS_STATUS_INACTIVE && os->status != IHK_OS_STATUS_SHUTDOWN) {
		ihk_err("OS %d is booting or running\n", os->index);
		return ihk_fail(err, 0, IHK_ERR_OS_BUSY, -EBUSY);
	}
	return 0;
}

/* Drop IKC pairs whose LWK CPU left the instance. Context: ihk_lock held. */
static void ihk_os_prune_ikc(struct ihk_os *os)
{
	u32 i, kept = 0;

	for (i = 0; i < os->num_ikc; i++)
		if (ihk_cpu_owned_by(os->ikc[i].lwk_cpu, os))
			os->ikc[kept++] = os->ikc[i];
	os->num_ikc = kept;
}

static int os_cpu_assign(struct ihk_os *os, const u32 *cpus, u32 n, struct ihk_err *err)
{
	return ihk_os_changeable(os, err) ?: ihk_cpu_assign(os, cpus, n, err);
}

static int os_cpu_release(struct ihk_os *os, const u32 *cpus, u32 n, struct ihk_err *err)
{
	int ret = ihk_os_changeable(os, err) ?: ihk_cpu_unassign(os, cpus, n, err);

	if (!ret)
		ihk_os_prune_ikc(os);
	return ret;
}

static int os_mem_assign(struct ihk_os *os, const struct ihk_mem_req *c, u32 n,
			 struct ihk_err *err)
{
	return ihk_os_changeable(os, err) ?: ihk_mem_assign(os, c, n, err);
}

static int os_mem_release(struct ihk_os *os, const struct ihk_mem_req *c, u32 n,
			  struct ihk_err *err)
{
	int ret = ihk_os_changeable(os, err) ?: ihk_mem_unassign(os, c, n, err);

	/* The boot block and log lived in that memory: forget them. */
	if (!ret) {
		os->bp = NULL;
		os->kmsg = NULL;
	}
	return ret;
}

static int ihk_os_check_ikc(struct ihk_os *os, const struct ihk_ikc_pair *p, u32 n,
			    struct ihk_err *err)
{
	cpumask_var_t seen;
	int ret = 0;
	u32 i;

	if (!zalloc_cpumask_var(&seen, GFP_KERNEL))
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		if (!ihk_cpu_owned_by(p[i].lwk_cpu, os)) {
			ihk_err("IKC map: CPU %u is not assigned to OS %d\n", p[i].lwk_cpu,
				os->index);
			ret = ihk_fail(err, i, IHK_ERR_IKC_LWK_CPU, -EINVAL);
		} else if (p[i].linux_cpu >= nr_cpu_ids || !cpu_online(p[i].linux_cpu) ||
			   ihk_cpu_is_reserved(p[i].linux_cpu)) {
			ihk_err("IKC map: CPU %u is not an online Linux CPU\n", p[i].linux_cpu);
			ret = ihk_fail(err, i, IHK_ERR_IKC_LINUX_CPU, -EINVAL);
		} else if (cpumask_test_and_set_cpu(p[i].lwk_cpu, seen)) {
			ihk_err("IKC map: CPU %u is mapped twice\n", p[i].lwk_cpu);
			ret = ihk_fail(err, i, IHK_ERR_IKC_DUPLICATE, -EINVAL);
		}
	}
	free_cpumask_var(seen);
	return ret;
}

static long ihk_os_set_ikc(struct ihk_os *os, void __user *arg)
{
	struct ihk_ikc_map req;
	struct ihk_ikc_pair *pairs;
	struct ihk_err err = {};
	long ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags) {
		ret = ihk_fail(&err, 0, IHK_ERR_FLAGS, -EINVAL);
		goto out;
	}
	pairs = ihk_copy_array_in(req.pairs, req.num_pairs, sizeof(*pairs), IHK_MAX_LIST, &err);
	if (IS_ERR(pairs)) {
		ret = PTR_ERR(pairs);
		goto out;
	}
	mutex_lock(&ihk_lock);
	ret = ihk_os_changeable(os, &err) ?: ihk_os_check_ikc(os, pairs, req.num_pairs, &err);
	if (!ret) {
		swap(os->ikc, pairs);
		os->num_ikc = req.num_pairs;
	}
	mutex_unlock(&ihk_lock);
	kfree(pairs);
out:
	if (ret) {
		req.err_index = err.index;
		req.err_reason = err.reason;
		if (copy_to_user(arg, &req, sizeof(req)))
			return -EFAULT;
	}
	return ret;
}

static long ihk_os_get_ikc(struct ihk_os *os, void __user *arg)
{
	struct ihk_ikc_map req;
	struct ihk_ikc_pair *buf = NULL;
	u32 n = 0;
	long ret = 0;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	mutex_lock(&ihk_lock);
	if (os->dead) {
		ret = -ENODEV;
		goto unlock;
	}
	n = min(req.num_pairs, os->num_ikc);
	if (n) {
		buf = kmemdup(os->ikc, array_size(n, sizeof(*buf)), GFP_KERNEL);
		if (!buf)
			ret = -ENOMEM;
	}
	req.num_pairs = os->num_ikc;
unlock:
	mutex_unlock(&ihk_lock);
	if (!ret && (copy_to_user(u64_to_user_ptr(req.pairs), buf, array_size(n, sizeof(*buf))) ||
		     copy_to_user(arg, &req, sizeof(req))))
		ret = -EFAULT;
	kfree(buf);
	return ret;
}

static long ihk_os_set_kargs(struct ihk_os *os, void __user *arg)
{
	struct ihk_kargs req;
	struct ihk_err err = {};
	char *kargs;
	long ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EINVAL;
	if (req.len >= IHK_KARGS_MAX) {
		ihk_err("kernel arguments of %u bytes; at most %u\n", req.len, IHK_KARGS_MAX - 1);
		return -E2BIG;
	}
	kargs = memdup_user_nul(u64_to_user_ptr(req.buf), req.len);
	if (IS_ERR(kargs))
		return PTR_ERR(kargs);
	if (strlen(kargs) != req.len) {
		kfree(kargs);
		return -EINVAL;
	}
	mutex_lock(&ihk_lock);
	ret = ihk_os_changeable(os, &err);
	if (!ret)
		swap(os->kargs, kargs);
	mutex_unlock(&ihk_lock);
	kfree(kargs);
	return ret;
}

static long ihk_os_get_kargs(struct ihk_os *os, void __user *arg)
{
	struct ihk_kargs req;
	char *kargs;
	long ret = 0;
	bool dead;
	u32 len;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	mutex_lock(&ihk_lock);
	dead = os->dead;
	kargs = dead ? NULL : kstrdup(os->kargs ? os->kargs : "", GFP_KERNEL);
	mutex_unlock(&ihk_lock);
	if (!kargs)
		return dead ? -ENODEV : -ENOMEM;
	len = strlen(kargs);
	if (req.len <= len)
		ret = -ENOSPC;
	else if (copy_to_user(u64_to_user_ptr(req.buf), kargs, len + 1))
		ret = -EFAULT;
	req.len = len;
	if (ret != -EFAULT && copy_to_user(arg, &req, sizeof(req)))
		ret = -EFAULT;
	kfree(kargs);
	return ret;
}

static long ihk_os_get_status(struct ihk_os *os, void __user *arg)
{
	struct ihk_os_status_info info = {};
	bool dead;

	mutex_lock(&ihk_lock);
	dead = os->dead;
	if (!dead)
		info.status = ihk_os_live_status(os);
	mutex_unlock(&ihk_lock);
	if (dead)
		return -ENODEV;
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long ihk_os_load_ioctl(struct ihk_os *os, void __user *arg)
{
	struct ihk_os_image req;
	struct ihk_err err = {};
	long ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EINVAL;
	mutex_lock(&ihk_lock);
	ret = ihk_os_changeable(os, &err) ?: ihk_os_load(os, req.buf, req.size, &err);
	mutex_unlock(&ihk_lock);
	req.err_reason = err.reason;
	if (ret && copy_to_user(arg, &req, sizeof(req)))
		return -EFAULT;
	return ret;
}

static long ihk_os_boot_ioctl(struct ihk_os *os, void __user *arg, bool boot)
{
	struct ihk_os_boot_req req;
	struct ihk_err err = {};
	long ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved)
		return -EINVAL;
	mutex_lock(&ihk_lock);
	if (os->dead)
		ret = -ENODEV;
	else if (boot)
		ret = ihk_os_changeable(os, &err) ?: ihk_os_boot(os, req.timeout_ms, &err);
	else
		ret = ihk_os_shutdown(os, &err);
	mutex_unlock(&ihk_lock);
	req.err_reason = err.reason;
	if (ret && copy_to_user(arg, &req, sizeof(req)))
		return -EFAULT;
	return ret;
}

static long ihk_os_kmsg_ioctl(struct ihk_os *os, void __user *arg)
{
	struct ihk_kmsg_read req;
	char *buf;
	long len;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	req.size = min_t(u32, req.size, IHK_KMSG_SIZE);
	buf = kvmalloc(max_t(u32, req.size, 1), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	mutex_lock(&ihk_lock);
	len = os->dead ? -ENODEV : ihk_os_read_kmsg(os, buf, req.size);
	mutex_unlock(&ihk_lock);
	if (len >= 0) {
		req.len = len;
		if (copy_to_user(u64_to_user_ptr(req.buf), buf, len) ||
		    copy_to_user(arg, &req, sizeof(req)))
			len = -EFAULT;
	}
	kvfree(buf);
	return len < 0 ? len : 0;
}

static long ihk_os_ikc_ping_ioctl(struct ihk_os *os, void __user *arg)
{
	struct ihk_ikc_ping req;
	struct ihk_err err = {};
	long ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~IHK_IKC_PING_POLL)
		return -EINVAL;
	mutex_lock(&ihk_lock);
	ret = os->dead ? -ENODEV : ihk_ikc_ping(os, req.cpu_index, req.count,
						req.flags & IHK_IKC_PING_POLL, &req.min_ns,
						&req.max_ns, &req.total_ns, &err);
	mutex_unlock(&ihk_lock);
	req.err_reason = err.reason;
	if (copy_to_user(arg, &req, sizeof(req)))
		return -EFAULT;
	return ret;
}

static long ihk_os_rusage_ioctl(struct ihk_os *os, void __user *arg)
{
	struct ihk_os_rusage req;
	struct ihk_os_rusage_cpu *cpus;
	u32 n;
	long ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	n = min_t(u32, req.capacity, IHK_BOOT_MAX_CPUS);
	cpus = kcalloc(max_t(u32, n, 1), sizeof(*cpus), GFP_KERNEL);
	if (!cpus)
		return -ENOMEM;
	mutex_lock(&ihk_lock);
	if (os->dead)
		ret = -ENODEV;
	else
		ret = ihk_os_read_rusage(os, &req, cpus, n);
	mutex_unlock(&ihk_lock);
	if (!ret) {
		n = min(n, req.num_cpus);
		if ((n && copy_to_user(u64_to_user_ptr(req.cpus), cpus, n * sizeof(*cpus))) ||
		    copy_to_user(arg, &req, sizeof(req)))
			ret = -EFAULT;
	}
	kfree(cpus);
	return ret;
}

static long ihk_os_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	struct ihk_os *os = file->private_data;
	void __user *arg = (void __user *)uarg;

	switch (cmd) {
	case IHK_OS_QUERY_CPU:
		return ihk_ioctl_cpu_query(os, arg);
	case IHK_OS_QUERY_MEM:
		return ihk_ioctl_mem_query(os, arg);
	case IHK_OS_GET_IKC_MAP:
		return ihk_os_get_ikc(os, arg);
	case IHK_OS_GET_KARGS:
		return ihk_os_get_kargs(os, arg);
	case IHK_OS_GET_STATUS:
		return ihk_os_get_status(os, arg);
	case IHK_OS_READ_KMSG:
		return ihk_os_kmsg_ioctl(os, arg);
	case IHK_OS_GET_RUSAGE:
		return ihk_os_rusage_ioctl(os, arg);
	case IHK_OS_ASSIGN_CPU:
	case IHK_OS_RELEASE_CPU:
	case IHK_OS_ASSIGN_MEM:
	case IHK_OS_RELEASE_MEM:
	case IHK_OS_SET_IKC_MAP:
	case IHK_OS_SET_KARGS:
	case IHK_OS_LOAD:
	case IHK_OS_BOOT:
	case IHK_OS_SHUTDOWN:
	case IHK_OS_CLEAR_KMSG:
	case IHK_OS_IKC_PING:
		/* The device may be handed to a job's user; changing it stays root's. */
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		break;
	default:
		/* mcctrl's ioctls (mcexec): the file mode says who may run programs. */
		return ihk_user_ioctl(os, file, cmd, uarg);
	}
	switch (cmd) {
	case IHK_OS_ASSIGN_CPU:
		return ihk_ioctl_cpu_list(os, arg, os_cpu_assign);
	case IHK_OS_RELEASE_CPU:
		return ihk_ioctl_cpu_list(os, arg, os_cpu_release);
	case IHK_OS_ASSIGN_MEM:
		return ihk_ioctl_mem_list(os, arg, os_mem_assign);
	case IHK_OS_RELEASE_MEM:
		return ihk_ioctl_mem_list(os, arg, os_mem_release);
	case IHK_OS_SET_IKC_MAP:
		return ihk_os_set_ikc(os, arg);
	case IHK_OS_LOAD:
		return ihk_os_load_ioctl(os, arg);
	case IHK_OS_BOOT:
		return ihk_os_boot_ioctl(os, arg, true);
	case IHK_OS_SHUTDOWN:
		return ihk_os_boot_ioctl(os, arg, false);
	case IHK_OS_IKC_PING:
		return ihk_os_ikc_ping_ioctl(os, arg);
	case IHK_OS_CLEAR_KMSG:
		mutex_lock(&ihk_lock);
		ihk_os_clear_kmsg(os);
		mutex_unlock(&ihk_lock);
		return 0;
	case IHK_OS_SET_KARGS:
		return ihk_os_set_kargs(os, arg);
	default:
		return -ENOTTY; /* a command added above but not here */
	}
}

static int ihk_os_open(struct inode *inode, struct file *file)
{
	struct ihk_os *os;

	mutex_lock(&ihk_lock);
	os = idr_find(&ihk_os_idr, iminor(inode));
	/* A stale inode of a destroyed instance must not reach a new one. */
	if (os && os->cdev != inode->i_cdev)
		os = NULL;
	if (os)
		kref_get(&os->ref);
	mutex_unlock(&ihk_lock);
	if (!os)
		return -ENODEV;
	file->private_data = os;
	return 0;
}

static int ihk_os_release(struct inode *inode, struct file *file)
{
	ihk_os_unref(file->private_data);
	return 0;
}

void ihk_os_unref(struct ihk_os *os)
{
	kref_put(&os->ref, ihk_os_free);
}

static const struct file_operations ihk_os_fops = {
	.owner = THIS_MODULE,
	.open = ihk_os_open,
	.release = ihk_os_release,
	.unlocked_ioctl = ihk_os_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/**
 * ihk_os_init() - register the /dev/mcosN device numbers and class.
 *
 * Context: module init.
 * Return: 0 or -errno.
 */
int ihk_os_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&ihk_os_devt, 0, IHK_MAX_OS, "mcos");
	if (ret)
		return ret;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	ihk_os_class = class_create("mcos");
#else
	ihk_os_class = class_create(THIS_MODULE, "mcos");
#endif
	if (IS_ERR(ihk_os_class)) {
		ret = PTR_ERR(ihk_os_class);
		goto err_unregister_region;
	}
	return 0;

err_unregister_region:
	unregister_chrdev_region(ihk_os_devt, IHK_MAX_OS);
	return ret;
}

/**
 * ihk_os_exit() - destroy remaining instances and unregister; mirror of init.
 *
 * Context: module exit.
 */
void ihk_os_exit(void)
{
	mutex_lock(&ihk_lock);
	ihk_os_destroy_all();
	mutex_unlock(&ihk_lock);
	class_destroy(ihk_os_class);
	unregister_chrdev_region(ihk_os_devt, IHK_MAX_OS);
	idr_destroy(&ihk_os_idr);
}
