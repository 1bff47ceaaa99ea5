# shellcheck shell=bash
# Shared helpers for the guest tests (bats).  Each .bats file loads this with
# `load lib/common`, sets up what it needs in setup_file and undoes it in
# teardown_file: the module is not loaded when a file starts.
#
# Environment from tests/vm/run: UIO_MSI_KO, UIO_MSI_TOOL, UIO_MSI_HELPERS,
# UIO_MSI_REPO, IVSHMEM_BDF, EDU_BDF, NVME_BDF.

: "${UIO_MSI_KO:?}" "${UIO_MSI_TOOL:?}" "${UIO_MSI_HELPERS:?}" "${UIO_MSI_REPO:?}"
: "${IVSHMEM_BDF:?}" "${EDU_BDF:?}" "${EDU2_BDF:?}" "${NVME_BDF:?}" "${XHCI_BDF:?}"

# Names come from the ABI header shared with the module and the tool.
abi_string() {
	sed -n "s/^#define[[:space:]]\{1,\}$1[[:space:]]\{1,\}\"\([^\"]*\)\".*/\1/p" \
		"$UIO_MSI_REPO/include/uio_msi_abi.h"
}
DRIVER=$(abi_string UIO_MSI_DRIVER_NAME)
GROUP=$(abi_string UIO_MSI_ATTR_GROUP)
ATTR_MODE=$(abi_string UIO_MSI_ATTR_MODE)
ATTR_IRQ_COUNT=$(abi_string UIO_MSI_ATTR_IRQ_COUNT)
ATTR_IRQ_MAX=$(abi_string UIO_MSI_ATTR_IRQ_MAX)
ATTR_EVENTFD=$(abi_string UIO_MSI_ATTR_EVENTFD)
ATTR_ERROR_EVENTFD=$(abi_string UIO_MSI_ATTR_ERROR_EVENTFD)
ATTR_REQUEST_EVENTFD=$(abi_string UIO_MSI_ATTR_REQUEST_EVENTFD)
ATTR_NOTICES=$(abi_string UIO_MSI_ATTR_NOTICES)
ATTR_MASK=$(abi_string UIO_MSI_ATTR_MASK)
ATTR_RESIZE_LIVE=$(abi_string UIO_MSI_ATTR_RESIZE_LIVE)
MODE_MSIX=$(abi_string UIO_MSI_MODE_MSIX)
MODE_MSI=$(abi_string UIO_MSI_MODE_MSI)
MODE_INTX=$(abi_string UIO_MSI_MODE_INTX)
MODE_NONE=$(abi_string UIO_MSI_MODE_NONE)
VERSION=$(cat "$UIO_MSI_REPO/VERSION")
TOOL=$UIO_MSI_TOOL
TRY_WRITE=$UIO_MSI_HELPERS/try-write
PCIMEM=$UIO_MSI_HELPERS/pcimem
IVSHMEM_FIRE=$UIO_MSI_HELPERS/ivshmem-fire
# The reliability suite's helper (tests/reliability/reltool.c): hot loops
# without a fork per step.
RELTOOL=$UIO_MSI_REPO/build/reliability/reltool
export RELTOOL
export DRIVER GROUP ATTR_MODE ATTR_IRQ_COUNT ATTR_IRQ_MAX ATTR_EVENTFD \
	ATTR_ERROR_EVENTFD ATTR_REQUEST_EVENTFD ATTR_NOTICES ATTR_MASK ATTR_RESIZE_LIVE \
	MODE_MSIX MODE_MSI MODE_INTX MODE_NONE VERSION TOOL TRY_WRITE PCIMEM \
	IVSHMEM_FIRE

