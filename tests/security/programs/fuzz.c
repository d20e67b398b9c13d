// SPDX-License-Identifier: GPL-2.0
// A random system-call fuzzer for programs on the LWK (tests/security/test_fuzz.sh).
// Random numbers (0..460, up to 700, x32 and huge ones) with random arguments:
// small integers, -1, 0, addresses in its own scratch arena (read-write, read-only,
// PROT_NONE, unmapped holes), mappings the kernel handed back, kernel, non-canonical
// and mcexec addresses (0x400000000000 and above), huge sizes, descriptors, paths.
// The kernel must survive; the fuzzer itself survives its own faults (SIGSEGV,
// SIGBUS, ... are caught and jumped out of) and blocking calls (a SIGALRM every
// 200 ms, offloaded setitimer on mcexec, which forwards it, escapes a call that
// has run for a full period).
//
// Left out, because they end or freeze the fuzzer, or hit mcexec where a
// program on Linux would hit only itself (documented in docs/mcexec.md):
// exit, exit_group, rt_sigreturn, pause, rt_sigsuspend, fork, vfork, clone,
// clone3, execve, execveat; SIGKILL and SIGSTOP to anyone; signals other than
// the ones mcexec forwards to other processes (kill of a pid that is not the
// program's reaches mcexec, whose process group it is); setrlimit/prlimit64
// only with bad or NULL new limits; setitimer other than ITIMER_REAL;
// signal-sending timer_create (the LWK's timer would send the fuzzer any
// signal, SIGKILL too); signal-sending mq_notify/F_SETOWN/F_SETSIG/O_ASYNC (they
// signal mcexec with what it does not forward); arch_prctl(ARCH_SET_FS) (glibc's TLS);
// ptrace(PTRACE_TRACEME) (natively the fuzzer would stop at every signal);
// closing or dup'ing over 0-2. Memory calls (munmap, mprotect, madvise, mremap,
// mmap MAP_FIXED, pkey_mprotect, brk, shmat SHM_REMAP) may touch the user range
// only inside the scratch arena or mappings the kernel returned; outside the
// user range, [0x10000, 64 TiB), they take anything. Sizes that would fill the
// node's tmpfs or pin its memory (fallocate, sendfile, splice, copy_file_range,
// shared mappings, kept until the program ends: docs/lwk.md) are capped.
//
// Usage: fuzz SECONDS SEED
// Environment: FUZZ_VERBOSE=1 prints every call before it is made (stderr);
// FUZZ_LOG=FILE keeps the last 64 calls in FILE (a shared file mapping, so it
// survives mcexec or the LWK dying); FUZZ_DIR=DIR is where it creates files.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"

#define PAGE 4096ul
#define SA_RESTORER 0x04000000
#define USER_START 0x10000ul
#define USER_END 0x400000000000ul
#define ARENA_PAGES 1024 /* 4 MiB */
#define MAX_FOREIGN 32
#define MAX_FDS 64
#define LOG_SLOTS 64
#define LOG_LINE 192


/* ---- raw system calls: no errno, no wrapper logic ---- */
static long raw6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* ---- memory the fuzzer may hand the kernel ---- */
static uint8_t *arena;		/* ARENA_PAGES pages, layout redone now and then */
static uint8_t page_kind[ARENA_PAGES]; /* 0 rw, 1 ro, 2 none, 3 hole */
static struct { uint64_t start, len; } foreign[MAX_FOREIGN];
static int nforeign;
static int fds[MAX_FDS];
static int nfds;
/* Under mcexec its own descriptors are this and the next: the program's RLIMIT_NOFILE hard limit. */
static uint64_t mcexec_fds = 1000;
static uint64_t brk_floor;	/* glibc's heap is below */
static const char *fuzz_dir = ".";
static pid_t self_pid;
/* Above it the user range ends: 64 TiB on the LWK (mcexec lives above), 128 TiB natively. */
static uint64_t user_end = USER_END;

