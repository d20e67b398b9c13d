// SPDX-License-Identifier: GPL-2.0
/*
 * What bench/mcexec_bench.sh runs, natively and under mcexec, on the same node.
 *   offload N   N getuid() calls (offloaded to Linux on McKernel): ns per call
 *   local N     N getpid() calls (answered by McKernel itself): ns per call
 *   clock N     N clock_gettime(CLOCK_MONOTONIC) calls (the vDSO on both): ns per call
 *   write KIB MIB / read KIB MIB   write MIB MiB to a file in /tmp in KIB KiB calls, or
 *               read it back (written first, not timed): ns per call and MB/s
 *   touch MIB   map MIB MiB and touch every 4 KiB page: page faults and ms
 *   populate MIB  the same with MAP_POPULATE (Linux's way of mapping eagerly)
 *   noise SEC   a pure compute loop for SEC seconds on this CPU: kernel entries per
 *               second (McKernel: its per-CPU count, system call 600; Linux: this
 *               CPU's column of /proc/interrupts), and gaps in a tight TSC-reading
 *               loop (the selfish-detour method; in an emulator the host adds its own)
 *   noise SEC CSV  the same, and append one row per second to CSV (made with a header
 *               if new): side (linux|lwk), cpu (as sched_getcpu() says at the
 *               second's end: Linux's number, or the CPU of the McKernel share),
 *               second, gaps, max_gap_us (bench/report_plot.py --noise draws it)
 * Prints one line of key=value pairs.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <spawn.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Interrupts and exceptions this CPU took so far. */
static long long cpu_entries(void)
{
	long long n = syscall(600);
	if (n >= 0)
		return n; /* McKernel */
	int cpu = sched_getcpu(), col;
	char line[4096];
	long long total = 0;
	FILE *f = fopen("/proc/interrupts", "r");
	if (!f || !fgets(line, sizeof(line), f))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');
		if (!p)
			continue;
		p++;
		for (col = 0; col <= cpu; col++) {
			char *end;
			long long v = strtoll(p, &end, 10);
			if (end == p)
				break;
			if (col == cpu)
				total += v;
			p = end;
		}
	}
	fclose(f);
	return total;
}

/* Per-second gaps of the noise loop, for its CSV; kept in memory while it runs. */
#define NOISE_MAX_SEC 3600
struct noise_second {
	long gaps;
	double max_gap_us;
	int cpu;
};
static struct noise_second noise_seconds[NOISE_MAX_SEC];

static int write_noise_csv(const char *path, long seconds)
{
	const char *side = syscall(600) >= 0 ? "lwk" : "linux";
	FILE *f = fopen(path, "a");
	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) == 0 && ftell(f) == 0)
		fprintf(f, "side,cpu,second,gaps,max_gap_us\n");
	for (long i = 0; i < seconds; i++)
		fprintf(f, "%s,%d,%ld,%ld,%.1f\n", side, noise_seconds[i].cpu, i, noise_seconds[i].gaps,
			noise_seconds[i].max_gap_us);
	return fclose(f);
}

