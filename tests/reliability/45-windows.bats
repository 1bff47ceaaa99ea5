#!/usr/bin/env bats
# PIDS is per test: bats runs a test with its setup and teardown in one
# process, which shellcheck sees as subshells.
# shellcheck disable=SC2030,SC2031
# Race windows held open: interrupts fired without pause into the moments
# where the driver changes hands.  The symptoms of a lost race are use
# after free and NULL dereferences, which only the debug kernel (KASAN)
# reports reliably; the kernel-log gate fails the run on them.  Each test
# also checks that the device ends clean and still delivers.
#
#  - removal while vector 0 delivers to /dev/uioN and the reader closes its
#    file as soon as it gets EIO (the UIO device must get no interrupt
#    once it is unregistered);
#  - open() of /dev/uioN in a tight loop while the device is bound and
#    unbound, with an interrupt pending (the node exists before
#    uio_register_device() has returned: an open then must not listen).

bats_require_minimum_version 1.5.0

load lib/rel

ROUNDS=${UIO_MSI_WINDOW_ROUNDS:-25}
BIND_ROUNDS=${UIO_MSI_WINDOW_BIND_ROUNDS:-100}

setup() {
	ivshmem_fresh
}

teardown() {
	pids_kill
	late_vectors_off
	module_unload
	echo >"$(pci_dir "$IVSHMEM_BDF")/driver_override"
	echo >"$(pci_dir "$EDU_BDF")/driver_override"
}

# ring_forever VEC: ring ivshmem vector VEC without pause (50 doorbell
# writes a millisecond), in the background, for the rest of the test or
# until pids_kill; and open a late-vector window of the kernel-log gate,
# closed after pids_kill (lib/rel.bash).
ring_forever() {
	late_vectors_on
	"$RELTOOL" fire "$IVSHMEM_BDF" $(($1 + 1)) 3600 "$(ring_weights "$1")" >/dev/null &
	PIDS+=($!)
}
# Weights that ring only vector $1: 0 for those before it, 50 for it.
ring_weights() {
	local w=() v
	for ((v = 0; v < $1; v++)); do
		w+=(0)
	done
	w+=(50)
	local IFS=,
	echo "${w[*]}"
}

device_clean() {
	WAIT_SECONDS=30 wait_until no_irqs "$1"
	bus_master_off "$1"
}

@test "removal while vector 0 fires into /dev/uioN and its reader closes on EIO ($ROUNDS rounds)" {
	local round uio reader listener err
	ring_forever 0
	for ((round = 1; round <= ROUNDS; round++)); do
		[ "$(dev_driver "$IVSHMEM_BDF")" = "$DRIVER" ] || dev_bind "$IVSHMEM_BDF"
		# Vectors 1-15 bound: their release makes removal's window long.
		listen_start "$IVSHMEM_BDF" 1-$((UIO_MSI_IVSHMEM_VECTORS - 1))
		listener=$LISTEN_PID
		uio=/dev/$(uio_node "$IVSHMEM_BDF")
		err=$(mktemp)
		# Reads until the device goes (EIO), then exits: its file closes.
		dd if="$uio" of=/dev/null bs=4 count=100000000 status=none 2>"$err" &
		reader=$!
		wait_until has_irq "$IVSHMEM_BDF" 0
		echo "$IVSHMEM_BDF" >/sys/bus/pci/drivers/"$DRIVER"/unbind
		local status=0
		wait "$reader" || status=$?
		if [ "$status" -eq 0 ] || ! grep -q "Input/output error" "$err"; then
			fail "round $round: the /dev/uioN reader ended with $status: $(cat "$err")"
		fi
		kill -0 "$listener"
		listen_stop
		[ -z "$(irq_vectors "$IVSHMEM_BDF")" ] || fail "round $round: IRQs left"
		bus_master_off "$IVSHMEM_BDF"
	done
	pids_kill
	late_vectors_off
	dev_bind "$IVSHMEM_BDF"
	delivery_works "$IVSHMEM_BDF" 0
}

# bind_unbind_with_opener BDF ROUNDS: bind and unbind BDF ROUNDS times
# while another process opens its /dev/uioN without pause.
bind_unbind_with_opener() {
	local bdf=$1 rounds=$2 round out node
	dev_bind "$bdf"
	node=/dev/$(uio_node "$bdf")
	echo "$bdf" >/sys/bus/pci/drivers/"$DRIVER"/unbind
	out=$(mktemp)
	"$RELTOOL" opener "$node" 3600 >"$out" &
	local opener=$!
	for ((round = 1; round <= rounds; round++)); do
		echo "$bdf" >/sys/bus/pci/drivers_probe
		[ "$(dev_driver "$bdf")" = "$DRIVER" ] || fail "round $round: not bound"
		# The same minor comes back each time: the opener hits it.
		[ "/dev/$(uio_node "$bdf")" = "$node" ] || fail "round $round: $(uio_node "$bdf")"
		echo "$bdf" >/sys/bus/pci/drivers/"$DRIVER"/unbind
	done
	kill -TERM "$opener"
	wait "$opener"
	cat "$out"
	grep -q '^opened [1-9]' "$out" || fail "the opener never opened $node: $(cat "$out")"
	# Only what a node coming and going explains (no EIO, no EPERM...).
	local word
	while read -r word _; do
		case $word in
		opened | ENOENT | ENODEV | ENXIO | EINVAL) ;;
		*) fail "open() of $node failed with $word" ;;
		esac
	done <"$out"
	dev_bind "$bdf"
	device_clean "$bdf"
}

@test "open() of /dev/uioN in a loop while ivshmem binds and unbinds, vector 0 pending ($BIND_ROUNDS rounds)" {
	ring_forever 0
	bind_unbind_with_opener "$IVSHMEM_BDF" "$BIND_ROUNDS"
	pids_kill
	late_vectors_off
	delivery_works "$IVSHMEM_BDF" 0
}

@test "open() of /dev/uioN in a loop while edu binds and unbinds in intx, INTx asserted ($BIND_ROUNDS rounds)" {
	module_unload
	module_load intr_mode=intx
	# Raised and never acknowledged: edu asserts INTx the whole time.
	"$PCIMEM" "$EDU_BDF" 0 write32 0x60 1
	bind_unbind_with_opener "$EDU_BDF" "$BIND_ROUNDS"
	"$PCIMEM" "$EDU_BDF" 0 write32 0x64 0xffffffff
	intx_disabled "$EDU_BDF"
}
