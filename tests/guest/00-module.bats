#!/usr/bin/env bats
# Loading and unloading the module, its parameters and its metadata.

bats_require_minimum_version 1.5.0

load lib/common

# A driver_override left by an earlier file would make the first test
# see a binding it did not ask for.
setup_file() {
	devices_release
}

teardown() {
	module_unload
}

@test "insmod registers a PCI driver named uio_msi that binds nothing by itself" {
	module_load
	[ -d /sys/bus/pci/drivers/"$DRIVER" ]
	# No ID table: no device is bound until user space asks for it.
	run -0 find /sys/bus/pci/drivers/"$DRIVER" -maxdepth 1 -name '0000:*'
	[ -z "$output" ]
	[ "$(dev_driver "$IVSHMEM_BDF")" = none ]
	[ "$(dev_driver "$EDU_BDF")" = none ]
	[ "$(dev_driver "$NVME_BDF")" = none ]
}

@test "modinfo: version from VERSION, GPL, intr_mode documented" {
	run -0 modinfo -F version "$UIO_MSI_KO"
	[ "$output" = "$VERSION" ]
	run -0 modinfo -F license "$UIO_MSI_KO"
	[ "$output" = GPL ]
	run -0 modinfo -F parm "$UIO_MSI_KO"
	[[ "$output" == *"intr_mode:"*auto*msix*msi*intx*none* ]]
	module_load
	[ "$(cat /sys/module/"$DRIVER"/version)" = "$VERSION" ]
}

@test "rmmod removes the driver" {
	module_load
	rmmod "$DRIVER"
	[ ! -d /sys/bus/pci/drivers/"$DRIVER" ]
	module_unloaded
}

@test "intr_mode accepts the mode words and auto, rejects anything else" {
	local word
	for word in auto msix msi intx none; do
		module_load intr_mode="$word"
		[ "$(cat /sys/module/"$DRIVER"/parameters/intr_mode)" = "$word" ]
		rmmod "$DRIVER"
	done
	for word in MSIX msix2 '' legacy; do
		run ! insmod "$UIO_MSI_KO" intr_mode="$word"
		module_unloaded
	done
}

@test "intr_mode can be changed at run time, strictly, and the next probe uses it" {
	module_load
	local param=/sys/module/"$DRIVER"/parameters/intr_mode
	[ "$(cat "$param")" = auto ]
	echo intx >"$param"
	[ "$(cat "$param")" = intx ]
	run -0 "$TRY_WRITE" "$param" 'msi x'
	[ "$output" = EINVAL ]
	[ "$(cat "$param")" = intx ]
	# edu would bind in msi under auto: the new value decides.
	dev_bind "$EDU_BDF"
	[ "$(attr "$EDU_BDF" "$ATTR_MODE")" = "$MODE_INTX" ]
	"$TOOL" unbind "$EDU_BDF"
	echo auto >"$param"
	dev_bind "$EDU_BDF"
	[ "$(attr "$EDU_BDF" "$ATTR_MODE")" = "$MODE_MSI" ]
	"$TOOL" unbind "$EDU_BDF"
}
