#!/usr/bin/env bats
# SR-IOV on QEMU's igb (82576, QEMU 8.0 and later): a PF bound to uio_msi
# creates and removes its VFs through the standard sriov_numvfs; the VFs
# (MSI-X only: no MSI, no INTx) bind to uio_msi like any function, and
# their vectors fire for real from the VF's own registers (igbvf-fire),
# each to its own eventfd; removing the VFs, or unbinding the PF, while
# VFs are bound, listened to and rung tears everything down cleanly.
#
# sriov_drivers_autoprobe is 0 (as a user-space PF driver would set it)
# unless a test says otherwise: no driver probes a new VF on its own.
# Without igb (bookworm's QEMU 7.2) every test skips; tests/vm/run uses
# QEMU 10 from bookworm-backports when tests/vm/qemu-backports installed it.

bats_require_minimum_version 1.5.0

load lib/common
load lib/udev

IGBVF_FIRE=$UIO_MSI_HELPERS/igbvf-fire
PF=${IGB_BDF:-}
PF_DIR=/sys/bus/pci/devices/$PF
VF_ID=8086:10ca

setup_file() {
	[ -n "$PF" ] ||
		skip "QEMU ${UIO_MSI_VM_QEMU_VERSION:-?} has no igb (tests/vm/qemu-backports installs QEMU 10)"
	sriov_fresh
}

teardown_file() {
	[ -n "$PF" ] || return 0
	sriov_reset
	module_unload
	echo 1 >"$PF_DIR/sriov_drivers_autoprobe"
	echo >"$PF_DIR/driver_override"
}

setup() {
	PIDS=()
	VFS=()
}

teardown() {
	pids_kill
	sriov_reset
}

# uio_msi loaded anew (with module parameters $@), the PF bound, no VFs.
sriov_fresh() {
	sriov_reset
	module_unload
	module_load "$@"
	dev_bind "$PF"
	echo 0 >"$PF_DIR/sriov_drivers_autoprobe"
}

# Whatever a test did: no VFs, the PF bound to uio_msi again.
sriov_reset() {
	if [ "$(dev_driver "$PF")" = "$DRIVER" ]; then
		echo 0 >"$PF_DIR/sriov_numvfs"
	elif [ "$(dev_driver "$PF")" != none ]; then
		echo "$PF" >"$PF_DIR/driver/unbind"
	fi
	module_loaded || module_load
	[ "$(dev_driver "$PF")" = "$DRIVER" ] || dev_bind "$PF"
	echo 0 >"$PF_DIR/sriov_drivers_autoprobe"
	[ "$(cat "$PF_DIR/sriov_numvfs")" = 0 ]
}

# vfs_read N: the addresses of the PF's first N VFs into VFS.
vfs_read() {
	local i
	VFS=()
	for ((i = 0; i < $1; i++)); do
		VFS+=("$(basename "$(readlink "$PF_DIR/virtfn$i")")")
	done
}

# vfs_create N: N VFs through sriov_numvfs; their addresses in VFS.
vfs_create() {
	echo "$1" >"$PF_DIR/sriov_numvfs"
	vfs_read "$1"
}

# Wait for the listeners (or other processes) in PIDS; fail if one failed.
pids_wait() {
	wait "${PIDS[@]}"
	PIDS=()
}

vfs_gone() {
	local vf
	for vf in "${VFS[@]}"; do
		[ ! -e "$(pci_dir "$vf")" ] || return 1
	done
	[ ! -e "$PF_DIR/virtfn0" ]
}

# vf_listen VF ARGS...: "uio-msi listen VF all ARGS" in the background,
# output in $BATS_TEST_TMPDIR/listen-VF.{out,err}, its PID in PIDS;
# returns once it has bound its eventfds.
vf_listen() {
	local vf=$1 out=$BATS_TEST_TMPDIR/listen-$1
	shift
	"$TOOL" listen "$vf" all "$@" >"$out.out" 2>"$out.err" &
	PIDS+=($!)
	WAIT_SECONDS=30 wait_until grep -q "listening on" "$out.err" ||
		{ cat "$out.err" >&2; return 1; }
}
vf_count() { listen_count "$BATS_TEST_TMPDIR/listen-$1.out" "$2"; }

