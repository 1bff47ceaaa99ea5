#!/usr/bin/env bats
# PIDS is per test: bats runs a test with its setup and teardown in one
# process, which shellcheck sees as subshells.
# shellcheck disable=SC2030,SC2031
# The tool's commands for masks and notices on the real module: uio-msi
# mask and unmask with real ivshmem interrupts; listen and exec with the
# request notice while the device is unbound (each lets go by itself, so
# removal does not wait); listen with an AER error injected by QEMU; and
# the fields status --json reads from the new attributes.

bats_require_minimum_version 1.5.0

load lib/common

setup() {
	ivshmem_fresh
	WAIT_PARAM=/sys/module/$DRIVER/parameters/release_wait_ms
}

teardown() {
	ivshmem_teardown
	devices_release
}

masks() { attr "$IVSHMEM_BDF" "$ATTR_MASK"; }



# status_json BDF EXPR: EXPR (Python, over the device's object d) of
# `uio-msi status --json BDF`.
status_json() {
	local json
	json=$("$TOOL" status --json "$1") || return 1
	python3 -c 'import json, sys
d = json.loads(sys.argv[1])[0]
print(eval(sys.argv[2]))' "$json" "$2"
}

# tool_unbind_timed: `uio-msi unbind` of ivshmem (failing after 120 s);
# UNBIND_SECONDS is how long it took.
tool_unbind_timed() {
	local start end
	start=$(date +%s.%N)
	timeout 120 "$TOOL" unbind "$IVSHMEM_BDF"
	end=$(date +%s.%N)
	UNBIND_SECONDS=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	[ "$(dev_driver "$IVSHMEM_BDF")" = none ]
}
unbind_took_under() {
	awk -v t="$UNBIND_SECONDS" -v max="$1" 'BEGIN { exit !(t < max) }' ||
		fail "unbinding took $UNBIND_SECONDS s"
}

# output_has FILE LINE: wait until FILE has LINE (60 s: a CMD of exec is
# python3, whose start over 9p is slow on a loaded host); on a timeout
# FILE is shown, since it says what CMD and uio-msi did instead.
output_has() {
	WAIT_SECONDS=60 wait_until grep -qxF -- "$2" "$1" || {
		echo "$1:"
		cat "$1"
		return 1
	}
}

still_listens() { dmesg | grep -c "$IVSHMEM_BDF: user space still listens after" || true; }
listen_exited() { ! kill -0 "$LISTEN_PID" 2>/dev/null; }
recoveries() { dmesg | grep -c "AER: device recovery successful" || true; }
recoveries_above() { [ "$(recoveries)" -gt "$1" ]; }

@test "mask: a masked vector's interrupts wait, one comes at unmask; its neighbour delivers" {
	listen_start "$IVSHMEM_BDF" 2 3
	run -0 --separate-stderr "$TOOL" mask "$IVSHMEM_BDF" 2
	[ -z "$output$stderr" ]
	[ "$(masks)" = 2 ]
	ivshmem_ring 2
	ivshmem_ring 2
	ivshmem_ring 2
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 3 1
	wait_until listen_received "$LISTEN_OUT" 3 1
	count_stays "$LISTEN_OUT" 2 0 1
	# The IRQ is kept: the mask is not a listener change.
	[ "$(irq_vectors "$IVSHMEM_BDF")" = "2 3" ]
	run -0 "$TOOL" unmask "$IVSHMEM_BDF" 2
	[ "$(masks)" = "" ]
	wait_until listen_received "$LISTEN_OUT" 2 1
	count_stays "$LISTEN_OUT" 2 1 1
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 2 2
	wait_until listen_received "$LISTEN_OUT" 2 3
}

@test "mask, unmask: lists and all; out of range and no CAP_SYS_RAWIO change nothing" {
	local n
	n=$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")
	[ "$n" -ge 8 ]
	run -0 "$TOOL" mask "$IVSHMEM_BDF" all
	[ "$(masks)" = "0-$((n - 1))" ]
	run -0 "$TOOL" unmask "$IVSHMEM_BDF" 0-3 "$((n - 1))"
	[ "$(masks)" = "4-$((n - 2))" ]
	run -0 "$TOOL" unmask "$IVSHMEM_BDF" all
	[ "$(masks)" = "" ]
	run -1 --separate-stderr "$TOOL" mask "$IVSHMEM_BDF" 1 "$n"
	[[ "$stderr" == *"vector $n out of range: device has $n vectors"* ]]
	[ "$(masks)" = "" ]
	# Root without CAP_SYS_RAWIO: the kernel's EPERM, in words.
	run -1 --separate-stderr setpriv --bounding-set=-sys_rawio --inh-caps=-sys_rawio \
		"$TOOL" mask "$IVSHMEM_BDF" 1-2
	[[ "$stderr" == *"writing uio_msi attributes needs CAP_SYS_RAWIO"* ]]
	[[ "$stderr" == *"no vector was masked"* ]]
	[ "$(masks)" = "" ]
	run -2 "$TOOL" mask "$IVSHMEM_BDF" 1,request
}

