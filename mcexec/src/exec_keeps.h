// SPDX-License-Identifier: GPL-2.0
// What a thread's execve keeps besides its signals (mck_exec_keeps: its NUMA
// policy and CPU affinity), as mcexec passes it on to the new mcexec:
// --mempolicy MODE:FLAGS:NODES and --cpus MASK (docs/mcexec.md).
#pragma once

#include <mcexec/abi.h>

#include <optional>
#include <string>
#include <vector>

namespace mcexec {

// The options for the new mcexec: none for the default policy, nor for no
// CPUs or all @share_cpus of the share (what a new process has anyway).
std::vector<std::string> exec_keeps_args(const mck_exec_keeps& keeps, uint32_t share_cpus);

// --mempolicy MODE:FLAGS:NODES (MODE in decimal, FLAGS and NODES in hex; each
// empty: not given) and --cpus MASK (hex, CPU 0 of the share the lowest bit,
// up to MCK_CPU_WORDS * 64 CPUs) read back; nullopt and @error when either is
// not so written. The LWK checks what they mean (mcexec_setup.keeps).
std::optional<mck_exec_keeps> parse_exec_keeps(const std::string& mempolicy, const std::string& cpus,
                                               std::string* error);

} // namespace mcexec
