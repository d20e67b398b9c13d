// SPDX-License-Identifier: GPL-2.0
// Bad pointers to the system calls McKernel handles itself (docs/syscalls.md),
// and to a few offloaded ones: every pointer argument of each call, in turn,
// gets each kind of address below, and one line `call kind -> result` is
// printed (an errno name, "ok", or a number where it is the same everywhere).
// The lines are compared with Linux's (tests/security/test_survive.sh): the
// LWK must answer as Linux does, never fault, and never reach mcexec's memory.
//
// Calls go through syscall(), so the vDSO does not answer for the kernel. A
// signal instead of a result would be printed as "signal N" and the sweep
// goes on.
//
// wait4 and waitid get a child that has ended for each line, and say after
// whether it was reaped: Linux reaps it even when it then fails to write the
// status (EFAULT), and so must mcexec.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL

static char *ro_page, *none_page, *straddle, *scratch;
static const void *tmpl; /* what the readable kinds hold for the call */
static size_t tmpl_len;
static char extra[64]; /* more to say about a result, e.g. whether a child was reaped */

/* The kinds of address, in the order they are printed. */
enum { K_NULL, K_KERNEL, K_NONCANON, K_NONE, K_RO, K_STRADDLE, K_MCEXEC, K_USEREND, NKINDS };
static const char *kind_name[NKINDS] = { "null", "kernel", "non-canonical", "prot-none", "read-only",
					 "straddle",  "mcexec", "user-end" };

static void *kind_addr(int k)
{
	switch (k) {
	case K_NULL: return NULL;
	case K_KERNEL: return (void *)0xffffffff81000000UL;
	case K_NONCANON: return (void *)0x8000000000000000UL;
	case K_NONE: return none_page;
	case K_RO: return ro_page;
	case K_STRADDLE: return straddle; /* 8 bytes readable and writable, then nothing */
	case K_MCEXEC: return (void *)0x400000000000UL; /* MCK_USER_END: mcexec's own memory from here */
	default: return (void *)(0x400000000000UL - 8); /* the last 8 bytes of the program's range */
	}
}

/* The readable kinds hold the call's template: the read-only page all of it, the straddle its first 8 bytes. */
static void fill(void)
{
	mprotect(ro_page, PAGE, PROT_READ | PROT_WRITE);
	memset(ro_page, 0, PAGE);
	memset(straddle, 0, 8);
	if (tmpl) {
		memcpy(ro_page, tmpl, tmpl_len);
		memcpy(straddle, tmpl, tmpl_len < 8 ? tmpl_len : 8);
	}
	mprotect(ro_page, PAGE, PROT_READ);
}

static long sc(long nr, long a, long b, long c, long d, long e, long f)
{
	return syscall(nr, a, b, c, d, e, f);
}
#define SC(nr, ...) sc(nr, __VA_ARGS__)
#define L(p) ((long)(p))

static const struct timespec tiny = { 0, 1000 }, zero_ts = { 0, 0 };
static struct timeval tv_out;
static uint32_t word;
static sigset_t usr2;

/* ---- the calls; each gets the address p for one of its pointers ---- */
static long nanosleep_req(void *p) { return SC(SYS_nanosleep, L(p), 0, 0, 0, 0, 0); }
static long nanosleep_rem(void *p) { return SC(SYS_nanosleep, L(&tiny), L(p), 0, 0, 0, 0); }
static long cns_req(void *p) { return SC(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, L(p), 0, 0, 0); }
static long cns_rem(void *p) { return SC(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, L(&tiny), L(p), 0, 0); }
static long cns_abs(void *p) { return SC(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, L(p), 0, 0, 0); }
static long gtod_tv(void *p) { return SC(SYS_gettimeofday, L(p), 0, 0, 0, 0, 0); }
static long gtod_tz(void *p) { return SC(SYS_gettimeofday, L(&tv_out), L(p), 0, 0, 0, 0); }
static long time_t_(void *p) { return SC(SYS_time, L(p), 0, 0, 0, 0, 0) == -1 ? -1 : 0; }
static long cgt_mono(void *p) { return SC(SYS_clock_gettime, CLOCK_MONOTONIC, L(p), 0, 0, 0, 0); }
static long cgt_real(void *p) { return SC(SYS_clock_gettime, CLOCK_REALTIME, L(p), 0, 0, 0, 0); }
static long cgt_cpu(void *p) { return SC(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, L(p), 0, 0, 0, 0); }
static long cgr(void *p) { return SC(SYS_clock_getres, CLOCK_MONOTONIC, L(p), 0, 0, 0, 0); }
static long times_(void *p) { return SC(SYS_times, L(p), 0, 0, 0, 0, 0) == -1 ? -1 : 0; }

