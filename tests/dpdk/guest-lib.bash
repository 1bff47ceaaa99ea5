# shellcheck shell=bash
# Guest-side helpers of tests/dpdk/*.bats (loaded by bats).
#
# Environment (from tests/dpdk/check through tests/vm/run):
#   UIO_MSI_DPDK_DIR     the build of tests/dpdk/build (src/, build/)
#   UIO_MSI_DPDK_DRIVER  uio_msi or vfio-pci
#   UIO_MSI_KO           the module

# shellcheck disable=SC2034 # used by the bats files
DPDK_BUILD=$UIO_MSI_DPDK_DIR/build
DPDK_SRC=$UIO_MSI_DPDK_DIR/src
DRIVER=$UIO_MSI_DPDK_DRIVER
TESTPMD=$DPDK_BUILD/app/dpdk-testpmd
L3FWD=$DPDK_BUILD/examples/dpdk-l3fwd-power
DEVBIND=$DPDK_SRC/usertools/dpdk-devbind.py

# The guest's NICs (tests/dpdk/qemu-args): two virtio-net ports for DPDK,
# a virtio-net interface for the guest kernel, all on one host bridge.
# shellcheck disable=SC2034 # used by the bats files
PORT0=0000:00:18.0
PORT1=0000:00:19.0
KNIC=0000:00:1a.0
E1000E=0000:00:1b.0
E1000E_MAC=52:54:00:00:00:30
PORT0_MAC=52:54:00:00:00:10
PORT1_MAC=52:54:00:00:00:11
QUEUES=${UIO_MSI_DPDK_QUEUES:-4}
# The applications' output, kept with the run's results.
LOGS=$UIO_MSI_RESULTS/dpdk-$DRIVER
mkdir -p "$LOGS"

fail() {
	echo "FAIL: $*" >&2
	return 1
}

# wait_for FILE REGEX [SECONDS]: wait until a line of FILE matches REGEX
# (grep -E); fails after SECONDS (default 60), or as soon as the process
# $WATCH_PID (if set) is gone, with the end of FILE.  The bound is a
# safety net for a hung run, never a measurement.
wait_for() {
	local file=$1 re=$2 secs=${3:-60} i
	for ((i = 0; i < secs * 5; i++)); do
		grep -qE -- "$re" "$file" 2>/dev/null && return 0
		if [ -n "${WATCH_PID:-}" ] && ! kill -0 "$WATCH_PID" 2>/dev/null; then
			grep -qE -- "$re" "$file" 2>/dev/null && return 0
			echo "process $WATCH_PID exited before a line matching '$re' in $file; its end:" >&2
			tail -n 30 "$file" >&2 || true
			return 1
		fi
		sleep 0.2
	done
	echo "no line matching '$re' in $file after $secs s; its end:" >&2
	tail -n 30 "$file" >&2 || true
	return 1
}

# wait_count FILE REGEX N [SECONDS]: wait until N lines of FILE match.
wait_count() {
	local file=$1 re=$2 n=$3 secs=${4:-60} i
	for ((i = 0; i < secs * 5; i++)); do
		[ "$(count_matches "$file" "$re")" -ge "$n" ] && return 0
		sleep 0.2
	done
	echo "fewer than $n lines matching '$re' in $file after $secs s; its end:" >&2
	tail -n 30 "$file" >&2 || true
	return 1
}

# count_matches FILE REGEX: lines of FILE matching REGEX.
count_matches() {
	grep -cE -- "$2" "$1" 2>/dev/null || true
}

# irq_count BDF VEC: interrupts of the vector VEC of BDF so far, summed
# over the CPUs, from /proc/interrupts (uio_msi names its IRQs
# uio_msi[VEC](BDF), vfio-pci vfio-msix[VEC](BDF)); empty when the vector
# has no IRQ requested.
irq_count() {
	awk -v name="[$2]($1)" '
		index($0, name) {
			s = 0
			for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++)
				s += $i
			print s
			found = 1
		}
		END { if (!found) exit 1 }' /proc/interrupts || true
}

# irqs_of BDF: the /proc/interrupts lines naming BDF.
irqs_of() {
	grep -F "($1)" /proc/interrupts || true
}

# bus_master BDF: 1 if bus mastering is on, else 0 (PCI command bit 2).
bus_master() {
	local cmd
	cmd=$(setpci -s "$1" COMMAND)
	echo $(((0x$cmd >> 2) & 1))
}

driver_of() {
	local l
	l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) || return 0
	echo "${l##*/}"
}

# The kernel's network interface of KNIC.
knic_ifname() {
	local d
	for d in "/sys/bus/pci/devices/$KNIC"/virtio*/net/*; do
		[ -e "$d" ] && echo "${d##*/}" && return 0
	done
	return 1
}

# bind_override BDF DRIVER: bind BDF to DRIVER through driver_override.
bind_override() {
	local d=/sys/bus/pci/devices/$1
	[ ! -e "$d/driver" ] || echo "$1" >"$d/driver/unbind"
	echo "$2" >"$d/driver_override"
	echo "$1" >/sys/bus/pci/drivers_probe
}

