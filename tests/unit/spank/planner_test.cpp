// SPDX-License-Identifier: GPL-2.0
// The partition planner on hwloc synthetic topologies, the job options and the
// site configuration: what a job gets, and every refusal's message.
#include "node.h"
#include "planner.h"
#include "request.h"
#include "site_config.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <ihk/parse.h>

using namespace mckslurm;

namespace {

Topology synth(const std::string& d)
{
    auto t = topology_from_synthetic(d);
    EXPECT_TRUE(t) << d;
    return std::move(t).value();
}

JobRequest req(const std::string& cpus = "", const std::string& mem = "")
{
    JobRequest r;
    EXPECT_TRUE(apply_mck(r, ""));
    if (!cpus.empty()) {
        EXPECT_TRUE(apply_cpus(r, cpus));
    }
    if (!mem.empty()) {
        EXPECT_TRUE(apply_mem(r, mem));
    }
    return r;
}

std::string cpus(const Plan& p) { return ihk::format_cpu_list(p.cpus); }
std::string mem(const Plan& p) { return ihk::format_mem_chunks(p.mem); }

} // namespace

TEST(Planner, OneNumaNodeKeepsOneCoreForLinux)
{
    auto t = synth("numa:1(memory=8GiB) core:8 pu:1");
    auto p = plan_partition(t.get(), default_site_config(), req());
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(cpus(*p), "1-7");
    EXPECT_EQ(mem(*p), std::to_string(4ull << 30) + "@0"); // the default: half
}

TEST(Planner, CoresSpreadOverNumaNodesAndMemoryFollows)
{
    auto t = synth("pack:2 numa:1(memory=4GiB) core:4 pu:1");
    auto p = plan_partition(t.get(), default_site_config(), req("4", "2G"));
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(cpus(*p), "1-2,5-6"); // two cores on each node; 0 and 4 stay with Linux
    EXPECT_EQ(mem(*p), std::to_string(1ull << 30) + "@0," + std::to_string(1ull << 30) + "@1");
}

TEST(Planner, SmtGivesWholeCores)
{
    auto t = synth("numa:1(memory=4GiB) core:4 pu:2");
    auto p = plan_partition(t.get(), default_site_config(), req("2"));
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(cpus(*p), "2-5"); // cores 1 and 2, both hyperthreads each
}

TEST(Planner, UnevenNodes)
{
    auto t = synth("numa:2(memory=2GiB) core:3 pu:1");
    SiteConfig site = default_site_config();
    site.linux_cores_per_numa = 2;
    auto p = plan_partition(t.get(), site, req());
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(cpus(*p), "2,5");
    auto too_many = plan_partition(t.get(), site, req("3"));
    ASSERT_FALSE(too_many);
    EXPECT_NE(too_many.error().message.find("gives the LWK at most 2"), std::string::npos) << too_many.error().message;
    EXPECT_EQ(too_many.error().message.find("--mck-cpus: "), 0u) << too_many.error().message;
    // Without --mck-cpus the site's default asked: the message must not blame the job's option.
    site.default_cores = 3;
    auto site_default = plan_partition(t.get(), site, req());
    ASSERT_FALSE(site_default);
    EXPECT_EQ(site_default.error().message.find("the site's default_cores: 3 cores asked for"), 0u)
        << site_default.error().message;
    // One core, which Linux keeps: nothing to give, said as such.
    auto single = synth("numa:1(memory=4GiB) core:1 pu:1");
    auto none = plan_partition(single.get(), default_site_config(), req());
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().message.find("--mck: this node gives the LWK no cores (of 1 CPUs"), 0u) << none.error().message;
}

TEST(Planner, ExplicitListsAreCheckedAgainstTheTopology)
{
    auto t = synth("numa:2(memory=2GiB) core:4 pu:1");
    auto ok = plan_partition(t.get(), default_site_config(), req("2-3,6"));
    ASSERT_TRUE(ok) << ok.error().message;
    // Half of both nodes (the default), split 2:1 like the cores, in 2 MiB blocks.
    EXPECT_EQ(mem(*ok), std::to_string(682ull * 2 << 20) + "@0," + std::to_string(341ull * 2 << 20) + "@1");
    auto missing = plan_partition(t.get(), default_site_config(), req("2,9"));
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("CPU 9 does not exist"), std::string::npos);
    auto kept = plan_partition(t.get(), default_site_config(), req("4-5"));
    ASSERT_FALSE(kept);
    EXPECT_NE(kept.error().message.find("CPU 4 stays with Linux"), std::string::npos) << kept.error().message;
}

