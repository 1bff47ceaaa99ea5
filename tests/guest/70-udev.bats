#!/usr/bin/env bats
# Auto-binding with the real systemd-udevd: the rules and helper of udev/,
# installed by "make -C udev install" as the package installs them, bind
# the functions listed in /etc/uio-msi/devices on hotplug (remove, rescan)
# and on coldplug ("udevadm trigger --action=add", as at boot), and only
# those; every function bound to uio_msi gets /dev/uio-msi/<BDF>.
#
# udevd runs for the whole file with Debian's rules (80-drivers.rules loads
# native drivers: nvme for the nvme function).  The helper runs the tool
# under test ($UIO_MSI_TOOL, through a udev property set by a test rule).
# Each test starts as after boot: the test functions unbound without
# driver_override, uio_msi and nvme not loaded, no list.

bats_require_minimum_version 1.5.0

load lib/common
load lib/udev

LIST=/etc/uio-msi/devices
HELPER=/usr/libexec/uio-msi/autobind
RULES=/usr/lib/udev/rules.d/60-uio-msi.rules
TEST_RULES=/run/udev/rules.d/59-uio-msi-test.rules

setup_file() {
	file_state_save
	make -s -C "$UIO_MSI_REPO/udev" install DESTDIR= >/dev/null
	mkdir -p /run/udev/rules.d
	printf 'SUBSYSTEM=="pci", ENV{UIO_MSI_TOOL}="%s"\n' "$TOOL" >"$TEST_RULES"
	syslog_start
	udevd_start
}

# udevd goes last but one: it removes the /dev/uio-msi links.
teardown_file() {
	rm -f "$LIST"
	file_state_restore
	udevd_stop
	syslog_stop
	rm -f "$TEST_RULES"
	make -s -C "$UIO_MSI_REPO/udev" uninstall DESTDIR= >/dev/null
	rm -rf /run/uio-msi /dev/uio-msi /etc/uio-msi
	modprobe_cleanup
}

# As after boot (see the top); the helper's memory of this boot too.
setup() {
	rm -f "$LIST"
	udevadm settle
	file_state_restore
	rm -rf /run/uio-msi
	udevadm settle
	log_mark
}

# A whole-bus trigger also binds the functions that share a listed ID
# (edu2, ivshmem2): they must not stay bound into the next test.
teardown() {
	local bdf
	listen_stop
	monitor_stop
	for bdf in "$EDU2_BDF" "$IVSHMEM2_BDF"; do
		[ "$(dev_driver "$bdf")" != "$DRIVER" ] ||
			echo "$bdf" >/sys/bus/pci/drivers/"$DRIVER"/unbind
		echo >"$(pci_dir "$bdf")/driver_override"
	done
}

list() { printf '%s\n' "$@" >"$LIST"; }

uio_of() { echo "uio${1##*/uio}"; }

# The log line of a successful bind of $1.
bound_line() { echo "info $1: bound to $DRIVER ($(uio_node "$1"))"; }

nvme_probed() { kmsg_since_mark | grep -q "nvme nvme[0-9]*: pci function $NVME_BDF"; }
nvme_not_probed() { ! nvme_probed; }
nvme_loaded() { [ -d /sys/module/nvme ]; }
nvme_unloaded() { [ ! -d /sys/module/nvme ]; }

@test "make install: rules, helper, man page, and a list that binds nothing (kept if present)" {
	rm -f "$LIST"
	run -0 make -s -C "$UIO_MSI_REPO/udev" install DESTDIR=
	[ -z "$output" ]
	cmp "$UIO_MSI_REPO/udev/devices" "$LIST"
	echo "# mine" >"$LIST"
	run -0 make -s -C "$UIO_MSI_REPO/udev" install DESTDIR=
	[ "$output" = "keeping $LIST" ]
	[ "$(cat "$LIST")" = "# mine" ]
	cp "$UIO_MSI_REPO/udev/devices" "$LIST"
	[ "$(stat -c %a "$RULES")" = 644 ]
	[ "$(stat -c %a "$HELPER")" = 755 ]
	[ "$(stat -c %a "$LIST")" = 644 ]
	[ "$(stat -c %a /usr/share/man/man5/uio-msi-devices.5)" = 644 ]
	# The helper's path in the installed rules is the installed helper.
	grep -q "RUN+=\"$HELPER \$kernel\"" "$RULES"
	# The shipped list is comments only: it checks clean, binds nothing.
	run -1 grep -v '^#' "$LIST"
	run -0 "$HELPER" --check
	[ -z "$output" ]
	coldplug "${TEST_BDFS[@]}"
	driver_is "$IVSHMEM_BDF" none
	driver_is "$EDU_BDF" none
	WAIT_SECONDS=30 wait_until driver_is "$NVME_BDF" nvme
	[ -z "$(log_since_mark)" ]
}

