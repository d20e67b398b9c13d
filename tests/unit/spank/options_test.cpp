// SPDX-License-Identifier: GPL-2.0
// The option table (spank/lib/options.h): names, environment variables, the
// helper's flags, and the SLURM_MCK* path validated exactly like the options.
#include "options.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace mckslurm;

namespace {

struct FakeEnv {
    std::map<std::string, std::string> vars;
    std::function<const char*(const char*)> lookup()
    {
        return [this](const char* n) -> const char* {
            auto it = vars.find(n);
            return it == vars.end() ? nullptr : it->second.c_str();
        };
    }
};

} // namespace

TEST(SpankOptions, TableDerivesEveryName)
{
    std::set<std::string> names, envs, flags;
    for (const auto& o : option_table()) {
        EXPECT_TRUE(names.insert(o.name).second) << o.name;
        EXPECT_TRUE(envs.insert(option_env_name(o)).second) << o.name;
        EXPECT_TRUE(flags.insert(option_helper_flag(o)).second) << o.name;
        EXPECT_EQ(std::string(o.name).rfind("mck", 0), 0u) << o.name;
        EXPECT_NE(o.apply, nullptr);
        EXPECT_EQ(find_option(o.name), &o);
    }
    EXPECT_EQ(option_env_name(option(OptionId::MCK)), "SLURM_MCK");
    EXPECT_EQ(option_env_name(option(OptionId::CPUS)), "SLURM_MCK_CPUS");
    EXPECT_EQ(option_env_name(option(OptionId::IKC)), "SLURM_MCK_IKC_MAP");
    EXPECT_EQ(option_helper_flag(option(OptionId::MCK)), "--mck");
    EXPECT_EQ(option_helper_flag(option(OptionId::IKC)), "--ikc-map");
    EXPECT_EQ(slurm_option_env_name(option(OptionId::CPUS), "mckernel"), "SLURM_SPANK__SLURM_SPANK_OPTION_mckernel_mck_cpus");
    EXPECT_EQ(find_option("mck-nothing"), nullptr);
}

TEST(SpankOptions, GiveValidatesAndRecords)
{
    GivenOptions g;
    JobRequest r;
    EXPECT_TRUE(g.give(r, OptionId::MCK, "", {}));
    EXPECT_TRUE(r.enabled);
    EXPECT_FALSE(g.any_besides_mck());
    EXPECT_TRUE(g.give(r, OptionId::CPUS, "4", {}));
    EXPECT_EQ(r.cores.value_or(0), 4u);
    auto bad = g.give(r, OptionId::MEM, "lots", {});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("--mck-mem='lots'"), std::string::npos) << bad.error().message;
    EXPECT_FALSE(g.value(OptionId::MEM)); // a refused value is not recorded
    auto empty = g.give(r, OptionId::KMSG, "", {});
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().message.find("--mck-kmsg needs a value"), std::string::npos);
    EXPECT_FALSE(g.give(r, OptionId::KARGS, "test_hang=1", {}));
    EXPECT_TRUE(g.give(r, OptionId::KARGS, "test_hang=1", RequestPolicy{true}));
    EXPECT_TRUE(g.any_besides_mck());
}

TEST(SpankOptions, HelperArgsRoundTrip)
{
    GivenOptions g;
    JobRequest r;
    ASSERT_TRUE(g.give(r, OptionId::MCK, "cpus=2:mem=1G", {}));
    ASSERT_TRUE(g.give(r, OptionId::CPUS, "3", {}));
    ASSERT_TRUE(g.give(r, OptionId::KMSG, "log-%A-%a.txt", {}));
    auto args = helper_args(g.values());
    std::vector<std::string> want{"--mck", "cpus=2:mem=1G", "--cpus", "3", "--kmsg", "log-%A-%a.txt"};
    EXPECT_EQ(args, want);
    // The helper rebuilds the same request; --mck-cpus wins over cpus= in --mck.
    auto req = build_request(g.values(), {}, "default.log");
    ASSERT_TRUE(req);
    EXPECT_EQ(req->cores.value_or(0), 3u);
    EXPECT_EQ(req->mem_total.value_or(0), 1ull << 30);
    EXPECT_EQ(req->kmsg, "log-%A-%a.txt");
    OptionValues none;
    none[int(OptionId::MCK)] = "";
    auto dflt = build_request(none, {}, "default.log");
    ASSERT_TRUE(dflt);
    EXPECT_EQ(dflt->kmsg, "default.log");
    EXPECT_TRUE(dflt->enabled);
    none[int(OptionId::CPUS)] = "0-3";
    EXPECT_FALSE(build_request(none, {}, "default.log")); // CPU 0 stays with Linux, in the helper too
}

