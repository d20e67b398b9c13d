// SPDX-License-Identifier: GPL-2.0
// Core files. A program that dies of a signal whose default action dumps
// core (SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU,
// SIGXFSZ, SIGSYS) writes an ELF core file as Linux would: named by Linux's
// core_pattern, within RLIMIT_CORE, only if the process is dumpable. The
// dying thread writes it through ordinary offloaded calls (openat, pwrite64),
// so mcexec reads the program's memory as it reads any write's buffer, with
// the program's credentials and working directory. Meanwhile the process's
// other threads are held in the kernel (coredump_holds), so their registers
// and the memory stay as they were. See docs/lwk.md, "Core files".
#pragma once

#include <kernel/process.h>

namespace mck {

// Write @self's process's core for @sig (siginfo @info). True if a core
// file was made, even if RLIMIT_CORE cut it short (the wait status then has
// WCOREDUMP, as Linux's has once its dumper began writing). Call before the
// process is killed, with no lock held; another thread's fatal signal or a
// SIGKILL meanwhile ends the dump (false).
bool coredump(Thread* self, int sig, const SigInfo& info);

// Is another thread of @t's process writing a core? Then @t waits in the
// kernel (signal_park) until the process is killed.
bool coredump_holds(const Thread* t);

} // namespace mck
