// SPDX-License-Identifier: GPL-2.0
/*
 * The vDSO under mcexec (vm.vdso), also run natively for comparison:
 *   vdso auxv          AT_SYSINFO_EHDR is there and glibc loaded it (linux-vdso.so.1,
 *                      __vdso_* at LINUX_2.6 inside it)
 *   vdso calls N       N clock_gettime calls and the system calls this CPU took
 *                      meanwhile (McKernel's cpu_syscalls, 601; -1 on Linux),
 *                      and its interrupts and exceptions (cpu_entries, 600);
 *                      the same for gettimeofday, time and getcpu; ns per call
 *   vdso mono T S      T threads, one per CPU, read CLOCK_MONOTONIC and
 *                      CLOCK_REALTIME for S seconds: no reading is earlier than
 *                      one another thread published before it; getcpu agrees with
 *                      the system call on every CPU
 *   vdso now           CLOCK_REALTIME, CLOCK_MONOTONIC in ns
 *   vdso serve         the same, one line for each byte read from stdin
 *   vdso agree PROG    starts "PROG serve" (on Linux: MCEXEC_LINUX_PROGRAMS names
 *                      it) and asks it for Linux's clocks between two readings of
 *                      its own, five times 1 s apart: each of Linux's readings must
 *                      fall between ours (1 ms of slack); the window on stderr
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	if (clock_gettime(c, &ts)) {
		perror("clock_gettime");
		exit(1);
	}
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int auxv(void)
{
	unsigned long ehdr = getauxval(AT_SYSINFO_EHDR);
	void *h = dlopen("linux-vdso.so.1", RTLD_NOW | RTLD_NOLOAD);
	const char *fns[] = { "__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu",
			      "__vdso_clock_getres" };
	int ok = 1;

	printf("AT_SYSINFO_EHDR=%s\n", ehdr ? "present" : "missing");
	printf("glibc loaded linux-vdso.so.1: %s\n", h ? "yes" : "no");
	for (unsigned i = 0; h && i < sizeof(fns) / sizeof(fns[0]); i++) {
		unsigned long a = (unsigned long)dlvsym(h, fns[i], "LINUX_2.6");
		int in = a >= ehdr && a < ehdr + 65536;

		printf("%s@LINUX_2.6: %s\n", fns[i], in ? "in the vDSO" : "missing");
		ok &= in;
	}
	return ehdr && h && ok ? 0 : 1;
}

static long cpu_syscalls(void) { return syscall(601); }
static long cpu_entries(void) { return syscall(600); }

static void calls(long n)
{
	struct timespec ts;
	struct timeval tv;
	unsigned cpu, node;
	long s0, s1, e0, e1;
	int64_t t0, t1;

	e0 = cpu_entries();
	s0 = cpu_syscalls();
	t0 = now_ns(CLOCK_MONOTONIC);
	for (long i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	t1 = now_ns(CLOCK_MONOTONIC);
	s1 = cpu_syscalls();
	e1 = cpu_entries();
	printf("clock_gettime calls=%ld syscalls=%ld interrupts_exceptions=%ld ns_per_call=%.1f\n", n,
	       s0 < 0 ? -1 : s1 - s0 - 1, e0 < 0 ? -1 : e1 - e0, (double)(t1 - t0) / n);
	s0 = cpu_syscalls();
	for (long i = 0; i < n / 10; i++) {
		gettimeofday(&tv, NULL);
		time(NULL);
		getcpu(&cpu, &node);
		clock_gettime(CLOCK_REALTIME, &ts);
	}
	s1 = cpu_syscalls();
	printf("gettimeofday+time+getcpu+REALTIME calls=%ld syscalls=%ld\n", n / 10, s0 < 0 ? -1 : s1 - s0 - 1);
}

static int64_t g_last_mono, g_last_real;
static int g_seconds, g_bad, g_getcpu_bad;

static void publish(int64_t *last, int64_t v)
{
	int64_t cur = __atomic_load_n(last, __ATOMIC_ACQUIRE);

	while (cur < v && !__atomic_compare_exchange_n(last, &cur, v, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		;
}

static void *mono_thread(void *arg)
{
	long idx = (long)arg;
	cpu_set_t set;
	unsigned cpu, node, scpu, snode;
	int64_t end, m, r, seen_m, seen_r;

	CPU_ZERO(&set);
	CPU_SET(idx, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
	end = now_ns(CLOCK_MONOTONIC) + (int64_t)g_seconds * 1000000000;
	do {
		seen_m = __atomic_load_n(&g_last_mono, __ATOMIC_ACQUIRE);
		seen_r = __atomic_load_n(&g_last_real, __ATOMIC_ACQUIRE);
		m = now_ns(CLOCK_MONOTONIC);
		r = now_ns(CLOCK_REALTIME);
		if (m < seen_m || r < seen_r)
			__atomic_add_fetch(&g_bad, 1, __ATOMIC_RELAXED);
		publish(&g_last_mono, m);
		publish(&g_last_real, r);
	} while (m < end);
	if (getcpu(&cpu, &node) || syscall(SYS_getcpu, &scpu, &snode, NULL) || cpu != scpu || node != snode ||
	    cpu != (unsigned)idx)
		__atomic_add_fetch(&g_getcpu_bad, 1, __ATOMIC_RELAXED);
	return NULL;
}

static int mono(int threads, int seconds)
{
	pthread_t t[64];

	g_seconds = seconds;
	for (long i = 0; i < threads && i < 64; i++)
		pthread_create(&t[i], NULL, mono_thread, (void *)i);
	for (long i = 0; i < threads && i < 64; i++)
		pthread_join(t[i], NULL);
	printf("monotonic across %d threads: %s\n", threads, g_bad ? "NO" : "yes");
	printf("getcpu agrees with the system call on each CPU: %s\n", g_getcpu_bad ? "NO" : "yes");
	return g_bad || g_getcpu_bad;
}

/* Linux's reading, one line per byte asked for on stdin (the Linux side of agree). */
static int serve(void)
{
	char c;

	while (read(0, &c, 1) == 1) {
		char line[64];
		int n = snprintf(line, sizeof(line), "%lld %lld\n", (long long)now_ns(CLOCK_REALTIME),
				 (long long)now_ns(CLOCK_MONOTONIC));

		if (write(1, line, n) != n)
			return 1;
	}
	return 0;
}

