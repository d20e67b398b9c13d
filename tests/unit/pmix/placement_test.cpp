// SPDX-License-Identifier: GPL-2.0
// Task placement from each launcher's variables, their precedence, and bad values.
#include "placement.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

using mckpmix::placement_from_env;

namespace {

mckpmix::GetEnv env(std::map<std::string, std::string> vars)
{
    auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
    return [shared](const char* name) -> const char* {
        auto it = shared->find(name);
        return it == shared->end() ? nullptr : it->second.c_str();
    };
}

} // namespace

TEST(Placement, EachLauncher)
{
    std::string err;
    auto p = placement_from_env(env({{"OMPI_COMM_WORLD_LOCAL_RANK", "3"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "4"}}), &err);
    ASSERT_TRUE(p) << err;
    EXPECT_EQ(p->local_rank, 3u);
    EXPECT_EQ(p->local_size, 4u);
    EXPECT_EQ(p->source, "Open MPI");
    p = placement_from_env(env({{"PMIX_LOCAL_RANK", "5"}, {"PMIX_LOCAL_SIZE", "6"}}), &err);
    ASSERT_TRUE(p) << err;
    EXPECT_EQ(p->local_rank, 5u);
    EXPECT_EQ(p->source, "PMIx");
    p = placement_from_env(env({{"MPI_LOCALRANKID", "1"}, {"MPI_LOCALNRANKS", "2"}}), &err);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->source, "MPICH");
    p = placement_from_env(env({{"SLURM_LOCALID", "1"}, {"SLURM_STEP_TASKS_PER_NODE", "2(x3),1"}, {"SLURM_NODEID", "3"}}), &err);
    EXPECT_FALSE(p) << "node 3 has one task, so local id 1 is impossible";
    EXPECT_NE(err.find("not below the local size 1"), std::string::npos) << err;
    p = placement_from_env(env({{"SLURM_LOCALID", "1"}, {"SLURM_STEP_TASKS_PER_NODE", "2(x3),1"}, {"SLURM_NODEID", "2"}}), &err);
    ASSERT_TRUE(p) << err;
    EXPECT_EQ(p->local_size, 2u);
    EXPECT_EQ(p->source, "Slurm");
}

TEST(Placement, OwnVariablesWinThenPmixThenOpenMpiThenSlurm)
{
    std::string err;
    auto p = placement_from_env(env({{"MCEXEC_LOCAL_RANK", "0"},
                                     {"MCEXEC_LOCAL_SIZE", "1"},
                                     {"OMPI_COMM_WORLD_LOCAL_RANK", "2"},
                                     {"OMPI_COMM_WORLD_LOCAL_SIZE", "4"},
                                     {"SLURM_LOCALID", "1"},
                                     {"SLURM_TASKS_PER_NODE", "2"}}),
                                &err);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->source, "mcexec");
    p = placement_from_env(env({{"PMIX_LOCAL_RANK", "1"},
                                {"PMIX_LOCAL_SIZE", "2"},
                                {"OMPI_COMM_WORLD_LOCAL_RANK", "2"},
                                {"OMPI_COMM_WORLD_LOCAL_SIZE", "4"}}),
                           &err);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->source, "PMIx");
    p = placement_from_env(env({{"OMPI_COMM_WORLD_LOCAL_RANK", "2"},
                                {"OMPI_COMM_WORLD_LOCAL_SIZE", "4"},
                                {"SLURM_LOCALID", "1"},
                                {"SLURM_TASKS_PER_NODE", "2"}}),
                           &err);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->source, "Open MPI");
}

TEST(Placement, NothingOrNonsense)
{
    std::string err = "x";
    EXPECT_FALSE(placement_from_env(env({}), &err));
    EXPECT_TRUE(err.empty()) << "no launcher is not an error";
    EXPECT_FALSE(placement_from_env(env({{"MCEXEC_LOCAL_RANK", "one"}, {"MCEXEC_LOCAL_SIZE", "2"}}), &err));
    EXPECT_NE(err.find("both must be numbers"), std::string::npos);
    EXPECT_FALSE(placement_from_env(env({{"SLURM_LOCALID", "0"}, {"SLURM_TASKS_PER_NODE", "2(x"}}), &err));
    EXPECT_NE(err.find("cannot tell the tasks on this node"), std::string::npos);
}

TEST(Placement, TasksPerNodeList)
{
    EXPECT_EQ(mckpmix::tasks_on_node("4", 0), 4u);
    EXPECT_EQ(mckpmix::tasks_on_node("2(x3),1", 0), 2u);
    EXPECT_EQ(mckpmix::tasks_on_node("2(x3),1", 3), 1u);
    EXPECT_FALSE(mckpmix::tasks_on_node("2(x3),1", 4));
    EXPECT_FALSE(mckpmix::tasks_on_node("2(x0)", 0));
    EXPECT_FALSE(mckpmix::tasks_on_node("a", 0));
}
