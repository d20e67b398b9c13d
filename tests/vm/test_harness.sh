# SPDX-License-Identifier: GPL-2.0
# The virtual node's harness itself (runs on the host): exit status, kernel
# problems in the log, the time limit and cleanup of QEMU, the accelerator choice.
set -uo pipefail
vmrun="$(dirname "$0")/vmrun --build ${IHK_BUILD:?} ${IHK_VMRUN_ARGS:-}"
failures=0
check() { # check WHAT EXPECTED-STATUS command...
	local what=$1 want=$2 rc
	shift 2
	"$@" >/dev/null 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ]; then echo "ok: $what (status $rc)"; else echo "FAIL: $what: status $rc, expected $want"; failures=$((failures + 1)); fi
}
check "exit status passes through" 7 $vmrun -- sh -c 'exit 7'
check "success" 0 $vmrun --cpus 2 --mem 1G -- sh -c 'test "$(nproc)" = 2'
check "a kernel WARNING fails the run" 126 $vmrun -- sh -c 'echo l > /proc/sysrq-trigger; sleep 1'
marker=vmrun_harness_$$
check "the time limit kills a hung guest" 124 $vmrun --timeout 15 --append "$marker" -- sleep 600
# Only this run's QEMU (other virtual nodes may be running on the machine).
if pgrep -f "qemu-system-x86_64.*$marker" >/dev/null; then echo "FAIL: a QEMU process survived"; failures=$((failures + 1)); else echo "ok: no QEMU left"; fi
check "bad option is refused" 2 $vmrun --cpus x -- true
check "a bad accelerator is refused" 2 $vmrun --accel xen -- true
check "software emulation when asked" 0 $vmrun --accel tcg -- true
# The automatic choice says why it emulates: this machine's /dev/kvm decides.
err=$($vmrun -- true 2>&1 >/dev/null | grep '^vmrun: software emulation' || true)
if [ ! -e /dev/kvm ]; then want="no /dev/kvm"
elif [ ! -w /dev/kvm ]; then want="not writable"
elif ! grep -qwE 'vmx|svm' /proc/cpuinfo; then want="without vmx/svm"
else want=""; fi
if { [ -z "$want" ] && [ -z "$err" ]; } || { [ -n "$want" ] && [[ $err == *"$want"* ]]; }; then
	echo "ok: accelerator choice: ${err:-KVM}"
else
	echo "FAIL: accelerator choice: expected '${want:-KVM}', vmrun said '$err'"
	failures=$((failures + 1))
fi
[ $failures -eq 0 ] && echo "all checks passed"
exit $((failures != 0))
