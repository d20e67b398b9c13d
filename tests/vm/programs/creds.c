// SPDX-License-Identifier: GPL-2.0
/*
 * creds CASE DIR: credentials a program changes hold for every later call, the
 * same natively and under mcexec (tests/vm/test_process.sh), run as root.
 * DIR holds "root-only/" (root's, mode 0700) and "nobodys" (a file of uid
 * 65534, mode 0600). Each case changes its credentials, then makes the same
 * call many times while another thread makes calls too (under mcexec the calls
 * are spread over several workers) and prints how they ended.
 *   drop    setgroups, setresgid, setresuid to 65534: mkdir in root-only/ fails
 *   fsuid   setfsuid(65534): creating a file in root-only/ fails
 *   caps    capset without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: nobodys
 *           cannot be opened
 *   capdrop capset without CAP_SETUID, CAP_SETGID, in a program of one
 *           thread: every later setresuid and setgroups fails (EPERM) in
 *           whichever worker serves it; before mcexec ran capset in all its
 *           threads, one that still had them succeeded, and the C library
 *           aborted mcexec for its threads' disagreement
 *   keepcaps PR_SET_KEEPCAPS, setresuid to 65534: the permitted set stays,
 *           and capset makes it effective again (setpriv's way)
 *   persona personality(2), per thread on Linux like the credentials: read
 *           back in every later call, and kept across an execve of
 *           /proc/self/exe (under mcexec, the program's own file)
 *   nnp     PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP of CAP_NET_RAW and
 *           PR_CAP_AMBIENT_RAISE of CAP_NET_BIND_SERVICE, per thread on
 *           Linux: read back in every later call and kept across an execve
 *           of /proc/self/exe (a worker that had not had them once let a
 *           program exec'd on Linux gain what the flag had given up)
 *   forkrace one thread changes its credentials (setresuid to root, which it
 *           is) over and over while another forks children that do the same:
 *           none may hang (mcexec's fork child once inherited the lock of the
 *           parent's change in progress, and waited on it for good)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#define ROUNDS 40
#define FORKS 100

static volatile int stop;

/* setresuid to what we are, again and again: a change every thread of mcexec
 * makes. The raw call, not the C library's, whose own broadcast to the
 * program's threads can hang a child forked meanwhile natively too. */
static void *changer(void *arg)
{
	(void)arg;
	while (!stop)
		syscall(SYS_setresuid, 0, 0, 0);
	return NULL;
}

/* FORKS children, each changing its credentials once; a child that has not
 * ended within 20 s hung (killed, counted). */
static int fork_race(void)
{
	int hung = 0, ok = 0;
	for (int i = 0; i < FORKS; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(syscall(SYS_setresuid, 0, 0, 0) == 0 && personality(0xffffffff) != -1 ? 0 : 1);
		if (pid < 0)
			return -1;
		int st = 0, waited = 0;
		while (waitpid(pid, &st, WNOHANG) == 0) {
			if (++waited == 2000) {
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				hung++;
				break;
			}
			usleep(10000);
		}
		ok += waited < 2000 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	printf("fork children changing credentials while a thread does: %d ok, %d hung\n", ok, hung);
	return 0;
}

/* Offloaded calls all the time, so that under mcexec more than one worker serves them. */
static void *busy(void *arg)
{
	(void)arg;
	while (!stop)
		access("/", F_OK);
	return NULL;
}

/* Run @call ROUNDS times: "N ok, M ERRNAME, ..." in order of first appearance. */
static void rounds(const char *what, int (*call)(const char *), const char *path)
{
	int errs[ROUNDS], counts[ROUNDS], kinds = 0;
	for (int i = 0; i < ROUNDS; i++) {
		int e = call(path) == 0 ? 0 : errno, k;
		for (k = 0; k < kinds && errs[k] != e; k++)
			;
		if (k == kinds) {
			errs[kinds] = e;
			counts[kinds++] = 0;
		}
		counts[k]++;
	}
	printf("%s:", what);
	for (int k = 0; k < kinds; k++)
		printf(" %d %s", counts[k], errs[k] ? strerrorname_np(errs[k]) : "ok");
	printf("\n");
}

static int do_mkdir(const char *path)
{
	int r = mkdir(path, 0700);
	if (r == 0)
		rmdir(path);
	return r;
}

static int do_create(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(path);
	return 0;
}

static int do_open(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int do_setresuid(const char *path)
{
	(void)path;
	return setresuid(1000, 1000, 1000);
}

static int do_setgroups(const char *path)
{
	gid_t g = 1000;
	(void)path;
	return setgroups(1, &g);
}

/* Clear @bits from the effective and permitted sets (and set effective =
 * permitted when @bits is 0). */
static int caps_without(unsigned bits)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].permitted &= ~bits;
	d[0].effective = d[0].permitted;
	d[1].effective = d[1].permitted;
	return syscall(SYS_capset, &h, d);
}

/* What "nnp" changed, as this thread reads it: "1 0 1" once all three hold. */
static void nnp_state(int out[3])
{
	out[0] = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	out[1] = prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0);
	out[2] = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_BIND_SERVICE, 0, 0);
}

/* CAP_NET_BIND_SERVICE into the inheritable set, as an ambient raise needs. */
static int inheritable_bind(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].inheritable |= 1u << CAP_NET_BIND_SERVICE;
	return syscall(SYS_capset, &h, d);
}

static int drop_dac_caps(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
	return syscall(SYS_capset, &h, d);
}

