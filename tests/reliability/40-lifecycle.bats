#!/usr/bin/env bats
# PIDS is per test: bats runs a test with its setup and teardown in one
# process, which shellcheck sees as subshells.
# shellcheck disable=SC2030,SC2031
# Lifecycle under abuse, beyond tests/guest/60-lifecycle.bats: SIGKILL of
# processes blocked in read() (on a bound eventfd, on /dev/uioN), the
# device leaving while such processes are still alive and then killed,
# rmmod against a blocked reader, 10,000 bind/unbind cycles, and mode /
# irq_count churn between bindings.  After each: no IRQ line, bus
# mastering off, and the device still delivers.

bats_require_minimum_version 1.5.0

load lib/rel

CYCLES=${UIO_MSI_BIND_CYCLES:-10000}

setup() {
	ivshmem_fresh
}

teardown() {
	ivshmem_teardown
	echo >"$(pci_dir "$EDU_BDF")/driver_override"
}

# start_binder VEC: a process blocked in read() on an eventfd bound to VEC.
start_binder() {
	local out
	out=$(mktemp)
	"$RELTOOL" binder "$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")" "$1" 1000000 >"$out" &
	PIDS+=($!)
	wait_until grep -q "^bound $1\$" "$out"
	# Blocked in read(): its kernel stack sits in eventfd_read.
	wait_until blocked_in_read $!
}
blocked_in_read() { grep -q '^State:.*S (sleeping)' /proc/"$1"/status; }

# start_uio_reader: a process blocked in read() on /dev/uioN.
start_uio_reader() {
	dd if=/dev/"$(uio_node "$IVSHMEM_BDF")" of=/dev/null bs=4 count=1 status=none &
	PIDS+=($!)
	wait_until has_irq "$IVSHMEM_BDF" 0
}

# kill_wait PID: SIGKILL and reap it; it must have died of SIGKILL.
kill_wait() {
	local status=0
	kill -KILL "$1"
	wait "$1" || status=$?
	[ "$status" -eq 137 ] || fail "pid $1 exited with $status, not by SIGKILL"
}

released() {
	WAIT_SECONDS=30 wait_until no_irqs "$IVSHMEM_BDF"
	bus_master_off "$IVSHMEM_BDF"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_MODE")" = "$MODE_MSIX" ]
}

@test "SIGKILL of a process blocked in read() on a bound eventfd" {
	start_binder 2
	has_irq "$IVSHMEM_BDF" 2
	bus_master_on "$IVSHMEM_BDF"
	kill_wait "${PIDS[0]}"
	PIDS=()
	released
	delivery_works "$IVSHMEM_BDF" 2
	released
}

@test "SIGKILL of a process blocked in read() on /dev/uioN" {
	start_uio_reader
	bus_master_on "$IVSHMEM_BDF"
	kill_wait "${PIDS[0]}"
	PIDS=()
	released
	# Vector 0 goes back to an eventfd normally.
	delivery_works "$IVSHMEM_BDF" 0
	released
}

@test "SIGKILL of several blocked processes at once (eventfds and /dev/uioN)" {
	local v
	for v in 1 4 9 15; do
		start_binder "$v"
	done
	start_uio_reader
	"$BATS_TEST_DIRNAME"/../guest/lib/bind-many.py \
		"$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")" 5 8 --block-read >/dev/null &
	PIDS+=($!)
	wait_until irq_vectors_are "$IVSHMEM_BDF" "0 1 4 5 6 7 8 9 15"
	kill -KILL "${PIDS[@]}"
	for v in "${PIDS[@]}"; do
		wait "$v" || true
	done
	PIDS=()
	released
}

