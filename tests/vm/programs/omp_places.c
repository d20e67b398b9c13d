// SPDX-License-Identifier: GPL-2.0
// OpenMP binding check: each thread of a parallel region says on which CPU it
// runs (sched_getcpu) and in which place; prints
//   "threads N places P cpus C0 C1 ... distinct|shared"
// with the CPUs in thread order. Run with OMP_PLACES/OMP_PROC_BIND set.
#define _GNU_SOURCE
#include <omp.h>
#include <sched.h>
#include <stdio.h>

#define MAX_THREADS 256

int main(void)
{
	int cpu[MAX_THREADS], threads = 0;

#pragma omp parallel
	{
		int me = omp_get_thread_num();
		// Once bound, a thread stays on its place's CPU: ask a few times, keep the last.
		for (int i = 0; i < 3; i++) {
			if (me < MAX_THREADS)
				cpu[me] = sched_getcpu();
#pragma omp barrier
		}
#pragma omp single
		threads = omp_get_num_threads();
	}
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	int distinct = 1;
	printf("threads %d places %d cpus", threads, omp_get_num_places());
	for (int i = 0; i < threads; i++) {
		printf(" %d", cpu[i]);
		for (int j = 0; j < i; j++)
			if (cpu[j] == cpu[i])
				distinct = 0;
	}
	printf(" %s\n", distinct ? "distinct" : "shared");
	return 0;
}
