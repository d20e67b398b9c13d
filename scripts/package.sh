#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the packages a site installs (docs/install.md):
#   scripts/package.sh deb [OUTDIR]   mckernel, mckernel-dev, mckernel-slurm,
#                                     mckernel-dkms, mckernel-modules-<kver> (.deb)
#   scripts/package.sh rpm [OUTDIR]   the same split as RPMs, from packaging/rpm/mckernel.spec.in
# No network: a build of its own (PKG_BUILD_DIR, default build/package) with
# prefix /usr, cmake --install into a staging root, dpkg-deb or rpmbuild.
# Extra cmake arguments in PKG_CMAKE_ARGS, e.g. -DKERNEL_DIR=/usr/src/linux-headers-X.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:?usage: package.sh deb|rpm [OUTDIR]}
out=$(mkdir -p "${2:-$src/build/packages}" && cd "${2:-$src/build/packages}" && pwd)
build=${PKG_BUILD_DIR:-$src/build/package}
version=$(sed -n 's/^project(mckernel_suite VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
release=${PKG_RELEASE:-1}
[ -n "$version" ] || { echo "package.sh: no project(... VERSION) in CMakeLists.txt" >&2; exit 1; }

configure() {
	# shellcheck disable=SC2086
	cmake -S "$src" -B "$build" -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DBUILD_TESTING=OFF -DMCK_SITE_CONFIG=/etc/mckernel/slurm.conf ${PKG_CMAKE_ARGS:-} >/dev/null
	cmake --build "$build" -j "$(nproc)"
}

# deps FILES...: the Debian packages that provide the shared libraries they need,
# other than ours.
deps() {
	local lib pkgs=()
	for lib in $(readelf -d "$@" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u); do
		[[ $lib == libihk.so* ]] && continue
		pkgs+=("$(dpkg -S "*/$lib" 2>/dev/null | grep -v -e '-dev' -e '-dbg' | head -1 | cut -d: -f1)")
	done
	printf '%s\n' "${pkgs[@]}" | sort -u | grep . | paste -sd, | sed 's/,/, /g'
}

# take STAGE ROOT PATH...: moves PATH (globs allowed) from the staging root into a package's.
take() {
	local stage=$1 root=$2 p f
	shift 2
	for p in "$@"; do
		for f in "$stage"/$p; do
			[ -e "$f" ] || [ -L "$f" ] || { echo "package.sh: $p is not in the staging root" >&2; exit 1; }
			mkdir -p "$root/$(dirname "${f#"$stage"/}")"
			mv "$f" "$root/${f#"$stage"/}"
		done
	done
}

# control ROOT NAME DEPENDS DESCRIPTION [more fields]
control() {
	local root=$1 name=$2 depends=$3 desc=$4
	shift 4
	mkdir -p "$root/DEBIAN"
	{
		echo "Package: $name"
		echo "Version: $version-$release"
		echo "Architecture: $(dpkg --print-architecture)"
		echo "Maintainer: McKernel suite developers <mckernel@localhost>"
		printf '%s\n' "$@" | grep -q '^Section:' || echo "Section: admin"
		echo "Priority: optional"
		[ -z "$depends" ] || echo "Depends: $depends"
		local l
		for l in "$@"; do [[ $l == " "* ]] || echo "$l"; done
		echo "Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)"
		echo "Description: $desc"
		for l in "$@"; do [[ $l != " "* ]] || echo "$l"; done
	} >"$root/DEBIAN/control"
	(cd "$root" && find . -path ./DEBIAN -prune -o -path './etc/*' -type f -print | sed 's|^\.||') >"$root/DEBIAN/conffiles"
	[ -s "$root/DEBIAN/conffiles" ] || rm "$root/DEBIAN/conffiles"
}

# debdoc ROOT NAME VERSION: what Debian policy wants in /usr/share/doc/NAME of every
# package: copyright (packaging/debian/copyright) and changelog.Debian.gz, one entry
# for VERSION dated by SOURCE_DATE_EPOCH, else the last commit (reproducible).
debdoc() {
	local doc=$1/usr/share/doc/$2 when
	when=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct 2>/dev/null || date +%s)}
	mkdir -p "$doc"
	cp "$src/packaging/debian/copyright" "$doc/copyright"
	{
		echo "mckernel ($3) unstable; urgency=medium"
		echo
		echo "  * McKernel suite $version, packaged by scripts/package.sh; the changes"
		echo "    are in /usr/share/doc/mckernel/changelog.gz."
		echo
		echo " -- McKernel suite developers <mckernel@localhost>  $(LC_ALL=C date -u -R -d "@$when")"
	} | gzip -9n >"$doc/changelog.Debian.gz"
	touch -d "@$when" "$doc/changelog.Debian.gz"
}

