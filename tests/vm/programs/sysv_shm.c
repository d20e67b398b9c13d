// SPDX-License-Identifier: GPL-2.0
/*
 * sysv_shm CASE: System V shared memory, one line per check, the same natively
 * and under mcexec (tests/vm/test_process.sh, tests/security/test_lwk.sh).
 *   basic          attach, fork, flags, hostile addresses, detach, IPC_RMID
 *   write KEY TEXT make segment KEY (mode 0644) and leave TEXT in it
 *   read KEY       print what segment KEY holds, then remove it
 *   perms KEY      someone else's segment, readable only: what may be done
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define SEG_SIZE (3 * PAGE + 100)

static const char *err(long ret)
{
	return ret == -1 ? strerrorname_np(errno) : "ok";
}

static const char *status_text(int st)
{
	static char buf[64];
	if (WIFEXITED(st))
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "signal %s", sigabbrev_np(WTERMSIG(st)));
	else
		snprintf(buf, sizeof(buf), "status %#x", st);
	return buf;
}

/* Write one byte at @p in a child: how it ends. */
static const char *child_writes(volatile char *p)
{
	int st = -1;
	pid_t pid = fork();
	if (pid == 0) {
		*p = 'w';
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return status_text(st);
}

static long nattch(int id)
{
	struct shmid_ds ds;
	return shmctl(id, IPC_STAT, &ds) == 0 ? (long)ds.shm_nattch : -errno;
}

/* An address with @len free bytes (mapped and unmapped again). */
static char *free_place(size_t len)
{
	char *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p, len);
	return p;
}