TEST(Planner, MemoryIsCapped)
{
    auto t = synth("numa:2(memory=2GiB) core:4 pu:1");
    auto p = plan_partition(t.get(), default_site_config(), req("", "1G@0,512M@1"));
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(mem(*p), std::to_string(1ull << 30) + "@0," + std::to_string(512ull << 20) + "@1");
    auto over = plan_partition(t.get(), default_site_config(), req("", "2G@0"));
    ASSERT_FALSE(over);
    EXPECT_NE(over.error().message.find("more than the LWK may have"), std::string::npos);
    auto nonode = plan_partition(t.get(), default_site_config(), req("", "1G@5"));
    ASSERT_FALSE(nonode);
    EXPECT_NE(nonode.error().message.find("NUMA node 5 does not exist"), std::string::npos);
    auto total = plan_partition(t.get(), default_site_config(), req("", "8G"));
    ASSERT_FALSE(total);
    // The cap is per node, however the job splits its chunks.
    auto twice = plan_partition(t.get(), default_site_config(), req("", "1G@0,1G@0"));
    ASSERT_FALSE(twice);
    EXPECT_NE(twice.error().message.find("on NUMA node 0 is more than the LWK may have"), std::string::npos)
        << twice.error().message;
    auto tiny = plan_partition(t.get(), default_site_config(), req("", "1M@0"));
    ASSERT_FALSE(tiny);
    EXPECT_NE(tiny.error().message.find("is less than the 2M"), std::string::npos) << tiny.error().message;
}

TEST(Planner, IkcMapIsCheckedAgainstThePartition)
{
    auto t = synth("numa:1(memory=2GiB) core:4 pu:1");
    auto with_map = [&](const std::string& cpus, const std::string& map) {
        JobRequest r = req(cpus);
        EXPECT_TRUE(apply_ikc_map(r, map));
        return plan_partition(t.get(), default_site_config(), r);
    };
    auto ok = with_map("2", "1-2:0");
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->ikc_map, "1-2:0");
    auto not_lwk = with_map("1", "3:0");
    ASSERT_FALSE(not_lwk);
    EXPECT_NE(not_lwk.error().message.find("CPU 3 is not one of the LWK's (1)"), std::string::npos)
        << not_lwk.error().message;
    auto missing = with_map("2", "1:7");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("CPU 7 is not one Linux keeps on this node (0,3)"), std::string::npos)
        << missing.error().message;
    auto lwk_itself = with_map("2", "1:2");
    ASSERT_FALSE(lwk_itself);
    EXPECT_NE(lwk_itself.error().message.find("CPU 2 is not one Linux keeps"), std::string::npos);
}

TEST(Request, OptionSyntax)
{
    JobRequest r;
    EXPECT_TRUE(apply_mck(r, "cpus=4:mem=8G"));
    EXPECT_EQ(*r.cores, 4u);
    EXPECT_EQ(*r.mem_total, 8ull << 30);
    EXPECT_FALSE(apply_mck(r, "cores=4"));
    EXPECT_FALSE(apply_cpus(r, "0-3"));
    EXPECT_FALSE(apply_cpus(r, "0"));
    EXPECT_FALSE(apply_cpus(r, "4-2"));
    EXPECT_FALSE(apply_cpus(r, "many"));
    EXPECT_FALSE(apply_mem(r, "lots"));
    EXPECT_FALSE(apply_mem(r, "all@0"));
    EXPECT_FALSE(apply_mem(r, "1K"));
    EXPECT_FALSE(apply_ikc_map(r, "2-3"));
    EXPECT_TRUE(apply_ikc_map(r, "2-3:0"));
    EXPECT_FALSE(apply_kargs(r, "test_hang=1", false));
    EXPECT_TRUE(apply_kargs(r, "test_hang=1", true));
    EXPECT_FALSE(apply_kargs(r, "a\"b", true));
    EXPECT_FALSE(apply_kmsg(r, "dir/"));
    EXPECT_FALSE(apply_kmsg(r, "log-%x"));
    auto e = apply_cpus(r, "4-2");
    EXPECT_NE(e.error().message.find("--mck-cpus='4-2'"), std::string::npos) << e.error().message;
}

