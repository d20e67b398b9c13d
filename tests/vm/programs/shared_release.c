// SPDX-License-Identifier: GPL-2.0
/*
 * shared_release: unmapping a shared file mapping lets go of the file at once,
 * one line per check, the same natively and under mcexec (tests/vm/test_process.sh).
 * After munmap, after a mapping placed over it and after a fork child unmapped
 * its copy, F_SEAL_WRITE on the memfd succeeds (EBUSY while a writable mapping
 * is left); a partial munmap keeps the rest with its data; and without
 * CAP_IPC_LOCK, with RLIMIT_MEMLOCK at 1 MiB, a 512 KiB mapping can be made
 * and unmapped again and again (pinned pages are charged to it until unmapped).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096ul

static const char *err(long ret) { return ret == -1 ? strerrorname_np(errno) : "ok"; }

static int memfd(size_t len)
{
	int fd = memfd_create("shared_release", MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, (off_t)len)) {
		perror("memfd");
		return -1;
	}
	return fd;
}

static char *map(int fd, size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* The file's byte at @off as read(2) sees it, or the error. */
static const char *byte_at(int fd, off_t off)
{
	static char text[2];
	return pread(fd, text, 1, off) == 1 ? text : err(-1);
}

static const char *seal(int fd) { return err(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)); }

static void unmapped_whole(void)
{
	int fd = memfd(4 * PAGE);
	char *p = map(fd, 4 * PAGE);
	if (!p)
		return;
	memset(p, 'a', 4 * PAGE);
	printf("seal while mapped: %s\n", seal(fd));
	printf("munmap: %s\n", err(munmap(p, 4 * PAGE)));
	printf("seal after munmap: %s\n", seal(fd));
	printf("the data stayed: %s\n", byte_at(fd, 3 * PAGE));
	close(fd);
}

static void unmapped_in_parts(void)
{
	int fd = memfd(4 * PAGE);
	char *p = map(fd, 4 * PAGE);
	if (!p)
		return;
	for (int i = 0; i < 4; i++)
		p[i * PAGE] = (char)('0' + i);
	printf("munmap the middle: %s\n", err(munmap(p + PAGE, 2 * PAGE)));
	printf("ends kept: %c %c\n", p[0], p[3 * PAGE]);
	p[3 * PAGE] = 'z';
	printf("a write to the tail reaches the file: %s\n", byte_at(fd, 3 * PAGE));
	printf("seal with the ends mapped: %s\n", seal(fd));
	printf("munmap the head: %s\n", err(munmap(p, PAGE)));
	printf("seal with the tail mapped: %s\n", seal(fd));
	printf("munmap the tail: %s\n", err(munmap(p + 3 * PAGE, PAGE)));
	printf("seal after both: %s\n", seal(fd));
	close(fd);
}

static void mapped_over(void)
{
	int fd = memfd(2 * PAGE);
	char *p = map(fd, 2 * PAGE);
	if (!p)
		return;
	char *q = mmap(p, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("anonymous memory over it: %s, reads %d\n", q == p ? "ok" : err(-1), q == p ? p[0] : -1);
	printf("seal after it was replaced: %s\n", seal(fd));
	munmap(p, 2 * PAGE);
	close(fd);
}

static void fork_child_unmaps(void)
{
	int fd = memfd(PAGE);
	char *p = map(fd, PAGE);
	if (!p)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		p[0] = 'c';
		_exit(munmap(p, PAGE) ? 1 : 0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	printf("child wrote and unmapped: exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	printf("the parent still sees its write: %c\n", p[0]);
	p[0] = 'p';
	printf("and writes to the file: %s\n", byte_at(fd, 0));
	printf("seal while the parent maps it: %s\n", seal(fd));
	munmap(p, PAGE);
	printf("seal after the parent unmapped: %s\n", seal(fd));
	close(fd);
}

static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].effective &= ~(1u << CAP_IPC_LOCK);
	d[0].permitted &= ~(1u << CAP_IPC_LOCK);
	return syscall(SYS_capset, &h, d);
}

static void under_memlock(void)
{
	struct rlimit r = { 1 << 20, 1 << 20 };
	if (drop_ipc_lock() || setrlimit(RLIMIT_MEMLOCK, &r)) {
		perror("memlock limit");
		return;
	}
	int fd = memfd(128 * PAGE), ok = 0;
	const char *first_error = "none";
	for (int i = 0; i < 32; i++) {
		char *p = map(fd, 128 * PAGE);
		if (!p) {
			first_error = err(-1);
			break;
		}
		p[i * PAGE] = 1;
		munmap(p, 128 * PAGE);
		ok++;
	}
	printf("512 KiB mapped and unmapped under a 1 MiB limit: %d of 32, error %s\n", ok, first_error);
	close(fd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	unmapped_whole();
	unmapped_in_parts();
	mapped_over();
	fork_child_unmaps();
	under_memlock(); /* last: it drops a capability */
	return 0;
}
