# SPDX-License-Identifier: GPL-2.0
# packaging.install_e2e, in the virtual node: the Debian packages installed with
# dpkg into the guest's overlay root, with the build tree out of sight (a tmpfs over
# it, nothing of it on PATH), run McKernel the way a site does: mcreboot.sh, a
# program under mcexec, mcstop+release.sh, then a Slurm job with srun --mck through
# the packaged plugin and its plugstack.conf.d drop-in. Then dpkg --purge, and
# nothing of ours is left: files of the package lists, modules, units, config,
# anything with our names in what the guest changed, loaded modules.
. "$IHK_SRC/tests/vm/lib.sh"
. "$IHK_SRC/tests/slurm/lib.sh"
: "${E2E_DEBS:?the directory of the .deb files}"
kver=$(uname -r)
pkgs=(mckernel mckernel-dev mckernel-slurm "mckernel-modules-$kver")
snapshot_node

# What the test needs from the host, then the build tree is hidden.
e2e=/tmp/e2e
mkdir -p $e2e
cp "$E2E_DEBS"/mckernel_*.deb "$E2E_DEBS"/mckernel-dev_*.deb "$E2E_DEBS"/mckernel-slurm_*.deb \
	"$E2E_DEBS/mckernel-modules-${kver}_"*.deb $e2e/
cp "$IHK_BUILD/tests/slurm/mck_app" $e2e/
chmod -R a+rX $e2e
mount -t tmpfs -o size=16m,mode=755 nobuild "$IHK_BUILD"
# The packages' scripts run depmod, which reads every module of the kernel: 400 MB
# over 9p under emulation take many minutes. So the guest's /lib/modules/<kver> is
# a tmpfs with the kernel's lists and the one module the test loads (dummy, for
# Slurm's address); dpkg installs ours there and depmod indexes them, as on a node.
kmods=/lib/modules/$kver
mkdir -p /tmp/kmods/kernel/drivers/net
cp -a $kmods/modules.* /tmp/kmods/
cp $kmods/kernel/drivers/net/dummy.ko* /tmp/kmods/kernel/drivers/net/
mount -t tmpfs -o size=64m,mode=755 kmods $kmods
cp -a /tmp/kmods/. $kmods/
expect_ok depmod -a "$kver"
# man-db's trigger re-indexes every manual page of the machine (over 9p, minutes);
# without this file it leaves that to its daily job, as in many images.
rm -f /var/lib/man-db/auto-update
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset LD_LIBRARY_PATH MCK_MODULE_DIR MCK_IMAGE MCK_BIN_DIR
APP=$e2e/mck_app

log "dpkg -i ${pkgs[*]}"
for c in mcexec mcreboot.sh ihkconfig; do
	if command -v $c >/dev/null; then fail "$c is there before installing: $(command -v $c)"; fi
done
expect_ok dpkg -i $e2e/*.deb
expect_eq "installed" "${#pkgs[@]}" "$(dpkg-query -W -f='${db:Status-Abbrev}\n' "${pkgs[@]}" | grep -c '^ii')"
for c in mcexec mck-slurm mck-task; do expect_eq "command -v $c" /usr/bin/$c "$(command -v $c)"; done
for c in mcreboot.sh mcstop+release.sh ihkconfig ihkosctl ihkmond; do
	expect_eq "command -v $c" /usr/sbin/$c "$(command -v $c)"
done
expect_eq "libihk" "$(readlink -f "$(dpkg -L mckernel | grep '/libihk.so.0$')")" \
	"$(readlink -f "$(ldd /usr/sbin/ihkconfig | sed -n 's/.*libihk.so.0 => \([^ ]*\).*/\1/p')")"
expect_eq "modprobe finds ihk" "/lib/modules/$kver/extra/ihk.ko" "$(modinfo -n ihk)"
expect_ok sh -c 'man -w mcexec | grep -q "^/usr/share/man/man1/mcexec.1.gz$"'
expect_ok sh -c 'man -w mckernel_spank | grep -q "^/usr/share/man/man8/mckernel_spank.8.gz$"'

log "mcreboot.sh, mcexec, mcstop+release.sh from /usr"
if os=$(mcreboot.sh -c 2-3 -m 256M@0); then
	expect_eq "OS index" 0 "$os"
	expect_eq "status" RUNNING "$(ihkosctl 0 get status)"
	expect_eq "module file" "/lib/modules/$kver/extra/mcctrl.ko" "$(modinfo -n mcctrl)"
	out=$(mcexec $APP 2>&1) || fail "mcexec $APP: $out"
	expect_eq "mcexec runs on McKernel" "task ? of ? on McKernel" "$out"
	expect_ok sh -c 'ihkosctl 0 kmsg | grep -q "kprint: .*job ? task ?"'
