#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The Debian packages: "make deb" builds uio-msi-dkms and uio-msi-utils
# into build/deb/ without leaving anything in the tree or next to it,
# lintian finds no error and no warning, and in a throwaway Debian
# bookworm chroot with the VM kernel's headers (UIO_MSI_KVER) both
# packages install with apt, DKMS builds and installs the module for that
# kernel, and purging them leaves no file and no DKMS state behind.  The
# same chroot then checks "make install" and "make uninstall".
#
# Needs root and Debian's archive (apt inside the chroot).  The pristine
# chroot (debootstrap --variant=minbase) is cached as a tarball in
# $UIO_MSI_CACHE/chroot/ and the packages apt downloads in
# $UIO_MSI_CACHE/chroot/apt-archives/; each run unpacks a fresh copy.

bats_require_minimum_version 1.5.0

setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	KVER=${UIO_MSI_KVER:-$("$REPO"/tests/vm/default-kernel)}
	VERSION=$(cat "$REPO/VERSION")
	CACHE=${UIO_MSI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/uio-msi}
	MIRROR=${UIO_MSI_DEBIAN_MIRROR:-http://deb.debian.org/debian}
	DEBS=$REPO/build/deb
	ARCH=$(dpkg --print-architecture)
	CHROOT=$BATS_FILE_TMPDIR/chroot
	APT_ARCHIVES=$CACHE/chroot/apt-archives
	export REPO KVER VERSION CACHE MIRROR DEBS ARCH CHROOT APT_ARCHIVES
	local start=$SECONDS

	# make deb, watching the tree and its parent directory.
	tree_state >"$BATS_FILE_TMPDIR/tree-before"
	make -C "$REPO" deb >"$BATS_FILE_TMPDIR/deb.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/deb.log" >&2; return 1; }
	tree_state >"$BATS_FILE_TMPDIR/tree-after"
	timing "make deb" $start

	start=$SECONDS
	if [ -f "$CACHE/chroot/bookworm-minbase.tar.gz" ]; then
		timing "pristine chroot: cached" $start
	else
		make_pristine_chroot >"$BATS_FILE_TMPDIR/debootstrap.log" 2>&1 ||
			{ cat "$BATS_FILE_TMPDIR/debootstrap.log" >&2; return 1; }
		timing "pristine chroot: debootstrap" $start
	fi
	start=$SECONDS
	mkdir -p "$CHROOT"
	tar -C "$CHROOT" --numeric-owner -xzf "$CACHE/chroot/bookworm-minbase.tar.gz"
	cp -L /etc/resolv.conf "$CHROOT/etc/resolv.conf"
	# What a machine with this kernel has: its headers (with the
	# compiler), dkms (which uio-msi-dkms depends on), a C library for
	# building the tool (make install), and the module index that the
	# kernel image package would have created.
	{
		in_chroot apt-get update &&
			in_chroot apt-get install -y --no-install-recommends \
				"linux-headers-$KVER" dkms gcc libc6-dev &&
			in_chroot depmod "$KVER"
	} >"$BATS_FILE_TMPDIR/chroot-setup.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/chroot-setup.log" >&2; return 1; }
	timing "chroot with headers, dkms" $start
}

teardown_file() {
	# in_chroot unmounts after each command; this is the safety net.
	if [ -n "${CHROOT:-}" ] && [ -d "$CHROOT" ]; then
		unmount_chroot
		rm -rf --one-file-system "$CHROOT"
	fi
}

# git's view of the tree, ignored files included but for build/ (where
# make deb puts the packages), and what the parent directory holds of ours.
tree_state() {
	{
		git -C "$REPO" status --porcelain --untracked-files=all --ignored |
			grep -v '^!! build/'
		(cd "$REPO/.." && find . -maxdepth 1 -name 'uio-msi*')
	} | sort
}

# timing WHAT START: one TAP comment line with the seconds since START.
timing() {
	echo "# $1: $((SECONDS - $2)) s" >&3
}

make_pristine_chroot() {
	local tmp=$CACHE/chroot/tmp.$$
	rm -rf --one-file-system "$tmp"
	mkdir -p "$tmp"
	debootstrap --variant=minbase bookworm "$tmp/root" "$MIRROR"
	cat >"$tmp/root/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${MIRROR%/debian}/debian-security bookworm-security main
EOF
	# No service starts inside the chroot.
	printf '#!/bin/sh\nexit 101\n' >"$tmp/root/usr/sbin/policy-rc.d"
	chmod 0755 "$tmp/root/usr/sbin/policy-rc.d"
	chroot "$tmp/root" apt-get clean
	tar -C "$tmp/root" --numeric-owner -czf "$tmp/chroot.tar.gz" .
	mv "$tmp/chroot.tar.gz" "$CACHE/chroot/bookworm-minbase.tar.gz"
	rm -rf --one-file-system "$tmp"
}

unmount_chroot() {
	local m
	for m in var/cache/apt/archives dev/pts proc; do
		if mountpoint -q "$CHROOT/$m"; then
			umount "$CHROOT/$m" || umount -l "$CHROOT/$m"
		fi
	done
}

