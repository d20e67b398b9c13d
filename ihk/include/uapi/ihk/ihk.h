/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The IHK ioctl ABI: /dev/mcd0 (the resource pool) and /dev/mcosN (OS instances).
 *
 * Shared by ihk.ko, libihk and the tools. Rules (Documentation/driver-api/ioctl.rst):
 * pointers travel as __u64, structs have no implicit padding, every flags or reserved
 * field must be zero, and the ABI changes only by adding command numbers.
 *
 * Every call that takes a list validates the whole list before it changes anything.
 * On failure it returns -1 with a standard errno and, for list calls, writes back
 * err_index (which entry was bad) and err_reason (an IHK_ERR_* code saying why), so
 * tools can name the bad value. The kernel also logs one rate-limited line.
 */
#ifndef _UAPI_IHK_IHK_H
#define _UAPI_IHK_IHK_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IHK_IOCTL_MAGIC 0xB7

/* Memory is reserved and assigned in multiples of this (one large page). */
#define IHK_MEM_GRANULE (2ULL << 20)
/* ihk_mem_req.size meaning "all that can be spared" (reserve) or "all" (others). */
#define IHK_MEM_ALL (~0ULL)
/* ihk_mem_req.numa_node meaning "every node"; only together with IHK_MEM_ALL. */
#define IHK_NUMA_ALL (-1)
/* ihk_mem_extent.os_index / ihk_cpu_info.os_index of pool resources. */
#define IHK_OS_NONE (-1)

#define IHK_MAX_LIST 8192	/* longest CPU list or IKC map one call takes */
#define IHK_MAX_MEM_CHUNKS 256	/* longest memory chunk list one call takes */
#define IHK_MAX_OS 64		/* OS instances per device */
#define IHK_KARGS_MAX 4096	/* kernel argument string, including the NUL */
#define IHK_IMAGE_MAX (64u << 20)	/* largest LWK image file */

/**
 * enum ihk_err_reason - why a call was refused (err_reason); 0 means none.
 */
enum ihk_err_reason {
	IHK_ERR_NONE = 0,
	IHK_ERR_FLAGS,			/* a flags/reserved field is not zero */
	IHK_ERR_TOO_MANY,		/* list longer than IHK_MAX_* */
	IHK_ERR_EMPTY,			/* empty list */
	IHK_ERR_CPU_NOT_PRESENT,	/* no such CPU */
	IHK_ERR_CPU_BOOT,		/* CPU 0 or a CPU Linux cannot hot-unplug */
	IHK_ERR_CPU_LAST_ONLINE,	/* would leave Linux without an online CPU */
	IHK_ERR_CPU_OFFLINE,		/* offline, but not reserved by IHK */
	IHK_ERR_CPU_RESERVED,		/* already reserved */
	IHK_ERR_CPU_DUPLICATE,		/* listed twice */
	IHK_ERR_CPU_NOT_RESERVED,	/* not in the reserved pool */
	IHK_ERR_CPU_ASSIGNED,		/* assigned to an OS instance */
	IHK_ERR_CPU_NOT_ASSIGNED,	/* not assigned to this OS instance */
	IHK_ERR_CPU_HOTPLUG,		/* Linux failed to take it offline/online */
	IHK_ERR_NUMA_NODE,		/* no such NUMA node, or it has no memory */
	IHK_ERR_MEM_GRANULE,		/* size zero or not a multiple of the granule */
	IHK_ERR_MEM_OVERFLOW,		/* sizes overflow 64 bits */
	IHK_ERR_MEM_FREE,		/* node has too little free memory */
	IHK_ERR_MEM_NOT_RESERVED,	/* more than the pool holds on that node */
	IHK_ERR_MEM_ASSIGNED,		/* only possible by taking assigned memory */
	IHK_ERR_MEM_NOT_ASSIGNED,	/* more than this OS holds on that node */
	IHK_ERR_IKC_LWK_CPU,		/* LWK CPU not assigned to this OS */
	IHK_ERR_IKC_LINUX_CPU,		/* Linux CPU offline or reserved */
	IHK_ERR_IKC_DUPLICATE,		/* LWK CPU mapped twice */
	IHK_ERR_OS_BUSY,		/* OS instance is booting or running */
	IHK_ERR_NO_DRIVER,		/* no architecture driver loaded */
	IHK_ERR_KARGS_LONG,		/* kernel arguments too long */
	IHK_ERR_CPU_IKC_TARGET,		/* Linux CPU serving an instance's IKC map */
	IHK_ERR_IMAGE_FORMAT,		/* image is not a 64-bit little-endian ELF executable */
	IHK_ERR_IMAGE_ARCH,		/* image is for another architecture */
	IHK_ERR_IMAGE_LAYOUT,		/* image segments or entry outside the boot layout */
	IHK_ERR_IMAGE_SIZE,		/* image file larger than IHK_IMAGE_MAX */
	IHK_ERR_BOOT_NO_IMAGE,		/* boot without a loaded image */
	IHK_ERR_BOOT_NO_CPU,		/* boot without CPUs */
	IHK_ERR_BOOT_NO_MEM,		/* boot without memory, or too little for the image */
	IHK_ERR_BOOT_TOO_MANY,		/* more CPUs or memory extents than the boot block holds */
	IHK_ERR_BOOT_TIMEOUT,		/* the LWK did not reach RUNNING in time */
	IHK_ERR_BOOT_PANIC,		/* the LWK panicked while booting */
	IHK_ERR_NOT_RUNNING,		/* shutdown of an instance that is not running */
	IHK_ERR_IKC_TIMEOUT,		/* the LWK did not answer an IKC message in time */
	IHK_ERR_IKC_CPU,		/* no such LWK CPU index */
	IHK_ERR_MAX,
};

