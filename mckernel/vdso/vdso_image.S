/* SPDX-License-Identifier: GPL-2.0 */
/* The vDSO (vdso.so, built by CMake) inside the LWK image, page aligned: kernel/vdso.cpp maps copies of it. */
	.section .rodata.vdso, "a"
	.balign 4096
	.globl mck_vdso_image
mck_vdso_image:
	.incbin MCK_VDSO_SO
	.globl mck_vdso_image_end
mck_vdso_image_end:
	.section .note.GNU-stack, "", @progbits
