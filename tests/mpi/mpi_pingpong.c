// SPDX-License-Identifier: GPL-2.0
/* mpi_pingpong: ranks 0 and 1: half round-trip latency of 8-byte messages and bandwidth of 1 MiB ones. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static double pingpong(int rank, char *buf, int bytes, int iters)
{
	MPI_Barrier(MPI_COMM_WORLD);
	double t0 = MPI_Wtime();
	for (int i = 0; i < iters; i++) {
		if (rank == 0) {
			MPI_Send(buf, bytes, MPI_CHAR, 1, 0, MPI_COMM_WORLD);
			MPI_Recv(buf, bytes, MPI_CHAR, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		} else if (rank == 1) {
			MPI_Recv(buf, bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			MPI_Send(buf, bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD);
		}
	}
	return (MPI_Wtime() - t0) / iters / 2;
}

int main(int argc, char **argv)
{
	int rank;
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	char *buf = calloc(1, 1 << 20);
	pingpong(rank, buf, 8, 20); /* warm up */
	double lat = pingpong(rank, buf, 8, 500);
	double bw_t = pingpong(rank, buf, 1 << 20, 40);
	if (rank == 0)
		printf("latency_us=%.1f bandwidth_mbs=%.1f\n", lat * 1e6, (1 << 20) / bw_t / 1e6);
	free(buf);
	MPI_Finalize();
	return 0;
}
