// SPDX-License-Identifier: GPL-2.0
// A random-ioctl fuzzer for mcctrl as the instance's owner (tests/security/test_fuzz.sh):
// what a hostile mcexec could send. On /dev/mcosN: ioctls of mcctrl's magic (0xB8,
// numbers 0..0x20, every direction and size) and IHK's, with random argument
// memory (valid-looking structures of mcexec/abi.h with random fields, NULL,
// kernel, unmapped, PROT_NONE, running off the end of a page). Then, again and
// again, MCEXEC_CREATE and on the process file SETUP (random regions), mmap of
// the unified range (right and wrong), reads and writes through it, START of random
// code, WAIT with short timeouts, REPLY and PIN_CALL with the tokens WAIT gave and
// random ones, SIGNAL, POLICY and REPORT with hostile values, partial
// munmap/mprotect/mremap, MADV_DOFORK of the whole view and a fork that reads
// through it (it must not), and closing it at any point.
// Runs natively (not under mcexec); the kernels must survive.
//
// Usage: fuzz_mcctrl /dev/mcosN SECONDS SEED
// FUZZ_VERBOSE=1 prints every operation before it is made (stderr). After each
// operation it asks the instance's status: on PANIC or HUNGUP it prints the last
// operations and ends with status 3.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mcexec/abi.h>
#include <ihk/boot.h>
#include <uapi/ihk/ihk.h>

#include "rng.h"

#define PAGE 4096ul
#define SCRATCH_PAGES 16


static int verbose;
static unsigned long ops, oks;
static uint8_t *scratch; /* SCRATCH_PAGES: the last one PROT_NONE */
static sigjmp_buf escape;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define RING 32
static char ring[RING][200];
static unsigned long said;
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(ring[said % RING], sizeof(ring[0]), "%lu: ", said);
	vsnprintf(ring[said % RING] + n, sizeof(ring[0]) - n, fmt, ap);
	va_end(ap);
	if (verbose)
		fprintf(stderr, "%s\n", ring[said % RING]);
	said++;
}

/* Ends the run when the instance went PANIC or HUNGUP. */
static void check_status(int os)
{
	struct ihk_os_status_info st = { 0 };
	if (ioctl(os, IHK_OS_GET_STATUS, &st) < 0 || st.status == IHK_OS_STATUS_RUNNING)
		return;
	printf("instance status %u (%s) after operation %lu; the last ones:\n", st.status,
	       st.status == IHK_OS_STATUS_PANIC ? "PANIC" : st.status == IHK_OS_STATUS_HUNGUP ? "HUNGUP" : "not running",
	       said ? said - 1 : 0);
	for (unsigned long i = said > RING ? said - RING : 0; i < said; i++)
		printf("  %s\n", ring[i % RING]);
	fflush(stdout);
	exit(3);
}

static void on_fault(int sig)
{
	(void)sig;
	siglongjmp(escape, 1);
}

/* mcctrl interrupts the thread serving a call this way (as it would mcexec's). */
static volatile sig_atomic_t interrupts;
static void on_interrupt(int sig)
{
	(void)sig;
	interrupts++;
}

static uint64_t user_addr(void)
{
	switch (rnd(6)) {
	case 0:
		return MCK_USER_START + rnd(256) * PAGE;
	case 1:
		return MCK_PIE_BASE + rnd(256) * PAGE;
	case 2:
		return MCK_STACK_TOP - rnd(256) * PAGE;
	case 3:
		return MCK_USER_END - rnd(4) * PAGE;
	case 4:
		return rnd64() & (MCK_USER_END - 1) & ~(PAGE - 1);
	default:
		return rnd64();
	}
}

static uint64_t rand_word(void)
{
	switch (rnd(10)) {
	case 0:
		return 0;
	case 1:
		return (uint64_t)-1;
	case 2:
		return rnd(64);
	case 3:
		return user_addr();
	case 4:
		return 0xffffffff80000000ul + rnd(1ul << 30);
	case 5:
		return 1ul << rnd(64);
	case 6:
		return PAGE * rnd(1024);
	default:
		return rnd64();
	}
}

