/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SIPI trampoline, copied to a page below 1 MiB. A CPU woken by SIPI starts
 * here in real mode with CS = page >> 4. It goes straight to long mode (PAE, LME,
 * then PE and PG together; the far jump lands in a 64-bit segment), switches to
 * the stack and entry in struct ihk_trampoline_data (ihk/boot.h) at offset 0xf00,
 * and calls entry(boot_param, cpu_index). The sender patches the GDT base and the
 * far jump target with the page's address.
 *
 * Kept in .rodata: it is data to the module and never runs at this address.
 */
#define DATA		0xf00
#define D_CR3		(DATA + 0x00)
#define D_STAGE		(DATA + 0x04)
#define D_ENTRY		(DATA + 0x08)
#define D_STACK		(DATA + 0x10)
#define D_PARAM		(DATA + 0x18)
#define D_CPU		(DATA + 0x20)
#define D_GDTR		(DATA + 0x40)
#define D_FAR		(DATA + 0x48)

	.section .rodata, "a"
	.balign 16
	.globl ihk_trampoline_start, ihk_trampoline_end, ihk_trampoline_code64
ihk_trampoline_start:
	.code16
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	movl	$16, D_STAGE
	movl	$0x20, %eax			/* CR4.PAE */
	movl	%eax, %cr4
	movl	D_CR3, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx		/* EFER: LME | NXE */
	rdmsr
	orl	$0x900, %eax
	wrmsr
	lgdtl	D_GDTR
	movl	$0x80010001, %eax		/* CR0: PG | WP | PE */
	movl	%eax, %cr0
	ljmpl	*D_FAR

	.code64
ihk_trampoline_code64:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	/* RIP-relative: the page's own data, wherever the page is. */
	movl	$64, ihk_trampoline_start + D_STAGE(%rip)
	movq	ihk_trampoline_start + D_STACK(%rip), %rsp
	movq	ihk_trampoline_start + D_PARAM(%rip), %rdi
	movl	ihk_trampoline_start + D_CPU(%rip), %esi
	movq	ihk_trampoline_start + D_ENTRY(%rip), %rax
	pushq	$0				/* no return address: a clean back-trace end */
	jmpq	*%rax
ihk_trampoline_end:
