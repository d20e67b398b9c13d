# SPDX-License-Identifier: GPL-2.0
# What scripts/demo.sh runs inside the virtual node.
set -euo pipefail
step() { echo; echo "\$ $*"; "$@"; }
show() { echo "  online CPUs: $(cat /sys/devices/system/cpu/online)   MemFree: $(awk '/MemFree/ { print $2 / 1024 " MiB" }' /proc/meminfo)"; }

echo "== the virtual node as Linux sees it"
show
echo; echo "== boot McKernel on CPUs 2-3 with 512 MiB (loads the IHK modules and mcctrl)"
step mcreboot.sh -c 2-3 -m 512M@0
show
step ihkconfig 0 query cpu
step ihkconfig 0 query mem
step ihkosctl 0 get status
echo; echo "== unmodified Linux programs on McKernel, through mcexec"
step mcexec /bin/echo "Hello from McKernel"
step mcexec /usr/bin/python3 -c 'import os, platform; print("python", platform.python_version(), "pid", os.getpid(), "cwd", os.getcwd())'
step mcexec "$IHK_BUILD/tests/vm/programs/kprint" "a line from a user program, via system call 599"
echo; echo "== McKernel's log"
step ihkosctl 0 kmsg
echo; echo "== a refusal"
step ihkconfig 0 reserve cpu 0 || true
echo; echo "== giving everything back"
step mcstop+release.sh
show