static void arena_layout(void)
{
	/* One mapping over the whole arena, then per page: rw, ro, none, or a hole. */
	mmap(arena, ARENA_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	for (size_t i = 0; i < ARENA_PAGES; i++) {
		unsigned k = rnd(10);
		page_kind[i] = k < 6 ? 0 : k < 8 ? 1 : k < 9 ? 2 : 3;
	}
	for (size_t i = 0; i < ARENA_PAGES; i++) {
		uint8_t *p = arena + i * PAGE;
		for (size_t w = 0; w < PAGE / 8; w += 1 + rnd(8))
			((uint64_t *)p)[w] = rnd64();
		if (page_kind[i] == 1)
			mprotect(p, PAGE, PROT_READ);
		else if (page_kind[i] == 2)
			mprotect(p, PAGE, PROT_NONE);
		else if (page_kind[i] == 3)
			munmap(p, PAGE);
	}
}

static uint64_t arena_page(unsigned kind)
{
	for (int tries = 0; tries < 32; tries++) {
		size_t i = rnd(ARENA_PAGES);
		if (page_kind[i] == kind)
			return (uint64_t)(arena + i * PAGE);
	}
	return (uint64_t)(arena + rnd(ARENA_PAGES) * PAGE);
}

static int in_arena(uint64_t a, uint64_t len)
{
	uint64_t s = (uint64_t)arena, e = s + ARENA_PAGES * PAGE;
	return a >= s && a <= e && len <= e - a;
}

/* [a, a+len) may be unmapped/reprotected: inside the user range only in the
   arena or in one mapping the kernel handed back; outside it, anything. */
static int range_ok(uint64_t a, uint64_t len)
{
	uint64_t end = a + len < a ? UINT64_MAX : a + len;
	if (end <= USER_START || a >= user_end)
		return 1;
	if (in_arena(a, len))
		return 1;
	for (int i = 0; i < nforeign; i++)
		if (a >= foreign[i].start && end <= foreign[i].start + foreign[i].len)
			return 1;
	return 0;
}

static void add_foreign(uint64_t a, uint64_t len)
{
	if (a < USER_START || a >= user_end || in_arena(a, 0))
		return;
	len = (len + PAGE - 1) & ~(PAGE - 1);
	if (len == 0 || len > (1ul << 40))
		return;
	if (nforeign == MAX_FOREIGN) {
		munmap((void *)foreign[0].start, foreign[0].len);
		memmove(foreign, foreign + 1, sizeof(foreign[0]) * (MAX_FOREIGN - 1));
		nforeign--;
	}
	foreign[nforeign].start = a;
	foreign[nforeign].len = len;
	nforeign++;
}

static void drop_foreign(void)
{
	for (int i = 0; i < nforeign; i++)
		munmap((void *)foreign[i].start, foreign[i].len);
	nforeign = 0;
}

static void add_fd(long fd)
{
	if (fd < 3 || fd >= 1000)
		return;
	if (nfds == MAX_FDS)
		nfds = MAX_FDS / 2; /* forget some; close_range cleans up later */
	fds[nfds++] = (int)fd;
}

/* Descriptors of many kinds to start with (and after each clean-up). */
static void open_fds(void)
{
	int p[2];
	char path[256];

	nfds = 0;
	snprintf(path, sizeof(path), "%s/file0", fuzz_dir);
	add_fd(open(path, O_RDWR | O_CREAT, 0600));
	add_fd(open("/dev/null", O_RDWR));
	add_fd(open("/dev/zero", O_RDONLY));
	add_fd(open("/proc/self/status", O_RDONLY));
	add_fd(open(fuzz_dir, O_RDONLY | O_DIRECTORY));
	if (pipe(p) == 0) {
		add_fd(p[0]);
		add_fd(p[1]);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, p) == 0) {
		add_fd(p[0]);
		add_fd(p[1]);
	}
	add_fd(socket(AF_INET, SOCK_DGRAM, 0));
	add_fd(syscall(SYS_eventfd2, 0, 0));
	add_fd(syscall(SYS_memfd_create, "fuzz", 0));
	add_fd(syscall(SYS_epoll_create1, 0));
}

static const char *const paths[] = {
	"file0", "file1", "dir0", "dir0/x", ".", "..", "", "fifo0", "link0",
	"/dev/null", "/dev/zero", "/dev/mcos0", "/proc/self/mem", "/proc/self/maps",
	"/proc/self/status", "/proc/self/fd/3", "/proc/self/exe", "/etc/passwd", "/",
	"/sys/kernel/mm", "/dev/shm", "/dev/ptmx", "/proc/self/pagemap",
};

