/* SPDX-License-Identifier: GPL-2.0 */
/*
 * McKernel's entry points: _start (from the IHK trampoline, with a boot stack,
 * %rdi = boot parameters, %esi = CPU index), the 256 interrupt stubs that build
 * a TrapFrame (arch/trap.h) for trap_dispatch(), the system call entry, the
 * way back to user mode, and the context switch.
 */
#define FRAME_CS 144
#define CPU_KSTACK 16
#define CPU_USER_RSP 24
#define USER_CS 0x2b
#define USER_SS 0x23
#define MSR_GS_BASE 0xc0000101
#define ENOSYS 38

	.macro POP_FRAME
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector, error */
	.endm

	.section .text.entry, "ax"
	.globl _start
_start:
	cli
	andq	$-16, %rsp
	call	mck_start		/* never returns */
1:	hlt
	jmp	1b

/* void mck_switch_stack(uint64_t sp, void (*fn)(void *), void *arg) */
	.text
	.globl mck_switch_stack
mck_switch_stack:
	movq	%rdi, %rsp
	movq	%rdx, %rdi
	xorl	%ebp, %ebp
	pushq	$0
	jmpq	*%rsi


	.macro stub v
	.balign 16
isr_\v:
	.if !((\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30))
	pushq	$0
	.endif
	pushq	$\v
	jmp	isr_common
	.endm

	.balign 16
	.globl mck_isr_table
isr_stubs:
	.altmacro
	.set v, 0
	.rept 256
	stub %v
	.set v, v + 1
	.endr

isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	testb	$3, FRAME_CS(%rsp)
	jz	1f
	/* From user mode: kernel GS, and leave through the user exit path. */
	swapgs
	movq	%rsp, %rdi
	call	trap_dispatch
	jmp	mck_return_to_user
	/*
	 * From kernel mode. GS is the user's where kernel mode began without a
	 * swapgs of ours (before the one in mck_syscall_entry, after the one on the
	 * way out, at the final iretq) and an NMI, a machine check or a fault came
	 * there: ask the MSR, as Linux's paranoid entry does. The user's GS base is
	 * below MCK_USER_END (arch_prctl checks it; CR4.FSGSBASE is off), ours is
	 * a kernel address. %rbx and %r12 survive the call (callee-saved).
	 */
1:	movl	$MSR_GS_BASE, %ecx
	rdmsr
	xorl	%ebx, %ebx
	testl	%edx, %edx
	js	2f
	swapgs
	movl	$1, %ebx
2:	movq	%rsp, %rdi
	movq	%rsp, %r12
	andq	$-16, %rsp
	call	trap_dispatch
	movq	%r12, %rsp
	testl	%ebx, %ebx
	jz	3f
	swapgs
3:	POP_FRAME
	iretq

/*
 * System calls. SYSCALL leaves the user RSP in place, so the entry switches to
 * the thread's kernel stack from the per-CPU block (arch/percpu.h) and builds
 * the same TrapFrame an interrupt does, with vector -1.
 */
	.globl mck_syscall_entry
mck_syscall_entry:
	swapgs
	movq	%rsp, %gs:CPU_USER_RSP
	movq	%gs:CPU_KSTACK, %rsp
	pushq	$USER_SS
	pushq	%gs:CPU_USER_RSP
	pushq	%r11			/* RFLAGS */
	pushq	$USER_CS
	pushq	%rcx			/* RIP */
	pushq	$0
	pushq	$-1
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	sti
	call	mck_syscall
	/* fall through */

/* Leave to user mode from the TrapFrame at %rsp: signals and rescheduling first. */
	.globl mck_return_to_user
mck_return_to_user:
	cli
	movq	%rsp, %rdi
	call	mck_exit_to_user	/* returns with interrupts off */
	swapgs
	POP_FRAME
	iretq

/*
 * SYSCALL from 32-bit compatibility mode (MSR_CSTAR). The LWK runs no 32-bit
 * programs: the answer is ENOSYS, as from a Linux built without IA32
 * emulation, and nothing else happens. The CPU is in kernel mode here on the
 * user's stack and GS, with interrupts off (MSR_FMASK): touch neither, and go
 * straight back (SYSRET to the 32-bit user CS of STAR, RIP = %ecx, RFLAGS = %r11).
 */
	.globl mck_syscall_compat_entry
mck_syscall_compat_entry:
	movl	$-ENOSYS, %eax
	sysretl

/* void mck_context_switch(uint64_t *save_sp, uint64_t new_sp): callee-saved registers only. */
	.globl mck_context_switch
mck_context_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

/* A new thread's first switch returns here, with its user TrapFrame above. */
	.globl mck_thread_entry
mck_thread_entry:
	call	mck_thread_first
	jmp	mck_return_to_user

/* The address of each stub, for the IDT. */
	.section .rodata
	.balign 8
mck_isr_table:
	.set v, 0
	.rept 256
	.quad	isr_stubs + 16 * v
	.set v, v + 1
	.endr

	.section .note.GNU-stack, "", @progbits
