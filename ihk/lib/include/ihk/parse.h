// SPDX-License-Identifier: LGPL-2.1-or-later
// Parsers and formatters for the notations users type: CPU lists ("1-7,9-15"),
// memory specs ("4G@0,all@1") and IKC maps ("2-3:0+4-5:1").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <ihk/result.h>

namespace ihk {

// Highest CPU number a list may name (Linux's NR_CPUS limit on x86-64).
inline constexpr uint32_t MAX_CPU = 8191;
// IHK_MEM_ALL / IHK_NUMA_ALL of the ABI.
inline constexpr uint64_t MEM_ALL = ~uint64_t{0};
inline constexpr int NUMA_ALL = -1;
inline constexpr int MAX_NUMA_NODE = 1023;

struct MemChunk {
    uint64_t size = 0; // bytes, or MEM_ALL
    int numa_node = 0; // or NUMA_ALL (only with MEM_ALL)
    bool operator==(const MemChunk&) const = default;
};

struct IkcPair {
    uint32_t lwk_cpu = 0;
    uint32_t linux_cpu = 0;
    bool operator==(const IkcPair&) const = default;
};

// "1-3,5" -> {1,2,3,5}, in the order given. Rejects empty items, reversed or
// duplicated CPUs, and numbers above MAX_CPU.
Result<std::vector<uint32_t>> parse_cpu_list(std::string_view text);
// {1,2,3,5} -> "1-3,5" (sorted).
std::string format_cpu_list(std::vector<uint32_t> cpus);

// "512M" -> bytes. Suffixes K, M, G, T (powers of 1024, case-insensitive, an
// optional trailing "B" or "iB"). Rejects zero digits, junk and overflow.
Result<uint64_t> parse_size(std::string_view text);
// 536870912 -> "512M": the largest suffix that divides evenly.
std::string format_size(uint64_t bytes);
// "512M@0,all@1,all". SIZE needs @NUMA; a bare "all" means every node.
Result<std::vector<MemChunk>> parse_mem_spec(std::string_view text);
// {512M@0} -> "536870912@0"; bytes, as ihkconfig always printed them.
std::string format_mem_chunks(const std::vector<MemChunk>& chunks);

// "2-3:0+4-5:1": LWK CPUs 2-3 talk to Linux CPU 0, 4-5 to 1.
Result<std::vector<IkcPair>> parse_ikc_map(std::string_view text);
std::string format_ikc_map(std::vector<IkcPair> pairs);

} // namespace ihk