@test "udevadm test: the rules parse, the helper runs before 80-drivers' module autoload" {
	run -0 udevadm test --action=add "$(pci_dir "$NVME_BDF")"
	# No complaint about our file (udev reports and skips bad lines).
	local complaints runs
	complaints=$(grep -F 60-uio-msi.rules <<<"$output" |
		grep -iE 'invalid|ignor|error|fail|unknown' || true)
	[ -z "$complaints" ] || fail "$complaints"
	runs=$(grep "^run: " <<<"$output")
	[ "$(head -n 2 <<<"$runs")" = "run: '$HELPER $NVME_BDF'
run: 'kmod load'" ] || fail "RUN order: $runs"
}

@test "by vendor:device, hotplug: bound; the others not" {
	list "# QEMU ivshmem" "1af4:1110    # trailing comment"
	hotplug "$IVSHMEM_BDF" "$EDU_BDF"
	WAIT_SECONDS=30 wait_until driver_is "$IVSHMEM_BDF" "$DRIVER"
	[ "$(dev_override "$IVSHMEM_BDF")" = "$DRIVER" ]
	driver_is "$EDU_BDF" none
	[ "$(dev_override "$EDU_BDF")" = "(null)" ]
	[ "$(log_since_mark)" = "$(bound_line "$IVSHMEM_BDF")" ]
}

@test "by vendor:device, coldplug: bound, uio_msi loaded by the helper; the others not" {
	module_unloaded
	list "1AF4:1110"
	coldplug "${TEST_BDFS[@]}"
	WAIT_SECONDS=30 wait_until driver_is "$IVSHMEM_BDF" "$DRIVER"
	module_loaded
	driver_is "$EDU_BDF" none
	# nvme is not listed: its native driver, loaded by 80-drivers.rules.
	WAIT_SECONDS=30 wait_until driver_is "$NVME_BDF" nvme
	[ "$(dev_override "$NVME_BDF")" = "(null)" ]
	[ "$(log_since_mark)" = "$(bound_line "$IVSHMEM_BDF")" ]
}

@test "by vendor:device + subvendor:subdevice, hotplug: only the function with those subsystem IDs" {
	[ "$(cat "$(pci_dir "$EDU_BDF")"/subsystem_vendor)" = 0x1af4 ]
	[ "$(cat "$(pci_dir "$EDU_BDF")"/subsystem_device)" = 0x1100 ]
	[ "$(cat "$(pci_dir "$IVSHMEM_BDF")"/subsystem_device)" = 0x1100 ]
	list "1234:11E8 1AF4:1100" $'1af4:1110\t1af4:1101'
	hotplug "$IVSHMEM_BDF" "$EDU_BDF"
	WAIT_SECONDS=30 wait_until driver_is "$EDU_BDF" "$DRIVER"
	driver_is "$IVSHMEM_BDF" none
	[ "$(dev_override "$IVSHMEM_BDF")" = "(null)" ]
	[ "$(log_since_mark)" = "$(bound_line "$EDU_BDF")" ]
}

@test "by vendor:device + subvendor:subdevice, coldplug: only the function with those subsystem IDs" {
	list "1234:11e8 1af4:1100" "1af4:1110 1af4:1101"
	coldplug "$IVSHMEM_BDF" "$EDU_BDF"
	WAIT_SECONDS=30 wait_until driver_is "$EDU_BDF" "$DRIVER"
	driver_is "$IVSHMEM_BDF" none
	[ "$(log_since_mark)" = "$(bound_line "$EDU_BDF")" ]
}

@test "by address, hotplug: nvme bound to uio_msi before its native driver loads" {
	nvme_unloaded
	list "0000:00:06.0"
	kmsg_mark
	hotplug "$NVME_BDF"
	WAIT_SECONDS=30 wait_until driver_is "$NVME_BDF" "$DRIVER"
	# 80-drivers.rules did load nvme for the new function, after the
	# helper had set driver_override: nvme never probed it.
	nvme_loaded
	nvme_not_probed
	[ "$(log_since_mark)" = "$(bound_line "$NVME_BDF")" ]
}

@test "by address, coldplug: nvme bound to uio_msi before its native driver loads" {
	list "0000:00:06.0"
	kmsg_mark
	coldplug "${TEST_BDFS[@]}"
	WAIT_SECONDS=30 wait_until driver_is "$NVME_BDF" "$DRIVER"
	nvme_loaded
	nvme_not_probed
	driver_is "$IVSHMEM_BDF" none
	driver_is "$EDU_BDF" none
	[ "$(log_since_mark)" = "$(bound_line "$NVME_BDF")" ]
}

@test "taken over from its native driver: nvme loaded first, coldplug and hotplug" {
	kmsg_mark
	modprobe nvme
	WAIT_SECONDS=30 wait_until driver_is "$NVME_BDF" nvme
	nvme_probed
	list "0000:00:06.0"
	coldplug "$NVME_BDF"
	WAIT_SECONDS=30 wait_until driver_is "$NVME_BDF" "$DRIVER"
	# Hotplug: the kernel binds nvme as it adds the function, before
	# udev hears of it; the helper unbinds it.
	"$TOOL" unbind "$NVME_BDF"
	kmsg_mark
	hotplug "$NVME_BDF"
	WAIT_SECONDS=30 wait_until driver_is "$NVME_BDF" "$DRIVER"
	nvme_probed
	[ "$(dev_override "$NVME_BDF")" = "$DRIVER" ]
	[ "$(log_since_mark | grep -c "^info $NVME_BDF: bound to $DRIVER (uio[0-9]*)$")" -eq 2 ]
	[ "$(log_since_mark | wc -l)" -eq 2 ]
}

@test "taken over from uio_pci_generic bound through new_id" {
	modprobe uio_pci_generic
	echo "1af4 1110" >/sys/bus/pci/drivers/uio_pci_generic/new_id
	WAIT_SECONDS=10 wait_until driver_is "$IVSHMEM_BDF" uio_pci_generic
	[ "$(dev_override "$IVSHMEM_BDF")" = "(null)" ]
	list "1af4:1110"
	coldplug "$IVSHMEM_BDF"
	WAIT_SECONDS=30 wait_until driver_is "$IVSHMEM_BDF" "$DRIVER"
	echo "1af4 1110" >/sys/bus/pci/drivers/uio_pci_generic/remove_id
	[ "$(log_since_mark)" = "$(bound_line "$IVSHMEM_BDF")" ]
}

@test "left alone, with a notice, when driver_override names another driver" {
	modprobe uio_pci_generic
	echo uio_pci_generic >"$(pci_dir "$IVSHMEM_BDF")/driver_override"
	echo "$IVSHMEM_BDF" >/sys/bus/pci/drivers_probe
	driver_is "$IVSHMEM_BDF" uio_pci_generic
	list "1af4:1110"
	coldplug "$IVSHMEM_BDF"
	driver_is "$IVSHMEM_BDF" uio_pci_generic
	[ "$(dev_override "$IVSHMEM_BDF")" = uio_pci_generic ]
	[ "$(log_since_mark)" = "notice $IVSHMEM_BDF: listed in $LIST, but its driver_override is uio_pci_generic: left alone" ]
}

# driverctl's override is applied by a systemd unit that udev requests for
# the new function, so after the helper: run here by hand, as systemd is
# not PID 1 in this guest.
@test "a saved driverctl override for another driver wins over the list" {
	list "1af4:1110"
	"$DRIVERCTL" set-override "$IVSHMEM_BDF" uio_pci_generic
	driver_is "$IVSHMEM_BDF" uio_pci_generic
	coldplug "$IVSHMEM_BDF"
	driver_is "$IVSHMEM_BDF" uio_pci_generic
	monitor_start
	hotplug "$IVSHMEM_BDF"
	monitor_stop
	WAIT_SECONDS=30 wait_until driver_is "$IVSHMEM_BDF" "$DRIVER"
	[ "$(add_event_property "$IVSHMEM_BDF" SYSTEMD_WANTS)" = "SYSTEMD_WANTS=driverctl@pci-$IVSHMEM_BDF.service" ]
	driverctl_unit_run "pci-$IVSHMEM_BDF"
	driver_is "$IVSHMEM_BDF" uio_pci_generic
	[ "$(dev_override "$IVSHMEM_BDF")" = uio_pci_generic ]
	local logged
	mapfile -t logged < <(log_since_mark)
	[ "${#logged[@]}" -eq 2 ]
	[ "${logged[0]}" = "notice $IVSHMEM_BDF: listed in $LIST, but its driver_override is uio_pci_generic: left alone" ]
	[[ ${logged[1]} =~ ^"info $IVSHMEM_BDF: bound to $DRIVER (uio"[0-9]+")"$ ]]
	"$DRIVERCTL" --noprobe unset-override "$IVSHMEM_BDF"
}

@test "not listed: untouched on hotplug (no driver, or the native one)" {
	list "1234:11e8"
	hotplug "$IVSHMEM_BDF" "$NVME_BDF"
	WAIT_SECONDS=30 wait_until driver_is "$NVME_BDF" nvme
	driver_is "$IVSHMEM_BDF" none
	[ "$(dev_override "$IVSHMEM_BDF")" = "(null)" ]
	[ "$(dev_override "$NVME_BDF")" = "(null)" ]
	[ -z "$(log_since_mark)" ]
}

# The whole bus, root file system's virtio included, with the action the
# list's header recommends after editing it.
# The harness has two edu functions (EDU_BDF, EDU2_BDF): the ID binds both.
@test "udevadm trigger of every PCI function binds the listed ID's functions and changes nothing else" {
	modprobe nvme
	WAIT_SECONDS=30 wait_until driver_is "$NVME_BDF" nvme
	local dev bdf before=() after=()
	for dev in /sys/bus/pci/devices/*; do
		bdf=${dev##*/}
		[ "$bdf" = "$EDU_BDF" ] || [ "$bdf" = "$EDU2_BDF" ] ||
			before+=("$bdf $(dev_driver "$bdf") $(dev_override "$bdf")")
	done
	[ "${#before[@]}" -ge 8 ]
	list "1234:11e8"
	udevadm trigger --subsystem-match=pci --settle
	udevadm settle
	WAIT_SECONDS=30 wait_until driver_is "$EDU_BDF" "$DRIVER"
	WAIT_SECONDS=30 wait_until driver_is "$EDU2_BDF" "$DRIVER"
	for dev in /sys/bus/pci/devices/*; do
		bdf=${dev##*/}
		[ "$bdf" = "$EDU_BDF" ] || [ "$bdf" = "$EDU2_BDF" ] ||
			after+=("$bdf $(dev_driver "$bdf") $(dev_override "$bdf")")
	done
	[ "${before[*]}" = "${after[*]}" ] || fail "before: ${before[*]}; after: ${after[*]}"
	[ "$(log_since_mark | sort)" = "$({ bound_line "$EDU_BDF"; bound_line "$EDU2_BDF"; } | sort)" ]
}

