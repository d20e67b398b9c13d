// SPDX-License-Identifier: LGPL-2.1-or-later
// Typed ioctl wrappers for /dev/mcd0 and /dev/mcosN.
#include <ihk/device.h>
#include <ihk/errors.h>

#include <ihk/boot.h>
#include <uapi/ihk/ihk.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

namespace ihk {
namespace {

template <typename T>
__u64 user_ptr(const T* p)
{
    return reinterpret_cast<uintptr_t>(p);
}

Error errno_error(int err) { return make_error(err, std::strerror(err)); }

Result<UniqueFd> open_path(const std::string& path, int flags)
{
    UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
    if (!fd)
        return make_error(errno, open_error_message(path, errno));
    return fd;
}

Result<void> cpu_list_call(int fd, unsigned long cmd, const std::vector<uint32_t>& cpus, Subject subject)
{
    if (cpus.size() > IHK_MAX_LIST)
        return make_error(E2BIG, refusal_message(subject, IHK_ERR_TOO_MANY, E2BIG, ""));
    ihk_cpu_list req{};
    req.cpus = user_ptr(cpus.data());
    req.num_cpus = static_cast<uint32_t>(cpus.size());
    if (::ioctl(fd, cmd, &req) == 0)
        return {};
    int err = errno;
    std::string item = req.err_index < cpus.size() ? std::to_string(cpus[req.err_index]) : "";
    return make_error(err, refusal_message(subject, req.err_reason, err, item));
}

std::string chunk_text(const MemChunk& c)
{
    return format_size(c.size) + (c.numa_node == NUMA_ALL ? "" : "@" + std::to_string(c.numa_node));
}

Result<void> mem_list_call(int fd, unsigned long cmd, const std::vector<MemChunk>& chunks, Subject subject)
{
    if (chunks.size() > IHK_MAX_MEM_CHUNKS)
        return make_error(E2BIG, refusal_message(subject, IHK_ERR_TOO_MANY, E2BIG, ""));
    std::vector<ihk_mem_req> raw(chunks.size());
    for (size_t i = 0; i < chunks.size(); i++)
        raw[i] = {chunks[i].size, chunks[i].numa_node, 0};
    ihk_mem_list req{};
    req.chunks = user_ptr(raw.data());
    req.num_chunks = static_cast<uint32_t>(raw.size());
    if (::ioctl(fd, cmd, &req) == 0)
        return {};
    int err = errno;
    std::string item = req.err_index < chunks.size() ? chunk_text(chunks[req.err_index]) : "";
    return make_error(err, refusal_message(subject, req.err_reason, err, item));
}

// Query calls report how many entries exist; grow the buffer until all fit.
template <typename Raw, typename Req>
Result<std::vector<Raw>> query_all(int fd, unsigned long cmd, __u64 Req::*buf_field)
{
    std::vector<Raw> raw;
    for (;;) {
        Req req{};
        req.*buf_field = user_ptr(raw.data());
        req.capacity = static_cast<uint32_t>(raw.size());
        if (::ioctl(fd, cmd, &req) != 0)
            return errno_error(errno);
        if (req.count <= raw.size()) {
            raw.resize(req.count);
            return raw;
        }
        raw.resize(req.count);
    }
}

Result<std::vector<CpuInfo>> query_cpus(int fd, unsigned long cmd)
{
    auto raw = query_all<ihk_cpu_info, ihk_cpu_query>(fd, cmd, &ihk_cpu_query::cpus);
    if (!raw)
        return raw.error();
    std::vector<CpuInfo> cpus;
    for (const auto& r : *raw)
        cpus.push_back({r.cpu, r.hw_id, r.numa_node, r.os_index});
    return cpus;
}

Result<std::vector<MemExtent>> query_mem(int fd, unsigned long cmd)
{
    auto raw = query_all<ihk_mem_extent, ihk_mem_query>(fd, cmd, &ihk_mem_query::extents);
    if (!raw)
        return raw.error();
    std::vector<MemExtent> extents;
    for (const auto& r : *raw)
        extents.push_back({r.phys, r.size, r.numa_node, r.os_index});
    return extents;
}

} // namespace

std::string_view to_string(OsStatus status)
{
    switch (status) {
    case OsStatus::Inactive:
        return "INACTIVE";
    case OsStatus::Booting:
        return "BOOTING";
    case OsStatus::Running:
        return "RUNNING";
    case OsStatus::Shutdown:
        return "SHUTDOWN";
    case OsStatus::Panic:
        return "PANIC";
    case OsStatus::Hungup:
        return "HUNGUP";
    }
    return "UNKNOWN";
}

std::vector<MemChunk> mem_per_node(const std::vector<MemExtent>& extents)
{
    std::map<int, uint64_t> per_node;
    for (const auto& e : extents)
        per_node[e.numa_node] += e.size;
    std::vector<MemChunk> chunks;
    for (const auto& [node, size] : per_node)
        chunks.push_back({size, node});
    return chunks;
}

std::vector<uint32_t> cpu_numbers(const std::vector<CpuInfo>& cpus)
{
    std::vector<uint32_t> numbers;
    for (const auto& c : cpus)
        numbers.push_back(c.cpu);
    return numbers;
}

Result<Device> Device::open(int index)
{
    if (index < 0)
        return make_error(EINVAL, "device index " + std::to_string(index) + " is negative");
    auto fd = open_path("/dev/mcd" + std::to_string(index), O_RDWR);
    if (!fd)
        return fd.error();
    return Device(std::move(*fd));
}

Result<void> Device::reserve_cpus(const std::vector<uint32_t>& cpus)
{
    return cpu_list_call(m_fd.get(), IHK_DEVICE_RESERVE_CPU, cpus, Subject::Cpu);
}

Result<void> Device::release_cpus(const std::vector<uint32_t>& cpus)
{
    return cpu_list_call(m_fd.get(), IHK_DEVICE_RELEASE_CPU, cpus, Subject::Cpu);
}

Result<std::vector<CpuInfo>> Device::query_cpus() { return ihk::query_cpus(m_fd.get(), IHK_DEVICE_QUERY_CPU); }

Result<void> Device::reserve_mem(const std::vector<MemChunk>& chunks)
{
    return mem_list_call(m_fd.get(), IHK_DEVICE_RESERVE_MEM, chunks, Subject::Mem);
}

Result<void> Device::release_mem(const std::vector<MemChunk>& chunks)
{
    return mem_list_call(m_fd.get(), IHK_DEVICE_RELEASE_MEM, chunks, Subject::Mem);
}

Result<std::vector<MemExtent>> Device::query_mem() { return ihk::query_mem(m_fd.get(), IHK_DEVICE_QUERY_MEM); }

Result<int> Device::create_os()
{
    int index = ::ioctl(m_fd.get(), IHK_DEVICE_CREATE_OS);
    if (index >= 0)
        return index;
    int err = errno;
    if (err == ENODEV)
        return make_error(err, refusal_message(Subject::Cpu, IHK_ERR_NO_DRIVER, err, ""));
    if (err == ENOSPC)
        return make_error(err, "too many OS instances (at most " + std::to_string(IHK_MAX_OS) + ")");
    return errno_error(err);
}

Result<void> Device::destroy_os(int os_index)
{
    if (os_index < 0)
        return make_error(EINVAL, "OS index " + std::to_string(os_index) + " is negative");
    ihk_os_index req{static_cast<uint32_t>(os_index), 0};
    if (::ioctl(m_fd.get(), IHK_DEVICE_DESTROY_OS, &req) == 0)
        return {};
    int err = errno;
    if (err == ENOENT)
        return make_error(err, "OS instance " + std::to_string(os_index) + " does not exist");
    return errno_error(err);
}

Result<std::vector<int>> Device::os_instances()
{
    auto raw = query_all<uint32_t, ihk_os_list>(m_fd.get(), IHK_DEVICE_QUERY_OS, &ihk_os_list::indices);
    if (!raw)
        return raw.error();
    return std::vector<int>(raw->begin(), raw->end());
}

Result<Os> Os::open(int index)
{
    if (index < 0)
        return make_error(EINVAL, "OS index " + std::to_string(index) + " is negative");
    auto fd = open_path("/dev/mcos" + std::to_string(index), O_RDWR);
    if (!fd)
        return fd.error();
    return Os(std::move(*fd), index);
}

Result<Os> Os::from_fd(int fd, int index)
{
    if (index < 0)
        return make_error(EINVAL, "OS index " + std::to_string(index) + " is negative");
    std::string path = "/dev/mcos" + std::to_string(index);
    struct stat dev, got;
    if (::stat(path.c_str(), &dev) != 0)
        return make_error(errno, open_error_message(path, errno));
    int flags = ::fcntl(fd, F_GETFL);
    if (::fstat(fd, &got) != 0 || !S_ISCHR(got.st_mode) || !S_ISCHR(dev.st_mode) || got.st_rdev != dev.st_rdev ||
        flags < 0 || (flags & O_ACCMODE) != O_RDWR || (flags & O_PATH))
        return make_error(EINVAL, "descriptor " + std::to_string(fd) + " is not " + path + " open for reading and writing");
    UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!copy)
        return make_error(errno, "descriptor " + std::to_string(fd) + ": " + std::strerror(errno));
    return Os(std::move(copy), index);
}

