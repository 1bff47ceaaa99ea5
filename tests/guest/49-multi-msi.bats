#!/usr/bin/env bats
# MSI with more than one message: QEMU's xHCI controller (nec-usb-xhci with
# MSI-X off) offers 16 MSI messages, without per-vector mask bits.  x86
# grants a function several MSI messages only through interrupt remapping
# (an IOMMU); without it, one.  uio_msi must offer what the function has
# (irq_max), take what the system grants (irq_count), and bind and
# release all of them.  Delivery is not tested here: no emulated device
# raises an MSI message that guest user space could fire without
# programming DMA rings (the xHC raises an interrupter's message for the
# events it writes into that interrupter's event ring in memory, and
# only transfer events, which need a slot and an endpoint, can target an
# interrupter other than 0).  MSI delivery is edu's (40-edu), one
# message.

bats_require_minimum_version 1.5.0

load lib/common

setup_file() {
	module_unload
	module_load
	dev_bind "$XHCI_BDF"
}

teardown_file() {
	devices_release
}

teardown() {
	listen_stop
}

# Whether this guest's MSIs go through interrupt remapping.
remapped() { grep -q 'IR-PCI-MSI' /proc/interrupts; }

@test "xhci binds in msi with 16 messages offered; as many granted as the platform allows" {
	[ "$(msix_table_size "$XHCI_BDF")" = 0 ]
	[ "$(msi_capable "$XHCI_BDF")" = 16 ]
	[ "$(attr "$XHCI_BDF" "$ATTR_MODE")" = "$MODE_MSI" ]
	[ "$(attr "$XHCI_BDF" "$ATTR_IRQ_MAX")" = 16 ]
	if remapped; then
		[ "$(attr "$XHCI_BDF" "$ATTR_IRQ_COUNT")" = 16 ]
	else
		# x86 without interrupt remapping: one message.
		[ "$(attr "$XHCI_BDF" "$ATTR_IRQ_COUNT")" = 1 ]
	fi
	msi_enabled "$XHCI_BDF"
}

@test "every granted MSI vector binds, holds its IRQ, and is released" {
	local n want=""
	n=$(attr "$XHCI_BDF" "$ATTR_IRQ_COUNT")
	for ((v = 0; v < n; v++)); do
		want+="${want:+ }$v"
	done
	listen_start "$XHCI_BDF" all
	[ "$(irq_vectors "$XHCI_BDF")" = "$want" ]
	bus_master_on "$XHCI_BDF"
	listen_stop
	WAIT_SECONDS=10 wait_until no_irqs "$XHCI_BDF"
	bus_master_off "$XHCI_BDF"
}

@test "irq_count in msi mode: powers of two and not, each granted or refused cleanly" {
	local n before
	for n in 2 3 4 8 16; do
		before=$(dev_state "$XHCI_BDF")
		run -0 "$TRY_WRITE" "$(attr_path "$XHCI_BDF" "$ATTR_IRQ_COUNT")" "$n"
		if [ "$output" = OK ]; then
			[ "$(attr "$XHCI_BDF" "$ATTR_IRQ_COUNT")" = "$n" ]
			listen_start "$XHCI_BDF" $((n - 1))
			has_irq "$XHCI_BDF" $((n - 1))
			listen_stop
		else
			# Refused by the platform: nothing changed.
			[ "$output" = ENOSPC ] || [ "$output" = EOPNOTSUPP ] || fail "irq_count $n: $output"
			remapped && fail "irq_count $n refused with interrupt remapping: $output"
			[ "$(dev_state "$XHCI_BDF")" = "$before" ]
		fi
	done
	WAIT_SECONDS=10 wait_until no_irqs "$XHCI_BDF"
	echo "$MODE_MSI" >"$(attr_path "$XHCI_BDF" "$ATTR_MODE")"
}