/* Where an ioctl's argument points. */
static uint64_t arg_pointer(size_t size)
{
	switch (rnd(10)) {
	case 0:
		return 0;
	case 1:
		return 0xffffffff81000000ul + rnd(PAGE);
	case 2:
		return (uint64_t)(scratch + (SCRATCH_PAGES - 1) * PAGE); /* PROT_NONE */
	case 3:
		return (uint64_t)(scratch + (SCRATCH_PAGES - 1) * PAGE) - (size ? rnd(size) : 0); /* runs into it */
	case 4:
		return 0x10 + rnd(PAGE);
	case 5:
		return rnd64();
	default:
		return (uint64_t)scratch;
	}
}

static void fill_random(void *p, size_t n)
{
	uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		b[i] = chance(50) ? 0 : rnd(256);
}

static long now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000l + ts.tv_nsec;
}

static long do_ioctl(int fd, unsigned long cmd, uint64_t arg, const char *what)
{
	say("ioctl(%d, %#lx %s, %#lx)", fd, cmd, what, arg);
	ops++;
	long r = ioctl(fd, cmd, (void *)arg);
	if (r >= 0)
		oks++;
	return r;
}

/* A random command of mcctrl's magic, or one of IHK's on the OS device. */
static void random_ioctl(int fd)
{
	unsigned dir = rnd(4), nr = rnd(0x21), size = chance(50) ? rnd(128) : rnd(1 << 14);
	unsigned long cmd = _IOC(dir, MCEXEC_IOC_MAGIC, nr, size);
	if (chance(10))
		cmd = _IOC(dir, rnd(256), rnd(256), size);
	fill_random(scratch, PAGE * 2);
	do_ioctl(fd, cmd, arg_pointer(size), "random");
}

struct session {
	int fd;			/* the process file, -1: none */
	int mapped;		/* the unified range is mapped here */
	uint64_t tokens[8];	/* from MCEXEC_WAIT */
	int ntokens;
	struct mcexec_region regions[MCK_MAX_REGIONS + 2];
	uint32_t nregions;
};

static int create(int os, struct session *s)
{
	struct mcexec_create *c = (void *)scratch;
	memset(c, 0, sizeof(*c));
	c->version = chance(90) ? MCEXEC_ABI_VERSION : rand_word();
	c->flags = chance(90) ? 0 : rand_word();
	c->cpu_first = chance(80) ? rnd(2) : rand_word();
	c->cpu_count = chance(80) ? rnd(3) : rand_word();
	c->mem_limit = chance(50) ? 0 : chance(50) ? rnd(64) << 20 : rand_word();
	c->realtime_ns = chance(80) ? now_ns(CLOCK_REALTIME) : (int64_t)rand_word();
	c->monotonic_ns = chance(80) ? now_ns(CLOCK_MONOTONIC) : (int64_t)rand_word();
	c->fd = rand_word();
	c->pid = rand_word();
	uint64_t arg = chance(90) ? (uint64_t)c : arg_pointer(sizeof(*c));
	if (do_ioctl(os, MCEXEC_CREATE, arg, "CREATE") < 0)
		return -1;
	if (arg != (uint64_t)c) {
		printf("CREATE with argument %#lx succeeded\n", (unsigned long)arg);
		return -1;
	}
	s->fd = c->fd;
	s->mapped = 0;
	s->ntokens = 0;
	s->nregions = 0;
	say("created fd %d pid %u", c->fd, c->pid);
	return 0;
}

