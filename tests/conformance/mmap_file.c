// SPDX-License-Identifier: GPL-2.0
/* File mmap: private read-only, at an offset, private writes stay private, zero tail, SIGBUS,
   no MAP_HUGETLB;
   with a second argument "shared": shared writable mappings and the file agree. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(c, what)                                                                   \
	do {                                                                             \
		if (!(c)) {                                                              \
			printf("FAIL %s: %s (errno %s)\n", what, #c, strerrorname_np(errno)); \
			exit(1);                                                         \
		}                                                                        \
	} while (0)

#define SIZE ((3UL << 20) + 123)

static sigjmp_buf jb;
static volatile sig_atomic_t caught;

static unsigned char byte_at(size_t i)
{
	return (unsigned char)(i * 13 + (i >> 12) * 7 + 1); /* never 0 at i=0, differs per page */
}

static void on_fault(int sig)
{
	caught = sig;
	siglongjmp(jb, 1);
}

/* the signal a read of *p raises, or 0 */
static int read_signal(volatile unsigned char *p)
{
	if (sigsetjmp(jb, 1))
		return caught;
	(void)*p;
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("TMPDIR");
	size_t pg = sysconf(_SC_PAGESIZE), maplen, off;
	unsigned char *buf, *m, *w, *o, *r2;
	char path[4096];
	struct sigaction sa;
	struct stat st;
	int fd, bad = 0;
	int shared = argc > 2 && strcmp(argv[2], "shared") == 0;

	if (!dir || !*dir)
		dir = "/tmp";
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	CHECK(sigaction(SIGBUS, &sa, NULL) == 0 && sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction");

	snprintf(path, sizeof(path), "%s/mmap_file.XXXXXX", dir);
	fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	buf = malloc(SIZE);
	CHECK(buf != NULL, "malloc");
	for (size_t i = 0; i < SIZE; i++)
		buf[i] = byte_at(i);
	CHECK(write(fd, buf, SIZE) == (ssize_t)SIZE, "write pattern");
	maplen = (SIZE + pg - 1) / pg * pg;

	/* whole file, private read-only */
	m = mmap(NULL, SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED, "mmap private read-only");
	CHECK(memcmp(m, buf, SIZE) == 0, "mapping matches the file");
	for (size_t i = SIZE; i < maplen; i++)
		bad |= m[i] != 0;
	CHECK(!bad, "tail past EOF in the last page is zero");
	printf("ok private read-only mapping of %lu bytes, zero tail\n", SIZE);

	/* a page beyond the last file page: SIGBUS */
	o = mmap(NULL, maplen + 2 * pg, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(o != MAP_FAILED, "mmap longer than the file");
	CHECK(read_signal(o + maplen - 1) == 0, "last file page readable");
	CHECK(read_signal(o + maplen) == SIGBUS && read_signal(o + maplen + pg + 9) == SIGBUS,
	      "page past EOF raises SIGBUS");
	munmap(o, maplen + 2 * pg);
	printf("ok SIGBUS past EOF\n");

	/* at an offset */
	off = (1UL << 20) + 2 * pg;
	o = mmap(NULL, SIZE - off, PROT_READ, MAP_PRIVATE, fd, off);
	CHECK(o != MAP_FAILED, "mmap at offset");
	CHECK(memcmp(o, buf + off, SIZE - off) == 0, "offset mapping matches the file");
	munmap(o, SIZE - off);
	CHECK(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED && errno == EINVAL,
	      "unaligned offset refused");
	printf("ok mapping at offset\n");

	/* MAP_HUGETLB is for hugetlbfs files only (UCX tries it on /dev/shm files first) */
	CHECK(mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_HUGETLB, fd, 0) == MAP_FAILED &&
	      errno == EINVAL, "MAP_HUGETLB of a file refused");
	CHECK(mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_HUGETLB, fd, 0) == MAP_FAILED && errno == EINVAL,
	      "private MAP_HUGETLB of a file refused");
	CHECK(mmap(NULL, pg, PROT_READ, MAP_SHARED | MAP_HUGETLB, 1000, 0) == MAP_FAILED && errno == EBADF,
	      "MAP_HUGETLB of no file: EBADF first");
	printf("ok MAP_HUGETLB of a file: EINVAL\n");

	/* private writable: changes stay in this mapping */
	w = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(w != MAP_FAILED, "mmap private writable");
	for (size_t i = 0; i < SIZE; i += 100000)
		w[i] = (unsigned char)~byte_at(i);
	w[SIZE + 5] = 0x77; /* in the tail */
	for (size_t i = 0; i < SIZE; i += 100000)
		bad |= w[i] != (unsigned char)~byte_at(i);
	CHECK(!bad && w[SIZE + 5] == 0x77, "private writes visible in the mapping");
	CHECK(memcmp(m, buf, SIZE) == 0, "other private mapping unchanged");
	r2 = malloc(SIZE + 10);
	CHECK(r2 != NULL, "malloc");
	CHECK(pread(fd, r2, SIZE + 10, 0) == (ssize_t)SIZE && memcmp(r2, buf, SIZE) == 0,
	      "file unchanged by private writes (read())");
	CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)SIZE, "file size unchanged");
	munmap(w, SIZE);
	printf("ok private writes do not reach the file\n");

	/* shared writable: changes reach the file */
	if (!shared)
		goto done;
	w = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(w != MAP_FAILED, "mmap shared");
	memcpy(w + 4096 * 3 + 17, "shared!", 7);
	CHECK(msync(w, SIZE, MS_SYNC) == 0, "msync");
	CHECK(pread(fd, r2, 7, 4096 * 3 + 17) == 7 && memcmp(r2, "shared!", 7) == 0, "shared write in the file");
	CHECK(pwrite(fd, "PW", 2, 2 * 1048576) == 2 && memcmp(w + 2 * 1048576, "PW", 2) == 0,
	      "pwrite visible in the shared mapping");
	munmap(w, SIZE);
	printf("ok shared writes reach the file\n");

	/* shared read-only, of a file we cannot write (this program): its pages are
	   never written back (the virtual node's root is a read-only 9p mount) */
	int self = open(argv[0], O_RDONLY);
	CHECK(self >= 0, "open this program");
	o = mmap(NULL, pg, PROT_READ, MAP_SHARED, self, 0);
	CHECK(o != MAP_FAILED, "mmap this program shared read-only");
	CHECK(memcmp(o, "\177ELF", 4) == 0, "an ELF header through the shared mapping");
	munmap(o, pg);
	close(self);
	printf("ok shared read-only mapping of a read-only file\n");
done:

	munmap(m, SIZE);
	close(fd);
	CHECK(unlink(path) == 0, "unlink");
	free(buf);
	free(r2);
	return 0;
}
