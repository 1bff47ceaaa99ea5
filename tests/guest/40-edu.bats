#!/usr/bin/env bats
# QEMU's edu device: MSI and INTx, delivered to an eventfd and through
# /dev/uioN (read the event count, write 1 to re-enable).  Writing BAR0
# 0x60 raises the interrupt, 0x64 acknowledges it.

bats_require_minimum_version 1.5.0

load lib/common

setup_file() {
	module_unload
	module_load
	dev_bind "$EDU_BDF"
}

teardown_file() {
	module_unload
}

setup() {
	edu_ack
}

teardown() {
	listen_stop
	uio_fd_close
	WAIT_SECONDS=10 wait_until no_irqs "$EDU_BDF"
}

edu_raise() { "$PCIMEM" "$EDU_BDF" 0 write32 0x60 1; }
edu_ack() { "$PCIMEM" "$EDU_BDF" 0 write32 0x64 0xffffffff; }

set_mode() {
	echo "$1" >"$(attr_path "$EDU_BDF" "$ATTR_MODE")"
	[ "$(attr "$EDU_BDF" "$ATTR_MODE")" = "$1" ]
}

# Raise once and wait until the listener has received its $1th interrupt.
raise_and_wait() {
	edu_raise
	wait_until listen_received "$LISTEN_OUT" 0 "$1"
}

@test "msi: interrupts reach the eventfd, exactly" {
	set_mode "$MODE_MSI"
	listen_start "$EDU_BDF" 0 --count 3 --timeout 60
	bus_master_on "$EDU_BDF"
	local n
	for n in 1 2 3; do
		raise_and_wait "$n"
		edu_ack
	done
	listen_wait
	[ "$(listen_count "$LISTEN_OUT" 0)" -eq 3 ]
}

@test "msi: /dev/uioN read returns the event count" {
	set_mode "$MODE_MSI"
	uio_open "$EDU_BDF"
	local first second
	edu_raise
	first=$(uio_read)
	edu_ack
	edu_raise
	second=$(uio_read)
	edu_ack
	[ "$second" -eq $((first + 1)) ]
	uio_read_blocks 2
}

@test "intx: the handler masks INTx, /dev/uioN write 1 re-enables it" {
	set_mode "$MODE_INTX"
	uio_open "$EDU_BDF"
	has_irq "$EDU_BDF" 0
	# INTx needs no bus mastering; the driver leaves it off.
	bus_master_off "$EDU_BDF"
	intx_enabled "$EDU_BDF"
	local _ count last=
	for _ in 1 2 3; do
		edu_raise
		count=$(uio_read)
		[ -z "$last" ] || [ "$count" -eq $((last + 1)) ]
		last=$count
		# Masked by the handler until user space is done.
		intx_disabled "$EDU_BDF"
		edu_ack
		uio_irqcontrol 1
		intx_enabled "$EDU_BDF"
	done
	uio_read_blocks 2
}

@test "intx: re-enabling while the device still asserts delivers it again" {
	set_mode "$MODE_INTX"
	uio_open "$EDU_BDF"
	local count
	edu_raise
	count=$(uio_read)
	# Not acknowledged: still pending, so write 1 reports it once more.
	uio_irqcontrol 1
	[ "$(uio_read)" -eq $((count + 1)) ]
	intx_disabled "$EDU_BDF"
	edu_ack
	uio_irqcontrol 1
	intx_enabled "$EDU_BDF"
	uio_read_blocks 2
}

@test "intx: interrupts reach an eventfd bound to vector 0" {
	set_mode "$MODE_INTX"
	listen_start "$EDU_BDF" 0 --count 3 --timeout 60
	# /dev/uioN is only used to re-enable INTx: the eventfd has priority.
	uio_open "$EDU_BDF"
	local n
	for n in 1 2 3; do
		raise_and_wait "$n"
		intx_disabled "$EDU_BDF"
		edu_ack
		uio_irqcontrol 1
	done
	listen_wait
	[ "$(listen_count "$LISTEN_OUT" 0)" -eq 3 ]
	uio_read_blocks 2
}

@test "intx: without a listener the line is released and INTx stays masked" {
	set_mode "$MODE_INTX"
	[ -z "$(irq_vectors "$EDU_BDF")" ]
	intx_disabled "$EDU_BDF"
	edu_raise
	sleep 0.5
	edu_ack
	[ -z "$(irq_vectors "$EDU_BDF")" ]
	set_mode "$MODE_MSI"
}
