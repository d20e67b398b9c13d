// SPDX-License-Identifier: GPL-2.0
// fork shares memory copy-on-write (docs/lwk.md, "fork"): what each side
// writes after the fork, by itself or through an offloaded call (a read into
// its buffer, which mcexec serves by writing into the program's memory), the
// other does not see; memory that comes on first touch can be filled by an
// offloaded call. Prints the same natively and under mcexec. With "hold", it
// also stops twice for the test to measure the instance's memory from
// outside: "hold: alone" (the parent with its 64 MiB) and "hold: children"
// (three children alive), each time until a line comes on stdin.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIG (64ul << 20)
#define PAGE 4096ul

static int holding;

static void hold(const char *what)
{
	char line[16];

	if (!holding)
		return;
	printf("hold: %s\n", what);
	if (!fgets(line, sizeof(line), stdin))
		holding = 0; /* no one measures */
}

static int check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "WRONG");
	return ok;
}

/* Fill @buf (@len bytes) through a pipe: an offloaded read under mcexec. */
static int read_through_pipe(char *buf, size_t len, char c)
{
	int fds[2];
	size_t done = 0;

	if (pipe(fds))
		return 0;
	if (fork() == 0) {
		char chunk[PAGE];

		memset(chunk, c, sizeof(chunk));
		for (size_t left = len; left;) {
			size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
			if (write(fds[1], chunk, n) != (ssize_t)n)
				_exit(1);
			left -= n;
		}
		_exit(0);
	}
	close(fds[1]);
	while (done < len) {
		ssize_t n = read(fds[0], buf + done, len - done);
		if (n <= 0)
			break;
		done += n;
	}
	close(fds[0]);
	wait(NULL);
	return done == len && buf[0] == c && buf[len - 1] == c;
}

static int all(const char *p, size_t len, char c)
{
	for (size_t i = 0; i < len; i += PAGE / 4)
		if (p[i] != c)
			return 0;
	return p[len - 1] == c;
}

struct reader {
	int fd;
	char *buf;
};

static void *blocked_read(void *arg)
{
	struct reader *r = arg;

	return (void *)(intptr_t)read(r->fd, r->buf, 16);
}

