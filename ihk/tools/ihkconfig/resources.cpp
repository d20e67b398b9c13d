// SPDX-License-Identifier: GPL-2.0
// ihkconfig reserve|release|query cpu|mem.
#include "commands.h"
#include "output.h"

#include <ihk/device.h>
#include <ihk/parse.h>

#include <memory>

namespace ihk::tools::ihkconfig {
namespace {

struct Args {
    std::string value;
};

Device open_device(const Options& opts, const std::string& context)
{
    return must(Device::open(opts.index), context);
}

void add_reserve(CLI::App& app, const Options& opts)
{
    auto* reserve = app.add_subcommand("reserve", "Take CPUs or memory away from Linux");
    reserve->require_subcommand(1);
    auto args = std::make_shared<Args>();

    auto* cpu = reserve->add_subcommand("cpu", "Take CPUs offline from Linux into the pool (not CPU 0)");
    cpu->add_option("cpus", args->value, "CPUs, e.g. 2-3 or 1-7,9-15")->required()->check(cpu_list_validator(false));
    cpu->callback([&opts, args] {
        std::string ctx = "reserve cpu " + args->value;
        auto cpus = must(parse_cpu_list(args->value), ctx);
        must(open_device(opts, ctx).reserve_cpus(cpus), ctx);
    });

    auto* mem = reserve->add_subcommand("mem", "Take memory from Linux into the pool (multiples of 2M)");
    mem->add_option("spec", args->value,
                    "SIZE@NUMA list, e.g. 512M@0 or 4G@0,all@1; 'all' takes what a node can spare "
                    "(Linux keeps a safety margin), a bare 'all' does so on every node")
        ->required()
        ->check(mem_spec_validator());
    mem->callback([&opts, args] {
        std::string ctx = "reserve mem " + args->value;
        auto chunks = must(parse_mem_spec(args->value), ctx);
        must(open_device(opts, ctx).reserve_mem(chunks), ctx);
    });
}

void add_release(CLI::App& app, const Options& opts)
{
    auto* release = app.add_subcommand("release", "Give pool CPUs or memory back to Linux");
    release->require_subcommand(1);
    auto args = std::make_shared<Args>();

    auto* cpu = release->add_subcommand("cpu", "Bring reserved CPUs back online in Linux");
    cpu->add_option("cpus", args->value, "CPUs, or 'all' for every reserved CPU")
        ->required()
        ->check(cpu_list_validator(true));
    cpu->callback([&opts, args] {
        std::string ctx = "release cpu " + args->value;
        Device dev = open_device(opts, ctx);
        std::vector<uint32_t> cpus;
        if (args->value == "all")
            cpus = cpu_numbers(must(dev.query_cpus(), ctx));
        else
            cpus = must(parse_cpu_list(args->value), ctx);
        if (!cpus.empty())
            must(dev.release_cpus(cpus), ctx);
    });

    auto* mem = release->add_subcommand("mem", "Give reserved memory back to Linux");
    mem->add_option("spec", args->value, "SIZE@NUMA list, all@NUMA, or 'all'")->required()->check(mem_spec_validator());
    mem->callback([&opts, args] {
        std::string ctx = "release mem " + args->value;
        auto chunks = must(parse_mem_spec(args->value), ctx);
        must(open_device(opts, ctx).release_mem(chunks), ctx);
    });
}

void add_query(CLI::App& app, const Options& opts)
{
    auto* query = app.add_subcommand("query", "Show the reserved pool");
    query->require_subcommand(1);
    query->add_subcommand("cpu", "Reserved CPUs as a CPU list (e.g. 2-3)")->callback([&opts] {
        print_cpus(must(open_device(opts, "query cpu").query_cpus(), "query cpu"), opts.json);
    });
    query->add_subcommand("mem", "Reserved memory as bytes@NUMA per node (e.g. 536870912@0)")->callback([&opts] {
        print_mem(must(open_device(opts, "query mem").query_mem(), "query mem"), opts.json);
    });
}

} // namespace

void set_resource_commands(CLI::App& app, const Options& opts)
{
    add_reserve(app, opts);
    add_release(app, opts);
    add_query(app, opts);
}

} // namespace ihk::tools::ihkconfig
