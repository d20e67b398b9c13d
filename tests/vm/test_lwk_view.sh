# SPDX-License-Identifier: GPL-2.0
# The LWK's view of the machine: under mcexec, /proc/cpuinfo, /proc/meminfo,
# /proc/stat, /sys/devices/system/{cpu,node}, /proc/self/status, maps, stat,
# statm, sysconf, sysinfo,
# nproc, numactl, hwloc and OpenMP all see the program's share of the instance
# (its CPUs as 0..n-1, its memory, what of it is free now); natively they still see Linux's. The
# private directory behind it is gone when mcexec ends, even killed. The node
# is clean afterwards.
. "$(dirname "$0")/lib.sh"
snapshot_node
PROGS=$IHK_BUILD/tests/vm/programs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Linux's view of CPUs 1-3 while they are still Linux's.
declare -A core pkg
for c in 1 2 3; do
	core[$c]=$(cat /sys/devices/system/cpu/cpu$c/topology/core_id)
	pkg[$c]=$(cat /sys/devices/system/cpu/cpu$c/topology/physical_package_id)
done
model=$(grep -m1 '^model name' /proc/cpuinfo)

# Three LWK CPUs, one left to Linux: the two views cannot be mistaken for each other.
expect_eq "mcreboot" 0 "$(mcreboot.sh -c 1-3 -m 512M@0)"
m() { timeout 120 mcexec "$@"; }

log "CPUs: the share, numbered 0..2"
expect_eq "nproc (sched_getaffinity)" 3 "$(m nproc)"
expect_eq "getconf _NPROCESSORS_ONLN" 3 "$(m getconf _NPROCESSORS_ONLN)"
expect_eq "getconf _NPROCESSORS_CONF" 3 "$(m getconf _NPROCESSORS_CONF)"
for f in online possible present; do
	expect_eq "cpu/$f" 0-2 "$(m cat /sys/devices/system/cpu/$f)"
done
expect_eq "cpuN directories" "cpu0 cpu1 cpu2" "$(m ls /sys/devices/system/cpu | grep '^cpu[0-9]' | xargs)"
expect_eq "processors in /proc/cpuinfo" 3 "$(m grep -c '^processor' /proc/cpuinfo)"
expect_eq "processor numbers" "0 1 2" "$(m grep '^processor' /proc/cpuinfo | awk '{ print $3 }' | xargs)"
expect_eq "model name of LWK CPU 2" "$model" "$(m grep '^model name' /proc/cpuinfo | sed -n 3p)"
for i in 0 1 2; do
	c=$((i + 1))
	expect_eq "cpu$i core_id (Linux's CPU $c)" "${core[$c]}" "$(m cat /sys/devices/system/cpu/cpu$i/topology/core_id)"
	expect_eq "cpu$i package (Linux's CPU $c)" "${pkg[$c]}" \
		"$(m cat /sys/devices/system/cpu/cpu$i/topology/physical_package_id)"
done
expect_eq "cpu lines of /proc/stat" "cpu0 cpu1 cpu2" "$(m grep -o '^cpu[0-9]\+' /proc/stat | xargs)"
expect_eq "Cpus_allowed_list of /proc/self/status" "Cpus_allowed_list:	0-2" \
	"$(m grep Cpus_allowed_list /proc/self/status)"
expect_eq "Name in /proc/self/status" "Name:	grep" "$(m grep ^Name /proc/self/status)"

log "memory: the share's 512 MiB"
expect_eq "MemTotal" "MemTotal:         524288 kB" "$(m grep MemTotal /proc/meminfo)"
expect_eq "sysinfo's pages (getconf _PHYS_PAGES)" 131072 "$(m getconf _PHYS_PAGES)"
# What is free is the share less what the program holds, as the LWK counts it now.
free_pages=$(m getconf _AVPHYS_PAGES)
[ "$free_pages" -gt 98304 ] && [ "$free_pages" -lt 131072 ] &&
	echo "ok: sysinfo's free pages (getconf _AVPHYS_PAGES): $free_pages of 131072, the program holding the rest" ||
	fail "sysinfo's free pages (getconf _AVPHYS_PAGES): $free_pages of 131072"
