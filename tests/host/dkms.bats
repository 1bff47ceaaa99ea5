#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# DKMS round trip of uio_msi for the VM kernel (UIO_MSI_KVER, default
# tests/vm/default-kernel; headers from tests/vm/install-deps), in private
# trees: dkms runs with --dkmstree, --sourcetree and --installtree under a
# temporary directory, without depmod, and signs with a key of its own
# there, so the machine's /var/lib/dkms, /usr/src and /lib/modules are
# never touched.  The headers are named with --kernelsourcedir (DKMS 3.1
# and later would look for them in the private install tree).  Also:
# dkms.conf's content, BUILD_EXCLUSIVE on a kernel without CONFIG_UIO, one
# version everywhere, and "make install" / "make uninstall" into a
# DESTDIR.  Needs root (dkms install checks it).
#
# UIO_MSI_DKMS selects another dkms script (default: dkms in PATH).

bats_require_minimum_version 1.5.0

setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	KVER=${UIO_MSI_KVER:-$("$REPO"/tests/vm/default-kernel)}
	KDIR=/lib/modules/$KVER/build
	VERSION=$(cat "$REPO/VERSION")
	export REPO KVER KDIR VERSION
	[ -f "$KDIR/.config" ] || {
		echo "no headers for $KVER: run tests/vm/install-deps $KVER" >&2
		return 1
	}
	# The private trees, laid out like /: usr/src, var/lib/dkms, lib/modules.
	ROOT=$BATS_FILE_TMPDIR/root
	export ROOT
	mkdir -p "$ROOT/var/lib/dkms" "$ROOT/lib/modules/$KVER"
	make -s -C "$REPO" install-src DESTDIR="$ROOT" >"$BATS_FILE_TMPDIR/stage.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/stage.log" >&2; return 1; }
	# What the trees hold before "dkms add": "dkms remove" must get back here.
	snapshot >"$BATS_FILE_TMPDIR/before"
}

# Every path under $ROOT with its type, and a checksum for files.
snapshot() {
	(cd "$ROOT" && find . -path ./mok.key -prune -o -path ./mok.pub -prune -o \
		-printf '%y %p\n' | sort &&
		find . -type f ! -name 'mok.*' -exec md5sum {} + | sort -k2)
}

pdkms() {
	mok_signing_key=$ROOT/mok.key mok_certificate=$ROOT/mok.pub \
		"${UIO_MSI_DKMS:-dkms}" --dkmstree "$ROOT/var/lib/dkms" \
		--sourcetree "$ROOT/usr/src" --installtree "$ROOT/lib/modules" \
		--no-depmod "$@"
}

# DKMS prints problems it does not fail on: deprecations, warnings, and a
# failed "make clean" as "(bad exit status: N)".
refute_dkms_complaints() {
	echo "$output"
	[[ "$output" != *Deprecated* ]]
	[[ "$output" != *Warning* ]]
	[[ "$output" != *Error* ]]
	[[ "$output" != *"bad exit status"* ]]
}

@test "install-src stages exactly the module's sources, version filled in" {
	local src=$ROOT/usr/src/uio-msi-$VERSION expected staged
	expected=$(cd "$REPO" && {
		git ls-files -co --exclude-standard -- src/module include
		printf '%s\n' VERSION Kbuild dkms.conf
	} | sort)
	staged=$(cd "$src" && find . -type f | sed 's|^\./||' | sort)
	diff <(echo "$expected") <(echo "$staged")
	[ -x "$src/src/module/conftest.sh" ]
	run -0 grep -c '^PACKAGE_VERSION=' "$src/dkms.conf"
	[ "$output" = 1 ]
	run -0 grep '^PACKAGE_VERSION=' "$src/dkms.conf"
	[ "$output" = "PACKAGE_VERSION=\"$VERSION\"" ]
	run -1 grep -r '#MODULE_VERSION#' "$src"
}

@test "dkms.conf: module-only MAKE for the given kernel, exclusive config, no deprecated keys" {
	local conf=$REPO/dkms.conf
	grep -qx 'PACKAGE_NAME="uio-msi"' "$conf"
	grep -qx 'PACKAGE_VERSION="#MODULE_VERSION#"' "$conf"
	grep -qx 'BUILT_MODULE_NAME\[0\]="uio_msi"' "$conf"
	grep -qx 'BUILT_MODULE_LOCATION\[0\]="src/module/"' "$conf"
	grep -qx 'DEST_MODULE_LOCATION\[0\]="/updates/dkms"' "$conf"
	grep -qx 'AUTOINSTALL="yes"' "$conf"
	# shellcheck disable=SC2016 # dkms expands these, not the shell
	grep -qxF 'MAKE[0]="make -C src/module KVER=${kernelver} KDIR=${kernel_source_dir}"' "$conf"
	grep -qx 'BUILD_EXCLUSIVE_CONFIG="CONFIG_UIO CONFIG_PCI_MSI"' "$conf"
	run -1 grep -E '^[[:space:]]*(CLEAN|REMAKE_INITRD|MODULES_CONF[A-Z_]*)=' "$conf"
	# One source of the version: no literal version in dkms.conf.
	run -1 grep -F "$VERSION" "$conf"
}

@test "dkms add registers the staged sources" {
	run -0 pdkms add -m uio-msi -v "$VERSION"
	refute_dkms_complaints
	[ "$(readlink "$ROOT/var/lib/dkms/uio-msi/$VERSION/source")" = \
		"$ROOT/usr/src/uio-msi-$VERSION" ]
	run -0 pdkms status
	[ "$output" = "uio-msi/$VERSION: added" ]
}

