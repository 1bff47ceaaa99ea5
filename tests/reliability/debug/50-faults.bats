#!/usr/bin/env bats
# Fault injection (debug kernel only: CONFIG_FAULT_INJECTION, FAILSLAB,
# FAIL_PAGE_ALLOC, and uio_msi's own fault points of src/module/fault.c,
# built with FAULT_INJECTION_DEBUG_FS): the memory allocations the kernel
# makes on the way of one write are made to fail, one per write, with
# /proc/thread-self/fail-nth (try-write --fail-nth N).  Each failure must
# be reported with an ABI errno and leave the device exactly as it was;
# the module must never leak (the run's last file asks kmemleak) nor
# upset the kernel log.  Covered: a mode change, an irq_count change, an
# eventfd bind (request_irq included), a probe (uio_register_device's
# allocations among its sampled points), request_irq and
# uio_register_device failing with any errno (fault.c), and the module
# load with ids= (pci_add_dynid included).

bats_require_minimum_version 1.5.0

load ../lib/rel

# On the debug kernel one write passes hundreds of fault points (the
# allocations of KASAN, kmemleak and debugobjects among them), at about
# 3 s a write under TCG: a sweep tries every one of the first and every
# one of the last FAULT_DENSE points (where a write's own allocations and
# its commit are), and points evenly spread between them, at most about
# FAULT_SAMPLES in all.
FAULT_SAMPLES=${UIO_MSI_FAULT_SAMPLES:-150}
FAULT_DENSE=${UIO_MSI_FAULT_DENSE:-40}

setup_file() {
	local attr
	# The kernel's own reports of the allocations made to fail here do
	# not fail the run; every other report still does
	# (tests/vm/kernel-log-check).
	echo "uio-msi-test: fault injection on" >/dev/kmsg
	# Fail GFP_KERNEL allocations too, quietly: a stack trace per
	# injected fault would be a "Call Trace:" for the log gate.
	for attr in failslab fail_page_alloc; do
		echo N >"/sys/kernel/debug/$attr/ignore-gfp-wait"
		echo 0 >"/sys/kernel/debug/$attr/verbose"
	done
	echo N >/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem
}

teardown_file() {
	echo "uio-msi-test: fault injection off" >/dev/kmsg
}

teardown() {
	module_unload
	echo >"$(pci_dir "$IVSHMEM_BDF")/driver_override"
	echo >"$(pci_dir "$EDU_BDF")/driver_override"
	echo >"$(pci_dir "$EDU2_BDF")/driver_override"
}

# sweep CHECK CMD...: count the fault points of one run of CMD (POINTS),
# then run it again with the Nth point failing for the sampled N (above),
# running CHECK RESULT N after each run.  "CMD... N" runs CMD with its Nth
# point failing and prints the outcome: "ENOMEM:FAULT" and the like for a
# failure, "OK:FAULT" for a fault CMD absorbed, "OK:NOFAULT:P" for a run
# that passed only P points.  FAULTS is how many runs failed by an
# injected fault.
sweep() {
	local check=$1 n result step=1 spread
	shift
	FAULTS=0 TRIED=0 ABSORBED=0
	# A fault armed far beyond CMD's points counts them.
	result=$("$@" 1000000)
	# CHECK runs plainly, never after || or in an if: only so does
	# errexit stop it at its first failed check.
	"$check" "$result" 0
	case $result in
	*:NOFAULT:[1-9]*) POINTS=${result##*:} ;;
	*) fail "counting run: unexpected result '$result'" ;;
	esac
	spread=$((POINTS - 2 * FAULT_DENSE))
	((POINTS <= FAULT_SAMPLES)) ||
		step=$(((spread + FAULT_SAMPLES - 2 * FAULT_DENSE - 1) / (FAULT_SAMPLES - 2 * FAULT_DENSE)))
	for ((n = 1; n <= POINTS; n++)); do
		((n <= FAULT_DENSE || n > POINTS - FAULT_DENSE ||
			(n - FAULT_DENSE) % step == 0)) || continue
		sweep_point "$n" "$check" "$@"
	done
	echo "$POINTS fault points, $TRIED tried: $FAULTS failed, $ABSORBED absorbed"
	figure fault_points "$POINTS"
	figure faults_tried "$TRIED"
}

# sweep_point N CHECK CMD...: one run of sweep's, counted.
sweep_point() {
	local n=$1 check=$2 result
	shift 2
	result=$("$@" "$n")
	"$check" "$result" "$n"
	TRIED=$((TRIED + 1))
	case $result in
	# This run passed fewer points than the counting one.
	*:NOFAULT:*) ;;
	OK:FAULT) ABSORBED=$((ABSORBED + 1)) ;;
	*:FAULT) FAULTS=$((FAULTS + 1)) ;;
	*) fail "fault $n: unexpected result '$result'" ;;
	esac
}

