// SPDX-License-Identifier: GPL-2.0
// Printing query results as the classic one-line text or as JSON (--json).
#pragma once

#include <ihk/device.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ihk::tools {

nlohmann::json to_json(const std::vector<CpuInfo>& cpus);
nlohmann::json to_json(const std::vector<MemExtent>& extents);

// "2-3" or {"cpus": "2-3", "details": [...]}.
void print_cpus(const std::vector<CpuInfo>& cpus, bool json);
// "536870912@0" (bytes per NUMA node) or {"mem": ..., "per_node": [...], "extents": [...]}.
void print_mem(const std::vector<MemExtent>& extents, bool json);
// ihkosctl N get rusage: a short table, or the same numbers as JSON.
nlohmann::json to_json(const Os::Usage& u);
std::string format_usage(const Os::Usage& u);
// @text as is, or {@key: @value}.
void print_value(const std::string& key, const nlohmann::json& value, const std::string& text, bool json);

} // namespace ihk::tools
