// SPDX-License-Identifier: GPL-2.0
/* read/write via heap and stack, lseek, pread/pwrite, fstat, unlink, 16 MiB in one call. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(c, what)                                                                   \
	do {                                                                             \
		if (!(c)) {                                                              \
			printf("FAIL %s: %s (errno %s)\n", what, #c, strerrorname_np(errno)); \
			exit(1);                                                         \
		}                                                                        \
	} while (0)

#define BIG (16UL << 20)

static uint64_t checksum(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("TMPDIR");
	char path[4096], stackbuf[4096];
	unsigned char *heap, *big, *big2;
	struct stat st;
	uint64_t sum;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/file_io.XXXXXX", dir);
	fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	printf("ok create\n");

	/* heap -> file -> stack */
	heap = malloc(4096);
	CHECK(heap != NULL, "malloc");
	for (int i = 0; i < 4096; i++)
		heap[i] = (unsigned char)(i * 31 + 7);
	CHECK(write(fd, heap, 4096) == 4096, "write from heap");
	CHECK(lseek(fd, 0, SEEK_CUR) == 4096, "offset after write");
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek SEEK_SET");
	memset(stackbuf, 0, sizeof(stackbuf));
	CHECK(read(fd, stackbuf, sizeof(stackbuf)) == 4096, "read into stack");
	CHECK(memcmp(stackbuf, heap, 4096) == 0, "stack copy matches heap");
	CHECK(read(fd, stackbuf, 1) == 0, "read at EOF returns 0");
	printf("ok write heap, read stack\n");

	/* stack -> file -> heap, at an lseek'd offset */
	for (int i = 0; i < 4096; i++)
		stackbuf[i] = (char)(i ^ 0x5a);
	CHECK(lseek(fd, 100, SEEK_SET) == 100, "lseek 100");
	CHECK(write(fd, stackbuf, 1000) == 1000, "write from stack");
	CHECK(lseek(fd, -1000, SEEK_CUR) == 100, "lseek SEEK_CUR back");
	memset(heap, 0, 4096);
	CHECK(read(fd, heap, 1000) == 1000, "read into heap");
	CHECK(memcmp(heap, stackbuf, 1000) == 0, "heap copy matches stack");
	CHECK(lseek(fd, 0, SEEK_END) == 4096, "lseek SEEK_END");
	printf("ok write stack, read heap, lseek\n");

	/* pwrite past EOF leaves a hole; neither call moves the offset */
	CHECK(lseek(fd, 10, SEEK_SET) == 10, "lseek 10");
	CHECK(pwrite(fd, "pwrite-data", 11, 8192) == 11, "pwrite");
	CHECK(pread(fd, stackbuf, 11, 8192) == 11 && memcmp(stackbuf, "pwrite-data", 11) == 0, "pread back");
	CHECK(pread(fd, stackbuf, 100, 4096) == 100, "pread hole");
	for (int i = 0; i < 100; i++)
		CHECK(stackbuf[i] == 0, "hole reads as zero");
	CHECK(pread(fd, stackbuf, 100, 8192 + 11) == 0, "pread at EOF");
	CHECK(lseek(fd, 0, SEEK_CUR) == 10, "offset unchanged by pread/pwrite");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 8192 + 11, "fstat size after pwrite");
	CHECK(S_ISREG(st.st_mode), "fstat regular file");
	printf("ok pread pwrite fstat\n");

	/* one 16 MiB write and one 16 MiB read */
	big = malloc(BIG);
	big2 = malloc(BIG);
	CHECK(big && big2, "malloc 16 MiB");
	for (size_t i = 0; i < BIG; i++)
		big[i] = (unsigned char)((i * 2654435761UL) >> 13);
	sum = checksum(big, BIG);
	CHECK(ftruncate(fd, 0) == 0, "ftruncate");
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "rewind");
	CHECK(write(fd, big, BIG) == (ssize_t)BIG, "16 MiB write in one call");
	CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)BIG, "fstat 16 MiB");
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "rewind");
	memset(big2, 0xff, BIG);
	CHECK(read(fd, big2, BIG) == (ssize_t)BIG, "16 MiB read in one call");
	CHECK(checksum(big2, BIG) == sum && memcmp(big, big2, BIG) == 0, "16 MiB checksum");
	printf("ok 16 MiB write/read checksum\n");

	CHECK(close(fd) == 0, "close");
	CHECK(unlink(path) == 0, "unlink");
	CHECK(stat(path, &st) == -1 && errno == ENOENT, "gone after unlink");
	CHECK(open(path, O_RDONLY) == -1 && errno == ENOENT, "open after unlink");
	printf("ok unlink\n");
	free(big);
	free(big2);
	free(heap);
	return 0;
}
