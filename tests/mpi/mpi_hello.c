// SPDX-License-Identifier: GPL-2.0
/* mpi_hello: rank, size, where it runs (McKernel answers syscall 599), a ring and an allreduce. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int rank, size, token = 0, sum = 0;
	char host[256];

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	gethostname(host, sizeof(host));
	long lwk = syscall(599, "mpi_hello");
	/* A ring: rank 0 sends 1, each adds its rank. */
	if (size > 1) {
		if (rank == 0) {
			token = 1;
			MPI_Send(&token, 1, MPI_INT, 1, 0, MPI_COMM_WORLD);
			MPI_Recv(&token, 1, MPI_INT, size - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		} else {
			MPI_Recv(&token, 1, MPI_INT, rank - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			token += rank;
			MPI_Send(&token, 1, MPI_INT, (rank + 1) % size, 0, MPI_COMM_WORLD);
		}
	}
	MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
	MPI_Barrier(MPI_COMM_WORLD);
	printf("rank %d of %d on %s (%s) ring %d allreduce %d\n", rank, size, host, lwk >= 0 ? "McKernel" : "Linux",
	       rank == 0 ? token : -1, sum);
	MPI_Finalize();
	return 0;
}