Result<void> Os::assign_cpus(const std::vector<uint32_t>& cpus)
{
    return cpu_list_call(m_fd.get(), IHK_OS_ASSIGN_CPU, cpus, Subject::OsCpu);
}

Result<void> Os::release_cpus(const std::vector<uint32_t>& cpus)
{
    return cpu_list_call(m_fd.get(), IHK_OS_RELEASE_CPU, cpus, Subject::OsCpu);
}

Result<std::vector<CpuInfo>> Os::query_cpus() { return ihk::query_cpus(m_fd.get(), IHK_OS_QUERY_CPU); }

Result<void> Os::assign_mem(const std::vector<MemChunk>& chunks)
{
    return mem_list_call(m_fd.get(), IHK_OS_ASSIGN_MEM, chunks, Subject::OsMem);
}

Result<void> Os::release_mem(const std::vector<MemChunk>& chunks)
{
    return mem_list_call(m_fd.get(), IHK_OS_RELEASE_MEM, chunks, Subject::OsMem);
}

Result<std::vector<MemExtent>> Os::query_mem() { return ihk::query_mem(m_fd.get(), IHK_OS_QUERY_MEM); }

Result<void> Os::set_ikc_map(const std::vector<IkcPair>& pairs)
{
    std::vector<ihk_ikc_pair> raw;
    for (const auto& p : pairs)
        raw.push_back({p.lwk_cpu, p.linux_cpu});
    ihk_ikc_map req{};
    req.pairs = user_ptr(raw.data());
    req.num_pairs = static_cast<uint32_t>(raw.size());
    if (::ioctl(m_fd.get(), IHK_OS_SET_IKC_MAP, &req) == 0)
        return {};
    int err = errno;
    std::string item;
    if (req.err_index < pairs.size())
        item = std::to_string(pairs[req.err_index].lwk_cpu) + ":" + std::to_string(pairs[req.err_index].linux_cpu);
    return make_error(err, refusal_message(Subject::Ikc, req.err_reason, err, item));
}

