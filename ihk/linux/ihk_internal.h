/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the files of ihk.ko.
 *
 * Locking: one mutex, ihk_lock, guards the reserved pool (CPUs and memory), the
 * list of OS instances and each instance's state. Every ioctl takes it for its
 * whole duration; nothing here is on a fast path.
 */
#ifndef _IHK_INTERNAL_H
#define _IHK_INTERNAL_H

#include <linux/cdev.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/types.h>
#include <uapi/ihk/ihk.h>
#include <ihk/driver.h>
#include <ihk/boot.h>
#include <ihk/ikc.h>

#define ihk_err(fmt, ...) pr_err_ratelimited("ihk: " fmt, ##__VA_ARGS__)

extern struct mutex ihk_lock;
extern struct ihk_driver *ihk_driver;

/**
 * struct ihk_os - one OS instance, /dev/mcosN.
 * @ref:	references: the instance list holds one, each open file one.
 * @index:	N of /dev/mcosN.
 * @dead:	destroyed; open files get -ENODEV.
 * @status:	enum ihk_os_status.
 * @ikc:	IKC map pairs (kmalloc'd), @num_ikc of them.
 * @kargs:	kernel arguments (kmalloc'd string) or NULL.
 * @cdev:	character device (allocated separately: it may outlive us).
 * @image:	the loaded LWK image (kvmalloc'd) and its @image_size.
 * @bp:		boot parameters in the instance's memory, once booted.
 * @kmsg:	the LWK's log in the instance's memory, once booted; readable
 *		until destroy, also after shutdown or a panic.
 * @kmsg_clear:	ring position of the last clear_kmsg.
 * @drv_state:	the driver's per-boot state, between start and stop.
 * @chan:	IKC channels of a booted instance (ikc.c).
 * @nr_lwk_cpus: CPUs in the boot block, kept here: the LWK can write the block.
 *
 * CPUs and memory record their owner themselves (cpu.c, mem.c).
 */
struct ihk_os {
	struct kref ref;
	int index;
	bool dead;
	u32 status;
	struct ihk_ikc_pair *ikc;
	u32 num_ikc;
	char *kargs;
	struct cdev *cdev;
	void *image;
	size_t image_size;
	struct ihk_boot_param *bp;
	struct ihk_kmsg *kmsg;
	u64 kmsg_clear;
	void *drv_state;
	struct ihk_ikc *chan;
	u32 nr_lwk_cpus;
};

/* Write an error reason back into a list-carrying ioctl struct. */
struct ihk_err {
	u32 index;
	u32 reason;
};

static inline int ihk_fail(struct ihk_err *err, u32 index, u32 reason, int errno)
{
	err->index = index;
	err->reason = reason;
	return errno;
}

/* core.c: ioctl plumbing shared by /dev/mcd0 and /dev/mcosN; ops run under ihk_lock */
typedef int (*ihk_cpu_op)(struct ihk_os *os, const u32 *cpus, u32 n, struct ihk_err *err);
typedef int (*ihk_mem_op)(struct ihk_os *os, const struct ihk_mem_req *chunks, u32 n,
			  struct ihk_err *err);
long ihk_ioctl_cpu_list(struct ihk_os *os, void __user *arg, ihk_cpu_op op);
long ihk_ioctl_mem_list(struct ihk_os *os, void __user *arg, ihk_mem_op op);
long ihk_ioctl_cpu_query(struct ihk_os *os, void __user *arg);
long ihk_ioctl_mem_query(struct ihk_os *os, void __user *arg);
void *ihk_copy_array_in(u64 uptr, u32 count, size_t elem, u32 max, struct ihk_err *err);

/* cpu.c: everything under ihk_lock */
int ihk_cpu_init(void);
void ihk_cpu_exit(void);
int ihk_cpu_reserve(const u32 *cpus, u32 n, struct ihk_err *err);
int ihk_cpu_release(const u32 *cpus, u32 n, struct ihk_err *err);
int ihk_cpu_assign(struct ihk_os *os, const u32 *cpus, u32 n, struct ihk_err *err);
int ihk_cpu_unassign(struct ihk_os *os, const u32 *cpus, u32 n, struct ihk_err *err);
void ihk_cpu_unassign_all(struct ihk_os *os);
bool ihk_cpu_owned_by(unsigned int cpu, struct ihk_os *os);
bool ihk_cpu_is_reserved(unsigned int cpu);
int ihk_cpu_query(struct ihk_os *os, struct ihk_cpu_info *out, u32 capacity);

