// SPDX-License-Identifier: GPL-2.0
// ihkosctl load | boot | shutdown | kmsg | clear_kmsg.
#include "commands.h"
#include "output.h"

#include <ihk/device.h>

#include <iostream>
#include <memory>

namespace ihk::tools::ihkosctl {

void set_lifecycle_commands(CLI::App& app, const Options& opts)
{
    auto path = std::make_shared<std::string>();
    auto* load = app.add_subcommand("load", "Load an LWK image (e.g. mckernel.img) for the next boot");
    // The module checks what is in it (vm.boot_faults feeds it bad images).
    load->add_option("image", *path, "Path of the image")->required()->check(regular_image_validator());
    load->callback([&opts, path] {
        must(must(Os::open(opts.index), "load").load(*path), "load " + *path);
    });

    auto timeout = std::make_shared<uint32_t>(0);
    auto* boot = app.add_subcommand("boot", "Boot the LWK and wait until it reports RUNNING");
    boot->add_option("--timeout", *timeout, "Seconds to wait (default: the ihk.ko boot_timeout_ms parameter)")
        ->check(CLI::Range(1, 3600));
    boot->callback([&opts, timeout] {
        must(must(Os::open(opts.index), "boot").boot(*timeout * 1000), "boot");
    });

    app.add_subcommand("shutdown", "Stop the LWK's CPUs; its CPUs and memory stay assigned")->callback([&opts] {
        must(must(Os::open(opts.index), "shutdown").shutdown(), "shutdown");
    });

    app.add_subcommand("kmsg", "Print the LWK's kernel messages")->callback([&opts] {
        auto log = must(must(Os::open(opts.index), "kmsg").kmsg(), "kmsg");
        if (opts.json)
            print_value("kmsg", log, log, true);
        else
            std::cout << log << std::flush;
    });
    struct PingArgs {
        uint32_t cpu = 0;
        uint32_t count = 100;
        bool poll = false;
    };
    auto ping = std::make_shared<PingArgs>();
    auto* ikc = app.add_subcommand("ikc_ping", "Measure IKC round trips (Linux -> LWK CPU -> Linux)");
    ikc->add_option("--cpu", ping->cpu, "LWK CPU index (default 0, the instance's first CPU)");
    ikc->add_option("--count", ping->count, "Round trips (default 100)")->check(CLI::Range(1, 100000));
    ikc->add_flag("--poll", ping->poll, "Linux spins for each answer instead of sleeping until the IRQ");
    ikc->callback([&opts, ping] {
        std::string ctx = "ikc_ping";
        auto s = must(must(Os::open(opts.index), ctx).ikc_ping(ping->cpu, ping->count, ping->poll), ctx);
        nlohmann::json j = {{"cpu", ping->cpu},     {"count", s.count},      {"min_ns", s.min_ns},
                            {"max_ns", s.max_ns}, {"avg_ns", s.total_ns / s.count}, {"poll", ping->poll}};
        std::string text = "cpu " + std::to_string(ping->cpu) + ": " + std::to_string(s.count) +
                           " round trips, min " + std::to_string(s.min_ns / 1000) + " us, avg " +
                           std::to_string(s.total_ns / s.count / 1000) + " us, max " + std::to_string(s.max_ns / 1000) +
                           " us";
        print_value("ikc_ping", j, text, opts.json);
    });

    app.add_subcommand("clear_kmsg", "Forget the kernel messages printed so far")->callback([&opts] {
        must(must(Os::open(opts.index), "clear_kmsg").clear_kmsg(), "clear_kmsg");
    });
}

} // namespace ihk::tools::ihkosctl
