// SPDX-License-Identifier: GPL-2.0
// Extended register state (x87, SSE, AVX, ...) of user threads. The kernel is
// built with -mgeneral-regs-only, so it never touches these registers itself:
// they are saved and restored only when a CPU switches between threads and
// around signal handlers.
#pragma once

#include <stdint.h>

namespace mck::arch {

// Bytes of one save area (64-byte aligned), valid once fpu_init() ran on the boot CPU.
uint32_t fpu_area_size();
// A save area in the power-on state (FCW 0x37f, MXCSR 0x1f80).
void fpu_init_area(void* area);
void fpu_save(void* area);
// Load the power-on state (a signal handler starts with it).
void fpu_reset();
// Make a save area that came from user space safe to restore (no #GP).
void fpu_sanitize(void* area);
void fpu_restore(const void* area);

} // namespace mck::arch
