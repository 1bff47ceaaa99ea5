#!/usr/bin/env bats
# Concurrency: several processes bind, rebind and unbind random vectors of
# ivshmem while another rings every vector continuously, for a bounded
# time.  No process may see an error, no eventfd may count more interrupts
# than were rung on its vector (summed over every process's eventfds of
# that vector), and afterwards the device is clean and delivers.  The
# kernel-log gate checks for reports.

bats_require_minimum_version 1.5.0

load lib/rel

SECONDS_RUN=${UIO_MSI_CONCURRENCY_SECONDS:-60}
PROCS=${UIO_MSI_CONCURRENCY_PROCS:-4}

setup() {
	ivshmem_fresh
}

teardown() {
	pids_kill
	module_unload
}

@test "$PROCS processes churn bindings of all vectors while every vector fires (${SECONDS_RUN}s)" {
	local nvec=$UIO_MSI_IVSHMEM_VECTORS dir i pid status=0
	local -A rung counted
	dir=$(mktemp -d)
	"$RELTOOL" fire "$IVSHMEM_BDF" "$nvec" "$SECONDS_RUN" >"$dir/fire" &
	PIDS+=($!)
	for ((i = 0; i < PROCS; i++)); do
		"$RELTOOL" churn "$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")" \
			"$nvec" "$SECONDS_RUN" $((1000 + i)) >"$dir/churn$i" 2>&1 &
		PIDS+=($!)
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" || status=$?
	done
	PIDS=()
	[ "$status" -eq 0 ] || fail "a process failed: $(cat "$dir"/churn*)"
	figure concurrent_seconds "$SECONDS_RUN"

	local v n word
	while read -r word v word n; do
		rung[$v]=$n
	done <"$dir/fire"
	for ((i = 0; i < PROCS; i++)); do
		grep -q '^ops [1-9]' "$dir/churn$i"
		while read -r word v word n; do
			[ "$word" = counted ] || continue
			counted[$v]=$((${counted[$v]:-0} + n))
		done <"$dir/churn$i"
	done
	local total=0
	for ((v = 0; v < nvec; v++)); do
		[ "${rung[$v]:-0}" -gt 0 ] || fail "vector $v never rung"
		echo "vector $v: rung ${rung[$v]}, counted ${counted[$v]:-0}"
		[ "${counted[$v]:-0}" -le "${rung[$v]}" ] ||
			fail "vector $v: ${counted[$v]} interrupts counted, only ${rung[$v]} rung"
		total=$((total + ${counted[$v]:-0}))
	done
	# Bindings were in place most of the time: interrupts did arrive.
	[ "$total" -gt 0 ]

	WAIT_SECONDS=30 wait_until no_irqs "$IVSHMEM_BDF"
	bus_master_off "$IVSHMEM_BDF"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = "$nvec" ]
	delivery_works "$IVSHMEM_BDF" 0
	delivery_works "$IVSHMEM_BDF" $((nvec - 1))
}