@test "/dev/uio-msi/<BDF> links to the function's /dev/uioN, however it was bound" {
	list "1af4:1110" "0000:00:05.0"
	coldplug "$IVSHMEM_BDF" "$EDU_BDF"
	WAIT_SECONDS=30 wait_until driver_is "$IVSHMEM_BDF" "$DRIVER"
	WAIT_SECONDS=30 wait_until driver_is "$EDU_BDF" "$DRIVER"
	# Bound by hand, not listed.
	dev_bind "$NVME_BDF"
	udevadm settle
	local bdf nodes=()
	for bdf in "${TEST_BDFS[@]}"; do
		[ -L /dev/uio-msi/"$bdf" ] || fail "no /dev/uio-msi/$bdf"
		[ "$(readlink -f /dev/uio-msi/"$bdf")" = /dev/"$(uio_node "$bdf")" ]
		[ -c /dev/uio-msi/"$bdf" ]
		nodes+=("$(uio_node "$bdf")")
	done
	[ "$(printf '%s\n' "${nodes[@]}" | sort -u | wc -l)" -eq 3 ]
	[ "$(find /dev/uio-msi -mindepth 1 | wc -l)" -eq 3 ]
	# A "change" event keeps the link (the rule is ACTION!="remove").
	udevadm trigger --action=change --settle /sys/class/uio/"$(uio_node "$IVSHMEM_BDF")"
	[ "$(readlink -f /dev/uio-msi/"$IVSHMEM_BDF")" = /dev/"$(uio_node "$IVSHMEM_BDF")" ]
	# Unbinding removes it, and only it.
	"$TOOL" unbind "$IVSHMEM_BDF"
	udevadm settle
	[ ! -e /dev/uio-msi/"$IVSHMEM_BDF" ]
	[ ! -L /dev/uio-msi/"$IVSHMEM_BDF" ]
	[ "$(readlink -f /dev/uio-msi/"$EDU_BDF")" = /dev/"$(uio_node "$EDU_BDF")" ]
}