# The kernel log since the test began, for messages of this test only.
dmesg_mark() { DMESG_MARK=$(dmesg | wc -l); }
dmesg_since_mark() { dmesg | tail -n +"$((DMESG_MARK + 1))"; }
# The PCI core's complaint about a PF driver that left its VFs behind.
no_vfs_left_behind() { ! dmesg_since_mark | grep -F "driver left SR-IOV enabled"; }

@test "sriov_numvfs on the PF bound to uio_msi: N makes N VFs, with a warning and a taint; 0 removes them" {
	dmesg_mark
	echo 2 >"$PF_DIR/sriov_numvfs"
	[ "$(cat "$PF_DIR/sriov_numvfs")" = 2 ]
	vfs_read 2
	local vf
	for vf in "${VFS[@]}"; do
		[ "$(cat "$(pci_dir "$vf")/vendor"):$(cat "$(pci_dir "$vf")/device")" = 0x8086:0x10ca ]
		[ "$(basename "$(readlink "$(pci_dir "$vf")/physfn")")" = "$PF" ]
		# sriov_drivers_autoprobe 0: nobody took it.
		[ "$(dev_driver "$vf")" = none ]
	done
	dmesg_since_mark | grep -F "$PF: enabling 2 VFs: a user-space driver controls their PF"
	taint_user
	[ "$(dev_driver "$PF")" = "$DRIVER" ]
	echo 0 >"$PF_DIR/sriov_numvfs"
	[ "$(cat "$PF_DIR/sriov_numvfs")" = 0 ]
	vfs_gone
	# The PF is still bound and usable.
	[ "$(attr "$PF" "$ATTR_MODE")" = "$MODE_MSIX" ]
}

@test "sriov_numvfs needs CAP_SYS_RAWIO, as uio_msi's own files do" {
	run setpriv --bounding-set=-sys_rawio --inh-caps=-sys_rawio -- \
		bash -c "echo 2 >'$PF_DIR/sriov_numvfs'"
	[ "$status" -ne 0 ]
	[[ $output == *"Operation not permitted"* ]] || fail "$output"
	[ "$(cat "$PF_DIR/sriov_numvfs")" = 0 ]
	vfs_create 1
	run setpriv --bounding-set=-sys_rawio --inh-caps=-sys_rawio -- \
		bash -c "echo 0 >'$PF_DIR/sriov_numvfs'"
	[ "$status" -ne 0 ]
	[ "$(cat "$PF_DIR/sriov_numvfs")" = 1 ]
}

