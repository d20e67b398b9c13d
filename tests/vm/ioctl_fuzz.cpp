// SPDX-License-Identifier: GPL-2.0
// A bounded random-ioctl storm against /dev/mcd0 and /dev/mcosN: random command
// numbers, sizes, pointers (valid, NULL, kernel, unmapped) and list contents.
// The kernel must survive (vmrun checks its log) and, after the cleanup this
// program does through the regular calls, hold nothing.
//
// Usage: ihk_ioctl_fuzz [ITERATIONS [SEED]]
#include <uapi/ihk/ihk.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

std::mt19937_64 g_rng;
unsigned long g_succeeded;

uint64_t rnd(uint64_t n) { return n ? g_rng() % n : 0; }
bool chance(unsigned percent) { return rnd(100) < percent; }

const unsigned long DEVICE_CMDS[] = {IHK_DEVICE_RESERVE_CPU, IHK_DEVICE_RELEASE_CPU, IHK_DEVICE_QUERY_CPU,
                                     IHK_DEVICE_RESERVE_MEM, IHK_DEVICE_RELEASE_MEM, IHK_DEVICE_QUERY_MEM,
                                     IHK_DEVICE_CREATE_OS,   IHK_DEVICE_DESTROY_OS,  IHK_DEVICE_QUERY_OS};
const unsigned long OS_CMDS[] = {IHK_OS_ASSIGN_CPU,  IHK_OS_RELEASE_CPU, IHK_OS_QUERY_CPU,   IHK_OS_ASSIGN_MEM,
                                 IHK_OS_RELEASE_MEM, IHK_OS_QUERY_MEM,   IHK_OS_SET_IKC_MAP, IHK_OS_GET_IKC_MAP,
                                 IHK_OS_SET_KARGS,   IHK_OS_GET_KARGS,   IHK_OS_GET_STATUS,  IHK_OS_LOAD,
                                 IHK_OS_BOOT,        IHK_OS_SHUTDOWN,    IHK_OS_READ_KMSG,   IHK_OS_CLEAR_KMSG,
                                 IHK_OS_GET_RUSAGE};

// Scratch memory the random structs point into.
alignas(64) unsigned char g_buf[64 * 1024];

uint64_t random_pointer()
{
    switch (rnd(8)) {
    case 0:
        return 0;
    case 1:
        return 0xffffffff81000000ull + rnd(1 << 20); // kernel text
    case 2:
        return 0x10 + rnd(4096); // unmapped low page
    case 3:
        return g_rng(); // anything
    case 4:
        return reinterpret_cast<uintptr_t>(g_buf + sizeof(g_buf) - rnd(64)); // runs off the end
    default:
        return reinterpret_cast<uintptr_t>(g_buf + rnd(1024) * 4);
    }
}

uint32_t random_count()
{
    switch (rnd(6)) {
    case 0:
        return 0;
    case 1:
        return static_cast<uint32_t>(g_rng());
    case 2:
        return IHK_MAX_LIST + static_cast<uint32_t>(rnd(3));
    default:
        return static_cast<uint32_t>(1 + rnd(6));
    }
}

// Fill the scratch buffer with plausible list entries: small CPU numbers,
// 2 MiB-multiple sizes on nodes 0/1/-1, or junk.
void fill_scratch()
{
    auto* words = reinterpret_cast<uint32_t*>(g_buf);
    for (size_t i = 0; i < 256; i++)
        words[i] = chance(80) ? static_cast<uint32_t>(rnd(6)) : static_cast<uint32_t>(g_rng());
    if (chance(50)) {
        auto* chunks = reinterpret_cast<ihk_mem_req*>(g_buf);
        for (size_t i = 0; i < 16; i++) {
            uint64_t sizes[] = {IHK_MEM_ALL, (1 + rnd(16)) * IHK_MEM_GRANULE, rnd(1ull << 40), g_rng()};
            chunks[i].size = sizes[rnd(4)];
            chunks[i].numa_node = static_cast<int32_t>(chance(80) ? rnd(3) - 1 : g_rng());
            chunks[i].reserved = chance(90) ? 0 : 1;
        }
    }
}

