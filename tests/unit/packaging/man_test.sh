#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The manual pages, as cmake --install puts them: every installed command and the
# SPANK plugin has one, man renders each without a warning, and every option and
# subcommand the program's --help shows (at every level) is in its page.
#   man_test.sh BUILD_DIR SRC_DIR
set -uo pipefail
build=${1:?usage: man_test.sh BUILD_DIR SRC_DIR}
src=${2:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

root=$tmp/root
if ! out=$(DESTDIR=$root cmake --install "$build" --prefix /usr 2>&1); then
	echo "FAIL: cmake --install: $out"
	exit 1
fi
p=$root/usr
man=$p/share/man
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")

# render PAGE: the page as text, wide enough that no word is broken; warnings to $tmp/warn.
render() {
	LC_ALL=C MANWIDTH=1000 man --warnings -l "$1" 2>"$tmp/warn" | col -b
}

# options TEXT: the options and subcommand names a --help text lists.
options() {
	awk '
		/^[A-Za-z][^:]*:$/ { sub_list = ($0 == "Subcommands:"); next }
		/^$/ { sub_list = 0 }
		sub_list && /^  [a-z]/ { print $1; next }
		/^ +-/ {
			line = $0
			sub(/^ +/, "", line)
			sub(/  .*/, "", line)         # the option part, before the description
			n = split(line, w, /[ ,]+/)
			for (i = 1; i <= n; i++) if (w[i] ~ /^--?[A-Za-z]/) { sub(/[=[].*/, "", w[i]); print w[i] }
		}' <<<"$1" | sort -u
}

# walk PAGE_TEXT CMD...: checks each option of CMD's help and of its subcommands' is in the page.
walk() {
	local page=$1 help o s
	shift
	help=$("$@" --help 2>&1) || { fail "$* --help exits with $?"; return; }
	for o in $(options "$help"); do
		grep -qF -- "$o" <<<"$page" || fail "$(basename "$1") page lacks '$o' (from '$(basename "$1") ${*:2} --help')"
		checked=$((checked + 1))
	done
	for s in $(awk '/^Subcommands:$/ { f = 1; next } /^$/ { f = 0 } f && /^  [a-z]/ { print $1 }' <<<"$help"); do
		walk "$page" "$@" "$s"
	done
}

commands=$(find "$p/bin" "$p/sbin" -maxdepth 1 -type f -perm -u+x | sort)
[ -n "$commands" ] || fail "no commands installed"
for cmd in $commands "$p/$libdir/slurm/mckernel_spank.so"; do
	name=$(basename "$cmd" .so)
	[ -e "$cmd" ] || { fail "$cmd is not installed"; continue; }
	page=$(ls "$man"/man1/"$name".1 "$man"/man8/"$name".8 2>/dev/null | head -1)
	[ -n "$page" ] || { fail "$name has no page in share/man/man1 or man8"; continue; }
	text=$(render "$page")
	[ -s "$tmp/warn" ] && fail "$name: man warns: $(head -3 "$tmp/warn")" || ok "$name: $(basename "$page") renders cleanly"
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS "SEE ALSO"; do
		grep -q "^$section\$" <<<"$text" || fail "$name: no $section section"
	done
	checked=0
	case $name in
	mckernel_spank)
		# The plugin has no --help; its page comes from its option table, which the
		# user guide must list too.
		for o in $(options "$("$build/docs/man/mck-spank-help")"); do
			grep -qF -- "$o" <<<"$text" || fail "mckernel_spank page lacks '$o'"
			grep -qF -- "\`$o" "$src/docs/slurm-user.md" || fail "docs/slurm-user.md lacks '$o'"
			checked=$((checked + 1))
		done ;;
	mcreboot.sh | mcstop+release.sh)
		for o in $(options "$("$cmd" -h)"); do
			grep -qF -- "$o" <<<"$text" || fail "$name page lacks '$o'"
			checked=$((checked + 1))
		done ;;
	ihkconfig | ihkosctl) walk "$text" "$cmd" 0 ;;
	*) walk "$text" "$cmd" ;;
	esac
	if [ "$checked" -gt 0 ]; then
		ok "$name: the $checked options and subcommands of its help are in the page"
	elif [ "$name" != mcstop+release.sh ]; then # it has none
		fail "$name: no option found in its help"
	fi
done
[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
