// SPDX-License-Identifier: GPL-2.0
/*
 * spawn [CASE]: new processes, one line per check, the same natively and under
 * mcexec (tests/vm/test_process.sh). Without CASE, every case in turn.
 * "where" cases compare where the child runs (McKernel answers its own system
 * call 600; Linux says ENOSYS) with where the parent runs.
 * Helpers the cases exec: "where" (exit 1 on McKernel), "pid-is PID".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static const char *self;

static int on_lwk(void) { return syscall(600) != -1; }

static const char *status_text(int st)
{
	static char buf[64];
	if (WIFEXITED(st))
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "signal %d", WTERMSIG(st));
	else
		snprintf(buf, sizeof(buf), "status %#x", st);
	return buf;
}

static int reap(pid_t pid)
{
	int st = -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

static void fork_exit(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	printf("fork-exit: %s\n", pid > 0 ? status_text(reap(pid)) : strerror(errno));
}

static void fork_copy(void)
{
	volatile int x = 1;
	int p[2];
	if (pipe(p))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		x = 2;
		int v = x;
		(void)!write(p[1], &v, sizeof(v));
		_exit(0);
	}
	int child = 0;
	(void)!read(p[0], &child, sizeof(child));
	reap(pid);
	printf("fork-copy: parent %d child %d\n", x, child);
	close(p[0]);
	close(p[1]);
}

static void fork_memory(void)
{
	size_t n = 64 << 20;
	unsigned char *m = malloc(n);
	for (size_t i = 0; i < n; i++)
		m[i] = (unsigned char)(i * 7 + 3);
	pid_t pid = fork();
	if (pid == 0) {
		for (size_t i = 0; i < n; i++)
			if (m[i] != (unsigned char)(i * 7 + 3))
				_exit(1);
		memset(m, 0, n); /* the parent's copy must not change */
		_exit(0);
	}
	int st = reap(pid);
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += m[i] != (unsigned char)(i * 7 + 3);
	printf("fork-memory: child %s, parent's bytes changed %zu\n", status_text(st), bad);
	free(m);
}

static void fork_shared_file(void)
{
	char path[] = "/tmp/spawn-shared-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, 8192))
		return;
	unlink(path);
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return;
	strcpy(m, "parent");
	pid_t pid = fork();
	if (pid == 0) {
		int saw = !strcmp(m, "parent");
		strcpy(m + 4096, "child wrote this");
		_exit(saw ? 0 : 1);
	}
	int st = reap(pid);
	printf("fork-shared-file: child saw the parent's bytes: %s, parent sees: %s\n", status_text(st), m + 4096);
	munmap(m, 8192);
	close(fd);
}

static void child_where(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(on_lwk());
	int st = reap(pid);
	printf("fork-where: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == on_lwk() ? "where the parent is" : "elsewhere");
}

static void exec_where(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl(self, "where", (char *)NULL);
		_exit(127);
	}
	int st = reap(pid);
	printf("exec-where: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == on_lwk() ? "where the parent is" : "elsewhere");
}

static void exec_pid(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%d", (int)getpid());
		execl(self, "pid-is", buf, (char *)NULL);
		_exit(127);
	}
	printf("exec-keeps-pid: %s\n", status_text(reap(pid)));
}

static void exec_errors(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {"nothing", NULL};
		execve("/nonexistent/program", argv, environ);
		int e1 = errno;
		execve("/etc/passwd", argv, environ); /* not executable */
		int e2 = errno;
		execve("/tmp", argv, environ);
		int e3 = errno;
		_exit((e1 == ENOENT) | (e2 == EACCES) << 1 | (e3 == EACCES) << 2);
	}
	int st = reap(pid);
	printf("exec-errors (ENOENT EACCES EACCES = 7): %s\n", status_text(st));
}

/* execveat: a descriptor with an absolute path is ignored, even -1; a
 * directory descriptor with a relative path; AT_EMPTY_PATH on an O_PATH
 * descriptor; AT_SYMLINK_NOFOLLOW on a symbolic link is ELOOP. Each exec runs
 * "pid-is" in a child, which exits 0. */
