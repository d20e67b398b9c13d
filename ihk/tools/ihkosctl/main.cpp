// SPDX-License-Identifier: GPL-2.0
// ihkosctl: configure and inspect one OS instance (/dev/mcosN).
#include "commands.h"

int main(int argc, char** argv)
{
    using namespace ihk::tools;
    Options opts;
    CLI::App app{"Give an OS instance CPUs and memory from the reserved pool, and configure it.\n"
                 "Examples:\n"
                 "  ihkosctl 0 assign cpu 2-3\n"
                 "  ihkosctl 0 assign mem all\n"
                 "  ihkosctl 0 set ikc_map 2-3:0\n"
                 "  ihkosctl 0 kargs \"hidos\"\n"
                 "  ihkosctl 0 load mckernel.img\n"
                 "  ihkosctl 0 boot\n"
                 "  ihkosctl 0 get status          # prints RUNNING\n"
                 "  ihkosctl 0 get rusage          # memory, processes, offloads, time per CPU\n"
                 "  ihkosctl 0 kmsg",
                 "ihkosctl"};
    app.add_option("index", opts.index, "OS instance index (N of /dev/mcosN)")
        ->required()
        ->check(CLI::Range(0, 63))
        ->option_text("OS");
    app.add_flag("--json", opts.json, "Print results as JSON");
    app.require_subcommand(1);
    ihkosctl::set_resource_commands(app, opts);
    ihkosctl::set_setting_commands(app, opts);
    ihkosctl::set_lifecycle_commands(app, opts);
    return run(app, argc, argv);
}