TEST(SpankOptions, Environment)
{
    FakeEnv env;
    EXPECT_TRUE(options_from_env(env.lookup()).empty());
    for (const char* off : {"0", "no", "OFF", "false", ""}) {
        env.vars = {{"SLURM_MCK", off}};
        EXPECT_TRUE(options_from_env(env.lookup()).empty()) << off;
    }
    for (const char* on : {"1", "yes", "On", "TRUE"}) {
        env.vars = {{"SLURM_MCK", on}};
        auto got = options_from_env(env.lookup());
        ASSERT_EQ(got.size(), 1u) << on;
        EXPECT_EQ(got[0].spec->id, OptionId::MCK);
        EXPECT_EQ(got[0].value, "");
    }
    env.vars = {{"SLURM_MCK", "cpus=4:mem=8G"}, {"SLURM_MCK_KMSG", "k-%j.log"}, {"SLURM_MCK_CPUS", "abc"},
                {"SLURM_MCKX", "1"}, {"MCK_CPUS", "2"}};
    auto got = options_from_env(env.lookup());
    ASSERT_EQ(got.size(), 3u);
    // Table order, values as given: they go through the options' own validators.
    EXPECT_EQ(got[0].spec->id, OptionId::MCK);
    EXPECT_EQ(got[0].value, "cpus=4:mem=8G");
    EXPECT_EQ(got[1].spec->id, OptionId::CPUS);
    EXPECT_EQ(got[2].spec->id, OptionId::KMSG);
    GivenOptions g;
    JobRequest r;
    auto bad = g.give(r, got[1].spec->id, got[1].value, {});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("--mck-cpus='abc'"), std::string::npos);
}

TEST(SpankOptions, HostileEnvironmentValues)
{
    // Whatever the environment says goes through the validators: nothing reaches a node unchecked.
    for (auto [opt, value] : std::vector<std::pair<OptionId, std::string>>{
             {OptionId::MCK, "cpus=4:evil=1"}, {OptionId::CPUS, "99999999999"}, {OptionId::CPUS, "-1"},
             {OptionId::MEM, "1G@-1"}, {OptionId::MEM, "18446744073709551616"}, {OptionId::IKC, "::"},
             {OptionId::KARGS, "a\nb"}, {OptionId::KARGS, std::string(2000, 'x')}, {OptionId::KMSG, "%x"},
             {OptionId::KMSG, "dir/"}, {OptionId::KMSG, "a%"}}) {
        GivenOptions g;
        JobRequest r;
        EXPECT_FALSE(g.give(r, opt, value, {})) << option(opt).name << "=" << value;
    }
}

TEST(SpankOptions, KmsgArrayPatterns)
{
    JobRequest r;
    EXPECT_TRUE(apply_kmsg(r, "k-%A_%a-%j-%N.log"));
    EXPECT_TRUE(apply_kmsg(r, "100%%-%j"));
    EXPECT_EQ(kmsg_path("k-%A_%a-%j-%N.log", KmsgJob{12, 10, 2, "n1", "/w"}), "/w/k-10_2-12-n1.log");
    // Not an array element: %A is the job id, %a is 0.
    EXPECT_EQ(kmsg_path("k-%A_%a.log", KmsgJob{12, 0, 0, "n1", "/w"}), "/w/k-12_0.log");
    EXPECT_EQ(kmsg_path("/abs/100%%-%j", KmsgJob{7, 0, 0, "n", "/w"}), "/abs/100%-7");
}

#include "slurm_record.h"

TEST(SpankRecord, AdminCommentKeepsOtherNodes)
{
    EXPECT_EQ(merge_admin_comment("", "n1", "mck@n1: cpus 1-3"), "mck@n1: cpus 1-3");
    EXPECT_EQ(merge_admin_comment("mck@n1: old", "n1", "mck@n1: new"), "mck@n1: new");
    EXPECT_EQ(merge_admin_comment("mck@n2: b | site note", "n1", "mck@n1: a"), "mck@n2: b | site note | mck@n1: a");
    EXPECT_EQ(merge_admin_comment("mck@n10: x | mck@n1: y", "n1", "mck@n1: z"), "mck@n10: x | mck@n1: z");
    std::string shown = "JobId=5 JobName=x\n   Comment=hello \n   AdminComment=mck@vnode: cpus 1-3 (3), mem 512M@0 \n   Power=\n";
    EXPECT_EQ(admin_comment_of(shown), "mck@vnode: cpus 1-3 (3), mem 512M@0");
    EXPECT_EQ(admin_comment_of("JobId=5\n"), "");
}

TEST(SpankRecord, ArrayIds)
{
    auto ids = array_ids_of("JobId=13 ArrayJobId=10 ArrayTaskId=3 JobName=wrap\n   UserId=u(1)\n");
    ASSERT_TRUE(ids);
    EXPECT_EQ(ids->job, 10u);
    EXPECT_EQ(ids->task, 3u);
    EXPECT_FALSE(array_ids_of("JobId=13 JobName=wrap\n"));
    EXPECT_FALSE(array_ids_of("JobId=1 ArrayJobId=99999999999 ArrayTaskId=1\n"));
    EXPECT_FALSE(array_ids_of("JobId=1 XArrayJobId=5 ArrayTaskId=1\n"));
}
