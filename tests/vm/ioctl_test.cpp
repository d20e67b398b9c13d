// SPDX-License-Identifier: GPL-2.0
// The ioctl ABI of /dev/mcd0 and /dev/mcosN on the virtual node: every refusal
// returns its documented errno and err_reason/err_index, and changes nothing.
// Runs inside the guest with ihk.ko and ihk-smp-x86.ko loaded, on 4 CPUs.
#include <uapi/ihk/ihk.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

namespace {

template <typename T>
__u64 ptr(const T* p)
{
    return reinterpret_cast<uintptr_t>(p);
}

struct Refusal {
    int err = 0;
    __u32 reason = 0;
    __u32 index = 0;
};

bool cpu_online(unsigned cpu)
{
    std::string path = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/online";
    int fd = open(path.c_str(), O_RDONLY);
    char c = '?';
    if (fd >= 0) {
        if (read(fd, &c, 1) != 1)
            c = '?';
        close(fd);
    }
    return c == '1';
}

class Ihk : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_dev = open("/dev/mcd0", O_RDWR | O_CLOEXEC);
        ASSERT_GE(m_dev, 0) << "/dev/mcd0: " << strerror(errno);
    }

    // Leave the pool empty for the next test: destroy instances, release all.
    void TearDown() override
    {
        for (__u32 os : instances()) {
            ihk_os_index req{os, 0};
            EXPECT_EQ(ioctl(m_dev, IHK_DEVICE_DESTROY_OS, &req), 0);
        }
        std::vector<__u32> cpus;
        for (const auto& c : query_cpus(m_dev, IHK_DEVICE_QUERY_CPU))
            cpus.push_back(c.cpu);
        if (!cpus.empty()) {
            EXPECT_EQ(cpu_call(m_dev, IHK_DEVICE_RELEASE_CPU, cpus).err, 0);
        }
        ihk_mem_req all{IHK_MEM_ALL, IHK_NUMA_ALL, 0};
        EXPECT_EQ(mem_call(m_dev, IHK_DEVICE_RELEASE_MEM, {all}).err, 0);
        EXPECT_EQ(count_extents(m_dev, IHK_DEVICE_QUERY_MEM), 0u);
        close(m_dev);
    }

    static Refusal cpu_call(int fd, unsigned long cmd, const std::vector<__u32>& cpus, __u32 flags = 0)
    {
        ihk_cpu_list req{ptr(cpus.data()), static_cast<__u32>(cpus.size()), flags, 0, 0};
        if (ioctl(fd, cmd, &req) == 0)
            return {};
        return {errno, req.err_reason, req.err_index};
    }

    static Refusal mem_call(int fd, unsigned long cmd, const std::vector<ihk_mem_req>& chunks)
    {
        ihk_mem_list req{ptr(chunks.data()), static_cast<__u32>(chunks.size()), 0, 0, 0};
        if (ioctl(fd, cmd, &req) == 0)
            return {};
        return {errno, req.err_reason, req.err_index};
    }

    static std::vector<ihk_cpu_info> query_cpus(int fd, unsigned long cmd)
    {
        std::vector<ihk_cpu_info> out(64);
        ihk_cpu_query req{ptr(out.data()), 64, 0};
        EXPECT_EQ(ioctl(fd, cmd, &req), 0);
        out.resize(req.count);
        return out;
    }

    static __u32 count_extents(int fd, unsigned long cmd)
    {
        ihk_mem_query req{0, 0, 0};
        EXPECT_EQ(ioctl(fd, cmd, &req), 0);
        return req.count;
    }

    static __u64 bytes_of(int fd, unsigned long cmd)
    {
        std::vector<ihk_mem_extent> out(count_extents(fd, cmd));
        ihk_mem_query req{ptr(out.data()), static_cast<__u32>(out.size()), 0};
        EXPECT_EQ(ioctl(fd, cmd, &req), 0);
        __u64 sum = 0;
        for (const auto& e : out)
            sum += e.size;
        return sum;
    }

    std::vector<__u32> instances()
    {
        std::vector<__u32> out(IHK_MAX_OS);
        ihk_os_list req{ptr(out.data()), IHK_MAX_OS, 0};
        EXPECT_EQ(ioctl(m_dev, IHK_DEVICE_QUERY_OS, &req), 0);
        out.resize(req.count);
        return out;
    }

    int create_os()
    {
        int os = ioctl(m_dev, IHK_DEVICE_CREATE_OS);
        EXPECT_GE(os, 0) << strerror(errno);
        return os;
    }

    static int open_os(int os)
    {
        std::string path = "/dev/mcos" + std::to_string(os);
        int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
        EXPECT_GE(fd, 0) << path << ": " << strerror(errno);
        return fd;
    }

    int m_dev = -1;
};