/**
 * enum ihk_os_status - lifecycle of an OS instance (IHK_OS_GET_STATUS).
 */
enum ihk_os_status {
	IHK_OS_STATUS_INACTIVE = 0,	/* created, nothing booted */
	IHK_OS_STATUS_BOOTING,
	IHK_OS_STATUS_RUNNING,
	IHK_OS_STATUS_SHUTDOWN,
	IHK_OS_STATUS_PANIC,
	IHK_OS_STATUS_HUNGUP,
	IHK_OS_STATUS_MAX,
};

/**
 * struct ihk_cpu_list - a list of Linux CPU numbers.
 * @cpus:	user pointer to __u32[@num_cpus].
 * @num_cpus:	number of entries, 1..IHK_MAX_LIST.
 * @flags:	must be zero.
 * @err_index:	out: index of the refused entry.
 * @err_reason:	out: enum ihk_err_reason.
 */
struct ihk_cpu_list {
	__u64 cpus;
	__u32 num_cpus;
	__u32 flags;
	__u32 err_index;
	__u32 err_reason;
};

/**
 * struct ihk_cpu_info - one reserved CPU, as reported by the query calls.
 * @cpu:	Linux CPU number.
 * @hw_id:	hardware id (x86: APIC id); ~0 without a driver.
 * @numa_node:	NUMA node of the CPU.
 * @os_index:	OS instance it is assigned to, or IHK_OS_NONE.
 */
struct ihk_cpu_info {
	__u32 cpu;
	__u32 hw_id;
	__s32 numa_node;
	__s32 os_index;
};

/**
 * struct ihk_cpu_query - fill an array of struct ihk_cpu_info.
 * @cpus:	user pointer to struct ihk_cpu_info[@capacity].
 * @capacity:	entries the array holds (0 to only count).
 * @count:	out: entries that exist; min(@count, @capacity) were written.
 */
struct ihk_cpu_query {
	__u64 cpus;
	__u32 capacity;
	__u32 count;
};

/**
 * struct ihk_mem_req - "SIZE@NUMA", one entry of a memory request.
 * @size:	bytes, a non-zero multiple of IHK_MEM_GRANULE, or IHK_MEM_ALL.
 * @numa_node:	NUMA node, or IHK_NUMA_ALL (only with IHK_MEM_ALL).
 * @reserved:	must be zero.
 */
struct ihk_mem_req {
	__u64 size;
	__s32 numa_node;
	__u32 reserved;
};

