// SPDX-License-Identifier: GPL-2.0
// The plugin's state: plugstack.conf arguments, the site configuration, and the
// job's options as Slurm hands them to the callback of the option table.
#include "guard.h"
#include "plugin.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mckspank {

using namespace mckslurm;

State& state()
{
    static State s;
    return s;
}

RequestPolicy policy() { return RequestPolicy{state().site.allow_test_kargs}; }

int configure(int ac, char** av)
{
    State& st = state();
    for (int i = 0; i < ac; i++) {
        std::string a = av[i];
        if (a.rfind("config=", 0) == 0) {
            st.config_path = a.substr(7);
        } else {
            slurm_error("mckernel: plugstack.conf: unknown argument '%s' (expected config=PATH)", av[i]);
            return -1;
        }
    }
    if (access(st.config_path.c_str(), R_OK) != 0 && st.config_path != MCK_SITE_CONFIG) {
        slurm_error("mckernel: plugstack.conf: config=%s: %s", st.config_path.c_str(), strerror(errno));
        return -1;
    }
    auto site = load_site_config(st.config_path);
    if (!site) {
        slurm_error("mckernel: %s", site.error().message.c_str());
        return -1;
    }
    st.site = *site;
    return 0;
}

namespace {

#define MCK_SPANK_OPTION(id, name, arginfo, has_arg, validator, usage)                                     \
    spank_option{const_cast<char*>(name), const_cast<char*>(arginfo), const_cast<char*>(usage), has_arg, \
                 int(OptionId::id), on_option},
spank_option g_options[] = {MCK_SPANK_OPTIONS(MCK_SPANK_OPTION)};
#undef MCK_SPANK_OPTION

} // namespace

int register_options(spank_t sp)
{
    for (auto& o : g_options)
        if (spank_option_register(sp, &o) != ESPANK_SUCCESS) {
            slurm_error("mckernel: cannot register --%s with Slurm", o.name);
            return -1;
        }
    return 0;
}

int on_option(int val, const char* optarg, int)
{
    return guarded("option", [&] {
    if (val < 0 || val >= OPTION_COUNT)
        return -1;
    State& st = state();
    auto id = OptionId(val);
    // Slurm hands an absent optional argument to the prolog as "(null)".
    std::string v = optarg && strcmp(optarg, "(null)") != 0 ? optarg : "";
    auto r = st.given.give(st.req, id, v, policy());
    // The first call for an option Slurm read from the variable we set for SLURM_MCK*.
    auto& env = st.from_env[val];
    std::string origin;
    if (env && *env == v)
        origin = option_env_name(option(id)) + ": ";
    env.reset();
    if (!r) {
        slurm_error("mckernel: %s%s", origin.c_str(), r.error().message.c_str());
        return -1;
    }
    return 0;
    });
}

} // namespace mckspank

namespace mckspank {

// At slurmd's start: which plugin, built for which Slurm, runs in which Slurm.
void log_versions(spank_t sp)
{
    unsigned built = SLURM_VERSION_NUMBER;
    char* running = nullptr;
    if (spank_get_item(sp, S_SLURM_VERSION, &running) != ESPANK_SUCCESS || !running)
        running = const_cast<char*>("unknown");
    slurm_info("mckernel: McKernel SPANK plugin %s, built for Slurm %u.%02u.%u, running in slurmd %s; site configuration %s",
               MCK_VERSION, SLURM_VERSION_MAJOR(built), SLURM_VERSION_MINOR(built), SLURM_VERSION_MICRO(built), running,
               state().config_path.c_str());
    char want[32];
    snprintf(want, sizeof(want), "%u.%02u.", SLURM_VERSION_MAJOR(built), SLURM_VERSION_MINOR(built));
    if (strncmp(running, want, strlen(want)) != 0)
        slurm_error("mckernel: built for Slurm %u.%02u but running in %s: rebuild the plugin against this Slurm",
                    SLURM_VERSION_MAJOR(built), SLURM_VERSION_MINOR(built), running);
}

} // namespace mckspank
