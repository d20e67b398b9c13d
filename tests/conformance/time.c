// SPDX-License-Identifier: GPL-2.0
/* Clocks never go back, REALTIME agrees with time()/gettimeofday(), sleeps last long enough. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define CHECK(c, what)                                                                   \
	do {                                                                             \
		if (!(c)) {                                                              \
			printf("FAIL %s: %s (errno %s)\n", what, #c, strerrorname_np(errno)); \
			exit(1);                                                         \
		}                                                                        \
	} while (0)

static int64_t ns(clockid_t c)
{
	struct timespec ts;

	if (clock_gettime(c, &ts) != 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L) {
		printf("FAIL clock_gettime(%d) (errno %s)\n", (int)c, strerrorname_np(errno));
		exit(1);
	}
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(void)
{
	const clockid_t clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME,
				     CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID };
	const char *names[] = { "MONOTONIC", "REALTIME", "MONOTONIC_RAW", "BOOTTIME", "PROCESS_CPUTIME_ID",
				"THREAD_CPUTIME_ID" };
	struct timespec req = { 0, 100000000L }, res;
	struct timeval tv;
	int64_t prev, now, start, t0;
	time_t secs;

	for (unsigned c = 0; c < sizeof(clocks) / sizeof(clocks[0]); c++) {
		int backwards = 0;

		t0 = prev = ns(clocks[c]);
		/* at least 200000 reads, and on until the clock has moved (bounded) */
		for (long i = 0; i < 200000 || (prev == t0 && i < 50000000); i++) {
			now = ns(clocks[c]);
			backwards |= now < prev;
			prev = now;
		}
		CHECK(!backwards, names[c]);
		CHECK(prev > t0, "clock advanced");
		CHECK(clock_getres(clocks[c], &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0, "clock_getres");
		printf("ok CLOCK_%s non-decreasing\n", names[c]);
	}

	now = ns(CLOCK_REALTIME);
	secs = time(NULL);
	CHECK(gettimeofday(&tv, NULL) == 0, "gettimeofday");
	CHECK(llabs(now / 1000000000 - (int64_t)secs) <= 5, "REALTIME within 5 s of time()");
	CHECK(llabs(now / 1000 - ((int64_t)tv.tv_sec * 1000000 + tv.tv_usec)) <= 5000000,
	      "REALTIME within 5 s of gettimeofday()");
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec in range");
	CHECK(secs > 1600000000, "time() after 2020");
	printf("ok REALTIME agrees with time() and gettimeofday()\n");

	start = ns(CLOCK_MONOTONIC);
	CHECK(nanosleep(&req, NULL) == 0, "nanosleep");
	now = ns(CLOCK_MONOTONIC);
	CHECK(now - start >= 100000000, "nanosleep(100 ms) slept at least 100 ms");
	CHECK(now - start < 60000000000LL, "nanosleep(100 ms) returned within 60 s");
	printf("ok nanosleep 100 ms\n");

	start = ns(CLOCK_MONOTONIC);
	req.tv_nsec = 50000000L;
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0, "clock_nanosleep");
	CHECK(ns(CLOCK_MONOTONIC) - start >= 50000000, "clock_nanosleep(50 ms) slept at least 50 ms");
	req.tv_sec = (start + 200000000) / 1000000000;
	req.tv_nsec = (start + 200000000) % 1000000000;
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL) == 0, "clock_nanosleep absolute");
	CHECK(ns(CLOCK_MONOTONIC) >= start + 200000000, "absolute sleep reached its deadline");
	printf("ok clock_nanosleep relative and absolute\n");
	return 0;
}