#define EXPECT_REFUSED(call, errno_, reason_, index_)                                                                  \
    do {                                                                                                               \
        Refusal r_ = (call);                                                                                           \
        EXPECT_EQ(r_.err, errno_) << strerror(r_.err);                                                                 \
        EXPECT_EQ(r_.reason, static_cast<__u32>(reason_));                                                             \
        EXPECT_EQ(r_.index, static_cast<__u32>(index_));                                                               \
    } while (0)

constexpr __u64 MiB = 1ull << 20;

TEST_F(Ihk, CpuRefusals)
{
    EXPECT_REFUSED(cpu_call(m_dev, IHK_DEVICE_RESERVE_CPU, {0}), EPERM, IHK_ERR_CPU_BOOT, 0);
    EXPECT_REFUSED(cpu_call(m_dev, IHK_DEVICE_RESERVE_CPU, {1, 4}), ENODEV, IHK_ERR_CPU_NOT_PRESENT, 1);
    EXPECT_REFUSED(cpu_call(m_dev, IHK_DEVICE_RESERVE_CPU, {0xffffffff}), ENODEV, IHK_ERR_CPU_NOT_PRESENT, 0);
    EXPECT_REFUSED(cpu_call(m_dev, IHK_DEVICE_RESERVE_CPU, {2, 3, 2}), EINVAL, IHK_ERR_CPU_DUPLICATE, 2);
    EXPECT_TRUE(cpu_online(1) && cpu_online(2) && cpu_online(3)) << "a refused call changed CPU state";

    ASSERT_EQ(cpu_call(m_dev, IHK_DEVICE_RESERVE_CPU, {2}).err, 0);
    EXPECT_FALSE(cpu_online(2));
    EXPECT_REFUSED(cpu_call(m_dev, IHK_DEVICE_RESERVE_CPU, {3, 2}), EEXIST, IHK_ERR_CPU_RESERVED, 1);
    EXPECT_TRUE(cpu_online(3));
    EXPECT_REFUSED(cpu_call(m_dev, IHK_DEVICE_RELEASE_CPU, {2, 3}), ENOENT, IHK_ERR_CPU_NOT_RESERVED, 1);
    EXPECT_FALSE(cpu_online(2)) << "a refused release changed CPU state";
    EXPECT_REFUSED(cpu_call(m_dev, IHK_DEVICE_RELEASE_CPU, {9}), ENODEV, IHK_ERR_CPU_NOT_PRESENT, 0);
}

