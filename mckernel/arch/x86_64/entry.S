/* SPDX-License-Identifier: GPL-2.0 */
/*
 * McKernel's entry points: _start (from the IHK trampoline, with a boot stack,
 * %rdi = boot parameters, %esi = CPU index), the 256 interrupt stubs that build
 * a TrapFrame (arch/trap.h) for trap_dispatch(), and a stack switch.
 */
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
	movq	%rsp, %rdi
	movq	%rsp, %rbx
	andq	$-16, %rsp
	cld
	call	trap_dispatch
	movq	%rbx, %rsp
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
	iretq

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
