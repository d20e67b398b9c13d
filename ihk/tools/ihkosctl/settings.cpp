// SPDX-License-Identifier: GPL-2.0
// ihkosctl set ikc_map | kargs | get ikc_map|kargs|status.
#include "commands.h"
#include "output.h"

#include <ihk/device.h>
#include <ihk/parse.h>

#include <memory>

namespace ihk::tools::ihkosctl {

void set_setting_commands(CLI::App& app, const Options& opts)
{
    auto value = std::make_shared<std::string>();

    auto* set = app.add_subcommand("set", "Change a setting of this OS instance");
    set->require_subcommand(1);
    auto* ikc = set->add_subcommand("ikc_map", "Which Linux CPU serves each LWK CPU's system call offload");
    ikc->add_option("map", *value, "LWKCPUS:LINUXCPU joined by '+', e.g. 2-3:0+4-5:1")
        ->required()
        ->check(ikc_map_validator());
    ikc->callback([&opts, value] {
        std::string ctx = "set ikc_map " + *value;
        must(must(Os::open(opts.index), ctx).set_ikc_map(must(parse_ikc_map(*value), ctx)), ctx);
    });

    auto* kargs = app.add_subcommand("kargs", "Set the kernel arguments the LWK boots with");
    kargs->add_option("args", *value, "Arguments, e.g. \"hidos dump_level=24\" (\"\" clears them)")
        ->required()
        ->check(kargs_validator());
    kargs->callback([&opts, value] {
        must(must(Os::open(opts.index), "kargs").set_kargs(*value), "kargs");
    });

    auto* get = app.add_subcommand("get", "Show a setting or the status of this OS instance");
    get->require_subcommand(1);
    get->add_subcommand("ikc_map", "The IKC map, e.g. 2-3:0")->callback([&opts] {
        auto pairs = must(must(Os::open(opts.index), "get ikc_map").ikc_map(), "get ikc_map");
        auto j = nlohmann::json::array();
        for (const auto& p : pairs)
            j.push_back({{"lwk_cpu", p.lwk_cpu}, {"linux_cpu", p.linux_cpu}});
        print_value("ikc_map", j, format_ikc_map(pairs), opts.json);
    });
    get->add_subcommand("kargs", "The kernel arguments")->callback([&opts] {
        auto k = must(must(Os::open(opts.index), "get kargs").kargs(), "get kargs");
        print_value("kargs", k, k, opts.json);
    });
    get->add_subcommand("rusage", "What the LWK did since boot: memory, processes, offloads, time per CPU")
        ->callback([&opts] {
            auto u = must(must(Os::open(opts.index), "get rusage").rusage(), "get rusage");
            print_value("rusage", to_json(u), format_usage(u), opts.json);
        });
    get->add_subcommand("status", "INACTIVE, BOOTING, RUNNING, SHUTDOWN, PANIC or HUNGUP")->callback([&opts] {
        auto s = must(must(Os::open(opts.index), "get status").status(), "get status");
        std::string text(to_string(s));
        print_value("status", text, text, opts.json);
    });
}

} // namespace ihk::tools::ihkosctl
