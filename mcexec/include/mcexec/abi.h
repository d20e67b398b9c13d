/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The contract between mcexec (Linux user space), mcctrl.ko (its kernel half)
 * and McKernel: the unified address space layout, the ioctls on /dev/mcosN and
 * on a process file, the IKC messages, and the blocks in the LWK's memory that
 * both kernels read and write. See docs/mcexec.md.
 *
 *   mcexec ──ioctl──> mcctrl ──IKC (ihk/ikc.h)──> McKernel
 *          <─────────        <──────────────────
 *
 * Every pointer an LWK program passes to an offloaded call is a user virtual
 * address in [MCK_USER_START, MCK_USER_END); mcexec maps that whole range from
 * its process file, and mcctrl resolves faults there through the process's
 * page tables in the LWK, so the call runs on the program's own memory.
 */
#ifndef _MCEXEC_ABI_H
#define _MCEXEC_ABI_H

#ifdef __KERNEL__
#include <linux/ioctl.h>
#include <linux/types.h>
typedef __u32 mck_u32;
typedef __s32 mck_s32;
typedef __u64 mck_u64;
typedef __s64 mck_s64;
#else
#include <stdint.h>
#include <sys/ioctl.h>
typedef uint32_t mck_u32;
typedef int32_t mck_s32;
typedef uint64_t mck_u64;
typedef int64_t mck_s64;
#endif

/* The program's user range; mcexec itself lives above it (PIE, libraries, stack). */
#define MCK_USER_START 0x10000ull
#define MCK_USER_END 0x400000000000ull		/* 64 TiB */
#define MCK_PIE_BASE 0x100000000000ull		/* where a PIE program is loaded */
#define MCK_INTERP_BASE 0x200000000000ull	/* where its dynamic loader is loaded */
#define MCK_STACK_TOP 0x3ffff0000000ull		/* top of the main thread's stack */
/* mmap(NULL) allocates downwards from here, 1 TiB below the stack's top: its room to grow */
#define MCK_MMAP_TOP 0x3f0000000000ull
#define MCK_VVAR_BASE 0x3f0000000000ull		/* the vDSO's data page (read-only) ... */
#define MCK_VDSO_BASE 0x3f0000001000ull		/* ... and the vDSO: AT_SYSINFO_EHDR */

#define MCK_MAX_REGIONS 32			/* mappings mcexec asks for at creation */
#define MCK_MAX_THREADS 16384			/* threads per process (memory allowing) */
#define MCK_INVAL_SLOTS 32			/* pending unmaps before a full flush */

/* ---- ioctls on /dev/mcosN (owner of the device: the instance's user) ---- */
#define MCEXEC_IOC_MAGIC 0xB8

struct mcexec_create {
	mck_u32 version;	/* MCEXEC_ABI_VERSION */
	mck_u32 flags;
	mck_u32 cpu_first;	/* share of the instance's CPUs: indices [first, first + count) */
	mck_u32 cpu_count;	/* 0: all */
	mck_u64 mem_limit;	/* bytes the process may use; 0: no limit beyond the instance */
	mck_s64 realtime_ns;	/* ignored: mcctrl reads Linux's clocks itself */
	mck_s64 monotonic_ns;
	mck_s32 fd;		/* out: the process file */
	mck_u32 pid;		/* out: the program's pid (mcexec's) */
	mck_u64 fork_token;	/* MCEXEC_CREATE_FORK: the parent's MCK_SYS_FORK token */
};
/*
 * flags: MCEXEC_CREATE_FORK adopts the child McKernel prepared for the
 * MCK_SYS_FORK call @fork_token of the calling process's Linux parent (the
 * mcexec that forked us): its copied address space and main thread, which
 * MCEXEC_START then runs (entry and sp ignored). No MCEXEC_SETUP.
 */
#define MCEXEC_CREATE_FORK 0x1
#define MCEXEC_ABI_VERSION 17	/* 17: mck_offload.interrupt numbers the call, MCK_IKC_INTERRUPT's arg[2]; 16: mck_exec_keeps in mck_offload, mcexec_event and mcexec_setup, MCK_MMAP_TOP 1 TiB below the stack; 15: MCK_SYS_CHILD_REAP's @seq, mcexec_setup.blocked/pending, MCK_RLIMIT_CPU, mck_offload/mcexec_event.sigmask/sigpending; 14: MCK_SYS_CHILD_REAP, mcexec_setup.ignored, MCK_EXEC_IGNORED_ARG; 13: MCK_SYS_SHARED_FUTEX_WAKE; 12: MCK_SYS_SHARED_REMAP, MCK_SYS_SIGNALFD_READY/RENEW; 11: MCK_OFFLOAD_FAULT, MCK_PTE_COW; 10: MCK_IKC_HELD_CHECK/FREE; 9: MCK_PIN_IO; 8: MCK_SYS_SHARED_RELEASE, MCEXEC_UNPIN_CALL; 7: MCK_IKC_STOPPED; 6: mlock check, MCK_SYS_STOP; 5: credentials, /proc files; 4: interruptions; 3: rlimits in SETUP, stamps, report */
/*
 * Create the LWK process; returns its file (close = kill). EPROTO: @version is
 * not mcctrl's, or the booted image speaks another version (it publishes it in
 * ihk_boot_param.user_abi); mcctrl's own is its abi_version module parameter.
 */
