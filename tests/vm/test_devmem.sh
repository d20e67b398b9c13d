# SPDX-License-Identifier: GPL-2.0
# Device files mapped MAP_SHARED by a program on the LWK (mcexec/mcctrl/pin_io.c,
# docs/memory.md "Device memory"): the registers of QEMU's edu device and the
# memory BAR of an ivshmem device, through their sysfs resource files, which
# Linux maps VM_IO|VM_PFNMAP, uncached and write-combining; and /dev/zero.
# Under mcexec the program must see and do what it does natively: the
# device's answers, a fork child's use of the mapping, partial munmap, and
# Linux's refusals (read-only open, past the BAR, process_vm_readv). Bytes
# the LWK writes into the BAR are the ones Linux reads there, and back.
# Runs in a node with those two devices (tests/vm/CMakeLists.txt).
. "$(dirname "$0")/lib.sh"
snapshot_node
D=$IHK_BUILD/tests/vm/programs/devmem

# resource DIR-OF-VENDOR:DEVICE: the sysfs directory of the first such PCI device.
pci_dir() {
	local d
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/vendor"):$(cat "$d/device")" == "$1" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}
edu=$(pci_dir 0x1234:0x11e8) || { fail "no edu device in the node (vmrun --qemu-arg -device --qemu-arg edu)"; finish; }
ivshmem=$(pci_dir 0x1af4:0x1110) || { fail "no ivshmem device in the node"; finish; }
# The BARs are off until a driver or we enable the device.
echo 1 > "$edu/enable"
echo 1 > "$ivshmem/enable"
res=("$edu/resource0" "$ivshmem/resource2" "$ivshmem/resource2_wc")
for r in "${res[@]}"; do [ -e "$r" ] || fail "missing $r"; done

expect_eq "mcreboot" 0 "$(mcreboot.sh -c 2-3 -m 512M@0 >/dev/null; echo $?)"

log "devmem all: natively and under mcexec"
rn=0; native=$("$D" all "${res[@]}" 2>&1) || rn=$?
rl=0; lwk=$(timeout -k 5 300 mcexec "$D" all "${res[@]}" 2>&1) || rl=$?
echo "$lwk"
if [ "$native" == "$lwk" ] && [ $rn -eq $rl ]; then
	echo "ok: same output and status ($rl) as natively"
else
	fail "devmem all: native status $rn, under mcexec $rl"
	diff <(echo "$native") <(echo "$lwk") || true
fi
# Not only the same: what the device says.
for want in "ident 0x010000ed" "reads back as 0xedcba987" "computed by the device: 3628800" \
	"fork child used the registers: yes" "process_vm_readv of it from a child: Bad address" \
	"first ok (ident 0x010000ed), second SIGSEGV" "read-only open: Permission denied" \
	"store SIGSEGV" "mprotect it writable: Permission denied" "past the end of the BAR: Invalid argument" \
	"(uncached): 1 MiB written and read back, 0 words wrong" \
	"(write-combining): 1 MiB written and read back, 0 words wrong" "/dev/zero: 0 bytes not zero" \
	"(uncached): write(2) of 64 KiB from it: all" "(uncached): the file holds it, 0 bytes wrong" \
	"(uncached): read(2) of 64 KiB into it: all, 0 bytes wrong" \
	"(write-combining): read(2) of 64 KiB into it: all, 0 bytes wrong" \
	"65536 bytes of the fork child's writes seen"; do
	if [[ $lwk == *"$want"* ]]; then echo "ok: under mcexec: $want"; else fail "under mcexec, missing: $want"; fi
done

log "the same memory: the LWK writes the BAR, Linux reads it, and back"
for r in resource2 resource2_wc; do
	expect_ok timeout -k 5 120 mcexec "$D" poke "$ivshmem/$r" 4096 "from-the-lwk-$r"
	expect_eq "Linux reads what the LWK wrote ($r)" "from-the-lwk-$r" "$("$D" peek "$ivshmem/$r" 4096 64 | tr -d '\0')"
	"$D" poke "$ivshmem/$r" 8192 "from-linux-$r"
	expect_eq "the LWK reads what Linux wrote ($r)" "from-linux-$r" \
		"$(timeout -k 5 120 mcexec "$D" peek "$ivshmem/$r" 8192 64 | tr -d '\0')"
done

log "as an unprivileged user: no access to the resource files, as natively"
chown 65534 /dev/mcos0
rn=0; native=$(setpriv --reuid 65534 --regid 65534 --clear-groups "$D" all "${res[@]}" 2>&1) || rn=$?
rl=0; lwk=$(setpriv --reuid 65534 --regid 65534 --clear-groups timeout -k 5 120 mcexec "$D" all "${res[@]}" 2>&1) || rl=$?
expect_eq "as 65534 under mcexec" "$native (status $rn)" "$lwk (status $rl)"

expect_eq "instance still running" "RUNNING" "$(ihkosctl 0 get status 2>&1)"
mcstop+release.sh
assert_node_clean
finish
