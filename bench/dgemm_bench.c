// SPDX-License-Identifier: GPL-2.0
/*
 * What an application pays for new memory on its first BLAS call (what
 * bench/dgemm_bench.sh runs natively and under mcexec): three N x N matrices
 * from plain malloc, written once (first touch), then C = A * B twice with
 * OpenBLAS's cblas_dgemm. The first call also maps and touches OpenBLAS's own
 * buffers; the second finds everything in place. Usage: dgemm_bench N
 * Prints the time of each step and a checksum.
 */
#define _GNU_SOURCE
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include "now.h"

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;

	if (n == 0 || n > 16384) {
		fprintf(stderr, "usage: dgemm_bench N (1-16384)\n");
		return 2;
	}
	double t0 = now_s();
	double *a = malloc(n * n * sizeof(double)), *b = malloc(n * n * sizeof(double)), *c = malloc(n * n * sizeof(double));
	if (!a || !b || !c) {
		fprintf(stderr, "dgemm_bench: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < n * n; i++) {
		a[i] = (double)(i % 7) / 7;
		b[i] = (double)(i % 5) / 5;
		c[i] = 0;
	}
	double t1 = now_s();
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
	double t2 = now_s();
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
	double t3 = now_s();
	double sum = 0;
	for (size_t i = 0; i < n * n; i += n + 1)
		sum += c[i];
	printf("touch_ms=%.1f first_ms=%.1f second_ms=%.1f trace=%.3f\n", (t1 - t0) * 1e3, (t2 - t1) * 1e3,
	       (t3 - t2) * 1e3, sum);
	free(a);
	free(b);
	free(c);
	return 0;
}
