#!/bin/busybox sh
# shellcheck shell=dash
# shellcheck disable=SC2317 # the checks are called through check()
# System sleep and runtime PM with uio_msi, in a standalone VM
# (tests/vm/run --standalone: the virtio-9p root of the other guest tests
# does not survive a suspend).  Runs from the initramfs: busybox, and in
# /standalone uio.ko, uio_msi.ko and static builds of the tool and helpers;
# prints TAP after "uio-msi-tap: " on the console.
#
# Across a suspend-to-idle cycle (pm_test "devices": every device's
# suspend and resume callbacks run): a binding made before keeps
# delivering, bus mastering matches the listeners, INTx stays masked on a
# function without listener, and the masks are kept.  Runtime PM never
# suspends a bound function.

# shellcheck source=/dev/null # written by tests/vm/run into the payload
. /standalone/env
n=0
failed=0
tap() { echo "uio-msi-tap: $*"; }
ok() { n=$((n + 1)); tap "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); tap "not ok $n $1"; shift; for l in "$@"; do tap "# $l"; done; }
check() { # NAME CONDITION-COMMAND...
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}

command_reg() { # BDF: the Command register, decimal
	echo $((0x$(dd if="/sys/bus/pci/devices/$1/config" bs=2 skip=2 count=1 2>/dev/null | od -An -tx2 | tr -d ' ')))
}
bus_master_on() { [ $(($(command_reg "$1") & 4)) -ne 0 ]; }
bus_master_off() { [ $(($(command_reg "$1") & 4)) -eq 0 ]; }
intx_disabled() { [ $(($(command_reg "$1") & 0x400)) -ne 0 ]; }
attr() { cat "/sys/bus/pci/devices/$1/uio_msi/$2"; }
bind() {
	echo uio_msi >"/sys/bus/pci/devices/$1/driver_override"
	if [ -e "/sys/bus/pci/devices/$1/driver" ]; then
		echo "$1" >"/sys/bus/pci/devices/$1/driver/unbind"
	fi
	echo "$1" >/sys/bus/pci/drivers_probe
}
count() { # OUT VEC: the last count listen printed for VEC
	awk -v v="$2" '$1 == "vec" && $2 == v { c = $4 } END { print c + 0 }' "$1"
}
wait_count() { # OUT VEC N
	i=0
	while [ "$(count "$1" "$2")" -lt "$3" ]; do
		i=$((i + 1))
		[ "$i" -le 300 ] || return 1
		sleep 0.1
	done
}

tap "1..10"
insmod /standalone/modules/uio.ko && insmod /standalone/modules/uio_msi.ko
check "uio and uio_msi load" [ -d /sys/bus/pci/drivers/uio_msi ]
bind "$IVSHMEM_BDF"
bind "$EDU_BDF"
echo intx >"/sys/bus/pci/devices/$EDU_BDF/uio_msi/mode"
echo "5 1" >"/sys/bus/pci/devices/$IVSHMEM_BDF/uio_msi/mask"
uio-msi listen "$IVSHMEM_BDF" 0-3 >/tmp/listen.out 2>/tmp/listen.err &
listener=$!
i=0
until grep -q "listening on" /tmp/listen.err; do
	i=$((i + 1))
	[ "$i" -le 300 ] || break
	sleep 0.1
done
ivshmem-fire "$IVSHMEM_BDF" 0:1 3:1
if wait_count /tmp/listen.out 0 1 && wait_count /tmp/listen.out 3 1 && bus_master_on "$IVSHMEM_BDF"; then
	ok "before the sleep: vectors 0 and 3 deliver, bus mastering on"
else
	not_ok "before the sleep: vectors 0 and 3 deliver, bus mastering on" "$(cat /tmp/listen.out /tmp/listen.err)"
fi
check "before the sleep: edu in intx without listener has INTx masked" intx_disabled "$EDU_BDF"

echo devices >/sys/power/pm_test
status=0
# The write returns once the system has resumed (or failed to suspend).
if ! echo freeze >/sys/power/state; then
	status=1
fi
echo none >/sys/power/pm_test
check "suspend-to-idle and resume (pm_test devices) succeed" [ "$status" -eq 0 ]
check "after resume: bus mastering on for the listener" bus_master_on "$IVSHMEM_BDF"
ivshmem-fire "$IVSHMEM_BDF" 0:1 1:1 2:1 3:1
if wait_count /tmp/listen.out 0 2 && wait_count /tmp/listen.out 1 1 &&
	wait_count /tmp/listen.out 2 1 && wait_count /tmp/listen.out 3 2; then
	ok "after resume: the bindings made before deliver, every vector"
else
	not_ok "after resume: the bindings made before deliver, every vector" "$(cat /tmp/listen.out)"
fi
check "after resume: edu's INTx is still masked" intx_disabled "$EDU_BDF"
check "after resume: the mask is kept" [ "$(attr "$IVSHMEM_BDF" mask)" = 5 ]

kill "$listener"
wait "$listener"
sleep 1
check "without the listener, bus mastering goes off" bus_master_off "$IVSHMEM_BDF"

# Runtime PM allowed: a bound function still never suspends.
echo auto >"/sys/bus/pci/devices/$IVSHMEM_BDF/power/control"
sleep 3
rs=$(cat "/sys/bus/pci/devices/$IVSHMEM_BDF/power/runtime_status")
if [ "$rs" = active ]; then
	uio-msi listen "$IVSHMEM_BDF" 2 --count 1 --timeout 30 >/tmp/listen2.out 2>&1 &
	l2=$!
	sleep 1
	ivshmem-fire "$IVSHMEM_BDF" 2 1
	if wait "$l2"; then
		ok "runtime PM allowed: the bound function stays active and delivers"
	else
		not_ok "runtime PM allowed: the bound function stays active and delivers" "$(cat /tmp/listen2.out)"
	fi
else
	not_ok "runtime PM allowed: the bound function stays active and delivers" "runtime_status $rs"
fi
echo on >"/sys/bus/pci/devices/$IVSHMEM_BDF/power/control"
dmesg | tail -n 30 | sed 's/^/uio-msi-tap: # /'
exit "$failed"
