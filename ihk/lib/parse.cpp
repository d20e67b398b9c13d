// SPDX-License-Identifier: LGPL-2.1-or-later
// Parsers and formatters for CPU lists, memory specs and IKC maps.
#include <ihk/parse.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <map>
#include <set>

namespace ihk {
namespace {

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

Error invalid(std::string message) { return make_error(EINVAL, std::move(message)); }

std::vector<std::string_view> split(std::string_view text, char sep)
{
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (;;) {
        size_t pos = text.find(sep, start);
        parts.push_back(text.substr(start, pos - start));
        if (pos == std::string_view::npos)
            return parts;
        start = pos + 1;
    }
}

// A whole string of decimal digits that fits in T.
template <typename T>
bool parse_number(std::string_view s, T& out)
{
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

Result<uint32_t> parse_cpu(std::string_view s, std::string_view item)
{
    uint64_t cpu = 0;
    if (!parse_number(s, cpu))
        return invalid("CPU list item " + quoted(item) + ": expected a CPU number or a range like 2-5");
    if (cpu > MAX_CPU)
        return invalid("CPU " + std::string(s) + " is out of range (0-" + std::to_string(MAX_CPU) + ")");
    return static_cast<uint32_t>(cpu);
}

} // namespace

Result<std::vector<uint32_t>> parse_cpu_list(std::string_view text)
{
    if (text.empty())
        return invalid("empty CPU list: expected e.g. 2-3 or 1-7,9-15");
    std::vector<uint32_t> cpus;
    std::set<uint32_t> seen;
    for (std::string_view item : split(text, ',')) {
        if (item.empty())
            return invalid("CPU list " + quoted(text) + " has an empty item");
        auto dash = item.find('-');
        auto first = parse_cpu(item.substr(0, dash), item);
        if (!first)
            return first.error();
        uint32_t last = *first;
        if (dash != std::string_view::npos) {
            auto end = parse_cpu(item.substr(dash + 1), item);
            if (!end)
                return end.error();
            if (*end < *first)
                return invalid("CPU range " + quoted(item) + " is reversed");
            last = *end;
        }
        for (uint64_t cpu = *first; cpu <= last; cpu++) {
            if (!seen.insert(static_cast<uint32_t>(cpu)).second)
                return invalid("CPU " + std::to_string(cpu) + " is listed twice in " + quoted(text));
            cpus.push_back(static_cast<uint32_t>(cpu));
        }
    }
    return cpus;
}

std::string format_cpu_list(std::vector<uint32_t> cpus)
{
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    std::string out;
    for (size_t i = 0; i < cpus.size();) {
        size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1)
            j++;
        if (!out.empty())
            out += ',';
        out += std::to_string(cpus[i]);
        if (j > i)
            out += '-' + std::to_string(cpus[j]);
        i = j + 1;
    }
    return out;
}

Result<uint64_t> parse_size(std::string_view text)
{
    const std::string expected = ": expected a size like 512M, 4G or 1073741824";
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
        digits++;
    uint64_t value = 0;
    if (!parse_number(text.substr(0, digits), value)) {
        if (digits > 0)
            return make_error(ERANGE, "size " + quoted(text) + " does not fit in 64 bits");
        return invalid("size " + quoted(text) + expected);
    }
    std::string suffix(text.substr(digits));
    std::transform(suffix.begin(), suffix.end(), suffix.begin(), [](unsigned char c) { return std::toupper(c); });
    if (suffix.size() == 3 && suffix.ends_with("IB"))
        suffix.erase(1); // "MiB" -> "M"
    else if (suffix.size() == 2 && suffix.ends_with("B"))
        suffix.erase(1); // "MB" -> "M"
    static const std::map<std::string, unsigned> shifts = {
        {"", 0}, {"B", 0}, {"K", 10}, {"M", 20}, {"G", 30}, {"T", 40}};
    auto it = shifts.find(suffix);
    if (it == shifts.end())
        return invalid("size " + quoted(text) + expected);
    unsigned shift = it->second;
    if (shift && value > (~uint64_t{0} >> shift))
        return make_error(ERANGE, "size " + quoted(text) + " does not fit in 64 bits");
    return value << shift;
}

std::string format_size(uint64_t bytes)
{
    if (bytes == MEM_ALL)
        return "all";
    static const char suffixes[] = {'T', 'G', 'M', 'K'};
    for (unsigned i = 0; i < 4; i++) {
        unsigned shift = 40 - 10 * i;
        if (bytes && bytes % (uint64_t{1} << shift) == 0)
            return std::to_string(bytes >> shift) + suffixes[i];
    }
    return std::to_string(bytes);
}

Result<std::vector<MemChunk>> parse_mem_spec(std::string_view text)
{
    if (text.empty())
        return invalid("empty memory spec: expected e.g. 512M@0 or 4G@0,all@1");
    std::vector<MemChunk> chunks;
    for (std::string_view item : split(text, ',')) {
        if (item.empty())
            return invalid("memory spec " + quoted(text) + " has an empty item");
        auto at = item.find('@');
        std::string_view size_text = item.substr(0, at);
        MemChunk chunk;
        if (size_text == "all" || size_text == "ALL") {
            chunk.size = MEM_ALL;
        } else {
            auto size = parse_size(size_text);
            if (!size)
                return size.error();
            if (*size == 0)
                return invalid("memory size " + quoted(size_text) + " is zero");
            chunk.size = *size;
        }
        if (at == std::string_view::npos) {
            if (chunk.size != MEM_ALL)
                return invalid("memory item " + quoted(item) + ": expected SIZE@NUMA, e.g. " +
                               std::string(size_text) + "@0");
            chunk.numa_node = NUMA_ALL;
        } else {
            std::string_view node_text = item.substr(at + 1);
            uint32_t node = 0;
            if (!parse_number(node_text, node) || node > MAX_NUMA_NODE)
                return invalid("memory item " + quoted(item) + ": NUMA node " + quoted(node_text) +
                               " is not a number from 0 to " + std::to_string(MAX_NUMA_NODE));
            chunk.numa_node = static_cast<int>(node);
        }
        chunks.push_back(chunk);
    }
    return chunks;
}

std::string format_mem_chunks(const std::vector<MemChunk>& chunks)
{
    std::string out;
    for (const auto& c : chunks) {
        if (!out.empty())
            out += ',';
        out += c.size == MEM_ALL ? "all" : std::to_string(c.size);
        if (c.numa_node != NUMA_ALL)
            out += '@' + std::to_string(c.numa_node);
    }
    return out;
}

Result<std::vector<IkcPair>> parse_ikc_map(std::string_view text)
{
    if (text.empty())
        return invalid("empty IKC map: expected e.g. 2-3:0+4-5:1");
    std::vector<IkcPair> pairs;
    std::set<uint32_t> seen;
    for (std::string_view item : split(text, '+')) {
        auto colon = item.find(':');
        if (item.empty() || colon == std::string_view::npos || item.find(':', colon + 1) != std::string_view::npos)
            return invalid("IKC map item " + quoted(item) + ": expected LWK-CPUS:LINUX-CPU, e.g. 2-3:0");
        auto lwk = parse_cpu_list(item.substr(0, colon));
        if (!lwk)
            return lwk.error();
        auto linux_cpu = parse_cpu(item.substr(colon + 1), item);
        if (!linux_cpu)
            return linux_cpu.error();
        for (uint32_t cpu : *lwk) {
            if (!seen.insert(cpu).second)
                return invalid("IKC map " + quoted(text) + " maps CPU " + std::to_string(cpu) + " twice");
            pairs.push_back({cpu, *linux_cpu});
        }
    }
    return pairs;
}

std::string format_ikc_map(std::vector<IkcPair> pairs)
{
    std::map<uint32_t, std::vector<uint32_t>> by_linux;
    for (const auto& p : pairs)
        by_linux[p.linux_cpu].push_back(p.lwk_cpu);
    std::string out;
    for (auto& [linux_cpu, lwk] : by_linux) {
        if (!out.empty())
            out += '+';
        out += format_cpu_list(std::move(lwk)) + ':' + std::to_string(linux_cpu);
    }
    return out;
}

} // namespace ihk
