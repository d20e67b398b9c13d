// SPDX-License-Identifier: GPL-2.0
// The program's credentials, the same in every worker. Linux keeps
// credentials per thread; the threads of a process agree only because the C
// library's set*id wrappers change them in every thread. Any of mcexec's
// workers may run the program's next call, so a program that drops root must
// have dropped it in all of them: set*id and setgroups go through those
// wrappers, and what the C library changes in one thread only (setfsuid,
// setfsgid, capset) is recorded and applied by each worker before its next
// call (credentials_sync). The persona of personality(2) is per thread too,
// and handled the same way: an execve, by whichever worker runs it, keeps it.
#pragma once

#include <cstdint>
#include <optional>

namespace mcexec {

// A call that changes credentials, run for the whole process; nullopt for other calls.
std::optional<int64_t> credentials_call(uint64_t nr, const uint64_t args[6]);
// Before a worker runs a call: take the credentials another worker changed last.
void credentials_sync();

} // namespace mcexec
