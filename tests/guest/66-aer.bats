#!/usr/bin/env bats
# PIDS is per test: bats runs a test with its setup and teardown in one
# process, which shellcheck sees as subshells.
# shellcheck disable=SC2030,SC2031
# AER: errors injected by QEMU (pcie_aer_inject_error, through the
# monitor) into aernet0, one of two virtio-net functions behind a root
# port, both bound to uio_msi.  Each error the PCI core reports reaches
# error_eventfd; uio_msi lets recovery proceed for the whole hierarchy (a
# driver without error callbacks makes it fail for every device under the
# port); after recovery the bindings deliver.  A virtio function raises
# its configuration vector on a link change (set_link), once set up by
# virtio-config-irq (again after a fatal error, which resets the link and
# so the device).

bats_require_minimum_version 1.5.0

load lib/common

setup_file() {
	module_unload
	module_load
	dev_bind "$AERNET0_BDF"
	dev_bind "$AERNET1_BDF"
}

teardown_file() {
	devices_release
}

setup() {
	PIDS=()
}

teardown() {
	pids_kill
	listen_stop
}

# error_listener BDF: a process counting BDF's error notices, writing to
# notice_file BDF.
notice_file() { echo "$BATS_TEST_TMPDIR/errors-${1//[:.]/_}"; }
error_listener() {
	local out
	out=$(notice_file "$1")
	"$RELTOOL" notice "$(attr_path "$1" "$ATTR_ERROR_EVENTFD")" >"$out" &
	PIDS+=($!)
	wait_until grep -qx bound "$out"
}
errors_counted() { # BDF: the error notices counted so far
	local n
	n=$(sed -n 's/^notice //p' "$(notice_file "$1")" | tail -n 1)
	echo "${n:-0}"
}
errors_reach() { [ "$(errors_counted "$1")" -ge "$2" ]; }

monitor() { "$QEMU_MONITOR" "$@"; }

# The kernel's own verdict on the last recovery, as logged.
recoveries() { dmesg | grep -c "AER: device recovery successful" || true; }
recoveries_above() { [ "$(recoveries)" -gt "$1" ]; }
# 6.1: "Corrected error message received"; 6.x later and 7.x:
# "Correctable error message received".
corrected() { dmesg | grep -cE "AER: Correct(ed|able) error message received" || true; }
corrected_above() { [ "$(corrected)" -gt "$1" ]; }
failures() { dmesg | grep -cE "AER: device recovery failed|can't recover \(no error_detected callback\)" || true; }

# Listen to aernet0's configuration vector and check it delivers on a
# link change (the device set up again first).
config_vector_delivers() {
	listen_start "$AERNET0_BDF" 0 --count 1 --timeout 60
	"$VIRTIO_CONFIG_IRQ" "$AERNET0_BDF" 0
	monitor "set_link aernet0 off"
	listen_wait || fail "no configuration interrupt after set_link"
	monitor "set_link aernet0 on"
}

# kernel_reports_corrected: whether this kernel passes corrected errors to
# drivers (pci_error_handlers.cor_error_detected), as the module's feature
# test decided when it was built for it.
kernel_reports_corrected() {
	if [ -r /sys/kernel/btf/vmlinux ]; then
		grep -qa cor_error_detected /sys/kernel/btf/vmlinux
	else
		grep -q cor_error_detected \
			"$(readlink -f "/lib/modules/$(uname -r)/source")/include/linux/pci.h"
	fi
}

@test "both functions have AER and are bound; the configuration vector delivers" {
	[ -n "$(pci_cap_offset "$AERNET0_BDF" 10)" ]	# PCI Express
	[ "$(attr "$AERNET0_BDF" "$ATTR_MODE")" = "$MODE_MSIX" ]
	[ "$(attr "$AERNET1_BDF" "$ATTR_MODE")" = "$MODE_MSIX" ]
	config_vector_delivers
}

@test "a corrected error is counted where the kernel reports it to drivers" {
	error_listener "$AERNET0_BDF"
	local before
	before=$(corrected)
	monitor "pcie_aer_inject_error -c aernet0 0x1"	# Receiver Error (RCVR)
	WAIT_SECONDS=30 wait_until corrected_above "$before"
	if kernel_reports_corrected; then
		WAIT_SECONDS=30 wait_until errors_reach "$AERNET0_BDF" 1
	else
		# 5.10 and 6.1 only log it: nothing reaches a driver.
		sleep 2
		[ "$(errors_counted "$AERNET0_BDF")" -eq 0 ]
	fi
}

@test "an uncorrectable non-fatal error: both functions told, recovery succeeds, interrupts work" {
	local ok_before failed_before
	error_listener "$AERNET0_BDF"
	error_listener "$AERNET1_BDF"
	ok_before=$(recoveries)
	failed_before=$(failures)
	monitor "pcie_aer_inject_error aernet0 POISON_TLP"
	WAIT_SECONDS=60 wait_until errors_reach "$AERNET0_BDF" 1
	WAIT_SECONDS=60 wait_until errors_reach "$AERNET1_BDF" 1
	WAIT_SECONDS=60 wait_until recoveries_above "$ok_before"
	[ "$(failures)" -eq "$failed_before" ] || fail "$(dmesg | grep AER | tail -n 20)"
	[ "$(errors_counted "$AERNET0_BDF")" -eq 1 ]
	[ "$(errors_counted "$AERNET1_BDF")" -eq 1 ]
	config_vector_delivers
}

@test "a fatal error: the link is reset and recovered for both functions; interrupts work after" {
	local ok_before failed_before
	error_listener "$AERNET0_BDF"
	error_listener "$AERNET1_BDF"
	# A listener during the error: its binding must survive the reset.
	listen_start "$AERNET1_BDF" 0
	local listener=$LISTEN_PID
	ok_before=$(recoveries)
	failed_before=$(failures)
	monitor "pcie_aer_inject_error aernet0 MALF_TLP"
	WAIT_SECONDS=60 wait_until errors_reach "$AERNET0_BDF" 1
	WAIT_SECONDS=60 wait_until errors_reach "$AERNET1_BDF" 1
	WAIT_SECONDS=60 wait_until recoveries_above "$ok_before"
	[ "$(failures)" -eq "$failed_before" ] || fail "$(dmesg | grep AER | tail -n 20)"
	# The state uio_msi keeps is back: mode, vectors, the binding, bus
	# mastering for aernet1's listener.
	[ "$(attr "$AERNET1_BDF" "$ATTR_MODE")" = "$MODE_MSIX" ]
	msix_enabled "$AERNET1_BDF"
	has_irq "$AERNET1_BDF" 0
	bus_master_on "$AERNET1_BDF"
	kill "$listener"
	wait "$listener" || true
	LISTEN_PID=
	WAIT_SECONDS=10 wait_until bus_master_off "$AERNET1_BDF"
	# The reset cleared the virtio device's own setup: set it up again.
	config_vector_delivers
}