# Functions behind the harness's PCIe root ports: their bus is the port's
# secondary bus, numbered by the firmware.
behind_port() { # PORT_BDF FUNCTION
	local bus
	read -r bus <"/sys/bus/pci/devices/$1/secondary_bus_number" || return 1
	printf '%s:%02x:00.%s\n' "${1%%:*}" "$bus" "$2"
}
IVSHMEM2_BDF=$(behind_port "${RESET_PORT_BDF:?}" 0)
AERNET0_BDF=$(behind_port "${AER_PORT_BDF:?}" 0)
AERNET1_BDF=$(behind_port "$AER_PORT_BDF" 1)
VIRTIO_CONFIG_IRQ=$UIO_MSI_HELPERS/virtio-config-irq
QEMU_MONITOR=$UIO_MSI_REPO/tests/vm/qemu-monitor
export IVSHMEM2_BDF AERNET0_BDF AERNET1_BDF VIRTIO_CONFIG_IRQ QEMU_MONITOR

# Under emulation every fork costs tens of milliseconds: the helpers that
# tests call in loops use bash builtins only.
pci_dir() { echo "/sys/bus/pci/devices/$1"; }
attr_path() { echo "/sys/bus/pci/devices/$1/$GROUP/$2"; }
attr() {
	local value
	read -r value <"/sys/bus/pci/devices/$1/$GROUP/$2"
	echo "$value"
}

# Fail the current test with a message (bats shows stderr of failures).
fail() {
	echo "$*" >&2
	return 1
}

# Poll until "$@" succeeds; fail after $WAIT_SECONDS (default 20).
wait_until() {
	local deadline=$((SECONDS + ${WAIT_SECONDS:-20}))
	until "$@"; do
		if ((SECONDS >= deadline)); then
			fail "timed out waiting for: $*"
			return 1
		fi
		sleep 0.05
	done
}

module_loaded() { [ -d /sys/module/"$DRIVER" ]; }
# Negations as functions: a bare `! cmd` never fails a bats test.
module_unloaded() { [ ! -d /sys/module/"$DRIVER" ]; }

module_load() {
	modprobe uio
	insmod "$UIO_MSI_KO" "$@"
}

# Unbind every device from uio_msi, then unload it; tolerate "not loaded".
module_unload() {
	local dev
	module_loaded || return 0
	for dev in /sys/bus/pci/drivers/"$DRIVER"/0000:*; do
		[ -e "$dev" ] || continue
		echo "${dev##*/}" >/sys/bus/pci/drivers/"$DRIVER"/unbind
	done
	rmmod "$DRIVER"
}

# Bind through the tool (driver_override); check the result by sysfs.
dev_bind() {
	"$TOOL" bind "$1"
	[ "$(basename "$(readlink "$(pci_dir "$1")/driver")")" = "$DRIVER" ]
}

# PIDS: the background processes of the current test (bats runs a test's
# setup, body and teardown in one shell, so they can be reaped there).
# ivshmem_fresh [PARAM=VALUE...]: uio_msi loaded anew (with those module
# parameters) with ivshmem bound, no process yet.
ivshmem_fresh() {
	module_unload
	module_load "$@"
	dev_bind "$IVSHMEM_BDF"
	PIDS=()
}

# Kill and reap what the test left running.
pids_kill() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
}

# After ivshmem_fresh, whatever the test did to the device (removed it,
# unbound it, left listeners or /dev/uioN open): back to no driver.
ivshmem_teardown() {
	pids_kill
	listen_stop
	uio_fd_close
	[ -e "$(pci_dir "$IVSHMEM_BDF")" ] || echo 1 >/sys/bus/pci/rescan
	module_unload
	echo >"$(pci_dir "$IVSHMEM_BDF")/driver_override"
}

# A file's teardown: the module unloaded and every harness device back
# to no override (a driver_override left at uio_msi would bind it again
# when a later file loads the module).
devices_release() {
	local bdf
	module_unload
	for bdf in "$IVSHMEM_BDF" "$IVSHMEM2_BDF" "$EDU_BDF" "$EDU2_BDF" "$NVME_BDF" \
		"$XHCI_BDF" "$AERNET0_BDF" "$AERNET1_BDF"; do
		[ ! -e "$(pci_dir "$bdf")/driver_override" ] || echo >"$(pci_dir "$bdf")/driver_override"
	done
}

dev_driver() {
	local link
	link=$(readlink "$(pci_dir "$1")/driver") || { echo none; return 0; }
	basename "$link"
}

