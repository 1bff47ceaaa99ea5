#!/usr/bin/env bats
# PIDS is per test: bats runs a test with its setup and teardown in one
# process, which shellcheck sees as subshells.
# shellcheck disable=SC2030,SC2031
# irq_count while vectors are live.  Where the kernel has dynamic MSI-X
# (resize_live reads 1: 6.2 and later), growing works with vectors bound
# and firing, and shrinking works above the last listened vector; the
# bound vectors keep their IRQs, eventfds, masks and counts, and no
# interrupt is lost or duplicated.  Elsewhere (5.10, 6.1; msi and intx
# modes) a change needs every vector free: EBUSY, nothing changed.

bats_require_minimum_version 1.5.0

load lib/common

setup() {
	ivshmem_fresh
}

teardown() {
	ivshmem_teardown
	devices_release
}

count_path() { attr_path "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT"; }
live() { [ "$(attr "$IVSHMEM_BDF" "$ATTR_RESIZE_LIVE")" = 1 ]; }

@test "resize_live says whether irq_count can change under listeners (msix here; never in msi or intx)" {
	local value
	value=$(attr "$IVSHMEM_BDF" "$ATTR_RESIZE_LIVE")
	[ "$value" = 0 ] || [ "$value" = 1 ]
	dev_bind "$EDU_BDF"
	[ "$(attr "$EDU_BDF" "$ATTR_RESIZE_LIVE")" = 0 ]
	echo "$MODE_INTX" >"$(attr_path "$EDU_BDF" "$ATTR_MODE")"
	[ "$(attr "$EDU_BDF" "$ATTR_RESIZE_LIVE")" = 0 ]
}

@test "msi (edu): irq_count cannot change under a listener: EBUSY, nothing changed" {
	dev_bind "$EDU_BDF"
	listen_start "$EDU_BDF" 0
	expect_write "$EDU_BDF" "$ATTR_IRQ_COUNT" EBUSY -- 1
	listen_stop
	WAIT_SECONDS=10 wait_until no_irqs "$EDU_BDF"
	echo 1 >"$(attr_path "$EDU_BDF" "$ATTR_IRQ_COUNT")"
}

# fire_rounds OUT ROUNDS: fire vectors 0-3 once each per round, each
# waited for (exact counts), in the background; OUT gets "finished" at the end.
fire_rounds() {
	(
		for ((r = 0; r < $2; r++)); do
			"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 0:1 1:1 2:1 3:1 || exit 1
		done
		echo finished >"$1"
	) &
	PIDS+=($!)
}

@test "irq_count 4 -> max -> 8 while vectors 0-3 are bound and firing: live, or EBUSY; counts exact" {
	local max done_file rounds=20 v mask_before
	max=$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_MAX")
	echo 4 >"$(count_path)"
	echo "1 1" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MASK")"
	echo "1 0" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MASK")"
	mask_before=$(attr "$IVSHMEM_BDF" "$ATTR_MASK")
	listen_start "$IVSHMEM_BDF" 0-3
	local irqs_before
	irqs_before=$(grep -E "uio_msi\[[0-3]\]\($IVSHMEM_BDF\)" /proc/interrupts | awk '{ print $1 }' | tr '\n' ' ')
	done_file=$(mktemp -u)
	fire_rounds "$done_file" "$rounds"
	sleep 1
	if live; then
		echo "$max" >"$(count_path)"
		[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = "$max" ]
		sleep 1
		echo 8 >"$(count_path)"
		[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = 8 ]
	else
		# 5.10 and 6.1: the vectors would be re-allocated.
		expect_write "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT" EBUSY -- "$max" 8 4
	fi
	WAIT_SECONDS=240 wait_until test -e "$done_file"
	wait "${PIDS[0]}"
	PIDS=()
	for v in 0 1 2 3; do
		wait_until listen_received "$LISTEN_OUT" "$v" "$rounds"
		sleep 0.5
		[ "$(listen_count "$LISTEN_OUT" "$v")" -eq "$rounds" ] ||
			fail "vector $v: $(listen_count "$LISTEN_OUT" "$v") interrupts for $rounds fired"
	done
	# The bound vectors kept their IRQs throughout.
	[ "$(grep -E "uio_msi\[[0-3]\]\($IVSHMEM_BDF\)" /proc/interrupts | awk '{ print $1 }' | tr '\n' ' ')" = "$irqs_before" ]
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_MASK")" = "$mask_before" ]
}

@test "live (where resize_live is 1): a new top vector delivers; masks survive; shrinking below a bound vector is EBUSY" {
	if ! live; then
		# Not a skip: what this kernel does instead, on the same device.
		listen_start "$IVSHMEM_BDF" 6
		expect_write "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT" EBUSY -- 4 16
		return 0
	fi
	local max first first_out first_err
	max=$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_MAX")
	echo 4 >"$(count_path)"
	echo "2 1" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MASK")"
	listen_start "$IVSHMEM_BDF" 0-3
	first=$LISTEN_PID first_out=$LISTEN_OUT first_err=$LISTEN_ERR
	echo "$max" >"$(count_path)"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_MASK")" = 2 ]
	# The new top vector, bound while the others are.
	listen_start "$IVSHMEM_BDF" $((max - 1)) --count 1 --timeout 60
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" $((max - 1)) 1
	listen_wait
	# A listener on a vector above the new count: EBUSY, nothing changed.
	listen_start "$IVSHMEM_BDF" 6
	expect_write "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT" EBUSY -- 4 6 1
	listen_stop
	# Back to the first listener (listen_start replaced its files too).
	LISTEN_PID=$first LISTEN_OUT=$first_out LISTEN_ERR=$first_err
	# Now the top listened vector is 3: down to 4 works, and vector 4 is gone.
	echo 4 >"$(count_path)"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = 4 ]
	expect_write "$IVSHMEM_BDF" "$ATTR_EVENTFD" ERANGE --eventfd 3 -- '4 3'
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_MASK")" = 2 ]
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 0 1
	wait_until listen_received "$LISTEN_OUT" 0 1
	listen_stop
}
