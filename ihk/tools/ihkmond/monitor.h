// SPDX-License-Identifier: GPL-2.0
// Watches OS instances: status changes (PANIC, HUNGUP, gone) and new kernel
// messages, handed to a sink (stdout or syslog).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ihk::tools::ihkmond {

// priority: syslog level (LOG_INFO for kmsg, LOG_ERR for PANIC/HUNGUP).
using Sink = std::function<void(int os, int priority, const std::string& line)>;

class Monitor {
public:
    Monitor(std::vector<int> instances, Sink sink) : m_instances(std::move(instances)), m_sink(std::move(sink)) {}
    // One pass over every instance; false once none is left to watch.
    bool poll();
    // Could an instance named at the start not be watched at the first pass
    // (missing, not ours)? A typo, not an instance that ended while watched: ihkmond exits 1.
    bool missed_at_start() const { return m_missed_at_start; }

private:
    struct Seen {
        std::string status;
        size_t kmsg_bytes = 0;
    };
    std::vector<int> m_instances;
    Sink m_sink;
    std::map<int, Seen> m_seen;
    bool m_first_pass = true;
    bool m_missed_at_start = false;
};

} // namespace ihk::tools::ihkmond
