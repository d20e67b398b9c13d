// SPDX-License-Identifier: GPL-2.0
/*
 * pmix_fence: does a PMIx fence that collects no data wait for every rank?
 * Rank 0 sleeps DELAY seconds, then every rank calls PMIx_Fence(NULL, 0, NULL, 0)
 * and prints how long it waited in it. Open MPI's MPI_Finalize relies on such a
 * fence between closing its UCX endpoints and destroying their queue pairs; where
 * it returns early (Slurm's tree fence with fewer nodes in the step than
 * TreeWidth), a rank destroys its queue pairs while a peer still waits for the
 * acknowledgement of its last flush, and on Soft-RoCE that peer waits for good
 * (docs/rdma.md). Usage: pmix_fence [DELAY], one line per rank:
 * "pmix_fence: rank R of N waited S.SS s".
 */
#include <pmix.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int delay = argc > 1 ? atoi(argv[1]) : 3;
	pmix_proc_t me, job;
	pmix_value_t *size = NULL;
	pmix_status_t rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = PMIx_Init(&me, NULL, 0);
	if (rc != PMIX_SUCCESS) {
		printf("pmix_fence: PMIx_Init: %s\n", PMIx_Error_string(rc));
		return 1;
	}
	PMIX_LOAD_PROCID(&job, me.nspace, PMIX_RANK_WILDCARD);
	if (PMIx_Get(&job, PMIX_JOB_SIZE, NULL, 0, &size) != PMIX_SUCCESS || !size)
		printf("pmix_fence: rank %u: no job size\n", me.rank);
	if (me.rank == 0)
		sleep(delay);
	double t0 = now();
	rc = PMIx_Fence(NULL, 0, NULL, 0);
	double waited = now() - t0;
	if (rc != PMIX_SUCCESS) {
		printf("pmix_fence: rank %u: PMIx_Fence: %s\n", me.rank, PMIx_Error_string(rc));
		return 1;
	}
	printf("pmix_fence: rank %u of %u waited %.2f s\n", me.rank, size ? size->data.uint32 : 0, waited);
	if (size)
		PMIX_VALUE_RELEASE(size);
	PMIx_Finalize(NULL, 0);
	return 0;
}