@test "a VF binds in msix mode with its 3 vectors; msi and intx are EOPNOTSUPP in every mode" {
	vfs_create 1
	local vf=${VFS[0]} mode before after
	dev_bind "$vf"
	[ "$(attr "$vf" "$ATTR_MODE")" = "$MODE_MSIX" ]
	[ "$(attr "$vf" "$ATTR_IRQ_MAX")" = 3 ]
	[ "$(attr "$vf" "$ATTR_IRQ_COUNT")" = 3 ]
	# No INTx pin, no IRQ line, no MSI capability.
	[ "$(cat "$(pci_dir "$vf")/irq")" = 0 ]
	[ "$(msi_capable "$vf")" = 0 ]
	for mode in "$MODE_MSIX" "$MODE_NONE"; do
		run -0 "$TRY_WRITE" "$(attr_path "$vf" "$ATTR_MODE")" "$mode"
		[ "$output" = OK ]
		dev_state_into before "$vf"
		run -0 "$TRY_WRITE" "$(attr_path "$vf" "$ATTR_MODE")" \
			"$MODE_INTX" "$MODE_MSI"
		[ "$output" = "$(printf 'EOPNOTSUPP\nEOPNOTSUPP')" ] ||
			fail "from mode $mode: $output"
		dev_state_into after "$vf"
		[ "$after" = "$before" ] || fail "from $mode: '$before' -> '$after'"
	done
	# Asked for at bind (intr_mode), msi and intx fall back to none.
	for mode in "$MODE_INTX" "$MODE_MSI"; do
		"$TOOL" unbind "$vf" >/dev/null
		echo "$mode" >/sys/module/"$DRIVER"/parameters/intr_mode
		dev_bind "$vf"
		[ "$(attr "$vf" "$ATTR_MODE")" = "$MODE_NONE" ] ||
			fail "intr_mode=$mode: bound in mode $(attr "$vf" "$ATTR_MODE")"
		run -0 "$TRY_WRITE" "$(attr_path "$vf" "$ATTR_MODE")" "$MODE_INTX"
		[ "$output" = EOPNOTSUPP ]
	done
	echo auto >/sys/module/"$DRIVER"/parameters/intr_mode
	run -0 "$TRY_WRITE" "$(attr_path "$vf" "$ATTR_MODE")" "$MODE_MSIX"
	[ "$output" = OK ]
}

@test "two VFs bound: every vector fires from the VF's own registers, exactly to its own eventfd" {
	vfs_create 2
	local v
	dev_bind "${VFS[0]}"
	dev_bind "${VFS[1]}"
	run -0 "$TOOL" status
	[[ $output == *"${VFS[0]}  $VF_ID  "*"  VF of $PF"* ]] || fail "status: $output"
	[[ $output == *"${VFS[1]}  $VF_ID  "*"  VF of $PF"* ]] || fail "status: $output"
	[[ $output == *"$PF  "*"  PF: 2/"* ]] || fail "status: $output"
	# VF 0: vector v fires v + 1 times; VF 1: 3 - v times.
	vf_listen "${VFS[0]}" --count 6 --timeout 120
	vf_listen "${VFS[1]}" --count 6 --timeout 120
	[ "$(irq_vectors "${VFS[0]}")" = "0 1 2" ]
	[ "$(irq_vectors "${VFS[1]}")" = "0 1 2" ]
	bus_master_on "${VFS[0]}"
	"$IGBVF_FIRE" "${VFS[0]}" 0:1 1:2 2:3
	"$IGBVF_FIRE" "${VFS[1]}" 0:3 1:2 2:1
	pids_wait
	for ((v = 0; v < 3; v++)); do
		[ "$(vf_count "${VFS[0]}" "$v")" -eq $((v + 1)) ] ||
			fail "VF ${VFS[0]} vector $v: $(vf_count "${VFS[0]}" "$v"), fired $((v + 1))"
		[ "$(vf_count "${VFS[1]}" "$v")" -eq $((3 - v)) ] ||
			fail "VF ${VFS[1]} vector $v: $(vf_count "${VFS[1]}" "$v"), fired $((3 - v))"
	done
	WAIT_SECONDS=10 wait_until no_irqs "${VFS[0]}"
	WAIT_SECONDS=10 wait_until bus_master_off "${VFS[0]}"
}

# Both VFs bound and listened to, a background loop ringing every vector
# of both; returns once each VF has delivered an interrupt.
vfs_bound_and_rung() {
	local vf
	vfs_create 2
	for vf in "${VFS[@]}"; do
		dev_bind "$vf"
		vf_listen "$vf" --timeout 300
	done
	(
		# Until the VFs are gone (their resource files with them).
		while [ -e "$(pci_dir "${VFS[0]}")/resource0" ]; do
			for vf in "${VFS[@]}"; do
				"$IGBVF_FIRE" "$vf" 0:1 1:1 2:1 2>/dev/null || true
			done
		done
	) 3>&- &
	PIDS+=($!)
	for vf in "${VFS[@]}"; do
		WAIT_SECONDS=60 wait_until listen_received "$BATS_TEST_TMPDIR/listen-$vf.out" 2 1
	done
}