#define MCEXEC_CREATE _IOWR(MCEXEC_IOC_MAGIC, 0x01, struct mcexec_create)

/* ---- ioctls on the process file ---- */
#define MCK_PROT_READ 1
#define MCK_PROT_WRITE 2
#define MCK_PROT_EXEC 4

struct mcexec_region {
	mck_u64 start;		/* page aligned, inside the user range */
	mck_u64 len;
	mck_u32 prot;		/* MCK_PROT_*: applied at START; writable until then */
	mck_u32 flags;
};

struct mck_rlimit {
	mck_u64 cur, max;	/* RLIM_INFINITY: ~0 */
};

#define MCK_RLIMITS 4	/* MCK_RLIMIT_* below */

/*
 * What a thread's execve keeps for the new image besides its signals, as
 * Linux keeps a task's NUMA policy and CPU affinity: the LWK writes it into
 * the offload block of execve/execveat, mcctrl copies it into mcexec_event,
 * mcexec passes it on to the new mcexec (--mempolicy, --cpus), which gives it
 * to the new process in mcexec_setup. The LWK checks it there like
 * set_mempolicy and sched_setaffinity would.
 */
#define MCK_CPU_WORDS 4		/* IHK_BOOT_MAX_CPUS / 64 */
struct mck_exec_keeps {
	mck_u32 policy_mode;	/* MPOL_* (0: the default) */
	mck_u32 policy_flags;	/* MPOL_F_STATIC_NODES, MPOL_F_RELATIVE_NODES */
	mck_u64 policy_nodes;	/* nodes 0-63 */
	mck_u64 cpus[MCK_CPU_WORDS];	/* CPUs of the process's share, numbered from 0; none: all */
};

struct mcexec_setup {
	mck_u32 num_regions;
	mck_u32 reserved;
	mck_u64 regions;	/* user pointer to struct mcexec_region[num_regions] */
	mck_u64 brk_start;	/* where the heap begins (page aligned) */
	mck_u64 stack_start;	/* lowest address of the stack region (also a region) */
	mck_u64 stack_max;	/* the stack region's size */
	struct mck_rlimit rlimits[MCK_RLIMITS];	/* MCK_RLIMIT_*: the program's limits, which the LWK keeps */
	mck_u64 ignored;	/* signals the program starts with ignored (bit sig - 1): SIG_IGN stays through execve */
	mck_u64 blocked;	/* its main thread's signal mask (bit sig - 1), which stays through execve too */
	mck_u64 pending;	/* signals pending for it from before execve (bit sig - 1) */
	struct mck_exec_keeps keeps;	/* its main thread's NUMA policy and CPUs, from before execve */
};
/*
 * Limits of memory the LWK allocates, and of the CPU time it gives, are the
 * LWK's: getrlimit, setrlimit and prlimit64 of the program itself for these
 * never reach Linux (mcexec's own address space and CPU time are not the
 * program's). mcexec checks a raise of a hard limit (MCK_SYS_RLIMIT) and keeps
 * the values for an execve.
 */
#define MCK_RLIMIT_AS 0
#define MCK_RLIMIT_DATA 1
#define MCK_RLIMIT_STACK 2
#define MCK_RLIMIT_CPU 3	/* seconds of the process's CPU time on the LWK */
/* Map the program's regions (zeroed memory); mcexec then writes them. */
#define MCEXEC_SETUP _IOW(MCEXEC_IOC_MAGIC, 0x10, struct mcexec_setup)

struct mcexec_start {
	mck_u64 entry;		/* first instruction (the dynamic loader's if any) */
	mck_u64 sp;		/* initial stack pointer: argc, argv, envp, auxv */
};
#define MCEXEC_START _IOW(MCEXEC_IOC_MAGIC, 0x11, struct mcexec_start)

/* What MCEXEC_WAIT returns. */
#define MCEXEC_EV_SYSCALL 1	/* run the call and MCEXEC_REPLY */
#define MCEXEC_EV_EXIT 2	/* the process ended: status as wait(2) encodes it */
#define MCEXEC_EV_TIMEOUT 3	/* nothing within the wait; call again */

struct mcexec_event {
	mck_u32 type;		/* out: MCEXEC_EV_* */
	mck_u32 timeout_ms;	/* in: how long to wait at most */
	mck_u64 token;		/* out: identifies the request in MCEXEC_REPLY */
	mck_u64 nr;		/* out: system call number */
	mck_u64 args[6];	/* out */
	mck_u32 tid;		/* out: the calling thread */
	mck_s32 status;		/* out, EV_EXIT: wait status (exit code << 8, or signal) */
	mck_u32 flags;		/* out, EV_SYSCALL: MCEXEC_EV_INTERRUPTED */
	mck_u32 pad;
	mck_u64 sigmask;	/* out, EV_SYSCALL: the calling thread's signal mask (bit sig - 1) */
	mck_u64 sigpending;	/* out, execve/execveat: the blocked signals pending for it */
	struct mck_exec_keeps keeps;	/* out, execve/execveat: the calling thread's policy and CPUs */
};
/*
 * The call was interrupted before mcexec took it: a signal with a handler
 * came for the thread. mcexec does not run it and answers -MCK_ERESTARTNOINTR.
 */