@test "malformed lines: logged once with their numbers, the other lines still bind" {
	local why="ignored (expected VENDOR:DEVICE [SUBVENDOR:SUBDEVICE] or DOMAIN:BUS:DEVICE.FUNCTION)"
	local messages=(
		"$LIST:2: malformed entry \"1af4:111\" $why"
		"$LIST:4: malformed entry \"1234:11e8 1af4\" $why"
		"$LIST:7: malformed entry \"0000:00:5.0\" $why"
		"$LIST:8: malformed entry \"0000:00:06.0 0000:00:05.0\" $why"
	)
	local expected
	expected=$(printf 'warning %s\n' "${messages[@]}")
	list "# test list" \
		"1af4:111" \
		"1af4:1110" \
		"1234:11e8 1af4     # half a subsystem" \
		"" \
		"0000:00:05.0   # edu" \
		"0000:00:5.0" \
		"0000:00:06.0 0000:00:05.0"
	# Three functions, three runs of the helper: each line logged once.
	coldplug "${TEST_BDFS[@]}"
	WAIT_SECONDS=30 wait_until driver_is "$IVSHMEM_BDF" "$DRIVER"
	WAIT_SECONDS=30 wait_until driver_is "$EDU_BDF" "$DRIVER"
	WAIT_SECONDS=30 wait_until driver_is "$NVME_BDF" nvme
	[ "$(log_since_mark | grep '^warning ')" = "$expected" ]
	[ "$(log_since_mark | grep -v '^warning ' | sort)" = "$(printf '%s\n' \
		"$(bound_line "$IVSHMEM_BDF")" "$(bound_line "$EDU_BDF")" | sort)" ]
	# --check prints the same (without the tag) and fails.
	run -1 "$HELPER" --check
	[ "$output" = "$(printf '%s\n' "${messages[@]}")" ]
	# Once per version of the list: a new one is reported again.
	"$TOOL" unbind "$IVSHMEM_BDF"
	touch "$LIST"
	log_mark
	coldplug "$IVSHMEM_BDF"
	WAIT_SECONDS=30 wait_until driver_is "$IVSHMEM_BDF" "$DRIVER"
	[ "$(log_since_mark)" = "$expected
$(bound_line "$IVSHMEM_BDF")" ]
}

@test "an auto-bound function works: its interrupts reach uio-msi listen" {
	list "1af4:1110"
	hotplug "$IVSHMEM_BDF"
	WAIT_SECONDS=30 wait_until driver_is "$IVSHMEM_BDF" "$DRIVER"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_MODE")" = "$MODE_MSIX" ]
	listen_start "$IVSHMEM_BDF" 0 1 2 --count 6 --timeout 60
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 0:1 1:2 2:3
	listen_wait
	[ "$(listen_count "$LISTEN_OUT" 0)" -eq 1 ]
	[ "$(listen_count "$LISTEN_OUT" 1)" -eq 2 ]
	[ "$(listen_count "$LISTEN_OUT" 2)" -eq 3 ]
}
