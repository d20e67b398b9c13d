/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The contract between ihk-smp-x86.ko and a co-kernel image (McKernel): where the
 * image is loaded, the trampoline that brings a CPU from real mode to the image's
 * 64-bit entry, and the versioned boot-parameter block. Used by the module (C)
 * and the LWK (freestanding C++); see docs/boot-protocol.md.
 *
 * Physical layout of the OS instance's first (largest) memory extent, at P:
 *
 *   P + 0                 struct ihk_boot_param (IHK_BOOT_PARAM_SIZE)
 *   P + KMSG_OFFSET       struct ihk_kmsg + ring (IHK_KMSG_SIZE)
 *   P + IHK_IMAGE_OFFSET  the image's PT_LOAD segments, at p_paddr
 *
 * The image is linked at IHK_LWK_BASE, which maps P; the trampoline's page tables
 * map [P, P + IHK_BOOT_MAP_SIZE) there, plus the first GiB identically.
 */
#ifndef _IHK_BOOT_H
#define _IHK_BOOT_H

#ifdef __KERNEL__
#include <linux/types.h>
typedef __u8 ihk_u8;
typedef __u16 ihk_u16;
typedef __u32 ihk_u32;
typedef __s32 ihk_s32;
typedef __u64 ihk_u64;
#else
#include <stdint.h>
typedef uint8_t ihk_u8;
typedef uint16_t ihk_u16;
typedef uint32_t ihk_u32;
typedef int32_t ihk_s32;
typedef uint64_t ihk_u64;
#endif

#define IHK_BOOT_MAGIC 0x424b4849u /* "IHKB" */
#define IHK_BOOT_VERSION 5

#define IHK_LWK_BASE 0xffffffff80000000ull	/* virtual address of P */
#define IHK_BOOT_PARAM_SIZE (64u << 10)
#define IHK_KMSG_OFFSET IHK_BOOT_PARAM_SIZE
#define IHK_KMSG_SIZE (256u << 10)		/* ring bytes, a power of two */
#define IHK_IMAGE_OFFSET (2ull << 20)
#define IHK_BOOT_MAP_SIZE (64ull << 20)		/* what the trampoline maps at IHK_LWK_BASE */
#define IHK_AP_STACK_TOP (1536u << 10)		/* boot stack of a starting AP (one at a time) */
#define IHK_BSP_STACK_TOP (2048u << 10)		/* boot stack of cpus[0] */
#define IHK_LWK_PING_VECTOR 0xf1		/* Linux's liveness probe; bumps progress[] */

#define IHK_BOOT_MAX_CPUS 256
#define IHK_BOOT_MAX_MEM 64
#define IHK_BOOT_KARGS_MAX 4096

/* ihk_boot_param.status, written by the LWK. Same values as enum ihk_os_status. */
#define IHK_LWK_BOOTING 1
#define IHK_LWK_RUNNING 2
#define IHK_LWK_SHUTDOWN 3
#define IHK_LWK_PANIC 4

struct ihk_boot_cpu {
	ihk_u32 linux_cpu;	/* Linux's number for it (what users name) */
	ihk_u32 apic_id;
	ihk_s32 numa_node;
	ihk_u32 ikc_linux_cpu;	/* Linux CPU that serves its offload (IKC map) */
	ihk_u32 ikc_apic_id;	/* that CPU's physical APIC id */
	ihk_u32 ikc_vector;	/* the IRQ vector to send there for IKC */
};

struct ihk_boot_mem {
	ihk_u64 phys;
	ihk_u64 size;
	ihk_s32 numa_node;
	ihk_u32 reserved;
};

/*
 * Per CPU, TSC ticks spent in each IHK_LWK_CPU_* state of cpu_state[]: tsc[]
 * holds the closed intervals, the open one began at @since; and the kernel
 * entries it took, by kind. Only that CPU writes.
 */
struct ihk_lwk_cpu_time {
	volatile ihk_u64 since;
	volatile ihk_u64 tsc[3];
	volatile ihk_u64 syscalls;	/* system calls */
	volatile ihk_u64 exceptions;	/* page faults and other exceptions (vectors 0-31) */
	volatile ihk_u64 interrupts;	/* everything else: timer, IKC, IPIs, Linux's probes */
};

/* ihk_boot_param.rusage, written by the LWK and read by Linux at any time. */
struct ihk_lwk_rusage {
	volatile ihk_u64 boot_tsc;	/* when the first CPU reached the kernel */
	volatile ihk_u64 mem_total;	/* bytes the page allocator manages */
	volatile ihk_u64 mem_free;	/* of those, free now */
	volatile ihk_u64 mem_free_min;	/* the least ever free: mem_total - peak use */
	volatile ihk_u32 processes;	/* alive now */
	volatile ihk_u32 processes_peak;
	volatile ihk_u32 threads;	/* alive now */
	volatile ihk_u32 threads_peak;
	volatile ihk_u64 processes_started;
	volatile ihk_u64 offloads;	/* system calls sent to Linux */
	volatile ihk_u64 page_faults;	/* of programs, resolved by the LWK */
	volatile ihk_u64 page_table_bytes;	/* programs' page tables now */
	volatile ihk_u64 page_table_peak;	/* the most at once */
	struct ihk_lwk_cpu_time cpu[IHK_BOOT_MAX_CPUS];
};

