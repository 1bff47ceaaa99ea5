#!/usr/bin/env bats
# SR-IOV under concurrency, on QEMU's igb: one process makes and removes
# the VFs of the PF bound to uio_msi (sriov_numvfs 2, then 0; every
# fourth round by unbinding and rebinding the PF instead), while another
# binds every VF it finds to uio_msi, listens to all its vectors and
# rings them, for a bounded time.  The two race by design (a VF may
# vanish at any step of the other), so their own errors are expected;
# what must hold: no kernel report (the log gate; KASAN and lockdep on
# the debug kernel), nothing left behind (no VF, no IRQ line, no
# listener keeping the module), and afterwards the PF makes a VF whose
# vectors fire.  Skips without igb (bookworm's QEMU 7.2).

bats_require_minimum_version 1.5.0

load lib/rel

SECONDS_RUN=${UIO_MSI_SRIOV_SECONDS:-40}
IGBVF_FIRE=$UIO_MSI_HELPERS/igbvf-fire
PF=${IGB_BDF:-}
PF_DIR=/sys/bus/pci/devices/$PF

setup() {
	[ -n "$PF" ] ||
		skip "QEMU ${UIO_MSI_VM_QEMU_VERSION:-?} has no igb (tests/vm/qemu-backports installs QEMU 10)"
	module_unload
	module_load
	dev_bind "$PF"
	echo 0 >"$PF_DIR/sriov_drivers_autoprobe"
	PIDS=()
}

teardown() {
	[ -n "$PF" ] || return 0
	pids_kill
	[ "$(dev_driver "$PF")" != "$DRIVER" ] || echo 0 >"$PF_DIR/sriov_numvfs"
	module_unload
	echo 1 >"$PF_DIR/sriov_drivers_autoprobe"
	echo >"$PF_DIR/driver_override"
}

# Makes and removes VFs until $1 (a SECONDS value); prints its rounds.
sriov_churn() {
	local end=$1 rounds=0
	while ((SECONDS < end)); do
		rounds=$((rounds + 1))
		echo 2 >"$PF_DIR/sriov_numvfs" 2>/dev/null || true
		# Long enough, at times, for the other loop to bind and ring.
		sleep "$((RANDOM % 2)).$((RANDOM % 10))"
		if ((rounds % 4)); then
			echo 0 >"$PF_DIR/sriov_numvfs" 2>/dev/null || true
		else
			echo "$PF" >"/sys/bus/pci/drivers/$DRIVER/unbind" 2>/dev/null || true
			"$TOOL" bind "$PF" >/dev/null 2>&1 || true
			echo 0 >"$PF_DIR/sriov_drivers_autoprobe" 2>/dev/null || true
		fi
	done
	echo "rounds $rounds"
}

# Binds, listens to and rings whatever VFs exist until $1; prints how
# many listeners received at least one interrupt.
vf_churn() {
	local end=$1 vf link heard=0 out pid
	out=$(mktemp)
	while ((SECONDS < end)); do
		for link in "$PF_DIR"/virtfn*; do
			vf=$(basename "$(readlink "$link" 2>/dev/null)" 2>/dev/null) || continue
			[ -n "$vf" ] || continue
			"$TOOL" bind "$vf" >/dev/null 2>&1 || continue
			"$TOOL" listen "$vf" all --timeout 3 >"$out" 2>/dev/null &
			pid=$!
			sleep 0.3
			"$IGBVF_FIRE" "$vf" 0:1 1:1 2:1 >/dev/null 2>&1 || true
			wait "$pid" 2>/dev/null || true
			if grep -q '^vec ' "$out"; then
				heard=$((heard + 1))
			fi
		done
		sleep 0.1
	done
	rm -f "$out"
	echo "heard $heard"
}

@test "VFs made and removed while their VFs are bound, listened to and rung (${SECONDS_RUN}s)" {
	local dir end vf
	dir=$(mktemp -d)
	end=$((SECONDS + SECONDS_RUN))
	sriov_churn "$end" >"$dir/sriov" 3>&- &
	PIDS+=($!)
	vf_churn "$end" >"$dir/vf" 3>&- &
	PIDS+=($!)
	wait "${PIDS[0]}" "${PIDS[1]}"
	cat "$dir/sriov" "$dir/vf"
	grep -q '^rounds [1-9]' "$dir/sriov"
	figure concurrent_seconds "$SECONDS_RUN"
	figure sriov_rounds "$(sed -n 's/^rounds //p' "$dir/sriov")"
	figure sriov_vf_listeners_heard "$(sed -n 's/^heard //p' "$dir/vf")"

	# Back to a known state; nothing of the churn may remain.
	[ "$(dev_driver "$PF")" = "$DRIVER" ] || dev_bind "$PF"
	echo 0 >"$PF_DIR/sriov_numvfs"
	[ ! -e "$PF_DIR/virtfn0" ]
	[ "$(irq_total)" = 0 ]
	# No VF left on the driver (other files' functions may be bound).
	for vf in /sys/bus/pci/drivers/"$DRIVER"/0000:*; do
		[ ! -e "$vf/physfn" ] || fail "VF still bound: $vf"
	done

	# The PF still makes VFs, and a VF's vectors still fire.
	echo 1 >"$PF_DIR/sriov_numvfs"
	vf=$(basename "$(readlink "$PF_DIR/virtfn0")")
	dev_bind "$vf"
	listen_start "$vf" all --count 3 --timeout 60
	"$IGBVF_FIRE" "$vf" 0:1 1:1 2:1
	listen_wait
	[ "$(listen_count "$LISTEN_OUT" 2)" = 1 ]
	echo 0 >"$PF_DIR/sriov_numvfs"
	# Nothing holds the module.
	module_unload
}
