// SPDX-License-Identifier: GPL-2.0
// ihkconfig's subcommands; each adds itself to the app and calls into libihk.
#pragma once

#include "tool.h"

namespace ihk::tools::ihkconfig {

// reserve / release / query of CPUs and memory (resources.cpp)
void set_resource_commands(CLI::App& app, const Options& opts);
// create / destroy / get os_instances (instances.cpp)
void set_instance_commands(CLI::App& app, const Options& opts);
// start / teardown: a whole instance in one call (lifecycle.cpp)
void set_lifecycle_commands(CLI::App& app, const Options& opts);

} // namespace ihk::tools::ihkconfig
