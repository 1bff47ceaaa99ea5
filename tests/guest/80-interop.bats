#!/usr/bin/env bats
# Interoperability with the binding tools users already have, as Debian 12
# ships them: driverctl (0.111) and dpdk-devbind.py (package dpdk, 22.11).
# Each test binds with the tool, fires interrupts that "uio-msi listen"
# must receive, and undoes the binding with the tool.
#
# driverctl needs neither udev nor systemd to set or unset an override;
# only a saved override's re-application, when the function appears again,
# goes through udev (05-driverctl.rules asks systemd for the unit
# driverctl@pci-BDF.service) and systemd, which is not PID 1 in this
# guest: that test runs udevd and then the unit's command itself.
#
# dpdk-devbind.py writes driver_override only for the drivers it knows
# (igb_uio, vfio-pci, uio_pci_generic); for uio_msi it writes the address
# to /sys/bus/pci/drivers/uio_msi/bind, which the PCI core refuses (ENODEV)
# unless uio_msi may take the function: its driver_override names uio_msi
# (uio-msi bind, the udev list, driverctl), or uio_msi was loaded with the
# function's IDs (ids=, as DPDK users load vfio-pci).  uio_msi has no
# static ID table.  The tests show all three.

bats_require_minimum_version 1.5.0

load lib/common
load lib/udev

DEVBIND=/usr/bin/dpdk-devbind.py

# driverctl list-overrides lists every function with an override: none
# may be left by an earlier file.
setup_file() {
	devices_release
	file_state_save
}

teardown_file() {
	file_state_restore
	modprobe_cleanup
}

setup() {
	file_state_restore
}

teardown() {
	listen_stop
	monitor_stop
	udevd_stop
}

# Two vectors of ivshmem fire 1 and 2 times; listen must count exactly that.
ivshmem_works() {
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_MODE")" = "$MODE_MSIX" ]
	listen_start "$IVSHMEM_BDF" 0 1 --count 3 --timeout 60
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 0:1 1:2
	listen_wait
	[ "$(listen_count "$LISTEN_OUT" 0)" -eq 1 ]
	[ "$(listen_count "$LISTEN_OUT" 1)" -eq 2 ]
}

@test "driverctl --nosave set-override: loads uio_msi, binds, interrupts arrive" {
	module_unloaded
	run -0 "$DRIVERCTL" --nosave set-override "$IVSHMEM_BDF" "$DRIVER"
	[ -z "$output" ]
	module_loaded
	driver_is "$IVSHMEM_BDF" "$DRIVER"
	[ "$(dev_override "$IVSHMEM_BDF")" = "$DRIVER" ]
	run -0 "$DRIVERCTL" list-overrides
	[ "$output" = "$IVSHMEM_BDF $DRIVER" ]
	[ ! -e "$DRIVERCTL_CONF/pci-$IVSHMEM_BDF" ]
	ivshmem_works
}

# driverctl re-probes after clearing the override and reports the function
# it could not bind: ivshmem has no driver besides the user-space ones.
@test "driverctl unset-override releases a function that has no native driver (exit 1 unless --noprobe)" {
	"$DRIVERCTL" --nosave set-override "$IVSHMEM_BDF" "$DRIVER"
	driver_is "$IVSHMEM_BDF" "$DRIVER"
	run -1 "$DRIVERCTL" --nosave unset-override "$IVSHMEM_BDF"
	[ "$output" = "driverctl: failed to bind device $IVSHMEM_BDF to driver " ]
	driver_is "$IVSHMEM_BDF" none
	[ "$(dev_override "$IVSHMEM_BDF")" = "(null)" ]
	"$DRIVERCTL" --nosave set-override "$IVSHMEM_BDF" "$DRIVER"
	driver_is "$IVSHMEM_BDF" "$DRIVER"
	run -0 "$DRIVERCTL" --nosave --noprobe unset-override "$IVSHMEM_BDF"
	[ -z "$output" ]
	driver_is "$IVSHMEM_BDF" none
	[ "$(dev_override "$IVSHMEM_BDF")" = "(null)" ]
	# (With no override left, list-overrides fails so.)
	run -1 "$DRIVERCTL" list-overrides
	[ "$output" = "driverctl: No overridable devices found. Kernel too old?" ]
}

@test "driverctl takes nvme from its native driver and gives it back" {
	modprobe nvme
	WAIT_SECONDS=30 wait_until driver_is "$NVME_BDF" nvme
	run -0 "$DRIVERCTL" --nosave set-override "$NVME_BDF" "$DRIVER"
	driver_is "$NVME_BDF" "$DRIVER"
	[ "$(attr "$NVME_BDF" "$ATTR_MODE")" = "$MODE_MSIX" ]
	run -0 "$DRIVERCTL" --nosave unset-override "$NVME_BDF"
	[ -z "$output" ]
	WAIT_SECONDS=30 wait_until driver_is "$NVME_BDF" nvme
	[ "$(dev_override "$NVME_BDF")" = "(null)" ]
}