else
	fail "mcreboot.sh -c 2-3 -m 256M@0 failed"
fi
expect_ok mcstop+release.sh
expect_eq "modules after mcstop+release.sh" 0 "$(grep -cE '^(ihk|ihk_smp_x86|mcctrl) ' /proc/modules || true)"
expect_eq "online CPUs" "$start_online" "$(online_cpus)"

log "Slurm: srun --mck through the packaged plugin"
# The site's part: include the drop-in directory, keep the packaged site
# configuration but give a small guest 512M per job.
slurm_site_config() {
	echo "include /etc/slurm/plugstack.conf.d/*.conf" > /etc/slurm/plugstack.conf
	sed -i 's/^default_mem = .*/default_mem = 512M/' $SITE_CONF
	grep -q '^default_mem = 512M$' $SITE_CONF || fail "$SITE_CONF is not the packaged one"
}
slurm_setup
expect_ok sh -c "srun --help | grep -q -- '--mck-cpus'"
out=$(as_user srun --mck -n 2 -l "$APP" 2>&1) || fail "srun --mck failed: $out"
echo "$out"
expect_eq "tasks on McKernel" 2 "$(grep -c 'on McKernel' <<<"$out")"
wait_idle
expect_eq "kmsg file" 1 "$(ls $SLURM_WORK/mck-kmsg-*-vnode.log 2>/dev/null | wc -l)"
assert_slurm_node_clean
scontrol shutdown >/dev/null 2>&1 || true
for _ in $(seq 50); do pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null || break; sleep 0.2; done
pkill -9 -x slurmd 2>/dev/null || true
pkill -9 -x slurmctld 2>/dev/null || true

log "dpkg --purge: nothing of ours is left"
lists=$(mktemp)
for p in "${pkgs[@]}"; do dpkg -L "$p" >>"$lists"; done
expect_ok dpkg --purge "${pkgs[@]}"
expect_eq "packages left" "" "$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' 'mckernel*' 2>/dev/null | grep -v ' un $' || true)"
left=$(while read -r f; do if [ -e "$f" ] && [ ! -d "$f" ]; then echo "$f"; fi; done <"$lists")
expect_eq "files of the package lists left" "" "$left"
expect_eq "modules in /lib/modules/*/extra" "" "$(ls /lib/modules/*/extra/{ihk,ihk-smp-x86,mcctrl}.ko* 2>/dev/null || true)"
if modprobe -n ihk 2>/dev/null; then fail "modprobe still finds ihk (depmod not rerun)"; else echo "ok: depmod forgot ihk"; fi
expect_eq "units left" "" "$(ls /usr/lib/systemd/system/ihkmond@.service /usr/lib/systemd/system/slurmd.service.d/mckernel.conf \
	/lib/systemd/system/ihkmond@.service 2>/dev/null || true)"
# Directories only ours had must be gone (Slurm's own package has plugstack.conf.d).
for d in /etc/mckernel /etc/slurm/plugstack.conf.d /usr/share/mckernel /usr/include/mckernel /usr/share/doc/mckernel; do
	if [ ! -e $d ]; then echo "ok: no $d"
	elif owner=$(dpkg -S $d 2>/dev/null); then echo "ok: $d stays, it is ${owner%%:*}'s"
	else fail "$d is left: $(ls -A $d)"; fi
done
# Everything the guest wrote is in the overlay's upper directory (the init's /mnt/rw):
# after the purge, nothing there may carry our names, except the job's log in the
# user's home, which is the user's.
upper=/proc/1/root/mnt/rw/upper
if [ -d $upper ]; then
	ours=$(cd $upper && find . \( -name '*mckernel*' -o -name '*ihk*' -o -name 'mcctrl*' -o -name 'mcexec*' \
		-o -name 'mcreboot*' -o -name 'mcstop*' -o -name 'mck-*' -o -name 'mck_*' \) -not -path "./home/*" \
		-not -path './tmp/*' -not -type c || true)
	expect_eq "files with our names the guest still has" "" "$ours"
else
	fail "no overlay upper directory at $upper"
fi
expect_eq "modules loaded" 0 "$(grep -cE '^(ihk|ihk_smp_x86|mcctrl) ' /proc/modules || true)"
assert_node_clean
finish