/* A string in a read-write arena page: a known path, random bytes, or a long one. */
static uint64_t path_arg(void)
{
	uint64_t a = arena_page(0);
	char *s = (char *)a;
	if (page_kind[((uint8_t *)a - arena) / PAGE] != 0)
		return a;
	switch (rnd(8)) {
	case 0:
		for (size_t i = 0; i < PAGE - 1; i++)
			s[i] = 'a';
		s[PAGE - 1] = 'a'; /* runs into whatever follows */
		break;
	case 1: {
		size_t n = rnd(64);
		for (size_t i = 0; i < n; i++)
			s[i] = 1 + rnd(255);
		s[n] = 0;
		break;
	}
	default:
		strcpy(s, paths[rnd(sizeof(paths) / sizeof(paths[0]))]);
		break;
	}
	return a;
}

static uint64_t huge(void)
{
	static const uint64_t v[] = { 1ul << 31, 1ul << 32, 1ul << 40, 1ul << 46, 1ul << 47, 1ul << 62,
				      1ul << 63, UINT64_MAX, UINT64_MAX - PAGE + 1, INT64_MAX,
				      0x7ffffffff000ul, USER_END - USER_START, 0x80000000ul - 1 };
	return chance(50) ? v[rnd(sizeof(v) / sizeof(v[0]))] : (1ul << (20 + rnd(44))) + rnd(3) - 1;
}

static uint64_t fd_arg(void)
{
	switch (rnd(10)) {
	case 0:
		return rnd(3);
	case 1:
		return (chance(50) ? mcexec_fds : 1000) + rnd(2); /* mcexec's own, and where they used to be */
	case 2:
		return (uint64_t)-1 - rnd(200); /* AT_FDCWD and friends */
	default:
		return nfds ? (uint64_t)fds[rnd(nfds)] : 3;
	}
}

static uint64_t random_arg(void)
{
	switch (rnd(24)) {
	case 0:
		return 0;
	case 1:
		return (uint64_t)-1;
	case 2:
	case 3:
		return rnd(64);
	case 4:
	case 5:
	case 6:
		return arena_page(0) + (chance(80) ? 0 : rnd(PAGE));
	case 7:
		return arena_page(1);
	case 8:
		return arena_page(2);
	case 9:
		return arena_page(3);
	case 10:
		return arena_page(0) + PAGE - 1 - rnd(16); /* runs off the page */
	case 11:
		return 0xffffffff80000000ul + rnd(1ul << 30) * (chance(50) ? PAGE : 1);
	case 12:
		return 0x0000800000000000ul + rnd(0xffff000000000000ul) ; /* non-canonical */
	case 13:
		return USER_END + rnd(0x7fffffff0000ul - USER_END) * (chance(50) ? 1 : 0) ; /* mcexec */
	case 14:
		return huge();
	case 15:
		return PAGE * (1 + rnd(64));
	case 16:
		return fd_arg();
	case 17:
		return rnd64();
	case 18:
		return 1ul << rnd(64);
	case 19:
		return nforeign ? foreign[rnd(nforeign)].start : arena_page(0);
	case 20:
		return path_arg();
	case 21:
		return 1 + rnd(64); /* a signal number */
	case 22: {
		static const uint64_t edges[] = { 0x1000, 0xfff0, USER_START - PAGE, USER_START, USER_END - PAGE,
						  USER_END - 1, 0x7ffffffff000ul, 0x00007ffffffff000ul,
						  0xfffffffffffff000ul, 0xffff800000000000ul };
		return edges[rnd(sizeof(edges) / sizeof(edges[0]))];
	}
	default:
		return rnd(4096);
	}
}

/* Refill one read-write arena page with words the fuzzer would pass as arguments,
   so structures and iovecs the kernel reads from it point where arguments point. */
static void refill_page(void)
{
	size_t i = rnd(ARENA_PAGES);
	if (page_kind[i] != 0)
		return;
	uint64_t *w = (uint64_t *)(arena + i * PAGE);
	for (size_t k = 0; k < PAGE / 8; k++)
		w[k] = chance(50) ? rnd(4096) : random_arg();
}