#define MCEXEC_EV_INTERRUPTED 0x1
/*
 * Interrupting an offloaded call (docs/mcexec.md, "Signals"): when a signal
 * the program handles comes for a thread blocked in an offloaded call, the LWK
 * sets @interrupt in its offload block and sends MCK_IKC_INTERRUPT. mcctrl
 * sends MCEXEC_INTERRUPT_SIGNAL to the mcexec thread serving the call (or
 * flags the call MCEXEC_EV_INTERRUPTED if none took it yet). mcexec answers
 * the call with what Linux's own restart rules say: -MCK_ERESTARTSYS when
 * Linux would restart it after a handler with SA_RESTART, -EINTR when Linux
 * returns EINTR whatever the handler, -MCK_ERESTARTNOINTR when the call never
 * ran. The LWK then restarts the call or returns EINTR, as Linux does, once
 * the handler is set up.
 */
#define MCEXEC_INTERRUPT_SIGNAL 37	/* SIGRTMIN + 3 with glibc: mcexec's own */
#define MCK_ERESTARTSYS 512
#define MCK_ERESTARTNOINTR 513
#define MCEXEC_WAIT _IOWR(MCEXEC_IOC_MAGIC, 0x12, struct mcexec_event)

struct mcexec_reply {
	mck_u64 token;
	mck_s64 ret;		/* result or -errno */
};
#define MCEXEC_REPLY _IOW(MCEXEC_IOC_MAGIC, 0x13, struct mcexec_reply)

/*
 * Shared file mappings: McKernel offloads MCK_SYS_MAP_SHARED(fd, len, prot, offset,
 * list_phys); mcexec maps the file MAP_SHARED in its own space with that
 * protection (so Linux checks the file's open mode, seals and mount flags) and
 * pins its pages with MCEXEC_PIN_CALL, naming the call it serves. mcctrl takes
 * the length, the protection and the list from the LWK's own request, never
 * from mcexec: it pins for writing exactly when the program asked to write,
 * and writes the pages' physical addresses (0 past the end of the file), each
 * with MCK_PIN_* flags, into the LWK's list. McKernel maps those very pages,
 * so both kernels see the same bytes. The pages stay pinned until the LWK
 * unmaps them (MCK_SYS_SHARED_RELEASE) or no longer runs the process.
 */
#define MCK_SYS_MAP_SHARED 0x4d434b01	/* not a Linux system call number */
/*
 * The LWK unmapped [linux_addr, linux_addr + len) of mcexec's shared mappings
 * (munmap, a mapping over it, shmdt) and flushed its TLBs:
 * MCK_SYS_SHARED_RELEASE(linux_addr, len, inval_seq), inval_seq being the
 * unmap's number in the shared block's queue. mcexec asks mcctrl to unpin
 * them (MCEXEC_UNPIN_CALL naming the call: mcctrl takes the range and number
 * from the LWK's request, and unpins only once mcexec's view applied that
 * unmap) and drops that part of its own mapping, so the file is as if the
 * program had unmapped it on Linux (F_SEAL_WRITE, truncation, VmPin).
 * Result: 0; the LWK does not wait on it for anything.
 */
#define MCK_SYS_SHARED_RELEASE 0x4d434b0c
/*
 * mprotect adds PROT_WRITE to part of a shared file mapping made without it:
 * McKernel offloads MCK_SYS_SHARED_WRITABLE(linux_addr, len, list_phys); mcexec
 * makes that part of its mapping writable (Linux checks the file) and pins it
 * again with MCEXEC_PIN_CALL, for writing; the LWK checks the list names the
 * pages it maps.
 */
#define MCK_SYS_SHARED_WRITABLE 0x4d434b02
/*
 * mremap grows or moves a shared mapping (not a System V attach):
 * MCK_SYS_SHARED_REMAP(linux_addr, len, prot, old_len, list_phys); mcexec
 * makes a second mapping of the same object from @linux_addr, where
 * [linux_addr, linux_addr + old_len) lies in one of its shared mappings
 * (-EFAULT: not one mapping, as Linux's mremap across two), with length @len (Linux's mremap of old size 0) and pins it with
 * MCEXEC_PIN_CALL as for MCK_SYS_MAP_SHARED (same argument places; 0 in the
 * list past what the object backs). Result: mcexec's address of it. The old
 * range goes as any other (MCK_SYS_SHARED_RELEASE).
 */
#define MCK_SYS_SHARED_REMAP 0x4d434b0d
/*
 * A FUTEX_WAKE (not private) of a word in a shared file mapping or System V
 * attach, which Linux processes may map and wait on: after its own waiters,
 * McKernel offloads MCK_SYS_SHARED_FUTEX_WAKE(linux_addr, count, bitset) for
 * the word at @linux_addr of mcexec's own mapping of the object; mcexec wakes
 * up to @count Linux waiters of that word whose bitset meets @bitset
 * (FUTEX_WAKE_BITSET), refusing (-EFAULT) an address in none of its shared
 * mappings. Result: how many it woke.
 */
#define MCK_SYS_SHARED_FUTEX_WAKE 0x4d434b11
/*
 * A signalfd of the program is an eventfd in mcexec, which the LWK answers
 * reads of with its own signals: MCK_SYS_SIGNALFD_READY(fd, ready) makes it
 * readable (@ready 1) or not (0), as a signal of its mask is pending or not.
 * mcexec refuses (-EINVAL) a descriptor that is not an eventfd. Result: 0.
 */