@test "PCI removal while a reader blocks, then SIGKILL of the reader after it" {
	start_binder 3
	start_uio_reader
	echo 1 >"$(pci_dir "$IVSHMEM_BDF")/remove"
	[ ! -e "$(pci_dir "$IVSHMEM_BDF")" ]
	[ "$(irq_total)" = 0 ]
	# The eventfd reader outlives the device; killing it now touches no
	# freed binding.
	kill_wait "${PIDS[0]}"
	wait "${PIDS[1]}" || true
	PIDS=()
	echo 1 >/sys/bus/pci/rescan
	wait_until test -e "$(pci_dir "$IVSHMEM_BDF")"
	dev_bind "$IVSHMEM_BDF"
	released
	delivery_works "$IVSHMEM_BDF" 3
}

@test "driver unbind while a reader blocks, rebind, then SIGKILL of the old reader" {
	start_binder 7
	echo "$IVSHMEM_BDF" >/sys/bus/pci/drivers/"$DRIVER"/unbind
	[ "$(dev_driver "$IVSHMEM_BDF")" = none ]
	[ "$(irq_total)" = 0 ]
	bus_master_off "$IVSHMEM_BDF"
	echo "$IVSHMEM_BDF" >/sys/bus/pci/drivers_probe
	[ "$(dev_driver "$IVSHMEM_BDF")" = "$DRIVER" ]
	# The old eventfd belongs to no binding of the new instance.
	kill_wait "${PIDS[0]}"
	PIDS=()
	released
	delivery_works "$IVSHMEM_BDF" 7
}

@test "rmmod against a reader blocked on /dev/uioN: refused, then clean after SIGKILL" {
	start_uio_reader
	start_binder 11
	run ! rmmod "$DRIVER"
	[[ $output == *"in use"* ]]
	[ "$(dev_driver "$IVSHMEM_BDF")" = "$DRIVER" ]
	irq_vectors_are "$IVSHMEM_BDF" "0 11"
	kill_wait "${PIDS[0]}"
	WAIT_SECONDS=30 wait_until irq_vectors_are "$IVSHMEM_BDF" 11
	rmmod "$DRIVER"
	[ "$(irq_total)" = 0 ]
	# The binder is still blocked in read(), on an eventfd nobody signals.
	kill -0 "${PIDS[1]}"
	kill_wait "${PIDS[1]}"
	PIDS=()
}

@test "$CYCLES bind/unbind cycles of one eventfd" {
	local before
	before=$(dev_state "$IVSHMEM_BDF")
	run -0 "$RELTOOL" cycles "$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")" 5 "$CYCLES"
	[ "$output" = "cycles $CYCLES" ]
	figure bind_cycles "$CYCLES"
	[ "$(dev_state "$IVSHMEM_BDF")" = "$before" ]
	released
	delivery_works "$IVSHMEM_BDF" 5
}

@test "mode and irq_count churn between bindings (ivshmem MSI-X, edu MSI/INTx)" {
	local i n v mode
	RANDOM=4242
	for ((i = 0; i < 40; i++)); do
		if ((RANDOM % 4 == 0)); then
			echo "$MODE_NONE" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")"
			[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = 0 ]
			echo "$MODE_MSIX" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")"
		fi
		n=$((RANDOM % UIO_MSI_IVSHMEM_VECTORS + 1))
		echo "$n" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")"
		[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = "$n" ]
		v=$((RANDOM % n))
		delivery_works "$IVSHMEM_BDF" "$v"
		WAIT_SECONDS=30 wait_until no_irqs "$IVSHMEM_BDF"
	done
	echo "$MODE_MSIX" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")"
	released

	dev_bind "$EDU_BDF"
	for ((i = 0; i < 10; i++)); do
		for mode in "$MODE_INTX" "$MODE_NONE" "$MODE_MSI"; do
			echo "$mode" >"$(attr_path "$EDU_BDF" "$ATTR_MODE")"
			[ "$(attr "$EDU_BDF" "$ATTR_MODE")" = "$mode" ]
		done
		echo 1 >"$(attr_path "$EDU_BDF" "$ATTR_IRQ_COUNT")"
		uio_open "$EDU_BDF"
		has_irq "$EDU_BDF" 0
		uio_fd_close
		WAIT_SECONDS=30 wait_until no_irqs "$EDU_BDF"
	done
	bus_master_off "$EDU_BDF"
}
