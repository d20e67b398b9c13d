#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs dependencies, builds, and runs the tests. Arguments go to ctest:
#   scripts/test.sh              every test
#   scripts/test.sh -L unit      host unit tests only (seconds)
#   scripts/test.sh -L vm        tests on the virtual node
#   scripts/test.sh -L slurm     Slurm end to end (slurmctld and slurmd in the virtual node)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build}
"$src/scripts/build.sh"
cd "$build"
exec ctest --output-on-failure "$@"