static long pick_nr(void)
{
	unsigned r = rnd(100);
	if (r < 90)
		return rnd(461);
	if (r < 94)
		return 461 + rnd(139);
	if (r < 97)
		return 600 + rnd(101);
	switch (rnd(6)) {
	case 0:
		return 0x40000000 + rnd(548); /* x32 */
	case 1:
		return -1;
	case 2:
		return (long)rnd64();
	case 3:
		return 0x4d434b01 + rnd(2); /* the LWK's private requests to mcexec */
	case 4:
		return 0xffffffffl;
	default:
		return 1l << rnd(63);
	}
}

/* Signals mcexec forwards to the program: the only ones other processes
   (mcexec, in the program's process group) may be sent. */
static uint64_t forwarded_sig(void)
{
	static const int s[] = { 0, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGWINCH, SIGCONT };
	return s[rnd(sizeof(s) / sizeof(s[0]))];
}

static uint64_t bad_pointer(void)
{
	switch (rnd(5)) {
	case 0:
		return 0;
	case 1:
		return arena_page(2);
	case 2:
		return arena_page(3);
	case 3:
		return 0xffffffff81000000ul;
	default:
		return 0x400000001000ul;
	}
}

/* Calls with an operation number: often a small one, so each is reached. */
static void bias_ops(long nr, uint64_t a[6])
{
	if (!chance(60))
		return;
	switch (nr) {
	case SYS_prctl:
	case SYS_arch_prctl:
	case SYS_keyctl:
	case SYS_ptrace:
	case SYS_bpf:
	case SYS_seccomp:
	case SYS_shmctl:
	case SYS_msgctl:
	case SYS_semctl:
		a[nr == SYS_semctl || nr == SYS_shmctl || nr == SYS_msgctl ? (nr == SYS_semctl ? 2 : 1) : 0] =
			nr == SYS_arch_prctl ? 0x1001 + rnd(0x30) : rnd(80);
		break;
	case SYS_fcntl:
	case SYS_madvise:
		a[nr == SYS_madvise ? 2 : 1] = rnd(nr == SYS_madvise ? 110 : 1100);
		break;
	case SYS_futex:
		a[1] = rnd(14) | (chance(50) ? 128 : 0) | (chance(10) ? 256 : 0);
		break;
	case SYS_mmap:
		a[2] = rnd(8);
		a[3] = (chance(50) ? MAP_PRIVATE : MAP_SHARED) | (chance(70) ? MAP_ANONYMOUS : 0) |
		       (chance(20) ? MAP_FIXED : 0) | (chance(10) ? MAP_NORESERVE : 0) |
		       (chance(10) ? MAP_POPULATE : 0) | (chance(5) ? MAP_GROWSDOWN : 0) |
		       (chance(5) ? MAP_HUGETLB : 0) | (chance(5) ? MAP_FIXED_NOREPLACE : 0) |
		       (chance(5) ? MAP_STACK : 0) | (chance(5) ? MAP_LOCKED : 0);
		if (chance(50))
			a[1] = PAGE * (1 + rnd(1024));
		break;
	case SYS_mprotect:
	case SYS_pkey_mprotect:
		a[2] = rnd(8) | (chance(5) ? PROT_GROWSDOWN : 0) | (chance(5) ? PROT_GROWSUP : 0);
		break;
	case SYS_mremap:
		a[3] = rnd(8);
		break;
	}
}

