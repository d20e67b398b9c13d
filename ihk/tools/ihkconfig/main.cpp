// SPDX-License-Identifier: GPL-2.0
// ihkconfig: manage the IHK resource pool (/dev/mcdN) and OS instances.
#include "commands.h"

int main(int argc, char** argv)
{
    using namespace ihk::tools;
    Options opts;
    CLI::App app{"Reserve CPUs and memory from Linux for co-kernels, and create OS instances.\n"
                 "Examples:\n"
                 "  ihkconfig 0 reserve cpu 2-3\n"
                 "  ihkconfig 0 reserve mem 512M@0,all@1\n"
                 "  ihkconfig 0 query mem          # prints 536870912@0\n"
                 "  ihkconfig 0 create             # prints the new OS index\n"
                 "  ihkconfig 0 release cpu all\n"
                 "  ihkconfig 0 start --cpus 2-3 --mem 512M@0 --image mckernel.img --kargs hidos\n"
                 "  ihkconfig 0 teardown           # every instance, and the pool back to Linux",
                 "ihkconfig"};
    app.add_option("index", opts.index, "IHK device index (0 for /dev/mcd0)")
        ->required()
        ->check(CLI::Range(0, 63))
        ->option_text("DEV");
    app.add_flag("--json", opts.json, "Print query results as JSON");
    app.require_subcommand(1);
    ihkconfig::set_resource_commands(app, opts);
    ihkconfig::set_instance_commands(app, opts);
    ihkconfig::set_lifecycle_commands(app, opts);
    return run(app, argc, argv);
}
