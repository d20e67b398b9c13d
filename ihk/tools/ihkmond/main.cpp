// SPDX-License-Identifier: GPL-2.0
// ihkmond: watch McKernel instances; report PANIC/HUNGUP and forward their
// kernel messages to syslog (or stdout).
#include "monitor.h"
#include "tool.h"

#include <syslog.h>
#include <unistd.h>

#include <iostream>
#include <thread>

int main(int argc, char** argv)
{
    std::vector<int> instances;
    unsigned interval = 1;
    bool use_syslog = false, daemonize = false, once = false;
    CLI::App app{"Watch OS instances: log status changes (PANIC, HUNGUP) and forward the LWK's kernel\n"
                 "messages. Exits when no watched instance is left: status 1 if one of them could not be\n"
                 "watched at the start (missing, or not the caller's), else 0.",
                 "ihkmond"};
    app.add_option("os", instances, "OS instance indices")->required()->check(CLI::Range(0, 63));
    app.add_option("-i,--interval", interval, "Seconds between checks (default 1)")->check(CLI::Range(1, 3600));
    app.add_flag("--syslog", use_syslog, "Send to syslog (facility daemon, ident ihkmond) instead of stdout");
    app.add_flag("--daemon", daemonize, "Detach and run in the background");
    app.add_flag("--once", once, "Check once and exit");
    try {
        app.set_version_flag("--version", "ihkmond (McKernel suite) " MCK_VERSION);
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (daemonize && daemon(0, 0) != 0) {
        perror("ihkmond: daemon");
        return 1;
    }
    if (use_syslog)
        openlog("ihkmond", LOG_PID, LOG_DAEMON);
    ihk::tools::ihkmond::Monitor monitor(instances, [use_syslog](int os, int priority, const std::string& line) {
        if (use_syslog)
            syslog(priority, "mcos%d: %s", os, line.c_str());
        else
            std::cout << "mcos" << os << ": " << line << std::endl;
    });
    while (monitor.poll() && !once)
        std::this_thread::sleep_for(std::chrono::seconds(interval));
    return monitor.missed_at_start() ? 1 : 0;
}