/**
 * struct ihk_mem_list - a memory request.
 * @chunks:	user pointer to struct ihk_mem_req[@num_chunks].
 * @num_chunks:	1..IHK_MAX_MEM_CHUNKS.
 * @flags:	must be zero.
 * @err_index:	out: index of the refused chunk.
 * @err_reason:	out: enum ihk_err_reason.
 */
struct ihk_mem_list {
	__u64 chunks;
	__u32 num_chunks;
	__u32 flags;
	__u32 err_index;
	__u32 err_reason;
};

/**
 * struct ihk_mem_extent - one physically contiguous piece of reserved memory.
 * @phys:	physical start address, IHK_MEM_GRANULE aligned.
 * @size:	bytes.
 * @numa_node:	NUMA node.
 * @os_index:	OS instance it is assigned to, or IHK_OS_NONE.
 */
struct ihk_mem_extent {
	__u64 phys;
	__u64 size;
	__s32 numa_node;
	__s32 os_index;
};

/**
 * struct ihk_mem_query - fill an array of struct ihk_mem_extent.
 * @extents:	user pointer to struct ihk_mem_extent[@capacity].
 * @capacity:	entries the array holds (0 to only count).
 * @count:	out: entries that exist; min(@count, @capacity) were written.
 */
struct ihk_mem_query {
	__u64 extents;
	__u32 capacity;
	__u32 count;
};

/**
 * struct ihk_os_list - indices of the existing OS instances.
 * @indices:	user pointer to __u32[@capacity].
 * @capacity:	entries the array holds.
 * @count:	out: instances that exist.
 */
struct ihk_os_list {
	__u64 indices;
	__u32 capacity;
	__u32 count;
};

/**
 * struct ihk_os_index - names one OS instance.
 * @os_index:	the N of /dev/mcosN.
 * @reserved:	must be zero.
 */
struct ihk_os_index {
	__u32 os_index;
	__u32 reserved;
};

/**
 * struct ihk_ikc_pair - LWK CPU @lwk_cpu talks to Linux through Linux CPU @linux_cpu.
 */
struct ihk_ikc_pair {
	__u32 lwk_cpu;
	__u32 linux_cpu;
};

/**
 * struct ihk_ikc_map - the IKC map of an OS instance.
 * @pairs:	user pointer to struct ihk_ikc_pair[@num_pairs].
 * @num_pairs:	set: 1..IHK_MAX_LIST entries; get: capacity in, count out.
 * @flags:	must be zero.
 * @err_index:	out (set): index of the refused pair.
 * @err_reason:	out (set): enum ihk_err_reason.
 */
struct ihk_ikc_map {
	__u64 pairs;
	__u32 num_pairs;
	__u32 flags;
	__u32 err_index;
	__u32 err_reason;
};

/**
 * struct ihk_kargs - kernel argument string of an OS instance.
 * @buf:	user pointer to the bytes.
 * @len:	set: string length without NUL, < IHK_KARGS_MAX;
 *		get: buffer size in, string length (without NUL) out.
 * @flags:	must be zero.
 */
struct ihk_kargs {
	__u64 buf;
	__u32 len;
	__u32 flags;
};

/**
 * struct ihk_os_status_info - IHK_OS_GET_STATUS result.
 * @status:	enum ihk_os_status.
 * @reserved:	zero.
 */
struct ihk_os_status_info {
	__u32 status;
	__u32 reserved[3];
};

/**
 * struct ihk_os_image - IHK_OS_LOAD: the LWK image (an ELF file's bytes).
 * @buf:	user pointer to the bytes.
 * @size:	bytes, at most IHK_IMAGE_MAX.
 * @flags:	must be zero.
 * @err_reason:	out: enum ihk_err_reason.
 */
struct ihk_os_image {
	__u64 buf;
	__u64 size;
	__u32 flags;
	__u32 err_reason;
};

/**
 * struct ihk_os_boot_req - IHK_OS_BOOT and IHK_OS_SHUTDOWN.
 * @flags:	must be zero.
 * @err_reason:	out: enum ihk_err_reason.
 * @timeout_ms:	boot: how long to wait for RUNNING; 0: the module's default.
 * @reserved:	must be zero.
 */
