// SPDX-License-Identifier: GPL-2.0
// Task placement from launcher variables (placement.h).
#include "placement.h"

#include <sstream>

namespace mckpmix {
namespace {

std::optional<uint32_t> number(const char* s)
{
    if (!s || !*s)
        return std::nullopt;
    uint64_t v = 0;
    for (const char* p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > 1000000)
            return std::nullopt;
        v = v * 10 + uint64_t(*p - '0');
    }
    return uint32_t(v);
}

} // namespace

std::optional<uint32_t> tasks_on_node(const std::string& list, uint32_t node)
{
    std::istringstream in(list);
    std::string item;
    uint64_t seen = 0;
    while (std::getline(in, item, ',')) {
        uint32_t repeat = 1;
        auto paren = item.find("(x");
        if (paren != std::string::npos) {
            if (item.back() != ')')
                return std::nullopt;
            auto r = number(item.substr(paren + 2, item.size() - paren - 3).c_str());
            if (!r || !*r)
                return std::nullopt;
            repeat = *r;
            item = item.substr(0, paren);
        }
        auto count = number(item.c_str());
        if (!count)
            return std::nullopt;
        if (node < seen + repeat)
            return *count;
        seen += repeat;
    }
    return std::nullopt;
}

std::optional<Placement> placement_from_env(const GetEnv& getenv, std::string* error)
{
    struct Source {
        const char* name;
        const char* rank;
        const char* size;
    } sources[] = {{"mcexec", "MCEXEC_LOCAL_RANK", "MCEXEC_LOCAL_SIZE"},
                   {"PMIx", "PMIX_LOCAL_RANK", "PMIX_LOCAL_SIZE"},
                   {"Open MPI", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE"},
                   {"MPICH", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"}};
    auto check = [&](Placement p, const std::string& vars) -> std::optional<Placement> {
        if (p.local_size == 0 || p.local_rank >= p.local_size) {
            *error = vars + ": local rank " + std::to_string(p.local_rank) + " is not below the local size " +
                     std::to_string(p.local_size);
            return std::nullopt;
        }
        return p;
    };
    for (const auto& s : sources) {
        const char* r = getenv(s.rank);
        const char* n = getenv(s.size);
        if (!r && !n)
            continue;
        auto rank = number(r), size = number(n);
        if (!rank || !size) {
            *error = std::string(s.rank) + "='" + (r ? r : "") + "', " + s.size + "='" + (n ? n : "") +
                     "': both must be numbers";
            return std::nullopt;
        }
        return check(Placement{*rank, *size, s.name}, std::string(s.rank) + "/" + s.size);
    }
    if (const char* localid = getenv("SLURM_LOCALID")) {
        const char* list = getenv("SLURM_STEP_TASKS_PER_NODE");
        if (!list)
            list = getenv("SLURM_TASKS_PER_NODE");
        const char* nodeid = getenv("SLURM_NODEID");
        auto rank = number(localid);
        auto node = number(nodeid ? nodeid : "0");
        auto size = list && node ? tasks_on_node(list, *node) : std::nullopt;
        if (!rank || !size) {
            *error = std::string("SLURM_LOCALID='") + localid + "', SLURM_STEP_TASKS_PER_NODE='" + (list ? list : "") +
                     "', SLURM_NODEID='" + (nodeid ? nodeid : "") + "': cannot tell the tasks on this node";
            return std::nullopt;
        }
        return check(Placement{*rank, *size, "Slurm"}, "SLURM_LOCALID/SLURM_STEP_TASKS_PER_NODE");
    }
    error->clear();
    return std::nullopt;
}

} // namespace mckpmix
