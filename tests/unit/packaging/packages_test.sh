#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the .debs and .rpms (scripts/package.sh) and checks which files went into
# which package; builds, installs and removes the modules of mckernel-dkms with
# DKMS in private trees.
#   packages_test.sh SRC WORKDIR [deb|rpm|dkms...]
set -uo pipefail
src=${1:?usage: packages_test.sh SRC WORKDIR [deb rpm dkms]}
work=${2:?}
shift 2
[ $# -gt 0 ] || set -- deb rpm dkms
out=$work/packages
fails=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# has LISTING PATTERN...: each extended regexp matches a line of the listing.
has() {
	local l=$1 p
	shift
	for p in "$@"; do grep -Eq "$p" <<<"$l" && ok "  $p" || fail "  $p missing"; done
}
mkdir -p "$out"
for what in "$@"; do
case $what in
deb)
	rm -f "$out"/*.deb
	PKG_BUILD_DIR=$work/deb "$src/scripts/package.sh" deb "$out" >/dev/null || { fail "package.sh deb"; continue; }
	for p in mckernel_ mckernel-dev_ mckernel-slurm_ mckernel-dkms_ mckernel-modules-; do
		f=$(ls "$out/$p"*.deb 2>/dev/null | head -1)
		[ -n "$f" ] && ok "$(basename "$f")" || fail "no $p .deb"
	done
	has "$(dpkg-deb -c "$out"/mckernel_*.deb)" '/usr/bin/mcexec$' '/usr/sbin/ihkconfig$' '/usr/sbin/mcreboot.sh$' \
		'libihk.so.0' '/usr/share/mckernel/mckernel.img$' 'systemd/system/ihkmond@.service$' \
		'/usr/share/man/man1/mcexec.1.gz$' '/man8/ihkconfig.8.gz$' '/man8/mcstop\+release.sh.8.gz$'
	has "$(dpkg-deb -c "$out"/mckernel-dev_*.deb)" '/usr/include/ihklib.h$' 'pkgconfig/ihk.pc$' 'cmake/ihk/ihkConfig.cmake$' \
		'Module.symvers$' 'libihk.so -> '
	has "$(dpkg-deb -c "$out"/mckernel-slurm_*.deb)" 'slurm/mckernel_spank.so$' '/usr/bin/mck-slurm$' \
		'/etc/mckernel/slurm.conf$' 'plugstack.conf.d/mckernel.conf$' 'slurmd.service.d/mckernel.conf$' \
		'/man8/mck-slurm.8.gz$' '/man8/mckernel_spank.8.gz$'
	has "$(dpkg-deb -f "$out"/mckernel-slurm_*.deb Version Depends)" '\+slurm[0-9]+\.[0-9]+' 'libslurm[0-9]+ \(>= '
	has "$(dpkg-deb -c "$out"/mckernel-modules-*.deb)" '/lib/modules/.*/extra/ihk.ko$' 'extra/ihk-smp-x86.ko$' 'extra/mcctrl.ko$'
	has "$(dpkg-deb -c "$out"/mckernel-dkms_*.deb)" '/usr/src/mckernel-.*/dkms.conf$' 'ihk/core.c$' 'mcctrl/main.c$' \
		'include/uapi/ihk/ihk.h$'
	# Debian policy: /usr/share/doc/<package>/copyright (packaging/debian/copyright) and
	# changelog.Debian.gz, whose entry is the package's version, in every package; the
	# upstream changelog in mckernel's. The copyright refers to common-licenses/GPL-2
	# for the text of LICENSE.
	for f in "$out"/*.deb; do
		p=$(dpkg-deb -f "$f" Package)
		d=./usr/share/doc/$p
		has "$(dpkg-deb -c "$f")" " $d/copyright\$" " $d/changelog\.Debian\.gz\$"
		dpkg-deb --fsys-tarfile "$f" | tar -xOf - "$d/copyright" | cmp -s - "$src/packaging/debian/copyright" &&
			ok "  $p: copyright is packaging/debian/copyright" || fail "  $p: copyright differs"
		dpkg-deb --fsys-tarfile "$f" | tar -xOf - "$d/changelog.Debian.gz" | gunzip >"$work/changelog" 2>/dev/null
		v=$(dpkg-parsechangelog -l "$work/changelog" -S Version 2>&1)
		[ "$v" = "$(dpkg-deb -f "$f" Version)" ] && ok "  $p: changelog.Debian.gz for $v" ||
			fail "  $p: changelog.Debian.gz says '$v'"
	done
	has "$(dpkg-deb -c "$out"/mckernel_*.deb)" '/usr/share/doc/mckernel/changelog\.gz$'
	if [ -e /usr/share/common-licenses/GPL-2 ]; then
		cmp -s "$src/LICENSE" /usr/share/common-licenses/GPL-2 && ok "LICENSE is common-licenses/GPL-2" ||
			fail "LICENSE is not /usr/share/common-licenses/GPL-2: fix packaging/debian/copyright"
	fi
	# systemd-analyze verify on the units as packaged (prefix /usr), with the programs
	# they run taken from the unpacked packages, where they must be executables, and
	# their manual pages from there too (MANPATH); the slurmd drop-in on a stand-in
	# slurmd.service.
	if command -v systemd-analyze >/dev/null; then
		r=$work/deb-root u=$work/units
		rm -rf "$r" "$u" && mkdir -p "$u/slurmd.service.d"
		dpkg-deb -x "$out"/mckernel_*.deb "$r" && dpkg-deb -x "$out"/mckernel-slurm_*.deb "$r"
		sd=$r/usr/lib/systemd/system
		sed -E "s|^(Exec[A-Za-z]*=[-@:+!]*)/|\1$r/|" "$sd/ihkmond@.service" >"$u/ihkmond@.service"
		sed -E "s|^(Exec[A-Za-z]*=[-@:+!]*)/|\1$r/|" "$sd/slurmd.service.d/mckernel.conf" \
			>"$u/slurmd.service.d/mckernel.conf"
		printf '[Unit]\nDescription=stand-in for slurmd\n[Service]\nExecStart=/bin/true\n' >"$u/slurmd.service"
		man=yes
		command -v man >/dev/null || { man=no; echo "note: no man(1), verify does not check Documentation="; }
		if v=$(MANPATH=$r/usr/share/man systemd-analyze verify --man=$man "$u/ihkmond@.service" \
			"$u/slurmd.service" 2>&1) && [ -z "$v" ]; then
			ok "systemd-analyze verify ihkmond@.service, slurmd.service.d/mckernel.conf"
		else
			fail "systemd-analyze verify: $v"
		fi
	else
		echo "skip: systemd-analyze verify (no systemd-analyze)"
	fi
	;;
rpm)
	rm -f "$out"/*.rpm
	PKG_BUILD_DIR=$work/rpm "$src/scripts/package.sh" rpm "$out" >/dev/null || { fail "package.sh rpm"; continue; }
	q() { rpm -qlp "$out"/$1 2>/dev/null; }
	has "$(q 'mckernel-0*.rpm')" '/usr/bin/mcexec$' '/usr/sbin/mcreboot.sh$' 'libihk.so.0' 'mckernel.img$' 'ihkmond@.service$' \
		'/man1/mcexec.1' '/man8/ihkmond.8'
	has "$(q 'mckernel-devel-*.rpm')" '/usr/include/ihklib.h$' 'ihk.pc$' 'ihkConfig.cmake$' 'Module.symvers$'
	has "$(q 'mckernel-slurm-*.rpm')" 'mckernel_spank.so$' '/usr/bin/mck-slurm$' '/etc/mckernel/slurm.conf$' \
		'plugstack.conf.d/mckernel.conf$' 'slurmd.service.d/mckernel.conf$' '/man8/mckernel_spank.8'
	has "$(rpm -qp --qf '%{RELEASE}\n' --configfiles "$out"/mckernel-slurm-*.rpm 2>/dev/null)" '^1\.slurm[0-9]+\.[0-9]+' \
		'^/etc/mckernel/slurm.conf$'
	has "$(q 'kmod-mckernel-*.rpm')" '/lib/modules/.*/extra/ihk.ko$' 'extra/mcctrl.ko$'
	has "$(rpm -qp --scripts "$out"/kmod-mckernel-*.rpm 2>/dev/null)" 'weak-modules' 'depmod'
	has "$(q 'mckernel-dkms-*.rpm')" 'mckernel-.*/dkms.conf$' 'ihk/core.c$'
	has "$(rpm -qp --licensefiles "$out"/mckernel-0*.rpm 2>/dev/null)" '^/usr/share/licenses/mckernel(-[0-9.]+)?/LICENSE$'
	has "$(rpm -qp --docfiles "$out"/mckernel-0*.rpm 2>/dev/null)" '/doc/mckernel(-[0-9.]+)?/CHANGELOG\.md$' \
		'/doc/mckernel(-[0-9.]+)?/README\.md$'
	# mckernel-devel and mckernel-slurm (whose Release has a .slurm suffix) require
	# mckernel's version-release; kmod-mckernel the kernel it was built for or a later
	# one (kABI tracking), when that kernel's release is an RPM one (RHEL's): on
	# Debian's headers the spec is queried again with a RHEL-like kernel tree.
	main=$(rpm -qp --qf '%{VERSION}-%{RELEASE}' "$out"/mckernel-0*.rpm 2>/dev/null)
	has "$(rpm -qp --requires "$out"/mckernel-devel-*.rpm "$out"/mckernel-slurm-*.rpm 2>/dev/null | sort | uniq -c)" \
		"^ *2 mckernel = ${main//./\\.}\$"
	kver=$(q 'kmod-mckernel-*.rpm' | sed -n 's|^/lib/modules/\([^/]*\)/extra/ihk.ko$|\1|p')
	kreq=$(rpm -qp --requires "$out"/kmod-mckernel-*.rpm 2>/dev/null | grep kernel-uname-r)
	if [[ $kver =~ ^[^-]+-[^-]+$ ]]; then
		[ "$kreq" = "kernel-uname-r >= $kver" ] && ok "kmod-mckernel: $kreq" || fail "kmod-mckernel requires '$kreq'"
	else
		[ -z "$kreq" ] && ok "kmod-mckernel: no kernel-uname-r for $kver" || fail "kmod-mckernel requires '$kreq'"
		mkdir -p "$work/rhel-kernel/include/generated"
		echo '#define UTS_RELEASE "5.14.0-427.13.1.el9_4.x86_64"' >"$work/rhel-kernel/include/generated/utsrelease.h"
		has "$(rpmspec -q --qf '%{NAME}: [%{REQUIRENEVRS}, ]\n' --define "kernel_dir $work/rhel-kernel" \
			"$work/rpm/rpmbuild/SPECS/mckernel.spec" 2>&1)" \
			'^kmod-mckernel: .*kernel-uname-r >= 5\.14\.0-427\.13\.1\.el9_4\.x86_64, '
	fi
	# The version is CMakeLists.txt's project() version, not one written in the spec.
	want=$(sed -n 's/^project(mckernel_suite VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
	has "$(rpm -qp --qf '%{NAME} %{VERSION}\n' "$out"/*.rpm 2>/dev/null)" "^mckernel $want\$" "^kmod-mckernel $want\$" \
		"^mckernel-slurm $want\$"
	# rpmlint (packaging/deps.sh installs it): no error, bar the documented filters.
	rpmlint -r "$src/packaging/rpm/mckernel.rpmlintrc" "$out"/*.rpm >"$work/rpmlint.log" 2>&1
	if grep -q ' 0 errors' "$work/rpmlint.log"; then
		ok "rpmlint: no errors ($(grep -o '[0-9]* warnings' "$work/rpmlint.log"))"
	else
		fail "rpmlint: $(grep ': E: ' "$work/rpmlint.log"; tail -1 "$work/rpmlint.log")"
	fi
	;;
dkms)
	# DKMS in private trees: the sources of mckernel-dkms (--sourcetree), DKMS's own
	# tree (--dkmstree) and the modules' (--installtree, for /lib/modules); build,
	# install and remove there, and nothing of the host's (/var/lib/dkms, /lib/modules)
	# changes. Options of dkms 3.0 (Debian 12's): --no-depmod, as depmod works on the
	# real /lib/modules/<kver> (dkms has no depmod -b); NO_WEAK_MODULES, as RHEL's
	# weak-modules would link into it (Debian has none); the key that signs the
	# modules is a new one of the test's, not /var/lib/dkms/mok.key, which DKMS
	# creates when it is missing.
	f=$(ls "$out"/mckernel-dkms_*.deb 2>/dev/null | head -1)
	[ -n "$f" ] || { fail "dkms: build the .debs first"; continue; }
	dk=$work/dkms
	rm -rf "$dk" && mkdir -p "$dk/tree" "$dk/keys" && dpkg-deb -x "$f" "$dk/root"
	ver=$(ls "$dk/root/usr/src" | sed 's/^mckernel-//')
	kver=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | grep -o 'linux-headers-[^ ,]*' | head -1 | sed 's/linux-headers-//')
	mkdir -p "$dk/modules/$kver" # dkms installs only for a kernel whose directory exists
	host() { find /var/lib/dkms /lib/modules -printf '%p %y %s %T@\n' 2>/dev/null | sort; }
	before=$(host)
	# dkms install wants root (id -u); fakeroot is enough for trees of our own.
	asroot=()
	[ "$(id -u)" -eq 0 ] || asroot=(fakeroot)
	pdkms() { # pdkms ACTION [ARGS]: dkms on the private trees, output in dkms.log
		mok_signing_key=$dk/keys/mok.key mok_certificate=$dk/keys/mok.pub NO_WEAK_MODULES=1 \
			"${asroot[@]}" dkms "$@" -m mckernel -v "$ver" --sourcetree "$dk/root/usr/src" \
			--dkmstree "$dk/tree" --installtree "$dk/modules" >>"$work/dkms.log" 2>&1
	}
	: >"$work/dkms.log"
	if pdkms build -k "$kver"; then
		n=$(find "$dk/tree/mckernel/$ver/$kver" -name '*.ko*' | wc -l)
		[ "$n" -eq 3 ] && ok "dkms built 3 modules for $kver" || fail "dkms built $n modules"
	else
		fail "dkms build: $(tail -15 "$work/dkms.log")"
	fi
	if [ ${#asroot[@]} -gt 0 ] && ! command -v fakeroot >/dev/null; then
		echo "skip: dkms install and remove (not root, and no fakeroot)"
	elif pdkms install -k "$kver" --no-depmod; then
		# In <kver>/updates/dkms on Debian and Ubuntu (their dkms puts every module
		# there), elsewhere in DEST_MODULE_LOCATION, <kver>/extra.
		mods=$(cd "$dk/modules" && find . -type f | sort | tr '\n' ' ')
		loc=extra
		[[ $mods != *"/updates/dkms/"* ]] || loc=updates/dkms
		[ "$mods" = "./$kver/$loc/ihk-smp-x86.ko ./$kver/$loc/ihk.ko ./$kver/$loc/mcctrl.ko " ] &&
			ok "dkms installed ihk.ko ihk-smp-x86.ko mcctrl.ko in <installtree>/$kver/$loc" ||
			fail "dkms install: the install tree holds '$mods'"
		st=$(dkms status -m mckernel --dkmstree "$dk/tree" --sourcetree "$dk/root/usr/src" \
			--installtree "$dk/modules" 2>&1)
		[[ $st == *"$ver, $kver, "*": installed"* ]] && ok "dkms status: installed" || fail "dkms status: $st"
		if pdkms remove --all --no-depmod; then
			left=$(cd "$dk" && find tree modules -mindepth 1 -not -path "modules/$kver")
			[ -z "$left" ] && ok "dkms remove: nothing left in the private trees" ||
				fail "dkms remove left: $left"
		else
			fail "dkms remove: $(tail -15 "$work/dkms.log")"
		fi
	else
		fail "dkms install: $(tail -15 "$work/dkms.log")"
	fi
	[ "$(host)" = "$before" ] && ok "/var/lib/dkms and /lib/modules unchanged" ||
		fail "the host's DKMS or module tree changed: $(diff <(echo "$before") <(host) | head -10)"
	;;
esac
done
[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
