// SPDX-License-Identifier: GPL-2.0
/* Signals: siginfo, pending while blocked, sigaltstack, registers/FPU kept by nested handlers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fenv.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c, what)                                                                   \
	do {                                                                             \
		if (!(c)) {                                                              \
			printf("FAIL %s: %s (errno %s)\n", what, #c, strerrorname_np(errno)); \
			exit(1);                                                         \
		}                                                                        \
	} while (0)

#define ALTSZ (64 * 1024)

static volatile sig_atomic_t usr1_count, usr2_count;
static volatile int last_code, last_signo, last_pid_ok;
static char *altstack;
static volatile int on_alt, ss_flag_onstack;
static volatile int nested_mode, nested_ok, nested_ran;

/* A sum whose last bits depend on the rounding mode. */
static double harmonic(int n)
{
	volatile double s = 0;

	for (int i = 1; i <= n; i++)
		s += 1.0 / i;
	return s;
}

/*
 * tgkill(self) from inline asm, with xmm0-15 and r8-r10 loaded before the
 * syscall and read back after it: the handler runs on the way out of the
 * syscall, and sigreturn must restore all of them. Returns 1 if all kept.
 */
static int tgkill_keeps_registers(int sig, double seed)
{
	double in[16], out[16];
	long ret;

	for (int i = 0; i < 16; i++)
		in[i] = seed * (i + 1) + 0.125, out[i] = 0;
#if defined(__x86_64__)
	const long pid = getpid(), tid = syscall(SYS_gettid);
	long a0 = pid, a1 = tid, a2 = sig;
	/* no calls between these and the asm, or they may be clobbered */
	register long r8 __asm__("r8") = 0x0123456789abcdefL;
	register long r9 __asm__("r9") = 0x1122334455667788L;
	register long r10 __asm__("r10") = 0x7eadbeefcafef00dL;

	__asm__ volatile(
		"movsd 0(%[in]), %%xmm0\n\t" "movsd 8(%[in]), %%xmm1\n\t"
		"movsd 16(%[in]), %%xmm2\n\t" "movsd 24(%[in]), %%xmm3\n\t"
		"movsd 32(%[in]), %%xmm4\n\t" "movsd 40(%[in]), %%xmm5\n\t"
		"movsd 48(%[in]), %%xmm6\n\t" "movsd 56(%[in]), %%xmm7\n\t"
		"movsd 64(%[in]), %%xmm8\n\t" "movsd 72(%[in]), %%xmm9\n\t"
		"movsd 80(%[in]), %%xmm10\n\t" "movsd 88(%[in]), %%xmm11\n\t"
		"movsd 96(%[in]), %%xmm12\n\t" "movsd 104(%[in]), %%xmm13\n\t"
		"movsd 112(%[in]), %%xmm14\n\t" "movsd 120(%[in]), %%xmm15\n\t"
		"syscall\n\t"
		"movsd %%xmm0, 0(%[out])\n\t" "movsd %%xmm1, 8(%[out])\n\t"
		"movsd %%xmm2, 16(%[out])\n\t" "movsd %%xmm3, 24(%[out])\n\t"
		"movsd %%xmm4, 32(%[out])\n\t" "movsd %%xmm5, 40(%[out])\n\t"
		"movsd %%xmm6, 48(%[out])\n\t" "movsd %%xmm7, 56(%[out])\n\t"
		"movsd %%xmm8, 64(%[out])\n\t" "movsd %%xmm9, 72(%[out])\n\t"
		"movsd %%xmm10, 80(%[out])\n\t" "movsd %%xmm11, 88(%[out])\n\t"
		"movsd %%xmm12, 96(%[out])\n\t" "movsd %%xmm13, 104(%[out])\n\t"
		"movsd %%xmm14, 112(%[out])\n\t" "movsd %%xmm15, 120(%[out])\n\t"
		: "=a"(ret), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(r8), "+r"(r9), "+r"(r10)
		: "0"((long)SYS_tgkill), [in] "r"(in), [out] "r"(out)
		: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		  "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	if (ret != 0 || a0 != pid || a1 != tid || a2 != sig || r8 != 0x0123456789abcdefL ||
	    r9 != 0x1122334455667788L || r10 != 0x7eadbeefcafef00dL)
		return 0;
#else
	ret = syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
	memcpy(out, in, sizeof(in));
	if (ret != 0)
		return 0;
#endif
	return memcmp(in, out, sizeof(in)) == 0;
}

/* Clobbers FP state: other rounding mode, and math through many registers. */
static void clobber_fpu(void)
{
	volatile double x = 3.0;

	fesetround(FE_TOWARDZERO);
	for (int i = 0; i < 100; i++)
		x = x * 1.000001 + 1.0 / (i + 1.5);
	(void)harmonic(50);
}

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	usr1_count++;
	last_signo = sig;
	last_code = si->si_code;
	last_pid_ok = si->si_pid == getpid() && si->si_uid == getuid();
	if (nested_mode) {
		/* nested: SIGUSR2 arrives while this handler holds its own state */
		int saved = usr2_count;
		double before;

		fesetround(FE_DOWNWARD);
		before = harmonic(1000);
		nested_ok = tgkill_keeps_registers(SIGUSR2, 7.5) && usr2_count == saved + 1 &&
			    fegetround() == FE_DOWNWARD && harmonic(1000) == before;
		nested_ran = 1;
	} else {
		clobber_fpu();
	}
}