Result<std::vector<IkcPair>> Os::ikc_map()
{
    std::vector<ihk_ikc_pair> raw;
    for (;;) {
        ihk_ikc_map req{};
        req.pairs = user_ptr(raw.data());
        req.num_pairs = static_cast<uint32_t>(raw.size());
        if (::ioctl(m_fd.get(), IHK_OS_GET_IKC_MAP, &req) != 0)
            return errno_error(errno);
        bool complete = req.num_pairs <= raw.size();
        raw.resize(req.num_pairs);
        if (complete)
            break;
    }
    std::vector<IkcPair> pairs;
    for (const auto& r : raw)
        pairs.push_back({r.lwk_cpu, r.linux_cpu});
    return pairs;
}

Result<void> Os::set_kargs(std::string_view kargs)
{
    if (kargs.size() >= IHK_KARGS_MAX)
        return make_error(E2BIG, "kernel arguments are " + std::to_string(kargs.size()) + " bytes long; at most " +
                                     std::to_string(IHK_KARGS_MAX - 1) + " fit");
    if (kargs.find('\0') != std::string_view::npos)
        return make_error(EINVAL, "kernel arguments contain a NUL byte");
    ihk_kargs req{user_ptr(kargs.data()), static_cast<uint32_t>(kargs.size()), 0};
    if (::ioctl(m_fd.get(), IHK_OS_SET_KARGS, &req) == 0)
        return {};
    int err = errno;
    if (err == EBUSY)
        return make_error(err, refusal_message(Subject::OsCpu, IHK_ERR_OS_BUSY, err, ""));
    return make_error(err, refusal_message(Subject::OsCpu, 0, err, ""));
}