@test "status: MASKED, and --json masked, notices, resize_live as the attributes say" {
	local live
	listen_start "$IVSHMEM_BDF" 1,request
	run -0 "$TOOL" mask "$IVSHMEM_BDF" 7 5
	run -0 "$TOOL" status "$IVSHMEM_BDF"
	# The MASKED column, found by its header (SR-IOV comes after it).
	[ "$(awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "MASKED") c = i }
		NR == 2 { print $c }' <<<"$output")" = "5,7" ]
	[ "$(status_json "$IVSHMEM_BDF" 'd["masked"], d["notices"], d["listened"]')" = "([5, 7], ['request'], [1])" ]
	live=$(attr "$IVSHMEM_BDF" "$ATTR_RESIZE_LIVE")
	[ "$(status_json "$IVSHMEM_BDF" 'd["resize_live"]')" = "$([ "$live" = 1 ] && echo True || echo False)" ]
	# listen unbinds its notice on exit.
	listen_stop
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_NOTICES")" = "" ]
	[ "$(status_json "$IVSHMEM_BDF" 'd["notices"]')" = "[]" ]
	run -0 "$TOOL" unmask "$IVSHMEM_BDF" all
	[ "$(status_json "$IVSHMEM_BDF" 'd["masked"]')" = "[]" ]
}

@test "listen with request: an unbind ends it (exit 0) by itself, and the unbind does not wait" {
	local n before
	echo 60000 >"$WAIT_PARAM"
	n=$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")
	listen_start "$IVSHMEM_BDF" all,error,request
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_NOTICES")" = "error request" ]
	[ "$(irq_vectors "$IVSHMEM_BDF")" = "$(seq -s ' ' 0 $((n - 1)))" ]
	before=$(still_listens)
	tool_unbind_timed
	# Well before the 60 s the kernel would otherwise have waited.
	unbind_took_under 30
	WAIT_SECONDS=30 wait_until listen_exited
	listen_wait_status 0
	[ "$(cat "$LISTEN_OUT")" = "request count 1" ]
	grep -qF "uio-msi: $IVSHMEM_BDF: the device is being taken away (request): released it" "$LISTEN_ERR"
	grep -qF "uio-msi: received 0 interrupts" "$LISTEN_ERR"
	[ "$(grep -c . "$LISTEN_ERR")" -eq 3 ] || fail "stderr: $(cat "$LISTEN_ERR")"
	[ "$(still_listens)" -eq "$before" ]
	[ -z "$(irq_vectors "$IVSHMEM_BDF")" ]
	bus_master_off "$IVSHMEM_BDF"
	echo 1000 >"$WAIT_PARAM"
}

@test "exec with request: CMD is told through UIO_MSI_REQUEST_FD; removal waits only for CMD" {
	local out tool_pid child before
	echo 60000 >"$WAIT_PARAM"
	out=$(mktemp)
	# CMD closes its eventfds when told, then goes on running.
	"$TOOL" exec "$IVSHMEM_BDF" --vectors 0-3,request -- python3 -c '
import os, sys, time
fd = int(os.environ["UIO_MSI_REQUEST_FD"])
print("bound", os.environ["UIO_MSI_VECTOR_FDS"], fd, flush=True)
count = int.from_bytes(os.read(fd, 8), sys.byteorder)
for f in range(3, fd + 1):
    os.close(f)
print("request", count, flush=True)
time.sleep(300)' >"$out" 2>&1 &
	tool_pid=$!
	PIDS+=("$tool_pid")
	output_has "$out" "bound 0:3,1:4,2:5,3:6 7"
	child=$(pgrep -P "$tool_pid")
	PIDS+=("$child")
	[ "$(irq_vectors "$IVSHMEM_BDF")" = "0 1 2 3" ]
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_NOTICES")" = request ]
	before=$(still_listens)
	tool_unbind_timed
	unbind_took_under 30
	output_has "$out" "request 1"
	# uio-msi says so after letting go, which may come after the unbind.
	output_has "$out" "uio-msi: $IVSHMEM_BDF: the device is being taken away (request): passed on to python3"
	[ "$(still_listens)" -eq "$before" ]
	[ -z "$(irq_vectors "$IVSHMEM_BDF")" ]
	bus_master_off "$IVSHMEM_BDF"
	# CMD still runs: it was CMD's closing that ended the wait.
	kill -0 "$child"
	echo 1000 >"$WAIT_PARAM"
}

@test "listen with error: an AER error QEMU injects is printed as 'error count 1'" {
	local before
	dev_bind "$AERNET0_BDF"
	dev_bind "$AERNET1_BDF"
	listen_start "$AERNET0_BDF" error
	grep -qF "listening on $AERNET0_BDF notices error" "$LISTEN_ERR"
	[ "$(attr "$AERNET0_BDF" "$ATTR_NOTICES")" = error ]
	before=$(recoveries)
	"$QEMU_MONITOR" "pcie_aer_inject_error aernet0 POISON_TLP"
	WAIT_SECONDS=60 wait_until grep -qx "error count 1" "$LISTEN_OUT"
	WAIT_SECONDS=60 wait_until recoveries_above "$before"
	# An error is no request: listen goes on, and unbinds on exit.
	kill -0 "$LISTEN_PID"
	listen_stop
	[ "$(attr "$AERNET0_BDF" "$ATTR_NOTICES")" = "" ]
}
