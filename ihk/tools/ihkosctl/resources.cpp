// SPDX-License-Identifier: GPL-2.0
// ihkosctl assign|release|query cpu|mem.
#include "commands.h"
#include "output.h"

#include <ihk/device.h>
#include <ihk/parse.h>

#include <memory>

namespace ihk::tools::ihkosctl {
namespace {

struct Args {
    std::string value;
};

Os open_os(const Options& opts, const std::string& context) { return must(Os::open(opts.index), context); }

// CPUs named on the command line, or for "all" those @all_source lists.
std::vector<uint32_t> cpus_or_all(const std::string& value, const std::vector<CpuInfo>& all, const std::string& ctx)
{
    if (value == "all")
        return cpu_numbers(all);
    return must(parse_cpu_list(value), ctx);
}

void add_assign(CLI::App& app, const Options& opts)
{
    auto* assign = app.add_subcommand("assign", "Move reserved CPUs or memory into this OS instance");
    assign->require_subcommand(1);
    auto args = std::make_shared<Args>();

    auto* cpu = assign->add_subcommand("cpu", "Assign reserved CPUs");
    cpu->add_option("cpus", args->value, "CPUs, or 'all' for every unassigned reserved CPU")
        ->required()
        ->check(cpu_list_validator(true));
    cpu->callback([&opts, args] {
        std::string ctx = "assign cpu " + args->value;
        std::vector<uint32_t> cpus;
        if (args->value == "all") {
            for (const auto& c : must(must(Device::open(0), ctx).query_cpus(), ctx))
                if (c.os_index < 0)
                    cpus.push_back(c.cpu);
            if (cpus.empty())
                throw Failure(ctx, make_error(ENOENT, "no unassigned reserved CPU left"));
        } else {
            cpus = must(parse_cpu_list(args->value), ctx);
        }
        must(open_os(opts, ctx).assign_cpus(cpus), ctx);
    });

    auto* mem = assign->add_subcommand("mem", "Assign reserved memory");
    mem->add_option("spec", args->value, "SIZE@NUMA list, all@NUMA, or 'all' for every unassigned byte")
        ->required()
        ->check(mem_spec_validator());
    mem->callback([&opts, args] {
        std::string ctx = "assign mem " + args->value;
        must(open_os(opts, ctx).assign_mem(must(parse_mem_spec(args->value), ctx)), ctx);
    });
}

void add_release(CLI::App& app, const Options& opts)
{
    auto* release = app.add_subcommand("release", "Move CPUs or memory of this OS instance back to the pool");
    release->require_subcommand(1);
    auto args = std::make_shared<Args>();

    auto* cpu = release->add_subcommand("cpu", "Release assigned CPUs");
    cpu->add_option("cpus", args->value, "CPUs, or 'all'")->required()->check(cpu_list_validator(true));
    cpu->callback([&opts, args] {
        std::string ctx = "release cpu " + args->value;
        Os os = open_os(opts, ctx);
        auto cpus = cpus_or_all(args->value, args->value == "all" ? must(os.query_cpus(), ctx) : std::vector<CpuInfo>{},
                                ctx);
        if (!cpus.empty())
            must(os.release_cpus(cpus), ctx);
    });

    auto* mem = release->add_subcommand("mem", "Release assigned memory");
    mem->add_option("spec", args->value, "SIZE@NUMA list, all@NUMA, or 'all'")->required()->check(mem_spec_validator());
    mem->callback([&opts, args] {
        std::string ctx = "release mem " + args->value;
        must(open_os(opts, ctx).release_mem(must(parse_mem_spec(args->value), ctx)), ctx);
    });
}

void add_query(CLI::App& app, const Options& opts)
{
    auto* query = app.add_subcommand("query", "Show what this OS instance holds");
    query->require_subcommand(1);
    query->add_subcommand("cpu", "Assigned CPUs as a CPU list")->callback([&opts] {
        print_cpus(must(open_os(opts, "query cpu").query_cpus(), "query cpu"), opts.json);
    });
    query->add_subcommand("mem", "Assigned memory as bytes@NUMA per node")->callback([&opts] {
        print_mem(must(open_os(opts, "query mem").query_mem(), "query mem"), opts.json);
    });
}

} // namespace

void set_resource_commands(CLI::App& app, const Options& opts)
{
    add_assign(app, opts);
    add_release(app, opts);
    add_query(app, opts);
}

} // namespace ihk::tools::ihkosctl
