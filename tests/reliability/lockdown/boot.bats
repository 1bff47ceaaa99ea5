#!/usr/bin/env bats
# Kernel lockdown from boot (UIO_MSI_VM_APPEND=lockdown=integrity; make
# check-reliability runs this file in such a VM).  uio_msi must not be a
# way around lockdown, which forbids user-space PCI access
# (LOCKDOWN_PCI_ACCESS, as for the sysfs BAR files):
#  - a module the kernel cannot verify (ours on Debian's kernel) is not
#    loaded at all (LOCKDOWN_MODULE_SIGNATURE): UIO_MSI_LOCKDOWN_LOAD=no;
#  - a module signed with a key the kernel trusts (the debug kernel's own
#    build key, as a distribution would sign it) loads, and uio_msi's probe
#    refuses every device: no /dev/uioN, no attributes, no interrupts:
#    UIO_MSI_LOCKDOWN_LOAD=yes.
# tests/reliability/check sets UIO_MSI_LOCKDOWN_LOAD for each kernel.

bats_require_minimum_version 1.5.0

load ../lib/rel

teardown_file() {
	module_unload
	echo >"$(pci_dir "$IVSHMEM_BDF")/driver_override"
	echo >"$(pci_dir "$EDU_BDF")/driver_override"
}

no_uio_nodes() { ! compgen -G '/dev/uio[0-9]*' >/dev/null; }

: "${UIO_MSI_LOCKDOWN_LOAD:?set to yes or no: whether uio_msi.ko may load}"

@test "the kernel is locked down (integrity)" {
	[[ $(cat /sys/kernel/security/lockdown) == *"[integrity]"* ]]
}

@test "loading uio_msi: refused unless signed with a trusted key (LOAD=$UIO_MSI_LOCKDOWN_LOAD)" {
	modprobe uio
	if [ "$UIO_MSI_LOCKDOWN_LOAD" = no ]; then
		run insmod "$UIO_MSI_KO"
		[ "$status" -ne 0 ]
		[[ $output == *"Operation not permitted"* ]]
		module_unloaded
		dmesg | grep -q "Lockdown: insmod: unsigned module loading is restricted"
	else
		[ "$UIO_MSI_LOCKDOWN_LOAD" = yes ]
		insmod "$UIO_MSI_KO"
		module_loaded
	fi
}

@test "no device can be given to user space under lockdown" {
	local bdf
	if [ "$UIO_MSI_LOCKDOWN_LOAD" = yes ]; then
		module_loaded
		for bdf in "$IVSHMEM_BDF" "$EDU_BDF" "$NVME_BDF"; do
			echo "$DRIVER" >"$(pci_dir "$bdf")/driver_override"
			# The driver core reports the probe's error on drivers_probe.
			run sh -c "echo $bdf >/sys/bus/pci/drivers_probe"
			[ "$(dev_driver "$bdf")" = none ]
			[ ! -e "$(pci_dir "$bdf")/$GROUP" ]
			[ ! -e "$(pci_dir "$bdf")/uio" ]
			dmesg | grep -qF "$bdf: kernel lockdown: not giving user space this device"
		done
		# ids= at load time: same refusal.
		rmmod "$DRIVER"
		insmod "$UIO_MSI_KO" ids=1af4:1110,1234:11e8
		[ "$(dev_driver "$IVSHMEM_BDF")" = none ]
		[ "$(dev_driver "$EDU_BDF")" = none ]
	else
		[ ! -e /sys/bus/pci/drivers/"$DRIVER" ]
		run "$TOOL" bind "$IVSHMEM_BDF"
		[ "$status" -ne 0 ]
		[ "$(dev_driver "$IVSHMEM_BDF")" = none ]
	fi
	no_uio_nodes
	[ "$(irq_total)" = 0 ]
	bus_master_off "$IVSHMEM_BDF"
	# And the kernel's own path to the BARs is closed as well.
	# (the sysfs resource file opens, but lockdown refuses the mapping).
	run -1 "$PCIMEM" "$IVSHMEM_BDF" 0 read32 8
	[[ $output == "pcimem: cannot map "*"/resource0: Operation not permitted" ]]
}
