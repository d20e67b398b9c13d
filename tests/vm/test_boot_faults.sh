# SPDX-License-Identifier: GPL-2.0
# McKernel faults and hangs (kernel arguments reserved for tests), and bad input
# to load/boot/shutdown, an image of another release: clear errors, no oops,
# teardown still returns everything.
. "$(dirname "$0")/lib.sh"
snapshot_node
img=$IHK_BUILD/lwk/mckernel.img
scratch=$(mktemp -d)

wait_status() { # wait_status OS WANT SECONDS
	local s
	for _ in $(seq "$3"); do
		s=$(ihkosctl "$1" get status)
		[ "$s" = "$2" ] && break
		sleep 1
	done
	expect_eq "status" "$2" "$s"
}

log "a fault while RUNNING: PANIC with a register dump"
expect_eq "mcreboot" 0 "$(mcreboot.sh -c 1-2 -m 256M@0 -K test_fault=running)"
wait_status 0 PANIC 20
kmsg=$(ihkosctl 0 kmsg)
for want in "PANIC: #PF page fault (vector 14)" "CR2 0x0000000000000010" "RIP 0x" "RAX 0x" "back-trace:"; do
	[[ $kmsg == *"$want"* ]] && echo "ok: kmsg has '$want'" || fail "kmsg lacks '$want'"
done
expect_eq "ihkmond reports it" "mcos0: status PANIC" "$(ihkmond --once 0 | head -1)"
expect_ok mcstop+release.sh
assert_node_clean

log "a fault while booting: boot fails with the LWK's message, mcreboot undoes everything"
snapshot_node
expect_fail "the LWK panicked while booting; the LWK's last message:" mcreboot.sh -c 1-2 -m 256M@0 -K test_fault=boot
[ ! -e /dev/mcd0 ] || fail "mcreboot.sh left ihk.ko loaded after a failed boot"
assert_node_clean

log "two locks taken out of order: the lock-order check panics and names both"
snapshot_node
expect_fail "lock order: taking the process lock while holding the page allocator lock" \
	mcreboot.sh -c 1-2 -m 256M@0 -K test_fault=lock_order
assert_node_clean

log "a boot that never reaches RUNNING: BOOTING meanwhile, then a timeout with the LWK's message"
snapshot_node
mcreboot.sh -c 1-2 -m 256M@0 -t 8 -K test_hang=0 > "$scratch/boot.out" 2>&1 &
boot_pid=$!
seen=""
for _ in $(seq 100); do
	[ "$(ihkosctl 0 get status 2>/dev/null)" = BOOTING ] && { seen=1; break; }
	sleep 0.1
done
[ -n "$seen" ] && echo "ok: status BOOTING while the boot waits" || fail "never saw BOOTING"
expect_eq "the pool answers during a boot" 1-2 "$(ihkconfig 0 query cpu)"
if wait $boot_pid; then fail "mcreboot.sh succeeded with a hung boot CPU"; fi
grep -q "did not report RUNNING in time; the LWK's last message: \[" "$scratch/boot.out" &&
	echo "ok: $(cat "$scratch/boot.out" | head -1)" || fail "unexpected boot failure: $(cat "$scratch/boot.out")"
assert_node_clean

log "a CPU stuck with interrupts off: HUNGUP"
snapshot_node
expect_eq "mcreboot" 0 "$(mcreboot.sh -c 1-3 -m 256M@0 -K test_hang=1)"
# The probe waits hungup_timeout_ms for the stuck CPU without blocking IHK meanwhile.
echo 10000 > /sys/module/ihk/parameters/hungup_timeout_ms
ihkosctl 0 get status > "$scratch/status.out" &
status_pid=$!
sleep 1
expect_eq "the pool answers during a liveness probe" 1-3 "$(ihkconfig 0 query cpu)"
kill -0 $status_pid 2>/dev/null && echo "ok: the probe was still waiting meanwhile" ||
	fail "the probe had finished: did it block the query?"
wait $status_pid
expect_eq "status after the probe" HUNGUP "$(cat "$scratch/status.out")"
echo 2000 > /sys/module/ihk/parameters/hungup_timeout_ms
expect_eq "status" HUNGUP "$(ihkosctl 0 get status)"
expect_eq "status stays HUNGUP" HUNGUP "$(ihkosctl 0 get status)"
expect_ok mcstop+release.sh
run_pinned_on 2
assert_node_clean

