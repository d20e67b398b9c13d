// SPDX-License-Identifier: GPL-2.0
// Refusal messages name the refused value and say what is wrong.
#include <ihk/device.h>
#include <ihk/errors.h>

#include <uapi/ihk/ihk.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <set>

using namespace ihk;

TEST(Errors, EveryReasonHasItsOwnMessage)
{
    std::set<std::string> seen;
    for (uint32_t r = 1; r < IHK_ERR_MAX; r++) {
        auto m = refusal_message(Subject::Cpu, r, EINVAL, "7");
        EXPECT_FALSE(m.empty());
        EXPECT_TRUE(seen.insert(m).second) << "reason " << r << " repeats: " << m;
    }
}

TEST(Errors, NamesTheRefusedValue)
{
    EXPECT_EQ(refusal_message(Subject::Cpu, IHK_ERR_CPU_NOT_PRESENT, ENODEV, "64"), "CPU 64 does not exist on this node");
    EXPECT_NE(refusal_message(Subject::Cpu, IHK_ERR_CPU_BOOT, EPERM, "0").find("CPU 0 cannot be reserved"),
              std::string::npos);
    EXPECT_NE(refusal_message(Subject::Mem, IHK_ERR_MEM_GRANULE, EINVAL, "3M@0").find("memory 3M@0"), std::string::npos);
    EXPECT_NE(refusal_message(Subject::Ikc, IHK_ERR_IKC_LINUX_CPU, EINVAL, "2:3").find("IKC map 2:3"),
              std::string::npos);
}

TEST(Errors, WordingDependsOnPoolOrInstance)
{
    auto pool = refusal_message(Subject::Cpu, IHK_ERR_CPU_ASSIGNED, EBUSY, "2");
    auto os = refusal_message(Subject::OsCpu, IHK_ERR_CPU_ASSIGNED, EBUSY, "2");
    EXPECT_NE(pool, os);
    EXPECT_NE(pool.find("release it from the OS"), std::string::npos);
}

TEST(Errors, FallsBackToErrno)
{
    EXPECT_NE(refusal_message(Subject::Cpu, 0, EPERM, "").find("only root"), std::string::npos);
    EXPECT_EQ(refusal_message(Subject::Cpu, 0, EFAULT, ""), "Bad address");
    EXPECT_NE(open_error_message("/dev/mcd0", ENOENT).find("is ihk.ko loaded"), std::string::npos);
    EXPECT_NE(open_error_message("/dev/mcd0", EACCES).find("permission denied"), std::string::npos);
}

TEST(MemPerNode, SumsExtentsByNode)
{
    std::vector<MemExtent> e = {{0x40000000, 2 << 20, 1, -1}, {0x80000000, 4 << 20, 0, 0}, {0x100000000, 2 << 20, 1, 0}};
    EXPECT_EQ(mem_per_node(e), (std::vector<MemChunk>{{4 << 20, 0}, {4 << 20, 1}}));
    EXPECT_TRUE(mem_per_node({}).empty());
}

TEST(OsStatus, Names)
{
    EXPECT_EQ(to_string(OsStatus::Inactive), "INACTIVE");
    EXPECT_EQ(to_string(OsStatus::Hungup), "HUNGUP");
}
