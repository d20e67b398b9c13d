// SPDX-License-Identifier: GPL-2.0
// Where a task sits on its node, from whatever started it, so mcexec can take
// its share of the node's LWK without being told (no -n). Sources, first found wins:
//   1. mcexec's own:   MCEXEC_LOCAL_RANK, MCEXEC_LOCAL_SIZE (the SPANK plugin, scripts)
//   2. a PMIx server:  PMIX_LOCAL_RANK, PMIX_LOCAL_SIZE (in the task's environment,
//                      as PRRTE and Cray PALS put them)
//   3. Open MPI/PRRTE: OMPI_COMM_WORLD_LOCAL_RANK, OMPI_COMM_WORLD_LOCAL_SIZE (mpirun)
//   4. MPICH (Hydra):  MPI_LOCALRANKID, MPI_LOCALNRANKS
//   5. Slurm:          SLURM_LOCALID, with SLURM_STEP_TASKS_PER_NODE (or
//                      SLURM_TASKS_PER_NODE) at SLURM_NODEID ("2(x3),1": 2 on nodes 0-2)
// Pure computation over the environment: no rendezvous, nothing can hang.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace mckpmix {

struct Placement {
    uint32_t local_rank = 0;
    uint32_t local_size = 1;
    std::string source; // which launcher's variables said so
};

using GetEnv = std::function<const char*(const char*)>;

// The placement, std::nullopt if no launcher's variables are there. Variables
// that are present but malformed or inconsistent are an error (@error says which).
std::optional<Placement> placement_from_env(const GetEnv& getenv, std::string* error);

// Slurm's compressed tasks-per-node list ("2(x3),1") at @node; nullopt if malformed or too short.
std::optional<uint32_t> tasks_on_node(const std::string& list, uint32_t node);

} // namespace mckpmix
