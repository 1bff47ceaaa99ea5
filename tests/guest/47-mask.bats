#!/usr/bin/env bats
# Per-vector masking (the mask attribute) with real interrupts: while a
# vector is masked nothing reaches its listener, and however many
# interrupts came, exactly one is delivered at unmask; its neighbours keep
# delivering; the mask belongs to the vector (it survives rebinding,
# unbinding and /dev/uioN); MSI-X (ivshmem), MSI without per-vector mask
# bits and INTx (edu), and 2048 vectors (nvme) without IRQ churn.

bats_require_minimum_version 1.5.0

load lib/common

setup_file() {
	module_unload
	module_load
	dev_bind "$IVSHMEM_BDF"
	dev_bind "$EDU_BDF"
	dev_bind "$NVME_BDF"
}

teardown_file() {
	devices_release
}

teardown() {
	listen_stop
	uio_fd_close
	local bdf
	# Each test starts with no mask and no listener.
	for bdf in "$IVSHMEM_BDF" "$EDU_BDF"; do
		unmask_all "$bdf"
	done
	WAIT_SECONDS=10 wait_until no_irqs "$IVSHMEM_BDF"
	WAIT_SECONDS=10 wait_until no_irqs "$EDU_BDF"
	edu_ack
}

mask_path() { attr_path "$1" "$ATTR_MASK"; }
masks() { attr "$1" "$ATTR_MASK"; }
mask() { echo "$2 1" >"$(mask_path "$1")"; }
unmask() { echo "$2 0" >"$(mask_path "$1")"; }
unmask_all() {
	local n v
	n=$(attr "$1" "$ATTR_IRQ_COUNT")
	for ((v = 0; v < n; v++)); do
		unmask "$1" "$v"
	done
}

edu_raise() { "$PCIMEM" "$EDU_BDF" 0 write32 0x60 1; }
edu_ack() { "$PCIMEM" "$EDU_BDF" 0 write32 0x64 0xffffffff; }


@test "mask reads the masked vectors in list format, an empty line for none" {
	[ "$(masks "$IVSHMEM_BDF")" = "" ]
	[ "$(cat "$(mask_path "$IVSHMEM_BDF")")" = "" ]
	mask "$IVSHMEM_BDF" 1
	mask "$IVSHMEM_BDF" 3
	mask "$IVSHMEM_BDF" 5
	mask "$IVSHMEM_BDF" 4
	mask "$IVSHMEM_BDF" 15
	[ "$(masks "$IVSHMEM_BDF")" = "1,3-5,15" ]
	# Masking a masked vector, unmasking an unmasked one: no change.
	mask "$IVSHMEM_BDF" 4
	unmask "$IVSHMEM_BDF" 7
	[ "$(masks "$IVSHMEM_BDF")" = "1,3-5,15" ]
	unmask "$IVSHMEM_BDF" 4
	[ "$(masks "$IVSHMEM_BDF")" = "1,3,5,15" ]
}

@test "mask: every error, and nothing changed" {
	mask "$IVSHMEM_BDF" 2
	expect_write "$IVSHMEM_BDF" "$ATTR_MASK" EINVAL -- \
		'1' '1 2' '1 -1' '1 0 0' '1 1 ' ' 1 1' '01 1' '1 01' 'x 1' '1 x' \
		'1 1\n\n' '1\t' '-0 1' '1 +1' '1,1'
	expect_write "$IVSHMEM_BDF" "$ATTR_MASK" ERANGE -- \
		"$UIO_MSI_IVSHMEM_VECTORS 1" '-1 1' '-1 0' '2048 0' '99999999999999999999 1'
	# Privilege before anything: nobody on a chmod 666 file.
	chmod 666 "$(mask_path "$IVSHMEM_BDF")"
	run -0 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$TRY_WRITE" "$(mask_path "$IVSHMEM_BDF")" '3 1' '2 0' 'bad'
	chmod 644 "$(mask_path "$IVSHMEM_BDF")"
	[ "$output" = "$(printf 'EPERM\nEPERM\nEPERM')" ]
	[ "$(masks "$IVSHMEM_BDF")" = 2 ]
	# Blanks between and one trailing newline are fine.
	run -0 "$TRY_WRITE" "$(mask_path "$IVSHMEM_BDF")" '3 1' '3\t1\n' '3   0\n'
	[ "$output" = "$(printf 'OK\nOK\nOK')" ]
	[ "$(masks "$IVSHMEM_BDF")" = 2 ]
}