TEST_F(Ihk, MalformedRequests)
{
    std::vector<__u32> one = {1};
    EXPECT_REFUSED(cpu_call(m_dev, IHK_DEVICE_RESERVE_CPU, one, 1), EINVAL, IHK_ERR_FLAGS, 0);
    EXPECT_REFUSED(cpu_call(m_dev, IHK_DEVICE_RESERVE_CPU, {}), EINVAL, IHK_ERR_EMPTY, 0);
    ihk_cpu_list huge{ptr(one.data()), IHK_MAX_LIST + 1, 0, 0, 0};
    EXPECT_EQ(ioctl(m_dev, IHK_DEVICE_RESERVE_CPU, &huge), -1);
    EXPECT_EQ(errno, E2BIG);
    EXPECT_EQ(huge.err_reason, static_cast<__u32>(IHK_ERR_TOO_MANY));
    ihk_cpu_list bad_ptr{0x10, 1, 0, 0, 0};
    EXPECT_EQ(ioctl(m_dev, IHK_DEVICE_RESERVE_CPU, &bad_ptr), -1);
    EXPECT_EQ(errno, EFAULT);
    ihk_cpu_list kernel_ptr{0xffffffff81000000ull, 1, 0, 0, 0};
    EXPECT_EQ(ioctl(m_dev, IHK_DEVICE_RESERVE_CPU, &kernel_ptr), -1);
    EXPECT_EQ(errno, EFAULT);
    EXPECT_EQ(ioctl(m_dev, IHK_DEVICE_RESERVE_CPU, nullptr), -1);
    EXPECT_EQ(errno, EFAULT);
    EXPECT_EQ(ioctl(m_dev, IHK_DEVICE_QUERY_MEM, reinterpret_cast<void*>(8)), -1);
    EXPECT_EQ(errno, EFAULT);
    EXPECT_EQ(ioctl(m_dev, _IO(IHK_IOCTL_MAGIC, 0x7f)), -1);
    EXPECT_EQ(errno, ENOTTY);
    EXPECT_EQ(ioctl(m_dev, TCGETS), -1);
    EXPECT_EQ(errno, ENOTTY);
    ihk_os_index destroy{0, 1};
    EXPECT_EQ(ioctl(m_dev, IHK_DEVICE_DESTROY_OS, &destroy), -1);
    EXPECT_EQ(errno, EINVAL);
    ihk_mem_req reserved_set{2 * MiB, 0, 7};
    EXPECT_REFUSED(mem_call(m_dev, IHK_DEVICE_RESERVE_MEM, {reserved_set}), EINVAL, IHK_ERR_FLAGS, 0);
    // Query output pointer invalid while something is reserved.
    ASSERT_EQ(mem_call(m_dev, IHK_DEVICE_RESERVE_MEM, {{2 * MiB, 0, 0}}).err, 0);
    ihk_mem_query q{0x10, 4, 0};
    EXPECT_EQ(ioctl(m_dev, IHK_DEVICE_QUERY_MEM, &q), -1);
    EXPECT_EQ(errno, EFAULT);
}

TEST_F(Ihk, MemRefusals)
{
    EXPECT_REFUSED(mem_call(m_dev, IHK_DEVICE_RESERVE_MEM, {{2 * MiB, 0, 0}, {2 * MiB, 5, 0}}), ENODEV,
                   IHK_ERR_NUMA_NODE, 1);
    EXPECT_REFUSED(mem_call(m_dev, IHK_DEVICE_RESERVE_MEM, {{2 * MiB, -2, 0}}), ENODEV, IHK_ERR_NUMA_NODE, 0);
    EXPECT_REFUSED(mem_call(m_dev, IHK_DEVICE_RESERVE_MEM, {{2 * MiB, IHK_NUMA_ALL, 0}}), EINVAL,
                   IHK_ERR_NUMA_NODE, 0);
    EXPECT_REFUSED(mem_call(m_dev, IHK_DEVICE_RESERVE_MEM, {{3 * MiB, 0, 0}}), EINVAL, IHK_ERR_MEM_GRANULE, 0);
    EXPECT_REFUSED(mem_call(m_dev, IHK_DEVICE_RESERVE_MEM, {{0, 0, 0}}), EINVAL, IHK_ERR_MEM_GRANULE, 0);
    EXPECT_REFUSED(mem_call(m_dev, IHK_DEVICE_RESERVE_MEM, {{1ull << 63, 0, 0}, {1ull << 63, 0, 0}}), EOVERFLOW,
                   IHK_ERR_MEM_OVERFLOW, 1);
    EXPECT_REFUSED(mem_call(m_dev, IHK_DEVICE_RESERVE_MEM, {{64ull << 30, 0, 0}}), ENOMEM, IHK_ERR_MEM_FREE, 0);
    EXPECT_EQ(count_extents(m_dev, IHK_DEVICE_QUERY_MEM), 0u) << "a refused reservation kept memory";

    ASSERT_EQ(mem_call(m_dev, IHK_DEVICE_RESERVE_MEM, {{64 * MiB, 0, 0}}).err, 0);
    EXPECT_EQ(bytes_of(m_dev, IHK_DEVICE_QUERY_MEM), 64 * MiB);
    EXPECT_REFUSED(mem_call(m_dev, IHK_DEVICE_RELEASE_MEM, {{66 * MiB, 0, 0}}), ENOENT, IHK_ERR_MEM_NOT_RESERVED, 0);
    EXPECT_REFUSED(mem_call(m_dev, IHK_DEVICE_RELEASE_MEM, {{2 * MiB, 3, 0}}), ENODEV, IHK_ERR_NUMA_NODE, 0);
    ASSERT_EQ(mem_call(m_dev, IHK_DEVICE_RELEASE_MEM, {{4 * MiB, 0, 0}}).err, 0);
    EXPECT_EQ(bytes_of(m_dev, IHK_DEVICE_QUERY_MEM), 60 * MiB);
}

