// SPDX-License-Identifier: GPL-2.0
// What processes used, as getrusage, times and wait4 tell it. The LWK counts
// a process's CPU time, faults and context switches itself; what its children
// used is added when it reaps them, as on Linux: an ended process's usage
// (with that of the children it reaped) is kept until its parent's wait4 or
// waitid, which Linux runs (the children are its mcexec's), names its pid.
#pragma once

#include <kernel/process.h>

namespace mck {

// The process's own usage: its threads, running and ended.
Usage usage_of(Process* p);
// The last thread of @p ended: keep what it and its reaped children used.
void usage_exited(Process* p);

} // namespace mck