// One random argument block for @cmd: mostly well-formed, sometimes not.
void random_call(int fd, unsigned long cmd)
{
    alignas(16) unsigned char arg[64];
    for (auto& b : arg)
        b = static_cast<unsigned char>(g_rng());
    // The common layout: { u64 pointer; u32 count; u32 flags/count; ... }
    uint64_t p = random_pointer();
    uint32_t n = random_count();
    uint32_t flags = chance(90) ? 0 : static_cast<uint32_t>(g_rng());
    std::memcpy(arg, &p, 8);
    std::memcpy(arg + 8, &n, 4);
    std::memcpy(arg + 12, &flags, 4);
    void* where = arg;
    if (chance(3))
        where = nullptr;
    else if (chance(3))
        where = reinterpret_cast<void*>(0xffffffff81000000ull);
    if (ioctl(fd, cmd, where) == 0)
        g_succeeded++;
}

int open_random_os()
{
    std::string path = "/dev/mcos" + std::to_string(rnd(4));
    return open(path.c_str(), O_RDWR | O_CLOEXEC);
}

bool cleanup(int dev)
{
    std::vector<uint32_t> os(IHK_MAX_OS);
    ihk_os_list list{reinterpret_cast<uintptr_t>(os.data()), IHK_MAX_OS, 0};
    if (ioctl(dev, IHK_DEVICE_QUERY_OS, &list))
        return false;
    for (uint32_t i = 0; i < list.count; i++) {
        ihk_os_index d{os[i], 0};
        if (ioctl(dev, IHK_DEVICE_DESTROY_OS, &d))
            return false;
    }
    std::vector<ihk_cpu_info> cpus(64);
    ihk_cpu_query q{reinterpret_cast<uintptr_t>(cpus.data()), 64, 0};
    if (ioctl(dev, IHK_DEVICE_QUERY_CPU, &q))
        return false;
    std::vector<uint32_t> nums;
    for (uint32_t i = 0; i < q.count; i++)
        nums.push_back(cpus[i].cpu);
    ihk_cpu_list rel{reinterpret_cast<uintptr_t>(nums.data()), static_cast<uint32_t>(nums.size()), 0, 0, 0};
    if (!nums.empty() && ioctl(dev, IHK_DEVICE_RELEASE_CPU, &rel))
        return false;
    ihk_mem_req all{IHK_MEM_ALL, IHK_NUMA_ALL, 0};
    ihk_mem_list mem{reinterpret_cast<uintptr_t>(&all), 1, 0, 0, 0};
    return ioctl(dev, IHK_DEVICE_RELEASE_MEM, &mem) == 0;
}

} // namespace

int main(int argc, char** argv)
{
    unsigned long iterations = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20000;
    unsigned long seed = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1;
    g_rng.seed(seed);
    int dev = open("/dev/mcd0", O_RDWR | O_CLOEXEC);
    if (dev < 0) {
        std::perror("/dev/mcd0");
        return 2;
    }
    unsigned long calls = 0;
    for (unsigned long i = 0; i < iterations; i++) {
        if (i % 64 == 0)
            fill_scratch();
        if (chance(60)) {
            random_call(dev, DEVICE_CMDS[rnd(std::size(DEVICE_CMDS))]);
        } else if (chance(70)) {
            int os = open_random_os();
            if (os >= 0) {
                random_call(os, OS_CMDS[rnd(std::size(OS_CMDS))]);
                close(os);
            }
        } else {
            // Unknown commands, ours and foreign.
            unsigned long cmd = chance(50) ? _IOC(rnd(4), IHK_IOCTL_MAGIC, rnd(256), rnd(128)) : g_rng();
            random_call(dev, cmd);
        }
        calls++;
    }
    std::printf("ihk_ioctl_fuzz: %lu calls (%lu succeeded), seed %lu\n", calls, g_succeeded, seed);
    if (!cleanup(dev)) {
        std::fprintf(stderr, "ihk_ioctl_fuzz: cleanup through the regular calls failed: %s\n", std::strerror(errno));
        return 1;
    }
    close(dev);
    return 0;
}
