// SPDX-License-Identifier: GPL-2.0
/*
 * The LWK's vDSO: clock_gettime, gettimeofday, time, clock_getres and getcpu
 * in user space, as Linux's vDSO offers them, so a program that uses glibc
 * reads the time without entering the kernel. Built as its own tiny shared
 * object (linux-vdso.so.1, vdso.lds, vdso.map), embedded in the LWK image and
 * mapped into every process (kernel/vdso.cpp). Each function gives exactly
 * what the system call would (kernel/time.cpp, sys_getcpu); what it cannot
 * answer (CPU-time clocks, unknown clocks) it asks the kernel.
 */
#include "vvar.h"

#include <stddef.h>
#include <stdint.h>

struct timespec_k {
	int64_t tv_sec, tv_nsec;
};
struct timeval_k {
	int64_t tv_sec, tv_usec;
};
struct timezone_k {
	int32_t tz_minuteswest, tz_dsttime;
};

enum {
	CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5,
	CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7, CLOCK_TAI = 11,
};
enum { NR_GETTIMEOFDAY = 96, NR_TIME = 201, NR_CLOCK_GETTIME = 228, NR_CLOCK_GETRES = 229, NR_GETCPU = 309 };

/* The data page, one page below our first byte (vdso.lds). */
extern const volatile struct mck_vvar mck_vvar_page __attribute__((visibility("hidden")));

static long syscall3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

/* lfence keeps rdtsc after the loads before it (the seqcount, a value another thread published). */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

/* CLOCK_MONOTONIC and the REALTIME offset, consistent with each other (seqcount). */
static int64_t monotonic_ns(int64_t *realtime_offset)
{
	const volatile struct mck_vvar *v = &mck_vvar_page;
	uint32_t seq;
	int64_t mono, off;

	for (;;) {
		seq = __atomic_load_n(&v->seq, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			asm volatile("pause");
			continue;
		}
		uint64_t delta = rdtsc_ordered() - v->tsc_base;
		mono = v->mono_base_ns + (int64_t)((unsigned __int128)delta * v->mult >> 32);
		off = v->realtime_offset_ns;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&v->seq, __ATOMIC_RELAXED) == seq)
			break;
	}
	*realtime_offset = off;
	return mono;
}

/* The clocks we serve, as kernel/time.cpp computes them; -1 for the others. */
static int clock_ns(long clock, int64_t *ns)
{
	int64_t off, mono;

	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		mono = monotonic_ns(&off);
		*ns = mono + off;
		return 0;
	case CLOCK_TAI:
		mono = monotonic_ns(&off);
		*ns = mono + off + 37LL * 1000000000;
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = monotonic_ns(&off);
		return 0;
	default:
		return -1;
	}
}

int __vdso_clock_gettime(long clock, struct timespec_k *ts)
{
	int64_t ns;

	if (clock_ns(clock, &ns))
		return (int)syscall3(NR_CLOCK_GETTIME, clock, (long)ts, 0);
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
	return 0;
}

int __vdso_clock_getres(long clock, struct timespec_k *res)
{
	int64_t ns;

	if (clock_ns(clock, &ns))
		return (int)syscall3(NR_CLOCK_GETRES, clock, (long)res, 0);
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = 1; /* the TSC's: what the kernel says too */
	}
	return 0;
}

int __vdso_gettimeofday(struct timeval_k *tv, struct timezone_k *tz)
{
	int64_t ns, off;

	if (tv) {
		ns = monotonic_ns(&off) + off;
		tv->tv_sec = ns / 1000000000;
		tv->tv_usec = ns % 1000000000 / 1000;
	}
	if (tz) { /* UTC, as Linux reports without settimeofday */
		tz->tz_minuteswest = 0;
		tz->tz_dsttime = 0;
	}
	return 0;
}

long __vdso_time(long *t)
{
	int64_t off, sec = (monotonic_ns(&off) + off) / 1000000000;

	if (t)
		*t = sec;
	return sec;
}

int __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
{
	const volatile struct mck_vvar *v = &mck_vvar_page;
	uint32_t aux;

	switch (v->getcpu_mode) {
	case MCK_VDSO_GETCPU_RDPID: {
		uint64_t r;

		asm volatile("rdpid %0" : "=r"(r));
		aux = (uint32_t)r;
		break;
	}
	case MCK_VDSO_GETCPU_RDTSCP: {
		uint32_t lo, hi;

		asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
		break;
	}
	default:
		return (int)syscall3(NR_GETCPU, (long)cpu, (long)node, (long)unused);
	}
	if (cpu)
		*cpu = (aux & 0xfff) - v->cpu_first;
	if (node)
		*node = aux >> 12;
	return 0;
}

/* The names without the prefix, as Linux's vDSO also exports them. */
int clock_gettime(long, struct timespec_k *) __attribute__((weak, alias("__vdso_clock_gettime")));
int clock_getres(long, struct timespec_k *) __attribute__((weak, alias("__vdso_clock_getres")));
int gettimeofday(struct timeval_k *, struct timezone_k *) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
int getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