static int basic(void)
{
	int id = shmget(IPC_PRIVATE, SEG_SIZE, IPC_CREAT | 0600);
	printf("shmget: %s\n", err(id));
	char *p = shmat(id, NULL, 0);
	printf("shmat: %s, page aligned %d, nattch %ld\n", err((long)p), ((uintptr_t)p & (PAGE - 1)) == 0,
	       nattch(id));
	memset(p, 'a', SEG_SIZE);
	p[SEG_SIZE + 10] = 'z'; /* the rest of the last page is ours too */

	/* A fork child shares the attach: its writes are the parent's. */
	int st = -1;
	pid_t pid = fork();
	if (pid == 0) {
		int same = p[0] == 'a' && p[SEG_SIZE - 1] == 'a';
		p[2 * PAGE] = 'c';
		_exit(same ? 3 : 4);
	}
	waitpid(pid, &st, 0);
	printf("fork child saw the segment: %s, its write seen: %c, nattch %ld\n", status_text(st), p[2 * PAGE],
	       nattch(id));

	/* Two attaches of one segment are the same bytes. */
	char *q = shmat(id, NULL, SHM_RDONLY);
	p[PAGE + 1] = 'b';
	printf("second attach read-only: %s, same bytes %d, nattch %ld\n", err((long)q), q[PAGE + 1] == 'b',
	       nattch(id));
	printf("write to the read-only attach: %s\n", child_writes(q + 8));
	printf("mprotect it writable: %s\n", err(mprotect(q, PAGE, PROT_READ | PROT_WRITE)));
	printf("shmdt read-only attach: %s\n", err(shmdt(q)));

	/* Addresses, as Linux checks them. */
	char *at = free_place(8 * PAGE);
	errno = 0;
	printf("shmat negative id: %s\n", err((long)shmat(-1, NULL, 0)));
	printf("shmat unknown id: %s\n", err((long)shmat(0x7ffffff0, NULL, 0)));
	printf("shmat unaligned address: %s\n", err((long)shmat(id, at + 1, 0)));
	char *r = shmat(id, at + 5, SHM_RND);
	printf("shmat unaligned with SHM_RND: %s, rounded down %d\n", err((long)r), r == at);
	printf("shmat over an attach: %s\n", err((long)shmat(id, at, 0)));
	printf("shmdt of an address inside: %s\n", err(shmdt(r + PAGE)));
	printf("shmdt unaligned: %s\n", err(shmdt(r + 1)));
	printf("shmdt of no attach: %s\n", err(shmdt(at + 6 * PAGE)));
	printf("shmdt of the SHM_RND attach: %s\n", err(shmdt(r)));
	printf("shmdt again: %s\n", err(shmdt(r)));
	char *m = mmap(at, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("shmat over a mapping: %s\n", err((long)shmat(id, m, 0)));
	char *s = shmat(id, m, SHM_REMAP);
	printf("shmat over it with SHM_REMAP: %s, there %d, bytes %c\n", err((long)s), s == m, s[2 * PAGE]);
	printf("shmdt of it: %s\n", err(shmdt(s)));
	printf("shmat NULL with SHM_REMAP: %s\n", err((long)shmat(id, NULL, SHM_REMAP)));
	/* Past any user range, 4- or 5-level paging. */
	printf("shmat past the user range: %s\n", err((long)shmat(id, (void *)0xfffffffffff000ull, 0)));
	printf("nattch: %ld\n", nattch(id));

	/* Split by mprotect: shmdt still takes the whole attach. */
	printf("mprotect a middle page read-only: %s\n", err(mprotect(p + PAGE, PAGE, PROT_READ)));
	printf("write to it: %s\n", child_writes(p + PAGE));
	printf("IPC_RMID while attached: %s, still readable %d\n", err(shmctl(id, IPC_RMID, NULL)), p[0] == 'a');
	printf("shmdt: %s\n", err(shmdt(p)));
	printf("write after shmdt: %s\n", child_writes(p + 3 * PAGE));
	printf("segment after the last detach: %s\n", nattch(id) == -EINVAL || nattch(id) == -EIDRM ? "gone" : "left");
	return 0;
}

static int write_seg(key_t key, const char *text)
{
	int id = shmget(key, PAGE, IPC_CREAT | IPC_EXCL | 0644);
	char *p = shmat(id, NULL, 0);
	if (id < 0 || p == (void *)-1) {
		printf("write: %s\n", strerrorname_np(errno));
		return 1;
	}
	strcpy(p, text);
	printf("write: %s\n", err(shmdt(p)));
	return 0;
}

static int read_seg(key_t key)
{
	int id = shmget(key, 0, 0);
	char *p = shmat(id, NULL, SHM_RDONLY);
	if (id < 0 || p == (void *)-1) {
		printf("read: %s\n", strerrorname_np(errno));
		return 1;
	}
	printf("read: %s\n", p);
	shmdt(p);
	printf("remove: %s\n", err(shmctl(id, IPC_RMID, NULL)));
	return 0;
}

static int perms(key_t key)
{
	int id = shmget(key, 0, 0);
	printf("shmget: %s\n", err(id));
	printf("shmat for writing: %s\n", err((long)shmat(id, NULL, 0)));
	printf("shmat executable: %s\n", err((long)shmat(id, NULL, SHM_RDONLY | SHM_EXEC)));
	char *p = shmat(id, NULL, SHM_RDONLY);
	printf("shmat read-only: %s, reads %s\n", err((long)p), p == (void *)-1 ? "-" : p);
	if (p == (void *)-1)
		return 1;
	printf("write to it: %s\n", child_writes(p));
	printf("mprotect it writable: %s\n", err(mprotect(p, PAGE, PROT_READ | PROT_WRITE)));
	printf("IPC_RMID: %s\n", err(shmctl(id, IPC_RMID, NULL)));
	printf("shmdt: %s\n", err(shmdt(p)));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "basic"))
		return basic();
	if (argc == 4 && !strcmp(argv[1], "write"))
		return write_seg((key_t)strtol(argv[2], NULL, 0), argv[3]);
	if (argc == 3 && !strcmp(argv[1], "read"))
		return read_seg((key_t)strtol(argv[2], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "perms"))
		return perms((key_t)strtol(argv[2], NULL, 0));
	fprintf(stderr, "usage: sysv_shm basic | write KEY TEXT | read KEY | perms KEY\n");
	return 2;
}
