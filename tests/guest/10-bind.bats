#!/usr/bin/env bats
# Binding devices: driver_override and new_id, the attribute group, the UIO
# device, and the interrupt mode and vector counts chosen at bind.

bats_require_minimum_version 1.5.0

load lib/common

setup_file() {
	module_unload
}

setup() {
	module_load
}

teardown() {
	module_unload
	echo >"$(pci_dir "$IVSHMEM_BDF")/driver_override"
	echo >"$(pci_dir "$EDU_BDF")/driver_override"
	echo >"$(pci_dir "$NVME_BDF")/driver_override"
}

@test "bind through driver_override by hand" {
	echo "$DRIVER" >"$(pci_dir "$EDU_BDF")/driver_override"
	echo "$EDU_BDF" >/sys/bus/pci/drivers_probe
	[ "$(dev_driver "$EDU_BDF")" = "$DRIVER" ]
	echo "$EDU_BDF" >/sys/bus/pci/drivers/"$DRIVER"/unbind
	[ "$(dev_driver "$EDU_BDF")" = none ]
}

@test "bind through new_id" {
	echo "1234 11e8" >/sys/bus/pci/drivers/"$DRIVER"/new_id
	[ "$(dev_driver "$EDU_BDF")" = "$DRIVER" ]
	echo "1234 11e8" >/sys/bus/pci/drivers/"$DRIVER"/remove_id
}

@test "the attributes exist when the bind uevent is sent" {
	echo "$DRIVER" >"$(pci_dir "$IVSHMEM_BDF")/driver_override"
	run "$BATS_TEST_DIRNAME"/lib/bind-uevent-check.py "$IVSHMEM_BDF" \
		"$(pci_dir "$IVSHMEM_BDF")/$GROUP" \
		"$ATTR_MODE" "$ATTR_IRQ_COUNT" "$ATTR_IRQ_MAX" "$ATTR_EVENTFD" \
		"$ATTR_ERROR_EVENTFD" "$ATTR_REQUEST_EVENTFD" "$ATTR_NOTICES" \
		"$ATTR_MASK" "$ATTR_RESIZE_LIVE" -- \
		sh -c "echo $IVSHMEM_BDF > /sys/bus/pci/drivers_probe"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = present ]
}

@test "attribute group: exactly the ABI files with their modes" {
	dev_bind "$IVSHMEM_BDF"
	local dir name
	dir=$(pci_dir "$IVSHMEM_BDF")/$GROUP
	run -0 stat -c '%n %a' "$dir/$ATTR_MODE" "$dir/$ATTR_IRQ_COUNT" \
		"$dir/$ATTR_IRQ_MAX" "$dir/$ATTR_EVENTFD" "$dir/$ATTR_ERROR_EVENTFD" \
		"$dir/$ATTR_REQUEST_EVENTFD" "$dir/$ATTR_NOTICES" "$dir/$ATTR_MASK" \
		"$dir/$ATTR_RESIZE_LIVE"
	[ "${lines[0]}" = "$dir/$ATTR_MODE 644" ]
	[ "${lines[1]}" = "$dir/$ATTR_IRQ_COUNT 644" ]
	[ "${lines[2]}" = "$dir/$ATTR_IRQ_MAX 444" ]
	[ "${lines[3]}" = "$dir/$ATTR_EVENTFD 200" ]
	[ "${lines[4]}" = "$dir/$ATTR_ERROR_EVENTFD 200" ]
	[ "${lines[5]}" = "$dir/$ATTR_REQUEST_EVENTFD 200" ]
	[ "${lines[6]}" = "$dir/$ATTR_NOTICES 444" ]
	[ "${lines[7]}" = "$dir/$ATTR_MASK 644" ]
	[ "${lines[8]}" = "$dir/$ATTR_RESIZE_LIVE 444" ]
	[ "$(find "$dir" -mindepth 1 | wc -l)" -eq 9 ]
	# Write-only: even root cannot read them.
	for name in "$ATTR_EVENTFD" "$ATTR_ERROR_EVENTFD" "$ATTR_REQUEST_EVENTFD"; do
		run ! cat "$dir/$name"
	done
	# They go away with the binding.
	"$TOOL" unbind "$IVSHMEM_BDF"
	[ ! -e "$dir" ]
}