# in_chroot COMMAND...: run COMMAND as root in the chroot, with /proc,
# /dev/pts (apt's terminal log) and the apt download cache mounted for that
# command only.
in_chroot() (
	set -eu
	trap unmount_chroot EXIT
	mkdir -p "$APT_ARCHIVES/partial"
	mount -t proc proc "$CHROOT/proc"
	mount --bind /dev/pts "$CHROOT/dev/pts"
	mount --bind "$APT_ARCHIVES" "$CHROOT/var/cache/apt/archives"
	chroot "$CHROOT" /usr/bin/env -i HOME=/root LC_ALL=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive "$@"
)

# Every path of the chroot with type and mode, and every file's checksum,
# apart from: dpkg's and apt's own state and logs (they record the
# installation by design), /proc, /tmp (scratch: the .debs are copied
# there), and /root/src (the repository copy of the make install test).
snapshot() {
	local prune=(-path ./proc -o -path ./tmp -o -path ./var/lib/dpkg
		-o -path ./var/lib/apt -o -path ./var/cache/apt
		-o -path ./var/log -o -path ./root/src)
	(
		cd "$CHROOT"
		find . -xdev \( "${prune[@]}" \) -prune -o -printf '%y %m %U:%G %p -> %l\n' | sort
		find . -xdev \( "${prune[@]}" \) -prune -o -type f -print0 |
			xargs -0 md5sum | sort -k2
	)
}

@test "make deb: both packages in build/deb, nothing left in the tree or next to it" {
	# Nothing new (others may be editing files meanwhile: only new entries
	# count).
	diff <(comm -13 "$BATS_FILE_TMPDIR/tree-before" "$BATS_FILE_TMPDIR/tree-after") /dev/null
	local expected
	expected=$(printf '%s\n' "uio-msi-dkms_${VERSION}-1_all.deb" \
		"uio-msi-utils-dbgsym_${VERSION}-1_${ARCH}.deb" \
		"uio-msi-utils_${VERSION}-1_${ARCH}.deb" \
		"uio-msi_${VERSION}-1_${ARCH}.buildinfo" \
		"uio-msi_${VERSION}-1_${ARCH}.changes")
	diff <(echo "$expected") <(ls -1 "$DEBS")
}

