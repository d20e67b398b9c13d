// SPDX-License-Identifier: GPL-2.0
/*
 * sigmask_wait: ppoll, pselect6, epoll_pwait and epoll_pwait2 with a signal
 * mask of their own, the same natively and under mcexec (tests/vm/test_process.sh).
 * For each call:
 *   through   SIGALRM blocked, the call's mask lets it through: an interval
 *             timer's SIGALRM ends the wait (EINTR), the handler runs, and
 *             SIGALRM is blocked again afterwards
 *   held      SIGALRM not blocked, the call's mask blocks it: the wait runs to
 *             its time limit (0), and the handler runs once the call ended
 *   pending   SIGALRM pending (blocked) before the call, whose mask lets it
 *             through: EINTR at once
 *   errors    a mask size of 7 (EINVAL), a mask at an unmapped address
 *             (EFAULT), and which of a bad time limit and a bad size wins
 * Calls go through syscall(), so the C library adds nothing of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BAD ((void *)8) /* nothing is mapped at page 0 */

static volatile sig_atomic_t handled;
static int epfd;

static void on_alarm(int sig)
{
	(void)sig;
	handled++;
}

enum call { PPOLL, PSELECT6, EPOLL_PWAIT, EPOLL_PWAIT2, NCALLS };
static const char *const names[] = { "ppoll", "pselect6", "epoll_pwait", "epoll_pwait2" };

/* Wait on nothing for @ms with @mask (its size @size) as the call's mask;
 * @ts_at: a time limit to pass instead of @ms (for the error cases). */
static long wait_masked(enum call c, int ms, const void *mask, size_t size, const void *ts_at)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	const void *tsp = ts_at ? ts_at : &ts;
	struct { const void *set; size_t size; } pair = { mask, size };
	struct epoll_event ev;
	switch (c) {
	case PPOLL:
		return syscall(SYS_ppoll, NULL, 0, tsp, mask, size);
	case PSELECT6:
		return syscall(SYS_pselect6, 0, NULL, NULL, NULL, tsp, mask == BAD && size == 0 ? BAD : (void *)&pair);
	case EPOLL_PWAIT:
		return syscall(SYS_epoll_pwait, epfd, &ev, 1, ts_at ? 0 : ms, mask, size);
	default:
		return syscall(SYS_epoll_pwait2, epfd, &ev, 1, tsp, mask, size);
	}
}

static const char *result(long r)
{
	static char buf[32];
	if (r < 0)
		return strerrorname_np(errno);
	snprintf(buf, sizeof(buf), "%ld", r);
	return buf;
}

static void alarm_in_ms(int ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static int alarm_blocked(void)
{
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	return sigismember(&now, SIGALRM);
}

static void block_alarm(int how)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGALRM);
	sigprocmask(how, &s, NULL);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	sigset_t none, alrm;
	struct timespec bad_ts = { 0, 1000000000 };
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGALRM, &sa, NULL);
	sigemptyset(&none);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	epfd = epoll_create1(0);
	if (epfd < 0)
		return 1;
	for (enum call c = 0; c < NCALLS; c++) {
		const char *n = names[c];
		long r;

		block_alarm(SIG_BLOCK);
		handled = 0;
		alarm_in_ms(100);
		r = wait_masked(c, 5000, &none, 8, NULL);
		printf("%s through: %s, handled %d, blocked after: %s\n", n, result(r), handled,
		       alarm_blocked() ? "yes" : "no");
		alarm_in_ms(0);
		sigtimedwait(&alrm, NULL, &(struct timespec){ 0, 0 }); /* none left for the next case */

		block_alarm(SIG_UNBLOCK);
		handled = 0;
		alarm_in_ms(50);
		r = wait_masked(c, 400, &alrm, 8, NULL);
		printf("%s held: %s, handled %d, blocked after: %s\n", n, result(r), handled,
		       alarm_blocked() ? "yes" : "no");

		block_alarm(SIG_BLOCK);
		handled = 0;
		raise(SIGALRM);
		r = wait_masked(c, 5000, &none, 8, NULL);
		printf("%s pending: %s, handled %d\n", n, result(r), handled);
		block_alarm(SIG_UNBLOCK);

		printf("%s size 7: %s\n", n, result(wait_masked(c, 0, &none, 7, NULL)));
		printf("%s mask unmapped: %s\n", n, result(wait_masked(c, 0, BAD, 8, NULL)));
		printf("%s bad time and size 7: %s\n", n, result(wait_masked(c, 0, &none, 7, &bad_ts)));
		printf("%s unmapped time and size 7: %s\n", n, result(wait_masked(c, 0, &none, 7, BAD)));
		if (c == PSELECT6)
			printf("%s pair unmapped: %s\n", n, result(wait_masked(c, 0, BAD, 0, NULL)));
	}
	return 0;
}