uio_node() { basename "$(echo "$(pci_dir "$1")"/uio/uio*)"; }

# IRQ action name in /proc/interrupts of vector $2 of device $1.
irq_name() { printf 'uio_msi[%s](%s)' "$2" "$1"; }

irq_line() { grep -F "$(irq_name "$1" "$2")" /proc/interrupts; }
has_irq() { irq_line "$1" "$2" >/dev/null; }
no_irq() { ! has_irq "$1" "$2"; }

# Vectors of device $1 that hold an IRQ, space separated, sorted.
irq_vectors() {
	local line re="uio_msi\[([0-9]+)\]\(${1//./\\.}\)" vectors=()
	while read -r line; do
		while [[ $line =~ $re ]]; do
			vectors[BASH_REMATCH[1]]=1
			line=${line/"${BASH_REMATCH[0]}"/}
		done
	done </proc/interrupts
	echo "${!vectors[*]}"
}

# Conditions for wait_until (which must re-evaluate them, so no $(...) in
# its arguments).
no_irqs() { [ -z "$(irq_vectors "$1")" ]; }
irq_vectors_are() { [ "$(irq_vectors "$1")" = "$2" ]; }

# Total IRQ lines of uio_msi in the system.
irq_total() { grep -c "uio_msi\[" /proc/interrupts || true; }