#define MCK_SYS_SIGNALFD_READY 0x4d434b0e
/*
 * A fork child's signalfd @fd is its parent's eventfd (mcexec's fork copied
 * the descriptor): MCK_SYS_SIGNALFD_RENEW(fd, like) puts an eventfd of the
 * child's own at @fd, with the same O_NONBLOCK and close-on-exec, or, with
 * @like >= 0, a copy of the one at @like (a dup of the same signalfd, renewed
 * already). Refused (-EINVAL) where @fd or @like is not an eventfd. Result: 0.
 */
#define MCK_SYS_SIGNALFD_RENEW 0x4d434b0f
/*
 * fork/vfork/clone of a process: McKernel copies the address space into a
 * child it keeps aside, then offloads MCK_SYS_FORK(token); mcexec forks, and
 * the child mcexec adopts it (MCEXEC_CREATE with MCEXEC_CREATE_FORK and the
 * token). Result: the child's pid, as fork returns it.
 */
#define MCK_SYS_FORK 0x4d434b03
/*
 * A fork child maps the parent's shared file mappings again, from its own
 * mcexec's copy of the mapping: MCK_SYS_SHARED_ADOPT(linux_addr, len,
 * list_phys, write); mcexec pins them with MCEXEC_PIN_CALL (for writing when
 * @write), as for MCK_SYS_MAP_SHARED.
 */
#define MCK_SYS_SHARED_ADOPT 0x4d434b04
/*
 * System V shared memory (shmat): McKernel offloads MCK_SYS_SHM_SIZE(shmid) for
 * the segment's size in whole pages (mcexec asks Linux, which checks the right
 * to read it), then MCK_SYS_SHM_ATTACH(shmid, len, prot, shmflg, list_phys):
 * mcexec attaches the segment in its own space with the program's SHM_RDONLY
 * and SHM_EXEC (Linux checks the permissions), and pins it with
 * MCEXEC_PIN_CALL as for MCK_SYS_MAP_SHARED (same argument places). Result:
 * mcexec's address. shmdt: MCK_SYS_SHM_DETACH(linux_addr), which mcexec
 * accepts only at the start of one of its attaches; result: its length. The
 * pages stay pinned until the process ends, as for shared file mappings.
 */
#define MCK_SYS_SHM_SIZE 0x4d434b05
#define MCK_SYS_SHM_ATTACH 0x4d434b06
#define MCK_SYS_SHM_DETACH 0x4d434b07
/*
 * setrlimit/prlimit64 of one of the LWK's limits (MCK_RLIMIT_*) by the program:
 * MCK_SYS_RLIMIT(which, cur, max); mcexec answers -EPERM for a hard limit
 * raised without CAP_SYS_RESOURCE, else records the limit (for an execve) and 0.
 */
#define MCK_SYS_RLIMIT 0x4d434b08
/*
 * The program's own /proc/self/maps, stat, statm and status (also
 * /proc/<pid>/, thread-self/, task/<tid>/; docs/mcexec.md, "The machine the
 * program sees") describe the LWK process, made at each open:
 *  1. mcexec answers an offloaded open of one of them with
 *     -(MCK_PROC_FILE_RETRY + pid), pid 0 for the caller's own process, else
 *     the pid the path names (/proc/<pid>/...), which may be another LWK
 *     process; McKernel never passes such a result to the program;
 *  2. McKernel takes a snapshot of that process (struct mck_proc_snapshot,
 *     then its threads and regions), copies it into a private anonymous
 *     mapping of the calling process made for this call, and offloads
 *     MCK_SYS_PROC_FILE(addr, len, nr, a0, a1, a2): the snapshot and the
 *     open's own number and first three arguments. No LWK process has that
 *     pid: addr and len 0, and mcexec opens Linux's file;
 *  3. mcexec resolves the open's path again, renders the file from the
 *     snapshot into a memfd and returns it opened read-only (with the open's
 *     O_CLOEXEC, O_NONBLOCK); McKernel unmaps the snapshot.
 * The snapshot is the program's memory while mcexec reads it: mcexec checks
 * every count against @len and trusts nothing else in it.
 */
#define MCK_SYS_PROC_FILE 0x4d434b09
/*
 * A private file mapping's contents: MCK_SYS_MAP_FILL(fd, addr, len, offset,
 * prot) is pread(fd, addr, len, offset) into the program's new mapping at
 * @addr (SYS_pread64 before), and mcexec notes which file it is, for its name
 * in /proc/self/maps. On a noexec mount the result (bytes read) has
 * MCK_FILL_NOEXEC set, and @prot with PROT_EXEC is -EPERM, read nothing (as
 * Linux's mmap).
 */
#define MCK_SYS_MAP_FILL 0x4d434b0a
#define MCK_FILL_NOEXEC (1ull << 62)
/*
 * mlock, mlock2, mlockall: may the process have @bytes locked in all?
 * MCK_SYS_MLOCK_CHECK(bytes) answers as Linux, whose RLIMIT_MEMLOCK and
 * CAP_IPC_LOCK they are: -EPERM when the limit is 0 without the capability,
 * -ENOMEM when @bytes' pages are more than the limit's, else 0.
 */
#define MCK_SYS_MLOCK_CHECK 0x4d434b10
/*
 * Job control: a stop signal's default action stopped the program on the LWK
 * (every thread left user mode): MCK_SYS_STOP(sig) asks mcexec to stop itself
 * with @sig (SIGSTOP, SIGTSTP, SIGTTIN or SIGTTOU), so that Linux's parent
 * sees it stopped by that signal. mcexec answers 0 once continued (SIGCONT,
 * which it forwards and which resumes the program), -EINVAL for another signal.
 */
