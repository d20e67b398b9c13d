// SPDX-License-Identifier: GPL-2.0
// mck-slurm: the root helper behind the SPANK plugin (docs/slurm-admin.md).
//   mck-slurm plan      [request options] [--topology XML]   what a job would get here
//   mck-slurm prolog    --job ID --uid U --gid G --node N --workdir DIR [request options]
//   mck-slurm epilog    --job ID
//   mck-slurm reconcile                                       at node start, before slurmd
// Exit status 0; 2 when the job's request does not fit this node (the job fails,
// the node does not: the reason is kept for the job's tasks); or 1 with one line
// on stderr (slurmd logs it; Slurm drains the node).
#include "job_report.h"
#include "node.h"
#include "options.h"
#include "planner.h"
#include "request.h"
#include "site_config.h"
#include "slurm_record.h"

#include <CLI/CLI.hpp>
#include <ihk/parse.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

using namespace mckslurm;

namespace {

struct Args {
    std::string config = MCK_SITE_CONFIG;
    std::string topology;
    uint32_t job = 0, uid = 0, gid = 0;
    uint32_t array_job = 0, array_task = 0;
    std::string node, workdir = "/";
    OptionValues options; // the job's --mck* options as given, by the option table
};

[[noreturn]] void die(const std::string& what)
{
    fprintf(stderr, "mck-slurm: %s\n", what.c_str());
    exit(1);
}

template <typename T>
T must(ihk::Result<T> r)
{
    if (!r)
        die(r.error().message);
    if constexpr (!std::is_void_v<T>)
        return std::move(r).value();
}

std::string refused_path(const SiteConfig& site, uint32_t job) { return site.state_dir + "/job-" + std::to_string(job) + ".refused"; }

// Every job-*.refused in @dir, by name (no shell: the site's directory may
// hold any character).
void remove_refusals(const std::string& dir)
{
    static const std::string prefix = "job-", suffix = ".refused";
    DIR* d = opendir(dir.c_str());
    if (!d)
        return;
    while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        if (n.size() > prefix.size() + suffix.size() && n.compare(0, prefix.size(), prefix) == 0 &&
            n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0 && unlinkat(dirfd(d), e->d_name, 0) != 0 &&
            errno != ENOENT)
            fprintf(stderr, "mck-slurm: cannot remove %s/%s: %s\n", dir.c_str(), e->d_name, strerror(errno));
    }
    closedir(d);
}

// The job asked for something this node cannot give: a user's mistake, not the node's.
// What this node's LWK got, in the job's record (scontrol show job); best effort.
void record(const SiteConfig& site, uint32_t job, const std::string& node, const std::string& what)
{
    if (node.empty())
        return;
    if (auto r = record_job_comment(site, job, node, "mck@" + node + ": " + what); !r)
        fprintf(stderr, "mck-slurm: job %u: cannot record in the job's AdminComment: %s\n", job, r.error().message.c_str());
}

// The node is in trouble: drain it with a reason an admin can act on, then fail.
[[noreturn]] void node_failed(const SiteConfig& site, const std::string& node, const std::string& why)
{
    if (!node.empty())
        if (auto r = drain_node(site, node, "mck: " + why + " (mck-slurm reconcile, then resume)"); !r)
            fprintf(stderr, "mck-slurm: cannot drain %s: %s\n", node.c_str(), r.error().message.c_str());
    die(why);
}

[[noreturn]] void refuse(const SiteConfig& site, uint32_t job, const std::string& node, const std::string& why)
{
    record(site, job, node, "refused: " + why);
    mkdir(site.state_dir.c_str(), 0700);
    if (FILE* f = fopen(refused_path(site, job).c_str(), "w")) {
        fprintf(f, "%s\n", why.c_str());
        fclose(f);
    }
    fprintf(stderr, "mck-slurm: job %u: %s\n", job, why.c_str());
    exit(2);
}

JobRequest request(const Args& a, const SiteConfig& site)
{
    return must(build_request(a.options, RequestPolicy{site.allow_test_kargs}, site.kmsg));
}

// Plan from the topology saved while every CPU was Linux's; refresh it when the node is whole.
Topology node_topology(const SiteConfig& site, const std::string& override_xml)
{
    if (!override_xml.empty())
        return must(topology_from_xml(override_xml));
    std::string saved = site.state_dir + "/topology.xml";
    mkdir(site.state_dir.c_str(), 0700);
    std::string present;
    {
        FILE* f = fopen("/sys/devices/system/cpu/present", "r");
        char buf[256] = {};
        if (f && fgets(buf, sizeof(buf), f))
            present = buf;
        if (f)
            fclose(f);
        while (!present.empty() && present.back() == '\n')
            present.pop_back();
    }
    if (online_cpus() == present) {
        Topology t = must(topology_from_system());
        must(topology_save_xml(t.get(), saved));
        return t;
    }
    if (access(saved.c_str(), R_OK) != 0)
        die("CPUs " + online_cpus() + " of " + present + " are online and no topology was saved before: run reconcile");
    return must(topology_from_xml(saved));
}