/* A child that has ended, for wait4 and waitid: afterwards, was it reaped? */
static pid_t ended_child(void)
{
	pid_t c = fork();
	if (c == 0)
		_exit(7);
	return c;
}
static void reaped(pid_t c)
{
	int st, e = errno;
	snprintf(extra, sizeof(extra), " (child %s)", waitpid(c, &st, 0) == c ? "not reaped" : "reaped");
	errno = e;
}
static long wait4_status(void *p)
{
	pid_t c = ended_child();
	long r = SC(SYS_wait4, c, L(p), 0, 0, 0, 0);
	reaped(c);
	return r == c ? 0 : r;
}
static long wait4_rusage(void *p)
{
	pid_t c = ended_child();
	int st;
	long r = SC(SYS_wait4, c, L(&st), 0, L(p), 0, 0);
	reaped(c);
	return r == c ? 0 : r;
}
static long waitid_info(void *p)
{
	pid_t c = ended_child();
	long r = SC(SYS_waitid, P_PID, c, L(p), WEXITED, 0, 0);
	reaped(c);
	return r;
}
static long waitid_rusage(void *p)
{
	pid_t c = ended_child();
	siginfo_t si;
	long r = SC(SYS_waitid, P_PID, c, L(&si), WEXITED, L(p), 0);
	reaped(c);
	return r;
}

static void *robust_head;
static size_t robust_len;
static long set_robust(void *p)
{
	long r = SC(SYS_set_robust_list, L(p), 24, 0, 0, 0, 0);
	SC(SYS_set_robust_list, L(robust_head), robust_len, 0, 0, 0, 0);
	return r;
}
static long get_robust_head(void *p)
{
	size_t len;
	return SC(SYS_get_robust_list, 0, L(p), L(&len), 0, 0, 0);
}
static long get_robust_len(void *p)
{
	void *head;
	return SC(SYS_get_robust_list, 0, L(&head), L(p), 0, 0, 0);
}

