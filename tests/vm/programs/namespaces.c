// SPDX-License-Identifier: GPL-2.0
/*
 * namespaces: a new UTS namespace must hold for every later call of the
 * program, or not be made at all (tests/vm/test_process.sh, run as root).
 * Linux keeps namespaces per thread; under mcexec only the worker that served
 * unshare had the new one, so a sethostname served by another worker renamed
 * the node. The program unshares CLONE_NEWUTS and, if that worked, sets its
 * hostname and reads it back 40 times while another thread makes calls too
 * (spreading them over mcexec's workers); then it tries setns into init's UTS
 * namespace. Natively: ok, 40 of 40, ok. Under mcexec: EINVAL for both, as a
 * Linux without namespaces, and nothing renamed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#define ROUNDS 40
#define INNER "mck-inner-uts"

static volatile int stop;

static void *busy(void *arg)
{
	(void)arg;
	while (!stop)
		access("/", F_OK);
	return NULL;
}

int main(void)
{
	pthread_t t;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pthread_create(&t, NULL, busy, NULL))
		return 1;
	int r = unshare(CLONE_NEWUTS);
	printf("unshare CLONE_NEWUTS: %s\n", r ? strerrorname_np(errno) : "ok");
	if (r == 0) {
		printf("sethostname: %s\n", sethostname(INNER, strlen(INNER)) ? strerrorname_np(errno) : "ok");
		int same = 0;
		for (int i = 0; i < ROUNDS; i++) {
			struct utsname u;
			same += uname(&u) == 0 && !strcmp(u.nodename, INNER);
		}
		printf("hostname read back: %d of %d\n", same, ROUNDS);
	}
	int fd = open("/proc/1/ns/uts", O_RDONLY | O_CLOEXEC);
	printf("setns to init's UTS namespace: %s\n",
	       fd < 0 ? strerrorname_np(errno) : setns(fd, CLONE_NEWUTS) ? strerrorname_np(errno) : "ok");
	stop = 1;
	return pthread_join(t, NULL) ? 1 : 0;
}
