// SPDX-License-Identifier: GPL-2.0
// Offloading a system call to Linux: the calling thread fills its offload
// block (mcexec/abi.h), tells mcctrl through its CPU's IKC ring and blocks
// until mcctrl marks the block DONE and rings our doorbell. mcexec runs the
// call with the program's pointers, which the unified address space resolves.
#pragma once

#include <stdint.h>

namespace mck {

// Run system call @nr on Linux; its result or -errno. -EINTR if the process
// is being torn down meanwhile.
int64_t offload(uint64_t nr, const uint64_t args[6]);

} // namespace mck
