// SPDX-License-Identifier: GPL-2.0
// Shared tool plumbing: validators and the single place errors become exit codes.
#include "tool.h"

#include <ihk/parse.h>
#include <uapi/ihk/ihk.h>

#include <elf.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
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

namespace {

// Not a FIFO or a device, which reading would block on or never end (what
// Os::load checks again on the file it opens); with @check_size also not
// larger than IHK_IMAGE_MAX, which the module refuses only after mcreboot.sh
// loaded the modules and ihkconfig reserved the resources.
std::string regular_image(const std::string& path, bool check_size)
{
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
        return errno == ENOENT ? "image '" + path + "' does not exist"
                               : "cannot read image '" + path + "': " + std::strerror(errno);
    if (!S_ISREG(st.st_mode))
        return "image '" + path + "' is not a regular file";
    if (check_size && uint64_t(st.st_size) > IHK_IMAGE_MAX)
        return "image '" + path + "' is larger than " + std::to_string(IHK_IMAGE_MAX >> 20) + " MiB";
    return {};
}

} // namespace

CLI::Validator regular_image_validator()
{
    return CLI::Validator([](std::string& path) { return regular_image(path, false); }, "IMAGE");
}

CLI::Validator kargs_validator()
{
    return CLI::Validator(
        [](std::string& s) -> std::string {
            if (s.size() < IHK_KARGS_MAX)
                return {};
            return "kernel arguments are " + std::to_string(s.size()) + " bytes long; at most " +
                   std::to_string(IHK_KARGS_MAX - 1) + " fit";
        },
        "KARGS");
}

CLI::Validator lwk_image_validator()
{
    return CLI::Validator(
        [](std::string& path) -> std::string {
            if (std::string e = regular_image(path, true); !e.empty())
                return e;
            std::ifstream in(path, std::ios::binary);
            if (!in)
                return "cannot read image '" + path + "': " + std::strerror(errno);
            Elf64_Ehdr eh{};
            in.read(reinterpret_cast<char*>(&eh), sizeof(eh));
            if (in.gcount() != sizeof(eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
                return "image '" + path + "' is not an ELF file";
            if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64 ||
                eh.e_type != ET_EXEC)
                return "image '" + path + "' is not an x86-64 ELF executable";
            return {};
        },
        "IMAGE");
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
    } catch (const std::exception& e) {
        // Out of memory, say: caught here so the steps done so far are undone on the way.
        std::cerr << app.get_name() << ": " << e.what() << '\n';
        return 1;
    }
    return 0;
}

} // namespace ihk::tools