static long minflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	double t0, t1;

	if (!strcmp(mode, "offload") || !strcmp(mode, "local")) {
		long nr = mode[0] == 'o' ? SYS_getuid : SYS_getpid;
		t0 = now_ns();
		for (long i = 0; i < n; i++)
			syscall(nr);
		t1 = now_ns();
		printf("ns_per_call=%.0f\n", (t1 - t0) / n);
	} else if (!strcmp(mode, "clock")) {
		struct timespec ts;
		t0 = now_ns();
		for (long i = 0; i < n; i++)
			clock_gettime(CLOCK_MONOTONIC, &ts);
		t1 = now_ns();
		printf("ns_per_call=%.1f\n", (t1 - t0) / n);
	} else if (!strcmp(mode, "write") || !strcmp(mode, "read")) {
		size_t chunk = (size_t)n << 10, total = (size_t)(argc > 3 ? strtol(argv[3], NULL, 10) : 16) << 20;
		char path[] = "/tmp/mcexec_bench.XXXXXX";
		int fd = mkstemp(path);
		char *buf = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (fd < 0 || buf == MAP_FAILED || !chunk || total < chunk) {
			perror("mcexec_bench");
			return 1;
		}
		unlink(path);
		memset(buf, 'x', chunk);
		long calls = (long)(total / chunk);
		if (mode[0] == 'r')
			for (long i = 0; i < calls; i++)
				if (pwrite(fd, buf, chunk, (off_t)(i * chunk)) != (ssize_t)chunk)
					return 1;
		t0 = now_ns();
		for (long i = 0; i < calls; i++) {
			ssize_t r = mode[0] == 'w' ? pwrite(fd, buf, chunk, (off_t)(i * chunk))
						   : pread(fd, buf, chunk, (off_t)(i * chunk));
			if (r != (ssize_t)chunk) {
				perror(mode);
				return 1;
			}
		}
		t1 = now_ns();
		printf("ns_per_call=%.0f mb_per_s=%.1f\n", (t1 - t0) / calls, total / ((t1 - t0) / 1e9) / 1e6);
		close(fd);
	} else if (!strcmp(mode, "fork")) {
		/* n forks of a process holding MIB of written memory; each child writes one page and exits. */
		size_t len = (size_t)(argc > 3 ? strtol(argv[3], NULL, 10) : 64) << 20;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || n < 1) {
			perror("mcexec_bench fork");
			return 1;
		}
		memset(p, 1, len);
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			pid_t pid = fork();
			if (pid == 0) {
				p[len / 2] = 2;
				_exit(0);
			}
			if (pid < 0 || waitpid(pid, NULL, 0) != pid)
				return 1;
		}
		t1 = now_ns();
		printf("ms_per_fork=%.2f\n", (t1 - t0) / n / 1e6);
	} else if (!strcmp(mode, "spawn")) {
		/* n runs of /bin/true: posix_spawn and wait. */
		extern char **environ;
		char *args[] = {"true", NULL};
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			pid_t pid;
			if (posix_spawn(&pid, "/bin/true", NULL, NULL, args, environ) || waitpid(pid, NULL, 0) != pid)
				return 1;
		}
		t1 = now_ns();
		printf("ms_per_spawn=%.2f\n", (t1 - t0) / n / 1e6);
	} else if (!strcmp(mode, "touch") || !strcmp(mode, "populate")) {
		size_t len = (size_t)n << 20;
		int flags = MAP_PRIVATE | MAP_ANONYMOUS | (!strcmp(mode, "populate") ? MAP_POPULATE : 0);
		long f0 = minflt();
		t0 = now_ns();
		unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		for (size_t i = 0; i < len; i += 4096)
			p[i] = 1;
		t1 = now_ns();
		printf("faults=%ld ms=%.0f\n", minflt() - f0, (t1 - t0) / 1e6);
	} else if (!strcmp(mode, "noise")) {
		const char *csv = argc > 3 ? argv[3] : NULL;
		if (n < 1 || (csv && n > NOISE_MAX_SEC)) {
			fprintf(stderr, "mcexec_bench: noise: 1 to %d seconds\n", NOISE_MAX_SEC);
			return 2;
		}
		/* Calibrate the TSC against the clock, then find the loop's normal step. */
		double c0 = now_ns();
		uint64_t s0 = __rdtsc();
		usleep(100000);
		double tsc_per_ns = (__rdtsc() - s0) / (now_ns() - c0);
		uint64_t end = __rdtsc() + (uint64_t)(n * 1e9 * tsc_per_ns), prev = __rdtsc(), min_step = ~0ull;
		for (int i = 0; i < 100000; i++) {
			uint64_t t = __rdtsc();
			if (t - prev < min_step && t > prev)
				min_step = t - prev;
			prev = t;
		}
		/* An interruption: a step over 20x the normal one and over 2 us. */
		uint64_t threshold = min_step * 20;
		if (threshold < (uint64_t)(2000 * tsc_per_ns))
			threshold = (uint64_t)(2000 * tsc_per_ns);
		long detours = 0, second = 0;
		double lost = 0;
		long long e0 = cpu_entries();
		/* The per-second bookkeeping is a compare per step and a vDSO getcpu per second. */
		uint64_t one_s = (uint64_t)(1e9 * tsc_per_ns), second_end;
		prev = __rdtsc();
		second_end = prev + one_s;
		while (prev < end) {
			uint64_t t = __rdtsc();
			if (t - prev > threshold) {
				double gap = (t - prev) / tsc_per_ns;
				detours++;
				lost += gap;
				if (second < NOISE_MAX_SEC) {
					noise_seconds[second].gaps++;
					if (gap / 1e3 > noise_seconds[second].max_gap_us)
						noise_seconds[second].max_gap_us = gap / 1e3;
				}
			}
			if (t >= second_end) {
				if (second < NOISE_MAX_SEC)
					noise_seconds[second].cpu = sched_getcpu();
				second++;
				second_end += one_s;
			}
			prev = t;
		}
		if (second < n && second < NOISE_MAX_SEC) /* the last step ended the run before its second */
			noise_seconds[second++].cpu = sched_getcpu();
		long long e1 = cpu_entries();
		printf("entries=%lld entries_per_s=%.1f detours_per_s=%.1f lost_us_per_s=%.1f\n", e1 - e0,
		       (e1 - e0) / (double)n, detours / (double)n, lost / 1e3 / n);
		if (csv && write_noise_csv(csv, second < n ? second : n) != 0) {
			perror(csv);
			return 1;
		}
	} else {
		fprintf(stderr, "usage: mcexec_bench offload|local|clock N | write|read KIB MIB | touch|populate MIB | noise SECONDS [CSV]\n");
		return 2;
	}
	return 0;
}