log "an image of another release: mcexec refuses with a clear error, mcctrl logs both ABIs"
snapshot_node
# The image's ABI, behind its tag, made one it does not speak.
other=$(python3 - "$img" "$scratch/other.img" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.find(b"MCKABI=\0")
assert at >= 0 and data.find(b"MCKABI=\0", at + 1) < 0, "one ABI tag in the image"
v = int.from_bytes(data[at + 8:at + 12], "little") + 1000
data[at + 8:at + 12] = v.to_bytes(4, "little")
open(sys.argv[2], "wb").write(data)
print(v)
PY
)
expect_eq "mcreboot with it" 0 "$(MCK_IMAGE=$scratch/other.img mcreboot.sh -c 1-2 -m 256M@0)"
abi=$(cat /sys/module/mcctrl/parameters/abi_version)
expect_eq "mcctrl's abi_version is the image's own" "$abi" "$((other - 1000))"
kmsg_has "mcexec ABI $other" && echo "ok: the LWK logs its ABI $other" || fail "kmsg lacks 'mcexec ABI $other'"
klog_mark=$(dmesg | wc -l)
rc=0
out=$(timeout 60 mcexec /bin/echo ran 2>&1) || rc=$?
expect_eq "mcexec's exit status" 125 "$rc"
[[ $out == *"runs an image of another release than mcctrl.ko (ABI $abi;"* ]] &&
	echo "ok: $out" || fail "mcexec's message: $out"
dmesg | tail -n +$((klog_mark + 1)) | grep -q "mcctrl: instance 0 runs a McKernel image of mcexec ABI $other, this mcctrl.ko speaks $abi" &&
	echo "ok: dmesg names both ABIs" || fail "dmesg: $(dmesg | tail -n +$((klog_mark + 1)))"
expect_eq "no process was made on the LWK" "0" \
	"$(ihkosctl --json 0 get rusage | python3 -c "import json, sys; print(json.load(sys.stdin)['rusage']['processes_started'])")"
expect_ok mcstop+release.sh
# An mcexec of another release, with the image of mcctrl's: refused too (EPROTO).
expect_eq "mcreboot with the right image" 0 "$(mcreboot.sh -c 1-2 -m 256M@0)"
python3 - "$abi" <<'PY' && echo "ok: CREATE of another version: EPROTO" || fail "CREATE of another version"
import errno, fcntl, os, struct, sys
fd = os.open("/dev/mcos0", os.O_RDWR)
req = bytearray(struct.pack("=IIIIQqqiIQ", int(sys.argv[1]) + 1, 0, 0, 0, 0, 0, 0, -1, 0, 0))
try:
    fcntl.ioctl(fd, (3 << 30) | (len(req) << 16) | (0xB8 << 8) | 1, req)
except OSError as e:
    sys.exit(0 if e.errno == errno.EPROTO else 1)
sys.exit(1)
PY
expect_ok mcstop+release.sh
assert_node_clean

log "bad input"
snapshot_node
ihk_load
ihkconfig 0 reserve cpu 1-2
ihkconfig 0 reserve mem 256M@0
os=$(ihkconfig 0 create)
expect_fail "has not been booted" ihkosctl "$os" get rusage
expect_fail "no image loaded" ihkosctl "$os" boot
head -c 100000 /dev/urandom > "$scratch/random.img"
expect_fail "not an LWK image" ihkosctl "$os" load "$scratch/random.img"
head -c 200 "$img" > "$scratch/truncated.img"
expect_fail "not an LWK image" ihkosctl "$os" load "$scratch/truncated.img"
expect_fail "not an LWK image" ihkosctl "$os" load /bin/ls
cp "$img" "$scratch/arm.img"
printf '\xb7' | dd of="$scratch/arm.img" bs=1 seek=18 conv=notrunc status=none
expect_fail "the image is for another architecture" ihkosctl "$os" load "$scratch/arm.img"
expect_fail "does not exist" ihkosctl "$os" load "$scratch/missing.img"
expect_fail "the image is larger than" sh -c "truncate -s 65M $scratch/huge.img && ihkosctl $os load $scratch/huge.img"
expect_ok ihkosctl "$os" load "$img"
expect_fail "has no CPUs" ihkosctl "$os" boot
expect_ok ihkosctl "$os" assign cpu 1-2
expect_fail "has no memory" ihkosctl "$os" boot
expect_ok ihkosctl "$os" assign mem 2M@0
expect_fail "too small for the image" ihkosctl "$os" boot
expect_ok ihkosctl "$os" assign mem all
expect_fail "not running (status INACTIVE)" ihkosctl "$os" shutdown
expect_fail "at most 4095 fit" ihkosctl "$os" kargs "$(head -c 5000 /dev/zero | tr '\0' x)"
expect_ok ihkosctl "$os" boot
expect_fail "booting or running" ihkosctl "$os" boot
expect_fail "booting or running" ihkosctl "$os" load "$img"
expect_ok ihkosctl "$os" shutdown
expect_fail "not running (status SHUTDOWN)" ihkosctl "$os" shutdown
log "destroying a running instance stops it first"
expect_ok ihkosctl "$os" boot
expect_ok ihkconfig 0 destroy "$os"
expect_ok ihkconfig 0 release cpu all
run_pinned_on 1
run_pinned_on 2