#define MCK_SYS_STOP 0x4d434b0b
/*
 * The program's children are its mcexec's children on Linux, so Linux reaps
 * them by mcexec's SIGCHLD action: MCK_SYS_CHILD_REAP(mode, seq) gives it the
 * program's, whenever the program changes whether its children are reaped
 * when they end. @mode: MCK_CHILD_REAP_WAIT (SIG_DFL or a handler: a zombie
 * until waited for), MCK_CHILD_REAP_IGNORE (SIG_IGN: reaped, no SIGCHLD),
 * MCK_CHILD_REAP_NOWAIT (SA_NOCLDWAIT: reaped, SIGCHLD still sent). @seq: the
 * change's number, from 1 for each image (a fork child goes on from its
 * parent's); changes from several threads may arrive in any order, and mcexec
 * applies one only if its @seq is above the last it applied. Answer 0 (also
 * for a change it skipped as older), -EINVAL for another mode.
 */
#define MCK_SYS_CHILD_REAP 0x4d434b12
/*
 * execve and execveat go to mcexec with their sixth argument (which neither
 * has) set by the LWK: the signals the program ignores (bit sig - 1). mcexec
 * ignores exactly those while it runs its new image, which then starts the
 * program with them ignored (mcexec_setup.ignored), as Linux keeps SIG_IGN
 * through execve.
 */
#define MCK_EXEC_IGNORED_ARG 5
#define MCK_CHILD_REAP_WAIT 0
#define MCK_CHILD_REAP_IGNORE 1
#define MCK_CHILD_REAP_NOWAIT 2
#define MCK_PROC_FILE_RETRY 0x4d434b09	/* -(MCK_PROC_FILE_RETRY + pid): an open's result, never an errno */
#define MCK_PROC_FILE_MAX_PID 4194304	/* PID_MAX_LIMIT */
#define MCK_SNAPSHOT_VERSION 3	/* 3: mck_snap_thread.cpus; 2: mem_free */
#define MCK_SNAPSHOT_MAX_VMAS 65536	/* regions listed at most (Linux's max_map_count is 65530) */

/* A thread of the snapshot. @state: 'R' (running or runnable), 'S' (waiting
   for an event or Linux), 'D' (waiting in the kernel), 'Z' (ended). */
struct mck_snap_thread {
	mck_u32 tid;
	mck_u32 state;
	mck_u32 cpu;		/* the program's CPU number it last ran on */
	mck_u32 pad;
	mck_u64 run_tsc;	/* TSC spent running (user and kernel) */
	mck_u64 user_tsc;	/* of which in user mode */
	mck_u64 minflt;
	mck_u64 nvcsw, nivcsw;
	mck_u64 cpus[MCK_CPU_WORDS];	/* its CPU affinity, CPUs of the share numbered from 0 */
};

#define MCK_SNAP_VMA_HEAP 1
#define MCK_SNAP_VMA_STACK 2
#define MCK_SNAP_VMA_FILE 4
#define MCK_SNAP_VMA_SHARED 16
#define MCK_SNAP_VMA_LOCKED 1024	/* mlock'ed (VmLck) */
/*
 * A region of the snapshot: [start, end), MCK_PROT_* and MCK_SNAP_VMA_*;
 * @linux_addr: a shared mapping's page at @start in mcexec (MCK_SYS_MAP_SHARED's
 * result), else 0.
 */
struct mck_snap_vma {
	mck_u64 start, end;
	mck_u32 prot;
	mck_u32 flags;
	mck_u64 linux_addr;
};

struct mck_proc_snapshot {
	mck_u32 version;	/* MCK_SNAPSHOT_VERSION */
	mck_u32 pid;
	mck_u32 nthreads;	/* entries that follow: threads, then regions */
	mck_u32 nvmas;
	mck_u32 threads_total;	/* the process's; more than @nthreads if some ended meanwhile */
	mck_u32 vmas_total;	/* more than @nvmas: the list was cut at MCK_SNAPSHOT_MAX_VMAS */
	mck_u64 tsc_khz;
	mck_u64 brk_start, brk;
	mck_u64 stack_start;	/* the main thread's stack region */
	mck_u64 mem_used;	/* bytes of LWK memory the process holds (its RSS) */
	mck_u64 mem_peak;
	mck_u64 minflt;		/* all threads, ended ones too */
	mck_u64 ended_run_tsc;	/* CPU time of threads that ended */
	mck_u64 children_run_tsc; /* of the children it reaped */
	mck_u64 children_minflt;
	mck_u64 mem_free;	/* bytes it may still get: its limit's rest, at most what the LWK has free */
};
#define MCK_PIN_WRITABLE 0x1ull		/* list entry flag: pinned for writing */
#define MCK_PIN_EXEC 0x2ull		/* list entry flag: the mapping may be executable */
/*
 * List entry flag: device memory or I/O space (a VM_IO/VM_PFNMAP mapping of a
 * device file), not a pinned page; MCK_PIN_CACHE() says how Linux maps it.
 */
