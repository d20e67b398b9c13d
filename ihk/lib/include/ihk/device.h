// SPDX-License-Identifier: LGPL-2.1-or-later
// Typed access to /dev/mcd0 (the reserved pool) and /dev/mcosN (OS instances).
// Every call returns a Result whose error message names the refused value and
// why, from the kernel's err_index/err_reason.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <ihk/parse.h>
#include <ihk/result.h>
#include <ihk/unique_fd.h>

namespace ihk {

struct CpuInfo {
    uint32_t cpu = 0;
    uint32_t hw_id = 0; // APIC id on x86
    int numa_node = 0;
    int os_index = -1; // -1: in the pool
};

struct MemExtent {
    uint64_t phys = 0;
    uint64_t size = 0;
    int numa_node = 0;
    int os_index = -1; // -1: in the pool
};

enum class OsStatus { Inactive, Booting, Running, Shutdown, Panic, Hungup };
std::string_view to_string(OsStatus status);

// Bytes per NUMA node, ascending: what "ihkconfig 0 query mem" prints.
std::vector<MemChunk> mem_per_node(const std::vector<MemExtent>& extents);
std::vector<uint32_t> cpu_numbers(const std::vector<CpuInfo>& cpus);

class Device {
public:
    // /dev/mcd<index>; root only.
    static Result<Device> open(int index = 0);

    Result<void> reserve_cpus(const std::vector<uint32_t>& cpus);
    Result<void> release_cpus(const std::vector<uint32_t>& cpus);
    Result<std::vector<CpuInfo>> query_cpus();
    Result<void> reserve_mem(const std::vector<MemChunk>& chunks);
    Result<void> release_mem(const std::vector<MemChunk>& chunks);
    Result<std::vector<MemExtent>> query_mem();
    Result<int> create_os();
    Result<void> destroy_os(int os_index);
    Result<std::vector<int>> os_instances();

private:
    explicit Device(UniqueFd fd) : m_fd(std::move(fd)) {}
    UniqueFd m_fd;
};

class Os {
public:
    // /dev/mcos<index>.
    static Result<Os> open(int index);
    // Instance @index through a copy of @fd, a descriptor of /dev/mcos<index>
    // opened before (EINVAL if it is not one): a holder that may no longer
    // open the file keeps what it opened, as with any Linux descriptor.
    static Result<Os> from_fd(int fd, int index);

    int index() const { return m_index; }
    Result<void> assign_cpus(const std::vector<uint32_t>& cpus);
    Result<void> release_cpus(const std::vector<uint32_t>& cpus);
    Result<std::vector<CpuInfo>> query_cpus();
    Result<void> assign_mem(const std::vector<MemChunk>& chunks);
    Result<void> release_mem(const std::vector<MemChunk>& chunks);
    Result<std::vector<MemExtent>> query_mem();
    Result<void> set_ikc_map(const std::vector<IkcPair>& pairs);
    Result<std::vector<IkcPair>> ikc_map();
    Result<void> set_kargs(std::string_view kargs);
    Result<std::string> kargs();
    Result<OsStatus> status();
    // Read an LWK image file and hand it to the instance.
    Result<void> load(const std::string& path);
    // Boot and wait (bounded) for RUNNING; 0: the module's boot_timeout_ms.
    Result<void> boot(uint32_t timeout_ms = 0);
    Result<void> shutdown();
    Result<std::string> kmsg();
    Result<void> clear_kmsg();

    struct PingStats {
        uint32_t count = 0;
        uint64_t min_ns = 0, max_ns = 0, total_ns = 0;
    };
    // IKC round trips with LWK CPU @cpu_index; @poll: Linux spins for answers.
    Result<PingStats> ikc_ping(uint32_t cpu_index, uint32_t count, bool poll = false);

    // What the LWK did since it booted (IHK_OS_GET_RUSAGE; ihkosctl N get rusage).
    struct CpuUsage {
        uint32_t linux_cpu = 0;
        uint32_t state = 0; // 0 kernel, 1 idle, 2 user
        uint64_t user_ns = 0, kernel_ns = 0, idle_ns = 0, kernel_entries = 0;
        uint64_t syscalls = 0, exceptions = 0, interrupts = 0;
    };
    struct Usage {
        uint64_t uptime_ns = 0, mem_total = 0, mem_used = 0, mem_peak = 0;
        uint32_t processes = 0, processes_peak = 0, threads = 0, threads_peak = 0;
        uint64_t processes_started = 0, offloads = 0, page_faults = 0;
        uint64_t page_tables = 0, page_tables_peak = 0; // bytes
        std::vector<CpuUsage> cpus;
    };
    Result<Usage> rusage();

private:
    Os(UniqueFd fd, int index) : m_fd(std::move(fd)), m_index(index) {}
    UniqueFd m_fd;
    int m_index;
};

} // namespace ihk