@test "msix: a masked vector's interrupts wait; several become one at unmask; neighbours deliver" {
	listen_start "$IVSHMEM_BDF" 2 3
	mask "$IVSHMEM_BDF" 2
	ivshmem_ring 2
	ivshmem_ring 2
	ivshmem_ring 2
	# The neighbour is not affected.
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 3 1
	wait_until listen_received "$LISTEN_OUT" 3 1
	count_stays "$LISTEN_OUT" 2 0 1
	# Masking never touched the IRQ or bus mastering.
	[ "$(irq_vectors "$IVSHMEM_BDF")" = "2 3" ]
	bus_master_on "$IVSHMEM_BDF"
	unmask "$IVSHMEM_BDF" 2
	wait_until listen_received "$LISTEN_OUT" 2 1
	count_stays "$LISTEN_OUT" 2 1 1
	# Unmasked, every interrupt again.
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 2 2
	wait_until listen_received "$LISTEN_OUT" 2 3
}

@test "msix: the mask belongs to the vector: listener-less, rebinding, unbinding" {
	# Masked before any listener: its IRQ is requested masked.
	mask "$IVSHMEM_BDF" 5
	listen_start "$IVSHMEM_BDF" 5
	has_irq "$IVSHMEM_BDF" 5
	ivshmem_ring 5
	count_stays "$LISTEN_OUT" 5 0 1
	# Unbound (the listener stops) and bound again: still masked.
	listen_stop
	WAIT_SECONDS=10 wait_until no_irq "$IVSHMEM_BDF" 5
	[ "$(masks "$IVSHMEM_BDF")" = 5 ]
	listen_start "$IVSHMEM_BDF" 5
	ivshmem_ring 5
	count_stays "$LISTEN_OUT" 5 0 1
	# Replaced by another eventfd: still masked.  (The replaced listener
	# is killed outright: on a clean exit it would unbind vector 5, its
	# replacement's binding by then.)
	local first=$LISTEN_PID
	listen_start "$IVSHMEM_BDF" 5
	kill -KILL "$first"
	wait "$first" || true
	count_stays "$LISTEN_OUT" 5 0 1
	[ "$(masks "$IVSHMEM_BDF")" = 5 ]
	# What came meanwhile is one interrupt at unmask.
	unmask "$IVSHMEM_BDF" 5
	wait_until listen_received "$LISTEN_OUT" 5 1
	count_stays "$LISTEN_OUT" 5 1 1
}

@test "vector 0: /dev/uioN and mask set one mask; a mask set through /dev/uioN ends with its last file" {
	uio_open "$IVSHMEM_BDF"
	uio_irqcontrol 0
	[ "$(masks "$IVSHMEM_BDF")" = 0 ]
	ivshmem_ring 0
	uio_read_blocks 1
	# Unmasked through the attribute: /dev/uioN gets the one pending.
	unmask "$IVSHMEM_BDF" 0
	[ "$(uio_read)" -ge 1 ]
	# Masked through /dev/uioN again, then its file closed: mask gone.
	uio_irqcontrol 0
	[ "$(masks "$IVSHMEM_BDF")" = 0 ]
	uio_fd_close
	[ "$(masks "$IVSHMEM_BDF")" = "" ]
	# Masked through the attribute: it outlives /dev/uioN's files.
	uio_open "$IVSHMEM_BDF"
	mask "$IVSHMEM_BDF" 0
	uio_fd_close
	[ "$(masks "$IVSHMEM_BDF")" = 0 ]
	# /dev/uioN's write of 0 over it makes it /dev/uioN's.
	uio_open "$IVSHMEM_BDF"
	uio_irqcontrol 0
	uio_fd_close
	[ "$(masks "$IVSHMEM_BDF")" = "" ]
}

