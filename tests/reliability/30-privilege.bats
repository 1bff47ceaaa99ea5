#!/usr/bin/env bats
# Privilege: every write needs CAP_SYS_RAWIO in the initial user namespace.
# tests/guest/30-errors.bats checks nobody on chmod 666 files with four
# valid writes; here every attribute gets valid and invalid input (EPERM
# comes before any parsing), from nobody, from root inside a new user
# namespace (all capabilities there, none outside) and from nobody inside
# its own user namespace.  Nothing may change, and a binding made before
# keeps delivering.

bats_require_minimum_version 1.5.0

load lib/rel

setup_file() {
	module_unload
	module_load
	dev_bind "$IVSHMEM_BDF"
	dev_bind "$EDU_BDF"
}

teardown_file() {
	local bdf name
	for bdf in "$IVSHMEM_BDF" "$EDU_BDF"; do
		for name in "$ATTR_MODE" "$ATTR_IRQ_COUNT"; do
			chmod 644 "$(attr_path "$bdf" "$name")" 2>/dev/null || true
		done
		chmod 200 "$(attr_path "$bdf" "$ATTR_EVENTFD")" 2>/dev/null || true
	done
	module_unload
}

teardown() {
	listen_stop
}

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
# unshare(1) cannot make a user namespace here: the guest tests run
# chrooted, which the kernel refuses (EPERM); reltool userns steps out.
USERNS_ROOT=("$RELTOOL" userns --)
USERNS_NOBODY=("$RELTOOL" userns --uid 65534 --)

# Inputs per attribute: valid ones (which root may write) and junk.
inputs() {
	case $1 in
	"$ATTR_MODE") printf '%s\n' msix msi intx none 'msix\n' bogus '' 0 ;;
	"$ATTR_IRQ_COUNT") printf '%s\n' 1 2 16 '1\n' 0 -1 x 4294967296 ;;
	"$ATTR_EVENTFD") printf '%s\n' '3 3' '0 3' '0 -1' '3 -1' '0 99' 'x' '-1 3' '0 3x' ;;
	esac
}

# as_denied BDF PREFIX...: every input on every writable attribute of BDF,
# written by the command PREFIX, is EPERM (an empty write is 0 bytes and
# never reaches the driver: OK), and the device is unchanged while the
# writer still holds its eventfd (expect_errno).
as_denied() {
	local bdf=$1 name input inputs
	shift
	# shellcheck disable=SC2034 # the writer's prefix, read by expect_write
	local WRITE_AS=("$@")
	for name in "$ATTR_MODE" "$ATTR_IRQ_COUNT" "$ATTR_EVENTFD"; do
		inputs=()
		while IFS= read -r input; do
			[ -z "$input" ] || inputs+=("$input")
		done < <(inputs "$name")
		expect_errno "$bdf" "$name" EPERM --eventfd 3 -- "${inputs[@]}"
		expect_errno "$bdf" "$name" OK -- ''
	done
}

chmod_666() {
	local name
	for name in "$ATTR_MODE" "$ATTR_IRQ_COUNT" "$ATTR_EVENTFD"; do
		chmod 666 "$(attr_path "$1" "$name")"
	done
}

@test "nobody, on chmod 666 attributes: EPERM for every input, nothing changed" {
	listen_start "$IVSHMEM_BDF" 3 --count 1 --timeout 300
	chmod_666 "$IVSHMEM_BDF"
	chmod_666 "$EDU_BDF"
	as_denied "$IVSHMEM_BDF" "${NOBODY[@]}"
	as_denied "$EDU_BDF" "${NOBODY[@]}"
	# The listener's binding is intact.
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 3 1
	listen_wait
}