log "ihkconfig start and teardown: two instances, one torn down alone, failed starts undone"
expect_ok mcstop+release.sh
snapshot_node
expect_eq "mcreboot (instance 0)" 0 "$(mcreboot.sh -c 1 -m 128M@0)"
expect_eq "start (instance 1)" 1 "$(ihkconfig 0 start --cpus 2 --mem 256M@0 --image "$img" --kargs hidos)"
expect_eq "instance 1 runs" RUNNING "$(ihkosctl 1 get status)"
expect_fail "is not an x86-64 ELF executable" ihkconfig 0 start --cpus 3 --mem 64M@0 --image /bin/true
# A header ihkconfig takes and the module refuses: undone after create and assign.
expect_fail "load $scratch/truncated.img" ihkconfig 0 start --cpus 3 --mem 64M@0 --image "$scratch/truncated.img"
expect_fail "reserve cpu 2: " ihkconfig 0 start --cpus 2 --mem 64M@0 --image "$img"
expect_eq "failed starts left no instance" 0,1 "$(ihkconfig 0 get os_instances)"
expect_eq "... nor CPUs in the pool" 1-2 "$(ihkconfig 0 query cpu)"
expect_eq "... nor memory" 402653184@0 "$(ihkconfig 0 query mem)"
expect_ok ihkconfig 0 teardown 0
expect_eq "teardown 0: instance 1 is left" 1 "$(ihkconfig 0 get os_instances)"
expect_eq "teardown 0: its CPU went back to Linux" 2 "$(ihkconfig 0 query cpu)"
expect_eq "teardown 0: its memory too" 268435456@0 "$(ihkconfig 0 query mem)"
expect_eq "instance 1 still runs" RUNNING "$(ihkosctl 1 get status)"
expect_fail "open /dev/mcos5" ihkconfig 0 teardown 5
expect_ok ihkconfig 0 teardown
expect_eq "teardown: no instance left" "" "$(ihkconfig 0 get os_instances)"
expect_eq "teardown: the pool is empty" "" "$(ihkconfig 0 query cpu)"
expect_ok mcstop+release.sh
assert_node_clean

log "mcreboot.sh refuses bad options and leaves nothing behind"
ihk_unload
expect_fail "CPU 0 cannot be reserved" mcreboot.sh -c 0-1
expect_fail "not a multiple of 2M" mcreboot.sh -c 1 -m 3M@0
expect_fail "unknown option -x" mcreboot.sh -x
expect_fail "-k '2': expected 0 or 1" mcreboot.sh -k 2
expect_fail "-o 'nosuchuser': no such user" mcreboot.sh -o nosuchuser
expect_fail "-o '--version': no such user" mcreboot.sh -o --version
expect_fail "the LWK CPU is not assigned" mcreboot.sh -c 1 -m 256M@0 -r 2:0
expect_fail "-t 'x': expected seconds" mcreboot.sh -t x
[ ! -e /dev/mcd0 ] || fail "a refused mcreboot.sh left ihk.ko loaded"

log "mcstop+release.sh stops root's ihkmond only, not a user's process of that name"
setpriv --reuid=65534 --regid=65534 --clear-groups \
	python3 -c 'import ctypes, time; ctypes.CDLL(None).prctl(15, b"ihkmond"); time.sleep(300)' &
named=$!
for _ in $(seq 100); do
	[ "$(cat /proc/$named/comm 2>/dev/null)" = ihkmond ] && break
	sleep 0.2
done
expect_eq "the user's process is named" ihkmond "$(cat /proc/$named/comm)"
expect_ok mcstop+release.sh
kill -0 $named 2>/dev/null && echo "ok: the user's ihkmond lives" || fail "mcstop+release.sh killed a user's process"
kill $named 2>/dev/null || true
wait $named 2>/dev/null || true
rm -rf "$scratch"
assert_node_clean
finish