Result<std::string> Os::kargs()
{
    std::string buf(256, '\0');
    for (;;) {
        ihk_kargs req{user_ptr(buf.data()), static_cast<uint32_t>(buf.size()), 0};
        if (::ioctl(m_fd.get(), IHK_OS_GET_KARGS, &req) == 0) {
            buf.resize(req.len);
            return buf;
        }
        if (errno != ENOSPC)
            return errno_error(errno);
        buf.resize(req.len + 1);
    }
}

Result<OsStatus> Os::status()
{
    ihk_os_status_info info{};
    if (::ioctl(m_fd.get(), IHK_OS_GET_STATUS, &info) != 0)
        return errno_error(errno);
    if (info.status >= IHK_OS_STATUS_MAX)
        return make_error(EPROTO, "unknown OS status " + std::to_string(info.status));
    return static_cast<OsStatus>(info.status);
}

Result<void> Os::load(const std::string& path)
{
    // A regular file of at most IHK_IMAGE_MAX bytes, checked on what was opened
    // (O_NONBLOCK: a FIFO put there must not block us); nothing else is read.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    struct stat st;
    if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0)
        return make_error(errno, "cannot read image '" + path + "': " + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        return make_error(EINVAL, "image '" + path + "' is not a regular file");
    if (uint64_t(st.st_size) > IHK_IMAGE_MAX)
        return make_error(E2BIG, "image '" + path + "': " + refusal_message(Subject::OsCpu, IHK_ERR_IMAGE_SIZE, E2BIG, ""));
    std::vector<char> bytes(size_t(st.st_size));
    size_t got = 0;
    while (got < bytes.size()) {
        ssize_t n = ::read(fd.get(), bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return make_error(errno, "cannot read image '" + path + "': " + std::strerror(errno));
        if (n == 0)
            break; // shrank meanwhile: the module judges what is there
        got += size_t(n);
    }
    bytes.resize(got);
    ihk_os_image req{user_ptr(bytes.data()), bytes.size(), 0, 0};
    if (::ioctl(m_fd.get(), IHK_OS_LOAD, &req) == 0)
        return {};
    int err = errno;
    return make_error(err, "image '" + path + "': " + refusal_message(Subject::OsCpu, req.err_reason, err, ""));
}

Result<void> Os::boot(uint32_t timeout_ms)
{
    ihk_os_boot_req req{0, 0, timeout_ms, 0};
    if (::ioctl(m_fd.get(), IHK_OS_BOOT, &req) == 0)
        return {};
    int err = errno;
    std::string message = refusal_message(Subject::OsCpu, req.err_reason, err, "");
    // A boot that started and failed explains itself in the LWK's log.
    if (req.err_reason == IHK_ERR_BOOT_TIMEOUT || req.err_reason == IHK_ERR_BOOT_PANIC) {
        auto log = kmsg();
        if (log && !log->empty()) {
            std::string tail = *log;
            while (!tail.empty() && tail.back() == '\n')
                tail.pop_back();
            auto nl = tail.rfind('\n');
            message += "; the LWK's last message: " + (nl == std::string::npos ? tail : tail.substr(nl + 1));
        } else {
            message += "; the LWK logged nothing";
        }
    }
    return make_error(err, message);
}

Result<void> Os::shutdown()
{
    ihk_os_boot_req req{};
    if (::ioctl(m_fd.get(), IHK_OS_SHUTDOWN, &req) == 0)
        return {};
    int err = errno;
    std::string message = refusal_message(Subject::OsCpu, req.err_reason, err, "");
    if (req.err_reason == IHK_ERR_NOT_RUNNING) {
        auto s = status();
        if (s)
            message += " (status " + std::string(to_string(*s)) + ")";
    }
    return make_error(err, message);
}

Result<std::string> Os::kmsg()
{
    std::string buf(IHK_KMSG_SIZE, '\0');
    ihk_kmsg_read req{user_ptr(buf.data()), static_cast<uint32_t>(buf.size()), 0};
    if (::ioctl(m_fd.get(), IHK_OS_READ_KMSG, &req) != 0)
        return errno_error(errno);
    buf.resize(req.len);
    return buf;
}

Result<Os::PingStats> Os::ikc_ping(uint32_t cpu_index, uint32_t count, bool poll)
{
    ihk_ikc_ping req{};
    req.cpu_index = cpu_index;
    req.count = count;
    req.flags = poll ? IHK_IKC_PING_POLL : 0;
    if (::ioctl(m_fd.get(), IHK_OS_IKC_PING, &req) == 0)
        return PingStats{count, req.min_ns, req.max_ns, req.total_ns};
    int err = errno;
    if (err == EINVAL && !req.err_reason)
        return make_error(err, "count " + std::to_string(count) + " is not between 1 and 100000");
    return make_error(err, refusal_message(Subject::OsCpu, req.err_reason, err, std::to_string(cpu_index)));
}

Result<Os::Usage> Os::rusage()
{
    std::vector<ihk_os_rusage_cpu> cpus(IHK_BOOT_MAX_CPUS);
    ihk_os_rusage req{};
    req.cpus = user_ptr(cpus.data());
    req.capacity = static_cast<uint32_t>(cpus.size());
    if (::ioctl(m_fd.get(), IHK_OS_GET_RUSAGE, &req) != 0) {
        int err = errno;
        if (err == EINVAL)
            return make_error(err, "OS instance " + std::to_string(m_index) + " has not been booted");
        return errno_error(err);
    }
    Usage u{req.uptime_ns,      req.mem_total,   req.mem_used,          req.mem_peak, req.processes,
            req.processes_peak, req.threads,     req.threads_peak,      req.processes_started,
            req.offloads,       req.page_faults, req.page_tables,       req.page_tables_peak, {}};
    for (uint32_t i = 0; i < req.num_cpus && i < cpus.size(); i++) {
        const ihk_os_rusage_cpu& c = cpus[i];
        u.cpus.push_back({c.linux_cpu, c.state, c.user_ns, c.kernel_ns, c.idle_ns, c.kernel_entries, c.syscalls,
                          c.exceptions, c.interrupts});
    }
    return u;
}

Result<void> Os::clear_kmsg()
{
    if (::ioctl(m_fd.get(), IHK_OS_CLEAR_KMSG) != 0)
        return errno_error(errno);
    return {};
}

} // namespace ihk