@test "dkms build -k $KVER builds uio_msi.ko, cleanly" {
	run -0 pdkms build -m uio-msi -v "$VERSION" -k "$KVER" --kernelsourcedir "$KDIR"
	refute_dkms_complaints
	local ko=$ROOT/var/lib/dkms/uio-msi/$VERSION/$KVER/x86_64/module/uio_msi.ko
	[ -f "$ko" ]
	# The module only (never the tool), for $KVER (DKMS 3.0 shows the make
	# command, later ones log it).
	local log=$ROOT/var/lib/dkms/uio-msi/$VERSION/$KVER/x86_64/log/make.log
	[[ "$output" == *" -C src/module KVER=$KVER KDIR=$KDIR"* ]] ||
		grep -qF -- " -C src/module KVER=$KVER KDIR=$KDIR" "$log"
	grep -q "make -C $KDIR M=$ROOT/var/lib/dkms/uio-msi/$VERSION/build/src/module" "$log"
	run -1 grep -E 'uio-msi\.c|src/tool' "$log"
	run -0 pdkms status
	[ "$output" = "uio-msi/$VERSION, $KVER, x86_64: built" ]
}

@test "dkms install -k $KVER puts it in updates/dkms; modinfo shows VERSION" {
	run -0 pdkms install -m uio-msi -v "$VERSION" -k "$KVER" --kernelsourcedir "$KDIR"
	refute_dkms_complaints
	local ko=$ROOT/lib/modules/$KVER/updates/dkms/uio_msi.ko
	[ -f "$ko" ]
	[ "$(modinfo -F version "$ko")" = "$VERSION" ]
	[ "$(modinfo -F name "$ko")" = uio_msi ]
	[ "$(modinfo -F depends "$ko")" = uio ]
	[[ "$(modinfo -F vermagic "$ko")" == "$KVER "* ]]
	run -0 pdkms status
	[ "$output" = "uio-msi/$VERSION, $KVER, x86_64: installed" ]
}

@test "one version: VERSION, debian/changelog, uio-msi --version, the DKMS-built module" {
	local changelog tool=$BATS_FILE_TMPDIR/tool
	[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
	changelog=$(cd "$REPO" && dpkg-parsechangelog -S Version)
	[ "$changelog" = "$VERSION-1" ]
	make -s -C "$REPO/src/tool" O="$tool" >/dev/null
	run -0 "$tool/uio-msi" --version
	[ "${lines[0]}" = "uio-msi $VERSION" ]
	[ "$(modinfo -F version "$ROOT/lib/modules/$KVER/updates/dkms/uio_msi.ko")" = "$VERSION" ]
}

@test "debian/rules refuses to build when changelog and VERSION disagree" {
	local copy=$BATS_TEST_TMPDIR/copy
	mkdir -p "$copy"
	cp -R "$REPO/debian" "$REPO/VERSION" "$copy/"
	run -0 make -s -C "$copy" -f debian/rules --no-print-directory -n clean
	echo 9.9.9 >"$copy/VERSION"
	run -2 make -s -C "$copy" -f debian/rules -n clean
	[[ "$output" == *"debian/changelog has upstream version \"$VERSION\" but VERSION says \"9.9.9\""* ]]
}

@test "dkms remove --all leaves the private trees as before dkms add" {
	run -0 pdkms remove -m uio-msi -v "$VERSION" --all
	refute_dkms_complaints
	run -0 pdkms status
	[ -z "$output" ]
	diff "$BATS_FILE_TMPDIR/before" <(snapshot)
	[ -z "$(ls -A "$ROOT/var/lib/dkms")" ]
	[ -z "$(ls -A "$ROOT/lib/modules/$KVER")" ]
}

# A kernel tree like $KDIR whose .config lacks $1: dkms must skip it.
fake_kernel_without() {
	local fake=$BATS_TEST_TMPDIR/kernel
	mkdir -p "$fake/include"
	grep -v "^$1=" "$KDIR/.config" >"$fake/.config"
	grep -q "^$1=[ym]" "$KDIR/.config" # the real one has it
	echo "$fake"
}

@test "BUILD_EXCLUSIVE: a kernel without CONFIG_UIO or CONFIG_PCI_MSI is skipped, not failed" {
	local option fake
	run -0 pdkms add -m uio-msi -v "$VERSION"
	for option in CONFIG_UIO CONFIG_PCI_MSI; do
		fake=$(fake_kernel_without "$option")
		run -77 pdkms build -m uio-msi -v "$VERSION" -k "$KVER-no-uio" \
			--kernelsourcedir "$fake"
		echo "$output"
		[[ "$output" == *"BUILD_EXCLUSIVE directive"* ]]
		run -0 pdkms status
		[ "$output" = "uio-msi/$VERSION: added" ]
	done
	run -0 pdkms remove -m uio-msi -v "$VERSION" --all
	diff "$BATS_FILE_TMPDIR/before" <(snapshot)
}

@test "make install/uninstall with DESTDIR: staged files only, no dkms run, all removed" {
	local dest=$BATS_TEST_TMPDIR/dest
	run -0 make -C "$REPO" install DESTDIR="$dest" PREFIX=/usr BUILD="$BATS_TEST_TMPDIR/build"
	echo "$output"
	[[ "$output" == *"dkms not run"* ]]
	[ -f "$dest/usr/src/uio-msi-$VERSION/dkms.conf" ]
	[ -x "$dest/usr/sbin/uio-msi" ]
	[ -f "$dest/usr/share/man/man8/uio-msi.8" ]
	run -0 make -C "$REPO" uninstall DESTDIR="$dest" PREFIX=/usr BUILD="$BATS_TEST_TMPDIR/build"
	run -0 find "$dest" ! -type d
	[ -z "$output" ]
}