/* In a child that then ends: the kernel clears (and wakes) the word as the thread goes. */
static long set_tid_addr(void *p)
{
	int st;
	pid_t c = fork();
	if (c == 0)
		_exit(SC(SYS_set_tid_address, L(p), 0, 0, 0, 0, 0) > 0 ? 0 : 1);
	waitpid(c, &st, 0);
	snprintf(extra, sizeof(extra), " (child %s %d)", WIFEXITED(st) ? "exit" : "signal",
		 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 0;
}

static char altstack[1 << 16];
static const stack_t good_ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
static long sigaltstack_ss(void *p)
{
	stack_t off = { .ss_flags = SS_DISABLE };
	long r = SC(SYS_sigaltstack, L(p), 0, 0, 0, 0, 0);
	int e = errno;
	sigaltstack(&off, NULL);
	errno = e;
	return r;
}
static long sigaltstack_old(void *p) { return SC(SYS_sigaltstack, 0, L(p), 0, 0, 0, 0); }

static long sigaction_act(void *p)
{
	long r = SC(SYS_rt_sigaction, SIGUSR2, L(p), 0, 8, 0, 0);
	int e = errno;
	signal(SIGUSR2, SIG_DFL);
	errno = e;
	return r;
}
static long sigaction_old(void *p) { return SC(SYS_rt_sigaction, SIGUSR2, 0, L(p), 8, 0, 0); }
static long sigprocmask_set(void *p) { return SC(SYS_rt_sigprocmask, SIG_BLOCK, L(p), 0, 8, 0, 0); }
static long sigprocmask_old(void *p) { return SC(SYS_rt_sigprocmask, SIG_BLOCK, 0, L(p), 8, 0, 0); }
static long sigpending_(void *p) { return SC(SYS_rt_sigpending, L(p), 8, 0, 0, 0, 0); }

/* SIGUSR2 (blocked throughout) pending or not afterwards: a failed copy must not lose it, or must. */
static void drain_usr2(void)
{
	int got = sigtimedwait(&usr2, NULL, &zero_ts) == SIGUSR2;
	snprintf(extra, sizeof(extra), " (SIGUSR2 %s)", got ? "still pending" : "taken");
}
static long sigtimedwait_set(void *p)
{
	raise(SIGUSR2);
	long r = SC(SYS_rt_sigtimedwait, L(p), 0, L(&zero_ts), 8, 0, 0);
	int e = errno;
	drain_usr2();
	errno = e;
	return r;
}
static long sigtimedwait_info(void *p)
{
	raise(SIGUSR2);
	long r = SC(SYS_rt_sigtimedwait, L(&usr2), L(p), L(&zero_ts), 8, 0, 0);
	int e = errno;
	drain_usr2();
	errno = e;
	return r;
}
/* SIGURG (blocked) pending, so that no timeout (null) does not wait: the timeout is read first. */
static long sigtimedwait_ts(void *p)
{
	sigset_t urg;
	sigemptyset(&urg);
	sigaddset(&urg, SIGURG);
	sigprocmask(SIG_BLOCK, &urg, NULL);
	raise(SIGURG);
	long r = SC(SYS_rt_sigtimedwait, L(&urg), 0, L(p), 8, 0, 0);
	int e = errno;
	snprintf(extra, sizeof(extra), " (SIGURG %s)", sigtimedwait(&urg, NULL, &zero_ts) == SIGURG ? "still pending" : "taken");
	errno = e;
	return r == SIGURG ? 0 : r;
}
static long sigqueueinfo(void *p)
{
	long r = SC(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, L(p), 0, 0, 0);
	int e = errno;
	drain_usr2();
	errno = e;
	return r;
}

static long getcpu_cpu(void *p) { return SC(SYS_getcpu, L(p), 0, 0, 0, 0, 0); }
static long getcpu_node(void *p) { return SC(SYS_getcpu, 0, L(p), 0, 0, 0, 0); }
static long getaffinity(void *p) { return SC(SYS_sched_getaffinity, 0, 8, L(p), 0, 0, 0) < 0 ? -1 : 0; }
static long setaffinity(void *p)
{
	cpu_set_t all;
	long r = SC(SYS_sched_setaffinity, 0, 8, L(p), 0, 0, 0);
	int e = errno;
	sched_getaffinity(0, sizeof(all), &all); /* (unchanged: only the template's mask is set) */
	errno = e;
	return r;
}
static struct rlimit stack_lim, nofile_lim;
static long getrlimit_stack(void *p) { return SC(SYS_getrlimit, RLIMIT_STACK, L(p), 0, 0, 0, 0); }
static long getrlimit_nofile(void *p) { return SC(SYS_getrlimit, RLIMIT_NOFILE, L(p), 0, 0, 0, 0); }
static long prlimit_old(void *p) { return SC(SYS_prlimit64, 0, RLIMIT_STACK, 0, L(p), 0, 0); }
static long prlimit_new(void *p)
{
	long r = SC(SYS_prlimit64, 0, RLIMIT_STACK, L(p), 0, 0, 0);
	int e = errno;
	setrlimit(RLIMIT_STACK, &stack_lim);
	errno = e;
	return r;
}
static long setrlimit_as(void *p)
{
	struct rlimit as;
	getrlimit(RLIMIT_AS, &as);
	long r = SC(SYS_setrlimit, RLIMIT_AS, L(p), 0, 0, 0, 0);
	int e = errno;
	setrlimit(RLIMIT_AS, &as);
	errno = e;
	return r;
}
static long getrusage_self(void *p) { return SC(SYS_getrusage, RUSAGE_SELF, L(p), 0, 0, 0, 0); }
static long getrusage_children(void *p) { return SC(SYS_getrusage, RUSAGE_CHILDREN, L(p), 0, 0, 0, 0); }

static long futex_wait(void *p) { return SC(SYS_futex, L(p), FUTEX_WAIT_PRIVATE, 1, L(&zero_ts), 0, 0); }
static long futex_wait_shared(void *p) { return SC(SYS_futex, L(p), FUTEX_WAIT, 1, L(&zero_ts), 0, 0); }
static long futex_wake(void *p) { return SC(SYS_futex, L(p), FUTEX_WAKE_PRIVATE, 1, 0, 0, 0); }
/* The word is not 1: EAGAIN at once, after the timeout was read. */
static long futex_timeout(void *p) { return SC(SYS_futex, L(&word), FUTEX_WAIT_PRIVATE, 1, L(p), 0, 0); }
static long futex_requeue_to(void *p) { return SC(SYS_futex, L(&word), FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, L(p), 0 /* cmp: == word */); }

static long getitimer_(void *p) { return SC(SYS_getitimer, ITIMER_REAL, L(p), 0, 0, 0, 0); }
static long setitimer_new(void *p)
{
	struct itimerval off = { 0 };
	long r = SC(SYS_setitimer, ITIMER_REAL, L(p), 0, 0, 0, 0);
	int e = errno;
	setitimer(ITIMER_REAL, &off, NULL);
	errno = e;
	return r;
}
static long setitimer_old(void *p)
{
	struct itimerval off = { 0 };
	return SC(SYS_setitimer, ITIMER_REAL, L(&off), L(p), 0, 0, 0);
}
/* POSIX timers: a SIGEV_NONE timer on CLOCK_MONOTONIC; each one created is deleted at once. */
static const struct sigevent ev_none = { .sigev_notify = SIGEV_NONE };
static const struct itimerspec its_zero;
static int ptimer = -1;
static int the_timer(void)
{
	if (ptimer < 0)
		SC(SYS_timer_create, CLOCK_MONOTONIC, L(&ev_none), L(&ptimer), 0, 0, 0);
	return ptimer;
}
static long timer_create_ev(void *p)
{
	int id;
	long r = SC(SYS_timer_create, CLOCK_MONOTONIC, L(p), L(&id), 0, 0, 0);
	if (r == 0)
		SC(SYS_timer_delete, id, 0, 0, 0, 0, 0);
	return r;
}
static long timer_create_id(void *p)
{
	long r = SC(SYS_timer_create, CLOCK_MONOTONIC, L(&ev_none), L(p), 0, 0, 0);
	if (r == 0)
		SC(SYS_timer_delete, *(int *)p, 0, 0, 0, 0, 0);
	return r;
}
static long timer_settime_new(void *p) { return SC(SYS_timer_settime, the_timer(), 0, L(p), 0, 0, 0); }
static long timer_settime_old(void *p) { return SC(SYS_timer_settime, the_timer(), 0, L(&its_zero), L(p), 0, 0); }
static long timer_gettime_(void *p) { return SC(SYS_timer_gettime, the_timer(), L(p), 0, 0, 0, 0); }
static long arch_prctl_getfs(void *p) { return SC(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, L(p), 0, 0, 0, 0); }
static long mincore_vec(void *p) { return SC(SYS_mincore, L(scratch), PAGE, L(p), 0, 0, 0); }
static long mlock_(void *p) { return SC(SYS_mlock, L(p), PAGE, 0, 0, 0, 0); }
static long get_mempolicy_mode(void *p) { return SC(SYS_get_mempolicy, L(p), 0, 0, 0, 0, 0); }
static long get_mempolicy_mask(void *p)
{
	int mode;
	return SC(SYS_get_mempolicy, L(&mode), L(p), 64, 0, 0, 0);
}
static long set_mempolicy_mask(void *p)
{
	long r = SC(SYS_set_mempolicy, 2 /* MPOL_BIND */, L(p), 64, 0, 0, 0);
	int e = errno;
	SC(SYS_set_mempolicy, 0 /* MPOL_DEFAULT */, 0, 0, 0, 0, 0);
	errno = e;
	return r;
}
static long pvm_readv_local(void *p)
{
	char buf[16];
	struct iovec remote = { scratch, 16 };
	(void)buf;
	return SC(SYS_process_vm_readv, getpid(), L(p), 1, L(&remote), 1, 0);
}
static long pvm_readv_from(void *p)
{
	char buf[16];
	struct iovec local = { buf, 16 }, remote = { p, 16 };
	return SC(SYS_process_vm_readv, getpid(), L(&local), 1, L(&remote), 1, 0);
}
static long pvm_readv_into(void *p)
{
	struct iovec local = { p, 16 }, remote = { scratch, 16 };
	return SC(SYS_process_vm_readv, getpid(), L(&local), 1, L(&remote), 1, 0);
}
/* Offloaded: mcexec checks these pointers before Linux sees them. */
static long uname_(void *p) { return SC(SYS_uname, L(p), 0, 0, 0, 0, 0); }
static int pipe_fd[2];
/* The calling thread's scheduling attributes (mcexec: sched_attrs.cpp). */
static long sched_getparam_(void *p) { return SC(SYS_sched_getparam, 0, L(p), 0, 0, 0, 0); }
static long sched_setparam_(void *p) { return SC(SYS_sched_setparam, 0, L(p), 0, 0, 0, 0); }
static long sched_setscheduler_(void *p) { return SC(SYS_sched_setscheduler, 0, SCHED_OTHER, L(p), 0, 0, 0); }
static long sched_getattr_(void *p) { return SC(SYS_sched_getattr, 0, L(p), 48, 0, 0, 0); }
static long sched_rr_interval(void *p) { return SC(SYS_sched_rr_get_interval, 0, L(p), 0, 0, 0, 0); }
static long clock_gettime_alarm(void *p) { return SC(SYS_clock_gettime, CLOCK_BOOTTIME_ALARM, L(p), 0, 0, 0, 0); }
static long writev_iov(void *p) { return SC(SYS_writev, pipe_fd[1], L(p), 1, 0, 0, 0); }
static long write_buf(void *p) { return SC(SYS_write, pipe_fd[1], L(p), 16, 0, 0, 0); }

static const struct timespec tmpl_ts = { 0, 1000 };
static struct timespec tmpl_abs; /* a moment already past */
static struct iovec tmpl_iov;
static const struct sched_param tmpl_param; /* SCHED_OTHER's priority 0 */

#pragma GCC diagnostic ignored "-Wmissing-field-initializers" /* the table leaves them 0 */
static const struct call {
	const char *name;
	long (*fn)(void *);
	const void *tmpl; /* what the readable kinds hold, if the call reads the pointer */
	size_t len;
	int value;	  /* print the result itself, not "ok" */
} calls[] = {
	{ "nanosleep-req", nanosleep_req, &tmpl_ts, sizeof(tmpl_ts) },
	{ "nanosleep-rem", nanosleep_rem },
	{ "clock_nanosleep-req", cns_req, &tmpl_ts, sizeof(tmpl_ts) },
	{ "clock_nanosleep-rem", cns_rem },
	{ "clock_nanosleep-abs", cns_abs, &tmpl_abs, sizeof(tmpl_abs) },
	{ "gettimeofday-tv", gtod_tv },
	{ "gettimeofday-tz", gtod_tz },
	{ "time", time_t_ },
	{ "clock_gettime-monotonic", cgt_mono },
	{ "clock_gettime-realtime", cgt_real },
	{ "clock_gettime-process-cpu", cgt_cpu },
	{ "clock_getres", cgr },
	{ "times", times_ },
	{ "wait4-status", wait4_status },
	{ "wait4-rusage", wait4_rusage },
	{ "waitid-info", waitid_info },
	{ "waitid-rusage", waitid_rusage },
	{ "set_robust_list", set_robust },
	{ "get_robust_list-head", get_robust_head },
	{ "get_robust_list-len", get_robust_len },
	{ "set_tid_address", set_tid_addr },
	{ "sigaltstack-ss", sigaltstack_ss, &good_ss, sizeof(good_ss) },
	{ "sigaltstack-old", sigaltstack_old },
	{ "rt_sigaction-act", sigaction_act },
	{ "rt_sigaction-old", sigaction_old },
	{ "rt_sigprocmask-set", sigprocmask_set },
	{ "rt_sigprocmask-old", sigprocmask_old },
	{ "rt_sigpending", sigpending_ },
	{ "rt_sigtimedwait-set", sigtimedwait_set, &usr2, 8 },
	{ "rt_sigtimedwait-info", sigtimedwait_info },
	{ "rt_sigtimedwait-timeout", sigtimedwait_ts, &zero_ts, sizeof(zero_ts) },
	{ "rt_sigqueueinfo", sigqueueinfo },
	{ "getcpu-cpu", getcpu_cpu },
	{ "getcpu-node", getcpu_node },
	{ "sched_getaffinity", getaffinity },
	{ "sched_setaffinity", setaffinity },
	{ "getrlimit-stack", getrlimit_stack },
	{ "getrlimit-nofile", getrlimit_nofile },
	{ "prlimit64-stack-old", prlimit_old },
	{ "prlimit64-stack-new", prlimit_new, &stack_lim, sizeof(stack_lim) },
	{ "setrlimit-as", setrlimit_as, &nofile_lim /* replaced by RLIMIT_AS's */, sizeof(nofile_lim) },
	{ "getrusage-self", getrusage_self },
	{ "getrusage-children", getrusage_children },
	{ "futex-wait-private", futex_wait },
	{ "futex-wait-shared", futex_wait_shared },
	{ "futex-wake", futex_wake },
	{ "futex-wait-timeout", futex_timeout, &zero_ts, sizeof(zero_ts) },
	{ "futex-cmp-requeue-to", futex_requeue_to },
	{ "getitimer", getitimer_ },
	{ "setitimer-new", setitimer_new },
	{ "setitimer-old", setitimer_old },
	{ "timer_create-sigevent", timer_create_ev, &ev_none, sizeof(ev_none) },
	{ "timer_create-id", timer_create_id },
	{ "timer_settime-new", timer_settime_new, &its_zero, sizeof(its_zero) },
	{ "timer_settime-old", timer_settime_old },
	{ "timer_gettime", timer_gettime_ },
	{ "arch_prctl-get-fs", arch_prctl_getfs },
	{ "mincore-vec", mincore_vec },
	{ "mlock", mlock_ },
	{ "get_mempolicy-mode", get_mempolicy_mode },
	{ "get_mempolicy-mask", get_mempolicy_mask },
	{ "set_mempolicy-mask", set_mempolicy_mask },
	{ "process_vm_readv-lvec", pvm_readv_local, &tmpl_iov, sizeof(tmpl_iov), 1 },
	{ "process_vm_readv-from", pvm_readv_from, NULL, 0, 1 },
	{ "process_vm_readv-into", pvm_readv_into, NULL, 0, 1 },
	{ "uname", uname_ },
	{ "write-buf", write_buf, NULL, 0, 1 },
	{ "sched_getparam", sched_getparam_ },
	{ "sched_setparam", sched_setparam_, &tmpl_param, sizeof(tmpl_param) },
	{ "sched_setscheduler", sched_setscheduler_, &tmpl_param, sizeof(tmpl_param) },
	{ "sched_getattr", sched_getattr_ },
	{ "sched_rr_get_interval", sched_rr_interval },
	{ "clock_gettime-alarm", clock_gettime_alarm },
	{ "writev-iov", writev_iov, &tmpl_iov, sizeof(tmpl_iov), 1 },
};

static sigjmp_buf jb;
static void on_fault(int sig)
{
	siglongjmp(jb, sig);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };
	char *two;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	ro_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	none_page = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	scratch = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(two + PAGE, PAGE);
	straddle = two + PAGE - 8;
	pipe(pipe_fd); /* holds all the writes: 64 KiB */
	getrlimit(RLIMIT_STACK, &stack_lim);
	getrlimit(RLIMIT_AS, &nofile_lim);
	clock_gettime(CLOCK_MONOTONIC, &tmpl_abs);
	tmpl_iov = (struct iovec){ scratch, 16 };
	SC(SYS_get_robust_list, 0, L(&robust_head), L(&robust_len), 0, 0, 0);
	/* The user-end and mcexec kinds must be nothing of the program's natively too (the LWK refuses both). */
	for (int k = K_MCEXEC; k <= K_USEREND; k++) {
		char *page = (char *)((uintptr_t)kind_addr(k) & ~(PAGE - 1));
		char *m = mmap(page, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (m == MAP_FAILED && errno == EEXIST) {
			printf("%s is in use\n", kind_name[k]);
			return 1;
		}
		if (m != MAP_FAILED)
			munmap(m, PAGE);
	}

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		tmpl = calls[i].tmpl;
		tmpl_len = calls[i].len;
		for (int k = 0; k < NKINDS; k++) {
			volatile int sig;
			long r = 0;
			fill();
			extra[0] = 0;
			errno = 0;
			sig = sigsetjmp(jb, 1);
			if (!sig)
				r = calls[i].fn(kind_addr(k));
			if (sig)
				printf("%s %s -> signal %d\n", calls[i].name, kind_name[k], sig);
			else if (r == -1)
				printf("%s %s -> %s%s\n", calls[i].name, kind_name[k], strerrorname_np(errno), extra);
			else if (calls[i].value)
				printf("%s %s -> %ld%s\n", calls[i].name, kind_name[k], r, extra);
			else
				printf("%s %s -> ok%s\n", calls[i].name, kind_name[k], extra);
		}
	}
	return 0;
}
