// SPDX-License-Identifier: GPL-2.0
// The other ways into kernel mode an x86-64 program has (tests/security/test_lwk.sh,
// case 19): SYSCALL, SYSENTER and INT 0x80, each from 64-bit code and from 32-bit
// code reached by a far jump to the 32-bit user code segment; and INT3 (SIGTRAP). The LWK runs only
// 64-bit programs; what it must do is answer (ENOSYS) or signal (SIGSEGV, SIGILL)
// and go on. Before the LWK set MSR_CSTAR, "compat-syscall" entered its kernel
// mode at address 0 on the program's stack and took the whole node down.
//
// Prints "name: returned N" or "name: signal N" per way in; a signal handler
// (64-bit code) catches the signals, so it also shows the LWK delivers a signal
// raised in 32-bit mode to a 64-bit handler.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static sigjmp_buf back;

static void on_signal(int sig)
{
	siglongjmp(back, sig);
}

/* Code and a stack below 4 GiB, where 32-bit code can run. */
static uint8_t *low_page(void)
{
	for (uintptr_t a = 0x40000000; a < 0xf0000000; a += 0x10000000) {
		void *p = mmap((void *)a, 8192, PROT_READ | PROT_WRITE | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != MAP_FAILED)
			return p;
	}
	return NULL;
}

extern char entry_modes_back64[];

/*
 * In 32-bit mode at @lo: mov $20,%eax (getpid in the 32-bit ABI); the
 * instruction @insn; mov %eax,%esi; a far jump back to 64-bit code, which
 * returns to entry_modes_back64 with the 32-bit %eax in %esi.
 */
static long run_compat(uint8_t *lo, const uint8_t insn[2])
{
	uint16_t cs;
	asm("mov %%cs, %0" : "=r"(cs));
	/* Linux and the LWK: the 32-bit user code segment is 16 below the 64-bit one (STAR's layout). */
	uint16_t cs32 = cs - 16;
	uint8_t *p = lo;
	uint32_t v = 20, to64 = (uint32_t)(uintptr_t)(lo + 128), lo32 = (uint32_t)(uintptr_t)lo,
		 ptr64 = (uint32_t)(uintptr_t)(lo + 64);
	uint64_t back = (uint64_t)(uintptr_t)entry_modes_back64;

	*p++ = 0xb8, memcpy(p, &v, 4), p += 4;		/* mov $20, %eax */
	*p++ = insn[0], *p++ = insn[1];
	*p++ = 0x89, *p++ = 0xc6;			/* mov %eax, %esi */
	*p++ = 0xff, *p++ = 0x2d, memcpy(p, &ptr64, 4);	/* ljmp *ptr64 */
	memcpy(lo + 64, &to64, 4), memcpy(lo + 68, &cs, 2);
	p = lo + 128;					/* 64-bit again */
	*p++ = 0x48, *p++ = 0xb8, memcpy(p, &back, 8), p += 8; /* movabs $back, %rax */
	*p++ = 0xff, *p++ = 0xe0;			/* jmp *%rax */
	memcpy(lo + 96, &lo32, 4), memcpy(lo + 100, &cs32, 2); /* the far pointer in */

	uint32_t stack = (uint32_t)(uintptr_t)(lo + 8192 - 16);
	long esi;
	asm volatile("mov %%rsp, %%r12\n\t"
		     "mov %[stack], %%esp\n\t"
		     "ljmpl *(%[in])\n"
		     ".globl entry_modes_back64\n"
		     "entry_modes_back64:\n\t"
		     "mov %%r12, %%rsp"
		     : "=S"(esi)
		     : [stack] "r"(stack), [in] "r"(lo + 96)
		     : "rax", "rbx", "rcx", "rdx", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
		       "memory", "cc");
	return (int32_t)esi;
}

int main(void)
{
	static const struct {
		const char *name;
		uint8_t insn[2];
		int compat;
	} ways[] = {
		{ "syscall-32bit", { 0x0f, 0x05 }, 1 },
		{ "int80-32bit", { 0xcd, 0x80 }, 1 },
		{ "sysenter-32bit", { 0x0f, 0x34 }, 1 },
		{ "sysenter-64bit", { 0x0f, 0x34 }, 0 },
		{ "int80-64bit", { 0xcd, 0x80 }, 0 },
		{ "int3-64bit", { 0xcc, 0x90 }, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_NODEFER };
	uint8_t *lo = low_page();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!lo) {
		printf("no memory below 4 GiB\n");
		return 1;
	}
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
	for (unsigned i = 0; i < sizeof(ways) / sizeof(ways[0]); i++) {
		volatile unsigned k = i;
		int sig = sigsetjmp(back, 1);
		if (sig) {
			printf("%s: signal %s\n", ways[k].name,
			       sig == SIGSEGV ? "SEGV" : sig == SIGILL ? "ILL" : sig == SIGBUS ? "BUS" :
			       sig == SIGTRAP ? "TRAP" : "other");
			continue;
		}
		long r;
		if (ways[k].compat) {
			r = run_compat(lo, ways[k].insn);
		} else if (ways[k].insn[0] == 0xcc) {
			r = 0;
			asm volatile("int3" ::: "memory");
		} else if (ways[k].insn[0] == 0xcd) {
			r = 20;
			asm volatile("int $0x80" : "+a"(r)::"memory");
		} else {
			r = 20;
			asm volatile("sysenter" : "+a"(r)::"rcx", "r11", "memory");
		}
		printf("%s: returned %ld\n", ways[k].name, r);
	}
	printf("done\n");
	return 0;
}
