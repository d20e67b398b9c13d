#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The main job: build, boot the virtual compute node, load the IHK modules,
# reserve CPUs and memory, show them, create an OS instance, then give
# everything back and show that Linux has it again.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build}
"$src/scripts/build.sh"
exec "$src/tests/vm/vmrun" --build "$build" -- bash "$src/scripts/demo-guest.sh"