static int agree(const char *prog)
{
	int to[2], from[2], bad = 0, status;
	pid_t pid;

	if (pipe(to) || pipe(from))
		return 1;
	pid = fork();
	if (pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		execl(prog, prog, "serve", (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	for (int round = 0; round < 5; round++) {
		char buf[128] = "";
		long long lr = 0, lm = 0;
		int64_t r0, m0, r1, m1;
		ssize_t n;

		if (round)
			sleep(1);
		r0 = now_ns(CLOCK_REALTIME);
		m0 = now_ns(CLOCK_MONOTONIC);
		n = write(to[1], "?", 1) == 1 ? read(from[0], buf, sizeof(buf) - 1) : -1;
		m1 = now_ns(CLOCK_MONOTONIC);
		r1 = now_ns(CLOCK_REALTIME);
		if (n <= 0 || sscanf(buf, "%lld %lld", &lr, &lm) != 2) {
			printf("no reading from %s\n", prog);
			return 1;
		}
		/* 1 ms of slack: the TSC rate the LWK was told and Linux's clock may differ a little. */
		int ok = lr >= r0 - 1000000 && lr <= r1 + 1000000 && lm >= m0 - 1000000 && lm <= m1 + 1000000;
		printf("round %d: Linux's clocks between ours: %s\n", round, ok ? "yes" : "NO");
		fprintf(stderr, "round %d: window %lld us, Linux - midpoint %lld us\n", round,
			(long long)(m1 - m0) / 1000, (lm - (m0 + m1) / 2) / 1000);
		if (!ok)
			printf("  realtime %lld in [%lld, %lld], monotonic %lld in [%lld, %lld]\n", lr, (long long)r0,
			       (long long)r1, lm, (long long)m0, (long long)m1);
		bad |= !ok;
	}
	close(to[1]);
	waitpid(pid, &status, 0);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "auxv"))
		return auxv();
	if (argc >= 3 && !strcmp(argv[1], "calls")) {
		calls(atol(argv[2]));
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "mono"))
		return mono(atoi(argv[2]), atoi(argv[3]));
	if (argc >= 2 && !strcmp(argv[1], "now")) {
		printf("%lld %lld\n", (long long)now_ns(CLOCK_REALTIME), (long long)now_ns(CLOCK_MONOTONIC));
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return serve();
	if (argc >= 3 && !strcmp(argv[1], "agree"))
		return agree(argv[2]);
	fprintf(stderr, "usage: vdso auxv | calls N | mono THREADS SECONDS | now | agree PROG\n");
	return 2;
}
