// SPDX-License-Identifier: GPL-2.0
// The program's limits of memory the LWK allocates (RLIMIT_AS, RLIMIT_DATA,
// RLIMIT_STACK) and of its CPU time there (RLIMIT_CPU). The LWK keeps and
// enforces them (abi.h, MCK_RLIMIT_*); they never apply to mcexec, whose own
// address space holds the program's whole range and whose CPU time is not the
// program's. mcexec starts the program with its own limits (or those an execve
// passes on, --rlimits), decides whether the program may raise a hard limit,
// and passes the current ones on when the program calls execve.
#pragma once

#include <mcexec/abi.h>

#include <sys/resource.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mcexec {

// At start: mcexec's own limits, or @passed ("--rlimits" text: AS, DATA,
// STACK and optionally CPU as CUR:MAX each, comma-separated; "inf" for no
// limit; CPU mcexec's own if not given), which may be no more than mcexec's
// own hard limits unless it has CAP_SYS_RESOURCE. Empty string on success,
// else what is wrong. Raises mcexec's own soft RLIMIT_CPU to its hard one.
std::string program_limits_init(const std::string& passed);
// The limits for the LWK (MCEXEC_SETUP).
void program_limits_to(mck_rlimit (&out)[MCK_RLIMITS]);
// The "--rlimits" text of the current limits, for an execve.
std::string program_limits_text();
// MCK_SYS_RLIMIT(which, cur, max): 0, -EPERM (hard limit raised without
// CAP_SYS_RESOURCE) or -EINVAL.
int64_t program_limits_change(const uint64_t args[6]);
// In a fork child (one thread): forget the parent's other threads' lock.
void program_limits_after_fork();
// What an execve's arguments and environment may take, strings and pointers
// together, as Linux's bprm_stack_limits: a quarter of the program's soft
// RLIMIT_STACK, at most 6 MiB (three quarters of _STK_LIM), at least 128 KiB
// (ARG_MAX); past it E2BIG.
uint64_t program_arg_max();

// Linux's longest string of an execve, its NUL included (MAX_ARG_STRLEN).
constexpr size_t MAX_ARG_STRLEN = 32 * 4096;
// Linux's accounting of an execve's strings (Linux 6.1's bprm_stack_limits
// and copy_strings): @max bytes (program_arg_max()) less one pointer per
// argument (one at least: with none, Linux passes "") and per variable, then
// each string taken with its NUL, in Linux's order (the file name as the
// caller named it, the environment, the arguments), at most MAX_ARG_STRLEN
// each, while room lasts. -E2BIG past either.
class ExecStringRoom {
public:
    ExecStringRoom(uint64_t max, size_t argc, size_t envc);
    // -E2BIG if the pointers alone take the room.
    int error() const { return m_error; }
    // A string of @len characters (and its NUL): 0 or -E2BIG.
    int take(size_t len);

private:
    uint64_t m_left = 0;
    int m_error = 0;
};
// The same for strings already in hand: 0 or -E2BIG.
int exec_strings_fit(uint64_t max, const std::string& filename, const std::vector<std::string>& argv,
                     const std::vector<std::string>& envp);

// mcexec's own soft RLIMIT_STACK raised, if its hard one allows, so that
// Linux's execve takes @bytes of strings and pointers (a new mcexec has more
// than the program's: its own options); put back when the object goes (the
// execve failed).
class ExecArgRoom {
public:
    explicit ExecArgRoom(uint64_t bytes);
    ~ExecArgRoom();
    ExecArgRoom(const ExecArgRoom&) = delete;
    ExecArgRoom& operator=(const ExecArgRoom&) = delete;

private:
    rlimit m_old{};
    bool m_changed = false;
};

// For an execve of a program that runs on Linux (MCEXEC_LINUX_PROGRAMS):
// mcexec's own soft RLIMIT_AS, RLIMIT_DATA and RLIMIT_STACK become the
// program's (at most mcexec's hard limits), so the new image has them, the
// size and place of its stack included; put back when the object goes (the
// execve failed). Soft limits only: a hard one lowered could not be raised
// again, so the Linux program keeps mcexec's hard limits.
class LinuxExecLimits {
public:
    LinuxExecLimits();
    ~LinuxExecLimits();
    LinuxExecLimits(const LinuxExecLimits&) = delete;
    LinuxExecLimits& operator=(const LinuxExecLimits&) = delete;

private:
    static constexpr int COUNT = 3; // MCK_RLIMIT_AS, DATA, STACK
    rlimit m_old[COUNT]{};
    bool m_changed[COUNT]{};
};

} // namespace mcexec
