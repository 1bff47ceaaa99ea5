#!/usr/bin/env bats
# Self-test of the VM with an emulated IOMMU, through vfio-pci: the devices'
# MSI and MSI-X interrupts reach eventfds (the reference uio_msi is compared
# with).  Needs the IOMMU:
#
#   UIO_MSI_VM_IOMMU=1 tests/vm/run tests/vm/harness-iommu.bats

setup_file() {
	[ -n "$(ls /sys/kernel/iommu_groups 2>/dev/null)" ] || {
		echo "no IOMMU in the guest: run with UIO_MSI_VM_IOMMU=1" >&2
		return 1
	}
}

load harness-lib

teardown() {
	for d in "$IVSHMEM_BDF" "$EDU_BDF"; do
		release "$d"
	done
}

@test "ivshmem MSI-X: each doorbell ring fires exactly its vector (vfio-pci)" {
	modprobe vfio-pci
	bind_to "$IVSHMEM_BDF" vfio-pci
	python3 "$BATS_TEST_DIRNAME/vfio-irq-check.py" ivshmem "$IVSHMEM_BDF"
}

@test "edu MSI fires (vfio-pci)" {
	modprobe vfio-pci
	bind_to "$EDU_BDF" vfio-pci
	python3 "$BATS_TEST_DIRNAME/vfio-irq-check.py" edu "$EDU_BDF"
}
