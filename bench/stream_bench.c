// SPDX-License-Identifier: GPL-2.0
/*
 * A STREAM-like triad, a[i] = b[i] + s * c[i], over three arrays from plain
 * malloc, as an application allocates them (what bench/stream_bench.sh runs
 * natively and under mcexec). Usage: stream_bench MIB_PER_ARRAY [REPEATS]
 * Prints the best triad bandwidth and where the arrays start within 2 MiB.
 * With OpenMP, the loops (the first touch too, as STREAM does) run on
 * OMP_NUM_THREADS threads.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "now.h"

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 32, n = (mib << 20) / sizeof(double);
	int repeats = argc > 2 ? atoi(argv[2]) : 5;
	double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double)), *c = malloc(n * sizeof(double));
	double best = 1e30, s = 3.0, check = 0;

	if (!a || !b || !c || mib == 0 || repeats <= 0) {
		fprintf(stderr, "usage: stream_bench MIB_PER_ARRAY [REPEATS]\n");
		return 2;
	}
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < n; i++) {
		a[i] = 0;
		b[i] = 1;
		c[i] = 2;
	}
	for (int r = 0; r < repeats; r++) {
		double t0 = now_s();

#pragma omp parallel for schedule(static)
		for (size_t i = 0; i < n; i++)
			a[i] = b[i] + s * c[i];
		double t = now_s() - t0;

		if (t < best)
			best = t;
		check += a[n / 2];
	}
	printf("triad_mb_s=%.1f best_s=%.4f offsets_kib=%lu,%lu,%lu check=%.0f\n", 3.0 * n * sizeof(double) / best / 1e6,
	       best, (unsigned long)((uintptr_t)a % (2 << 20)) >> 10, (unsigned long)((uintptr_t)b % (2 << 20)) >> 10,
	       (unsigned long)((uintptr_t)c % (2 << 20)) >> 10, check);
	free(a);
	free(b);
	free(c);
	return 0;
}
