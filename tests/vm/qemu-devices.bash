# shellcheck shell=bash
# Sourced by tests/vm/run: which QEMU runs the VM, and the guest devices
# that only newer QEMUs have.  Sets
#
#   qemu                the QEMU binary
#   qemu_version        its version, e.g. 10.0.2
#   qemu_devices_args   QEMU arguments for those devices
#   qemu_devices_env    NAME VALUE pairs exported to the guest tests
#
# The QEMU: $UIO_MSI_VM_QEMU if set (a path or a command name), else
# QEMU 10 from bookworm-backports when tests/vm/qemu-backports has
# installed it (tests/vm/install-deps does), else bookworm's QEMU 7.2.
#
# The devices: an igb (Intel 82576, SR-IOV PF with up to 7 VFs; QEMU 8.0
# and later) behind a PCIe root port in slot 07.0 of the q35 root bus, so
# that the PF and its VFs have a bus of their own: IGB_BDF (0000:01:00.0)
# and IGB_PORT_BDF (0000:00:07.0).  Without igb in the QEMU both are
# empty, and the tests that need them skip.

qemu_devices_dir=$(dirname "${BASH_SOURCE[0]}")
if [[ -n ${UIO_MSI_VM_QEMU:-} ]]; then
	qemu=$UIO_MSI_VM_QEMU
	command -v "$qemu" >/dev/null 2>&1 || die "UIO_MSI_VM_QEMU=$qemu: not found"
elif ! qemu=$("$qemu_devices_dir/qemu-backports" path); then
	qemu="qemu-system-x86_64"
	note "QEMU 10 from bookworm-backports is not installed (tests/vm/install-deps does it): using $qemu, without igb"
fi
qemu_version=$("$qemu" --version | sed -n '1s/^QEMU emulator version \([0-9.]*\).*/\1/p')
[[ -n $qemu_version ]] || die "$qemu --version: not a QEMU"

# shellcheck disable=SC2034 # for tests/vm/run
qemu_devices_args=()
qemu_devices_env=(UIO_MSI_VM_QEMU_VERSION "$qemu_version" IGB_BDF "" IGB_PORT_BDF "")
# (Not "-device igb,help": QEMU 7.2 exits 0 for a device it does not have.
# The list is read whole first: grep -q leaving early would SIGPIPE QEMU.)
qemu_devices_list=$("$qemu" -machine none -device help 2>/dev/null) || true
if grep -q '^name "igb"' <<<"$qemu_devices_list"; then
	# shellcheck disable=SC2034 # for tests/vm/run
	qemu_devices_args=(
		-device "pcie-root-port,id=igbport,chassis=1,slot=1,bus=pcie.0,addr=07.0"
		-device "igb,id=igb,bus=igbport,addr=00.0"
	)
	qemu_devices_env=(UIO_MSI_VM_QEMU_VERSION "$qemu_version"
		IGB_BDF 0000:01:00.0 IGB_PORT_BDF 0000:00:07.0)
fi
note "QEMU $qemu_version ($qemu), igb: ${qemu_devices_env[3]:-none}"
