// SPDX-License-Identifier: GPL-2.0
// The program's credentials, the same in every thread of mcexec. Linux keeps
// credentials per thread; the threads of a process agree only because the C
// library's set*id wrappers change them in every thread. Any of mcexec's
// workers may run the program's next call, so a change the program makes
// (set*id, setgroups, setfsuid, setfsgid, capset, prctl's securebits,
// keep-caps, no-new-privileges, bounding and ambient sets, and the persona of personality(2), which is per thread
// too) runs in the worker that serves it and then, before the answer goes
// back, in every other thread of mcexec, by a signal of mcexec's own
// (CREDENTIALS_SIGNAL) as those wrappers do. Unlike them, mcexec never aborts
// when the answers differ, and threads never drift apart: a capset that drops
// CAP_SETUID holds in every thread before the next setuid. An execve, by
// whichever worker runs it, keeps them.
#pragma once

#include <csignal>
#include <cstdint>
#include <optional>

namespace mcexec {

// SIGRTMIN + 4 with glibc, after MCEXEC_INTERRUPT_SIGNAL: mcexec's own when
// one of its threads sends it to another (tgkill from its own pid); the same
// number from anyone else is the program's.
constexpr int CREDENTIALS_SIGNAL = 38;

// Before mcexec has threads: the signal's handler, which hands the number
// sent by anyone else to @foreign (async-signal-safe). False if the C
// library keeps the number for itself.
bool credentials_init(void (*foreign)(int sig, const siginfo_t& info));
// In a fork child of mcexec: another thread may have been in the middle of
// a change when the parent forked, holding the lock the child's first change
// would wait on for good.
void credentials_after_fork();
// Run system call @nr with @args in this thread and, if it succeeds here, in
// every other thread of mcexec before returning (the broadcast above, for
// other per-thread state: sched_attrs.h); -errno if it failed here. Memory
// that @args point to must stay valid until it returns.
int64_t run_in_every_thread(long nr, const long args[5]);
// A call that changes credentials, run for the whole process, or capget;
// nullopt for other calls. @tid: the program's calling thread (its LWK tid).
std::optional<int64_t> credentials_call(uint64_t nr, const uint64_t args[6], uint32_t tid);

} // namespace mcexec
