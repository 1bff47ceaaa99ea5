#!/usr/bin/env bats
# The device goes away under its users: PCI removal and driver unbind while
# vectors are bound and readers are blocked, rmmod, and unbind racing with
# sysfs writes.  Nothing may hang, leak an IRQ, or upset the kernel log.

bats_require_minimum_version 1.5.0

load lib/common

setup() {
	ivshmem_fresh
}

teardown() {
	ivshmem_teardown
}

# Users of every kind: an epoll listener on all vectors, a process blocked
# in read() on an eventfd of vector 1, and one blocked on /dev/uioN.
start_users() {
	local out
	listen_start "$IVSHMEM_BDF" 2-7
	out=$(mktemp)
	"$BATS_TEST_DIRNAME"/lib/bind-many.py \
		"$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")" 1 1 --block-read >"$out" &
	PIDS+=($!)
	wait_until grep -q '^bound 1$' "$out"
	UIO_READ_OUT=$(mktemp)
	dd if=/dev/"$(uio_node "$IVSHMEM_BDF")" bs=4 count=1 status=none \
		>/dev/null 2>"$UIO_READ_OUT" &
	UIO_READER=$!
	wait_until irq_vectors_are "$IVSHMEM_BDF" "0 1 2 3 4 5 6 7"
}

# After the device left the driver: no IRQ, readers of /dev/uioN got EIO.
check_users_released() {
	[ -z "$(irq_vectors "$IVSHMEM_BDF")" ]
	local status=0
	wait "$UIO_READER" || status=$?
	[ "$status" -ne 0 ]
	grep -q "Input/output error" "$UIO_READ_OUT"
	# The eventfd users are still alive, just never signalled again.
	kill -0 "$LISTEN_PID"
	kill -0 "${PIDS[0]}"
}

@test "PCI removal while vectors are bound and readers block, then rescan" {
	start_users
	echo 1 >"$(pci_dir "$IVSHMEM_BDF")/remove"
	[ ! -e "$(pci_dir "$IVSHMEM_BDF")" ]
	check_users_released
	listen_stop
	echo 1 >/sys/bus/pci/rescan
	wait_until test -e "$(pci_dir "$IVSHMEM_BDF")"
	# A new device: bind it again and it delivers.
	dev_bind "$IVSHMEM_BDF"
	listen_start "$IVSHMEM_BDF" 0 3 --count 2 --timeout 60
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 0:1 3:1
	listen_wait
}

@test "driver unbind while vectors are bound and readers block" {
	start_users
	echo "$IVSHMEM_BDF" >/sys/bus/pci/drivers/"$DRIVER"/unbind
	[ "$(dev_driver "$IVSHMEM_BDF")" = none ]
	check_users_released
	bus_master_off "$IVSHMEM_BDF"
}

@test "rmmod is refused while /dev/uioN is open, and works after" {
	uio_open "$IVSHMEM_BDF"
	run ! rmmod "$DRIVER"
	[[ "$output" == *"in use"* ]]
	[ "$(dev_driver "$IVSHMEM_BDF")" = "$DRIVER" ]
	uio_fd_close
	rmmod "$DRIVER"
}

@test "rmmod with eventfds bound unbinds them" {
	listen_start "$IVSHMEM_BDF" all
	[ -n "$(irq_vectors "$IVSHMEM_BDF")" ]
	rmmod "$DRIVER"
	[ -z "$(irq_vectors "$IVSHMEM_BDF")" ]
	kill -0 "$LISTEN_PID"
	listen_stop
}

@test "driver unbind while other processes keep writing the attributes" {
	local attr i
	attr=$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")
	for i in 1 2; do
		(
			while "$TRY_WRITE" --eventfd 3 "$attr" "$i 3" >/dev/null &&
				"$TRY_WRITE" "$attr" "$i -1" >/dev/null &&
				[ -e "$attr" ]; do :; done
		) &
		PIDS+=($!)
	done
	(
		while cat "$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")" >/dev/null 2>&1; do :; done
	) &
	PIDS+=($!)
	sleep 2
	timeout 60 sh -c "echo $IVSHMEM_BDF >/sys/bus/pci/drivers/$DRIVER/unbind"
	[ "$(dev_driver "$IVSHMEM_BDF")" = none ]
	local pid
	for pid in "${PIDS[@]}"; do
		timeout 60 tail --pid="$pid" -f /dev/null
	done
	PIDS=()
	[ -z "$(irq_vectors "$IVSHMEM_BDF")" ]
}