void print_plan(const Plan& p)
{
    printf("cpus %s\nmem %s\n", ihk::format_cpu_list(p.cpus).c_str(), ihk::format_mem_chunks(p.mem).c_str());
    if (!p.ikc_map.empty())
        printf("ikc_map %s\n", p.ikc_map.c_str());
}

int prolog(const Args& a, const SiteConfig& site)
{
    if (access(state_path(site, a.job).c_str(), F_OK) == 0)
        return 0; // this job's partition is up already (a requeued prolog)
    // The node is the job's alone (exclusive): anything left is stale.
    if (!list_states(site).empty() || access("/dev/mcd0", F_OK) == 0) {
        fprintf(stderr, "mck-slurm: job %u: cleaning up what an earlier job left\n", a.job);
        if (auto r = teardown_node(); !r)
            node_failed(site, a.node, "job " + std::to_string(a.job) + ": cannot clean up what an earlier job left: " +
                                          r.error().message);
        for (const auto& s : list_states(site))
            unlink(s.c_str());
    }
    // A bad option is the job's problem, not a reason to drain the node.
    auto checked = build_request(a.options, RequestPolicy{site.allow_test_kargs}, site.kmsg);
    if (!checked)
        refuse(site, a.job, a.node, checked.error().message);
    JobRequest req = *checked;
    Topology topo = node_topology(site, a.topology);
    auto planned = plan_partition(topo.get(), site, req);
    if (!planned)
        refuse(site, a.job, a.node, planned.error().message);
    Plan plan = *planned;
    JobState st;
    st.job = a.job;
    st.uid = a.uid;
    st.gid = a.gid;
    st.online = online_cpus();
    st.cpus = ihk::format_cpu_list(plan.cpus);
    st.mem = ihk::format_mem_chunks(plan.mem);
    KmsgJob kj{a.job, a.array_job, a.array_task, a.node, a.workdir};
    // slurmd need not put the array's ids in the prolog's environment: ask slurmctld.
    if (!a.array_job && (req.kmsg.find("%A") != std::string::npos || req.kmsg.find("%a") != std::string::npos)) {
        if (auto ids = job_array_ids(site, a.job); !ids)
            fprintf(stderr, "mck-slurm: job %u: the job array's ids for --mck-kmsg: %s\n", a.job, ids.error().message.c_str());
        else if (*ids) {
            kj.array_job = (*ids)->job;
            kj.array_task = (*ids)->task;
        }
    }
    st.kmsg = kmsg_path(req.kmsg, kj);
    if (!site.report.empty())
        st.report = kmsg_path(site.report, kj);
    // The job's to mend (its directory's name, --mck-kmsg), refused before the
    // boot: the state file could not hold the path.
    for (const std::string* path : {&st.kmsg, &st.report})
        if (!is_utf8(*path))
            refuse(site, a.job, a.node,
                   "the path '" + *path + "' for the LWK's log or report is not UTF-8 text (the job's directory, --mck-kmsg)");
    auto started = std::chrono::steady_clock::now();
    auto booted = boot_partition(site, plan, req.kargs, a.uid, a.gid);
    if (!booted) {
        record(site, a.job, a.node, "boot failed");
        node_failed(site, a.node, "job " + std::to_string(a.job) + ": McKernel did not boot: " + booted.error().message);
    }
    st.os = *booted;
    if (!st.report.empty()) {
        // Without it the job runs, only without a report.
        if (auto r = make_report_gather_dir(report_gather_dir(site, a.job), a.uid, a.gid); !r) {
            fprintf(stderr, "mck-slurm: job %u: no per-job report: %s\n", a.job, r.error().message.c_str());
            st.report.clear();
        }
    }
    double boot_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (auto r = write_state(site, st); !r) {
        (void)teardown_node();
        die(r.error().message);
    }
    fprintf(stderr, "mck-slurm: job %u: McKernel %d on CPUs %s with %s, booted in %.1f s\n", a.job, st.os,
            st.cpus.c_str(), st.mem.c_str(), boot_s);
    char boot[32];
    snprintf(boot, sizeof(boot), "%.1f", boot_s);
    std::string mem; // per NUMA node, for people: 256M@0,256M@1
    for (const auto& c : plan.mem)
        mem += (mem.empty() ? "" : ",") + ihk::format_size(c.size) + "@" + std::to_string(c.numa_node);
    record(site, a.job, a.node,
           "cpus " + st.cpus + " (" + std::to_string(plan.cpus.size()) + "), mem " + mem + ", booted in " + boot + " s");
    return 0;
}