static void setup(struct session *s)
{
	struct mcexec_setup *su = (void *)scratch;
	struct mcexec_region *r = (void *)(scratch + PAGE);
	uint32_t n = chance(80) ? 1 + rnd(6) : chance(50) ? rnd(MCK_MAX_REGIONS + 3) : rand_word();
	uint64_t base = MCK_USER_START + rnd(64) * PAGE;

	for (uint32_t i = 0; i < MCK_MAX_REGIONS + 2; i++) {
		if (chance(80)) {
			r[i].start = base;
			r[i].len = PAGE * (1 + rnd(chance(90) ? 16 : 4096));
			base += r[i].len + PAGE * rnd(4);
			if (i == 1)
				base = MCK_STACK_TOP - 64 * PAGE; /* a stack near the top */
		} else {
			r[i].start = user_addr() + (chance(90) ? 0 : rnd(PAGE));
			r[i].len = rand_word();
		}
		r[i].prot = i == 0 && chance(70) ? MCK_PROT_READ | MCK_PROT_EXEC : chance(80) ? rnd(8) : rand_word();
		r[i].flags = chance(95) ? 0 : rand_word();
	}
	memcpy(s->regions, r, sizeof(s->regions));
	s->nregions = n < MCK_MAX_REGIONS + 2 ? n : MCK_MAX_REGIONS + 2;
	su->num_regions = n;
	su->reserved = chance(90) ? 0 : rand_word();
	su->regions = chance(85) ? (uint64_t)r : arg_pointer(n * sizeof(*r));
	su->brk_start = chance(70) ? r[0].start + r[0].len + PAGE : rand_word();
	su->stack_start = chance(70) && n > 1 ? r[1].start : rand_word();
	su->stack_max = chance(70) ? 8 << 20 : rand_word();
	/* Limits and signals: mostly none, else anything (cur above max included). */
	for (int i = 0; i < MCK_RLIMITS; i++) {
		su->rlimits[i].max = chance(90) ? ~0ull : rand_word();
		su->rlimits[i].cur = chance(90) ? su->rlimits[i].max : rand_word();
	}
	su->ignored = chance(90) ? 0 : rand_word();
	su->blocked = chance(90) ? 0 : rand_word();
	su->pending = chance(90) ? 0 : rand_word();
	/* What an execve kept: mostly nothing, else a policy and CPUs, sane or not. */
	memset(&su->keeps, 0, sizeof(su->keeps));
	if (chance(10)) {
		su->keeps.policy_mode = chance(70) ? rnd(7) : rand_word();
		su->keeps.policy_flags = chance(70) ? 0 : chance(50) ? 1u << (13 + rnd(3)) : rand_word();
		su->keeps.policy_nodes = chance(70) ? 1 + rnd(3) : rand_word();
		for (int w = 0; w < MCK_CPU_WORDS; w++)
			su->keeps.cpus[w] = w == 0 && chance(70) ? rnd(4) : chance(80) ? 0 : rand_word();
	}
	do_ioctl(s->fd, MCEXEC_SETUP, chance(95) ? (uint64_t)su : arg_pointer(sizeof(*su)), "SETUP");
}

static void map_unified(struct session *s)
{
	uint64_t addr = MCK_USER_START, len = MCK_USER_END - MCK_USER_START, off = 0;
	int prot = PROT_READ | PROT_WRITE, flags = MAP_SHARED | MAP_FIXED_NOREPLACE;

	if (chance(30)) { /* something wrong */
		switch (rnd(6)) {
		case 0: addr += PAGE; break;
		case 1: len = PAGE * (1 + rnd(64)); break;
		case 2: off = PAGE * (1 + rnd(16)); break;
		case 3: prot |= PROT_EXEC; break;
		case 4: flags = MAP_PRIVATE | MAP_FIXED_NOREPLACE; break;
		default: prot = rnd(8); break;
		}
	}
	say("mmap(%#lx, %#lx, %d, %#x, %d, %#lx)", addr, len, prot, flags, s->fd, off);
	ops++;
	void *p = mmap((void *)addr, len, prot, flags, s->fd, off);
	if (p != MAP_FAILED) {
		oks++;
		if (addr == MCK_USER_START && len == MCK_USER_END - MCK_USER_START)
			s->mapped = 1;
		else
			munmap(p, len);
	}
}

/* Read and write through the unified range: regions, their edges, nothing. */
static void touch(struct session *s)
{
	for (int i = 0; i < 8; i++) {
		uint64_t a;
		if (s->nregions && chance(80)) {
			struct mcexec_region *r = &s->regions[rnd(s->nregions)];
			a = r->start + (r->len ? rnd(r->len + PAGE) : 0);
		} else {
			a = MCK_USER_START + rnd(MCK_USER_END - MCK_USER_START);
		}
		a &= ~7ul;
		if (a < MCK_USER_START || a >= MCK_USER_END - 8)
			continue;
		say("touch %#lx", a);
		if (sigsetjmp(escape, 1))
			continue;
		volatile uint64_t *w = (volatile uint64_t *)a;
		if (chance(50))
			(void)*w;
		else
			*w = rand_word();
	}
}

