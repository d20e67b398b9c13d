// SPDX-License-Identifier: GPL-2.0
// Running an offloaded call so that a signal for the program's thread can
// interrupt it, with Linux's own restart rules (MCEXEC_INTERRUPT_SIGNAL in
// mcexec/abi.h, docs/mcexec.md "Signals").
//
// mcctrl sends MCEXEC_INTERRUPT_SIGNAL to the worker serving the call. Its
// handler (installed with SA_RESTART, so mcexec's own calls just go on) looks
// at where the worker is:
// - before the call's system call instruction: the call is cancelled and
//   answers -MCK_ERESTARTNOINTR (it never ran; the LWK runs it again after the
//   program's handler);
// - in the system call, which Linux is about to restart (RIP back on the
//   instruction and RCX, which the SYSCALL instruction loaded, the address after
//   it): Linux's -ERESTARTSYS; the call answers -MCK_ERESTARTSYS and the LWK
//   restarts it only if the program's handler has SA_RESTART;
// - a call Linux ends with EINTR whatever the handler (poll, nanosleep, ...)
//   returns -EINTR by itself; after it, the signal changes nothing.
// A per-thread flag covers the time between taking the call and reaching the
// instruction, and is cleared only before the worker asks for its next call
// (a signal sent for a call is delivered before its answer returns).
#pragma once

#include <csignal>
#include <cstdint>

namespace mcexec {

// Install the handler; once, before any worker runs. The same signal sent by
// anyone but mcctrl is handed to @foreign (async-signal-safe): the program's.
void interruptible_init(void (*foreign)(int sig, const siginfo_t& info));
// A worker is about to wait for its next call: forget earlier interruptions.
void interruptible_reset();
// Was this thread's current call interrupted already?
bool interruptible_pending();
// System call @nr with @args: its result (-errno), or -MCK_ERESTARTSYS or
// -MCK_ERESTARTNOINTR as above.
int64_t interruptible_syscall(uint64_t nr, const uint64_t args[6]);

} // namespace mcexec
