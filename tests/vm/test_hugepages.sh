# SPDX-License-Identifier: GPL-2.0
# MAP_HUGETLB pages on McKernel (programs/huge_pages.c): 1 GiB of MAP_HUGE_1GB and
# of MAP_HUGE_2MB memory is written, checked, protected and unmapped only at
# whole pages, moved whole with mremap, with the same output as natively (Linux's
# pools filled for that run). That the LWK gave a real 1 GiB page shows in the
# program's page tables (mcexec --report): 1 GiB pages need no page directory, so
# the 2 MiB run has exactly one more for each of the two places the memory was
# at. The node boots with 6 GiB so that Linux can free whole GiBs for the 3 GiB
# instance; the node is clean afterwards.
. "$(dirname "$0")/lib.sh"
snapshot_node
P=$IHK_BUILD/tests/vm/programs/huge_pages
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pool() { echo "$2" > "/sys/kernel/mm/hugepages/hugepages-$1/nr_hugepages"; cat "/sys/kernel/mm/hugepages/hugepages-$1/nr_hugepages"; }

# IHK takes whole GiBs first where Linux can free them (ihk.ko reserve_gib,
# docs/ihk.md); on a 4 GiB node there is none (firmware tables at the top of
# the low 2 GiB, Linux's own unmovable pages in each GiB above 4 GiB).
expect_eq "reserve_gib on by default" Y "$(ihk_load; cat /sys/module/ihk/parameters/reserve_gib)"
expect_eq "mcreboot" 0 "$(mcreboot.sh -c 1-3 -m 3G@0)"
ihkosctl 0 kmsg > "$work/kmsg"
grep "memory: chunk" "$work/kmsg" || true
for v in 1g 2m; do
	log "under mcexec, $v pages"
	mcexec --report="$work/r.$v" --report-format=json "$P" "$v" > "$work/lwk.$v" 2>&1 ||
		fail "under mcexec, $v: $(cat "$work/lwk.$v")"
	cat "$work/lwk.$v"
done
tables() { python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['page_table_bytes'])" "$work/r.$1"; }
expect_eq "page tables: 1 GiB pages need no page directory (2 MiB pages: one at each place)" \
	8192 "$(($(tables 2m) - $(tables 1g)))"
expect_ok mcstop+release.sh

log "natively, from Linux's pools"
expect_eq "a 1 GiB page in Linux's pool" 1 "$(pool 1048576kB 1)"
expect_eq "512 pages of 2 MiB in Linux's pool" 512 "$(pool 2048kB 512)"
for v in 1g 2m; do
	"$P" "$v" > "$work/native.$v" 2>&1 || fail "natively, $v: $(cat "$work/native.$v")"
	diff -u "$work/native.$v" "$work/lwk.$v" && echo "ok: $v: the same as natively" || fail "$v: differs from native"
done
expect_eq "pools emptied" "0 0" "$(pool 1048576kB 0) $(pool 2048kB 0)"

log "the node is clean"
assert_node_clean
finish
