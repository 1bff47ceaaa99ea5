#!/usr/bin/env bats
# Kernel lockdown raised at run time (echo integrity to securityfs), with
# devices already bound.  Lockdown cannot be lifted again, so this file
# runs last in its VM.  What user space held before is kept (nothing is
# revoked), but nothing new is granted: no new open of /dev/uioN (BAR
# access through mmap), no new eventfd binding (it would turn bus
# mastering, i.e. DMA, on), no new device.  Unbinding, reading, and
# writes that give up access stay allowed.

bats_require_minimum_version 1.5.0

load ../lib/rel

setup_file() {
	module_unload
	module_load
	dev_bind "$IVSHMEM_BDF"
	dev_bind "$EDU_BDF"
}

teardown() {
	listen_stop
	pids_kill
}

@test "raise lockdown to integrity with a listener bound: the binding still delivers" {
	[[ $(cat /sys/kernel/security/lockdown) == *"[none]"* ]]
	listen_start "$IVSHMEM_BDF" 2 --count 1 --timeout 300
	# A ringer that maps the doorbell now: after the lockdown the kernel
	# refuses new mappings of the BAR, not one made before.
	local ring_in ring_out
	ring_in=$(mktemp -u)
	ring_out=$(mktemp)
	mkfifo "$ring_in"
	"$RELTOOL" ring "$IVSHMEM_BDF" <"$ring_in" >"$ring_out" &
	PIDS=($!)
	exec {RING_FD}>"$ring_in"
	wait_until grep -qx mapped "$ring_out"
	echo integrity >/sys/kernel/security/lockdown
	[[ $(cat /sys/kernel/security/lockdown) == *"[integrity]"* ]]
	run -1 "$IVSHMEM_FIRE" "$IVSHMEM_BDF" 2 1
	[[ $output == *"cannot map "*"Operation not permitted"* ]]
	# The binding made before is kept (nothing is revoked) and delivers.
	irq_vectors_are "$IVSHMEM_BDF" 2
	bus_master_on "$IVSHMEM_BDF"
	echo 2 >&"$RING_FD"
	listen_wait
	[ "$(listen_count "$LISTEN_OUT" 2)" -eq 1 ]
	grep -qx 'rung 2' "$ring_out"
	exec {RING_FD}>&-
	wait "${PIDS[0]}"
	PIDS=()
	WAIT_SECONDS=30 wait_until no_irqs "$IVSHMEM_BDF"
	bus_master_off "$IVSHMEM_BDF"
}

@test "under lockdown: binding an eventfd and opening /dev/uioN are EPERM" {
	local before
	before=$(dev_state "$IVSHMEM_BDF")
	expect_errno "$IVSHMEM_BDF" "$ATTR_EVENTFD" EPERM --eventfd 3 -- '0 3' '15 3'
	expect_errno "$EDU_BDF" "$ATTR_EVENTFD" EPERM --eventfd 3 -- '0 3'
	# Privilege before values: a bind with a vector out of range or a
	# descriptor not open is refused as a bind, before ERANGE or EBADF.
	expect_errno "$IVSHMEM_BDF" "$ATTR_EVENTFD" EPERM --eventfd 3 --close 99 -- \
		'16 3' '99999 3' '-1 3' '0 99' '0 -2'
	# Malformed text is still EINVAL: it is no bind at all.
	expect_errno "$IVSHMEM_BDF" "$ATTR_EVENTFD" EINVAL -- '0' '0 x' 'x 3'
	run sh -c "exec 3<>/dev/$(uio_node "$IVSHMEM_BDF")"
	[ "$status" -ne 0 ]
	[[ $output == *"Operation not permitted"* ]]
	[ "$(dev_state "$IVSHMEM_BDF")" = "$before" ]
	bus_master_off "$IVSHMEM_BDF"
	[ "$(irq_total)" = 0 ]
}

@test "under lockdown: unbinding, reading and mode changes that grant nothing work" {
	expect_errno "$IVSHMEM_BDF" "$ATTR_EVENTFD" OK -- '0 -1' '15 -1'
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_MODE")" = "$MODE_MSIX" ]
	echo 4 >"$(attr_path "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = 4 ]
	echo "$MODE_NONE" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_MODE")" = "$MODE_NONE" ]
}

@test "under lockdown: a new probe is refused, unbinding works" {
	echo "$EDU_BDF" >/sys/bus/pci/drivers/"$DRIVER"/unbind
	[ "$(dev_driver "$EDU_BDF")" = none ]
	run sh -c "echo $EDU_BDF >/sys/bus/pci/drivers_probe"
	[ "$(dev_driver "$EDU_BDF")" = none ]
	dmesg | grep -qF "$EDU_BDF: kernel lockdown: not giving user space this device"
	module_unload
	module_unloaded
	echo >"$(pci_dir "$IVSHMEM_BDF")/driver_override"
	echo >"$(pci_dir "$EDU_BDF")/driver_override"
}
