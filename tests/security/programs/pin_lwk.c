// SPDX-License-Identifier: GPL-2.0
// Attacks mcctrl's pin requests as the instance's owner: asks it to write a page's
// physical address into the LWK's own kernel image instead of a list the LWK gave,
// with the retired MCEXEC_PIN and with MCEXEC_PIN_CALL naming calls never made;
// and to unpin with MCEXEC_UNPIN_CALL naming a call never made.
//
// Usage: pin_lwk /dev/mcosN LIST_PHYS (hex). Runs on Linux, not under mcexec.
// Prints "create: ok", then for each attempt "<name>: ok" or "<name>: refused (<strerror>)".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <mcexec/abi.h>

#include "retired_pin.h"

static long long now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct mcexec_create create = { .version = MCEXEC_ABI_VERSION };
	struct mcexec_pin_retired pin = { .len = 4096, .list_len = 1 };
	struct mcexec_pin_call call = { .len = 4096 };
	char *page;
	int os;

	if (argc != 3) {
		fprintf(stderr, "usage: pin_lwk /dev/mcosN LIST_PHYS\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	os = open(argv[1], O_RDWR | O_CLOEXEC);
	if (os < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	create.realtime_ns = now_ns(CLOCK_REALTIME);
	create.monotonic_ns = now_ns(CLOCK_MONOTONIC);
	if (ioctl(os, MCEXEC_CREATE, &create)) {
		printf("create: %s\n", strerror(errno));
		return 1;
	}
	printf("create: ok\n");
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 1;
	memset(page, 0x77, 4096);
	pin.addr = (unsigned long)page;
	pin.list_phys = strtoull(argv[2], NULL, 16);
	if (ioctl(create.fd, MCEXEC_PIN_RETIRED, &pin))
		printf("pin-into-lwk-image: refused (%s)\n", strerror(errno));
	else
		printf("pin-into-lwk-image: ok\n");
	/* No call is in service: any token, the image's address included, is made up. */
	call.addr = (unsigned long)page;
	call.token = pin.list_phys;
	if (ioctl(create.fd, MCEXEC_PIN_CALL, &call))
		printf("pin-call-forged-token: refused (%s)\n", strerror(errno));
	else
		printf("pin-call-forged-token: ok\n");
	if (ioctl(create.fd, MCEXEC_UNPIN_CALL, &call))
		printf("unpin-call-forged-token: refused (%s)\n", strerror(errno));
	else
		printf("unpin-call-forged-token: ok\n");
	close(create.fd);	/* ends the LWK process */
	close(os);
	return 0;
}
