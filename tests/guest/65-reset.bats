#!/usr/bin/env bats
# PIDS is per test: bats runs a test with its setup and teardown in one
# process, which shellcheck sees as subshells.
# shellcheck disable=SC2030,SC2031
# Function resets (the PCI reset file; here a bus reset, ivshmem2 being
# alone behind its root port) while vectors are bound and firing, and
# racing binds and unbinds from other processes.  The PCI core saves the
# config space before a reset and restores it after: a listener that came
# or went in between would find bus mastering wrong.  After every reset
# the bindings deliver; at the end bus mastering matches the listeners.

bats_require_minimum_version 1.5.0

load lib/common

RESETS=${UIO_MSI_RESET_ROUNDS:-8}
RACE_SECONDS=${UIO_MSI_RESET_RACE_SECONDS:-20}

setup_file() {
	module_unload
	module_load
	dev_bind "$IVSHMEM2_BDF"
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

reset_function() { echo 1 >"$(pci_dir "$IVSHMEM2_BDF")/reset"; }

@test "ivshmem2 can be reset (its bus)" {
	[[ $(cat "$(pci_dir "$IVSHMEM2_BDF")/reset_method") == *bus* ]]
	[ "$(attr "$IVSHMEM2_BDF" "$ATTR_MODE")" = "$MODE_MSIX" ]
}

@test "reset while every vector is bound: each vector delivers after each of $RESETS resets" {
	local round v
	listen_start "$IVSHMEM2_BDF" all
	for ((round = 1; round <= RESETS; round++)); do
		reset_function
		bus_master_on "$IVSHMEM2_BDF"
		msix_enabled "$IVSHMEM2_BDF"
		for v in 0 1 2 3; do
			"$IVSHMEM_FIRE" "$IVSHMEM2_BDF" "$v" 1
			wait_until listen_received "$LISTEN_OUT" "$v" "$round" ||
				fail "reset $round: vector $v did not deliver"
		done
	done
	listen_stop
	WAIT_SECONDS=10 wait_until no_irqs "$IVSHMEM2_BDF"
	bus_master_off "$IVSHMEM2_BDF"
}

@test "resets racing binds and unbinds for ${RACE_SECONDS}s: bus mastering matches the listeners after" {
	local attr end out
	attr=$(attr_path "$IVSHMEM2_BDF" "$ATTR_EVENTFD")
	out=$(mktemp)
	# The resets and the churn share CPU 0 (they still interleave, the
	# reset holding the device lock that binds wait for): QEMU 10.0's
	# multi-threaded TCG once aborted here ("iotlb_to_section: Assertion
	# `section_index < d->map.sections_nb' failed") when the other vCPU
	# touched MMIO while a reset changed the memory map.
	taskset -pc 0 "$BASHPID" >/dev/null
	# Bindings come and go on every vector meanwhile.
	"$RELTOOL" churn "$attr" 4 "$RACE_SECONDS" 7 >"$out" 2>&1 &
	PIDS+=($!)
	end=$((SECONDS + RACE_SECONDS + 2))
	while ((SECONDS < end)); do
		reset_function
	done
	wait "${PIDS[0]}" || fail "churn failed: $(cat "$out")"
	PIDS=()
	grep -q '^ops [1-9]' "$out"
	# Nobody listens now: no IRQ, and bus mastering off, in the device.
	WAIT_SECONDS=10 wait_until no_irqs "$IVSHMEM2_BDF"
	bus_master_off "$IVSHMEM2_BDF" || fail "bus mastering on with no listener after the resets"
	# And the function still works after it all.
	listen_start "$IVSHMEM2_BDF" 2 --count 1 --timeout 60
	bus_master_on "$IVSHMEM2_BDF"
	"$IVSHMEM_FIRE" "$IVSHMEM2_BDF" 2 1
	listen_wait
}