TEST_F(Ihk, OsLifecycleAndRefusals)
{
    ASSERT_EQ(cpu_call(m_dev, IHK_DEVICE_RESERVE_CPU, {2, 3}).err, 0);
    ASSERT_EQ(mem_call(m_dev, IHK_DEVICE_RESERVE_MEM, {{128 * MiB, 0, 0}}).err, 0);
    int os0 = create_os(), os1 = create_os();
    int fd0 = open_os(os0), fd1 = open_os(os1);

    ihk_os_status_info st{};
    ASSERT_EQ(ioctl(fd0, IHK_OS_GET_STATUS, &st), 0);
    EXPECT_EQ(st.status, static_cast<__u32>(IHK_OS_STATUS_INACTIVE));

    EXPECT_REFUSED(cpu_call(fd0, IHK_OS_ASSIGN_CPU, {1}), ENOENT, IHK_ERR_CPU_NOT_RESERVED, 0);
    ASSERT_EQ(cpu_call(fd0, IHK_OS_ASSIGN_CPU, {2}).err, 0);
    EXPECT_REFUSED(cpu_call(fd1, IHK_OS_ASSIGN_CPU, {3, 2}), EBUSY, IHK_ERR_CPU_ASSIGNED, 1);
    EXPECT_REFUSED(cpu_call(fd1, IHK_OS_RELEASE_CPU, {2}), ENOENT, IHK_ERR_CPU_NOT_ASSIGNED, 0);
    EXPECT_REFUSED(cpu_call(m_dev, IHK_DEVICE_RELEASE_CPU, {3, 2}), EBUSY, IHK_ERR_CPU_ASSIGNED, 1);
    EXPECT_FALSE(cpu_online(3)) << "a refused release changed CPU state";
    auto mine = query_cpus(fd0, IHK_OS_QUERY_CPU);
    ASSERT_EQ(mine.size(), 1u);
    EXPECT_EQ(mine[0].cpu, 2u);
    EXPECT_EQ(mine[0].os_index, os0);
    EXPECT_EQ(query_cpus(m_dev, IHK_DEVICE_QUERY_CPU).size(), 2u);

    EXPECT_REFUSED(mem_call(fd0, IHK_OS_ASSIGN_MEM, {{130 * MiB, 0, 0}}), ENOENT, IHK_ERR_MEM_NOT_RESERVED, 0);
    ASSERT_EQ(mem_call(fd0, IHK_OS_ASSIGN_MEM, {{100 * MiB, 0, 0}}).err, 0);
    EXPECT_EQ(bytes_of(fd0, IHK_OS_QUERY_MEM), 100 * MiB);
    EXPECT_REFUSED(mem_call(fd0, IHK_OS_RELEASE_MEM, {{102 * MiB, 0, 0}}), ENOENT, IHK_ERR_MEM_NOT_ASSIGNED, 0);
    EXPECT_REFUSED(mem_call(m_dev, IHK_DEVICE_RELEASE_MEM, {{30 * MiB, 0, 0}}), EBUSY, IHK_ERR_MEM_ASSIGNED, 0);
    EXPECT_REFUSED(mem_call(fd1, IHK_OS_ASSIGN_MEM, {{2 * MiB, 0, 0}, {30 * MiB, 0, 0}}), ENOENT,
                   IHK_ERR_MEM_NOT_RESERVED, 1);
    EXPECT_EQ(bytes_of(fd1, IHK_OS_QUERY_MEM), 0u) << "a refused assignment moved memory";
    // "all" next to a size on the same node takes the rest, wherever it is listed.
    ASSERT_EQ(mem_call(fd1, IHK_OS_ASSIGN_MEM, {{IHK_MEM_ALL, 0, 0}, {4 * MiB, 0, 0}}).err, 0);
    EXPECT_EQ(bytes_of(fd1, IHK_OS_QUERY_MEM), 28 * MiB);
    EXPECT_REFUSED(mem_call(fd1, IHK_OS_ASSIGN_MEM, {{IHK_MEM_ALL, 0, 0}}), ENOENT, IHK_ERR_MEM_NOT_RESERVED, 0);
    EXPECT_REFUSED(mem_call(m_dev, IHK_DEVICE_RELEASE_MEM, {{IHK_MEM_ALL, IHK_NUMA_ALL, 0}}), EBUSY,
                   IHK_ERR_MEM_ASSIGNED, 0);

    // IKC map: LWK CPU must be ours, Linux CPU online and not reserved, no duplicates.
    auto set_ikc = [](int fd, const std::vector<ihk_ikc_pair>& p) {
        ihk_ikc_map req{ptr(p.data()), static_cast<__u32>(p.size()), 0, 0, 0};
        if (ioctl(fd, IHK_OS_SET_IKC_MAP, &req) == 0)
            return Refusal{};
        return Refusal{errno, req.err_reason, req.err_index};
    };
    EXPECT_REFUSED(set_ikc(fd0, {{3, 0}}), EINVAL, IHK_ERR_IKC_LWK_CPU, 0);
    EXPECT_REFUSED(set_ikc(fd0, {{2, 3}}), EINVAL, IHK_ERR_IKC_LINUX_CPU, 0);
    EXPECT_REFUSED(set_ikc(fd0, {{2, 77}}), EINVAL, IHK_ERR_IKC_LINUX_CPU, 0);
    EXPECT_REFUSED(set_ikc(fd0, {{2, 0}, {2, 1}}), EINVAL, IHK_ERR_IKC_DUPLICATE, 1);
    ASSERT_EQ(set_ikc(fd0, {{2, 1}}).err, 0);
    // A Linux CPU that serves an IKC map cannot be reserved away under it.
    EXPECT_REFUSED(cpu_call(m_dev, IHK_DEVICE_RESERVE_CPU, {1}), EBUSY, IHK_ERR_CPU_IKC_TARGET, 0);
    EXPECT_TRUE(cpu_online(1));
    std::vector<ihk_ikc_pair> got(4);
    ihk_ikc_map get{ptr(got.data()), 4, 0, 0, 0};
    ASSERT_EQ(ioctl(fd0, IHK_OS_GET_IKC_MAP, &get), 0);
    ASSERT_EQ(get.num_pairs, 1u);
    EXPECT_EQ(got[0].lwk_cpu, 2u);
    EXPECT_EQ(got[0].linux_cpu, 1u);

    // Kernel arguments: length limit, no embedded NUL, exact round trip.
    std::string long_args(IHK_KARGS_MAX, 'x');
    ihk_kargs k{ptr(long_args.data()), IHK_KARGS_MAX, 0};
    EXPECT_EQ(ioctl(fd0, IHK_OS_SET_KARGS, &k), -1);
    EXPECT_EQ(errno, E2BIG);
    const char nul[] = "a\0b";
    ihk_kargs kn{ptr(nul), 3, 0};
    EXPECT_EQ(ioctl(fd0, IHK_OS_SET_KARGS, &kn), -1);
    EXPECT_EQ(errno, EINVAL);
    std::string args(IHK_KARGS_MAX - 1, 'y');
    ihk_kargs ks{ptr(args.data()), static_cast<__u32>(args.size()), 0};
    ASSERT_EQ(ioctl(fd0, IHK_OS_SET_KARGS, &ks), 0);
    std::vector<char> small(10);
    ihk_kargs kg{ptr(small.data()), 10, 0};
    EXPECT_EQ(ioctl(fd0, IHK_OS_GET_KARGS, &kg), -1);
    EXPECT_EQ(errno, ENOSPC);
    EXPECT_EQ(kg.len, IHK_KARGS_MAX - 1);
    std::vector<char> big(IHK_KARGS_MAX);
    ihk_kargs kb{ptr(big.data()), IHK_KARGS_MAX, 0};
    ASSERT_EQ(ioctl(fd0, IHK_OS_GET_KARGS, &kb), 0);
    EXPECT_EQ(std::string(big.data()), args);
    EXPECT_EQ(ioctl(fd0, _IO(IHK_IOCTL_MAGIC, 0x01)), -1);
    EXPECT_EQ(errno, ENOTTY);

    // Destroy returns everything to the pool; the open file then sees ENODEV.
    ihk_os_index d{static_cast<__u32>(os0), 0};
    ASSERT_EQ(ioctl(m_dev, IHK_DEVICE_DESTROY_OS, &d), 0);
    EXPECT_EQ(ioctl(m_dev, IHK_DEVICE_DESTROY_OS, &d), -1);
    EXPECT_EQ(errno, ENOENT);
    ihk_os_index far{1000, 0};
    EXPECT_EQ(ioctl(m_dev, IHK_DEVICE_DESTROY_OS, &far), -1);
    EXPECT_EQ(errno, ENOENT);
    EXPECT_EQ(ioctl(fd0, IHK_OS_GET_STATUS, &st), -1);
    EXPECT_EQ(errno, ENODEV);
    EXPECT_EQ(cpu_call(fd0, IHK_OS_ASSIGN_CPU, {3}).err, ENODEV);
    EXPECT_EQ(access(("/dev/mcos" + std::to_string(os0)).c_str(), F_OK), -1);
    for (const auto& c : query_cpus(m_dev, IHK_DEVICE_QUERY_CPU))
        EXPECT_EQ(c.os_index, IHK_OS_NONE) << "CPU " << c.cpu;
    EXPECT_EQ(bytes_of(fd1, IHK_OS_QUERY_MEM), 28 * MiB);
    close(fd0);
    close(fd1);
}