# write_at FILE DATA [TRY-WRITE OPTIONS...] N: write DATA to FILE with the
# Nth fault point failing.
write_at() {
	local file=$1 data=$2 n=${!#}
	shift 2
	"$TRY_WRITE" --fail-nth "$n" "${@:1:$#-1}" "$file" "$data"
}

# The errnos a failed allocation may give (ABI).
alloc_errno() {
	case $1 in
	ENOMEM:* | ENOSPC:*) return 0 ;;
	esac
	return 1
}

# state_kept RESULT N: a failure left ivshmem as it was (STATE); a
# success is undone for the next round by the function named RESTORE.
state_kept() {
	local now
	now=$(dev_state "$IVSHMEM_BDF")
	case $1 in
	OK:*)
		"$RESTORE"
		;;
	*)
		alloc_errno "$1" || fail "fault $2: '$1' is not an ABI errno"
		[ "$now" = "$STATE" ] || fail "fault $2 ($1): '$STATE' -> '$now'"
		;;
	esac
}

restore_six_masked() {
	echo 6 >"$(attr_path "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")"
	echo "3 1" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MASK")"
}
restore_all_masked() {
	echo "$UIO_MSI_IVSHMEM_VECTORS" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")"
	echo "2 1" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MASK")"
}
restore_unbound() { echo "1 -1" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")"; }

@test "mode change: each allocation failure is ENOMEM or ENOSPC and keeps mode, vectors and masks" {
	ivshmem_fresh
	echo "3 1" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MASK")"
	echo 6 >"$(attr_path "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")"
	echo "3 1" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MASK")"
	STATE=$(dev_state "$IVSHMEM_BDF")
	RESTORE=restore_six_masked
	sweep state_kept write_at "$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")" "$MODE_MSIX"
	echo "mode change: $FAULTS injected failures"
	[ "$FAULTS" -gt 0 ]
	figure injected_faults "$FAULTS"
	delivery_works "$IVSHMEM_BDF" 5
}

@test "irq_count change: each allocation failure keeps the previous vectors" {
	ivshmem_fresh
	echo "2 1" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MASK")"
	STATE=$(dev_state "$IVSHMEM_BDF")
	RESTORE=restore_all_masked
	sweep state_kept write_at "$(attr_path "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" 5
	echo "irq_count change: $FAULTS injected failures"
	[ "$FAULTS" -gt 0 ]
	figure injected_faults "$FAULTS"
	delivery_works "$IVSHMEM_BDF" 4
}

@test "eventfd bind: each allocation failure (request_irq's included) changes nothing: no IRQ, no bus mastering, no taint" {
	ivshmem_fresh
	local message="$IVSHMEM_BDF: bus mastering on for a user-space driver" before
	before=$(dmesg | grep -c "$message" || true)
	STATE=$(dev_state "$IVSHMEM_BDF")
	RESTORE=restore_unbound
	sweep state_kept write_at "$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")" "1 3" --eventfd 3
	echo "eventfd bind: $FAULTS injected failures"
	[ "$FAULTS" -gt 0 ]
	figure injected_faults "$FAULTS"
	bus_master_off "$IVSHMEM_BDF"
	# Only the binds that succeeded turned bus mastering on (once each:
	# every one was unbound again).
	[ "$(dmesg | grep -c "$message" || true)" -le $((before + 1)) ]
	delivery_works "$IVSHMEM_BDF" 1
}

