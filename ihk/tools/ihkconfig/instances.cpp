// SPDX-License-Identifier: GPL-2.0
// ihkconfig create | destroy OS | get os_instances.
#include "commands.h"
#include "output.h"

#include <ihk/device.h>

#include <memory>

namespace ihk::tools::ihkconfig {

void set_instance_commands(CLI::App& app, const Options& opts)
{
    app.add_subcommand("create", "Create an OS instance (/dev/mcosN) and print N")->callback([&opts] {
        int os = must(must(Device::open(opts.index), "create").create_os(), "create");
        print_value("os", os, std::to_string(os), opts.json);
    });

    auto os_index = std::make_shared<int>(0);
    auto* destroy = app.add_subcommand("destroy", "Destroy an OS instance; its CPUs and memory return to the pool");
    destroy->add_option("os", *os_index, "OS instance index")->required()->check(CLI::Range(0, 63));
    destroy->callback([&opts, os_index] {
        std::string ctx = "destroy " + std::to_string(*os_index);
        must(must(Device::open(opts.index), ctx).destroy_os(*os_index), ctx);
    });

    auto* get = app.add_subcommand("get", "Show device information");
    get->require_subcommand(1);
    get->add_subcommand("os_instances", "Indices of the existing OS instances")->callback([&opts] {
        auto list = must(must(Device::open(opts.index), "get os_instances").os_instances(), "get os_instances");
        std::string text;
        for (int i : list)
            text += (text.empty() ? "" : ",") + std::to_string(i);
        print_value("os_instances", list, text, opts.json);
    });
}

} // namespace ihk::tools::ihkconfig
