// SPDX-License-Identifier: GPL-2.0
/*
 * mpi_bigmsg: ranks 0 and 1 exchange messages of 64 KiB to 8 MiB, above Open
 * MPI's eager limit, so the shared-memory transport moves them with its
 * single-copy mechanism (vader: CMA, process_vm_readv) when it has one. Every
 * byte is checked on arrival, in both directions, at odd offsets; rank 0
 * prints one line per size and a last "ok" or "BAD" line.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char pattern(size_t i, int round) { return (char)(i * 31 + round * 7 + (i >> 13)); }

int main(int argc, char **argv)
{
	static const int sizes[] = { 65536, 1 << 20, (4 << 20) + 123, 8 << 20 };
	int rank, size, bad = 0;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (size < 2) {
		if (!rank)
			printf("mpi_bigmsg: needs 2 ranks\n");
		MPI_Finalize();
		return 1;
	}
	char *buf = malloc((8 << 20) + 64);
	for (int s = 0; s < (int)(sizeof(sizes) / sizeof(sizes[0])); s++) {
		int n = sizes[s], round_bad = 0;
		char *p = buf + s + 1; /* not page aligned */
		for (int round = 0; round < 4; round++) {
			int from = round % 2, to = 1 - from;
			if (rank == from) {
				for (int i = 0; i < n; i++)
					p[i] = pattern(i, round);
				MPI_Send(p, n, MPI_CHAR, to, round, MPI_COMM_WORLD);
			} else if (rank == to) {
				memset(p, 0, n);
				MPI_Recv(p, n, MPI_CHAR, from, round, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
				for (int i = 0; i < n; i++)
					if (p[i] != pattern(i, round)) {
						round_bad = 1;
						break;
					}
			}
		}
		int all = 0;
		MPI_Reduce(&round_bad, &all, 1, MPI_INT, MPI_MAX, 0, MPI_COMM_WORLD);
		if (!rank)
			printf("mpi_bigmsg: %d bytes both ways: %s\n", n, all ? "BAD" : "ok");
		bad |= all;
	}
	if (!rank)
		printf("mpi_bigmsg: %s\n", bad ? "BAD" : "ok");
	free(buf);
	MPI_Finalize();
	return bad;
}