/* Random code and a stack in the first regions, then START somewhere. */
static void start(struct session *s)
{
	struct mcexec_start *st = (void *)scratch;
	if (s->mapped && s->nregions && !sigsetjmp(escape, 1)) {
		struct mcexec_region *r = &s->regions[0];
		uint8_t *code = (uint8_t *)r->start;
		size_t n = r->len < PAGE ? r->len : PAGE;
		say("write code at %#lx", r->start);
		if (r->start >= MCK_USER_START && r->start + n <= MCK_USER_END)
			for (size_t i = 0; i < n; i++) {
				/* Mostly syscalls with random registers, and random bytes. */
				static const uint8_t sc[] = { 0x48, 0xc7, 0xc0 }; /* mov $imm32, %rax */
				if ((i == 0 || chance(30)) && i + 10 < n) {
					memcpy(code + i, sc, 3);
					uint32_t nr = chance(70) ? rnd(460) : rand_word();
					memcpy(code + i + 3, &nr, 4);
					code[i + 7] = 0x0f, code[i + 8] = 0x05; /* syscall */
					i += 8;
				} else {
					code[i] = rnd(256);
				}
			}
	}
	st->entry = chance(80) && s->nregions ? s->regions[0].start : rand_word();
	st->sp = chance(80) && s->nregions > 1 ? s->regions[1].start + s->regions[1].len - 64 : rand_word();
	do_ioctl(s->fd, MCEXEC_START, chance(95) ? (uint64_t)st : arg_pointer(sizeof(*st)), "START");
}

static uint64_t token(struct session *s)
{
	if (s->ntokens && chance(70))
		return s->tokens[rnd(s->ntokens)];
	return rand_word();
}

static int wait_event(struct session *s)
{
	struct mcexec_event *ev = (void *)scratch;
	fill_random(ev, sizeof(*ev));
	ev->timeout_ms = chance(90) ? rnd(50) : chance(50) ? rand_word() % 200 : 0;
	if (do_ioctl(s->fd, MCEXEC_WAIT, chance(95) ? (uint64_t)ev : arg_pointer(sizeof(*ev)), "WAIT") < 0)
		return -1;
	say("event %u nr %lu token %#lx", ev->type, (unsigned long)ev->nr, (unsigned long)ev->token);
	if (ev->type == MCEXEC_EV_SYSCALL) {
		if (s->ntokens == 8)
			s->ntokens = 0;
		s->tokens[s->ntokens++] = ev->token;
	}
	return ev->type;
}

static void reply(struct session *s)
{
	struct mcexec_reply *r = (void *)scratch;
	r->token = token(s);
	r->ret = chance(50) ? -(int64_t)rnd(140) : (int64_t)rand_word();
	do_ioctl(s->fd, MCEXEC_REPLY, chance(95) ? (uint64_t)r : arg_pointer(sizeof(*r)), "REPLY");
}

