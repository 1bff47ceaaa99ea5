#!/usr/bin/env bats
# The module's build and style, against the VM kernel's headers (the one
# `make check` boots): W=1 and sparse clean, checkpatch --strict clean,
# feature tests that agree with the headers, and no version checks.

bats_require_minimum_version 1.5.0

setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	KVER=${UIO_MSI_KVER:-$("$REPO"/tests/vm/default-kernel)}
	KDIR=/lib/modules/$KVER/build
	CACHE=${UIO_MSI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/uio-msi}
	export REPO KVER KDIR CACHE
	[ -f "$KDIR/Makefile" ] || {
		echo "no headers for $KVER: run tests/vm/install-deps $KVER" >&2
		return 1
	}
	# One build, W=1 and sparse, shared by the tests below.
	BUILD_TREE=$BATS_FILE_TMPDIR/tree
	mkdir -p "$BUILD_TREE/src"
	cp -R "$REPO/src/module" "$BUILD_TREE/src/"
	cp -R "$REPO/include" "$REPO/VERSION" "$BUILD_TREE/"
	BUILD_LOG=$BATS_FILE_TMPDIR/build.log
	make -C "$BUILD_TREE/src/module" KVER="$KVER" W=1 C=2 >"$BUILD_LOG" 2>&1 ||
		{ cat "$BUILD_LOG" >&2; return 1; }
	export BUILD_TREE BUILD_LOG
}

@test "the module builds against $KVER with W=1 and no warning" {
	[ -f "$BUILD_TREE/src/module/uio_msi.ko" ]
	run -1 grep -i "warning" "$BUILD_LOG"
}

@test "sparse (C=2) checks every source file and reports nothing" {
	local file
	for file in "$REPO"/src/module/*.c; do
		file=${file##*/}
		# fault.c is built only on kernels with fault injection in
		# debugfs (Kbuild); Debian's have none, so it must not be there.
		if [ "$file" = fault.c ] &&
			! grep -qx 'CONFIG_FAULT_INJECTION_DEBUG_FS=y' "$KDIR/.config"; then
			run -1 grep -q "CHECK .*/$file" "$BUILD_LOG"
			continue
		fi
		grep -q "CHECK .*/$file" "$BUILD_LOG" || { echo "sparse did not check $file" >&2; return 1; }
	done
	# Sparse's reports name a source position: file.c:line:col.
	run -1 grep -E '\.[ch]:[0-9]+:[0-9]+: ' "$BUILD_LOG"
}

@test "modinfo: the version comes from VERSION; no ID table, GPL" {
	local ko=$BUILD_TREE/src/module/uio_msi.ko
	[ "$(modinfo -F version "$ko")" = "$(cat "$REPO/VERSION")" ]
	[ "$(modinfo -F license "$ko")" = GPL ]
	[ -z "$(modinfo -F alias "$ko")" ]
}

@test "checkpatch --strict (Debian's 6.1 linux-source) is clean" {
	local checkpatch=$CACHE/checkpatch-6.1/scripts/checkpatch.pl
	if [ ! -x "$checkpatch" ]; then
		mkdir -p "$CACHE/checkpatch-6.1"
		tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$CACHE/checkpatch-6.1" \
			--strip-components=1 linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch
	fi
	run "$checkpatch" --strict --no-tree --terse --show-types -f \
		"$REPO"/src/module/*.c "$REPO"/src/module/*.h \
		"$REPO"/src/module/conftest/*.c "$REPO"/include/uio_msi_abi.h
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

# Kernel source tree of the headers (Debian splits -common from -amd64).
kernel_srctree() {
	local common
	common=$(sed -n 's|^include \(/.*\)/Makefile$|\1|p' "$KDIR/Makefile")
	echo "${common:-$KDIR}"
}

@test "feature tests agree with the headers: eventfd_signal arity" {
	local src config
	src=$(kernel_srctree)
	config=$BUILD_TREE/src/module/compat_config.h
	if grep -q 'eventfd_signal(struct eventfd_ctx \*ctx, __u64 n)' \
		"$src/include/linux/eventfd.h"; then
		grep -q '^/\* #undef UIO_MSI_HAVE_EVENTFD_SIGNAL_1ARG \*/' "$config"
	else
		grep -q '^#define UIO_MSI_HAVE_EVENTFD_SIGNAL_1ARG 1' "$config"
	fi
}

@test "feature tests agree with the headers: pci_driver.dev_groups" {
	local src config
	src=$(kernel_srctree)
	config=$BUILD_TREE/src/module/compat_config.h
	if sed -n '/^struct pci_driver {/,/^};/p' "$src/include/linux/pci.h" |
		grep -q 'dev_groups'; then
		grep -q '^#define UIO_MSI_HAVE_PCI_DRIVER_DEV_GROUPS 1' "$config"
	else
		grep -q '^/\* #undef UIO_MSI_HAVE_PCI_DRIVER_DEV_GROUPS \*/' "$config"
	fi
}

@test "feature tests agree with the headers: pci_error_handlers.cor_error_detected" {
	local src config
	src=$(kernel_srctree)
	config=$BUILD_TREE/src/module/compat_config.h
	if sed -n '/^struct pci_error_handlers {/,/^};/p' "$src/include/linux/pci.h" |
		grep -q 'cor_error_detected'; then
		grep -q '^#define UIO_MSI_HAVE_COR_ERROR_DETECTED 1' "$config"
	else
		grep -q '^/\* #undef UIO_MSI_HAVE_COR_ERROR_DETECTED \*/' "$config"
	fi
}

@test "a broken toolchain or header tree fails the feature tests loudly" {
	local fake=$BATS_TEST_TMPDIR/kdir
	mkdir -p "$fake"
	printf 'all:\n\tfalse\n' >"$fake/Makefile"
	run ! "$REPO/src/module/conftest.sh" "$fake" "$BATS_TEST_TMPDIR/compat_config.h"
	[[ "$output" == *"sanity probe"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/compat_config.h" ]
}

@test "no LINUX_VERSION_CODE: compatibility comes from feature tests" {
	run -1 grep -rnE '^[[:space:]]*#[[:space:]]*(if|elif).*(LINUX_VERSION_CODE|KERNEL_VERSION)|include <linux/version\.h>' \
		"$REPO/src/module"
}

@test "every shell script is shellcheck-clean" {
	local scripts=()
	mapfile -t scripts < <(cd "$REPO" && git ls-files | while read -r f; do
		case $f in
		*.bats | *.bash | *.sh) echo "$f" ;;
		*) head -n1 "$f" 2>/dev/null | grep -qE '^#!.*(/sh|bash)' && echo "$f" ;;
		esac
	done)
	[ "${#scripts[@]}" -gt 5 ]
	cd "$REPO"
	run shellcheck -x "${scripts[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
}
