// SPDX-License-Identifier: GPL-2.0
// The option table (options.h) as data: names, environment variables, helper flags.
#include "options.h"

#include <algorithm>
#include <cctype>
#include <cerrno>

namespace mckslurm {
namespace {

#define MCK_OPTION_SPEC(id, name, arginfo, has_arg, validator, usage) \
    OptionSpec{OptionId::id, name, arginfo, has_arg, validator, usage},
constexpr OptionSpec TABLE[] = {MCK_SPANK_OPTIONS(MCK_OPTION_SPEC)};
#undef MCK_OPTION_SPEC
static_assert(std::size(TABLE) == OPTION_COUNT);

constexpr bool table_in_id_order()
{
    for (int i = 0; i < OPTION_COUNT; i++)
        if (int(TABLE[i].id) != i)
            return false;
    return true;
}
static_assert(table_in_id_order());

std::string canonical(std::string_view s, bool upper)
{
    std::string out;
    for (char c : s)
        out += std::isalnum(static_cast<unsigned char>(c)) ? (upper ? char(std::toupper(static_cast<unsigned char>(c))) : c) : '_';
    return out;
}

bool one_of(const std::string& v, std::initializer_list<const char*> words)
{
    std::string low = v;
    std::transform(low.begin(), low.end(), low.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return std::any_of(words.begin(), words.end(), [&](const char* w) { return low == w; });
}

} // namespace

std::span<const OptionSpec> option_table() { return TABLE; }

const OptionSpec& option(OptionId id) { return TABLE[int(id)]; }

const OptionSpec* find_option(std::string_view name)
{
    for (const auto& o : TABLE)
        if (name == o.name)
            return &o;
    return nullptr;
}

std::string option_env_name(const OptionSpec& o) { return "SLURM_" + canonical(o.name, true); }

std::string option_helper_flag(const OptionSpec& o)
{
    std::string_view n = o.name;
    if (n.rfind("mck-", 0) == 0)
        n.remove_prefix(4);
    return "--" + std::string(n);
}

std::string slurm_option_env_name(const OptionSpec& o, std::string_view plugin)
{
    return "SLURM_SPANK__SLURM_SPANK_OPTION_" + canonical(plugin, false) + "_" + canonical(o.name, false);
}

ihk::Result<void> GivenOptions::give(JobRequest& req, OptionId id, const std::string& value, const RequestPolicy& policy)
{
    const OptionSpec& o = option(id);
    if (o.has_arg == 1 && value.empty())
        return ihk::make_error(EINVAL, std::string("--") + o.name + " needs a value (" + o.arginfo + ")");
    if (auto r = o.apply(req, value, policy); !r)
        return r;
    m_value[int(id)] = value;
    return {};
}

bool GivenOptions::any_besides_mck() const
{
    return std::any_of(m_value.begin() + 1, m_value.end(), [](const auto& v) { return v.has_value(); });
}

std::vector<std::string> helper_args(const OptionValues& values)
{
    std::vector<std::string> args;
    for (const auto& o : TABLE)
        if (const auto& v = values[int(o.id)]; v && !(o.has_arg == 2 && v->empty())) {
            args.push_back(option_helper_flag(o));
            args.push_back(*v);
        }
    return args;
}

ihk::Result<JobRequest> build_request(const OptionValues& values,
                                      const RequestPolicy& policy, const std::string& default_kmsg)
{
    JobRequest req;
    if (auto r = apply_mck(req, "", policy); !r)
        return r.error();
    for (const auto& o : TABLE)
        if (const auto& v = values[int(o.id)]; v && !(o.has_arg == 2 && v->empty()))
            if (auto r = o.apply(req, *v, policy); !r)
                return r.error();
    if (!values[int(OptionId::KMSG)])
        if (auto r = apply_kmsg(req, default_kmsg, policy); !r)
            return r.error();
    return req;
}

std::vector<EnvOption> options_from_env(const std::function<const char*(const char*)>& lookup)
{
    std::vector<EnvOption> out;
    for (const auto& o : TABLE) {
        const char* raw = lookup(option_env_name(o).c_str());
        if (!raw)
            continue;
        std::string v = raw;
        if (o.has_arg == 2) {
            if (v.empty() || one_of(v, {"0", "no", "false", "off"}))
                continue;
            if (one_of(v, {"1", "yes", "true", "on"}))
                v.clear();
        }
        out.push_back({&o, v});
    }
    return out;
}

} // namespace mckslurm
