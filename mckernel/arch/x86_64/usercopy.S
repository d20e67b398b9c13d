/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Access to user memory that may fault. Each instruction that touches user
 * memory has an entry in __ex_table (fault address, where to continue); the
 * trap handler (trap.cpp) maps a demand page if it can, or else resumes at
 * the continuation, which reports the failure. Callers check the range is
 * the program's first (kernel/uaccess.cpp).
 */
	.text

/* uint64_t mck_user_copy(void *dst, const void *src, uint64_t n): bytes not copied. */
	.globl mck_user_copy
mck_user_copy:
	movq	%rdx, %rcx
1:	rep movsb
	xorl	%eax, %eax
	ret
2:	movq	%rcx, %rax		/* what is left when the fault hit */
	ret

/* int mck_user_load32(uint32_t *dst, const uint32_t *src): 0 or -EFAULT; one atomic load. */
	.globl mck_user_load32
mck_user_load32:
3:	movl	(%rsi), %eax
	movl	%eax, (%rdi)
	xorl	%eax, %eax
	ret
4:	movl	$-14, %eax
	ret

	.section __ex_table, "a"
	.balign 8
	.quad	1b, 2b
	.quad	3b, 4b
	.previous

	.section .note.GNU-stack, "", @progbits