@test "UIO device: /dev/uioN named uio_msi with the package version" {
	dev_bind "$IVSHMEM_BDF"
	local uio
	uio=$(uio_node "$IVSHMEM_BDF")
	[[ "$uio" == uio[0-9]* ]]
	[ -c /dev/"$uio" ]
	[ "$(cat /sys/class/uio/"$uio"/name)" = "$DRIVER" ]
	[ "$(cat /sys/class/uio/"$uio"/version)" = "$VERSION" ]
	# Memory BARs are UIO maps: ivshmem has BAR0 (registers), BAR1
	# (MSI-X table) and BAR2 (shared memory).
	[ "$(cat /sys/class/uio/"$uio"/maps/map0/name)" = BAR0 ]
	[ "$(cat /sys/class/uio/"$uio"/maps/map1/name)" = BAR1 ]
	[ "$(cat /sys/class/uio/"$uio"/maps/map2/name)" = BAR2 ]
	[ ! -e /sys/class/uio/"$uio"/maps/map3 ]
	# BAR0 is 256 bytes: a page-sized map, and offset says where it starts.
	[ "$(cat /sys/class/uio/"$uio"/maps/map0/size)" = 0x0000000000001000 ]
}

@test "ivshmem binds in msix with every vector of its MSI-X table" {
	local table
	table=$(msix_table_size "$IVSHMEM_BDF")
	[ "$table" -ge 8 ]
	local line="$IVSHMEM_BDF: uio[0-9]*: mode msix, $table of $table vectors"
	local before
	before=$(dmesg | grep -c "$line" || true)
	dev_bind "$IVSHMEM_BDF"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_MODE")" = "$MODE_MSIX" ]
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_MAX")" = "$table" ]
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = "$table" ]
	msix_enabled "$IVSHMEM_BDF"
	# Nobody listens yet: no IRQ requested, no bus mastering, INTx off.
	[ -z "$(irq_vectors "$IVSHMEM_BDF")" ]
	bus_master_off "$IVSHMEM_BDF"
	# One line in the kernel log says what the bind chose.
	[ "$(dmesg | grep -c "$line")" -eq $((before + 1)) ]
}

@test "edu binds in msi (it has no MSI-X) with its one MSI vector" {
	[ "$(msix_table_size "$EDU_BDF")" = 0 ]
	[ "$(msi_capable "$EDU_BDF")" = 1 ]
	dev_bind "$EDU_BDF"
	[ "$(attr "$EDU_BDF" "$ATTR_MODE")" = "$MODE_MSI" ]
	[ "$(attr "$EDU_BDF" "$ATTR_IRQ_MAX")" = 1 ]
	[ "$(attr "$EDU_BDF" "$ATTR_IRQ_COUNT")" = 1 ]
	msi_enabled "$EDU_BDF"
}

@test "nvme binds in msix with as many of its 2048 vectors as the system grants" {
	[ "$(msix_table_size "$NVME_BDF")" -ge 1024 ]
	dev_bind "$NVME_BDF"
	[ "$(attr "$NVME_BDF" "$ATTR_MODE")" = "$MODE_MSIX" ]
	[ "$(attr "$NVME_BDF" "$ATTR_IRQ_MAX")" = "$(msix_table_size "$NVME_BDF")" ]
	local count
	count=$(attr "$NVME_BDF" "$ATTR_IRQ_COUNT")
	[ "$count" -ge 1 ]
	[ "$count" -le "$(attr "$NVME_BDF" "$ATTR_IRQ_MAX")" ]
	# Allocated, not requested: none of them is in /proc/interrupts.
	[ -z "$(irq_vectors "$NVME_BDF")" ]
}

@test "intr_mode=intx binds in intx with one vector, INTx masked until used" {
	module_unload
	module_load intr_mode=intx
	dev_bind "$EDU_BDF"
	[ "$(attr "$EDU_BDF" "$ATTR_MODE")" = "$MODE_INTX" ]
	[ "$(attr "$EDU_BDF" "$ATTR_IRQ_MAX")" = 1 ]
	[ "$(attr "$EDU_BDF" "$ATTR_IRQ_COUNT")" = 1 ]
	msi_disabled "$EDU_BDF"
	intx_disabled "$EDU_BDF"
}

@test "intr_mode falls back along msix, msi, intx, none" {
	module_unload
	module_load intr_mode=msi
	# ivshmem-doorbell has neither MSI nor an INTx line: none.
	[ "$(msi_capable "$IVSHMEM_BDF")" = 0 ]
	[ "$(cat "$(pci_dir "$IVSHMEM_BDF")/irq")" = 0 ]
	dev_bind "$IVSHMEM_BDF"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_MODE")" = "$MODE_NONE" ]
	dev_bind "$EDU_BDF"
	[ "$(attr "$EDU_BDF" "$ATTR_MODE")" = "$MODE_MSI" ]
	# nvme has no MSI either, but INTx.
	[ "$(msi_capable "$NVME_BDF")" = 0 ]
	dev_bind "$NVME_BDF"
	[ "$(attr "$NVME_BDF" "$ATTR_MODE")" = "$MODE_INTX" ]
}