#define MCK_PIN_IO 0x4ull
#define MCK_PIN_CACHE_SHIFT 4
#define MCK_PIN_CACHE_MASK (0x7ull << MCK_PIN_CACHE_SHIFT)
#define MCK_PIN_CACHE(e) (((e) & MCK_PIN_CACHE_MASK) >> MCK_PIN_CACHE_SHIFT)
/* Memory types, numbered as Linux's enum page_cache_mode (x86). */
#define MCK_CACHE_WB 0
#define MCK_CACHE_WC 1
#define MCK_CACHE_UC_MINUS 2
#define MCK_CACHE_UC 3
#define MCK_CACHE_WT 4
#define MCK_CACHE_WP 5

struct mcexec_pin_call {
	mck_u64 token;		/* the MCK_SYS_MAP_SHARED call being served (MCEXEC_WAIT) */
	mck_u64 addr;		/* mcexec's mapping (page aligned, one mapping) */
	mck_u64 len;		/* bytes to pin: whole pages inside the file, at most the call's */
};
/*
 * Once per call. Errors: EINVAL (no such call in service, not a shared mapping
 * call, bad range), EBUSY (already pinned), EFAULT (the pages cannot be pinned,
 * e.g. a read-only mapping for a writable request), ENOMEM, ENODEV (ended).
 * (0x15, an earlier MCEXEC_PIN that took the list from mcexec, is retired.)
 */
#define MCEXEC_PIN_CALL _IOW(MCEXEC_IOC_MAGIC, 0x16, struct mcexec_pin_call)
/*
 * Serving MCK_SYS_SHARED_RELEASE: unpin what the LWK unmapped. Only @token
 * counts. Errors: EINVAL (no such call in service), EAGAIN (mcexec's view
 * still maps the range; the pages stay pinned until the process ends).
 */
#define MCEXEC_UNPIN_CALL _IOW(MCEXEC_IOC_MAGIC, 0x19, struct mcexec_pin_call)

/*
 * Deliver a signal to the process, as kill(2) would, with the sender Linux
 * named (the program's siginfo: si_code, si_pid, si_uid); waits for the LWK.
 * Errors: EINVAL (no such signal), ESRCH (ended), ENODEV.
 */
struct mcexec_signal {
	mck_u32 sig;		/* 1..64; 0 checks the process is there */
	mck_s32 code;		/* SI_USER, SI_QUEUE, SI_TKILL, or a kernel code (> 0) */
	mck_s32 pid;		/* the sender's */
	mck_u32 uid;
	mck_u64 word3;		/* siginfo's word at byte 24: si_status (SIGCHLD), si_value (sigqueue) */
};
#define MCEXEC_SIGNAL _IOW(MCEXEC_IOC_MAGIC, 0x14, struct mcexec_signal)

/* ---- IKC messages (struct ihk_ikc_msg.type), beyond PING/PONG ---- */
/* Linux -> LWK, on the ring of the process's first CPU. arg[0] is always the pid. */
#define MCK_IKC_CREATE 0x100	/* arg[1]: cpu_first | cpu_count << 32, arg[2]: mem_limit,
				   arg[3]: realtime - monotonic offset (ns), arg[4]: monotonic ns,
				   arg[5]: the TSC when it was read */
#define MCK_IKC_SETUP 0x101	/* the regions are in the shared block */
#define MCK_IKC_START 0x102	/* arg[1]: entry, arg[2]: sp */
#define MCK_IKC_SIGNAL 0x103	/* arg[1]: signal, arg[2]: si_code, arg[3]: si_pid,
				   arg[4]: si_uid, arg[5]: the word at byte 24 (mcexec_signal) */