drop=$(m python3 -c 'import re
free = lambda key: int(re.search(key + r":\s+(\d+)", open("/proc/meminfo").read()).group(1))
before = (free("MemFree"), free("MemAvailable"))
block = bytearray(64 << 20)
after = (free("MemFree"), free("MemAvailable"))
print((before[0] - after[0]) // 1024, (before[1] - after[1]) // 1024)')
read -r free_drop avail_drop <<< "$drop"
[ "${free_drop:-0}" -ge 60 ] && [ "$free_drop" -le 80 ] && [ "$avail_drop" = "$free_drop" ] &&
	echo "ok: 64 MiB more in use take $free_drop MiB from MemFree and MemAvailable" ||
	fail "64 MiB more in use: MemFree, MemAvailable fell by '$drop' MiB"
expect_eq "node0 cpulist" 0-2 "$(m cat /sys/devices/system/node/node0/cpulist)"
expect_eq "node0 MemTotal" "Node 0 MemTotal:         524288 kB" "$(m grep MemTotal /sys/devices/system/node/node0/meminfo)"
m numactl -H > "$work/numactl" 2>&1 || fail "numactl -H failed: $(cat "$work/numactl")"
expect_eq "numactl -H nodes" "available: 1 nodes (0)" "$(grep available "$work/numactl")"
expect_eq "numactl -H cpus" "node 0 cpus: 0 1 2" "$(grep 'node 0 cpus' "$work/numactl")"
expect_eq "numactl -H size" "node 0 size: 512 MB" "$(grep 'node 0 size' "$work/numactl")"

log "hwloc: lstopo-no-graphics"
m lstopo-no-graphics --no-io > "$work/lstopo" 2>&1 || fail "lstopo failed: $(cat "$work/lstopo")"
cat "$work/lstopo"
expect_eq "lstopo cores" 3 "$(grep -c 'Core L#' "$work/lstopo")"
expect_eq "lstopo PUs" "P#0 P#1 P#2" "$(grep -o 'PU L#[0-9]* (P#[0-9]*)' "$work/lstopo" | grep -o 'P#[0-9]*' | xargs)"
expect_eq "lstopo memory" 1 "$(grep -c 'NUMANode L#0 (P#0 512MB)' "$work/lstopo")"

log "OpenMP: OMP_PLACES=cores OMP_PROC_BIND=close, 2 threads"
expect_eq "OpenMP binding" "threads 2 places 3 cpus 0 1 distinct" \
	"$(OMP_PLACES=cores OMP_PROC_BIND=close OMP_NUM_THREADS=2 m "$PROGS/omp_places")"

log "paths relative to a directory or the working directory, and the program's own /proc files"
expect_eq "cd /sys/devices/system/cpu; cat online" 0-2 "$(cd /sys/devices/system/cpu && m cat online)"
expect_eq "cd /; cat proc/../sys/devices/system/cpu/online" 0-2 "$(cd / && m cat proc/../sys/devices/system/cpu/online)"
expect_eq "openat(fd of /, relative)" 0-2 "$(m python3 -c '
import os
root = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
cpu = os.open("sys/devices/system/cpu", os.O_RDONLY | os.O_DIRECTORY, dir_fd=root)
print(open(os.open("online", os.O_RDONLY, dir_fd=cpu)).read().strip())')"
expect_eq "listing through a directory fd" "cpu0 cpu1 cpu2" "$(m python3 -c '
import os
print(" ".join(sorted(e for e in os.listdir(os.open("/sys/bus/cpu/devices", os.O_RDONLY)))))')"
expect_eq "out of the view with .." "root:x:0:0:root:/root:/bin/bash" "$(m python3 -c '
import os
cpu = os.open("/sys/devices/system/cpu", os.O_RDONLY | os.O_DIRECTORY)
print(open(os.open("../../../../etc/passwd", os.O_RDONLY, dir_fd=cpu)).readline().strip())')"
expect_eq "/proc/self/cmdline" "cat /proc/self/cmdline " "$(m cat /proc/self/cmdline | tr '\0' ' ')"
expect_eq "/proc/self/exe" /usr/bin/readlink "$(m /usr/bin/readlink /proc/self/exe)"
expect_eq "stat of /proc/self/exe" "$(stat -L -c %i /usr/bin/stat)" "$(m /usr/bin/stat -L -c %i /proc/self/exe)"
expect_eq "/proc/self/comm" python3 "$(m python3 -c 'print(open("/proc/self/comm").read().strip())')"
expect_eq "writing a view file" "EACCES" "$(m python3 -c '
import errno
try:
    open("/sys/devices/system/cpu/online", "w")
    print("opened")
except OSError as e:
    print(errno.errorcode[e.errno])')"

log "the program's /proc/self/{maps,stat,statm,status,cmdline,environ}: the LWK process's"
MCK_PROBE="an environment of its own" m "$PROGS/proc_self" one "two words" > "$work/proc_self" 2>&1 || fail "proc_self failed"
cat "$work/proc_self"
expect_eq "proc_self" "proc_self: all ok" "$(tail -n1 "$work/proc_self")"
expect_eq "cat /proc/self/maps: [stack] and [vdso]" 2 "$(m cat /proc/self/maps | grep -c '\[stack\]$\|\[vdso\]$')"
expect_eq "ps -o stat,nlwp,comm of itself" "R 1 ps" "$(m sh -c 'exec ps -o stat=,nlwp=,comm= -p $$' | xargs)"
expect_eq "a parent reads its LWK child's stat (sleeping in a read)" "S True" "$(m python3 -c '
import os, time
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.read(r, 1)
    os._exit(0)
for _ in range(100):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    if f[0] == "S":
        break
    time.sleep(0.05)
print(f[0], int(f[1]) == os.getpid())
os.write(w, b"x")
os.waitpid(pid, 0)')"
expect_eq "a Linux process's stat stays Linux's" "1 (init)" "$(m cut -d' ' -f1,2 /proc/1/stat)"

log "-n 2: the second rank's share is LWK CPU 2 and 256 MiB"
expect_eq "rank 1 online" 0 "$(m -n 2 --local-rank 1 cat /sys/devices/system/cpu/online)"
expect_eq "rank 1 MemTotal" "MemTotal:         262144 kB" "$(m -n 2 --local-rank 1 grep MemTotal /proc/meminfo)"
expect_eq "rank 1 core_id (Linux's CPU 2)" "${core[2]}" \
	"$(m -n 2 --local-rank 1 cat /sys/devices/system/cpu/cpu0/topology/core_id)"

log "natively: Linux's view (CPU 0 only)"
expect_eq "native nproc" 1 "$(nproc)"
expect_eq "native online" 0 "$(cat /sys/devices/system/cpu/online)"
expect_eq "native processors" 1 "$(grep -c '^processor' /proc/cpuinfo)"
[ "$(grep MemTotal /proc/meminfo)" != "MemTotal:         524288 kB" ] && echo "ok: native MemTotal is Linux's" ||
	fail "native MemTotal is the share's"
expect_eq "native numactl cpus" "node 0 cpus: 0" "$(numactl -H | grep 'node 0 cpus')"
expect_eq "native lstopo PUs" 1 "$(lstopo-no-graphics --no-io | grep -c 'PU L#')"

log "the private directory goes with mcexec"
mcexec /bin/sleep 100 & pid=$!
sleep 3
views=$(ls -d /dev/shm/mcexec-view.$pid.* 2>/dev/null | wc -l)
expect_eq "a view while it runs" 1 "$views"
kill -KILL $pid
wait $pid 2>/dev/null || true
for _ in $(seq 50); do
	[ -z "$(ls -d /dev/shm/mcexec-view.* 2>/dev/null)" ] && break
	sleep 0.1
done
expect_eq "views left after every mcexec ended (one killed)" "" "$(ls -d /dev/shm/mcexec-view.* 2>/dev/null)"

expect_ok mcstop+release.sh
assert_node_clean
finish