struct ihk_os_boot_req {
	__u32 flags;
	__u32 err_reason;
	__u32 timeout_ms;
	__u32 reserved;
};

/**
 * struct ihk_kmsg_read - IHK_OS_READ_KMSG: copy the LWK's log since the last clear.
 * @buf:	user pointer.
 * @size:	bytes @buf holds.
 * @len:	out: bytes written (the newest ones if the log is longer).
 */
struct ihk_kmsg_read {
	__u64 buf;
	__u32 size;
	__u32 len;
};

/**
 * struct ihk_ikc_ping - IHK_OS_IKC_PING: round trips over one LWK CPU's channel.
 * @cpu_index:	LWK CPU (index into the instance's CPUs, ascending Linux numbers).
 * @count:	round trips, 1..100000.
 * @min_ns:	out: fastest round trip.
 * @max_ns:	out: slowest.
 * @total_ns:	out: sum of all.
 * @flags:	IHK_IKC_PING_POLL or zero.
 * @err_reason:	out: enum ihk_err_reason.
 */
#define IHK_IKC_PING_POLL 1u	/* wait for answers by polling the ring, not sleeping */
struct ihk_ikc_ping {
	__u32 cpu_index;
	__u32 count;
	__u64 min_ns;
	__u64 max_ns;
	__u64 total_ns;
	__u32 flags;
	__u32 err_reason;
};

/**
 * struct ihk_os_rusage_cpu - one LWK CPU since boot (IHK_OS_GET_RUSAGE).
 * @linux_cpu:	Linux's number for it.
 * @state:	now: 0 in the kernel, 1 idle, 2 running a program.
 * @user_ns:	time running programs.
 * @kernel_ns:	time in the LWK's kernel (system calls, faults, interrupts, waiting
 *		with a thread to run).
 * @idle_ns:	time halted with nothing to run.
 * @kernel_entries: system calls, interrupts and exceptions taken, and Linux's
 *		liveness probes.
 * @syscalls:	system calls.
 * @exceptions:	page faults and other exceptions (vectors 0-31).
 * @interrupts:	every other interrupt: the LWK's timer and IPIs, IKC, Linux's
 *		probes (the noise a compute core saw).
 */
struct ihk_os_rusage_cpu {
	__u32 linux_cpu;
	__u32 state;
	__u64 user_ns;
	__u64 kernel_ns;
	__u64 idle_ns;
	__u64 kernel_entries;
	__u64 syscalls;
	__u64 exceptions;
	__u64 interrupts;
};

/**
 * struct ihk_os_rusage - IHK_OS_GET_RUSAGE: what a booted instance has done.
 * @cpus:	user pointer to struct ihk_os_rusage_cpu[@capacity] (may be 0 with
 *		@capacity 0).
 * @capacity:	entries at @cpus; the first min(@capacity, @num_cpus) are filled.
 * @num_cpus:	out: the instance's CPUs.
 * @uptime_ns:	out: since the LWK started (until now, also after a shutdown).
 * @mem_total:	out: bytes of the instance's memory the LWK manages.
 * @mem_used:	out: of those, in use now (kernel image and data included).
 * @mem_peak:	out: the most ever in use.
 * @processes, @threads: out: alive now; @processes_peak, @threads_peak the most
 *		at once; @processes_started all since boot (fork children too).
 * @offloads:	out: system calls sent to Linux.
 * @page_faults: out: programs' page faults the LWK resolved.
 * @page_tables: out: bytes of programs' page tables now; @page_tables_peak the
 *		most at once.
 */
struct ihk_os_rusage {
	__u64 cpus;
	__u32 capacity;
	__u32 num_cpus;
	__u64 uptime_ns;
	__u64 mem_total;
	__u64 mem_used;
	__u64 mem_peak;
	__u32 processes;
	__u32 processes_peak;
	__u32 threads;
	__u32 threads_peak;
	__u64 processes_started;
	__u64 offloads;
	__u64 page_faults;
	__u64 page_tables;
	__u64 page_tables_peak;
};

