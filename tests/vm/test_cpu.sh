# SPDX-License-Identifier: GPL-2.0
# Reserving CPUs takes them offline in Linux; releasing brings them back usable;
# every refusal names the CPU and why; Linux cannot take a reserved CPU back.
. "$(dirname "$0")/lib.sh"
snapshot_node
ihk_load

log "reserve 2-3: offline in sysfs and lscpu"
expect_ok ihkconfig 0 reserve cpu 2-3
expect_eq "cpu2 online" 0 "$(cpu_online 2)"
expect_eq "cpu3 online" 0 "$(cpu_online 3)"
expect_eq "online list" 0-1 "$(online_cpus)"
expect_eq "lscpu off-line list" 2,3 "$(lscpu | awk -F: '/Off-line CPU/ { gsub(/ /, "", $2); print $2 }')"
expect_eq "query cpu" 2-3 "$(ihkconfig 0 query cpu)"
expect_eq "query cpu --json" '"2-3"' "$(ihkconfig --json 0 query cpu | awk -F': ' '/"cpus"/ { sub(/,$/, "", $2); print $2 }')"

log "refusals"
expect_fail "CPU 0 cannot be reserved" ihkconfig 0 reserve cpu 0
expect_fail "CPU 0 cannot be reserved" ihkconfig 0 reserve cpu 0-1
expect_fail "CPU 7 does not exist" ihkconfig 0 reserve cpu 7
expect_fail "CPU 8191 does not exist" ihkconfig 0 reserve cpu 8191
expect_fail "CPU 8192 is out of range" ihkconfig 0 reserve cpu 8192
expect_fail "CPU 2 is already reserved" ihkconfig 0 reserve cpu 1-2
expect_eq "cpu1 untouched by the refused 1-2" 1 "$(cpu_online 1)"
expect_fail "CPU 1 is listed twice" ihkconfig 0 reserve cpu 1,1
expect_fail "expected a CPU number" ihkconfig 0 reserve cpu 1-x
expect_fail "CPU 1 is not reserved" ihkconfig 0 release cpu 1
expect_fail "is offline but not reserved" sh -c 'echo 0 > /sys/devices/system/cpu/cpu1/online && ihkconfig 0 reserve cpu 1; rc=$?; echo 1 > /sys/devices/system/cpu/cpu1/online; exit $rc'
expect_eq "cpu1 back online" 1 "$(cpu_online 1)"

log "Linux cannot take a reserved CPU back"
if echo 1 2>/dev/null > /sys/devices/system/cpu/cpu2/online; then
	fail "onlining reserved CPU 2 through sysfs succeeded"
else
	echo "ok: sysfs online of reserved CPU 2 refused"
fi
expect_eq "cpu2 still offline" 0 "$(cpu_online 2)"

log "non-root is refused"
expect_fail "permission denied" setpriv --reuid=65534 --regid=65534 --clear-groups ihkconfig 0 query cpu
expect_fail "permission denied" setpriv --reuid=65534 --regid=65534 --clear-groups ihkconfig 0 reserve cpu 1
chmod 0666 /dev/mcd0
expect_fail "requires CAP_SYS_ADMIN" setpriv --reuid=65534 --regid=65534 --clear-groups ihkconfig 0 query cpu
chmod 0600 /dev/mcd0

log "release: online and usable again"
expect_ok ihkconfig 0 release cpu 2
expect_eq "cpu2 online" 1 "$(cpu_online 2)"
run_pinned_on 2
expect_ok ihkconfig 0 release cpu all
expect_eq "online list" 0-3 "$(online_cpus)"
run_pinned_on 3
expect_eq "query cpu empty" "" "$(ihkconfig 0 query cpu)"
expect_ok ihkconfig 0 release cpu all

log "repeat reserve/release"
for i in 1 2 3; do
	expect_ok ihkconfig 0 reserve cpu 1-3
	expect_ok ihkconfig 0 release cpu 1-3
done

assert_node_clean
finish