# probe_unwound RESULT N: after a probe with fault N, ivshmem is bound and
# works, or not bound and left as the PCI core had it.
probe_unwound() {
	local uio
	if [ "$(dev_driver "$IVSHMEM_BDF")" = "$DRIVER" ]; then
		echo "$IVSHMEM_BDF" >/sys/bus/pci/drivers/"$DRIVER"/unbind
		return 0
	fi
	uio=$(find /sys/class/uio -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	[ "$uio" -eq 0 ] || fail "fault $2: probe failed, but a UIO device is left"
	[ -z "$(irq_vectors "$IVSHMEM_BDF")" ] || fail "fault $2: IRQs left"
	bus_master_off "$IVSHMEM_BDF" || fail "fault $2: bus mastering left on"
	msix_disabled "$IVSHMEM_BDF" || fail "fault $2: MSI-X left enabled"
}

@test "probe: each allocation failure (uio_register_device's included) unwinds completely" {
	module_unload
	module_load
	echo "$DRIVER" >"$(pci_dir "$IVSHMEM_BDF")/driver_override"
	local failed_before
	failed_before=$(dmesg | grep -c "probe of $IVSHMEM_BDF failed" || true)
	# The probe runs in the task writing drivers_probe.
	sweep probe_unwound write_at /sys/bus/pci/drivers_probe "$IVSHMEM_BDF"
	echo "probe: $FAULTS injected failures"
	[ "$(dmesg | grep -c "probe of $IVSHMEM_BDF failed" || true)" -gt "$failed_before" ]
	figure injected_faults "$FAULTS"
	dev_bind "$IVSHMEM_BDF"
	delivery_works "$IVSHMEM_BDF" 2
}

@test "request_irq failing for any reason (uio_msi's fail_request_irq): ENOSPC, nothing changed, the cause logged" {
	ivshmem_fresh
	local fi=/sys/kernel/debug/$DRIVER/fail_request_irq err message before want
	message="$IVSHMEM_BDF: bus mastering on for a user-space driver"
	echo 0 >"$fi/verbose"
	echo -1 >"$fi/times"
	echo 100 >"$fi/probability"
	STATE=$(dev_state "$IVSHMEM_BDF")
	before=$(dmesg | grep -c "$message" || true)
	# An INTx line held exclusively (EBUSY), a bad request (EINVAL), an
	# IRQ the core cannot set up (ENODEV): one errno for user space.
	for err in 16 22 19 12; do
		echo "$err" >"$fi/errno"
		want=ENOSPC
		[ "$err" != 12 ] || want=ENOMEM
		expect_write "$IVSHMEM_BDF" "$ATTR_EVENTFD" "$want" --eventfd 3 -- "7 3"
		[ "$err" = 12 ] ||
			dmesg | grep -q "$IVSHMEM_BDF: vector 7: request_irq([0-9]*): -$err" ||
			fail "errno $err: its cause is not in the log"
		[ "$(dev_state "$IVSHMEM_BDF")" = "$STATE" ]
	done
	echo 0 >"$fi/probability"
	bus_master_off "$IVSHMEM_BDF"
	[ "$(dmesg | grep -c "$message" || true)" -eq "$before" ]
	delivery_works "$IVSHMEM_BDF" 7
}

@test "probe: uio_register_device failing for any reason (uio_msi's fail_uio_register) unwinds completely" {
	module_unload
	module_load
	local fi=/sys/kernel/debug/$DRIVER/fail_uio_register err message before
	echo 0 >"$fi/verbose"
	echo -1 >"$fi/times"
	echo "$DRIVER" >"$(pci_dir "$IVSHMEM_BDF")/driver_override"
	# EBUSY, EINVAL, ENOMEM: the driver core logs each; ENODEV only at
	# debug level (a probe that rejects its match).
	for err in 16 22 12 19; do
		echo "$err" >"$fi/errno"
		echo 100 >"$fi/probability"
		message="probe of $IVSHMEM_BDF failed with error -$err"
		before=$(dmesg | grep -c "$message" || true)
		echo "$IVSHMEM_BDF" >/sys/bus/pci/drivers_probe
		echo 0 >"$fi/probability"
		[ "$(dev_driver "$IVSHMEM_BDF")" != "$DRIVER" ] ||
			fail "errno $err: the probe succeeded"
		probe_unwound "E$err:FAULT" "$err"
		[ "$err" = 19 ] || [ "$(dmesg | grep -c "$message" || true)" -eq $((before + 1)) ] ||
			fail "errno $err: no '$message' in the log"
	done
	dev_bind "$IVSHMEM_BDF"
	delivery_works "$IVSHMEM_BDF" 3
}

# load_checked RESULT N: reltool loadfault found nothing left of a failed
# load; a load fails only by an injected fault.
load_checked() {
	case $1 in
	OK:* | *:FAULT) ;;
	*) fail "fault $2: the load failed with no fault injected: '$1'" ;;
	esac
}

@test "module load with ids=: every allocation failure fails the load cleanly, pci_add_dynid's included" {
	local message="uio_msi: ids: cannot add 1234:11e8" before
	module_unload
	modprobe uio
	# Both edu functions match the ID; neither may probe, so that
	# pci_add_dynid's allocation is among the load's last points (a
	# probe's own are test 4's) and no probe runs ACPI code under
	# injected faults (Debian 6.1's ACPICA then reads freed memory).
	echo none >"$(pci_dir "$EDU_BDF")/driver_override"
	echo none >"$(pci_dir "$EDU2_BDF")/driver_override"
	before=$(dmesg | grep -c "$message" || true)
	sweep load_checked "$RELTOOL" loadfault "$UIO_MSI_KO" "ids=1234:11e8" "$EDU_BDF"
	echo "module load: $FAULTS injected failures"
	[ "$FAULTS" -gt 0 ]
	figure injected_faults "$FAULTS"
	# pci_add_dynid's allocation is among the last FAULT_DENSE points,
	# each of which the sweep tries.
	[ "$(($(dmesg | grep -c "$message" || true) - before))" -gt 0 ] ||
		fail "no injected fault reached pci_add_dynid"
	module_unloaded
}
