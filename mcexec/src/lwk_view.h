// SPDX-License-Identifier: GPL-2.0
// The LWK's view of the machine, as the program sees it under mcexec.
//
// The program runs on a share of an LWK instance: CPUs it numbers 0..n-1
// (sched_getaffinity, getcpu, sched_setaffinity on the LWK) and some memory
// per NUMA node. The files that describe the machine (/proc/cpuinfo,
// /proc/meminfo, /proc/stat, /sys/devices/system/{cpu,node}, /proc/self/status
// and a few more of /proc/self) are Linux's, where the LWK's CPUs are offline.
// mcexec generates the share's versions of those files in a private directory
// (lwk_view_tree.h) and opens those instead when an offloaded call names one.
//
// This header is the pure part: what the files say and which paths are
// redirected, functions of their inputs only, unit-tested on the host
// (tests/unit/mcexec/lwk_view_test.cpp). docs/mcexec.md, "The machine the
// program sees".
#pragma once

#include <mcexec/abi.h>
#include <sys/sysinfo.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mcexec::view {

// One CPU of the share: the program's CPU i is Share::cpus[i].
struct Cpu {
    uint32_t linux_cpu = 0; // Linux's number (offline while the LWK has it)
    uint32_t apic_id = 0;
    int node = 0;           // Linux's NUMA node; the view keeps Linux's node numbers
};

struct NodeMem {
    int node = 0;
    uint64_t bytes = 0;
};

// What the program has of the instance.
struct Share {
    std::vector<Cpu> cpus;     // program CPU order
    std::vector<NodeMem> mem;  // ascending nodes, no empty ones
    uint64_t mem_total() const;
    std::vector<int> nodes() const; // with CPUs or memory, ascending
};

// The instance as libihk reports it (CPUs ascending, memory extents), and the
// share mcexec asked for (mcexec_create: cpu_first, cpu_count 0 = all,
// mem_limit 0 = no limit). With a limit each node gets its part of it in
// proportion to what the instance has there, in whole 4 KiB pages.
struct InstanceCpu {
    uint32_t linux_cpu = 0, apic_id = 0;
    int node = 0;
};
struct InstanceMem {
    uint64_t bytes = 0;
    int node = 0;
};
Share make_share(const std::vector<InstanceCpu>& cpus, const std::vector<InstanceMem>& mem, uint32_t cpu_first,
                 uint32_t cpu_count, uint64_t mem_limit);

// How an APIC id splits into package, core and thread (x86 CPUID leaf 0xB):
// the low smt_bits select the thread, the bits up to pkg_bits the core.
struct ApicLayout {
    unsigned smt_bits = 0;
    unsigned pkg_bits = 0;
};
struct Placement {
    uint32_t package = 0, core = 0;
};
Placement place(uint32_t apic_id, ApicLayout layout);

// Linux's formats: "0-3,5" (cpulist) and "%*pb" bit masks ("f", "00000001,00000000"):
// 32-bit groups, most significant first, the first one as wide as @nbits needs.
std::string list_string(const std::vector<unsigned>& sorted);
std::string mask_string(const std::vector<unsigned>& bits, unsigned nbits);

// Linux's own texts the generated files start from (read at mcexec's start).
struct LinuxTexts {
    std::string cpuinfo;          // /proc/cpuinfo
    std::string meminfo;          // /proc/meminfo
    std::string stat;             // /proc/stat
    std::string node_online;      // /sys/devices/system/node/online ("" on a kernel without NUMA)
    std::vector<std::string> distance; // distance row of each node of node_online, same order
};

