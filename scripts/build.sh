#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs dependencies and builds everything into ./build (or $BUILD_DIR).
# Extra arguments go to cmake, e.g. -DKERNEL_DIR=/usr/src/linux-headers-6.1.0-26-amd64.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build}
"$src/packaging/deps.sh"
cmake -S "$src" -B "$build" "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
