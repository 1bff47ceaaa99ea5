#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Host-side tests of the auto-bind helper udev/autobind (run by udev for
# every PCI function): the list's syntax, what is bound and what is left
# alone, the messages, and the fast path.  Against a fake sysfs tree
# (UIO_MSI_ROOT) with a stub in place of the uio-msi tool; the log socket is
# a stand-in too.  tests/guest/70-udev.bats runs it under the real udev.

bats_require_minimum_version 1.5.0

REPO="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
HELPER=$REPO/udev/autobind
SYSLOG_LISTEN=$REPO/tests/guest/lib/syslog-listen.py
WHY="ignored (expected VENDOR:DEVICE [SUBVENDOR:SUBDEVICE] or DOMAIN:BUS:DEVICE.FUNCTION)"

setup() {
	ROOT=$BATS_TEST_TMPDIR/root
	PCI=$ROOT/sys/bus/pci
	mkdir -p "$PCI/drivers/uio_msi" "$PCI/drivers/nvme"
	# The test VM's functions: ivshmem, edu, nvme (QEMU's subsystem IDs).
	fake_function 0000:00:04.0 1af4 1110 1af4 1100
	fake_function 0000:00:05.0 1234 11e8 1af4 1100
	fake_function 0000:00:06.0 1b36 0010 1af4 1100
	fake_function 0000:3a:1f.7 8086 154c 8086 0000
	STUB_CALLS=$BATS_TEST_TMPDIR/calls
	: >"$STUB_CALLS"
	cat >"$BATS_TEST_TMPDIR/uio-msi" <<-'EOF'
		#!/bin/sh
		# Stub of the tool: records its arguments; fails while
		# $STUB_FAILURES (a file) holds a positive count.
		echo "$*" >>"$STUB_CALLS"
		n=$(cat "$STUB_FAILURES" 2>/dev/null || echo 0)
		if [ "$n" -gt 0 ]; then
			echo $((n - 1)) >"$STUB_FAILURES"
			echo "uio-msi: $2: uio_msi did not bind it (now bound to nvme); see dmesg" >&2
			exit 1
		fi
		echo "$2: bound to uio_msi (uio0)"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/uio-msi"
	export UIO_MSI_ROOT=$ROOT
	export UIO_MSI_TOOL=$BATS_TEST_TMPDIR/uio-msi
	export UIO_MSI_DEVICES=$BATS_TEST_TMPDIR/devices
	export UIO_MSI_RUNDIR=$BATS_TEST_TMPDIR/run
	export UIO_MSI_LOG_SOCKET=$BATS_TEST_TMPDIR/log
	export STUB_CALLS STUB_FAILURES=$BATS_TEST_TMPDIR/failures
	SYSLOG_PID=
}

teardown() {
	[ -z "$SYSLOG_PID" ] || kill "$SYSLOG_PID" 2>/dev/null || true
}

fake_function() {
	local dir=$PCI/devices/$1
	mkdir -p "$dir"
	echo "0x$2" >"$dir/vendor"
	echo "0x$3" >"$dir/device"
	echo "0x$4" >"$dir/subsystem_vendor"
	echo "0x$5" >"$dir/subsystem_device"
	echo "(null)" >"$dir/driver_override"
}

list() { printf '%s\n' "$@" >"$UIO_MSI_DEVICES"; }

fail() {
	printf '%s\n' "$@" >&2
	printf 'status: %s\nstderr: %s\ncalls: %s\n' "${status-}" "${output-}" \
		"$(cat "$STUB_CALLS")" >&2
	return 1
}