# After the VFs went away: no IRQ, no UIO device, no binding of theirs
# left; the PCI core found SR-IOV disabled; the ringing stopped.
vfs_torn_down() {
	local vf
	vfs_gone
	[ "$(cat "$PF_DIR/sriov_numvfs" 2>/dev/null || echo 0)" = 0 ]
	for vf in "${VFS[@]}"; do
		[ -z "$(irq_vectors "$vf")" ] || fail "$vf still has IRQs: $(irq_vectors "$vf")"
		[ ! -e "/sys/bus/pci/drivers/$DRIVER/$vf" ]
	done
	no_vfs_left_behind
	WAIT_SECONDS=30 wait_until process_gone "${PIDS[2]}"
}

@test "VFs removed (sriov_numvfs 0) while bound, listened to and rung: clean, the PF stays bound" {
	dmesg_mark
	vfs_bound_and_rung
	echo 0 >"$PF_DIR/sriov_numvfs"
	vfs_torn_down
	# The listeners' eventfds are simply never signalled again.
	kill -0 "${PIDS[0]}" "${PIDS[1]}"
	[ "$(dev_driver "$PF")" = "$DRIVER" ]
	[ "$(attr "$PF" "$ATTR_MODE")" = "$MODE_MSIX" ]
	[ "$(irq_total)" = 0 ]
}

@test "PF unbound while its VFs are bound, listened to and rung: the VFs go first, cleanly" {
	dmesg_mark
	vfs_bound_and_rung
	echo "$PF" >"/sys/bus/pci/drivers/$DRIVER/unbind"
	vfs_torn_down
	[ "$(dev_driver "$PF")" = none ]
	dmesg_since_mark | grep -F "$PF: removing 2 VFs"
	[ "$(irq_total)" = 0 ]
	# Bound again, the PF makes VFs again.
	dev_bind "$PF"
	vfs_create 1
	[ -e "$(pci_dir "${VFS[0]}")" ]
}

# A user-space driver on each VF that lets go when told (reltool release):
# removing the VFs, or unbinding the PF, must tell each one first, while
# its vectors still have their IRQs; the PF's own driver is told too.
@test "removing the VFs, and unbinding the PF, gives each VF bound to uio_msi its request notice first" {
	local how vf out
	for how in numvfs unbind; do
		vfs_create 2
		for vf in "${VFS[@]}"; do
			dev_bind "$vf"
			out=$BATS_TEST_TMPDIR/release-$how-$vf
			"$RELTOOL" release "$vf" 3 >"$out" &
			PIDS+=($!)
			WAIT_SECONDS=30 wait_until grep -qx bound "$out"
			WAIT_SECONDS=30 wait_until irq_vectors_are "$vf" "0 1 2"
		done
		if [ "$how" = numvfs ]; then
			echo 0 >"$PF_DIR/sriov_numvfs"
		else
			"$RELTOOL" notice "$(attr_path "$PF" "$ATTR_REQUEST_EVENTFD")" \
				>"$BATS_TEST_TMPDIR/pf-notice" &
			PIDS+=($!)
			WAIT_SECONDS=30 wait_until grep -qx bound "$BATS_TEST_TMPDIR/pf-notice"
			echo "$PF" >"/sys/bus/pci/drivers/$DRIVER/unbind"
			WAIT_SECONDS=30 wait_until grep -qx "notice 1" "$BATS_TEST_TMPDIR/pf-notice"
			dev_bind "$PF"
			echo 0 >"$PF_DIR/sriov_drivers_autoprobe"
		fi
		vfs_gone
		for vf in "${VFS[@]}"; do
			out=$BATS_TEST_TMPDIR/release-$how-$vf
			WAIT_SECONDS=30 wait_until grep -qx "request irqs 3" "$out" ||
				fail "$how, $vf: $(cat "$out")"
		done
		pids_kill
	done
}

