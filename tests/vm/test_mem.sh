# SPDX-License-Identifier: GPL-2.0
# Reserving memory takes it from Linux (MemFree drops), releasing gives it back;
# "all" keeps Linux alive; refusals name the chunk and why.
. "$(dirname "$0")/lib.sh"
snapshot_node
ihk_load

log "reserve 512M@0"
before=$(mem_free_kb)
expect_ok ihkconfig 0 reserve mem 512M@0
after=$(mem_free_kb)
if [ $((before - after)) -ge $((512 * 1024)) ]; then
	echo "ok: MemFree dropped by $(((before - after) / 1024)) MiB"
else
	fail "MemFree dropped by only $(((before - after) / 1024)) MiB after reserving 512M"
fi
expect_eq "query mem" 536870912@0 "$(ihkconfig 0 query mem)"
expect_ok ihkconfig 0 reserve mem 64M@0,2M@0
expect_eq "query mem after adding" $((578 << 20))@0 "$(ihkconfig 0 query mem)"

log "refusals"
expect_fail "the NUMA node does not exist" ihkconfig 0 reserve mem 512M@1
expect_fail "the NUMA node does not exist" ihkconfig 0 reserve mem 2M@0,2M@1023
expect_fail "not a multiple of 2M" ihkconfig 0 reserve mem 3M@0
expect_fail "not a multiple of 2M" ihkconfig 0 reserve mem 1000@0
expect_fail "too little free memory" ihkconfig 0 reserve mem 64G@0
expect_fail "add up to more than 64 bits" ihkconfig 0 reserve mem 8388608T@0,8388608T@0
expect_fail "does not fit in 64 bits" ihkconfig 0 reserve mem 99999999999999999999@0
expect_fail "is zero" ihkconfig 0 reserve mem 0@0
expect_fail "expected SIZE@NUMA" ihkconfig 0 reserve mem 512M
expect_fail "more than the unassigned reserved memory" ihkconfig 0 release mem 1G@0
expect_eq "refusals changed nothing" $((578 << 20))@0 "$(ihkconfig 0 query mem)"

log "partial release, then all"
expect_ok ihkconfig 0 release mem 66M@0
expect_eq "query mem" 536870912@0 "$(ihkconfig 0 query mem)"
expect_ok ihkconfig 0 release mem all
expect_eq "query mem empty" "" "$(ihkconfig 0 query mem)"
now=$(mem_free_kb)
if [ $((before - now)) -gt $((64 * 1024)) ]; then fail "MemFree $now kB did not return to $before kB"; else echo "ok: MemFree back ($now kB)"; fi
expect_ok ihkconfig 0 release mem all

log "reserve all: Linux keeps its margin and stays usable"
expect_ok ihkconfig 0 reserve mem all
total=$(ihkconfig --json 0 query mem | awk '/"size"/ { gsub(/[^0-9]/, "", $2); s += $2 } END { print s / 2 }')
echo "reserved $((total >> 20)) MiB with 'all'"
[ "$total" -gt $((512 << 20)) ] || fail "'all' reserved only $total bytes"
free_now=$(mem_free_kb)
[ "$free_now" -ge $((200 * 1024)) ] || fail "'all' left Linux only $free_now kB"
expect_ok sh -c 'head -c 64M /dev/zero | md5sum >/dev/null'
expect_fail "too little free memory" ihkconfig 0 reserve mem 512M@0
expect_ok ihkconfig 0 release mem all@0

log "module parameter keep_linux_mb bounds 'all'"
ihk_unload
ihk_load keep_linux_mb=1024
expect_ok ihkconfig 0 reserve mem all
free_now=$(mem_free_kb)
[ "$free_now" -ge $((1000 * 1024)) ] || fail "keep_linux_mb=1024 left Linux only $free_now kB"
echo "ok: keep_linux_mb=1024 left $((free_now / 1024)) MiB to Linux"

log "unload with memory reserved returns it"
assert_node_clean
finish
