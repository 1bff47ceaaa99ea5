#!/usr/bin/env bats
# Every error of the sysfs ABI: the documented errno, and nothing changed.
# Writes go through the try-write helper, which reports the errno of one
# write() and can prepare the writer's descriptors (the eventfd attribute
# resolves FD in the writing process).

bats_require_minimum_version 1.5.0

load lib/common

setup_file() {
	module_unload
	module_load
	dev_bind "$IVSHMEM_BDF"
	dev_bind "$EDU_BDF"
}

teardown_file() {
	module_unload
}

teardown() {
	listen_stop
	uio_fd_close
}

# expect BDF ATTRIBUTE ERRNO [TRY-WRITE OPTIONS...] -- DATA...: see
# expect_write (lib/common.bash).
expect() { expect_write "$@"; }

@test "eventfd: malformed text is EINVAL" {
	listen_start "$IVSHMEM_BDF" 2 --count 1 --timeout 300
	expect "$IVSHMEM_BDF" "$ATTR_EVENTFD" EINVAL --eventfd 3 -- \
		'0' '0 ' ' 0 3' '0 3 ' '0 3 4' '0,3' 'x 3' '0 x' '0 3x' \
		'0 3\n\n' '0x1 3' '0 0x3' '01 3' '0 03' '+1 3' '0 +3' '-0 3' \
		'0 -0' '1.0 3' '0\0 3' '0 3\0' '0 3\t' 'VEC FD' '0  3 x' '- 3' \
		'0 -'
	# The binding that existed is untouched and still delivers.
	[ "$(irq_vectors "$IVSHMEM_BDF")" = 2 ]
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 2 1
	listen_wait
}

@test "eventfd: blanks between the numbers and one trailing newline are fine" {
	run -0 "$TRY_WRITE" --eventfd 3 "$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")" \
		'0 3' '0 3\n' '0\t3' '0   3' '0 \t 3\n'
	[ "$output" = "$(printf 'OK\nOK\nOK\nOK\nOK')" ]
}

@test "eventfd: a vector outside 0..irq_count-1 is ERANGE, negative included" {
	local n
	n=$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")
	expect "$IVSHMEM_BDF" "$ATTR_EVENTFD" ERANGE --eventfd 3 -- \
		"$n 3" "$((n + 1)) 3" '-1 3' '-2 -1' '2048 3' "$n -1" \
		'2147483648 3' '4294967296 3' '18446744073709551616 3' \
		'99999999999999999999999999 3' '-9223372036854775809 3'
	# The range is checked before the descriptor.
	expect "$IVSHMEM_BDF" "$ATTR_EVENTFD" ERANGE --open 7 /dev/null -- "$n 7"
}

@test "eventfd: FD not open in the writer is EBADF" {
	expect "$IVSHMEM_BDF" "$ATTR_EVENTFD" EBADF --close 99 -- \
		'0 99' '0 -2' '0 2147483648' '0 4294967299' \
		'0 18446744073709551616'
}

@test "eventfd: FD open but not an eventfd is EINVAL" {
	expect "$IVSHMEM_BDF" "$ATTR_EVENTFD" EINVAL --open 7 /dev/null -- '0 7'
	expect "$IVSHMEM_BDF" "$ATTR_EVENTFD" EINVAL \
		--open 7 "$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")" -- '1 7'
}

@test "mode: a word that is not one of the four is EINVAL" {
	expect "$IVSHMEM_BDF" "$ATTR_MODE" EINVAL -- \
		bogus MSIX Msix 'msix\n\n' ' msix' 'msix ' 'msi x' \
		'msix\0' 'msixx' 'ms' auto legacy '\n' 'intx none'
}

@test "mode: a mode the device cannot do is EOPNOTSUPP" {
	[ "$(msi_capable "$IVSHMEM_BDF")" = 0 ]
	expect "$IVSHMEM_BDF" "$ATTR_MODE" EOPNOTSUPP -- "$MODE_MSI"
	[ "$(msix_table_size "$EDU_BDF")" = 0 ]
	expect "$EDU_BDF" "$ATTR_MODE" EOPNOTSUPP -- "$MODE_MSIX"
	# No INTx line at all.
	[ "$(cat "$(pci_dir "$IVSHMEM_BDF")/irq")" = 0 ]
	expect "$IVSHMEM_BDF" "$ATTR_MODE" EOPNOTSUPP -- "$MODE_INTX"
}

@test "irq_count: malformed is EINVAL, outside 1..irq_max is ERANGE" {
	local max
	max=$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_MAX")
	expect "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT" EINVAL -- \
		abc 3x 0x3 03 +3 ' 3' '3 ' '3\n\n' '-' '3\0' '1 2' \
		'-0'
	expect "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT" ERANGE -- \
		0 -1 "$((max + 1))" 2049 4294967297 \
		99999999999999999999999
	expect "$EDU_BDF" "$ATTR_IRQ_COUNT" ERANGE -- 2
}

