/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vDSO's data page (vvar): what the LWK tells the vDSO (vdso.c) to read
 * the clocks and the CPU without entering the kernel. One page per process,
 * mapped read-only at MCK_VVAR_BASE just below the vDSO's code
 * (MCK_VDSO_BASE, mcexec/abi.h); the vDSO finds it at a fixed distance from
 * its own code. C, because the vDSO is C; the kernel includes it too.
 *
 * The clock is the kernel's (kernel/time.cpp), to the nanosecond:
 *   CLOCK_MONOTONIC = mono_base_ns + ((rdtsc - tsc_base) * mult >> 32)
 *   CLOCK_REALTIME  = CLOCK_MONOTONIC + realtime_offset_ns
 * A writer makes @seq odd, writes, makes it even again; a reader retries
 * while it is odd or changed under it (a seqcount), so a reader never sees a
 * mix of old and new parameters.
 */
#ifndef MCK_VDSO_VVAR_H
#define MCK_VDSO_VVAR_H

#include <stdint.h>

/* How __vdso_getcpu reads the CPU: IA32_TSC_AUX holds (node << 12) | LWK CPU index. */
#define MCK_VDSO_GETCPU_SYSCALL 0 /* neither instruction: ask the kernel */
#define MCK_VDSO_GETCPU_RDPID 1
#define MCK_VDSO_GETCPU_RDTSCP 2

struct mck_vvar {
	uint32_t seq;
	uint32_t getcpu_mode;      /* MCK_VDSO_GETCPU_* */
	uint64_t mult;             /* ns = tsc * mult >> 32 */
	uint64_t tsc_base;
	int64_t mono_base_ns;      /* CLOCK_MONOTONIC at tsc_base */
	int64_t realtime_offset_ns;
	uint32_t cpu_first;        /* getcpu: the process's CPU 0 is this LWK CPU */
	uint32_t reserved;
};

#endif