/* mem.c: everything under ihk_lock */
void ihk_mem_exit(void);
int ihk_mem_reserve(const struct ihk_mem_req *chunks, u32 n, struct ihk_err *err);
int ihk_mem_release(const struct ihk_mem_req *chunks, u32 n, struct ihk_err *err);
int ihk_mem_assign(struct ihk_os *os, const struct ihk_mem_req *chunks, u32 n,
		   struct ihk_err *err);
int ihk_mem_unassign(struct ihk_os *os, const struct ihk_mem_req *chunks, u32 n,
		     struct ihk_err *err);
void ihk_mem_unassign_all(struct ihk_os *os);
int ihk_mem_query(struct ihk_os *os, struct ihk_mem_extent *out, u32 capacity);

/* boot.c: everything under ihk_lock */
int ihk_os_load(struct ihk_os *os, u64 ubuf, u64 size, struct ihk_err *err);
int ihk_os_boot(struct ihk_os *os, u32 timeout_ms, struct ihk_err *err);
int ihk_os_shutdown(struct ihk_os *os, struct ihk_err *err);
void ihk_os_stop(struct ihk_os *os);
u32 ihk_os_live_status(struct ihk_os *os);
long ihk_os_read_kmsg(struct ihk_os *os, char *buf, u32 size);
void ihk_os_clear_kmsg(struct ihk_os *os);
int ihk_os_read_rusage(struct ihk_os *os, struct ihk_os_rusage *out, struct ihk_os_rusage_cpu *cpus, u32 n);
void ihk_os_free_boot(struct ihk_os *os);
int ihk_mem_boot_extents(struct ihk_os *os, struct ihk_boot_mem *out, u32 capacity);
u32 ihk_cpu_boot_list(struct ihk_os *os, u32 *out, u32 capacity);

/* ikc.c: attach/detach under ihk_lock; sending, receiving and checks from any context */
struct ihk_ikc;
struct ihk_ikc *ihk_ikc_create(struct ihk_os *os);
void ihk_ikc_notify(void *data);
int ihk_ikc_attach(struct ihk_os *os);
void ihk_ikc_detach(struct ihk_os *os);
void ihk_ikc_destroy(struct ihk_os *os);
int ihk_ikc_send(struct ihk_os *os, u32 index, const struct ihk_ikc_msg *m);
void ihk_ikc_kick(struct ihk_os *os, u32 index);
void ihk_ikc_poll(struct ihk_os *os);
void ihk_ikc_poll_cpus(struct ihk_os *os, u32 first, u32 count);
void *ihk_ikc_phys_to_virt(struct ihk_os *os, u64 phys, u64 size);
bool ihk_ikc_running(struct ihk_os *os);
int ihk_ikc_ping(struct ihk_os *os, u32 index, u32 count, bool poll, u64 *min_ns, u64 *max_ns,
		 u64 *total_ns, struct ihk_err *err);

/* user.c: the user module (mcctrl) */
long ihk_user_ioctl(struct ihk_os *os, struct file *file, unsigned int cmd, unsigned long arg);
void ihk_user_ikc_recv(struct ihk_os *os, u32 index, const struct ihk_ikc_msg *m);
void ihk_user_os_stopping(struct ihk_os *os);

/* os.c */
void ihk_os_unref(struct ihk_os *os);
int ihk_os_init(void);
void ihk_os_exit(void);
int ihk_os_create(void);
int ihk_os_destroy(u32 index);
void ihk_os_destroy_all(void);
int ihk_os_query(u32 *out, u32 capacity);
bool ihk_os_ikc_uses(unsigned int linux_cpu);

#endif /* _IHK_INTERNAL_H */