static void pin_call(struct session *s)
{
	struct mcexec_pin_call *pc = (void *)scratch;
	void *m = NULL;
	size_t mlen = PAGE * (1 + rnd(8));
	pc->token = token(s);
	switch (rnd(4)) {
	case 0: /* a shared file mapping of our own, as mcexec would make */
		m = mmap(NULL, mlen, PROT_READ | (chance(50) ? PROT_WRITE : 0), MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		pc->addr = m == MAP_FAILED ? 0 : (uint64_t)m;
		break;
	case 1:
		pc->addr = (uint64_t)scratch;
		break;
	case 2:
		pc->addr = user_addr();
		break;
	default:
		pc->addr = rand_word();
		break;
	}
	pc->len = chance(70) ? mlen : rand_word();
	if (chance(30)) /* a release the LWK never asked for, or a call that is no release */
		do_ioctl(s->fd, MCEXEC_UNPIN_CALL, chance(95) ? (uint64_t)pc : arg_pointer(sizeof(*pc)), "UNPIN_CALL");
	else
		do_ioctl(s->fd, MCEXEC_PIN_CALL, chance(95) ? (uint64_t)pc : arg_pointer(sizeof(*pc)), "PIN_CALL");
	if (m && m != MAP_FAILED)
		munmap(m, mlen);
}

static void send_signal(struct session *s)
{
	struct mcexec_signal *sig = (void *)scratch;
	sig->sig = chance(80) ? rnd(70) : rand_word();
	sig->code = rand_word();
	sig->pid = rand_word();
	sig->uid = rand_word();
	do_ioctl(s->fd, MCEXEC_SIGNAL, chance(95) ? (uint64_t)sig : arg_pointer(sizeof(*sig)), "SIGNAL");
}

/* The offload policy: spins in and out of range, reserved fields set. */
static void set_policy(struct session *s)
{
	struct mcexec_policy *p = (void *)scratch;
	fill_random(p, sizeof(*p));
	p->lwk_spin_us = chance(60) ? rnd(MCEXEC_SPIN_MAX_US + 2) : chance(50) ? MCEXEC_SPIN_DEFAULT : rand_word();
	p->linux_spin_us = chance(60) ? rnd(MCEXEC_SPIN_MAX_US + 2) : chance(50) ? MCEXEC_SPIN_DEFAULT : rand_word();
	if (chance(80))
		p->reserved[0] = p->reserved[1] = 0;
	do_ioctl(s->fd, MCEXEC_POLICY, chance(95) ? (uint64_t)p : arg_pointer(sizeof(*p)), "POLICY");
}

/* The statistics, into buffers of any size, anywhere. */
static void get_report(struct session *s)
{
	struct mcexec_report *r = (void *)scratch;
	static struct mck_proc_stats stats;
	r->buf = chance(60) ? (uint64_t)&stats : chance(50) ? user_addr() : rand_word();
	r->size = chance(60) ? sizeof(stats) : chance(50) ? rnd(sizeof(stats) * 2) : rand_word();
	do_ioctl(s->fd, MCEXEC_REPORT, chance(95) ? (uint64_t)r : arg_pointer(sizeof(*r)), "REPORT");
}

/* The instance's usage (IHK_OS_GET_RUSAGE), into arrays of any size, anywhere. */
static void get_rusage(int os)
{
	struct ihk_os_rusage *r = (void *)scratch;
	static struct ihk_os_rusage_cpu cpus[IHK_BOOT_MAX_CPUS + 8];
	fill_random(r, sizeof(*r));
	r->cpus = chance(50) ? (uint64_t)cpus : chance(50) ? user_addr() : arg_pointer(sizeof(cpus));
	r->capacity = chance(50) ? rnd(IHK_BOOT_MAX_CPUS + 8) : rand_word();
	do_ioctl(os, IHK_OS_GET_RUSAGE, chance(90) ? (uint64_t)r : arg_pointer(sizeof(*r)), "GET_RUSAGE");
}

/* Try to split, move or reprotect the unified mapping. */
static void mangle_mapping(struct session *s)
{
	uint64_t a = MCK_USER_START + rnd(1024) * PAGE, len = PAGE * (1 + rnd(16));
	long r;
	switch (rnd(6)) {
	case 0:
		say("munmap(%#lx, %#lx)", a, len);
		r = munmap((void *)a, len);
		break;
	case 1:
		say("mprotect(%#lx, %#lx)", a, len);
		r = mprotect((void *)a, len, rnd(8));
		break;
	case 2:
		say("madvise(%#lx, %#lx)", a, len);
		r = madvise((void *)a, len, rnd(26));
		break;
	case 3:
		say("mremap(%#lx, %#lx)", a, len);
		r = (long)mremap((void *)a, len, len * 2, MREMAP_MAYMOVE);
		r = r == (long)MAP_FAILED ? -1 : 0;
		break;
	case 4: {
		/*
		 * Make the whole view inherited (MADV_DOFORK) and fork: the
		 * child must not see the program's memory through a copy.
		 */
		int st = 0;
		pid_t c;

		say("madvise whole DOFORK, fork");
		r = madvise((void *)MCK_USER_START, MCK_USER_END - MCK_USER_START, MADV_DOFORK);
		if (!s->mapped)
			break;
		c = fork();
		if (c == 0) {
			volatile unsigned char *q = (void *)a;
			unsigned char v;

			signal(SIGBUS, SIG_DFL);	/* no escape into the fuzzer's loop */
			signal(SIGSEGV, SIG_DFL);
			v = *q;

			_exit(v == 0x5a ? 42 : 43);	/* reached: the copy works */
		}
		if (c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st))
			printf("a fork of mcexec read the program's memory through its view: succeeded\n");
		break;
	}
	default:
		say("munmap whole");
		r = munmap((void *)MCK_USER_START, MCK_USER_END - MCK_USER_START);
		s->mapped = 0;
		break;
	}
	ops++;
	oks += r == 0;
}

