// SPDX-License-Identifier: GPL-2.0
// mcexec's own reads and writes of the program's memory. They go through the
// unified mapping, where the program may have unmapped or protected a page
// at any moment (mcctrl then answers the fault with SIGBUS): a fault during
// one of these copies makes it fail instead of killing mcexec.
#pragma once

#include <signal.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace mcexec {

// Install the fault handler; once, before any worker starts. SIGSEGV and
// SIGBUS that another process sent are not faults: @pass_on (if any) gets
// them, in the handler (it must be async-signal-safe).
void user_memory_init(void (*pass_on)(int sig, const siginfo_t& info) = nullptr);

// False (nothing or part copied) if the range is not the program's or faults.
bool copy_from_program(void* dst, uint64_t src, size_t n);
bool copy_to_program(uint64_t dst, const void* src, size_t n);
// A NUL-terminated string of at most @max bytes: 0, -EFAULT or -ENAMETOOLONG.
int copy_string_from_program(std::string* out, uint64_t src, size_t max);

} // namespace mcexec