int main(int argc, char **argv)
{
	char *big = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char stack_buf[64];
	int ok = 1, status;
	pid_t pid;

	if (big == MAP_FAILED)
		return 2;
	memset(big, 'a', BIG);
	strcpy(stack_buf, "parent's");
	setvbuf(stdout, NULL, _IONBF, 0);
	holding = argc > 1 && !strcmp(argv[1], "hold");

	/* Each side's writes after the fork are its own. */
	int sync_pipe[2], back[2];
	if (pipe(sync_pipe) || pipe(back))
		return 2;
	pid = fork();
	if (pid == 0) {
		char go;
		int good = 1;

		close(sync_pipe[1]);
		close(back[0]);
		/* Wait until the parent wrote: its writes must not show here. */
		if (read(sync_pipe[0], &go, 1) != 1)
			_exit(3);
		good &= all(big, BIG, 'a') && !strcmp(stack_buf, "parent's");
		memset(big + BIG / 2, 'c', PAGE);
		strcpy(stack_buf, "child's");
		/* An offloaded call writing into memory shared with the parent. */
		good &= read_through_pipe(big + 3 * PAGE, 2 * PAGE, 'd');
		good &= all(big + 3 * PAGE, 2 * PAGE, 'd') && big[BIG / 2] == 'c';
		if (write(back[1], "x", 1) != 1)
			_exit(3);
		_exit(good ? 0 : 4);
	}
	close(sync_pipe[0]);
	close(back[1]);
	memset(big, 'b', PAGE);
	big[BIG - 1] = 'b';
	strcpy(stack_buf, "parent's, later");
	if (write(sync_pipe[1], "g", 1) != 1)
		return 2;
	char done;
	ok &= read(back[0], &done, 1) == 1;
	waitpid(pid, &status, 0);
	ok &= check("the child sees the memory as it was at the fork, and its writes are its own",
		    WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ok &= check("the parent's memory is the parent's",
		    big[0] == 'b' && big[BIG - 1] == 'b' && big[BIG / 2] == 'a' && big[3 * PAGE] == 'a' &&
			    !strcmp(stack_buf, "parent's, later"));

	/* An offloaded call in the parent, into memory it shared with a child that ended. */
	ok &= check("the parent reads into its memory after the fork", read_through_pipe(big + PAGE, PAGE, 'e'));
	ok &= check("and only there", big[0] == 'b' && big[2 * PAGE] == 'a');

	/* Three children that only read: they take little memory. */
	hold("alone");
	int held[2];
	pid_t kids[3];

	if (pipe(held))
		return 2;
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			char c;

			close(held[1]);
			int good = all(big + 4 * PAGE, BIG - 8 * PAGE, 'a');
			(void)!read(held[0], &c, 1); /* until the parent closes it */
			_exit(good ? 0 : 5);
		}
	}
	usleep(300000);
	hold("children");
	close(held[1]);
	int kids_ok = 1;
	for (int i = 0; i < 3; i++)
		kids_ok &= waitpid(kids[i], &status, 0) == kids[i] && WIFEXITED(status) && !WEXITSTATUS(status);
	ok &= check("three children read the 64 MiB", kids_ok);

	/* Memory that comes on first touch, filled by an offloaded call. */
	char *lazy = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			  -1, 0);
	ok &= check("a read into memory not touched yet", lazy != MAP_FAILED && read_through_pipe(lazy + PAGE, 2 * PAGE, 'f'));

	/* Hostile: after the fork, an offloaded read into a read-only page (shared
	 * copy-on-write with the child) fails with EFAULT and changes nothing,
	 * on either side. */
	char *ro = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ro_ok = ro != MAP_FAILED;
	if (ro_ok) {
		memset(ro, 'r', 2 * PAGE);
		ro_ok = !mprotect(ro, 2 * PAGE, PROT_READ);
	}
	pid = fork();
	if (pid == 0) {
		int p2[2];
		if (!ro_ok || pipe(p2) || write(p2[1], "xxxx", 4) != 4)
			_exit(7);
		errno = 0;
		ssize_t n = read(p2[0], ro + PAGE, 4);
		_exit(n == -1 && errno == EFAULT && all(ro, 2 * PAGE, 'r') ? 0 : 8);
	}
	int p3[2];
	ssize_t pn = 0;
	int perr = 0;
	if (ro_ok && !pipe(p3) && write(p3[1], "yyyy", 4) == 4) {
		errno = 0;
		pn = read(p3[0], ro, 4);
		perr = errno;
	}
	waitpid(pid, &status, 0);
	ok &= check("an offloaded read into a read-only shared page: EFAULT, nothing written, either side",
		    ro_ok && pn == -1 && perr == EFAULT && all(ro, 2 * PAGE, 'r') && WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0);

	/* A parent with two threads: a read another thread has in flight lands in the parent only. */
	int fds[2];
	pthread_t th;
	struct reader r;

	if (pipe(fds))
		return 2;
	r.fd = fds[0];
	r.buf = big + 10 * PAGE;
	pthread_create(&th, NULL, blocked_read, &r);
	usleep(200000);
	pid = fork();
	if (pid == 0) {
		usleep(300000);
		_exit(big[10 * PAGE] == 'a' ? 0 : 6);
	}
	if (write(fds[1], "threaded-reader!", 16) != 16)
		return 2;
	void *got;
	pthread_join(th, &got);
	waitpid(pid, &status, 0);
	ok &= check("a threaded parent's in-flight read is not the child's",
		    (intptr_t)got == 16 && !memcmp(big + 10 * PAGE, "threaded-reader!", 16) && WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0);
	return ok ? 0 : 1;
}