@test "lintian: no error and no warning on the .changes, .buildinfo and .debs" {
	run lintian --fail-on error,warning \
		"$DEBS/uio-msi_${VERSION}-1_${ARCH}.changes"
	echo "$output"
	[ "$status" -eq 0 ]
	run -1 grep -E '^[EW]: ' <<<"$output"
	# Each override carries its reason.
	local file
	for file in "$REPO"/debian/*lintian-overrides; do
		awk '!/^#/ && NF { if (prev !~ /^#/) exit 1 } { prev = $0 }' "$file"
	done
}

@test "control: versions, architectures, dkms dependency, recommends" {
	local dkms=$DEBS/uio-msi-dkms_${VERSION}-1_all.deb
	local utils=$DEBS/uio-msi-utils_${VERSION}-1_${ARCH}.deb
	[ "$(dpkg-deb -f "$dkms" Version)" = "$VERSION-1" ]
	[ "$(dpkg-deb -f "$utils" Version)" = "$VERSION-1" ]
	[ "$(dpkg-deb -f "$dkms" Architecture)" = all ]
	[ "$(dpkg-deb -f "$utils" Architecture)" = "$ARCH" ]
	[ "$(dpkg-deb -f "$dkms" Depends)" = "dkms (>= 3.0.3-4~)" ]
	[ "$(dpkg-deb -f "$utils" Recommends)" = uio-msi-dkms ]
	# The module's sources only: nothing built, dkms.conf with the version.
	run -0 dpkg-deb -c "$dkms"
	run -1 grep -E '\.(o|ko|cmd)$|compat_config\.h' <<<"$output"
	[ "$(dpkg-deb --fsys-tarfile "$dkms" |
		tar -xO "./usr/src/uio-msi-$VERSION/dkms.conf" |
		grep '^PACKAGE_VERSION=')" = "PACKAGE_VERSION=\"$VERSION\"" ]
}

# No error or warning from apt, dpkg, the maintainer scripts or dkms in
# $output, even those that do not fail the command.  Whole words only: a
# source file such as conftest/cor_error_detected.c is no complaint.
refute_complaints() {
	run -1 grep -E '^(E|W): |\<[Ee]rrors?\>|\<[Ww]arnings?\>|Deprecated|bad exit status' <<<"$1"
}

# dpkg -L PACKAGE in the chroot: every path it lists must exist there.
assert_package_files_present() {
	local path paths
	mapfile -t paths < <(in_chroot dpkg-query -L "$1")
	[ "${#paths[@]}" -gt 3 ]
	for path in "${paths[@]}"; do
		[ -e "$CHROOT$path" ] || [ -L "$CHROOT$path" ] ||
			{ echo "missing: $path ($1)"; return 1; }
	done
}

@test "apt installs both packages, DKMS builds the module for $KVER; purge leaves no trace" {
	local ko=/lib/modules/$KVER/updates/dkms/uio_msi.ko start=$SECONDS
	mkdir -p "$CHROOT/tmp/debs"
	cp "$DEBS/uio-msi-dkms_${VERSION}-1_all.deb" \
		"$DEBS/uio-msi-utils_${VERSION}-1_${ARCH}.deb" "$CHROOT/tmp/debs/"
	snapshot >"$BATS_TEST_TMPDIR/before"

	run in_chroot sh -c 'cd /tmp/debs && apt-get install -y ./*.deb'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Building initial module for $KVER"* ]]
	refute_complaints "$output"
	run -0 in_chroot dkms status
	[ "$output" = "uio-msi/$VERSION, $KVER, x86_64: installed" ]
	[ -f "$CHROOT$ko" ]
	run -0 in_chroot modinfo -F version "$ko"
	[ "$output" = "$VERSION" ]
	run -0 in_chroot modinfo -F vermagic "$ko"
	[[ "$output" == "$KVER "* ]]
	run -0 in_chroot uio-msi --version
	[ "${lines[0]}" = "uio-msi $VERSION" ]
	assert_package_files_present uio-msi-dkms
	assert_package_files_present uio-msi-utils
	[ -f "$CHROOT/usr/src/uio-msi-$VERSION/dkms.conf" ]
	[ -x "$CHROOT/usr/sbin/uio-msi" ]
	[ -f "$CHROOT/usr/share/man/man8/uio-msi.8.gz" ]
	[ -f "$CHROOT/usr/share/doc/uio-msi-utils/examples/uio-msi.conf" ]

	run in_chroot apt-get purge -y uio-msi-dkms uio-msi-utils
	echo "$output"
	[ "$status" -eq 0 ]
	refute_complaints "$output"
	run -0 in_chroot dkms status
	[ -z "$output" ]
	[ ! -e "$CHROOT/var/lib/dkms/uio-msi" ]
	local package
	for package in uio-msi-dkms uio-msi-utils; do
		# shellcheck disable=SC2016 # a dpkg-query format
		run in_chroot dpkg-query -W -f '${db:Status-Status}' "$package"
		[ "$status" -ne 0 ] || [ "$output" = not-installed ]
	done
	diff "$BATS_TEST_TMPDIR/before" <(snapshot)
	timing "install, purge" $start
}

@test "make install/uninstall in the chroot: DKMS module for $KVER, tool; nothing left" {
	local ko=/lib/modules/$KVER/updates/dkms/uio_msi.ko start=$SECONDS
	mkdir -p "$CHROOT/root/src"
	(cd "$REPO" && git ls-files -co --exclude-standard -z |
		tar --null -T - -cf -) | tar -C "$CHROOT/root/src" -xf -
	snapshot >"$BATS_TEST_TMPDIR/before"

	run in_chroot make -C /root/src install KVER="$KVER"
	echo "$output"
	[ "$status" -eq 0 ]
	refute_complaints "$output"
	run -0 in_chroot dkms status
	[ "$output" = "uio-msi/$VERSION, $KVER, x86_64: installed" ]
	run -0 in_chroot modinfo -F version "$ko"
	[ "$output" = "$VERSION" ]
	run -0 in_chroot /usr/local/sbin/uio-msi --version
	[ "${lines[0]}" = "uio-msi $VERSION" ]
	[ -f "$CHROOT/usr/local/share/man/man8/uio-msi.8" ]
	grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$CHROOT/usr/src/uio-msi-$VERSION/dkms.conf"

	# Again over the installed version: it replaces it.
	run in_chroot make -C /root/src install KVER="$KVER"
	echo "$output"
	[ "$status" -eq 0 ]
	refute_complaints "$output"
	run -0 in_chroot dkms status
	[ "$output" = "uio-msi/$VERSION, $KVER, x86_64: installed" ]

	run in_chroot make -C /root/src uninstall KVER="$KVER"
	echo "$output"
	[ "$status" -eq 0 ]
	refute_complaints "$output"
	run -0 in_chroot dkms status
	[ -z "$output" ]
	assert_uninstalled "$BATS_TEST_TMPDIR/before"
	timing "make install, uninstall" $start
}

# assert_uninstalled BEFORE: the chroot is as in the snapshot BEFORE,
# except for directories that make install created and make uninstall left
# without files (as with Automake's distuninstallcheck, uninstall need not
# remove directories); those are listed.
assert_uninstalled() {
	local after=$BATS_TEST_TMPDIR/after dir
	snapshot >"$after"
	diff <(grep -v '^d ' "$1") <(grep -v '^d ' "$after")
	# No directory went missing.
	diff <(grep '^d ' "$1" | comm -23 - <(grep '^d ' "$after")) /dev/null
	while read -r _ _ _ dir _; do
		echo "# left empty: ${dir#.}" >&3
		[ -z "$(find "$CHROOT/$dir" ! -type d)" ]
	done < <(grep '^d ' "$after" | comm -13 <(grep '^d ' "$1") -)
}