static void execveat_cases(void)
{
	char link[64];
	snprintf(link, sizeof(link), "/tmp/spawn-link-%d", getpid());
	if (symlink(self, link) != 0)
		return;
	char dir[4096], *slash;
	snprintf(dir, sizeof(dir), "%s", self);
	slash = strrchr(dir, '/');
	*slash = 0;
	for (int c = 0; c < 4; c++) {
		pid_t pid = fork();
		if (pid == 0) {
			char me[32];
			snprintf(me, sizeof(me), "%d", getpid());
			char *argv[] = {"pid-is", me, NULL};
			int dfd = open(dir, O_DIRECTORY | O_RDONLY);
			int pfd = open(self, O_PATH);
			if (c == 0)
				syscall(SYS_execveat, -1, self, argv, environ, 0);
			else if (c == 1)
				syscall(SYS_execveat, dfd, slash + 1, argv, environ, 0);
			else if (c == 2)
				syscall(SYS_execveat, pfd, "", argv, environ, AT_EMPTY_PATH);
			else
				syscall(SYS_execveat, AT_FDCWD, link, argv, environ, AT_SYMLINK_NOFOLLOW);
			_exit(errno == ELOOP ? 40 : 50);
		}
		printf("execveat %s: %s\n",
		       c == 0 ? "absolute path, fd -1" : c == 1 ? "directory fd, relative path" :
		       c == 2 ? "AT_EMPTY_PATH" : "AT_SYMLINK_NOFOLLOW on a link (exit 40: ELOOP)", status_text(reap(pid)));
	}
	unlink(link);
}

/* PR_SET_PDEATHSIG: a thread's own (others read 0), read back by the thread
 * that set it; sent when the parent dies. */
static volatile sig_atomic_t g_pdeath;
static void on_pdeath(int sig) { g_pdeath = sig; }
static void *get_pdeath(void *arg)
{
	int *sig = arg;
	prctl(PR_GET_PDEATHSIG, sig);
	return NULL;
}
static void pdeath_signal(void)
{
	prctl(PR_SET_PDEATHSIG, SIGUSR2);
	int mine = 0, seen[4] = {-1, -1, -1, -1};
	for (int i = 0; i < 20; i++) /* served by any worker of mcexec's */
		prctl(PR_GET_PDEATHSIG, &mine);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, get_pdeath, &seen[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("pdeathsig: the setter reads %d, 4 other threads read %d %d %d %d\n", mine,
	       seen[0], seen[1], seen[2], seen[3]);
	prctl(PR_SET_PDEATHSIG, 0);

	int report[2], ready[2];
	if (pipe(report) || pipe(ready))
		return;
	pid_t mid = fork();
	if (mid == 0) {
		pid_t child = fork();
		if (child == 0) {
			signal(SIGUSR1, on_pdeath);
			prctl(PR_SET_PDEATHSIG, SIGUSR1);
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			for (int i = 0; i < 300 && !g_pdeath; i++)
				usleep(100000);
			char c = g_pdeath == SIGUSR1 ? 'y' : 'n';
			if (write(report[1], &c, 1) != 1)
				_exit(1);
			_exit(0);
		}
		char c;
		if (read(ready[0], &c, 1) != 1)
			_exit(1);
		_exit(0); /* the child's parent dies */
	}
	reap(mid);
	char c = '?';
	close(report[1]);
	if (read(report[0], &c, 1) != 1)
		c = '?';
	printf("pdeathsig when the parent died: %s\n", c == 'y' ? "delivered" : "not delivered");
	close(report[0]);
	close(ready[0]);
	close(ready[1]);
}

/* execve with pointers that are not the program's: NULL, low, mcexec's memory
 * above 64 TiB (not mapped natively), an argv entry pointing there; too much. */
static void exec_hostile(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *mcexec_mem = (char *)0x500000000000ul;
		char *argv[] = {"x", mcexec_mem, NULL};
		int r = 0;
		syscall(SYS_execve, NULL, argv, environ);
		r |= (errno == EFAULT) << 0;
		syscall(SYS_execve, "/bin/true", (char **)0x10, environ);
		r |= (errno == EFAULT) << 1;
		syscall(SYS_execve, mcexec_mem, argv, environ);
		r |= (errno == EFAULT) << 2;
		syscall(SYS_execve, "/bin/true", argv, environ);
		r |= (errno == EFAULT) << 3;
		syscall(SYS_execve, "/bin/true", (char **)mcexec_mem, environ);
		r |= (errno == EFAULT) << 4;
		size_t big = 4 << 20;
		char *huge = malloc(big + 1);
		memset(huge, 'a', big);
		huge[big] = 0;
		char *argv2[] = {"x", huge, NULL};
		syscall(SYS_execve, "/bin/true", argv2, environ);
		r |= (errno == E2BIG) << 5;
		_exit(r);
	}
	printf("exec-hostile (EFAULT x5, E2BIG = 63): %s\n", status_text(reap(pid)));
}

static void fork_signal(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		raise(SIGUSR1);
		_exit(0);
	}
	printf("fork-signal: %s\n", status_text(reap(pid)));
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	usleep(200000);
	kill(pid, SIGTERM);
	printf("kill-child: %s\n", status_text(reap(pid)));
}

static volatile sig_atomic_t g_chld;
static void on_chld(int sig) { (void)sig; g_chld = 1; }

static void sigchld(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	for (int i = 0; i < 500 && !g_chld; i++)
		usleep(10000);
	reap(pid);
	printf("sigchld: %s\n", g_chld ? "delivered" : "not delivered");
	signal(SIGCHLD, SIG_DFL);
}

