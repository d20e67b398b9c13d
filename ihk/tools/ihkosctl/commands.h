// SPDX-License-Identifier: GPL-2.0
// ihkosctl's subcommands; each adds itself to the app and calls into libihk.
#pragma once

#include "tool.h"

namespace ihk::tools::ihkosctl {

// assign / release / query of CPUs and memory (resources.cpp)
void set_resource_commands(CLI::App& app, const Options& opts);
// set/get ikc_map, kargs, get kargs, get status, get rusage (settings.cpp)
void set_setting_commands(CLI::App& app, const Options& opts);
// load, boot, shutdown, kmsg, clear_kmsg (lifecycle.cpp)
void set_lifecycle_commands(CLI::App& app, const Options& opts);

} // namespace ihk::tools::ihkosctl