/* Make a call safe for the fuzzer itself; 0: skip it. */
static int tame(long nr, uint64_t a[6])
{
	switch (nr) {
	case SYS_exit:
	case SYS_exit_group:
	case SYS_rt_sigreturn:
	case SYS_pause:
	case SYS_rt_sigsuspend:
	case SYS_fork:
	case SYS_vfork:
	case SYS_clone:
	case 435: /* clone3 */
	case SYS_execve:
	case SYS_execveat:
		return 0;
	case SYS_kill:
		if ((pid_t)a[0] != self_pid)
			a[1] = forwarded_sig();
		else if (a[1] == SIGKILL || a[1] == SIGSTOP)
			a[1] = 0;
		return 1;
	case SYS_tkill:
		if (a[1] == SIGKILL || a[1] == SIGSTOP)
			a[1] = 0;
		return 1;
	case SYS_tgkill:
		if (a[2] == SIGKILL || a[2] == SIGSTOP)
			a[2] = 0;
		return 1;
	case SYS_rt_sigqueueinfo:
		a[1] = forwarded_sig();
		return 1;
	case SYS_rt_tgsigqueueinfo:
		a[2] = forwarded_sig();
		return 1;
	case 424: /* pidfd_send_signal */
		a[1] = forwarded_sig();
		return 1;
	case SYS_setrlimit:
		a[1] = bad_pointer();
		return 1;
	case SYS_prlimit64:
		a[2] = bad_pointer();
		return 1;
	case SYS_setitimer:
		a[0] = 0; /* ITIMER_REAL: SIGALRM, forwarded; re-armed after */
		return 1;
	case SYS_timer_create:
	case SYS_mq_notify:
		a[1 - (nr == SYS_mq_notify)] = bad_pointer();
		return 1;
	case SYS_fcntl:
		if (a[1] == F_SETSIG || a[1] == F_SETOWN || a[1] == F_SETOWN_EX)
			return 0;
		if (((uint32_t)a[0] <= 2 || (uint32_t)a[0] >= 1000) && a[1] == F_SETFL)
			return 0;
		if (a[1] == F_SETFL)
			a[2] &= ~(uint64_t)O_ASYNC;
		return 1;
	case SYS_ioctl:
		switch ((uint32_t)a[1]) {
		case FIOASYNC:
		case 0x8901: /* FIOSETOWN */
		case 0x8902: /* SIOCSPGRP */
		case 0x5410: /* TIOCSPGRP */
		case FIONBIO:
			return 0;
		}
		return 1;
	case SYS_arch_prctl:
		return a[0] != 0x1002; /* ARCH_SET_FS */
	case SYS_ptrace:
		return a[0] != 0; /* PTRACE_TRACEME: natively, every signal would stop it */
	case SYS_close: /* descriptors are unsigned int: the upper half does not count */
		return (uint32_t)a[0] > 2;
	case 436: /* close_range */
		if ((uint32_t)a[0] <= 2)
			a[0] = 3;
		return 1;
	case SYS_dup2:
	case SYS_dup3:
		return (uint32_t)a[1] > 2;
	case SYS_munmap:
	case SYS_mprotect:
	case SYS_madvise:
	case SYS_pkey_mprotect:
		return range_ok(a[0], a[1]);
	case SYS_mremap:
		if (!range_ok(a[0], a[1]) || !range_ok(a[0], a[2]))
			return 0;
		if (a[3] & 2 /* MREMAP_FIXED */)
			return range_ok(a[4], a[2]);
		return 1;
	case SYS_mmap:
		if (a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE))
			if (!range_ok(a[0], a[1]))
				return 0;
		/* Shared mappings pin Linux's pages (page cache or shared anonymous
		 * memory) until the program ends: capped, or the run fills the node. */
		if ((a[3] & MAP_SHARED) && a[1] > (1ul << 20))
			a[1] = rnd(1ul << 20);
		return 1;
	case SYS_shmat:
		if (!range_ok(a[1], 1ul << 30))
			a[2] &= ~(uint64_t)SHM_REMAP;
		return 1;
	case SYS_brk:
		return a[0] >= brk_floor || a[0] < USER_START;
	case SYS_fallocate:
		a[3] &= (1ul << 20) - 1;
		return 1;
	case SYS_sendfile:
	case SYS_splice:
	case SYS_tee:
	case SYS_copy_file_range:
		a[nr == SYS_sendfile ? 3 : nr == SYS_tee ? 2 : 4] &= (1ul << 20) - 1;
		return 1;
	case SYS_ftruncate:
		return 1; /* sparse */
	case SYS_sigaltstack:
		return 1; /* the fuzzer's handlers do not use SA_ONSTACK */
	default:
		return 1;
	}
}

/* ---- signals: every catchable one handled, faults and stuck calls jumped out of ---- */
static sigjmp_buf escape;
static volatile sig_atomic_t in_call;
static volatile uint64_t call_seq, tick_seq;
static volatile uint64_t nsignals, nescapes;

extern void fuzz_restorer(void);
__asm__(".text\n.globl fuzz_restorer\nfuzz_restorer:\n\tmov $15, %rax\n\tsyscall\n\thlt\n");