@test "root in a user namespace (no CAP_SYS_RAWIO in the initial one): EPERM" {
	# It is root over the files (uid 0 maps to 0) and holds every
	# capability, but only in its own namespace.
	run -0 "${USERNS_ROOT[@]}" sh -c 'id -u; grep CapEff /proc/self/status; cat /proc/self/uid_map'
	[ "${lines[0]}" = 0 ]
	[[ ${lines[2]} =~ ^\ *0\ +0\ +1$ ]]
	[[ ${lines[1]} == CapEff:* && ${lines[1]} != *:$'\t'0000000000000000 ]]
	listen_start "$IVSHMEM_BDF" 5 --count 1 --timeout 300
	as_denied "$IVSHMEM_BDF" "${USERNS_ROOT[@]}"
	as_denied "$EDU_BDF" "${USERNS_ROOT[@]}"
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 5 1
	listen_wait
}

@test "nobody inside its own user namespace, on chmod 666 attributes: EPERM" {
	chmod_666 "$IVSHMEM_BDF"
	chmod_666 "$EDU_BDF"
	run -0 "${USERNS_NOBODY[@]}" sh -c 'id -u; cat /proc/self/uid_map'
	[ "${lines[0]}" = 0 ]
	[[ ${lines[1]} =~ ^\ *0\ +65534\ +1$ ]]
	as_denied "$IVSHMEM_BDF" "${USERNS_NOBODY[@]}"
	as_denied "$EDU_BDF" "${USERNS_NOBODY[@]}"
}

@test "nobody cannot use /dev/uioN or the BARs either (root-only files)" {
	local node
	node=/dev/$(uio_node "$IVSHMEM_BDF")
	run "${NOBODY[@]}" sh -c "exec 3<>$node"
	[ "$status" -ne 0 ]
	[[ $output == *"Permission denied"* ]]
	run -1 "${NOBODY[@]}" "$PCIMEM" "$IVSHMEM_BDF" 0 read32 8
	[[ $output == "pcimem: cannot open "*"/resource0: Permission denied" ]]
	delivery_works "$IVSHMEM_BDF" 6
}

@test "a DAC-only open of /dev/uioN in msix mode is EPERM: no listener, no bus mastering, no taint" {
	local node before
	node=/dev/$(uio_node "$IVSHMEM_BDF")
	chmod 666 "$node"
	before=$(dmesg | grep -c "$IVSHMEM_BDF: bus mastering on for a user-space driver" || true)
	# A udev MODE/GROUP rule would make it so: the file mode lets nobody
	# in, but listening in msix mode turns DMA on, which needs
	# CAP_SYS_RAWIO.
	run "${NOBODY[@]}" sh -c "exec 3<>$node && grep -c 'uio_msi\[0\]($IVSHMEM_BDF)' /proc/interrupts"
	chmod 600 "$node"
	[ "$status" -ne 0 ]
	[[ $output == *"Operation not permitted"* ]] || fail "open as nobody: $output"
	no_irq "$IVSHMEM_BDF" 0
	bus_master_off "$IVSHMEM_BDF"
	[ "$(dmesg | grep -c "$IVSHMEM_BDF: bus mastering on for a user-space driver" || true)" -eq "$before" ]
	# Root without CAP_SYS_RAWIO is refused as well.
	run setpriv --bounding-set=-sys_rawio --inh-caps=-sys_rawio sh -c "exec 3<>$node"
	[ "$status" -ne 0 ]
	[[ $output == *"Operation not permitted"* ]]
	bus_master_off "$IVSHMEM_BDF"
}

@test "in intx mode the file mode alone decides, as with uio_pci_generic" {
	local node
	echo "$MODE_INTX" >"$(attr_path "$EDU_BDF" "$ATTR_MODE")"
	node=/dev/$(uio_node "$EDU_BDF")
	chmod 666 "$node"
	# Listening in intx needs no bus mastering: nobody may open it.
	run "${NOBODY[@]}" sh -c "exec 3<>$node && grep -c 'uio_msi\[0\]($EDU_BDF)' /proc/interrupts"
	chmod 600 "$node"
	[ "$status" -eq 0 ] || fail "open as nobody: $output"
	[ "$output" = 1 ]
	bus_master_off "$EDU_BDF"
	WAIT_SECONDS=10 wait_until no_irq "$EDU_BDF" 0
	echo "$MODE_MSI" >"$(attr_path "$EDU_BDF" "$ATTR_MODE")"
}
