// SPDX-License-Identifier: GPL-2.0
/*
 * mpi_check [crash|hang]: every rank checks the results of 200 rounds of allreduce
 * and barrier and of a ring; rank 0 prints one line. With "crash", rank 1 dies of
 * SIGSEGV after MPI_Init: the whole job must end promptly. With "hang", every rank
 * waits in barriers (for at most 10 minutes) for a test to kill one of them.
 */
#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int rank, size, bad = 0, all_bad = 0;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (argc > 1 && !strcmp(argv[1], "crash") && rank == 1)
		*(volatile int *volatile)0 = 1;
	if (argc > 1 && !strcmp(argv[1], "hang")) {
		for (int i = 0; i < 6000; i++) {
			MPI_Barrier(MPI_COMM_WORLD);
			usleep(100000);
		}
		MPI_Finalize();
		return 1; /* nobody killed a rank */
	}
	for (int i = 0; i < 200; i++) {
		long mine = (long)rank * i + 1, sum = 0, want = (long)i * size * (size - 1) / 2 + size;
		MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
		bad |= sum != want;
		MPI_Barrier(MPI_COMM_WORLD);
	}
	int token = rank == 0 ? 0 : -1;
	if (size > 1) {
		if (rank == 0) {
			MPI_Send(&token, 1, MPI_INT, 1, 7, MPI_COMM_WORLD);
			MPI_Recv(&token, 1, MPI_INT, size - 1, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			bad |= token != size * (size - 1) / 2;
		} else {
			MPI_Recv(&token, 1, MPI_INT, rank - 1, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			token += rank;
			MPI_Send(&token, 1, MPI_INT, (rank + 1) % size, 7, MPI_COMM_WORLD);
		}
	}
	long lwk = syscall(599, "mpi_check");
	int on_lwk = lwk >= 0, all_lwk = 0;
	MPI_Allreduce(&bad, &all_bad, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
	MPI_Allreduce(&on_lwk, &all_lwk, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
	if (rank == 0)
		printf("mpi_check: %d ranks, %d on McKernel, allreduce/barrier/ring %s\n", size, all_lwk,
		       all_bad ? "WRONG" : "ok");
	MPI_Finalize();
	return all_bad;
}