@test "driverctl saved override: re-applied on hotplug through udev and the unit (run by hand: systemd is not PID 1)" {
	udevd_start
	run -0 "$DRIVERCTL" set-override "$IVSHMEM_BDF" "$DRIVER"
	driver_is "$IVSHMEM_BDF" "$DRIVER"
	[ "$(cat "$DRIVERCTL_CONF/pci-$IVSHMEM_BDF")" = "$DRIVER" ]
	monitor_start
	hotplug "$IVSHMEM_BDF"
	monitor_stop
	# The new function has no override; udev asked systemd for the unit.
	driver_is "$IVSHMEM_BDF" none
	[ "$(dev_override "$IVSHMEM_BDF")" = "(null)" ]
	[ "$(add_event_property "$IVSHMEM_BDF" SYSTEMD_WANTS)" = "SYSTEMD_WANTS=driverctl@pci-$IVSHMEM_BDF.service" ]
	[[ $(add_event_property "$IVSHMEM_BDF" TAGS) == *:systemd:* ]]
	# What systemd would run.
	driverctl_unit_run "pci-$IVSHMEM_BDF"
	driver_is "$IVSHMEM_BDF" "$DRIVER"
	ivshmem_works
	# Without --noprobe, unset-override fails before it forgets the
	# saved override (no other driver takes ivshmem): the file stays.
	run -1 "$DRIVERCTL" unset-override "$IVSHMEM_BDF"
	[ "$output" = "driverctl: failed to bind device $IVSHMEM_BDF to driver " ]
	[ "$(cat "$DRIVERCTL_CONF/pci-$IVSHMEM_BDF")" = "$DRIVER" ]
	run -0 "$DRIVERCTL" --noprobe unset-override "$IVSHMEM_BDF"
	[ ! -e "$DRIVERCTL_CONF/pci-$IVSHMEM_BDF" ]
	driver_is "$IVSHMEM_BDF" none
	[ "$(dev_override "$IVSHMEM_BDF")" = "(null)" ]
}

# dpdk-devbind.py's output $1 without the warning it prints when none of
# igb_uio, vfio-pci and uio_pci_generic is loaded: whether one is depends
# on the test files run before this one, not on uio_msi.
devbind_said() {
	grep -vx "Warning: no supported DPDK kernel modules are loaded" <<<"$1" || true
}

# The devbind round trip from an unbound function whose driver_override is
# $1: --bind=uio_msi binds it (and clears driver_override), interrupts
# arrive, -u releases it.
devbind_round_trip() {
	local said
	driver_is "$IVSHMEM_BDF" none
	[ "$(dev_override "$IVSHMEM_BDF")" = "$1" ]
	said=$("$DEVBIND" --bind="$DRIVER" "$IVSHMEM_BDF" 2>&1)
	[ -z "$(devbind_said "$said")" ]
	driver_is "$IVSHMEM_BDF" "$DRIVER"
	[ "$(dev_override "$IVSHMEM_BDF")" = "(null)" ]
	ivshmem_works
	run -0 "$DEVBIND" -u "$IVSHMEM_BDF"
	driver_is "$IVSHMEM_BDF" none
}

@test "dpdk-devbind.py --bind=uio_msi alone: refused by the kernel (ENODEV), reported, exit status 0" {
	modprobe "$DRIVER"
	run -0 "$DEVBIND" --bind="$DRIVER" "$IVSHMEM_BDF"
	[ "$(devbind_said "$output")" = "Error: bind failed for $IVSHMEM_BDF - Cannot bind to driver $DRIVER: [Errno 19] No such device" ]
	driver_is "$IVSHMEM_BDF" none
	[ "$(dev_override "$IVSHMEM_BDF")" = "(null)" ]
}

@test "dpdk-devbind.py --bind=uio_msi after driver_override: binds, interrupts arrive; -u releases" {
	modprobe "$DRIVER"
	echo "$DRIVER" >"$(pci_dir "$IVSHMEM_BDF")/driver_override"
	run -0 "$DEVBIND" --bind="$DRIVER" "$IVSHMEM_BDF"
	[ -z "$(devbind_said "$output")" ]
	driver_is "$IVSHMEM_BDF" "$DRIVER"
	# devbind clears driver_override once the function is bound.
	[ "$(dev_override "$IVSHMEM_BDF")" = "(null)" ]
	# It shows as using a kernel driver (uio_msi is not in its list).  The
	# "unused" drivers are the function's other candidates, which differ
	# between kernels (6.12 does not list virtio_pci; the debug kernel,
	# with no other candidate, prints "unused=" alone) and with which of
	# DPDK's drivers are loaded.
	run -0 "$DEVBIND" --status-dev net
	echo "$output"
	grep -A2 -x "Network devices using kernel driver" <<<"$output" |
		grep -qE "^${IVSHMEM_BDF//./\\.} 'Inter-VM shared memory 1110' if= drv=$DRIVER( unused=([a-z_-]+(,[a-z_-]+)*)?)? *\$"
	ivshmem_works
	run -0 "$DEVBIND" -u "$IVSHMEM_BDF"
	[ -z "$(devbind_said "$output")" ]
	driver_is "$IVSHMEM_BDF" none
	[ "$(dev_override "$IVSHMEM_BDF")" = "(null)" ]
}

# "uio-msi bind" (and so the udev auto-binding) leaves driver_override set;
# devbind's unbind keeps it, so its bind works again.
@test "dpdk-devbind.py -u then --bind=uio_msi on a function bound by uio-msi bind" {
	modprobe "$DRIVER"
	dev_bind "$IVSHMEM_BDF"
	run -0 "$DEVBIND" -u "$IVSHMEM_BDF"
	devbind_round_trip "$DRIVER"
}

# The vfio-pci habit: "modprobe vfio-pci ids=..." then dpdk-devbind.  The
# IDs are a dynamic ID of uio_msi, which the kernel's bind matches.
@test "dpdk-devbind.py --bind=uio_msi with the IDs given to uio_msi (ids=): binds, interrupts arrive" {
	modprobe "$DRIVER" ids=1af4:1110
	# ids= binds the unclaimed function at once; give it back first.
	WAIT_SECONDS=10 wait_until driver_is "$IVSHMEM_BDF" "$DRIVER"
	run -0 "$DEVBIND" -u "$IVSHMEM_BDF"
	devbind_round_trip "(null)"
}