/* Stop the busy thread @t, then run this program again as "@then DIR" (under
 * mcexec, the program's own file): what the case changed must survive execve. */
static int exec_self(pthread_t t, char **argv, const char *then)
{
	stop = 1;
	if (pthread_join(t, NULL))
		return 1;
	execl("/proc/self/exe", argv[0], then, argv[2], (char *)NULL);
	printf("execve: %s\n", strerrorname_np(errno));
	return 1;
}

int main(int argc, char **argv)
{
	char path[4096];
	pthread_t t;
	int joined = 0;
	if (argc != 3) {
		fprintf(stderr, "usage: creds drop|fsuid|caps|capdrop|keepcaps|nnp|persona|forkrace DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "persona-after-exec")) {
		printf("persona after execve: %#x\n", personality(0xffffffff));
		return 0;
	}
	if (!strcmp(argv[1], "nnp-after-exec")) {
		int st[3];
		nnp_state(st);
		printf("after execve: no_new_privs %d, bounding CAP_NET_RAW %d, ambient CAP_NET_BIND_SERVICE %d\n",
		       st[0], st[1], st[2]);
		return 0;
	}
	if (!strcmp(argv[1], "forkrace")) {
		if (pthread_create(&t, NULL, changer, NULL))
			return 1;
		int r = fork_race();
		stop = 1;
		return r || pthread_join(t, NULL) ? 1 : 0;
	}
	if (pthread_create(&t, NULL, busy, NULL))
		return 1;
	if (!strcmp(argv[1], "drop")) {
		int r = setgroups(0, NULL) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534);
		printf("drop to 65534: %s\n", r ? strerrorname_np(errno) : "ok");
		snprintf(path, sizeof(path), "%s/root-only/d", argv[2]);
		rounds("mkdir in root's directory", do_mkdir, path);
		printf("setuid(0) back: %s\n", setuid(0) ? strerrorname_np(errno) : "ok");
	} else if (!strcmp(argv[1], "fsuid")) {
		setfsuid(65534);
		printf("fsuid now: %d\n", setfsuid(-1));
		snprintf(path, sizeof(path), "%s/root-only/f", argv[2]);
		rounds("create in root's directory", do_create, path);
		setfsuid(0);
		rounds("create after setfsuid(0)", do_create, path);
	} else if (!strcmp(argv[1], "caps")) {
		snprintf(path, sizeof(path), "%s/nobodys", argv[2]);
		rounds("open nobody's file", do_open, path);
		printf("capset without DAC override: %s\n", drop_dac_caps() ? strerrorname_np(errno) : "ok");
		rounds("open nobody's file", do_open, path);
	} else if (!strcmp(argv[1], "capdrop")) {
		/* One thread: capset is per thread, and natively the C library would
		 * abort for the threads' disagreement at the next setresuid. */
		stop = 1;
		if (pthread_join(t, NULL))
			return 1;
		joined = 1;
		printf("capset without CAP_SETUID, CAP_SETGID: %s\n",
		       caps_without((1u << CAP_SETUID) | (1u << CAP_SETGID)) ? strerrorname_np(errno) : "ok");
		rounds("setresuid to 1000", do_setresuid, argv[2]);
		rounds("setgroups", do_setgroups, argv[2]);
	} else if (!strcmp(argv[1], "keepcaps")) {
		struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, getpid()};
		struct __user_cap_data_struct d[2];
		printf("keepcaps: %s\n", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ? strerrorname_np(errno) : "ok");
		printf("setresuid to 65534: %s\n", setresuid(65534, 65534, 65534) ? strerrorname_np(errno) : "ok");
		syscall(SYS_capget, &h, d);
		printf("permitted kept: %s, effective: %s\n", d[0].permitted & (1u << CAP_DAC_OVERRIDE) ? "yes" : "no",
		       d[0].effective ? "some" : "none");
		printf("capset effective again (by pid): %s\n", caps_without(0) ? strerrorname_np(errno) : "ok");
		snprintf(path, sizeof(path), "%s/root-only/k", argv[2]);
		rounds("mkdir in root's directory with CAP_DAC_OVERRIDE", do_mkdir, path);
	} else if (!strcmp(argv[1], "nnp")) {
		printf("no_new_privs: %s\n", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ? strerrorname_np(errno) : "ok");
		printf("drop CAP_NET_RAW from the bounding set: %s\n",
		       prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0) ? strerrorname_np(errno) : "ok");
		printf("ambient CAP_NET_BIND_SERVICE: %s\n",
		       inheritable_bind() || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0)
			       ? strerrorname_np(errno)
			       : "ok");
		int held = 0;
		for (int i = 0; i < ROUNDS; i++) {
			int st[3];
			nnp_state(st);
			held += st[0] == 1 && st[1] == 0 && st[2] == 1;
		}
		printf("all three read back: %d of %d\n", held, ROUNDS);
		return exec_self(t, argv, "nnp-after-exec");
	} else if (!strcmp(argv[1], "persona")) {
		const int want = PER_LINUX | ADDR_NO_RANDOMIZE;
		int same = 0;
		printf("persona was: %#x\n", personality(want));
		for (int i = 0; i < ROUNDS; i++)
			same += personality(0xffffffff) == want;
		printf("persona read back: %d of %d\n", same, ROUNDS);
		return exec_self(t, argv, "persona-after-exec");
	} else {
		return 2;
	}
	stop = 1;
	return joined || !pthread_join(t, NULL) ? 0 : 1;
}