static void on_usr2(int sig, siginfo_t *si, void *uc)
{
	stack_t cur;
	char local;

	(void)sig;
	(void)uc;
	usr2_count++;
	last_code = si->si_code;
	on_alt = &local >= altstack && &local < altstack + ALTSZ;
	ss_flag_onstack = sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_ONSTACK);
	clobber_fpu();
}

int main(void)
{
	struct sigaction sa;
	sigset_t set, pend;
	stack_t ss;
	double before;
	unsigned int mxcsr;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction SIGUSR1");
	CHECK(sigaction(SIGUSR1, NULL, &sa) == 0 && sa.sa_sigaction == on_usr1 && (sa.sa_flags & SA_SIGINFO),
	      "sigaction reads back");

	CHECK(raise(SIGUSR1) == 0, "raise");
	CHECK(usr1_count == 1 && last_signo == SIGUSR1 && last_code == SI_TKILL && last_pid_ok,
	      "raise delivers with SI_TKILL");
	printf("ok raise\n");
	CHECK(kill(getpid(), SIGUSR1) == 0, "kill self");
	CHECK(usr1_count == 2 && last_code == SI_USER && last_pid_ok, "kill delivers with SI_USER");
	printf("ok kill self\n");
	CHECK(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1) == 0, "tgkill");
	CHECK(usr1_count == 3 && last_code == SI_TKILL && last_pid_ok, "tgkill delivers with SI_TKILL");
	printf("ok tgkill self\n");

	/* blocked -> pending -> delivered on unblock */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "block SIGUSR1");
	CHECK(kill(getpid(), SIGUSR1) == 0, "kill while blocked");
	CHECK(usr1_count == 3, "blocked signal not delivered");
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1) == 1 && sigismember(&pend, SIGUSR2) == 0,
	      "sigpending shows SIGUSR1");
	CHECK(kill(getpid(), SIGUSR1) == 0, "second kill while blocked");
	CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0, "unblock");
	CHECK(usr1_count == 4, "unblock delivers exactly once (standard signals do not queue)");
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1) == 0, "nothing pending after unblock");
	printf("ok sigprocmask pending, delivered on unblock\n");

	/* sigaltstack */
	altstack = malloc(ALTSZ);
	CHECK(altstack != NULL, "malloc alt stack");
	ss.ss_sp = altstack;
	ss.ss_size = ALTSZ;
	ss.ss_flags = 0;
	CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack");
	CHECK(sigaltstack(NULL, &ss) == 0 && ss.ss_sp == altstack && ss.ss_size == ALTSZ &&
		      !(ss.ss_flags & SS_ONSTACK),
	      "sigaltstack reads back, not on it");
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr2;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0, "sigaction SIGUSR2");
	CHECK(raise(SIGUSR2) == 0, "raise SIGUSR2");
	CHECK(usr2_count == 1, "SIGUSR2 delivered");
	CHECK(on_alt, "handler's local variable lies in the alternate stack");
	CHECK(ss_flag_onstack, "sigaltstack reports SS_ONSTACK inside the handler");
	CHECK(sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_ONSTACK), "off the alt stack after return");
	printf("ok sigaltstack\n");

	/* registers and FPU state across a handler that clobbers them */
	fesetround(FE_UPWARD);
	before = harmonic(1000);
	mxcsr = __builtin_ia32_stmxcsr();
	CHECK(tgkill_keeps_registers(SIGUSR1, 1.5), "xmm0-15/r8-r10 kept across handler");
	CHECK(usr1_count == 5, "handler ran");
	CHECK(fegetround() == FE_UPWARD && __builtin_ia32_stmxcsr() == mxcsr, "rounding mode kept");
	CHECK(harmonic(1000) == before, "same double before and after the signal");
	fesetround(FE_TONEAREST);
	CHECK(harmonic(1000) != before, "rounding mode matters for the check");
	printf("ok registers and FPU state restored\n");

	/* nested: SIGUSR2 (on alt stack) inside the SIGUSR1 handler */
	fesetround(FE_UPWARD);
	before = harmonic(1000);
	nested_mode = 1;
	CHECK(tgkill_keeps_registers(SIGUSR1, 2.25), "outer registers kept across nested handlers");
	nested_mode = 0;
	CHECK(nested_ran && nested_ok, "inner state kept in the outer handler");
	CHECK(usr1_count == 6 && usr2_count == 2 && on_alt, "both handlers ran, inner one on the alt stack");
	CHECK(fegetround() == FE_UPWARD && harmonic(1000) == before, "outer FPU state kept");
	printf("ok nested handlers restore state\n");
	return 0;
}