/*
 * /dev/mcd0 (root only). Errors beyond EFAULT (bad pointer), EINVAL (flags,
 * malformed list), E2BIG (list too long) and ENOTTY (unknown command):
 *
 * IHK_DEVICE_RESERVE_CPU: take online CPUs away from Linux.
 *	ENODEV no such CPU; EPERM CPU 0 / not hot-pluggable / last online CPU;
 *	EEXIST already reserved; EBUSY offline but not ours, named in an instance's
 *	IKC map, or hotplug failed; EINVAL duplicate.
 * IHK_DEVICE_RELEASE_CPU: give reserved CPUs back to Linux.
 *	ENOENT not reserved; EBUSY assigned to an OS instance; EIO hotplug failed.
 * IHK_DEVICE_QUERY_CPU: list reserved CPUs.
 * IHK_DEVICE_RESERVE_MEM: take memory away from Linux.
 *	ENODEV no such NUMA node / node without memory; EINVAL size not a multiple of
 *	the granule; EOVERFLOW sizes overflow; ENOMEM node has too little free memory
 *	(after the safety margin that keeps Linux alive).
 * IHK_DEVICE_RELEASE_MEM: give reserved memory back to Linux.
 *	ENOENT more than is reserved there; EBUSY only assigned memory is left.
 * IHK_DEVICE_QUERY_MEM: list reserved memory.
 * IHK_DEVICE_CREATE_OS: returns the new index N of /dev/mcosN.
 *	ENODEV no architecture driver loaded; ENOSPC IHK_MAX_OS reached.
 * IHK_DEVICE_DESTROY_OS: destroy an instance; its resources return to the pool.
 *	ENOENT no such instance.
 * IHK_DEVICE_QUERY_OS: list instances.
 */
#define IHK_DEVICE_RESERVE_CPU	_IOWR(IHK_IOCTL_MAGIC, 0x01, struct ihk_cpu_list)
#define IHK_DEVICE_RELEASE_CPU	_IOWR(IHK_IOCTL_MAGIC, 0x02, struct ihk_cpu_list)
#define IHK_DEVICE_QUERY_CPU	_IOWR(IHK_IOCTL_MAGIC, 0x03, struct ihk_cpu_query)
#define IHK_DEVICE_RESERVE_MEM	_IOWR(IHK_IOCTL_MAGIC, 0x04, struct ihk_mem_list)
#define IHK_DEVICE_RELEASE_MEM	_IOWR(IHK_IOCTL_MAGIC, 0x05, struct ihk_mem_list)
#define IHK_DEVICE_QUERY_MEM	_IOWR(IHK_IOCTL_MAGIC, 0x06, struct ihk_mem_query)
#define IHK_DEVICE_CREATE_OS	_IO(IHK_IOCTL_MAGIC, 0x07)
#define IHK_DEVICE_DESTROY_OS	_IOW(IHK_IOCTL_MAGIC, 0x08, struct ihk_os_index)
#define IHK_DEVICE_QUERY_OS	_IOWR(IHK_IOCTL_MAGIC, 0x09, struct ihk_os_list)

/*
 * /dev/mcosN. Changing calls need CAP_SYS_ADMIN (EPERM) and an INACTIVE or SHUTDOWN
 * instance (EBUSY, IHK_ERR_OS_BUSY); queries only need the device to be open. ENODEV: the
 * instance was destroyed while the file was open.
 *
 * IHK_OS_ASSIGN_CPU: move reserved CPUs into the instance.
 *	ENOENT not reserved; EBUSY assigned (here or elsewhere); EINVAL duplicate.
 * IHK_OS_RELEASE_CPU: move CPUs back to the pool; ENOENT not assigned here.
 * IHK_OS_ASSIGN_MEM: move pool memory into the instance.
 *	ENODEV bad node; EINVAL granule; EOVERFLOW; ENOENT pool has too little there.
 * IHK_OS_RELEASE_MEM: move memory back to the pool; ENOENT not assigned here.
 * IHK_OS_SET_IKC_MAP: EINVAL LWK CPU not assigned here, Linux CPU offline or
 *	reserved, LWK CPU mapped twice.
 * IHK_OS_SET_KARGS: E2BIG IHK_KARGS_MAX or more; EINVAL embedded NUL.
 * IHK_OS_GET_KARGS: ENOSPC buffer too small (len says how much is needed).
 */