static void end_session(struct session *s)
{
	if (s->mapped) {
		munmap((void *)MCK_USER_START, MCK_USER_END - MCK_USER_START);
		s->mapped = 0;
	}
	say("close %d", s->fd);
	close(s->fd);
	s->fd = -1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: fuzz_mcctrl /dev/mcosN SECONDS SEED\n");
		return 2;
	}
	double seconds = atof(argv[2]);
	uint64_t seed = strtoull(argv[3], NULL, 0);
	printf("seed=%lu\n", (unsigned long)seed);
	fflush(stdout);
	rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
	verbose = getenv("FUZZ_VERBOSE") && atoi(getenv("FUZZ_VERBOSE")) > 0;

	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * A signal for the LWK program while a call of its is in WAIT's hands
	 * makes mcctrl send MCEXEC_INTERRUPT_SIGNAL to this thread. mcexec
	 * handles it; without a handler the fuzzer would die of it (status 165).
	 */
	struct sigaction si = { .sa_handler = on_interrupt };
	sigaction(MCEXEC_INTERRUPT_SIGNAL, &si, NULL);

	scratch = mmap(NULL, SCRATCH_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED)
		return 2;
	mprotect(scratch + (SCRATCH_PAGES - 1) * PAGE, PAGE, PROT_NONE);

	int os = open(argv[1], O_RDWR | O_CLOEXEC);
	if (os < 0) {
		perror(argv[1]);
		return 2;
	}
	long end = now_ns(CLOCK_MONOTONIC) + (long)(seconds * 1e9);
	unsigned long sessions = 0, events = 0;
	struct session s = { .fd = -1 };
	while (now_ns(CLOCK_MONOTONIC) < end) {
		check_status(os);
		if (s.fd < 0) {
			if (chance(30)) {
				random_ioctl(os);
				continue;
			}
			if (chance(10)) {
				get_rusage(os);
				continue;
			}
			if (create(os, &s) == 0) {
				sessions++;
				if (chance(70)) { /* mcexec's order, each step still random */
					setup(&s);
					map_unified(&s);
					start(&s);
				}
			}
			continue;
		}
		switch (rnd(22)) {
		case 0:
		case 1:
			setup(&s);
			break;
		case 2:
		case 3:
			map_unified(&s);
			break;
		case 4:
			if (s.mapped)
				touch(&s);
			break;
		case 5:
			start(&s);
			break;
		case 6:
		case 7:
		case 8:
			if (wait_event(&s) == MCEXEC_EV_SYSCALL) {
				events++;
				if (chance(80))
					reply(&s);
			}
			break;
		case 9:
		case 10:
			reply(&s);
			break;
		case 11:
			pin_call(&s);
			break;
		case 12:
			send_signal(&s);
			break;
		case 13:
			if (s.mapped)
				mangle_mapping(&s);
			break;
		case 14:
			random_ioctl(s.fd);
			break;
		case 15:
			random_ioctl(os);
			break;
		case 16:
			if (chance(30))
				end_session(&s);
			break;
		case 17: {
			struct session t = { .fd = -1 };
			if (create(os, &t) == 0) { /* a second program: must be EBUSY */
				printf("second CREATE on one process succeeded: fd %d\n", t.fd);
				end_session(&t);
			}
			break;
		}
		case 20:
			set_policy(&s);
			break;
		case 21:
			get_report(&s);
			break;
		default:
			if (wait_event(&s) == MCEXEC_EV_SYSCALL) {
				events++;
				reply(&s);
			}
			break;
		}
	}
	if (s.fd >= 0)
		end_session(&s);
	close(os);
	printf("ops=%lu ok=%lu sessions=%lu syscall_events=%lu interrupts=%ld\n", ops, oks, sessions, events,
	       (long)interrupts);
	return 0;
}