/*
 * Filled by the module before the first SIPI; the LWK reads it and writes only
 * the fields marked "LWK". Every field has a fixed offset (static_asserts in the
 * module and the LWK).
 */
struct ihk_boot_param {
	ihk_u32 magic;
	ihk_u32 version;
	ihk_u32 size;			/* sizeof(struct ihk_boot_param) */
	ihk_u32 num_cpus;
	ihk_u32 num_mem;
	ihk_u32 x2apic;			/* Linux runs the APICs in x2APIC mode */
	ihk_u64 tsc_khz;
	ihk_u64 phys_base;		/* P */
	ihk_u64 image_end;		/* physical end of the loaded image */
	ihk_u64 entry;			/* virtual entry of the image */
	ihk_u64 trampoline_phys;	/* the SIPI page */
	ihk_u64 kmsg_phys;
	ihk_u32 kmsg_size;
	ihk_u32 reserved0;
	ihk_u64 ikc_phys;		/* LWK: struct ihk_ikc_channel[num_cpus] */
	ihk_u64 ikc_size;		/* LWK: its size in bytes */
	char kargs[IHK_BOOT_KARGS_MAX];
	struct ihk_boot_cpu cpus[IHK_BOOT_MAX_CPUS];	/* cpus[0] boots first */
	struct ihk_boot_mem mem[IHK_BOOT_MAX_MEM];	/* mem[0] holds P */

	/* LWK: lifecycle and liveness. */
	volatile ihk_u32 status;		/* IHK_LWK_* */
	volatile ihk_u32 cpus_up;		/* CPUs that reached the kernel */
	volatile ihk_u32 shutdown;		/* Linux asks the LWK to stop */
	/*
	 * LWK: the version of the protocol it speaks with the user module
	 * (McKernel: MCEXEC_ABI_VERSION), set before RUNNING. IHK only passes it
	 * on (ihk_os_user_abi()); 0 from an image older than the field.
	 */
	ihk_u32 user_abi;
	volatile ihk_u64 progress[IHK_BOOT_MAX_CPUS];	/* per-CPU: kernel entries so far */
	/*
	 * LWK: what each CPU is doing (IHK_LWK_CPU_*). Linux tells a live CPU from
	 * a stuck one by reading this and progress[] alone: idle and user mode
	 * answer for themselves, and only a CPU seen in the kernel with neither
	 * moving for the whole threshold gets a probe interrupt. A compute core
	 * is never interrupted by a status check.
	 */
	volatile ihk_u32 cpu_state[IHK_BOOT_MAX_CPUS];

	/* LWK: what the instance has done since boot (ihkosctl N get rusage). */
	struct ihk_lwk_rusage rusage;
};

#define IHK_LWK_CPU_KERNEL 0	/* in the kernel (or not booted yet) */
#define IHK_LWK_CPU_IDLE 1	/* halted with interrupts on */
#define IHK_LWK_CPU_USER 2	/* running a program */

/*
 * The kernel message log: a ring the LWK appends to and Linux reads. @head
 * counts every byte ever written; byte i lives at data[i % size].
 */
struct ihk_kmsg {
	volatile ihk_u64 head;
	ihk_u32 size;
	ihk_u32 reserved;
	char data[];
};

/*
 * Data at the end of the SIPI page, written by whoever sends the SIPI (the module
 * for the first CPU, the LWK for the others) and read by the trampoline code.
 */
#define IHK_TRAMPOLINE_DATA 0xf00
struct ihk_trampoline_data {
	ihk_u32 cr3;		/* 0x00: page tables, below 4 GiB */
	ihk_u32 stage;		/* 0x04: progress marker: 16, 64 */
	ihk_u64 entry;		/* 0x08: 64-bit virtual entry */
	ihk_u64 stack;		/* 0x10: top of this CPU's boot stack (virtual) */
	ihk_u64 boot_param;	/* 0x18: virtual address of struct ihk_boot_param */
	ihk_u32 cpu_index;	/* 0x20: index into ihk_boot_param.cpus */
	ihk_u32 reserved;	/* 0x24 */
	ihk_u64 gdt[3];		/* 0x28: null, 64-bit code (0x08), data (0x10) */
	ihk_u16 gdt_limit;	/* 0x40: lgdt operand, base = page + 0xf28 */
	ihk_u16 gdt_base_lo;
	ihk_u16 gdt_base_hi;
	ihk_u16 pad0;
	ihk_u32 far_offset;	/* 0x48: ljmp target = page + 64-bit code offset */
	ihk_u16 far_selector;	/* 0x4c: 0x08 */
	ihk_u16 pad1;
};

#endif /* _IHK_BOOT_H */