# dpdk_setup: once per VM: hugepages, the driver, both DPDK ports bound to
# it with the patched dpdk-devbind.py, the kernel's interface up.
dpdk_setup() {
	mkdir -p /dev/hugepages
	mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages
	echo "${UIO_MSI_DPDK_HUGEPAGES:-256}" >/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	case $DRIVER in
	uio_msi)
		modprobe uio
		grep -q '^uio_msi ' /proc/modules || insmod "$UIO_MSI_KO"
		;;
	vfio-pci)
		modprobe vfio-pci
		;;
	*)
		fail "UIO_MSI_DPDK_DRIVER must be uio_msi or vfio-pci, not '$DRIVER'"
		;;
	esac
	if [ "${UIO_MSI_DPDK_UNPATCHED:-0}" = 1 ]; then
		# DPDK without the series (tests/dpdk/check --unpatched): its
		# dpdk-devbind.py cannot bind uio_msi, so the kernel's
		# driver_override does, and each test gets as far as DPDK.
		local bdf
		for bdf in "$PORT0" "$PORT1" "$E1000E"; do
			bind_override "$bdf" "$DRIVER"
		done
	else
		python3 "$DEVBIND" --bind="$DRIVER" "$PORT0" "$PORT1" "$E1000E"
	fi
	[ "$(driver_of "$PORT0")" = "$DRIVER" ] || fail "$PORT0 not bound to $DRIVER"
	[ "$(driver_of "$PORT1")" = "$DRIVER" ] || fail "$PORT1 not bound to $DRIVER"
	[ "$(driver_of "$E1000E")" = "$DRIVER" ] || fail "$E1000E not bound to $DRIVER"
	# Only now: virtio_net would take the DPDK ports as well.
	modprobe virtio_net
	local ifname i
	for ((i = 0; i < 50; i++)); do
		ifname=$(knic_ifname) && break
		sleep 0.2
	done
	[ -n "${ifname:-}" ] || fail "no kernel interface for $KNIC"
	# No IPv6 chatter (router solicitations) into the DPDK ports.
	echo 1 >"/proc/sys/net/ipv6/conf/$ifname/disable_ipv6" 2>/dev/null || true
	ip link set dev "$ifname" up
}

# EAL options common to every run: the driver's IOVA mode, little memory.
# vfio-pci: IOVA as PA, because QEMU's emulated VT-d has a 39-bit address
# width that DPDK's virtual addresses do not fit.
eal_args() {
	local a=(--no-telemetry --file-prefix "dpdk-$DRIVER" -m 256)
	[ "$DRIVER" != vfio-pci ] || a+=(--iova-mode=pa)
	printf '%s\n' "${a[@]}"
}

# l3fwd_start OUT ARGS...: dpdk-l3fwd-power on port 0 ($L3FWD_DEV, default
# PORT0) in the background.
l3fwd_start() {
	local out=$1 eal
	shift
	mapfile -t eal < <(eal_args)
	stdbuf -oL -eL "$L3FWD" -l 0-1 "${eal[@]}" -a "${L3FWD_DEV:-$PORT0}" -- "$@" >"$out" 2>&1 &
	L3FWD_PID=$!
	WATCH_PID=$L3FWD_PID
}

# testpmd_start OUT ARGS...: dpdk-testpmd -i in the background, its input a
# FIFO kept open on fd 7 (testpmd_cmd writes to it), its output in OUT.
testpmd_start() {
	local out=$1 eal
	shift
	mapfile -t eal < <(eal_args)
	rm -f "$BATS_TEST_TMPDIR/testpmd.in"
	mkfifo "$BATS_TEST_TMPDIR/testpmd.in"
	# stdbuf: its output is a file, which stdio would buffer until exit.
	stdbuf -oL -eL "$TESTPMD" -l 0-1 "${eal[@]}" -a "$PORT0" -a "$PORT1" -- -i "$@" \
		<"$BATS_TEST_TMPDIR/testpmd.in" >"$out" 2>&1 &
	TESTPMD_PID=$!
	WATCH_PID=$TESTPMD_PID
	exec 7>"$BATS_TEST_TMPDIR/testpmd.in"
	wait_for "$out" '^testpmd> ' 180
}

testpmd_cmd() {
	printf '%s\n' "$*" >&7
}

testpmd_quit() {
	testpmd_cmd quit
	local i
	for ((i = 0; i < 300; i++)); do
		kill -0 "$TESTPMD_PID" 2>/dev/null || break
		sleep 0.2
	done
	exec 7>&-
	wait "$TESTPMD_PID"
}

# kill_bg PID...: SIGKILL and reap.
kill_bg() {
	local p
	for p in "$@"; do
		[ -n "$p" ] || continue
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# proc_cpu_ticks PID: user + system clock ticks of the process so far.
proc_cpu_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
