// SPDX-License-Identifier: GPL-2.0
// The job's AdminComment and a node's drain reason (slurm_record.h).
#include "slurm_record.h"
#include "subprocess.h"

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <sstream>
#include <vector>

namespace mckslurm {
namespace {

constexpr auto SCONTROL_TIMEOUT = std::chrono::seconds(15);
constexpr const char* SEPARATOR = " | ";

ihk::Result<std::string> scontrol(const SiteConfig& site, const std::vector<std::string>& args)
{
    if (site.scontrol.empty())
        return ihk::make_error(ENOENT, "scontrol = none in the site configuration");
    std::vector<std::string> argv{site.scontrol};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = run_with_timeout(argv, SCONTROL_TIMEOUT);
    if (r.code != 0) {
        std::string out = r.output.substr(0, r.output.find('\n'));
        return ihk::make_error(EIO, site.scontrol + " " + args[0] + " " + args[1] + ": " +
                                        (r.timed_out ? "timed out" : out.empty() ? "failed" : out));
    }
    return r.output;
}

} // namespace

std::string merge_admin_comment(const std::string& current, const std::string& node, const std::string& entry)
{
    std::string mine = "mck@" + node + ":";
    std::vector<std::string> parts;
    size_t pos = 0;
    while (pos <= current.size() && !current.empty()) {
        size_t next = current.find(SEPARATOR, pos);
        std::string part = current.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        if (!part.empty() && part.rfind(mine, 0) != 0)
            parts.push_back(part);
        if (next == std::string::npos)
            break;
        pos = next + std::string(SEPARATOR).size();
    }
    parts.push_back(entry);
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : SEPARATOR) + p;
    return out;
}

std::string admin_comment_of(const std::string& show_job)
{
    // "scontrol show job" prints AdminComment=... alone on its line.
    std::istringstream in(show_job);
    std::string line;
    while (std::getline(in, line)) {
        size_t at = line.find("AdminComment=");
        if (at == std::string::npos)
            continue;
        std::string v = line.substr(at + 13);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\r'))
            v.pop_back();
        return v == "(null)" ? "" : v;
    }
    return "";
}

std::optional<ArrayIds> array_ids_of(const std::string& show_job)
{
    auto number_after = [&](const std::string& key) -> std::optional<uint32_t> {
        size_t at = show_job.find(key);
        if (at == std::string::npos || (at > 0 && show_job[at - 1] != ' ' && show_job[at - 1] != '\n'))
            return std::nullopt;
        at += key.size();
        size_t end = show_job.find_first_not_of("0123456789", at);
        std::string digits = show_job.substr(at, end == std::string::npos ? std::string::npos : end - at);
        if (digits.empty() || digits.size() > 10 || std::stoull(digits) > UINT32_MAX)
            return std::nullopt;
        return uint32_t(std::stoull(digits));
    };
    auto job = number_after("ArrayJobId="), task = number_after("ArrayTaskId=");
    if (!job || !task)
        return std::nullopt;
    return ArrayIds{*job, *task};
}

ihk::Result<std::optional<ArrayIds>> job_array_ids(const SiteConfig& site, uint32_t job)
{
    auto shown = scontrol(site, {"show", "job", std::to_string(job)});
    if (!shown)
        return shown.error();
    return array_ids_of(*shown);
}

ihk::Result<void> record_job_comment(const SiteConfig& site, uint32_t job, const std::string& node, const std::string& entry)
{
    auto shown = scontrol(site, {"show", "job", std::to_string(job)});
    if (!shown)
        return shown.error();
    std::string merged = merge_admin_comment(admin_comment_of(*shown), node, entry);
    if (auto r = scontrol(site, {"update", "JobId=" + std::to_string(job), "AdminComment=" + merged}); !r)
        return r.error();
    return {};
}

ihk::Result<void> drain_node(const SiteConfig& site, const std::string& node, const std::string& reason)
{
    if (auto r = scontrol(site, {"update", "NodeName=" + node, "State=DRAIN", "Reason=" + reason}); !r)
        return r.error();
    return {};
}

} // namespace mckslurm