@test "intr_mode=none binds without interrupts" {
	module_unload
	module_load intr_mode=none
	dev_bind "$EDU_BDF"
	[ "$(attr "$EDU_BDF" "$ATTR_MODE")" = "$MODE_NONE" ]
	[ "$(attr "$EDU_BDF" "$ATTR_IRQ_MAX")" = 0 ]
	[ "$(attr "$EDU_BDF" "$ATTR_IRQ_COUNT")" = 0 ]
	# /dev/uioN without interrupts: read and write fail with EIO.
	local uio
	uio=/dev/$(uio_node "$EDU_BDF")
	run ! dd if="$uio" of=/dev/null bs=4 count=1
	[[ "$output" == *"Input/output error"* ]]
}

@test "the tool binds and unbinds, replacing and restoring driver_override" {
	run -0 "$TOOL" bind "$EDU_BDF"
	[ "$(cat "$(pci_dir "$EDU_BDF")/driver_override")" = "$DRIVER" ]
	run -0 "$TOOL" bind "$EDU_BDF"
	run -0 "$TOOL" unbind "$EDU_BDF"
	[ "$(dev_driver "$EDU_BDF")" = none ]
	local override
	override=$(cat "$(pci_dir "$EDU_BDF")/driver_override")
	[ "$override" = "(null)" ] || [ -z "$override" ]
	run -1 "$TOOL" unbind "$EDU_BDF"
}

@test "the tool takes a device away from another driver" {
	modprobe uio_pci_generic
	echo uio_pci_generic >"$(pci_dir "$EDU_BDF")/driver_override"
	echo "$EDU_BDF" >/sys/bus/pci/drivers_probe
	[ "$(dev_driver "$EDU_BDF")" = uio_pci_generic ]
	run -0 "$TOOL" bind "$EDU_BDF"
	[ "$(dev_driver "$EDU_BDF")" = "$DRIVER" ]
	rmmod uio_pci_generic
}

@test "ids= binds the listed IDs at load, like vfio-pci's ids" {
	module_unload
	module_load ids=1234:11e8
	[ "$(dev_driver "$EDU_BDF")" = "$DRIVER" ]
	[ "$(dev_driver "$IVSHMEM_BDF")" = none ]
	[ "$(cat /sys/module/"$DRIVER"/parameters/ids)" = 1234:11e8 ]
	module_unload
	# subvendor:subdevice narrow it: QEMU's edu has 1af4:1100.
	module_load ids=1234:11e8:1af4:ffff,1af4:1110:ffffffff:ffffffff
	[ "$(dev_driver "$EDU_BDF")" = none ]
	[ "$(dev_driver "$IVSHMEM_BDF")" = "$DRIVER" ]
}

@test "ids= with a malformed entry fails the load and binds nothing" {
	local bad
	module_unload
	# Malformed, "0x" prefixes, IDs beyond 16 bits (but for ffffffff,
	# any), class or mask beyond 24 bits.
	for bad in 1234 1234:11e8:1:2:3:4:5 '1234:11e8,' 1234:xyz ',1234:11e8' \
		1234:11e8:0x:0 0x1234:11e8 1234:0x11e8 10000:11e8 1234:10000 \
		1234:11e8:10000 1234:11e8:1af4:fffffffe 1234:11e8:ffffffff:ffffffff:1000000 \
		1234:11e8:ffffffff:ffffffff:0:1000000 1234:11e8:ffffffff:ffffffff:0:0:0 \
		1234:+11e8 1234:111111111; do
		run -1 insmod "$UIO_MSI_KO" ids="$bad"
		module_unloaded || fail "ids=$bad loaded"
	done
	[ "$(dev_driver "$EDU_BDF")" = none ]
	run -0 dmesg
	[[ "$output" == *'uio_msi: ids: invalid entry 2 in "1234:11e8,"'* ]]
	[[ "$output" == *'uio_msi: ids: invalid entry 1 in "10000:11e8"'* ]]
	# Every field at its widest still loads (edu's class is ff0000).
	module_load ids=1234:11e8:ffffffff:ffffffff:020000:ffffff
	[ "$(dev_driver "$EDU_BDF")" = none ]
}
