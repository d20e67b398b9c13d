// SPDX-License-Identifier: GPL-2.0
// A small C project that `make -j2` builds with gcc under mcexec (vm.process).
#include <stdio.h>

int add(int a, int b);
int mul(int a, int b);

int main(void)
{
	printf("add %d mul %d\n", add(2, 3), mul(4, 5));
	return 0;
}