// /proc/cpuinfo: one entry per CPU of the share, numbered 0..n-1, each a copy of
// Linux's first entry with the numbers of that CPU (processor, physical id,
// siblings, core id, cpu cores, apicid, initial apicid).
std::string cpuinfo(const std::string& linux_cpuinfo, const Share& share, ApicLayout layout);
// /proc/meminfo: Linux's keys; MemTotal is the share's memory, MemFree and
// MemAvailable what of it is @free (all of it in the tree's placeholder; the
// LWK's figure when the program opens the file), every other size 0 but
// Hugepagesize (LWK memory is not Linux's page cache, swap or slab).
std::string meminfo(const std::string& linux_meminfo, uint64_t total, uint64_t free);
// /proc/stat: cpu lines for the share's n CPUs (times 0: the LWK does not count
// them per CPU), Linux's other lines as they are.
std::string stat(const std::string& linux_stat, unsigned ncpus);
// /sys/devices/system/node/nodeN/meminfo.
std::string node_meminfo(int node, uint64_t bytes);
// /proc/self/limits: Linux's (mcexec's own) with the limits the LWK keeps for
// the program instead of mcexec's: address space, data, stack, CPU time
// (@program, by MCK_RLIMIT_*; ~0 is unlimited).
std::string limits(const std::string& linux_limits, const mck_rlimit (&program)[MCK_RLIMITS]);
// /proc/self/status of mcexec made the program's: Name, Cpus_allowed(_list)
// and Mems_allowed(_list) (as wide as Linux prints them).
std::string status(const std::string& linux_status, const Share& share, const std::string& comm);

// sysinfo(2) as the program sees it: Linux's answer @linux with the memory
// fields those of /proc/meminfo above (the share's @total, all of it free:
// McKernel puts its own freeram in; no swap, no high memory), in bytes
// (mem_unit 1). Uptime, loads and the number of processes stay Linux's.
struct sysinfo lwk_sysinfo(const struct sysinfo& linux, uint64_t total);

// One entry of the generated tree; paths are relative ("sys/devices/system/cpu/online").
struct Entry {
    enum Kind { Dir, File, Link } kind;
    std::string path;
    std::string content; // File: the bytes; Link: the target
};
// The machine's files: /proc/{cpuinfo,meminfo,stat}, /sys/devices/system/cpu,
// /sys/devices/system/node, /sys/bus/{cpu,node}/devices. Parents come first.
std::vector<Entry> machine_entries(const Share& share, ApicLayout layout, const LinuxTexts& linux_texts);
// The program's files of /proc/self: cmdline, environ, comm; status, maps,
// stat, statm (placeholders: they are made when opened).
std::vector<Entry> program_entries(const std::vector<std::string>& args, const std::vector<std::string>& env,
                                   const std::string& comm);
// What Linux shows as the comm of a program: its file name, 15 bytes at most.
std::string comm_of(const std::string& path);

// "/a//b/./c/../d" -> "/a/b/d", lexically (symlinks are not followed; ".." of
// "/" is "/"). @path must be absolute.
std::string normalize(std::string_view path);

// Where a normalized absolute path goes.
enum class Redirect {
    None,   // Linux's file
    Tree,   // the generated file at Target::rel
    Status, // /proc/self/status: generated when opened (the tree has a placeholder)
    Exe,    // /proc/self/exe: the program's file
    Maps,   // /proc/self/maps, stat, statm: made from the LWK process when
    Stat,   // opened (lwk_proc.h; the tree has placeholders for stat(2))
    Statm,
    TaskDir, // /proc/self/task: a directory of the LWK process's thread ids, made when opened
    Meminfo, // /proc/meminfo: its free memory is the LWK's when opened (the tree has a placeholder)
    Limits,  // /proc/self/limits: the program's limits where the LWK keeps them, made when opened
};
struct Target {
    Redirect kind = Redirect::None;
    std::string rel; // for Tree, Status, Maps, Stat, Statm: the path inside the tree
    uint64_t tid = 0;         // .../task/<tid>/...: that thread (not checked here)
    bool thread_self = false; // /proc/thread-self/...: the calling thread
    uint32_t pid = 0;         // Maps, Stat, Statm, Status of /proc/<pid>/ of
                              // another process (0: ours), which may be an LWK process
};
// @self_pid: mcexec's pid, which is the program's; /proc/<it>, /proc/self,
// /proc/thread-self and their task/<tid>/ are the program's.
Target map_path(std::string_view normalized, int self_pid);

} // namespace mcexec::view
