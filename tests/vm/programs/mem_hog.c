// SPDX-License-Identifier: GPL-2.0
/* mem_hog MIB [SECONDS]: allocate and touch MIB MiB, optionally hold it, print a checksum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	unsigned hold = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 0;
	size_t len = mib << 20;
	unsigned char *p = malloc(len);
	unsigned long sum = 0;

	if (!p) {
		fprintf(stderr, "mem_hog: cannot allocate %zu MiB\n", mib);
		return 1;
	}
	for (size_t i = 0; i < len; i += 4096)
		p[i] = (unsigned char)(i >> 12);
	for (size_t i = 0; i < len; i += 4096)
		sum += p[i];
	printf("mem_hog: %zu MiB, checksum %lu\n", mib, sum);
	fflush(stdout);
	sleep(hold);
	return 0;
}