#define MCK_IKC_KILL 0x104	/* mcexec is gone: tear the process down */
#define MCK_IKC_EXIT_ACK 0x105	/* Linux no longer maps the process's memory: free it */
#define MCK_IKC_FORK 0x106	/* adopt a fork child as pid arg[0]: arg[1]: the parent's pid
				   (mcexec's Linux parent), arg[2]: the MCK_SYS_FORK token;
				   answered like CREATE */
#define MCK_IKC_STOPPED 0x107	/* Linux is stopping mcexec with SIGSTOP, which it cannot catch:
				   stop the program too (its forwarded SIGCONT continues both) */
#define MCK_IKC_HELD_FREE 0x108	/* answers HELD_CHECK, arg[0] 0 (no process): Linux holds no
				   page of [arg[1], arg[1] + arg[2]) any more; arg[3]: the epoch */
/* LWK -> Linux */
#define MCK_IKC_REPLY 0x180	/* arg[1]: the request's type, arg[2]: result (>= 0 or -errno),
				   arg[3]: physical address of the shared block (CREATE, FORK),
				   arg[4]: the process's serial (CREATE, FORK): a pid comes back,
				   the serial does not */
#define MCK_IKC_SYSCALL 0x181	/* arg[1]: physical address of struct mck_offload */
#define MCK_IKC_EXIT 0x182	/* arg[1]: wait status, arg[2]: the process's serial */
#define MCK_IKC_INTERRUPT 0x183	/* arg[1]: physical address of the interrupted call's mck_offload, arg[2]: its @interrupt */
#define MCK_IKC_HELD_CHECK 0x184	/* arg[0] 0 (no process): does Linux still hold pages of
				   [arg[1], arg[1] + arg[2]), withheld and freed by the LWK? Answered
				   with a HELD_FREE for each run it let go of, echoing arg[3] */

/* States of an offloaded call (struct mck_offload.state). */
#define MCK_OFFLOAD_IDLE 0
#define MCK_OFFLOAD_SENT 1	/* in flight: Linux owns ret */
#define MCK_OFFLOAD_DONE 2	/* Linux wrote ret */
/*
 * Linux, serving the call, touched the program's memory at @fault_addr where
 * the LWK maps nothing it may use (a page shared copy-on-write, memory that
 * comes on first touch): the waiting thread makes it the program's own
 * (fault_ret 0, or a negative errno) and puts the state back to SENT.
 */
#define MCK_OFFLOAD_FAULT 3
/* In struct mck_offload.interrupt: a signal came for the thread during this call. */
#define MCK_OFFLOAD_INTERRUPTED 1u

/*
 * A bit the LWK sets in its own page-table entries (ignored by the CPU): a
 * private page shared copy-on-write with another process. Such an entry is
 * never writable, and mcctrl never puts its page into mcexec's view: a view
 * holds only pages its program alone maps (docs/memory.md, "fork").
 */
#define MCK_PTE_COW 0x400ull

/* One per LWK thread, in the LWK's memory; written by the LWK, completed by mcctrl. */
struct mck_offload {
	mck_u64 nr;
	mck_u64 args[6];
	mck_s64 ret;
	mck_u32 state;
	mck_u32 tid;
	mck_u32 cpu;		/* LWK CPU index to kick on completion */
	mck_u32 pid;
	/*
	 * TSC stamps mcctrl writes, for the per-stage breakdown (docs/mcexec.md):
	 * the doorbell's handler queued the call, mcexec took it, mcexec answered.
	 */
	mck_u64 tsc_queued;
	mck_u64 tsc_taken;
	mck_u64 tsc_done;
	/*
	 * LWK: 1 while the thread spins on @state instead of sleeping, so mcctrl
	 * need not ring its CPU. Dekker-style: the LWK sets it, fences, re-reads
	 * @state; mcctrl writes @state, fences, reads it.
	 */
	mck_u32 spinning;
	/*
	 * LWK: the call's number (bits 1-31, new for every call) and
	 * MCK_OFFLOAD_INTERRUPTED once a signal came for the thread; see
	 * MCEXEC_INTERRUPT_SIGNAL. MCK_IKC_INTERRUPT names the whole word.
	 */
	mck_u32 interrupt;
	/* MCK_OFFLOAD_FAULT: mcctrl writes the address and the access, the LWK the answer. */
	mck_u64 fault_addr;
	mck_u32 fault_write;
	mck_s32 fault_ret;
	mck_u64 sigmask;	/* LWK: the calling thread's signal mask (bit sig - 1), which execve keeps */
	mck_u64 sigpending;	/* LWK, execve/execveat: the blocked signals pending, which it keeps too */
	struct mck_exec_keeps keeps;	/* LWK, execve/execveat: the thread's policy and CPUs, kept too */
};

/*
 * One per process, in the LWK's memory (a page), created with it. Linux
 * writes the regions; the LWK publishes its page-table root and queues the
 * ranges it unmapped, which Linux removes from mcexec's view before it hands
 * mcexec the next call. Freed pages return to the LWK's allocator only after
 * Linux acknowledged (inval_done) the range that unmapped them.
 */
struct mck_inval {
	mck_u64 start;
	mck_u64 len;
};

/* A physically contiguous run of pages Linux still holds (see held_seq below). */
#define MCK_HELD_SLOTS 128
struct mck_held {
	mck_u64 phys;
	mck_u64 len;
};

/*
 * What the LWK counts for one process (mcexec --report). The LWK updates it
 * while the program runs (relaxed atomic adds); mcctrl copies it when the
 * program ends, before it acknowledges the exit, and hands the copy to
 * mcexec (MCEXEC_REPORT). Times are TSC ticks (@tsc_khz per ms).
 */
#define MCK_STATS_NR 512		/* system call numbers counted one by one */
#define MCK_STATS_OTHER (MCK_STATS_NR - 1) /* larger numbers (mcexec's private calls) */
#define MCK_STATS_CPUS 64		/* CPUs of the share counted one by one; more: the last */
#define MCK_STATS_VERSION 2		/* 2: offload_latency */
/*
 * Offloaded calls by latency, a log2 histogram: bucket i counts the calls
 * that took 2^i to 2^(i+1) - 1 ns (bucket 0 also 0 ns), the last one every
 * call from 2^(MCK_LATENCY_BUCKETS - 1) ns (about 9 minutes) on.
 */
#define MCK_LATENCY_BUCKETS 40

struct mck_call_stat {
	mck_u64 count;
	mck_u64 total_tsc;		/* offloaded: from the call's send to its return */
	mck_u64 max_tsc;
};

/* Stages of an offloaded call, summed over all calls. */
enum {
	MCK_STAGE_SEND,		/* LWK sends -> mcctrl's doorbell handler queued it */
	MCK_STAGE_PICKUP,	/* queued -> an mcexec thread took it (Linux wake-up) */
	MCK_STAGE_CALL,		/* taken -> mcexec answered (the call, in and out of mcexec) */
	MCK_STAGE_RESUME,	/* answered -> the LWK thread runs again */
	MCK_STAGES
};

struct mck_proc_stats {
	mck_u32 version;		/* MCK_STATS_VERSION */
	mck_u32 ncpus;			/* CPUs of the share (entries of @cpu_* used, at most MCK_STATS_CPUS) */
	mck_u64 tsc_khz;
	mck_u64 start_tsc, end_tsc;	/* START and the last thread's end */
	mck_u64 threads;		/* threads that ran, the main thread included */
	mck_u64 page_faults;		/* demand faults served */
	mck_u64 ctx_switches;		/* voluntary and involuntary, all threads */
	mck_u64 peak_rss;		/* bytes */
	mck_u64 page_table_bytes;	/* user page tables, the most at once */
	mck_u64 user_tsc, kernel_tsc, offload_wait_tsc;	/* all threads */
	mck_u64 offload_spun;		/* offloaded calls answered while the thread spun */
	mck_u64 stage_tsc[MCK_STAGES];
	mck_u64 stage_calls;		/* calls with all stamps (the others: not in stage_tsc) */
	mck_u64 cpu_irqs[MCK_STATS_CPUS];	/* interrupts and exceptions taken while it ran */
	mck_u64 cpu_syscalls[MCK_STATS_CPUS];	/* system calls (kernel entries) */
	mck_u64 local[MCK_STATS_NR];	/* local calls by number */
	struct mck_call_stat offload[MCK_STATS_NR];
	mck_u64 offload_latency[MCK_LATENCY_BUCKETS];	/* all offloaded calls, timed as total_tsc, by ns */
};

/*
 * The offload policy of one process (MCEXEC_POLICY; mcexec sets it before
 * MCEXEC_START, it may change later). *_spin_us: how long the LWK thread and
 * the mcexec thread poll for the other side before they sleep; 0 turns
 * spinning off, MCEXEC_SPIN_DEFAULT keeps that side's default (LWK: kernel
 * argument offload_spin_us; Linux: mcctrl's parameter offload_spin_us). Both
 * sides spin only while nothing else wants the CPU (docs/mcexec.md). Errors:
 * EINVAL (above MCEXEC_SPIN_MAX_US, reserved not zero), EFAULT, ENODEV (ended).
 */
#define MCEXEC_SPIN_DEFAULT 0xffffffffu
#define MCEXEC_SPIN_MAX_US 1000
struct mcexec_policy {
	mck_u32 lwk_spin_us;
	mck_u32 linux_spin_us;
	mck_u64 reserved[2];
};
#define MCEXEC_POLICY _IOW(MCEXEC_IOC_MAGIC, 0x17, struct mcexec_policy)

/*
 * Copy the process's statistics (struct mck_proc_stats) to @buf, @size bytes
 * at most; returns the bytes copied. While the program runs: a snapshot; after
 * MCEXEC_EV_EXIT: the final one. Errors: EFAULT, ENODEV (nothing kept: the
 * instance stopped first).
 */
struct mcexec_report {
	mck_u64 buf;
	mck_u64 size;
};
#define MCEXEC_REPORT _IOW(MCEXEC_IOC_MAGIC, 0x18, struct mcexec_report)

struct mck_proc_shared {
	mck_u64 pml4_phys;		/* LWK: the page-table root (x86-64 4-level) */
	mck_u64 inval_seq;		/* LWK: unmaps queued so far */
	mck_u64 inval_done;		/* Linux: unmaps applied so far */
	struct mck_inval inval[MCK_INVAL_SLOTS]; /* LWK: inval[seq % SLOTS]; older ones
						    than seq - SLOTS mean "flush all" */
	struct mcexec_setup setup;	/* Linux: regions below */
	struct mcexec_region regions[MCK_MAX_REGIONS];
	mck_u32 lwk_spin_us;		/* Linux: MCEXEC_POLICY's, or MCEXEC_SPIN_DEFAULT */
	mck_u32 pad;
	struct mck_proc_stats stats;	/* LWK */
	/*
	 * Pages Linux still held (pinned, in a pipe, in an I/O) when it removed
	 * them from mcexec's view: the LWK never gives them back to its allocator.
	 * Linux writes held[seq % SLOTS] and then held_seq, both before the
	 * inval_done (or exit acknowledgement) that releases the pages; the LWK
	 * takes them before it frees anything and then advances held_taken.
	 * Linux never has more than MCK_HELD_SLOTS untaken: it delays inval_done
	 * instead, or at the end sets held_all (keep every page it frees).
	 * See docs/memory.md.
	 */
	mck_u64 held_seq;		/* Linux */
	mck_u64 held_taken;		/* LWK */
	mck_u64 held_all;		/* Linux: 1: keep every user page of the process */
	mck_u64 held_pad;
	struct mck_held held[MCK_HELD_SLOTS]; /* Linux */
	/*
	 * mcexec's credentials when it created the process (uids and gids in
	 * the initial user namespace: real, effective, saved), for the LWK's
	 * process_vm_readv/writev permission check. Linux writes the ids, then
	 * cred_flags with release ordering; MCK_CRED_VALID clear (the LWK
	 * zeroes the block): unknown, the LWK leaves the call to Linux. Never
	 * updated: the LWK stops trusting them once the program offloads a call
	 * that may change them (docs/memory.md, "Between two LWK programs").
	 */
	mck_u32 cred_uid[3];		/* Linux */
	mck_u32 cred_gid[3];		/* Linux */
	mck_u32 cred_flags;		/* Linux: MCK_CRED_* */
	mck_u32 cred_pad;
};
#define MCK_CRED_VALID 1u		/* the ids above are set */
#define MCK_CRED_PTRACE 2u		/* CAP_SYS_PTRACE in the initial user namespace */
#define MCK_CRED_DUMPABLE 4u		/* Linux's dumpable state is SUID_DUMP_USER */

#endif /* _MCEXEC_ABI_H */
