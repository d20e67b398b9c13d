// SPDX-License-Identifier: GPL-2.0
// Signals for a process that has not started yet, as the instance's owner
// (tests/security/test_lwk.sh, case 21): for each signal 1..64, make an LWK
// process (CREATE, SETUP), send it the signal and then SIGCONT with
// MCEXEC_SIGNAL before any START, wait a moment, and look at the instance;
// then START one such process and see it run. Before, a signal could wake the
// main thread before it had any user state, and its return to user mode (an
// IRETQ of a frame of zeros) stopped the LWK with a #GP in the kernel; the
// mcctrl fuzzer found it.
//
// Usage: early_signal /dev/mcosN. Runs on Linux, not under mcexec. Prints
// "signals taken before START: 64, instance RUNNING after each: 64" and
// "started after signals: ran" (its first system call came).
#define _GNU_SOURCE
#include <fcntl.h>

#include <ihk/boot.h>
#include <uapi/ihk/ihk.h>

#include "owner_process.h"

static int send(int fd, int sig)
{
	struct mcexec_signal s = { .sig = sig, .code = 0, .pid = getpid(), .uid = getuid() };

	return ioctl(fd, MCEXEC_SIGNAL, &s);
}

static int running(int os)
{
	struct ihk_os_status_info st = { 0 };

	return ioctl(os, IHK_OS_GET_STATUS, &st) == 0 && st.status == IHK_OS_STATUS_RUNNING;
}

int main(int argc, char **argv)
{
	int os, sent = 0, alive = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: early_signal /dev/mcosN\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	os = open(argv[1], O_RDWR | O_CLOEXEC);
	if (os < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	for (int sig = 1; sig <= 64; sig++) {
		int fd = owner_make(os);

		if (fd < 0)
			return 1;
		/* A signal whose default ends the process may end it first: SIGCONT then finds none. */
		sent += send(fd, sig) == 0;
		send(fd, 18 /* SIGCONT */);
		usleep(20000);
		alive += running(os);
		close(fd);
	}
	printf("signals taken before START: %d, instance RUNNING after each: %d\n", sent, alive);

	/* A process that got signals before START still starts and runs. */
	int fd = owner_make(os);
	void *view = fd < 0 ? NULL : owner_write_code(fd);
	struct mcexec_event ev = { .timeout_ms = 5000 };

	if (!view)
		return 1;
	send(fd, 28 /* SIGWINCH: ignored */);
	send(fd, 19 /* SIGSTOP */);
	send(fd, 18 /* SIGCONT */);
	if (owner_start(fd))
		return 1;
	int rc = ioctl(fd, MCEXEC_WAIT, &ev);
	int ran = rc == 0 && ev.type == MCEXEC_EV_SYSCALL && ev.nr == 0;
	if (ran)
		printf("started after signals: ran\n");
	else
		printf("started after signals: did not run (wait: %s, event %u, call %llu, status %d)\n",
		       rc ? strerror(errno) : "ok", ev.type, (unsigned long long)ev.nr, ev.status);
	munmap(view, OWNER_VIEW_LEN);
	close(fd);
	close(os);
	return 0;
}