# The tool was run exactly with these argument lines (none: not run).
calls_are() {
	local expected=""
	[ $# -eq 0 ] || expected=$(printf '%s\n' "$@")
	[ "$(cat "$STUB_CALLS")" = "$expected" ] || fail "expected calls: $*"
}

# Capture the log: lines "FACILITY.SEVERITY TAG: TEXT" in $SYSLOG_OUT.
syslog_start() {
	SYSLOG_OUT=$BATS_TEST_TMPDIR/syslog
	"$SYSLOG_LISTEN" "$UIO_MSI_LOG_SOCKET" "$SYSLOG_OUT" 3>&- &
	SYSLOG_PID=$!
	local i
	for i in $(seq 100); do
		[ -S "$UIO_MSI_LOG_SOCKET" ] && return 0
		sleep 0.05
	done
	fail "the log listener did not start"
}
# Wait until the capture has $1 lines, and print them.
syslog_lines() {
	local i
	for i in $(seq 100); do
		[ "$(wc -l <"$SYSLOG_OUT")" -lt "$1" ] || break
		sleep 0.05
	done
	cat "$SYSLOG_OUT"
}

@test "vendor:device: the listed function is bound through the tool, the others not" {
	list "# comment" "" "   " "1AF4:1110   # trailing comment"
	run -0 "$HELPER" 0000:00:04.0
	[ "$output" = "uio-msi: 0000:00:04.0: bound to uio_msi (uio0)" ] || fail
	for bdf in 0000:00:05.0 0000:00:06.0 0000:3a:1f.7; do
		run -0 "$HELPER" "$bdf"
		[ -z "$output" ] || fail "$bdf"
	done
	calls_are "bind 0000:00:04.0"
}

@test "vendor:device subvendor:subdevice: only with those subsystem IDs" {
	list $'1234:11E8\t1AF4:1100' "1af4:1110 1af4:1101" "1b36:0010  1AF4:1100  # nvme"
	for bdf in 0000:00:04.0 0000:00:05.0 0000:00:06.0; do
		run -0 "$HELPER" "$bdf"
	done
	calls_are "bind 0000:00:05.0" "bind 0000:00:06.0"
}

@test "address: that function only, in either case" {
	list "0000:3A:1F.7" "0000:00:06.1"
	for bdf in 0000:00:04.0 0000:00:06.0 0000:3a:1f.7; do
		run -0 "$HELPER" "$bdf"
	done
	calls_are "bind 0000:3a:1f.7"
}

@test "the log: a bound function at daemon.info, tag uio-msi" {
	syslog_start
	list "1af4:1110"
	run -0 "$HELPER" 0000:00:04.0
	[ "$(syslog_lines 1)" = "daemon.info uio-msi: 0000:00:04.0: bound to uio_msi (uio0)" ]
}

@test "malformed lines: each logged with its number at daemon.warning, the others still bind" {
	syslog_start
	local bad=(
		"1af4"
		"1af4:111"
		"1af4:11100"
		"1af4:111g"
		"1af4-1110"
		"1af4:1110:"
		"1af4:1110 1af4"
		"1af4:1110 1af4:1100 extra"
		"1af4:1110:1af4 1100"
		"1af4:1110 1af4:1100:"
		"1af4:1110 0000:00:04.0"
		"0000:00:04.0 1af4:1100"
		"00:04.0"
		"0000:0:04.0"
		"0000:00:20.0"
		"0000:00:04.8"
		"0000:00:04"
		"0x1af4:0x1110"
		"*"
	)
	list "# header" "${bad[@]}" "0000:00:04.0"
	run -0 "$HELPER" 0000:00:04.0
	local expected=() n=2 entry
	for entry in "${bad[@]}"; do
		expected+=("daemon.warning uio-msi: $UIO_MSI_DEVICES:$n: malformed entry \"$entry\" $WHY")
		n=$((n + 1))
	done
	expected+=("daemon.info uio-msi: 0000:00:04.0: bound to uio_msi (uio0)")
	[ "$(syslog_lines "${#expected[@]}")" = "$(printf '%s\n' "${expected[@]}")" ] || fail
	calls_are "bind 0000:00:04.0"
}

@test "malformed lines: once per version of the list, not once per function" {
	list "1af4:111" "1234:11e8"
	run -0 "$HELPER" 0000:00:04.0
	[ "$output" = "uio-msi: $UIO_MSI_DEVICES:1: malformed entry \"1af4:111\" $WHY" ] || fail
	run -0 "$HELPER" 0000:00:06.0
	[ -z "$output" ] || fail
	run -0 "$HELPER" 0000:00:05.0
	[ "$output" = "uio-msi: 0000:00:05.0: bound to uio_msi (uio0)" ] || fail
	# A newer list is reported again.
	touch -d "+2 seconds" "$UIO_MSI_DEVICES"
	run -0 "$HELPER" 0000:00:04.0
	[ "$output" = "uio-msi: $UIO_MSI_DEVICES:1: malformed entry \"1af4:111\" $WHY" ] || fail
}

@test "--check: the malformed lines on stderr and status 1; a clean list: nothing, 0" {
	list "1af4:1110" "oops # comment" "1234:11e8 zz:zz"
	run -1 "$HELPER" --check
	[ "$output" = "$UIO_MSI_DEVICES:2: malformed entry \"oops\" $WHY
$UIO_MSI_DEVICES:3: malformed entry \"1234:11e8 zz:zz\" $WHY" ] || fail
	# --check does not remember, and binds nothing.
	run -1 "$HELPER" --check
	calls_are
	list "# only a comment" "1af4:1110 1af4:1100" "0000:00:05.0"
	run -0 "$HELPER" --check
	[ -z "$output" ] || fail
	rm "$UIO_MSI_DEVICES"
	run -1 "$HELPER" --check
	[ "$output" = "uio-msi: cannot read $UIO_MSI_DEVICES" ] || fail
}

@test "no list: nothing done, nothing said" {
	run -0 "$HELPER" 0000:00:04.0
	[ -z "$output" ] || fail
	calls_are
}

@test "a function gone already: nothing done" {
	list "0000:00:07.0"
	run -0 "$HELPER" 0000:00:07.0
	[ -z "$output" ] || fail
	calls_are
}

@test "bound to uio_msi already: left as it is" {
	list "1af4:1110"
	ln -s ../../devices/0000:00:04.0 "$PCI/drivers/uio_msi/0000:00:04.0"
	run -0 "$HELPER" 0000:00:04.0
	[ -z "$output" ] || fail
	calls_are
}

@test "driver_override naming another driver: left alone, with a notice" {
	syslog_start
	list "1af4:1110"
	echo vfio-pci >"$PCI/devices/0000:00:04.0/driver_override"
	run -0 "$HELPER" 0000:00:04.0
	calls_are
	[ "$(syslog_lines 1)" = "daemon.notice uio-msi: 0000:00:04.0: listed in $UIO_MSI_DEVICES, but its driver_override is vfio-pci: left alone" ] || fail
	# Its own name there (an earlier bind) is no obstacle.
	echo uio_msi >"$PCI/devices/0000:00:04.0/driver_override"
	run -0 "$HELPER" 0000:00:04.0
	calls_are "bind 0000:00:04.0"
}

@test "the tool fails: logged at daemon.err, status 1" {
	syslog_start
	list "1af4:1110"
	echo 5 >"$STUB_FAILURES"
	run -1 "$HELPER" 0000:00:04.0
	calls_are "bind 0000:00:04.0"
	[ "$(syslog_lines 1)" = "daemon.err uio-msi: 0000:00:04.0: uio-msi bind failed: 0000:00:04.0: uio_msi did not bind it (now bound to nvme); see dmesg" ] || fail
}

@test "a native driver took the function meanwhile: one more try" {
	list "1b36:0010"
	ln -s ../../drivers/nvme "$PCI/devices/0000:00:06.0/driver"
	echo 1 >"$STUB_FAILURES"
	run -0 "$HELPER" 0000:00:06.0
	calls_are "bind 0000:00:06.0" "bind 0000:00:06.0"
	[ "$output" = "uio-msi: 0000:00:06.0: bound to uio_msi (uio0)" ] || fail
	# Only one: a second failure is final.
	: >"$STUB_CALLS"
	echo 2 >"$STUB_FAILURES"
	run -1 "$HELPER" 0000:00:06.0
	calls_are "bind 0000:00:06.0" "bind 0000:00:06.0"
}

@test "usage: exactly one full PCI address, or --check" {
	list "1af4:1110"
	local args
	for args in "" "00:04.0" "0000:00:04" "0000:00:04.0 0000:00:05.0" "--help" "-x"; do
		# shellcheck disable=SC2086 # the cases are word lists
		run -2 "$HELPER" $args
		[ "$output" = "usage: autobind BDF | autobind --check" ] || fail "args: $args"
	done
	calls_are
}

@test "fast path: a function not listed costs no process (strace)" {
	command -v strace >/dev/null || fail "strace is not installed (tests/host/install-deps)"
	local entries=() i
	for i in $(seq 100 199); do
		entries+=("$(printf '8086:%04x' "$i")" "0000:00:1f.$((i % 8))  # comment $i")
	done
	list "# a long list" "${entries[@]}" "1af4:1110 1af4:ffff"
	run -0 "$HELPER" --check
	strace -f -qq -e trace=execve,fork,vfork,clone,clone3 -o "$BATS_TEST_TMPDIR/strace" \
		"$HELPER" 0000:00:04.0
	[ "$(grep -c . "$BATS_TEST_TMPDIR/strace")" -eq 1 ] ||
		fail "$(head -n 5 "$BATS_TEST_TMPDIR/strace")"
	grep -q "execve(\"$HELPER\"" "$BATS_TEST_TMPDIR/strace"
	calls_are
}

@test "shellcheck: the helper is clean POSIX sh" {
	run -0 shellcheck -s sh "$HELPER"
}
