// SPDX-License-Identifier: GPL-2.0
// The cost of one pass over memory, the yardstick for mcreboot.sh and
// mcstop+release.sh (bench/boot_bench.sh): writes SIZE MiB once so that every
// page exists, then times whole-buffer memset passes and prints the best in ms.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	char *end;
	unsigned long mib = argc == 2 ? strtoul(argv[1], &end, 10) : 0;

	if (argc != 2 || *end || mib == 0 || mib > (1UL << 20)) {
		fprintf(stderr, "usage: mem_pass MIB\n");
		return 2;
	}
	size_t n = mib << 20;
	volatile char *p = malloc(n);
	if (!p) {
		perror("mem_pass: malloc");
		return 1;
	}
	memset((char *)p, 1, n);
	double best = 0;
	for (int i = 0; i < 3; i++) {
		double t0 = now_ms();
		memset((char *)p, i, n);
		double t = now_ms() - t0;
		if (i == 0 || t < best)
			best = t;
	}
	// Read the buffer back so that the passes cannot be left out.
	printf("%.0f\n", best + 0 * p[n / 2]);
	return 0;
}
