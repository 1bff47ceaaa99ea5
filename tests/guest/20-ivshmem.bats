#!/usr/bin/env bats
# MSI-X delivery on ivshmem-doorbell: every vector to its own eventfd, with
# exact counts, and the life cycle of a binding.  Interrupts are real: the
# guest rings the device's doorbell, QEMU raises the MSI-X vector.

bats_require_minimum_version 1.5.0

load lib/common

setup_file() {
	module_unload
	module_load
	dev_bind "$IVSHMEM_BDF"
}

teardown_file() {
	module_unload
}

teardown() {
	listen_stop
	uio_fd_close
	[ -z "${CHILD_PID:-}" ] || kill -9 "$CHILD_PID" 2>/dev/null || true
	WAIT_SECONDS=10 wait_until no_irqs "$IVSHMEM_BDF"
}

vectors() { attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT"; }


@test "every vector delivers exactly its own interrupts to its own eventfd" {
	local n v total=0 pairs=()
	n=$(vectors)
	[ "$n" -ge 8 ]
	for ((v = 0; v < n; v++)); do
		pairs+=("$v:$((v + 1))")
		total=$((total + v + 1))
	done
	listen_start "$IVSHMEM_BDF" all --count "$total" --timeout 120
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" "${pairs[@]}"
	listen_wait
	for ((v = 0; v < n; v++)); do
		[ "$(listen_count "$LISTEN_OUT" "$v")" -eq $((v + 1)) ] ||
			fail "vector $v: $(listen_count "$LISTEN_OUT" "$v") interrupts, fired $((v + 1))"
	done
}

@test "a vector holds an IRQ named uio_msi[V](BDF) only while listened" {
	[ -z "$(irq_vectors "$IVSHMEM_BDF")" ]
	listen_start "$IVSHMEM_BDF" 2 5
	[ "$(irq_vectors "$IVSHMEM_BDF")" = "2 5" ]
	listen_stop
	WAIT_SECONDS=10 wait_until no_irqs "$IVSHMEM_BDF"
}

@test "bus mastering is on only while someone listens; the kernel is tainted once" {
	bus_master_off "$IVSHMEM_BDF"
	local before
	before=$(dmesg | grep -c "$IVSHMEM_BDF: bus mastering on for a user-space driver" || true)
	listen_start "$IVSHMEM_BDF" 0
	bus_master_on "$IVSHMEM_BDF"
	taint_user
	listen_stop
	WAIT_SECONDS=10 wait_until bus_master_off "$IVSHMEM_BDF"
	listen_start "$IVSHMEM_BDF" 1
	bus_master_on "$IVSHMEM_BDF"
	listen_stop
	WAIT_SECONDS=10 wait_until bus_master_off "$IVSHMEM_BDF"
	local after
	after=$(dmesg | grep -c "$IVSHMEM_BDF: bus mastering on for a user-space driver")
	# Once per bound device: a first listen in this file, or an earlier one.
	[ "$after" -le 1 ] || [ "$after" -eq "$before" ]
	[ "$after" -ge 1 ]
}

@test "unbinding a vector (VEC -1) stops its delivery" {
	listen_start "$IVSHMEM_BDF" 3 --count 1 --timeout 3
	has_irq "$IVSHMEM_BDF" 3
	echo "3 -1" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")"
	no_irq "$IVSHMEM_BDF" 3
	ivshmem_ring 3
	listen_wait_status 3
	[ "$(listen_count "$LISTEN_OUT" 3)" -eq 0 ]
	# Unbinding a vector that has no eventfd is not an error.
	echo "3 -1" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")"
	# The device kept it pending (MSI-X): the next listener gets it once.
	run -0 "$TOOL" listen "$IVSHMEM_BDF" 3 --count 1 --timeout 10
	run -3 "$TOOL" listen "$IVSHMEM_BDF" 3 --count 1 --timeout 2
}

@test "binding another eventfd to a vector replaces the first" {
	local first_out first_pid
	# The first listener waits long enough to be alive, and bound had it
	# not been replaced, when the interrupt comes.
	listen_start "$IVSHMEM_BDF" 1 --count 1 --timeout 300
	first_out=$LISTEN_OUT
	first_pid=$LISTEN_PID
	CHILD_PID=$first_pid
	listen_start "$IVSHMEM_BDF" 1 --count 1 --timeout 60
	[ "$(irq_vectors "$IVSHMEM_BDF")" = 1 ]
	kill -0 "$first_pid"
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 1 1
	listen_wait
	[ "$(listen_count "$LISTEN_OUT" 1)" -eq 1 ]
	# The first listener, still waiting, never got it.
	sleep 1
	kill -0 "$first_pid"
	[ "$(listen_count "$first_out" 1)" -eq 0 ]
	kill "$first_pid"
	wait "$first_pid" || true
	CHILD_PID=
	[ "$(listen_count "$first_out" 1)" -eq 0 ]
}

@test "a killed listener's binding is released: IRQ, bus mastering" {
	listen_start "$IVSHMEM_BDF" 4 6
	[ "$(irq_vectors "$IVSHMEM_BDF")" = "4 6" ]
	kill -KILL "$LISTEN_PID"
	wait "$LISTEN_PID" || true
	LISTEN_PID=
	WAIT_SECONDS=10 wait_until no_irqs "$IVSHMEM_BDF"
	WAIT_SECONDS=10 wait_until bus_master_off "$IVSHMEM_BDF"
}

@test "a binding lasts while any process holds the eventfd" {
	# exec passes the eventfd to sleep as fd 3; killing the tool alone
	# leaves sleep holding it.
	"$TOOL" exec "$IVSHMEM_BDF" --vectors 6 -- sleep 1000 &
	local tool_pid=$!
	wait_until has_irq "$IVSHMEM_BDF" 6
	CHILD_PID=$(pgrep -P "$tool_pid" sleep)
	kill -KILL "$tool_pid"
	wait "$tool_pid" || true
	sleep 1
	has_irq "$IVSHMEM_BDF" 6
	kill -KILL "$CHILD_PID"
	CHILD_PID=
	WAIT_SECONDS=10 wait_until no_irq "$IVSHMEM_BDF" 6
}

@test "/dev/uioN receives vector 0 while no eventfd is bound to it" {
	uio_open "$IVSHMEM_BDF"
	has_irq "$IVSHMEM_BDF" 0
	bus_master_on "$IVSHMEM_BDF"
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 0 1
	[ "$(uio_read)" -eq 1 ]
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 0 2
	[ "$(uio_read)" -eq 3 ]
	# Vector 1 is not the UIO device's.
	ivshmem_ring 1
	uio_read_blocks 2
	run -0 "$TOOL" listen "$IVSHMEM_BDF" 1 --count 1 --timeout 10
	uio_fd_close
	WAIT_SECONDS=10 wait_until no_irq "$IVSHMEM_BDF" 0
	bus_master_off "$IVSHMEM_BDF"
}

@test "an eventfd bound to vector 0 takes its interrupts from /dev/uioN" {
	uio_open "$IVSHMEM_BDF"
	listen_start "$IVSHMEM_BDF" 0 --count 2 --timeout 60
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 0 2
	listen_wait
	[ "$(listen_count "$LISTEN_OUT" 0)" -eq 2 ]
	uio_read_blocks 2
	# The eventfd is unbound on exit: /dev/uioN gets vector 0 again.
	has_irq "$IVSHMEM_BDF" 0
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 0 1
	[ "$(uio_read)" -ge 1 ]
	uio_fd_close
}

@test "write 0/1 to /dev/uioN masks and unmasks vector 0; masked interrupts wait" {
	uio_open "$IVSHMEM_BDF"
	local count
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 0 1
	count=$(uio_read)
	uio_irqcontrol 0
	ivshmem_ring 0
	uio_read_blocks 2
	uio_irqcontrol 1
	[ "$(uio_read)" -eq $((count + 1)) ]
	uio_fd_close
}

@test "closing /dev/uioN lifts its mask of vector 0 for a bound eventfd" {
	# Listener first: it would inherit the /dev/uioN descriptor otherwise.
	listen_start "$IVSHMEM_BDF" 0 --count 1 --timeout 60
	uio_open "$IVSHMEM_BDF"
	uio_irqcontrol 0
	uio_fd_close
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 0 1
	listen_wait
}
