// SPDX-License-Identifier: GPL-2.0
/*
 * RLIMIT_CPU on the program's own CPU time (vm.process, the same output and
 * status as natively).
 *
 *   cpu_limit set    setrlimit(RLIMIT_CPU, 1 s soft, 3 s hard) and compute:
 *                    SIGXCPU at 1 s and 2 s of CPU time (each raising the
 *                    soft limit by a second, as getrlimit shows), SIGKILL at 3 s
 *   cpu_limit spin   compute for up to 20 s of CPU time under the limit it
 *                    was started with (prlimit --cpu=1:1: SIGKILL at 1 s)
 *
 * Under mcexec the time is the LWK's: Linux sees only mcexec, which waits.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t xcpu;

static void on_xcpu(int sig)
{
	(void)sig;
	xcpu++;
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Compute until @limit s of CPU time, telling each SIGXCPU as it comes. */
static void spin(double limit)
{
	int seen = 0;
	volatile unsigned long x = 0;
	while (cpu_seconds() < limit) {
		for (int i = 0; i < 100000; i++)
			x += i;
		if (xcpu != seen) {
			seen = xcpu;
			struct rlimit r;
			getrlimit(RLIMIT_CPU, &r);
			printf("SIGXCPU %d: soft limit now %llu s, hard %llu s\n", seen, (unsigned long long)r.rlim_cur,
			       (unsigned long long)r.rlim_max);
		}
	}
	printf("still running after %.0f s of CPU time\n", limit);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc != 2 || (strcmp(argv[1], "set") && strcmp(argv[1], "spin"))) {
		fprintf(stderr, "usage: cpu_limit set|spin\n");
		return 2;
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_xcpu;
	sigaction(SIGXCPU, &sa, NULL);
	if (!strcmp(argv[1], "set")) {
		struct rlimit r = {1, 3};
		if (setrlimit(RLIMIT_CPU, &r)) {
			perror("setrlimit");
			return 1;
		}
		printf("RLIMIT_CPU 1 s soft, 3 s hard\n");
	}
	spin(20);
	return 0;
}