# script ROOT NAME BODY: a maintainer script.
script() {
	printf '#!/bin/sh\nset -e\n%s\n' "$3" >"$1/DEBIAN/$2"
	chmod 755 "$1/DEBIAN/$2"
}

debs() {
	configure
	local stage=$build/stage pkgs=$build/debs
	rm -rf "$stage" "$pkgs"
	DESTDIR=$stage cmake --install "$build" >/dev/null
	DESTDIR=$stage cmake --install "$build" --component dkms >/dev/null
	local libdir kver slurm slurm_pkg
	libdir=usr/$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")
	kver=$(ls "$stage/lib/modules")
	slurm=$(dpkg-query -W -f='${Version}' libslurm-dev | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')
	slurm_pkg=$(dpkg -S '*/libslurm.so.*' | grep -v -e '-dev' | head -1 | cut -d: -f1)
	local m=$pkgs/mckernel-modules-$kver d=$pkgs/mckernel-dkms v=$pkgs/mckernel-dev s=$pkgs/mckernel-slurm
	local b=$pkgs/mckernel
	take "$stage" "$m" "lib/modules/$kver/extra"
	take "$stage" "$d" usr/src
	take "$stage" "$v" usr/include "$libdir/libihk.so" "$libdir/pkgconfig" "$libdir/cmake" usr/share/mckernel/Module.symvers
	take "$stage" "$s" usr/bin/mck-slurm usr/bin/mck-task "$libdir/slurm" etc usr/lib/systemd/system/slurmd.service.d \
		usr/share/man/man8/mck-slurm.8 usr/share/man/man8/mck-task.8 usr/share/man/man8/mckernel_spank.8
	take "$stage" "$b" usr/bin/mcexec usr/sbin "$libdir"/libihk.so.* usr/share/mckernel/mckernel.img \
		usr/lib/systemd/system/ihkmond@.service usr/share/man/man1/mcexec.1 usr/share/man/man8
	local left
	left=$(find "$stage" -not -type d)
	[ -z "$left" ] || { echo "package.sh: files in no package: $left" >&2; exit 1; }
	# Debian policy: manual pages compressed, without a time stamp.
	find "$b/usr/share/man" "$s/usr/share/man" -type f -exec gzip -9n {} +
	mkdir -p "$b/usr/share/doc/mckernel"
	cp "$src/README.md" "$b/usr/share/doc/mckernel/"
	cp -r "$src/docs" "$b/usr/share/doc/mckernel/"
	rm -r "$b/usr/share/doc/mckernel/docs/man" # the sources of the manual pages
	gzip -9n <"$src/CHANGELOG.md" >"$b/usr/share/doc/mckernel/changelog.gz" # the upstream changelog
	debdoc "$b" mckernel "$version-$release"
	debdoc "$m" "mckernel-modules-$kver" "$version-$release"
	debdoc "$d" mckernel-dkms "$version-$release"
	debdoc "$v" mckernel-dev "$version-$release"
	debdoc "$s" mckernel-slurm "$version-$release+slurm$slurm"

	control "$b" mckernel "$(deps "$b/usr/bin/mcexec" "$b"/usr/sbin/ihk* "$b/$libdir"/libihk.so.*), kmod, mckernel-modules" \
		"McKernel lightweight kernel, IHK tools, mcexec and libihk" \
		"Recommends: systemd" \
		" Boots a lightweight kernel on CPUs and memory taken from the running Linux" \
		" (mcreboot.sh, mcstop+release.sh, ihkconfig, ihkosctl, ihkmond) and runs Linux" \
		" programs on it (mcexec). The modules are in mckernel-dkms or mckernel-modules-<kver>."
	control "$m" "mckernel-modules-$kver" "linux-image-$kver" "McKernel's kernel modules for Linux $kver" \
		"Provides: mckernel-modules" "Conflicts: mckernel-dkms" \
		" ihk.ko, ihk-smp-x86.ko and mcctrl.ko built for $kver, in /lib/modules/$kver/extra."
	script "$m" postinst "depmod -a $kver || true"
	script "$m" postrm "depmod -a $kver 2>/dev/null || true"
	control "$d" mckernel-dkms "dkms, make, gcc" "McKernel's kernel modules, built on the node by DKMS" \
		"Provides: mckernel-modules" "Conflicts: mckernel-modules" \
		" The sources of ihk.ko, ihk-smp-x86.ko and mcctrl.ko and a dkms.conf; DKMS builds" \
		" them for every installed kernel that has its headers (linux-headers-<kver>)."
	script "$d" postinst "if [ \"\$1\" = configure ]; then
	dkms status -m mckernel -v $version | grep -q . || dkms add -m mckernel -v $version
	for k in /lib/modules/*/build; do
		k=\${k%/build}; k=\${k##*/}
		dkms install -m mckernel -v $version -k \"\$k\" || echo \"mckernel-dkms: no modules for \$k\" >&2
	done
fi"
	script "$d" prerm "dkms remove -m mckernel -v $version --all >/dev/null 2>&1 || true"
	control "$v" mckernel-dev "mckernel (= $version-$release)" "libihk headers, pkg-config and CMake files" \
		"Section: libdevel" \
		" ihklib.h (IHK's C API), the C++ API and ABI headers under /usr/include/mckernel," \
		" ihk.pc, find_package(ihk), and Module.symvers for out-of-tree modules."
	control "$s" mckernel-slurm "mckernel (= $version-$release), $(deps "$s"/usr/bin/mck-*), $slurm_pkg (>= $slurm), $slurm_pkg (<< $slurm.99)" \
		"McKernel for Slurm: SPANK plugin (srun --mck), root helper, task wrapper" \
		"Enhances: slurmd" \
		" Built against Slurm $slurm. Installs the plugin's plugstack.conf.d drop-in, the site" \
		" configuration /etc/mckernel/slurm.conf and a slurmd drop-in that runs" \
		" mck-slurm reconcile before slurmd starts."
	sed -i "s/^Version: .*/&+slurm$slurm/" "$s/DEBIAN/control"
	for p in "$b" "$m" "$d" "$v" "$s"; do
		dpkg-deb --root-owner-group -Zxz --build "$p" "$out" >/dev/null
	done
	ls "$out"/*.deb
}

# The RPMs: mckernel.spec made from packaging/rpm/mckernel.spec.in with the version
# of CMakeLists.txt, a source tarball of the tree (tracked and new files, not ignored
# ones) that carries that spec at its top (so rpmbuild -ta works on it too), and
# rpmbuild -bb. --nodeps: on Debian, the BuildRequires are Debian packages rpm does
# not know about.
rpms() {
	local top=$build/rpmbuild kdir=${KERNEL_DIR:-}
	if [ -z "$kdir" ]; then
		kdir=/usr/src/$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null | grep -o 'linux-headers-[^ ,]*' | head -1)
	fi
	rm -rf "$top"
	mkdir -p "$top/SOURCES" "$top/SPECS"
	sed "s/@PROJECT_VERSION@/$version/g" "$src/packaging/rpm/mckernel.spec.in" >"$top/SPECS/mckernel.spec"
	(cd "$src" && git ls-files -co --exclude-standard | grep -v '^build' |
		tar -czf "$top/SOURCES/mckernel-$version.tar.gz" --transform "s|^|mckernel-$version/|" \
			-T - -C "$top/SPECS" mckernel.spec)
	rpmbuild -bb --nodeps --define "_topdir $top" --define "kernel_dir $kdir" \
		--define "_smp_build_ncpus $(nproc)" "$top/SPECS/mckernel.spec" >"$top/rpmbuild.log" 2>&1 ||
		{ tail -30 "$top/rpmbuild.log" >&2; exit 1; }
	find "$top/RPMS" -name '*.rpm' -exec cp {} "$out" \;
	ls "$out"/*.rpm
}

case $kind in
deb) debs ;;
rpm) rpms ;;
*) echo "package.sh: unknown kind '$kind' (deb or rpm)" >&2; exit 1 ;;
esac
