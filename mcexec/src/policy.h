// SPDX-License-Identifier: GPL-2.0
// What an offloaded call may name. mcexec runs the program's system calls in
// its own process, beside its own memory (everything at or above
// MCK_USER_END) and its own descriptors; these checks keep both out of the
// program's reach. Pure functions of the call's arguments, so they are
// unit-tested on the host (docs/security.md).
#pragma once

#include <string>
#include <vector>

#include <cstddef>
#include <cstdint>

namespace mcexec {

// mcexec's private addresses: from the end of the program's range to the end
// of user space (56 bits with 5-level paging). Below is the program's (or
// nothing); above, Linux refuses by itself.
constexpr uint64_t PRIVATE_START = 0x400000000000ull; // MCK_USER_END
constexpr uint64_t PRIVATE_END = 0x100000000000000ull; // user space with 5-level paging

// Descriptors the program must not see.
struct Reserved {
    int fds[2] = {-1, -1};
    bool has(int64_t fd) const { return int32_t(fd) >= 0 && (int32_t(fd) == fds[0] || int32_t(fd) == fds[1]); }
};

// Could a pointer argument reach mcexec's own memory?
inline bool is_private(uint64_t ptr) { return ptr >= PRIVATE_START && ptr < PRIVATE_END; }

// May [base, base + len) be handed to Linux? Empty ranges, ranges wholly below
// PRIVATE_START, and addresses Linux itself refuses (kernel, non-canonical) may.
bool range_allowed(uint64_t base, uint64_t len);

// Is [base, base + len) inside the program's range (the unified mapping)?
bool in_program(uint64_t base, uint64_t len);

// The argument kinds of call @nr ("p" pointer, "f" descriptor, "a" maybe a
// pointer, "." other); nullptr for numbers the table (Linux 6.1 and the
// later calls gen_syscall_shapes.py lists) does not know.
const char* call_shape(uint64_t nr);

// 0 if call @nr may run with @args as far as its direct arguments go, else
// -EBADF (names a reserved descriptor) or -EFAULT (points into mcexec).
int64_t check_call(uint64_t nr, const uint64_t args[6], const Reserved& reserved);

// Nested pointers: a structure an argument points to that holds further
// pointers Linux follows (setsockopt's struct sock_fprog, pselect6's sigset
// pair, ...; docs/security.md lists them). mcexec copies the structure with
// @read, checks the pointers in its copy and hands Linux the copy (argument
// @arg replaced by it), so no other thread of the program can change them
// after the check; when Linux writes the structure, mcexec copies the first
// @write_back bytes back.
struct NestedCopy {
    int arg = -1; // -1: the call holds no nested pointer, run it as it is
    std::vector<unsigned char> bytes;
    size_t write_back = 0;
};
using ProgramReader = bool (*)(void* dst, uint64_t src, size_t n);

// 0, with @out filled when a copy is to be used; or -EFAULT (a nested pointer
// into mcexec, or the structure unreadable) or -EPERM (bpf, refused whole).
int64_t check_nested(uint64_t nr, const uint64_t args[6], ProgramReader read, NestedCopy* out);

// Does MCEXEC_LINUX_PROGRAMS-style @list (':'-separated; a name matches the
// basename, an entry with '/' the same file, however either path reaches it,
// symbolic links followed: /bin/x and /usr/bin/x on a merged /usr, /bin/sh and
// /usr/bin/dash) name @path? Then exec runs it on Linux.
bool runs_on_linux(const std::string& list, const std::string& path);

} // namespace mcexec