static void on_signal(int sig)
{
	nsignals++;
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGSYS || sig == SIGTRAP) {
		nescapes++;
		siglongjmp(escape, 1);
	}
	if (sig == SIGALRM && in_call) {
		if (tick_seq == call_seq) { /* the same call for a whole period */
			nescapes++;
			siglongjmp(escape, 2);
		}
		tick_seq = call_seq;
	}
}

struct kaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static void install_handlers(void)
{
	struct kaction ka = { on_signal, SA_RESTORER | SA_NODEFER, fuzz_restorer, 0 };
	for (int s = 1; s <= 64; s++)
		if (s != SIGKILL && s != SIGSTOP)
			raw6(SYS_rt_sigaction, s, (long)&ka, 0, 8, 0, 0);
}

static void arm_timer(void)
{
	struct itimerval it = { { 0, 200000 }, { 0, 200000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

/* ---- the log of the last calls ---- */
static char *log_ring;
static int verbose;

static void log_call(uint64_t seq, long nr, const uint64_t a[6], const char *what, long ret)
{
	char line[LOG_LINE];
	int n = snprintf(line, sizeof(line), "%8lu %s nr=%ld (%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = %ld", (unsigned long)seq,
			 what, nr, a[0], a[1], a[2], a[3], a[4], a[5], ret);
	if (n < 0 || n >= LOG_LINE)
		n = LOG_LINE - 1;
	memset(line + n, ' ', LOG_LINE - 1 - n);
	line[LOG_LINE - 1] = '\n';
	if (log_ring)
		memcpy(log_ring + (seq % LOG_SLOTS) * LOG_LINE, line, LOG_LINE);
	if (verbose && what[0] == 'c')
		raw6(SYS_write, 2, (long)line, n, 0, 0, 0), raw6(SYS_write, 2, (long)"\n", 1, 0, 0, 0);
}

static void open_log(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, LOG_SLOTS * LOG_LINE) < 0) {
		perror("fuzz: log");
		return;
	}
	void *p = mmap(NULL, LOG_SLOTS * LOG_LINE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		perror("fuzz: log mmap");
		return;
	}
	log_ring = p;
	memset(log_ring, ' ', LOG_SLOTS * LOG_LINE);
	for (int i = 0; i < LOG_SLOTS; i++)
		log_ring[i * LOG_LINE + LOG_LINE - 1] = '\n';
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int returns_fd(long nr)
{
	switch (nr) {
	case SYS_open: case SYS_openat: case SYS_creat: case SYS_socket: case SYS_dup: case SYS_dup2:
	case SYS_dup3: case SYS_accept: case SYS_accept4: case SYS_eventfd: case SYS_eventfd2:
	case SYS_epoll_create: case SYS_epoll_create1: case SYS_signalfd: case SYS_signalfd4:
	case SYS_timerfd_create: case SYS_memfd_create: case SYS_inotify_init: case SYS_inotify_init1:
	case SYS_fanotify_init: case SYS_perf_event_open: case SYS_open_by_handle_at: case 434: /* pidfd_open */
	case 437: /* openat2 */ case 428: /* open_tree */ case 430: /* fsopen */ case 432: /* fsmount */
	case 433: /* fspick */ case 447: /* memfd_secret */ case SYS_fcntl:
		return 1;
	default:
		return 0;
	}
}

static int is_mapping(long nr) { return nr == SYS_mmap || nr == SYS_mremap || nr == SYS_shmat; }

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fuzz SECONDS SEED\n");
		return 2;
	}
	double seconds = atof(argv[1]);
	uint64_t seed = strtoull(argv[2], NULL, 0);
	printf("seed=%lu\n", (unsigned long)seed);
	fflush(stdout);
	rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
	if ((uint64_t)&seconds >= USER_END)
		user_end = 0x800000000000ul; /* not under mcexec: its range is ours */
	verbose = getenv("FUZZ_VERBOSE") && atoi(getenv("FUZZ_VERBOSE")) > 0;
	if (getenv("FUZZ_DIR"))
		fuzz_dir = getenv("FUZZ_DIR");
	if (chdir(fuzz_dir) < 0) {
		perror("fuzz: chdir");
		return 2;
	}
	if (getenv("FUZZ_LOG"))
		open_log(getenv("FUZZ_LOG"));

	/* The arena: reserved, with a PROT_NONE page either side. */
	uint8_t *res = mmap(NULL, (ARENA_PAGES + 2) * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		perror("fuzz: arena");
		return 2;
	}
	arena = res + PAGE;
	arena_layout();
	struct rlimit nofile;
	if (!getrlimit(RLIMIT_NOFILE, &nofile) && nofile.rlim_max < 1u << 30)
		mcexec_fds = nofile.rlim_max;
	open_fds();
	brk_floor = (uint64_t)sbrk(0);

	sigset_t base_mask, all_async;
	sigemptyset(&base_mask);
	sigfillset(&all_async);
	static const int sync_sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGTRAP };
	for (size_t i = 0; i < sizeof(sync_sigs) / sizeof(sync_sigs[0]); i++)
		sigdelset(&all_async, sync_sigs[i]);
	self_pid = getpid();
	install_handlers();
	sigprocmask(SIG_SETMASK, &base_mask, NULL);
	arm_timer();

	double end = now_s() + seconds;
	static volatile uint64_t calls; /* survives siglongjmp */
	static volatile long cur_nr;
	static uint64_t cur_args[6];
	calls = 0;
	for (;;) {
		if (sigsetjmp(escape, 1)) {
			in_call = 0;
			log_call(call_seq, cur_nr, cur_args, "escaped", -1);
		}
		if ((calls & 15) == 0 && now_s() >= end)
			break;
		call_seq++;
		calls++;
		if ((calls & 255) == 0) {
			drop_foreign();
			arena_layout();
		}
		if ((calls & 2047) == 0) {
			raw6(436, 3, ~0u, 0, 0, 0, 0); /* close_range: mcexec's own are skipped */
			open_fds();
			chdir(fuzz_dir);
		}
		for (int i = 0; i < 4; i++)
			refill_page();

		long nr = pick_nr();
		uint64_t a[6];
		for (int i = 0; i < 6; i++)
			a[i] = random_arg();
		bias_ops(nr, a);
		if (!tame(nr, a)) {
			calls--;
			continue;
		}
		cur_nr = nr;
		memcpy(cur_args, a, sizeof(a));
		log_call(call_seq, nr, a, "call", 0);
		if (nr == SYS_rt_sigaction)
			sigprocmask(SIG_SETMASK, &all_async, NULL);
		in_call = 1;
		long ret = raw6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		in_call = 0;
		log_call(call_seq, nr, a, "done", ret);

		/* Undo what would stop the fuzzer; remember what it got. */
		switch (nr) {
		case SYS_rt_sigaction:
			install_handlers();
			sigprocmask(SIG_SETMASK, &base_mask, NULL);
			break;
		case SYS_rt_sigprocmask:
			sigprocmask(SIG_SETMASK, &base_mask, NULL);
			break;
		case SYS_alarm:
		case SYS_setitimer:
			arm_timer();
			break;
		case SYS_chdir:
		case SYS_fchdir:
		case SYS_chroot:
			chdir(fuzz_dir);
			break;
		case SYS_pipe:
		case SYS_pipe2:
		case SYS_socketpair:
			if (ret == 0) {
				int *p = (int *)a[nr == SYS_socketpair ? 3 : 0];
				if (in_arena((uint64_t)p, 8) && page_kind[((uint8_t *)p - arena) / PAGE] == 0) {
					add_fd(p[0]);
					add_fd(p[1]);
				}
			}
			break;
		}
		if (ret >= 0 && returns_fd(nr))
			add_fd(ret);
		if (is_mapping(nr) && ret > 0 && (uint64_t)ret < user_end)
			add_foreign(ret, nr == SYS_mremap ? a[2] : nr == SYS_mmap ? a[1] : PAGE);
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	fcntl(1, F_SETFL, 0);
	/* On a line of its own: the fuzzer wrote random bytes to its stdout too. */
	printf("\ncalls=%lu signals=%lu escapes=%lu\n", (unsigned long)calls, (unsigned long)nsignals,
	       (unsigned long)nescapes);
	fflush(stdout);
	return 0;
}