// Always leaves the node clean if it can; fails (drain) only if it cannot.
int epilog(const Args& a, const SiteConfig& site)
{
    std::string path = state_path(site, a.job);
    unlink(refused_path(site, a.job).c_str());
    auto st = read_state(path);
    std::string online;
    if (st) {
        online = st->online;
        if (auto r = save_kmsg(st->os, st->kmsg, st->uid, st->gid); !r)
            fprintf(stderr, "mck-slurm: job %u: %s\n", a.job, r.error().message.c_str()); // the user's problem, not the node's
        if (!st->report.empty())
            if (auto r = save_job_report(report_gather_dir(site, a.job), st->report, st->uid, st->gid); !r)
                fprintf(stderr, "mck-slurm: job %u: %s\n", a.job, r.error().message.c_str());
    }
    remove_report_gather_dir(report_gather_dir(site, a.job));
    auto down = teardown_node();
    auto clean = verify_clean(online);
    if (!down || !clean) {
        std::string why = "job " + std::to_string(a.job) + " left the node unclean: " +
                          (!down ? down.error().message : clean.error().message);
        // Drained with this reason, the node takes no job; the ended job needs no
        // failing epilog (which would only replace the reason with "Epilog error").
        if (!a.node.empty() && drain_node(site, a.node, "mck: " + why + " (mck-slurm reconcile, then resume)")) {
            fprintf(stderr, "mck-slurm: %s: drained %s\n", why.c_str(), a.node.c_str());
            return 0;
        }
        die(why);
    }
    unlink(path.c_str());
    return 0;
}

int reconcile(const SiteConfig& site)
{
    std::string online;
    for (const auto& path : list_states(site)) {
        if (auto st = read_state(path)) {
            online = st->online;
            // Keep what the LWK logged for the admin; the job is gone.
            (void)save_kmsg(st->os, site.state_dir + "/job-" + std::to_string(st->job) + ".kmsg", 0, 0);
        }
    }
    auto down = teardown_node();
    auto clean = verify_clean(online);
    if (!down || !clean)
        die("reconcile: the node is not clean: " + (!down ? down.error().message : clean.error().message));
    for (const auto& path : list_states(site))
        unlink(path.c_str());
    remove_report_gather_dirs(site.state_dir + ".reports");
    remove_refusals(site.state_dir);
    printf("mck-slurm: node clean (CPUs online %s)\n", online_cpus().c_str());
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    Args a;
    CLI::App app{"Root helper of the McKernel SPANK plugin: plans, boots and tears down a job's LWK partition.",
                 "mck-slurm"};
    app.add_option("--config", a.config, "Site configuration file")->capture_default_str();
    app.require_subcommand(1);
    // The job's options, one flag each, from the plugin's option table.
    auto request_opts = [&](CLI::App* c) {
        for (const auto& o : option_table()) {
            auto* opt = c->add_option_function<std::string>(
                option_helper_flag(o), [&a, id = o.id](const std::string& v) { a.options[int(id)] = v; },
                std::string("--") + o.name + ": " + o.usage);
            opt->option_text(o.arginfo);
            if (o.has_arg == 2)
                opt->expected(0, 1);
        }
    };
    auto* plan = app.add_subcommand("plan", "Print the partition a request would get on this node");
    request_opts(plan);
    plan->add_option("--topology", a.topology, "Plan for this hwloc XML instead of this node")->check(CLI::ExistingFile);
    auto* pro = app.add_subcommand("prolog", "Boot the job's partition (slurmd's prolog, as root)");
    request_opts(pro);
    pro->add_option("--job", a.job, "Job id")->required();
    pro->add_option("--uid", a.uid, "The job's user")->required();
    pro->add_option("--gid", a.gid, "The job's group")->required();
    pro->add_option("--node", a.node, "This node's name")->required();
    pro->add_option("--workdir", a.workdir, "The job's working directory (relative kmsg paths)");
    pro->add_option("--array-job", a.array_job, "The job array's id (%A in the kmsg file)");
    pro->add_option("--array-task", a.array_task, "The index in the job array (%a in the kmsg file)");
    pro->add_option("--topology", a.topology, "Plan for this hwloc XML")->check(CLI::ExistingFile);
    auto* epi = app.add_subcommand("epilog", "Collect the log, tear down, check the node (slurmd's epilog)");
    epi->add_option("--job", a.job, "Job id")->required();
    epi->add_option("--node", a.node, "This node's name (to drain it with a reason if it cannot be made clean)");
    app.add_subcommand("reconcile", "Clean up after a crash; run at boot before slurmd starts");
    app.set_version_flag("--version", "mck-slurm (McKernel suite) " MCK_VERSION);
    CLI11_PARSE(app, argc, argv);

    SiteConfig site = must(load_site_config(a.config));
    if (*plan) {
        JobRequest req = request(a, site);
        Topology topo = a.topology.empty() ? must(topology_from_system()) : must(topology_from_xml(a.topology));
        print_plan(must(plan_partition(topo.get(), site, req)));
        return 0;
    }
    if (geteuid() != 0)
        die("must run as root");
    if (*pro)
        return prolog(a, site);
    if (*epi)
        return epilog(a, site);
    return reconcile(site);
}
