// SPDX-License-Identifier: GPL-2.0
/*
 * Two threads hand a token back and forth ROUNDS times by spinning on memory,
 * with no system call in the loop. On one CPU this finishes only if the
 * scheduler preempts a spinning thread (round robin with a time slice).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static volatile int turn;
static int rounds = 50;

static void *player(void *arg)
{
	int me = (int)(long)arg;
	for (int i = 0; i < rounds; i++) {
		while (turn != me)
			__asm__ volatile("pause");
		turn = !me;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t a, b;
	if (argc > 1)
		rounds = atoi(argv[1]);
	pthread_create(&a, NULL, player, (void *)0L);
	pthread_create(&b, NULL, player, (void *)1L);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("spin_pair: %d rounds\n", rounds);
	return 0;
}