/*
 * vfork's parent goes on only once the child ended or exec'd: the child
 * writes into a pipe after a pause and then ends (or execs); the parent, when
 * vfork returns, must find the byte there without waiting for it.
 */
static void vfork_waits(int do_exec)
{
	int fds[2];
	char c = 0;

	if (pipe2(fds, O_NONBLOCK))
		return;
	pid_t pid = vfork();
	if (pid == 0) {
		struct timespec pause = {0, 300 * 1000 * 1000};

		nanosleep(&pause, NULL);
		if (write(fds[1], "v", 1) != 1)
			_exit(1);
		if (do_exec)
			execl("/bin/true", "true", (char *)NULL);
		_exit(5);
	}
	ssize_t n = read(fds[0], &c, 1);
	printf("vfork then %s: the parent went on after it: %s, status %s\n", do_exec ? "exec" : "exit",
	       n == 1 && c == 'v' ? "yes" : "no", pid > 0 ? status_text(reap(pid)) : strerror(errno));
	close(fds[0]);
	close(fds[1]);
}

static void vfork_exit(void)
{
	pid_t pid = vfork();
	if (pid == 0)
		_exit(5);
	printf("vfork: %s\n", pid > 0 ? status_text(reap(pid)) : strerror(errno));
	vfork_waits(0);
	vfork_waits(1);
}

static void library_calls(void)
{
	fflush(stdout);
	int st = system("exit 3");
	printf("system: %s\n", status_text(st));
	fflush(stdout);
	FILE *f = popen("/bin/echo from popen", "r");
	char line[64] = "";
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		line[strcspn(line, "\n")] = 0;
		printf("popen: '%s', %s\n", line, status_text(pclose(f)));
	}
	pid_t pid;
	char *argv[] = {"false", NULL};
	int r = posix_spawn(&pid, "/bin/false", NULL, NULL, argv, environ);
	printf("posix_spawn: %d, %s\n", r, r == 0 ? status_text(reap(pid)) : "-");
	/* The C library's child writes a failed exec's error into the parent's memory. */
	r = posix_spawn(&pid, "/nonexistent/program", NULL, NULL, argv, environ);
	printf("posix_spawn of a missing file: %s\n", r ? strerror(r) : status_text(reap(pid)));
	r = posix_spawnp(&pid, "no-such-program-anywhere", NULL, NULL, argv, environ);
	printf("posix_spawnp of a missing program: %s\n", r ? strerror(r) : status_text(reap(pid)));
}

/* Not in the default run: forks children that wait until fork fails (or 200 did). */
static void limit(void)
{
	pid_t kids[200];
	int n = 0, err = 0;
	for (; n < 200; n++) {
		pid_t pid = fork();
		if (pid == 0) {
			pause();
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[n] = pid;
	}
	printf("fork-limit: %s\n", err == EAGAIN ? "EAGAIN" : err == ENOMEM ? "ENOMEM" : err ? strerror(err) : "no limit");
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	int dead = 0;
	for (int i = 0; i < n; i++)
		dead += reap(kids[i]) != -1;
	printf("fork-limit: all %s reaped\n", dead == n ? "children" : "but some");
}

static void many(void)
{
	int ok = 0;
	for (int i = 0; i < 20; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(i);
		int st = reap(pid);
		ok += WIFEXITED(st) && WEXITSTATUS(st) == i;
	}
	printf("fork-20-in-a-row: %d ok\n", ok);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	self = "/proc/self/exe";
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n > 0) {
		path[n] = 0;
		self = path;
	}
	if (argc >= 1 && !strcmp(argv[0], "where"))
		return on_lwk();
	if (argc == 2 && !strcmp(argv[0], "pid-is"))
		return atoi(argv[1]) == getpid() ? 0 : 1;
	const char *only = argc > 1 ? argv[1] : NULL;
	struct {
		const char *name;
		void (*fn)(void);
	} cases[] = {{"fork-exit", fork_exit},	 {"fork-copy", fork_copy},     {"fork-memory", fork_memory},
		     {"fork-shared-file", fork_shared_file}, {"fork-where", child_where}, {"exec-where", exec_where},
		     {"exec-pid", exec_pid},	 {"exec-errors", exec_errors}, {"exec-hostile", exec_hostile}, {"execveat", execveat_cases}, {"pdeathsig", pdeath_signal}, {"fork-signal", fork_signal},
		     {"sigchld", sigchld},	 {"vfork", vfork_exit},	       {"library", library_calls},
		     {"many", many}};
	if (only && !strcmp(only, "fork-limit")) {
		limit();
		return 0;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!only || !strcmp(only, cases[i].name))
			cases[i].fn();
	return 0;
}