TEST_F(Ihk, InstanceFileHandedToUserOnlyQueries)
{
    ASSERT_EQ(cpu_call(m_dev, IHK_DEVICE_RESERVE_CPU, {3}).err, 0);
    int os = create_os();
    int fd = open_os(os);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // A job's user holding the instance's file may look but not change it.
        if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
            _exit(10);
        ihk_os_status_info st{};
        if (ioctl(fd, IHK_OS_GET_STATUS, &st) != 0)
            _exit(11);
        if (cpu_call(fd, IHK_OS_ASSIGN_CPU, {3}).err != EPERM)
            _exit(12);
        if (open("/dev/mcd0", O_RDWR) >= 0 || errno != EACCES)
            _exit(13);
        _exit(0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "10: setuid, 11: status, 12: assign not EPERM, 13: mcd0 open";
    close(fd);
}

TEST_F(Ihk, LifecycleRefusals)
{
    int os = create_os();
    int fd = open_os(os);
    auto load = [&](const void* buf, __u64 size, __u32 flags = 0) {
        ihk_os_image req{ptr(buf), size, flags, 0};
        if (ioctl(fd, IHK_OS_LOAD, &req) == 0)
            return Refusal{};
        return Refusal{errno, req.err_reason, 0};
    };
    std::vector<char> junk(4096, 'x');
    EXPECT_REFUSED(load(junk.data(), junk.size()), ENOEXEC, IHK_ERR_IMAGE_FORMAT, 0);
    EXPECT_REFUSED(load(junk.data(), 0), ENOEXEC, IHK_ERR_IMAGE_FORMAT, 0);
    EXPECT_REFUSED(load(junk.data(), IHK_IMAGE_MAX + 1ull), E2BIG, IHK_ERR_IMAGE_SIZE, 0);
    EXPECT_REFUSED(load(reinterpret_cast<void*>(0x10), 4096), EFAULT, 0, 0);
    EXPECT_EQ(load(junk.data(), junk.size(), 1).err, EINVAL);

    ihk_os_boot_req boot{};
    EXPECT_EQ(ioctl(fd, IHK_OS_BOOT, &boot), -1);
    EXPECT_EQ(errno, EINVAL);
    EXPECT_EQ(boot.err_reason, static_cast<__u32>(IHK_ERR_BOOT_NO_IMAGE));
    ihk_os_boot_req flagged{1, 0, 0, 0};
    EXPECT_EQ(ioctl(fd, IHK_OS_BOOT, &flagged), -1);
    EXPECT_EQ(errno, EINVAL);
    EXPECT_EQ(flagged.err_reason, 0u);
    ihk_os_boot_req stop{};
    EXPECT_EQ(ioctl(fd, IHK_OS_SHUTDOWN, &stop), -1);
    EXPECT_EQ(errno, EINVAL);
    EXPECT_EQ(stop.err_reason, static_cast<__u32>(IHK_ERR_NOT_RUNNING));

    char buf[64];
    ihk_kmsg_read k{ptr(buf), sizeof buf, 99};
    ASSERT_EQ(ioctl(fd, IHK_OS_READ_KMSG, &k), 0);
    EXPECT_EQ(k.len, 0u) << "an instance that never booted has no log";
    ihk_kmsg_read bad{0x10, 64, 0};
    EXPECT_EQ(ioctl(fd, IHK_OS_READ_KMSG, &bad), 0) << "nothing to copy, so no fault";
    EXPECT_EQ(ioctl(fd, IHK_OS_CLEAR_KMSG), 0);
    ihk_os_status_info st{};
    ASSERT_EQ(ioctl(fd, IHK_OS_GET_STATUS, &st), 0);
    EXPECT_EQ(st.status, static_cast<__u32>(IHK_OS_STATUS_INACTIVE));
    ihk_os_rusage_cpu cpus[2];
    ihk_os_rusage ru{};
    ru.cpus = ptr(cpus);
    ru.capacity = 2;
    ru.num_cpus = 77;
    EXPECT_EQ(ioctl(fd, IHK_OS_GET_RUSAGE, &ru), -1);
    EXPECT_EQ(errno, EINVAL) << "an instance that never booted has no usage";
    EXPECT_EQ(ru.num_cpus, 77u) << "nothing written back on a refusal";
    EXPECT_EQ(ioctl(fd, IHK_OS_GET_RUSAGE, reinterpret_cast<void*>(0x10)), -1);
    EXPECT_EQ(errno, EFAULT);
    close(fd);
}

TEST_F(Ihk, QueryReportsCountBeyondCapacity)
{
    ASSERT_EQ(cpu_call(m_dev, IHK_DEVICE_RESERVE_CPU, {1, 2, 3}).err, 0);
    std::vector<ihk_cpu_info> one(1);
    ihk_cpu_query q{ptr(one.data()), 1, 0};
    ASSERT_EQ(ioctl(m_dev, IHK_DEVICE_QUERY_CPU, &q), 0);
    EXPECT_EQ(q.count, 3u);
    EXPECT_EQ(one[0].cpu, 1u);
    EXPECT_EQ(one[0].numa_node, 0);
    EXPECT_EQ(one[0].os_index, IHK_OS_NONE);
}

} // namespace
