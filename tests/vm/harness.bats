#!/usr/bin/env bats
# Self-test of the VM the guest tests run in (not of uio_msi):
#
#   tests/vm/run tests/vm/harness.bats
#   UIO_MSI_VM_IOMMU=1 tests/vm/run tests/vm/harness-iommu.bats   # vfio
#
# It pins down what tests/guest/*.bats may rely on: the devices and their
# addresses, their interrupt capabilities, the environment, and that the
# devices really raise INTx, MSI and MSI-X interrupts.

load harness-lib

teardown() {
	if [ -n "$IGB_BDF" ]; then
		echo 0 >"/sys/bus/pci/devices/$IGB_BDF/sriov_numvfs" 2>/dev/null || true
		release "$IGB_BDF"
	fi
	for d in "$IVSHMEM_BDF" "$EDU_BDF" "$NVME_BDF"; do
		release "$d"
	done
}

need_igb() {
	[ -n "$IGB_BDF" ] ||
		skip "QEMU $UIO_MSI_VM_QEMU_VERSION has no igb (tests/vm/qemu-backports installs QEMU 10)"
}

@test "test environment is exported" {
	for v in UIO_MSI_KO UIO_MSI_TOOL UIO_MSI_HELPERS UIO_MSI_REPO UIO_MSI_KVER \
		UIO_MSI_RESULTS UIO_MSI_IVSHMEM_VECTORS IVSHMEM_BDF EDU_BDF NVME_BDF \
		BATS_TEST_TIMEOUT UIO_MSI_VM_QEMU_VERSION; do
		[ -n "${!v:-}" ] || { echo "$v is not set"; return 1; }
	done
	[ "$UIO_MSI_KVER" = "$(uname -r)" ]
	[ -d "$UIO_MSI_REPO/tests/vm" ]
	[ -w "$UIO_MSI_RESULTS" ]
}

@test "guest runs Debian's own bash, bats and python3" {
	[ "$(command -v python3)" = /usr/bin/python3 ]
	[ -x /usr/bin/bats ]
	[ -x /usr/bin/bash ]
	[ -e /dev/fd/0 ]
	[ "$(stat -f -c %T /tmp)" = tmpfs ]
}

@test "uio_msi is not loaded when a test file starts" {
	run grep '^uio_msi ' /proc/modules
	[ "$status" -eq 1 ]
}

@test "ivshmem-doorbell at IVSHMEM_BDF: MSI-X only, one vector per server eventfd" {
	[ "$(pci_field "$IVSHMEM_BDF" id)" = 1af4:1110 ]
	[ "$(pci_field "$IVSHMEM_BDF" msix)" = "$UIO_MSI_IVSHMEM_VECTORS" ]
	[ "$(pci_field "$IVSHMEM_BDF" pin)" = 0 ]
	[ "$(pci_field "$IVSHMEM_BDF" driver)" = - ]
}

@test "ivshmem server handshake completed: shared memory in BAR2, own id in BAR0" {
	[ "$(stat -c %s "/sys/bus/pci/devices/$IVSHMEM_BDF/resource2")" = 1048576 ]
	run python3 -c '
import ctypes, mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_SYNC)
m = mmap.mmap(fd, 256)
print(ctypes.c_int32.from_buffer(m, 8).value)
' "/sys/bus/pci/devices/$IVSHMEM_BDF/resource0"
	[ "$status" -eq 0 ]
	[ "$output" -ge 0 ]
}

@test "edu at EDU_BDF: one MSI vector and INTx pin A" {
	[ "$(pci_field "$EDU_BDF" id)" = 1234:11e8 ]
	[ "$(pci_field "$EDU_BDF" msi)" = 1 ]
	[ -z "$(pci_field "$EDU_BDF" msix)" ]
	[ "$(pci_field "$EDU_BDF" pin)" = 1 ]
	[ "$(pci_field "$EDU_BDF" driver)" = - ]
}

@test "nvme at NVME_BDF: MSI-X table of 2048 entries, no driver" {
	[ "$(pci_field "$NVME_BDF" id)" = 1b36:0010 ]
	[ "$(pci_field "$NVME_BDF" msix)" = 2048 ]
	[ "$(pci_field "$NVME_BDF" driver)" = - ]
}