# PCI command register of $1, as a decimal number.
pci_command() {
	local hex
	hex=$(od -An -tx2 -j4 -N2 "/sys/bus/pci/devices/$1/config")
	echo $((16#${hex// /}))
}
bus_master_on() { (($(pci_command "$1") & 4)); }
bus_master_off() { ! bus_master_on "$1"; }
intx_disabled() { (($(pci_command "$1") & 0x400)); }
intx_enabled() { ! intx_disabled "$1"; }

# Snapshot of everything a failed write must leave unchanged, into the
# variable named $1, of device $2.
dev_state_into() {
	local -n state=$1
	local dir="/sys/bus/pci/devices/$2/$GROUP" mode count max mask=
	read -r mode <"$dir/$ATTR_MODE"
	read -r count <"$dir/$ATTR_IRQ_COUNT"
	read -r max <"$dir/$ATTR_IRQ_MAX"
	read -r mask <"$dir/$ATTR_MASK" || true
	# shellcheck disable=SC2034 # a nameref: assigns the caller's variable
	state="$mode $count $max masked[$mask] [$(irq_vectors "$2")] $(pci_command "$2")"
}
dev_state() {
	local snapshot
	dev_state_into snapshot "$1"
	echo "$snapshot"
}

# expect_write BDF ATTRIBUTE ERRNO [TRY-WRITE OPTIONS...] -- DATA...: each
# DATA, written through its own open and write(), fails with ERRNO (or
# succeeds, for ERRNO OK), and the device's state is what it was.  The
# state is compared after every write, while the writer still holds its
# descriptors: a binding a failed write made by mistake would otherwise
# be undone by a later DATA ("3 3" then "3 -1") or by the eventfd's
# EPOLLHUP before anyone looked.  Sets EXPECT_INPUTS to the number of
# writes made.  A caller's array WRITE_AS (e.g. a setpriv command line)
# is the prefix the writer runs under.  Each check returns at once:
# called where bash ignores errexit (after || or in an if), a failed
# check must not be lost behind a later one that passes.
expect_write() {
	local bdf=$1 name=$2 errno=$3 options=() results=() before after i line
	local raw=0 status=0 in_fd out_fd pid changed=
	local as=${WRITE_AS[*]:+as ${WRITE_AS[*]}: }
	shift 3
	while [ "$1" != -- ]; do
		[ "$1" != --raw-file ] || raw=1
		options+=("$1")
		shift
	done
	shift
	dev_state_into before "$bdf"
	coproc WRITER { "${WRITE_AS[@]}" "$TRY_WRITE" --hold "${options[@]}" \
		"/sys/bus/pci/devices/$bdf/$GROUP/$name" "$@"; }
	# Bash forgets these once the coprocess has been reaped: copy them.
	pid=$WRITER_PID out_fd=${WRITER[0]} in_fd=${WRITER[1]}
	# try-write waits for a line after each result: look at the device.
	while read -r line <&"$out_fd"; do
		[ "$line" != held ] || break
		results+=("$line")
		dev_state_into after "$bdf"
		[ -n "$changed" ] || [ "$after" = "$before" ] ||
			changed="'${*:${#results[@]}:1}': changed the device: '$before' -> '$after'"
		echo >&"$in_fd"
	done
	exec {in_fd}>&-
	wait "$pid" || status=$?
	exec {out_fd}<&-
	[ "$status" -eq 0 ] || {
		fail "${as}try-write exited with status $status"
		return 1
	}
	# --raw-file: one write of the file's bytes, no DATA arguments.
	EXPECT_INPUTS=$(($# + raw))
	[ "${#results[@]}" -eq "$EXPECT_INPUTS" ] || {
		fail "$as$name: ${#results[@]} results for $EXPECT_INPUTS writes: ${results[*]}"
		return 1
	}
	for ((i = 0; i < EXPECT_INPUTS; i++)); do
		[ "${results[i]}" = "$errno" ] || {
			fail "$as$name <- '${*:i+1:1}': got ${results[i]}, expected $errno"
			return 1
		}
	done
	[ -z "$changed" ] || fail "$as$name <- $changed"
}

# Start `uio-msi listen` in the background and wait until it is bound;
# fail if it exits without having bound its vectors, or takes over 30 s.
# Sets LISTEN_PID, LISTEN_OUT (stdout) and LISTEN_ERR (stderr).
listen_start() {
	local deadline=$((SECONDS + 30))
	LISTEN_OUT=$(mktemp)
	LISTEN_ERR=$(mktemp)
	"$TOOL" listen "$@" >"$LISTEN_OUT" 2>"$LISTEN_ERR" &
	LISTEN_PID=$!
	until listen_ready; do
		if ! kill -0 "$LISTEN_PID" 2>/dev/null; then
			# It may have bound, and finished, in between.
			listen_ready && return 0
			cat "$LISTEN_ERR" >&2
			fail "listen $* exited before it was listening"
			return 1
		fi
		if ((SECONDS >= deadline)); then
			cat "$LISTEN_ERR" >&2
			fail "listen $* was not listening after 30 s"
			return 1
		fi
		sleep 0.05
	done
}
listen_ready() { grep -q "listening on" "$LISTEN_ERR"; }

# count_stays OUT VEC N SECONDS: vector VEC's count in listen output OUT
# is N, and still N after SECONDS.
count_stays() {
	[ "$(listen_count "$1" "$2")" -eq "$3" ] || fail "vector $2: $(listen_count "$1" "$2"), expected $3"
	sleep "$4"
	[ "$(listen_count "$1" "$2")" -eq "$3" ] || fail "vector $2: $(listen_count "$1" "$2") after ${4}s, expected $3"
}

# Ring ivshmem vector $1 once, not waiting for its interrupt (a masked
# vector's IRQ count does not grow, which ivshmem-fire waits for).
ivshmem_ring() {
	local own_id
	own_id=$("$PCIMEM" "$IVSHMEM_BDF" 0 read32 8)
	"$PCIMEM" "$IVSHMEM_BDF" 0 write32 12 $(((own_id << 16) | $1))
}

# Wait for the background listener; its exit status becomes ours.  (Not
# under bats' `run`, whose subshell cannot wait for it.)
listen_wait() {
	local status=0
	wait "$LISTEN_PID" || status=$?
	LISTEN_PID=
	return "$status"
}

# Wait for the background listener and check its exit status is $1.
listen_wait_status() {
	local status=0
	listen_wait || status=$?
	[ "$status" -eq "$1" ] || fail "listen exited with $status, expected $1"
}

# Open /dev/uioN of device $1 as UIO_FD, as a UIO program would.
uio_open() {
	exec {UIO_FD}<>/dev/"$(uio_node "$1")"
}

# Close UIO_FD if a test opened it.
uio_fd_close() {
	[ -z "${UIO_FD:-}" ] || exec {UIO_FD}>&-
	UIO_FD=
}

# One read() of UIO_FD within $1 (10) s: prints the event count.  Exit
# status 0: read; 124: nothing to read in that time; other: read failed.
uio_read() {
	timeout "${1:-10}" dd bs=4 count=1 status=none <&"$UIO_FD" |
		od -An -tu4 | tr -d ' '
	return "${PIPESTATUS[0]}"
}

# Nothing to read on UIO_FD for $1 (2) s: the read blocked until the
# timeout, it did not fail.
uio_read_blocks() {
	local status=0
	uio_read "${1:-2}" >/dev/null || status=$?
	[ "$status" -eq 124 ] ||
		fail "read() of /dev/uioN: status $status, expected it to block until the timeout (124)"
}

# One 4-byte write() to UIO_FD: 1 unmasks, 0 masks the UIO interrupt.
uio_irqcontrol() {
	if [ "$1" = 1 ]; then
		printf '\001\000\000\000' >&"$UIO_FD"
	else
		printf '\000\000\000\000' >&"$UIO_FD"
	fi
}

listen_stop() {
	[ -n "${LISTEN_PID:-}" ] || return 0
	kill "$LISTEN_PID" 2>/dev/null || true
	wait "$LISTEN_PID" 2>/dev/null || true
	LISTEN_PID=
}

# Whether listen output $1 shows at least $3 interrupts of vector $2.
listen_received() { [ "$(listen_count "$1" "$2")" -ge "$3" ]; }

# Final count of vector $2 in listen output $1 (0 if it never fired).
listen_count() {
	awk -v v="$2" '$1 == "vec" && $2 == v && $3 == "count" { c = $4 }
		END { print c + 0 }' "$1"
}

# Offset of PCI capability $2 (hex id, e.g. 11 for MSI-X) of device $1, or
# nothing.  Reads config space through sysfs, independently of any driver.
pci_cap_offset() {
	local config pos id
	config=$(pci_dir "$1")/config
	pos=$((16#$(od -An -tx1 -j52 -N1 "$config" | tr -d ' ')))
	while ((pos)); do
		id=$(od -An -tx1 -j"$pos" -N1 "$config" | tr -d ' ')
		if [ "$id" = "$2" ]; then
			echo "$pos"
			return 0
		fi
		pos=$((16#$(od -An -tx1 -j$((pos + 1)) -N1 "$config" | tr -d ' ')))
	done
}

pci_config_word() {
	echo $((16#$(od -An -tx2 -j"$2" -N2 "$(pci_dir "$1")/config" | tr -d ' ')))
}

# MSI-X table size of device $1 (0 without MSI-X).
msix_table_size() {
	local cap
	cap=$(pci_cap_offset "$1" 11)
	[ -n "$cap" ] || { echo 0; return 0; }
	echo $((($(pci_config_word "$1" $((cap + 2))) & 0x7ff) + 1))
}

# MSI vectors device $1 can request (Multiple Message Capable; 0 without MSI).
msi_capable() {
	local cap
	cap=$(pci_cap_offset "$1" 05)
	[ -n "$cap" ] || { echo 0; return 0; }
	echo $((1 << (($(pci_config_word "$1" $((cap + 2))) >> 1) & 7)))
}

# Whether the MSI-X / MSI enable bit of device $1 is set.
msix_enabled() {
	local cap
	cap=$(pci_cap_offset "$1" 11)
	(($(pci_config_word "$1" $((cap + 2))) & 0x8000))
}
msi_enabled() {
	local cap
	cap=$(pci_cap_offset "$1" 05)
	(($(pci_config_word "$1" $((cap + 2))) & 1))
}

msix_disabled() { ! msix_enabled "$1"; }
msi_disabled() { ! msi_enabled "$1"; }

taint_user() { (($(cat /proc/sys/kernel/tainted) & 64)); }

