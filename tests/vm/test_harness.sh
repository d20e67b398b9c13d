# SPDX-License-Identifier: GPL-2.0
# The virtual node's harness itself (runs on the host): exit status, kernel
# problems in the log, the time limit and cleanup of QEMU, the accelerator choice
# (forced, usable KVM, a /dev/kvm that cannot run a guest, no /dev/kvm).
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
check "a bad VMRUN_TCG_THREAD is refused before any boot" 2 env VMRUN_TCG_THREAD=bogus $vmrun -- true
check "success" 0 $vmrun --cpus 2 --mem 1G -- sh -c 'test "$(nproc)" = 2'
check "a kernel WARNING fails the run" 126 $vmrun -- sh -c 'echo l > /proc/sysrq-trigger; sleep 1'
marker=vmrun_harness_$$
check "the time limit kills a hung guest" 124 $vmrun --timeout 15 --append "$marker" -- sleep 600
# Only this run's QEMU (other virtual nodes may be running on the machine).
if pgrep -f "qemu-system-x86_64.*$marker" >/dev/null; then echo "FAIL: a QEMU process survived"; failures=$((failures + 1)); else echo "ok: no QEMU left"; fi
# A boot that never reaches init (QEMU's CPUs held stopped with -S, as when
# emulation hangs the kernel) is tried twice, then given up with 125.
out=$(VMRUN_BOOT_TIMEOUT=5 $vmrun --qemu-arg -S -- true 2>&1)
rc=$?
if [ "$rc" -eq 125 ] && [ "$(grep -c 'did not start its init within 5s' <<<"$out")" -eq 2 ] &&
	grep -q 'never booted; giving up' <<<"$out"; then
	echo "ok: a boot that hangs before init is tried again, then given up (status 125)"
else
	echo "FAIL: a boot that hangs before init: status $rc, output: $(tail -3 <<<"$out")"
	failures=$((failures + 1))
fi
check "a bad VMRUN_BOOT_TIMEOUT is refused" 2 env VMRUN_BOOT_TIMEOUT=x $vmrun -- true
check "bad option is refused" 2 $vmrun --cpus x -- true
check "a bad accelerator is refused" 2 $vmrun --accel xen -- true
check "a link to itself is refused" 2 $vmrun --link 40401:40401 -- true
check "a link's port out of range is refused" 2 $vmrun --link 40401:70000 -- true
check "software emulation when asked" 0 $vmrun --accel tcg -- true
# The automatic choice says why it emulates: this machine's /dev/kvm decides.
err=$(env -u VMRUN_ACCEL $vmrun -- true 2>&1 >/dev/null | grep '^vmrun: software emulation' || true)
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

# The choice itself, on made-up machines: a stand-in /dev/kvm (VMRUN_KVM_DEV), a
# CPU with vmx (VMRUN_CPUINFO) and a qemu-system-x86_64 first on PATH that plays
# KVM (SHIM_KVM: ok, fail, hang) for the probe guest and, for the node itself, only
# records how it was asked to run it (no guest: vmrun then exits 125).
shim=$(mktemp -d)
trap 'rm -rf "$shim"' EXIT
cat >"$shim/qemu-system-x86_64" <<'SHIM'
#!/bin/bash
case " $* " in
*" -accel kvm "*isa-debug-exit*)
	echo probe >>"$SHIM_LOG"
	case $SHIM_KVM in
	ok) exit 99 ;;
	hang) exec sleep 60 ;;
	*) echo "qemu-system-x86_64: -accel kvm: Could not access KVM kernel module: Operation not supported" >&2; exit 1 ;;
	esac ;;
*" -accel kvm "*) echo "node kvm" >>"$SHIM_LOG" ;;
*) echo "node tcg" >>"$SHIM_LOG" ;;
esac
SHIM
chmod +x "$shim/qemu-system-x86_64"
touch "$shim/kvm"
echo "flags		: fpu vme de pse tsc msr pae mce cx8 apic vmx" >"$shim/cpuinfo"
# choice WHAT SHIM_KVM KVM_DEV EXPECTED_NODE EXPECTED_MESSAGE [vmrun options]: the node
# runs with EXPECTED_NODE (kvm or tcg), and vmrun says EXPECTED_MESSAGE (or nothing).
choice() {
	local what=$1 kvm=$2 dev=$3 node=$4 msg=$5 err rc t0=$SECONDS
	shift 5
	: >"$shim/log"
	err=$(env -u VMRUN_ACCEL PATH="$shim:$PATH" SHIM_LOG="$shim/log" SHIM_KVM="$kvm" VMRUN_KVM_DEV="$dev" \
		VMRUN_CPUINFO="$shim/cpuinfo" $vmrun "$@" -- true 2>&1 >/dev/null)
	rc=$?
	err=$(grep '^vmrun: software emulation' <<<"$err" || true)
	if [ $rc -eq 125 ] && [ $((SECONDS - t0)) -lt 30 ] && grep -qx "node $node" "$shim/log" && { [ -z "$msg" ] && [ -z "$err" ] || [[ -n $msg && $err == *"$msg"* ]]; }; then
		echo "ok: $what: $node${err:+ ($err)} in $((SECONDS - t0)) s"
	else
		echo "FAIL: $what: status $rc after $((SECONDS - t0)) s, '$err', QEMU asked for: $(paste -sd, "$shim/log")"
		failures=$((failures + 1))
	fi
}
choice "forced tcg beside a usable KVM" ok "$shim/kvm" tcg "" --accel tcg
grep -q probe "$shim/log" && { echo "FAIL: probed KVM although tcg was forced"; failures=$((failures + 1)); }
choice "a usable KVM is used" ok "$shim/kvm" kvm ""
choice "a /dev/kvm that cannot run a guest" fail "$shim/kvm" tcg "KVM cannot run a probe guest (QEMU exited with 1: qemu-system-x86_64: -accel kvm: Could not access KVM"
choice "a KVM probe that hangs is cut short" hang "$shim/kvm" tcg "KVM cannot run a probe guest (it did not finish in 5 s)"
choice "no /dev/kvm" ok "$shim/absent" tcg "software emulation: no $shim/absent"
grep -q probe "$shim/log" && { echo "FAIL: probed KVM without /dev/kvm"; failures=$((failures + 1)); }
[ $failures -eq 0 ] && echo "all checks passed"
exit $((failures != 0))