@test "igb at IGB_BDF, behind the root port IGB_PORT_BDF: SR-IOV PF, no driver" {
	need_igb
	[ "$(pci_field "$IGB_BDF" id)" = 8086:10c9 ]
	[ "$(pci_field "$IGB_BDF" msix)" = 10 ]
	[ "$(pci_field "$IGB_BDF" driver)" = - ]
	[ "$(pci_field "$IGB_PORT_BDF" id)" = 1b36:000c ]
	# The PF is the root port's child, on a bus of its own.
	[ "$(basename "$(dirname "$(readlink -f "/sys/bus/pci/devices/$IGB_BDF")")")" = "$IGB_PORT_BDF" ]
	[ "$(cat "/sys/bus/pci/devices/$IGB_BDF/sriov_totalvfs")" -ge 2 ]
	[ "$(cat "/sys/bus/pci/devices/$IGB_BDF/sriov_numvfs")" = 0 ]
}

# pci-pf-stub: the kernel's PF driver that only enables SR-IOV (no
# networking needed, so the small debug kernel has it too).
@test "igb VFs, created through pci-pf-stub: MSI-X only, 3 vectors, no INTx" {
	need_igb
	local pf=/sys/bus/pci/devices/$IGB_BDF vf
	modprobe pci-pf-stub
	bind_to "$IGB_BDF" pci-pf-stub
	echo 0 >"$pf/sriov_drivers_autoprobe"
	echo 2 >"$pf/sriov_numvfs"
	[ "$(cat "$pf/sriov_numvfs")" = 2 ]
	for vf in "$pf"/virtfn0 "$pf"/virtfn1; do
		vf=$(basename "$(readlink "$vf")")
		# A VF's own config space has no IDs (FFFFh); sysfs has the PF's.
		[ "$(cat "/sys/bus/pci/devices/$vf/vendor"):$(cat "/sys/bus/pci/devices/$vf/device")" = 0x8086:0x10ca ]
		[ "$(pci_field "$vf" msix)" = 3 ]
		[ -z "$(pci_field "$vf" msi)" ]
		[ "$(pci_field "$vf" pin)" = 0 ]
		[ "$(pci_field "$vf" driver)" = - ]
		[ "$(basename "$(readlink "/sys/bus/pci/devices/$vf/physfn")")" = "$IGB_BDF" ]
	done
	echo 0 >"$pf/sriov_numvfs"
	[ ! -e "$pf/virtfn0" ]
	echo 1 >"$pf/sriov_drivers_autoprobe"
}

@test "modprobe uio, uio_pci_generic and vfio-pci work" {
	modprobe uio
	modprobe uio_pci_generic
	modprobe vfio-pci
	grep -q '^uio_pci_generic ' /proc/modules
	grep -q '^vfio_pci ' /proc/modules
}

@test "edu INTx fires through uio_pci_generic" {
	modprobe uio_pci_generic
	bind_to "$EDU_BDF" uio_pci_generic
	uio=$(ls "/sys/bus/pci/devices/$EDU_BDF/uio")
	python3 - "$EDU_BDF" "$uio" <<'EOF'
import ctypes, mmap, os, select, struct, sys
bdf, uio = sys.argv[1:]
dev = f"/sys/bus/pci/devices/{bdf}"
bar0 = mmap.mmap(os.open(f"{dev}/resource0", os.O_RDWR | os.O_SYNC), 4096)
reg = lambda off: ctypes.c_uint32.from_buffer(bar0, off)
u = os.open(f"/dev/{uio}", os.O_RDONLY)
cfg = os.open(f"{dev}/config", os.O_RDWR)
for i in range(3):
    # uio_pci_generic masks INTx in its handler; unmask in the command register
    cmd = struct.unpack("<H", os.pread(cfg, 2, 4))[0]
    os.pwrite(cfg, struct.pack("<H", cmd & ~0x400), 4)
    reg(0x60).value = 1 << i                 # raise
    p = select.poll(); p.register(u, select.POLLIN)
    assert p.poll(5000), "no INTx interrupt"
    count = struct.unpack("I", os.read(u, 4))[0]
    reg(0x64).value = reg(0x24).value        # acknowledge
    print(f"raise {i}: uio event count {count}")
    assert count == i + 1
EOF
	irq=$(cat "/sys/bus/pci/devices/$EDU_BDF/irq")
	grep -E "^ *$irq:.*uio_pci_generic" /proc/interrupts
}
