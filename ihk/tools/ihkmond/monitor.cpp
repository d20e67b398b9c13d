// SPDX-License-Identifier: GPL-2.0
// One monitoring pass: status through the liveness probe, kmsg by length.
#include "monitor.h"

#include <ihk/device.h>

#include <syslog.h>

namespace ihk::tools::ihkmond {

bool Monitor::poll()
{
    std::vector<int> alive;
    for (int index : m_instances) {
        Seen& seen = m_seen[index];
        auto os = Os::open(index);
        auto status = os ? os->status() : Result<OsStatus>(os.error());
        if (!status) {
            m_sink(index, LOG_WARNING,
                   (m_first_pass ? "cannot watch the instance: " : "instance is gone: ") + status.error().message);
            m_missed_at_start |= m_first_pass;
            continue;
        }
        alive.push_back(index);
        std::string now(to_string(*status));
        if (now != seen.status) {
            bool bad = *status == OsStatus::Panic || *status == OsStatus::Hungup;
            m_sink(index, bad ? LOG_ERR : LOG_INFO, "status " + now);
            seen.status = now;
        }
        auto log = os->kmsg();
        if (!log)
            continue;
        // The log only grows until it is cleared or wraps; then start over.
        size_t from = log->size() >= seen.kmsg_bytes ? seen.kmsg_bytes : 0;
        size_t start = from;
        for (size_t nl; (nl = log->find('\n', start)) != std::string::npos; start = nl + 1)
            m_sink(index, LOG_INFO, log->substr(start, nl - start));
        seen.kmsg_bytes = start;
    }
    m_instances = alive;
    m_first_pass = false;
    return !m_instances.empty();
}

} // namespace ihk::tools::ihkmond