@test "mode and irq_count are EBUSY while an eventfd is bound, even unchanged" {
	local count mode
	count=$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")
	mode=$(attr "$IVSHMEM_BDF" "$ATTR_MODE")
	listen_start "$IVSHMEM_BDF" 7
	expect "$IVSHMEM_BDF" "$ATTR_MODE" EBUSY -- "$mode"
	expect "$IVSHMEM_BDF" "$ATTR_MODE" EBUSY -- "$MODE_NONE"
	# Where the count can change live (48-resize), only below vector 7 not.
	if [ "$(attr "$IVSHMEM_BDF" "$ATTR_RESIZE_LIVE")" = 1 ]; then
		expect "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT" OK -- "$count"
	else
		expect "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT" EBUSY -- "$count"
	fi
	expect "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT" EBUSY -- 1 7
	listen_stop
	WAIT_SECONDS=10 wait_until no_irqs "$IVSHMEM_BDF"
	run -0 "$TRY_WRITE" "$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")" "$mode"
	[ "$output" = OK ]
}

@test "mode and irq_count are EBUSY while /dev/uioN is open" {
	uio_open "$EDU_BDF"
	expect "$EDU_BDF" "$ATTR_MODE" EBUSY -- "$MODE_MSI"
	expect "$EDU_BDF" "$ATTR_MODE" EBUSY -- "$MODE_INTX"
	expect "$EDU_BDF" "$ATTR_IRQ_COUNT" EBUSY -- 1
	uio_fd_close
	run -0 "$TRY_WRITE" "$(attr_path "$EDU_BDF" "$ATTR_IRQ_COUNT")" 1
	[ "$output" = OK ]
}

@test "irq_count re-allocates in the current mode; mode resets to all vectors" {
	local max
	max=$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_MAX")
	echo 3 >"$(attr_path "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = 3 ]
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_MAX")" = "$max" ]
	expect "$IVSHMEM_BDF" "$ATTR_EVENTFD" ERANGE --eventfd 3 -- '3 3'
	listen_start "$IVSHMEM_BDF" 2 --count 1 --timeout 60
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 2 1
	listen_wait
	echo "$MODE_MSIX" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = "$max" ]
}

@test "mode switches: msix -> none -> msix on ivshmem, msi -> intx -> msi on edu" {
	local max
	max=$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_MAX")
	echo "$MODE_NONE" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_MODE")" = "$MODE_NONE" ]
	msix_disabled "$IVSHMEM_BDF"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_MAX")" = 0 ]
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = 0 ]
	expect "$IVSHMEM_BDF" "$ATTR_EVENTFD" ERANGE --eventfd 3 -- '0 3'
	expect "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT" ERANGE -- 1
	echo "$MODE_MSIX" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = "$max" ]
	msix_enabled "$IVSHMEM_BDF"

	echo "$MODE_INTX" >"$(attr_path "$EDU_BDF" "$ATTR_MODE")"
	[ "$(attr "$EDU_BDF" "$ATTR_IRQ_MAX")" = 1 ]
	[ "$(attr "$EDU_BDF" "$ATTR_IRQ_COUNT")" = 1 ]
	msi_disabled "$EDU_BDF"
	intx_disabled "$EDU_BDF"
	echo "$MODE_MSI" >"$(attr_path "$EDU_BDF" "$ATTR_MODE")"
	msi_enabled "$EDU_BDF"
	[ "$(attr "$EDU_BDF" "$ATTR_IRQ_COUNT")" = 1 ]
}

@test "every write needs CAP_SYS_RAWIO: non-root on chmod 666 files is EPERM" {
	local name
	listen_start "$IVSHMEM_BDF" 5 --count 1 --timeout 300
	for name in "$ATTR_MODE" "$ATTR_IRQ_COUNT" "$ATTR_EVENTFD"; do
		chmod 666 "$(attr_path "$IVSHMEM_BDF" "$name")"
	done
	local nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	# Vector 2 has no listener: a binding made before the refusal would
	# only show while the writer still holds its eventfd.
	local WRITE_AS=("${nobody[@]}")
	expect_write "$IVSHMEM_BDF" "$ATTR_MODE" EPERM -- "$MODE_NONE"
	expect_write "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT" EPERM -- 1
	expect_write "$IVSHMEM_BDF" "$ATTR_EVENTFD" EPERM --eventfd 3 -- \
		'2 3' '5 3' '5 -1'
	# Reading stays allowed.
	run -0 "${nobody[@]}" cat "$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")"
	[ "$output" = "$MODE_MSIX" ]
	# Root without CAP_SYS_RAWIO is refused as well.
	# shellcheck disable=SC2034 # the writer's prefix, read by expect_write
	WRITE_AS=(setpriv --bounding-set=-sys_rawio --inh-caps=-sys_rawio)
	expect_write "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT" EPERM -- 1
	expect_write "$IVSHMEM_BDF" "$ATTR_EVENTFD" EPERM --eventfd 3 -- '2 3'
	for name in "$ATTR_MODE" "$ATTR_IRQ_COUNT"; do
		chmod 644 "$(attr_path "$IVSHMEM_BDF" "$name")"
	done
	chmod 200 "$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")"
	# Without the chmod, non-root cannot even open them for writing.
	run -0 "${nobody[@]}" "$TRY_WRITE" "$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")" msix
	[ "$output" = EACCES ]
	# The listener's binding survived all of it.
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" 5 1
	listen_wait
}
