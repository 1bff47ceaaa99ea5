#!/usr/bin/env bats
# PIDS is per test: bats runs a test with its setup and teardown in one
# process, which shellcheck sees as subshells.
# shellcheck disable=SC2030,SC2031
# The request notice: when the kernel is about to take the device away
# (driver unbind, PCI removal, rmmod), the eventfd bound to request_eventfd
# is signalled first, while the vectors still have their IRQs; removal
# then waits at most release_wait_ms for the user-space driver to let go
# (close its eventfds and /dev/uioN), and proceeds regardless.

bats_require_minimum_version 1.5.0

load lib/common

setup() {
	ivshmem_fresh
	WAIT_PARAM=/sys/module/$DRIVER/parameters/release_wait_ms
}

teardown() {
	ivshmem_teardown
}

# request_watcher: a process that counts request notices and never lets
# go by itself (reltool notice); REQUEST_OUT is its output.
request_watcher() {
	REQUEST_OUT=$(mktemp)
	"$RELTOOL" notice "$(attr_path "$IVSHMEM_BDF" "$ATTR_REQUEST_EVENTFD")" >"$REQUEST_OUT" &
	PIDS+=($!)
	wait_until grep -qx bound "$REQUEST_OUT"
}

# unbind_timed: unbind ivshmem (failing after 120 s); UNBIND_SECONDS is
# how long it took.
unbind_timed() {
	local start end
	start=$(date +%s.%N)
	timeout 120 sh -c "echo $IVSHMEM_BDF >/sys/bus/pci/drivers/$DRIVER/unbind"
	end=$(date +%s.%N)
	UNBIND_SECONDS=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	[ "$(dev_driver "$IVSHMEM_BDF")" = none ]
}

still_listens() { dmesg | grep -c "$IVSHMEM_BDF: user space still listens after" || true; }

@test "release_wait_ms is a documented parameter, 1000 ms by default" {
	[ "$(cat "$WAIT_PARAM")" = 1000 ]
	run -0 modinfo -F parm "$UIO_MSI_KO"
	[[ "$output" == *"release_wait_ms:"* ]]
}

@test "notices reads the bound notices; request_eventfd is write-only, strict and privileged" {
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_NOTICES")" = "" ]
	request_watcher
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_NOTICES")" = request ]
	run ! cat "$(attr_path "$IVSHMEM_BDF" "$ATTR_REQUEST_EVENTFD")"
	expect_write "$IVSHMEM_BDF" "$ATTR_REQUEST_EVENTFD" EINVAL --eventfd 3 -- \
		'3 3' ' 3' '3 ' '03' '+3' 'x' '3\n\n' '-0' '\n'
	expect_write "$IVSHMEM_BDF" "$ATTR_REQUEST_EVENTFD" EBADF --close 99 -- '99' '-2'
	expect_write "$IVSHMEM_BDF" "$ATTR_REQUEST_EVENTFD" EINVAL --open 7 /dev/null -- '7'
	run -0 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$TRY_WRITE" "$(attr_path "$IVSHMEM_BDF" "$ATTR_REQUEST_EVENTFD")" -1
	[ "$output" = EACCES ]
	echo -1 >"$(attr_path "$IVSHMEM_BDF" "$ATTR_REQUEST_EVENTFD")"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_NOTICES")" = "" ]
}

@test "release_wait_ms 0: the request is signalled at unbind, and removal does not wait" {
	echo 0 >"$WAIT_PARAM"
	request_watcher
	listen_start "$IVSHMEM_BDF" 0-3
	local before
	before=$(still_listens)
	unbind_timed
	wait_until grep -qx "notice 1" "$REQUEST_OUT"
	[ "$(still_listens)" -eq "$before" ]
	[ -z "$(irq_vectors "$IVSHMEM_BDF")" ]
	bus_master_off "$IVSHMEM_BDF"
	kill -0 "$LISTEN_PID"
	echo 1000 >"$WAIT_PARAM"
}

@test "a driver that lets go when told: it is told while its IRQs are there, and removal proceeds at once" {
	local out before
	echo 60000 >"$WAIT_PARAM"
	out=$(mktemp)
	"$RELTOOL" release "$IVSHMEM_BDF" 4 >"$out" &
	PIDS+=($!)
	wait_until grep -qx bound "$out"
	wait_until irq_vectors_are "$IVSHMEM_BDF" "0 1 2 3"
	before=$(still_listens)
	unbind_timed
	# Well before the 60 s it would otherwise have waited.
	awk -v t="$UNBIND_SECONDS" 'BEGIN { exit !(t < 30) }' ||
		fail "removal took $UNBIND_SECONDS s although the driver let go"
	grep -qx "request irqs 4" "$out" || fail "when told: $(cat "$out")"
	[ "$(still_listens)" -eq "$before" ]
	[ -z "$(irq_vectors "$IVSHMEM_BDF")" ]
	bus_master_off "$IVSHMEM_BDF"
	echo 1000 >"$WAIT_PARAM"
}

@test "a driver that never lets go delays removal by release_wait_ms, then it proceeds" {
	echo 3000 >"$WAIT_PARAM"
	request_watcher
	listen_start "$IVSHMEM_BDF" 0-3
	uio_open "$IVSHMEM_BDF"
	local before
	before=$(still_listens)
	unbind_timed
	awk -v t="$UNBIND_SECONDS" 'BEGIN { exit !(t >= 2.9) }' ||
		fail "removal took $UNBIND_SECONDS s: it did not wait for the listeners"
	[ "$(still_listens)" -eq $((before + 1)) ]
	dmesg | grep -q "$IVSHMEM_BDF: user space still listens after 3000 ms: taking the device away"
	grep -qx "notice 1" "$REQUEST_OUT"
	# Taken away regardless: no IRQ, no bus mastering, /dev/uioN dead.
	[ -z "$(irq_vectors "$IVSHMEM_BDF")" ]
	bus_master_off "$IVSHMEM_BDF"
	run uio_read 1
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	kill -0 "$LISTEN_PID"
	echo 1000 >"$WAIT_PARAM"
}

@test "PCI removal and rmmod signal the request as well" {
	request_watcher
	listen_start "$IVSHMEM_BDF" 1
	echo 1 >"$(pci_dir "$IVSHMEM_BDF")/remove"
	wait_until grep -qx "notice 1" "$REQUEST_OUT"
	pids_kill
	listen_stop
	echo 1 >/sys/bus/pci/rescan
	wait_until test -e "$(pci_dir "$IVSHMEM_BDF")"
	dev_bind "$IVSHMEM_BDF"
	request_watcher
	rmmod "$DRIVER"
	wait_until grep -qx "notice 1" "$REQUEST_OUT"
	module_unloaded
}
