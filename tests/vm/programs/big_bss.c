// SPDX-License-Identifier: GPL-2.0
/* A program whose image alone needs 4 GiB (bss): more than a test LWK has. */
#include <stdio.h>

static char big[4UL << 30];

int main(void)
{
	big[0] = 1;
	printf("big_bss ran\n");
	return big[0] - 1;
}
