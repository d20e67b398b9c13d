// SPDX-License-Identifier: GPL-2.0
// The program's scheduling attributes (policy, real-time priority, nice
// value, deadline parameters), the same in every thread of mcexec. Linux
// keeps them per thread; the program's calls on itself are served by any of
// mcexec's workers, so a sched_setscheduler, sched_setparam, sched_setattr or
// setpriority(PRIO_PROCESS) that names the calling thread (0, or its LWK
// tid) runs in the worker that serves it and then, with the state it left,
// in every other thread of mcexec (run_in_every_thread), and a later
// sched_getscheduler, sched_getparam, sched_getattr, getpriority or
// sched_rr_get_interval reads them from mcexec's main thread. That thread is
// the one Linux names by the program's pid, so a change from outside
// (`renice -p`, `chrt -p`, another LWK process's setpriority) reaches it
// alone: the program reads it there, and a worker takes it on before it forks
// or runs a new image for the program, so children and new images inherit it
// as on Linux. Linux decides, as for its own threads: the permission checks
// (RLIMIT_NICE, RLIMIT_RTPRIO, CAP_SYS_NICE) and the errors are its own. The
// LWK's scheduler does not act on them: its CPUs run one thread each.
#pragma once

#include <cstdint>
#include <optional>

namespace mcexec {

// A scheduling call on the calling thread: its answer; nullopt for other
// calls and for other targets (other processes, left to Linux as they are).
// @tid: the program's calling thread (its LWK tid).
std::optional<int64_t> sched_attrs_call(uint64_t nr, const uint64_t args[6], uint32_t tid);
// In a fork child of mcexec: the lock another thread may have held at the fork.
void sched_attrs_after_fork();
// Before a fork or an execve for the program: the calling worker takes the
// attributes of mcexec's main thread (as far as Linux lets it).
void sched_attrs_take_main();

} // namespace mcexec
