/* SPDX-License-Identifier: GPL-2.0 */
/* The benchmark programs' clock: CLOCK_MONOTONIC in seconds. */
#pragma once
#include <time.h>

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}