@test "msi without per-vector mask bits (edu): nothing while masked, one at unmask" {
	echo "$MODE_MSI" >"$(attr_path "$EDU_BDF" "$ATTR_MODE")"
	listen_start "$EDU_BDF" 0
	mask "$EDU_BDF" 0
	edu_raise
	edu_ack
	edu_raise
	edu_ack
	count_stays "$LISTEN_OUT" 0 0 1
	unmask "$EDU_BDF" 0
	wait_until listen_received "$LISTEN_OUT" 0 1
	count_stays "$LISTEN_OUT" 0 1 1
	edu_raise
	wait_until listen_received "$LISTEN_OUT" 0 2
	edu_ack
}

@test "intx (edu): masked, an asserted interrupt waits and is delivered once at unmask" {
	echo "$MODE_INTX" >"$(attr_path "$EDU_BDF" "$ATTR_MODE")"
	uio_open "$EDU_BDF"
	mask "$EDU_BDF" 0
	intx_disabled "$EDU_BDF"
	edu_raise
	uio_read_blocks 1
	# Still asserted at unmask: delivered, and masked by the handler.
	unmask "$EDU_BDF" 0
	local count
	count=$(uio_read)
	intx_disabled "$EDU_BDF"
	uio_read_blocks 1
	# Serviced and re-enabled: quiet.
	edu_ack
	uio_irqcontrol 1
	intx_enabled "$EDU_BDF"
	uio_read_blocks 1
	[ "$(masks "$EDU_BDF")" = "" ]
	[ "$count" -ge 1 ]
	uio_fd_close
	echo "$MODE_MSI" >"$(attr_path "$EDU_BDF" "$ATTR_MODE")"
}

@test "nvme: masks on high vectors; masking all 2048 and unmasking them costs no IRQ churn" {
	local max data=() v lines_before
	max=$(attr "$NVME_BDF" "$ATTR_IRQ_MAX")
	[ "$max" -ge 2048 ]
	echo "$max" >"$(attr_path "$NVME_BDF" "$ATTR_IRQ_COUNT")"
	run -0 "$TRY_WRITE" "$(mask_path "$NVME_BDF")" "$((max - 1)) 1" "$((max - 48)) 1" \
		"$((max - 47)) 1"
	[ "$(masks "$NVME_BDF")" = "$((max - 48))-$((max - 47)),$((max - 1))" ]
	listen_start "$NVME_BDF" "$((max - 1))" 0
	lines_before=$(grep -c . /proc/interrupts)
	for ((v = 0; v < max; v++)); do
		data+=("$v 1")
	done
	run -0 "$TRY_WRITE" "$(mask_path "$NVME_BDF")" "${data[@]}"
	[ "$(grep -c OK <<<"$output")" -eq "$max" ]
	[ "$(masks "$NVME_BDF")" = "0-$((max - 1))" ]
	[ "$(irq_vectors "$NVME_BDF")" = "0 $((max - 1))" ]
	data=()
	for ((v = 0; v < max; v++)); do
		data+=("$v 0")
	done
	run -0 "$TRY_WRITE" "$(mask_path "$NVME_BDF")" "${data[@]}"
	[ "$(grep -c OK <<<"$output")" -eq "$max" ]
	[ "$(masks "$NVME_BDF")" = "" ]
	# The same two IRQs, no line added or removed.
	[ "$(irq_vectors "$NVME_BDF")" = "0 $((max - 1))" ]
	[ "$(grep -c . /proc/interrupts)" -eq "$lines_before" ]
	listen_stop
}
