# shellcheck shell=bash
# Shared helpers of the reliability suite (guest side), on top of the main
# suite's tests/guest/lib/common.bash.  Figures for `make
# check-reliability` go to $UIO_MSI_RESULTS/figures as "NAME VALUE" lines.

# shellcheck source=tests/guest/lib/common.bash
. "$UIO_MSI_REPO/tests/guest/lib/common.bash"

RELTOOL=$UIO_MSI_REPO/build/reliability/reltool
RELTOOL32=$UIO_MSI_REPO/build/reliability/reltool32
export RELTOOL RELTOOL32

# figure NAME VALUE: add VALUE to figure NAME of this run.
figure() {
	echo "$1 $2" >>"$UIO_MSI_RESULTS/figures"
}

# expect_errno BDF ATTRIBUTE ERRNO [TRY-WRITE OPTIONS...] -- DATA...: each
# DATA, written through its own open and write(), fails with ERRNO (or
# succeeds, for ERRNO OK), and the device's state is what it was.  Counts
# the inputs into the figure "inputs".
expect_errno() {
	local bdf=$1 name=$2 errno=$3 options=() results=() before after i
	local raw=0
	shift 3
	while [ "$1" != -- ]; do
		[ "$1" != --raw-file ] || raw=1
		options+=("$1")
		shift
	done
	shift
	dev_state_into before "$bdf"
	mapfile -t results < <("$TRY_WRITE" "${options[@]}" \
		"/sys/bus/pci/devices/$bdf/$GROUP/$name" "$@")
	dev_state_into after "$bdf"
	# --raw-file: one write of the file's bytes, no DATA arguments.
	[ "${#results[@]}" -eq $(($# + raw)) ] ||
		fail "$name: ${#results[@]} results for $(($# + raw)) writes: ${results[*]}"
	for ((i = 0; i < $# + raw; i++)); do
		[ "${results[i]}" = "$errno" ] ||
			fail "$name <- '${*:i+1:1}': got ${results[i]}, expected $errno"
	done
	[ "$after" = "$before" ] ||
		fail "$name <- $*: changed the device: '$before' -> '$after'"
	figure inputs $(($# + raw))
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
