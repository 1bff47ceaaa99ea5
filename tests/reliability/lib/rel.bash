# shellcheck shell=bash
# Shared helpers of the reliability suite (guest side), on top of the main
# suite's tests/guest/lib/common.bash.  Figures for `make
# check-reliability` go to $UIO_MSI_RESULTS/figures as "NAME VALUE" lines.

# shellcheck source=tests/guest/lib/common.bash
. "$UIO_MSI_REPO/tests/guest/lib/common.bash"

RELTOOL32=$UIO_MSI_REPO/build/reliability/reltool32
export RELTOOL32

# figure NAME VALUE: add VALUE to figure NAME of this run.
figure() {
	echo "$1 $2" >>"$UIO_MSI_RESULTS/figures"
}

# expect_errno BDF ATTRIBUTE ERRNO [TRY-WRITE OPTIONS...] -- DATA...:
# expect_write (tests/guest/lib/common.bash), counting the inputs into
# the figure "inputs".
expect_errno() {
	expect_write "$@"
	figure inputs "$EXPECT_INPUTS"
}

# delivery_works BDF VEC: an interrupt of ivshmem vector VEC reaches a
# freshly bound eventfd (the device still works after whatever happened).
delivery_works() {
	local out
	out=$(mktemp)
	"$RELTOOL" binder "$(attr_path "$1" "$ATTR_EVENTFD")" "$2" 1 >"$out" &
	local pid=$!
	WAIT_SECONDS=30 wait_until grep -q '^bound' "$out" || { kill "$pid"; return 1; }
	"$IVSHMEM_FIRE" "$1" "$2" 1
	local status=0
	timeout 30 tail --pid="$pid" -f /dev/null || status=$?
	wait "$pid" || status=$?
	grep -qx 'received 1' "$out" || fail "vector $2: $(cat "$out")"
	return "$status"
}

# late_vectors_on, late_vectors_off: open and close a late-vector window of
# the kernel-log gate (tests/vm/kernel-log-check) around a stretch where
# IRQs are freed while their device keeps interrupting.  An interrupt the
# device sent just before its vector was masked, and the IRQ core's replay
# of one that came while the IRQ was disabled, can reach their CPU after
# the IRQ is freed; x86 then reports a vector without handler.  Closing a
# window that is not open is harmless (teardowns close it).
late_vectors_on() {
	echo "uio-msi-test: late vector interrupts on" >/dev/kmsg
}
late_vectors_off() {
	echo "uio-msi-test: late vector interrupts off" >/dev/kmsg
}
