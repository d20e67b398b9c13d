// SPDX-License-Identifier: GPL-2.0
// The plugin's user options, once. Everything about an option comes from its
// entry here: the plugin registers it with Slurm (srun --help lists it), its
// validator checks it at submit time and again on the node, its environment
// variable (SLURM_MCK_CPUS for --mck-cpus) is derived from its name, and so is
// the root helper's flag (--cpus); mck-spank-help prints the table for the
// manual page mckernel_spank(8). Adding an option is one entry plus, if it is
// new, its validator in request.h.
//   X(id, name, arginfo, has_arg (0 none, 1 required, 2 optional), validator, usage)
#pragma once

#define MCK_SPANK_OPTIONS(X)                                                                                        \
    X(MCK, "mck", "[cpus=N|LIST:mem=SIZE]", 2, apply_mck,                                                         \
      "Run every task on a McKernel lightweight kernel booted for this job on each node "                          \
      "(needs an exclusive allocation)")                                                                           \
    X(CPUS, "mck-cpus", "N|LIST", 1, apply_cpus, "McKernel: N cores per node, or these CPUs (a list such as 4-7,12)") \
    X(MEM, "mck-mem", "SIZE|SIZE@NUMA,...", 1, apply_mem, "McKernel: memory per node, or per NUMA node")           \
    X(IKC, "mck-ikc-map", "MAP", 1, apply_ikc_map, "McKernel: which Linux CPU serves which LWK CPUs (2-3:0+4-5:1)") \
    X(KARGS, "mck-kargs", "ARGS", 1, apply_kargs, "McKernel: kernel arguments")                                    \
    X(KMSG, "mck-kmsg", "PATH", 1, apply_kmsg,                                                                     \
      "McKernel: where its log goes (%j job id, %N node, %A array job id, %a array index; "                        \
      "default mck-kmsg-%j-%N.log in the working directory)")

#ifndef MCK_OPTIONS_TABLE_ONLY

#include "request.h"

#include <array>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mckslurm {

#define MCK_OPTION_ID(id, ...) id,
enum class OptionId : int { MCK_SPANK_OPTIONS(MCK_OPTION_ID) };
#undef MCK_OPTION_ID
#define MCK_OPTION_COUNT(...) +1
inline constexpr int OPTION_COUNT = 0 MCK_SPANK_OPTIONS(MCK_OPTION_COUNT);
#undef MCK_OPTION_COUNT

// An option's value as given ("" for --mck without one), by OptionId.
using OptionValues = std::array<std::optional<std::string>, OPTION_COUNT>;

using Validator = ihk::Result<void> (*)(JobRequest&, const std::string&, const RequestPolicy&);

struct OptionSpec {
    OptionId id;
    const char* name;    // without "--"
    const char* arginfo;
    int has_arg;         // 0 none, 1 required, 2 optional
    Validator apply;
    const char* usage;
};

std::span<const OptionSpec> option_table();
const OptionSpec& option(OptionId id);
const OptionSpec* find_option(std::string_view name);

// SLURM_MCK for --mck, SLURM_MCK_CPUS for --mck-cpus (like pyxis' PYXIS_*).
std::string option_env_name(const OptionSpec& o);
// The root helper's flag: --mck, --cpus, --mem, --ikc-map, --kargs, --kmsg.
std::string option_helper_flag(const OptionSpec& o);
// The variable Slurm itself reads an option from at submit time
// (SLURM_SPANK__SLURM_SPANK_OPTION_<plugin>_<option>), see spank(8).
std::string slurm_option_env_name(const OptionSpec& o, std::string_view plugin);

// The options of one job as given, validated one at a time into a request.
class GivenOptions {
public:
    // Validates @value for @id into @req and records it; the error names the option.
    ihk::Result<void> give(JobRequest& req, OptionId id, const std::string& value, const RequestPolicy& policy);
    const std::optional<std::string>& value(OptionId id) const { return m_value[int(id)]; }
    const OptionValues& values() const { return m_value; }
    bool any_besides_mck() const;

private:
    OptionValues m_value;
};

// The root helper's arguments for @values, in table order.
std::vector<std::string> helper_args(const OptionValues& values);

// The request for the given values, applied in table order (so --mck-cpus
// overrides cpus= in --mck=...), with the site's default kmsg file when none is given.
ihk::Result<JobRequest> build_request(const OptionValues& values,
                                      const RequestPolicy& policy, const std::string& default_kmsg);

// One option set through its SLURM_MCK* variable.
struct EnvOption {
    const OptionSpec* spec;
    std::string value; // what the option's callback gets
};
// The options the environment sets, through @lookup (getenv). For --mck, whose
// argument is optional, 1/yes/true/on mean --mck and 0/no/false/off or empty mean
// nothing; any other value is --mck's argument (cpus=4:mem=8G). Values are not
// validated here: they go through the options' own validators, like the command line.
std::vector<EnvOption> options_from_env(const std::function<const char*(const char*)>& lookup);

} // namespace mckslurm

#endif
