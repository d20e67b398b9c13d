// SPDX-License-Identifier: GPL-2.0
// Parsing the job's --mck options (request.h).
#include "request.h"

#include <cerrno>
#include <sstream>
#include <string_view>

namespace mckslurm {
namespace {

ihk::Error bad(const std::string& option, const std::string& value, const std::string& expected)
{
    return ihk::make_error(EINVAL, option + "='" + value + "': " + expected);
}

bool all_digits(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

} // namespace

ihk::Result<void> apply_cpus(JobRequest& r, const std::string& value, const RequestPolicy&)
{
    r.cores.reset();
    r.cpu_list.clear();
    if (all_digits(value)) {
        if (value.size() > 5 || std::stoul(value) == 0 || std::stoul(value) > 8192)
            return bad("--mck-cpus", value, "a number of cores from 1 to 8192, or a CPU list such as 4-7,12");
        r.cores = uint32_t(std::stoul(value));
        return {};
    }
    auto list = ihk::parse_cpu_list(value);
    if (!list)
        return bad("--mck-cpus", value, "a number of cores, or a CPU list such as 4-7,12 (" + list.error().message + ")");
    for (uint32_t c : *list)
        if (c == 0)
            return bad("--mck-cpus", value, "CPU 0 always stays with Linux");
    r.cpu_list = *list;
    return {};
}

ihk::Result<void> apply_mem(JobRequest& r, const std::string& value, const RequestPolicy&)
{
    r.mem_total.reset();
    r.mem_per_numa.clear();
    if (value.find('@') == std::string::npos) {
        auto size = ihk::parse_size(value);
        if (!size || *size < (2u << 20))
            return bad("--mck-mem", value, "a size per node of at least 2M, such as 4G, or SIZE@NUMA,... such as 2G@0,2G@1");
        r.mem_total = *size;
        return {};
    }
    auto chunks = ihk::parse_mem_spec(value);
    if (!chunks)
        return bad("--mck-mem", value, "SIZE@NUMA,... such as 2G@0,2G@1 (" + chunks.error().message + ")");
    for (const auto& c : *chunks)
        if (c.size == ihk::MEM_ALL || c.numa_node == ihk::NUMA_ALL)
            return bad("--mck-mem", value, "explicit sizes (\"all\" is the site's to give)");
    r.mem_per_numa = *chunks;
    return {};
}

ihk::Result<void> apply_ikc_map(JobRequest& r, const std::string& value, const RequestPolicy&)
{
    auto map = ihk::parse_ikc_map(value);
    if (!map)
        return bad("--mck-ikc-map", value, "LWKCPUS:LINUXCPU+..., such as 2-3:0+4-5:1 (" + map.error().message + ")");
    r.ikc_map = value;
    return {};
}

ihk::Result<void> apply_kargs(JobRequest& r, const std::string& value, const RequestPolicy& policy)
{
    if (value.size() > 1024)
        return bad("--mck-kargs", value.substr(0, 40) + "...", "at most 1024 characters");
    for (char c : value)
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\'' || c == '\\')
            return bad("--mck-kargs", value, "printable words without quotes or backslashes");
    std::istringstream words(value);
    std::string w;
    while (words >> w)
        if (w.rfind("test_", 0) == 0 && !policy.allow_test_kargs)
            return bad("--mck-kargs", value, "'" + w + "' is a test hook; this site does not allow it");
    r.kargs = value;
    return {};
}

ihk::Result<void> apply_kmsg(JobRequest& r, const std::string& value, const RequestPolicy&)
{
    if (value.empty() || value.size() > 1024 || value.back() == '/')
        return bad("--mck-kmsg", value, "a file name (%j: job id, %N: node name)");
    for (size_t i = 0; i < value.size(); i++)
        if (value[i] == '%' && (i + 1 == value.size() || std::string_view("jNAa%").find(value[i + 1]) == std::string_view::npos)) {
            return bad("--mck-kmsg", value, "only %j, %N, %A, %a and %% may follow %");
        } else if (value[i] == '%') {
            i++; // "%%" is one literal '%'
        }
    r.kmsg = value;
    return {};
}

ihk::Result<void> apply_mck(JobRequest& r, const std::string& spec, const RequestPolicy&)
{
    r.enabled = true;
    if (spec.empty())
        return {};
    std::istringstream items(spec);
    std::string item;
    while (std::getline(items, item, ':')) {
        auto eq = item.find('=');
        std::string key = item.substr(0, eq), value = eq == std::string::npos ? "" : item.substr(eq + 1);
        ihk::Result<void> res = key == "cpus" && !value.empty()  ? apply_cpus(r, value)
                                : key == "mem" && !value.empty() ? apply_mem(r, value)
                                                                 : ihk::Result<void>(bad("--mck", spec, "cpus=N|LIST and mem=SIZE, separated by ':' (such as cpus=4:mem=8G)"));
        if (!res)
            return res;
    }
    return {};
}

std::string kmsg_path(const std::string& tmpl, const KmsgJob& j)
{
    std::string out;
    for (size_t i = 0; i < tmpl.size(); i++) {
        if (tmpl[i] == '%' && i + 1 < tmpl.size()) {
            char k = tmpl[++i];
            out += k == 'j'   ? std::to_string(j.job)
                   : k == 'N' ? j.node
                   : k == 'A' ? std::to_string(j.array_job ? j.array_job : j.job)
                   : k == 'a' ? std::to_string(j.array_task)
                              : std::string(1, k);
        } else {
            out += tmpl[i];
        }
    }
    if (!out.empty() && out[0] != '/')
        out = j.workdir + "/" + out;
    return out;
}

} // namespace mckslurm