TEST(Request, KmsgPath)
{
    EXPECT_EQ(kmsg_path("mck-kmsg-%j-%N.log", 42, "n1", "/home/u"), "/home/u/mck-kmsg-42-n1.log");
    EXPECT_EQ(kmsg_path("/scratch/%N/%j%%", 7, "c3", "/home/u"), "/scratch/c3/7%");
}

TEST(SiteConfig, KeysAreCheckedWithFileAndLine)
{
    auto ok = parse_site_config("# comment\nlinux_cores_per_numa = 2\ndefault_mem = 4G\nmem_cap = 80%\n"
                                "allow_test_kargs = yes\nstate_dir = /var/run/x\nboot_timeout = 30\n",
                                "site.conf");
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->linux_cores_per_numa, 2u);
    EXPECT_EQ(ok->default_mem_bytes, 4ull << 30);
    EXPECT_EQ(ok->mem_cap_percent, 80u);
    EXPECT_TRUE(ok->allow_test_kargs);
    EXPECT_TRUE(ok->memlock_unlimited) << "the default";
    auto keep = parse_site_config("memlock = keep\n", "site.conf");
    ASSERT_TRUE(keep) << keep.error().message;
    EXPECT_FALSE(keep->memlock_unlimited);
    EXPECT_EQ(keep->report, "mck-report-%j-%N.json") << "the default";
    auto report = parse_site_config("report = r-%j.json\n", "site.conf");
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report->report, "r-%j.json");
    auto none = parse_site_config("report = none\n", "site.conf");
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_EQ(none->report, "") << "none: no reports";
    struct Bad {
        const char* text;
        const char* message;
    } bad[] = {{"frobnicate = 1\n", "site.conf:1: unknown key 'frobnicate'"},
               {"\nmem_cap = 120%\n", "site.conf:2: mem_cap: '120' is not a number from 1 to 100"},
               {"mem_cap\n", "is not 'key = value'"},
               {"state_dir = relative\n", "is not an absolute path"},
               {"allow_test_kargs = maybe\n", "is not yes or no"},
               {"default_mem = 95%\n", "is above mem_cap"},
               {"memlock = 8M\n", "site.conf:1: memlock: '8M' is not unlimited or keep"},
               {"report = dir/\n", "site.conf:1: report: 'dir/' is not a file name or none"},
               {"default_mem = 0\n", "site.conf:1: default_mem: '0' is no memory"},
               {"mem_cap = 80%\n# later\nmem_cap = 70%\n", "site.conf:3: 'mem_cap' is set already on line 1"}};
    for (const auto& b : bad) {
        auto r = parse_site_config(b.text, "site.conf");
        ASSERT_FALSE(r) << b.text;
        EXPECT_NE(r.error().message.find(b.message), std::string::npos) << r.error().message;
    }
}

// The state file is JSON: a path that is not UTF-8 (a job's directory may have
// any name) is refused before the boot, not an exception in the prolog.
TEST(NodeState, PathsMustBeUtf8)
{
    EXPECT_TRUE(is_utf8("/home/caf\xc3\xa9/job.kmsg"));
    EXPECT_FALSE(is_utf8("/home/caf\xe9/job.kmsg"));
    char dir[] = "/tmp/mck-state-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    SiteConfig site = default_site_config();
    site.state_dir = dir;
    JobState st;
    st.job = 7;
    st.kmsg = "/home/caf\xe9/job.kmsg";
    auto bad = write_state(site, st);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("is not UTF-8 text"), std::string::npos) << bad.error().message;
    st.kmsg = "/home/caf\xc3\xa9/job.kmsg";
    ASSERT_TRUE(write_state(site, st));
    auto back = read_state(state_path(site, 7));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->kmsg, st.kmsg);
    unlink(state_path(site, 7).c_str());
    rmdir(dir);
}