#define IHK_OS_ASSIGN_CPU	_IOWR(IHK_IOCTL_MAGIC, 0x20, struct ihk_cpu_list)
#define IHK_OS_RELEASE_CPU	_IOWR(IHK_IOCTL_MAGIC, 0x21, struct ihk_cpu_list)
#define IHK_OS_QUERY_CPU	_IOWR(IHK_IOCTL_MAGIC, 0x22, struct ihk_cpu_query)
#define IHK_OS_ASSIGN_MEM	_IOWR(IHK_IOCTL_MAGIC, 0x23, struct ihk_mem_list)
#define IHK_OS_RELEASE_MEM	_IOWR(IHK_IOCTL_MAGIC, 0x24, struct ihk_mem_list)
#define IHK_OS_QUERY_MEM	_IOWR(IHK_IOCTL_MAGIC, 0x25, struct ihk_mem_query)
#define IHK_OS_SET_IKC_MAP	_IOWR(IHK_IOCTL_MAGIC, 0x26, struct ihk_ikc_map)
#define IHK_OS_GET_IKC_MAP	_IOWR(IHK_IOCTL_MAGIC, 0x27, struct ihk_ikc_map)
#define IHK_OS_SET_KARGS	_IOW(IHK_IOCTL_MAGIC, 0x28, struct ihk_kargs)
#define IHK_OS_GET_KARGS	_IOWR(IHK_IOCTL_MAGIC, 0x29, struct ihk_kargs)
#define IHK_OS_GET_STATUS	_IOR(IHK_IOCTL_MAGIC, 0x2a, struct ihk_os_status_info)

/*
 * Booting (CAP_SYS_ADMIN):
 * IHK_OS_LOAD: validate and keep the image. ENOEXEC not an ELF executable for
 *	this architecture or outside the boot layout; E2BIG larger than IHK_IMAGE_MAX.
 * IHK_OS_BOOT: start the LWK on the assigned CPUs and wait for RUNNING.
 *	EBUSY booting or running; EINVAL no image, CPUs or memory; E2BIG too many CPUs or
 *	extents; ENOMEM too little memory; ETIMEDOUT no RUNNING in time; EIO the LWK
 *	panicked. After a failure the LWK's CPUs are stopped; destroy the instance.
 * IHK_OS_SHUTDOWN: stop every LWK CPU. EINVAL not booted.
 * IHK_OS_READ_KMSG: the LWK's log (open file suffices). IHK_OS_CLEAR_KMSG: forget it.
 */
#define IHK_OS_LOAD		_IOWR(IHK_IOCTL_MAGIC, 0x2b, struct ihk_os_image)
#define IHK_OS_BOOT		_IOWR(IHK_IOCTL_MAGIC, 0x2c, struct ihk_os_boot_req)
#define IHK_OS_SHUTDOWN		_IOWR(IHK_IOCTL_MAGIC, 0x2d, struct ihk_os_boot_req)
#define IHK_OS_READ_KMSG	_IOWR(IHK_IOCTL_MAGIC, 0x2e, struct ihk_kmsg_read)
#define IHK_OS_CLEAR_KMSG	_IO(IHK_IOCTL_MAGIC, 0x2f)

/*
 * IHK_OS_IKC_PING (CAP_SYS_ADMIN): send PING messages to one LWK CPU and wait,
 *	bounded (1 s each), for its PONG. EINVAL not running, bad index or count;
 *	ETIMEDOUT no answer.
 */
#define IHK_OS_IKC_PING		_IOWR(IHK_IOCTL_MAGIC, 0x30, struct ihk_ikc_ping)

/*
 * IHK_OS_GET_RUSAGE (open file suffices, like the log): the LWK's own counters
 *	since boot, read without interrupting it. EINVAL never booted (or its
 *	memory released); ENODEV destroyed.
 */
#define IHK_OS_GET_RUSAGE	_IOWR(IHK_IOCTL_MAGIC, 0x31, struct ihk_os_rusage)

#endif /* _UAPI_IHK_IHK_H */