@test "repeated: VFs made, bound, fired, removed by sriov_numvfs 0 or by unbinding the PF, 6 rounds" {
	local round vf
	dmesg_mark
	for round in 1 2 3 4 5 6; do
		vfs_create 2
		for vf in "${VFS[@]}"; do
			dev_bind "$vf"
			vf_listen "$vf" --count 3 --timeout 60
			"$IGBVF_FIRE" "$vf" 0:1 1:1 2:1
		done
		pids_wait
		if ((round % 2)); then
			echo 0 >"$PF_DIR/sriov_numvfs"
		else
			echo "$PF" >"/sys/bus/pci/drivers/$DRIVER/unbind"
			dev_bind "$PF"
		fi
		vfs_gone
	done
	[ "$(irq_total)" = 0 ]
	no_vfs_left_behind
	# Nothing holds the module.
	module_unload
	module_load
	dev_bind "$PF"
}

@test "ids= binds VFs as they appear (sriov_drivers_autoprobe 1); unloading removes them" {
	sriov_fresh ids="$VF_ID"
	echo 1 >"$PF_DIR/sriov_drivers_autoprobe"
	vfs_create 2
	[ "$(dev_driver "${VFS[0]}")" = "$DRIVER" ]
	[ "$(dev_driver "${VFS[1]}")" = "$DRIVER" ]
	vf_listen "${VFS[1]}" --count 2 --timeout 60
	"$IGBVF_FIRE" "${VFS[1]}" 2:2
	pids_wait
	[ "$(vf_count "${VFS[1]}" 2)" = 2 ]
	# rmmod unbinds the PF too: its VFs go with it.
	module_unload
	vfs_gone
	sriov_fresh
}

@test "driverctl and the udev list bind VFs as any function" {
	local vf
	vfs_create 2
	run -0 "$DRIVERCTL" --nosave set-override "${VFS[0]}" "$DRIVER"
	driver_is "${VFS[0]}" "$DRIVER"
	run -0 "$DRIVERCTL" --nosave --noprobe unset-override "${VFS[0]}"
	driver_is "${VFS[0]}" none
	echo 0 >"$PF_DIR/sriov_numvfs"

	# The udev list: VFs bound as they appear (hotplug "add" events).
	modules_loaded >"$BATS_TEST_TMPDIR/modules"
	make -s -C "$UIO_MSI_REPO/udev" install DESTDIR= >/dev/null
	mkdir -p /run/udev/rules.d /etc/uio-msi
	printf 'SUBSYSTEM=="pci", ENV{UIO_MSI_TOOL}="%s"\n' "$TOOL" \
		>/run/udev/rules.d/59-uio-msi-test.rules
	echo "$VF_ID" >/etc/uio-msi/devices
	modprobe_setup
	syslog_start
	udevd_start
	vfs_create 2
	udevadm settle
	for vf in "${VFS[@]}"; do
		WAIT_SECONDS=30 wait_until driver_is "$vf" "$DRIVER"
		[ -e "/dev/uio-msi/$vf" ]
	done
	# The PF is not on the list: udev left it alone.
	driver_is "$PF" "$DRIVER"
	echo 0 >"$PF_DIR/sriov_numvfs"
	udevadm settle
	udevd_stop
	syslog_stop
	rm -f /etc/uio-msi/devices /run/udev/rules.d/59-uio-msi-test.rules
	make -s -C "$UIO_MSI_REPO/udev" uninstall DESTDIR= >/dev/null
	rm -rf /run/uio-msi /dev/uio-msi /etc/uio-msi
	modprobe_cleanup
	# Debian's rules loaded igbvf for the VFs; sriov_drivers_autoprobe 0
	# kept it from them.  Unload what udev loaded, uio_msi excepted.
	echo "$DRIVER" >>"$BATS_TEST_TMPDIR/modules"
	modules_restore "$BATS_TEST_TMPDIR/modules"
}
