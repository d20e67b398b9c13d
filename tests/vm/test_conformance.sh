# SPDX-License-Identifier: GPL-2.0
# The conformance suite (tests/conformance) natively and under mcexec, outputs
# compared. Cases listed in KNOWN_GAPS are features still missing on the LWK
# (docs/syscalls.md): they must still fail, so this test notices when they are done.
. "$(dirname "$0")/lib.sh"
snapshot_node
KNOWN_GAPS=""
expect_eq "mcreboot" 0 "$(mcreboot.sh -c 1-3 -m 1G@0)"
out=$(bash "$(dirname "$0")/../conformance/run.sh" --bin "$IHK_BUILD/conformance" --runner mcexec 2>&1) || true
echo "$out"
for c in $(awk '$NF == "PASS" || $4 == "FAIL" { print $1 }' <<<"$out"); do
	result=$(awk -v c="$c" '$1 == c { print $4 }' <<<"$out")
	if [[ " $KNOWN_GAPS " == *" $c "* ]]; then
		[ "$result" == FAIL ] && echo "ok: $c: known gap, still failing" || fail "$c passes now: remove it from KNOWN_GAPS"
	else
		[ "$result" == PASS ] && echo "ok: $c" || fail "$c under mcexec"
	fi
done
n=$(grep -c ' PASS$' <<<"$out" || true)
[ "$n" -ge 25 ] && echo "ok: $n cases passed" || fail "only $n cases passed"
expect_ok mcstop+release.sh
assert_node_clean
finish
