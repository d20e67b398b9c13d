// SPDX-License-Identifier: GPL-2.0
// Shared tool plumbing: validators and the single place errors become exit codes.
#include "tool.h"

#include <ihk/parse.h>

#include <iostream>

namespace ihk::tools {

CLI::Validator cpu_list_validator(bool allow_all)
{
    return CLI::Validator(
        [allow_all](std::string& s) -> std::string {
            if (allow_all && s == "all")
                return {};
            auto r = parse_cpu_list(s);
            return r ? std::string() : r.error().message;
        },
        allow_all ? "CPULIST|all" : "CPULIST");
}

CLI::Validator mem_spec_validator()
{
    return CLI::Validator(
        [](std::string& s) -> std::string {
            auto r = parse_mem_spec(s);
            return r ? std::string() : r.error().message;
        },
        "SIZE@NUMA[,...]");
}

CLI::Validator ikc_map_validator()
{
    return CLI::Validator(
        [](std::string& s) -> std::string {
            auto r = parse_ikc_map(s);
            return r ? std::string() : r.error().message;
        },
        "LWKCPUS:LINUXCPU[+...]");
}

int run(CLI::App& app, int argc, char** argv)
{
    app.set_version_flag("--version", app.get_name() + " (McKernel suite) " MCK_VERSION);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const Failure& e) {
        std::cerr << app.get_name() << ": " << e.what() << '\n';
        return 1;
    }
    return 0;
}

} // namespace ihk::tools
