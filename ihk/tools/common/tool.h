// SPDX-License-Identifier: GPL-2.0
// What every IHK tool shares: its options, CLI11 validators for our notations,
// and the one way a command reports failure.
#pragma once

#include <CLI/CLI.hpp>
#include <ihk/result.h>

#include <stdexcept>
#include <string>

namespace ihk::tools {

struct Options {
    int index = 0;     // device (ihkconfig) or OS instance (ihkosctl)
    bool json = false; // machine-readable output
};

// Thrown by a command; main() prints "<tool>: <context>: <message>" and exits 1.
struct Failure : std::runtime_error {
    Failure(std::string context, const Error& e) : std::runtime_error(context + ": " + e.message) {}
};

// Unwrap a Result or throw a Failure naming @context ("reserve cpu 2-3").
template <typename T>
T must(Result<T> r, const std::string& context)
{
    if (!r)
        throw Failure(context, r.error());
    if constexpr (!std::is_void_v<T>)
        return std::move(r).value();
}

// Validators that run the real parsers, so --help and errors agree with them.
CLI::Validator cpu_list_validator(bool allow_all);
CLI::Validator mem_spec_validator();
CLI::Validator ikc_map_validator();
// Kernel arguments that fit IHK's buffer (IHK_KARGS_MAX with the NUL).
CLI::Validator kargs_validator();
// A regular file (not a FIFO or device that reading blocks on or never ends).
CLI::Validator regular_image_validator();
// A file that holds an x86-64 ELF executable (what IHK_OS_LOAD takes), checked
// before anything is reserved; the module checks the rest.
CLI::Validator lwk_image_validator();

// Parse argv with @app and run the chosen command; returns the exit status.
int run(CLI::App& app, int argc, char** argv);

} // namespace ihk::tools
