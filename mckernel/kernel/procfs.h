// SPDX-License-Identifier: GPL-2.0
// The program's own /proc/self/{maps,stat,statm,status}: McKernel's half.
// mcexec knows the paths (it resolves every offloaded open) but not the
// process; McKernel knows the process. So mcexec answers an open of one of
// those files with -MCK_PROC_FILE_RETRY, and McKernel hands it a snapshot of
// the process to render (MCK_SYS_PROC_FILE in mcexec/abi.h, docs/mcexec.md).
#pragma once

#include <stdint.h>

namespace mck {

// The program's offloaded call @nr with @args answered @ret. If that is an
// open mcexec sent back for a snapshot, the descriptor it made from one (or
// -errno); else @ret itself.
int64_t procfs_answer(uint64_t nr, const uint64_t args[6], int64_t ret);

} // namespace mck
