#!/usr/bin/env bats
# Bad input on every writable attribute, beyond tests/guest/30-errors.bats:
# empty and blank writes, sign and base forms, the 2^31 / 2^32 / 2^64
# boundaries, embedded NULs, a full page and more, writes split over
# several write() calls.  Each gets the documented errno (ABI file,
# Documentation/ABI/testing/sysfs-bus-pci-drivers-uio_msi), the device's
# state is unchanged, and an interrupt is still delivered afterwards.

bats_require_minimum_version 1.5.0

load lib/rel

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
}

# Numbers around every width boundary, both signs.
big_numbers() {
	local n
	for n in 2147483647 2147483648 2147483649 4294967295 4294967296 \
		4294967297 9223372036854775807 9223372036854775808 \
		18446744073709551615 18446744073709551616 \
		18446744073709551617 36893488147419103232 \
		340282366920938463463374607431768211456; do
		echo "$n"
		echo "-$n"
	done
}

@test "empty writes succeed and change nothing; blank-only writes are EINVAL" {
	local name
	for name in "$ATTR_MODE" "$ATTR_IRQ_COUNT" "$ATTR_EVENTFD"; do
		# sysfs never calls the driver for a zero-length write.
		expect_errno "$IVSHMEM_BDF" "$name" OK -- ''
		expect_errno "$IVSHMEM_BDF" "$name" EINVAL -- \
			' ' '  ' '\t' '\n' '\r' '\r\n' ' \n' '\0' '\0\0' '\n\n' \
			'\x0b' '\x0c' '\xa0' '\xff'
	done
}

@test "mode: numbers, signs, bases, case and junk are EINVAL" {
	local data=(0 1 2 3 -1 +1 0x1 01 '+msix' '-msix' 'msix\r' 'msix\r\n'
		'msix\t' 'msi\0x' 'msix\0' '\0msix' 'MSI' 'INTX' 'NONE' 'msix;'
		'msix msix' 'msi\nmsi' 'msixmsix' 'msi-x' 'msi_x' "$(printf 'msix%.0s' {1..200})")
	mapfile -t -O "${#data[@]}" data < <(big_numbers)
	expect_errno "$IVSHMEM_BDF" "$ATTR_MODE" EINVAL -- "${data[@]}"
	expect_errno "$EDU_BDF" "$ATTR_MODE" EINVAL -- "${data[@]}"
}

@test "irq_count: signs, bases, blanks and junk are EINVAL" {
	expect_errno "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT" EINVAL -- \
		+1 +0 -0 00 007 010 0x1 0X1 0b1 1e1 1.0 '1,0' '1_0' '1 ' ' 1' \
		'\t1' '1\t' '1\r' '1\r\n' '1\n ' '1\0' '\01' '1\n\0' '1\xff' \
		'１' '1-' '--1' '-+1' '+-1' '1/2' inf nan
}

@test "irq_count: 2^31, 2^32, 2^64 and beyond are ERANGE, negative too" {
	local data
	mapfile -t data < <(big_numbers)
	expect_errno "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT" ERANGE -- "${data[@]}" \
		-1 -16 17 2048 2049 65536
	expect_errno "$EDU_BDF" "$ATTR_IRQ_COUNT" ERANGE -- "${data[@]}" \
		-1 0 2 32
}

@test "eventfd: signs, bases and junk in either number are EINVAL" {
	listen_start "$IVSHMEM_BDF" 4 --count 1 --timeout 300
	expect_errno "$IVSHMEM_BDF" "$ATTR_EVENTFD" EINVAL --eventfd 3 -- \
		'+0 3' '0 +3' '00 3' '0 003' '0x0 3' '0 0x3' '0X0 3' '0 3.0' \
		'0\n3' '0\r3' '0\x0b3' '0\x0c3' '0 \n3' '\t0 3' '0 3 \n' \
		'0 3\n\n' '0 3\r\n' '0 3\0' '0\0 3' '0 \0 3' '0 3 -1' '0 -1 3' \
		'-0 3' '0 -0' '0 --1' '0 -+1' '0 1e1' '0' '3' '-1' ' ' '0 ' \
		' 3' '0 3,' '0,3' '0;3' "0 3$(printf ' %.0s' {1..100})x"
	delivery_works "$IVSHMEM_BDF" 9
}

@test "eventfd: vectors at 2^31, 2^32, 2^64 and beyond are ERANGE" {
	local data n
	mapfile -t data < <(big_numbers)
	for n in "${!data[@]}"; do
		data[n]="${data[n]} 3"
	done
	expect_errno "$IVSHMEM_BDF" "$ATTR_EVENTFD" ERANGE --eventfd 3 -- \
		"${data[@]}" '16 3' '2048 3' '-1 3' '-1 -1' '16 -1'
	expect_errno "$EDU_BDF" "$ATTR_EVENTFD" ERANGE --eventfd 3 -- \
		"${data[@]}" '1 3' '-1 3'
}

@test "eventfd: descriptors at 2^31, 2^32, 2^64 and beyond are EBADF" {
	local data=() n
	for n in $(big_numbers); do
		# -1 is unbind; every other negative number or too big is EBADF.
		data+=("0 $n")
	done
	# 2^32 + 3 must not wrap to descriptor 3, the eventfd.
	expect_errno "$IVSHMEM_BDF" "$ATTR_EVENTFD" EBADF --eventfd 3 -- \
		"${data[@]}" '0 4294967299' '0 -4294967293' '0 18446744073709551619' \
		'0 -2' '0 -3' '0 1048576'
	[ -z "$(irq_vectors "$IVSHMEM_BDF")" ]
}

@test "a full page, and more than a page, are rejected whole" {
	local page name f
	page=$(getconf PAGESIZE)
	f=$(mktemp)
	for name in "$ATTR_MODE" "$ATTR_IRQ_COUNT" "$ATTR_EVENTFD"; do
		# Letters: a page, a page plus one, sixteen pages.
		head -c "$page" /dev/zero | tr '\0' x >"$f"
		expect_errno "$IVSHMEM_BDF" "$name" EINVAL --raw-file "$f" --
		head -c $((page + 1)) /dev/zero | tr '\0' x >"$f"
		expect_errno "$IVSHMEM_BDF" "$name" EINVAL --raw-file "$f" --
		head -c $((page * 16)) /dev/zero | tr '\0' 1 >"$f"
		# sysfs hands the driver the first page only: for irq_count
		# that is a huge number, for the others malformed.
		if [ "$name" = "$ATTR_IRQ_COUNT" ]; then
			expect_errno "$IVSHMEM_BDF" "$name" ERANGE --raw-file "$f" --
		else
			expect_errno "$IVSHMEM_BDF" "$name" EINVAL --raw-file "$f" --
		fi
		# A page of NULs, a page with a valid value and NULs after it.
		head -c "$page" /dev/zero >"$f"
		expect_errno "$IVSHMEM_BDF" "$name" EINVAL --raw-file "$f" --
		{ printf '1'; head -c $((page - 1)) /dev/zero; } >"$f"
		expect_errno "$IVSHMEM_BDF" "$name" EINVAL --raw-file "$f" --
	done
	# "VEC FD" followed by a page of blanks: trailing text.
	{ printf '0 3'; head -c "$page" /dev/zero | tr '\0' ' '; } >"$f"
	expect_errno "$IVSHMEM_BDF" "$ATTR_EVENTFD" EINVAL --eventfd 3 --raw-file "$f" --
	# A page of digits for the descriptor: out of range, not wrapped.
	{ printf '0 '; head -c $((page - 2)) /dev/zero | tr '\0' 9; } >"$f"
	expect_errno "$IVSHMEM_BDF" "$ATTR_EVENTFD" EBADF --eventfd 3 --raw-file "$f" --
	rm -f "$f"
	delivery_works "$IVSHMEM_BDF" 1
}

@test "partial writes: each write() is a value of its own, never joined" {
	local path before
	before=$(dev_state "$IVSHMEM_BDF")
	# "msix" one byte at a time: four malformed words.
	path=$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")
	run -0 "$TRY_WRITE" --chunks 1 "$path" 'msix'
	[ "$output" = "EINVAL EINVAL EINVAL EINVAL" ]
	run -0 "$TRY_WRITE" --chunks 2 "$path" 'msix\n'
	[ "$output" = "EINVAL EINVAL EINVAL" ]
	[ "$(dev_state "$IVSHMEM_BDF")" = "$before" ]
	# "0 3" in pieces: "0", " 3" are both malformed (the state compared
	# while the eventfd is still open).
	expect_write "$IVSHMEM_BDF" "$ATTR_EVENTFD" "EINVAL EINVAL EINVAL" \
		--eventfd 3 --chunks 1 -- '0 3'
	figure inputs 10
	# "12" one byte at a time sets irq_count to 1, then to 2.
	path=$(attr_path "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")
	run -0 "$TRY_WRITE" --chunks 1 "$path" '12'
	[ "$output" = "OK OK" ]
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = 2 ]
	echo "$MODE_MSIX" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")"
	[ "$(dev_state "$IVSHMEM_BDF")" = "$before" ]
	figure inputs 2
}

@test "after all of it every attribute reads back as before and every vector delivers" {
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_MODE")" = "$MODE_MSIX" ]
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = "$UIO_MSI_IVSHMEM_VECTORS" ]
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_MAX")" = "$UIO_MSI_IVSHMEM_VECTORS" ]
	[ "$(attr "$EDU_BDF" "$ATTR_MODE")" = "$MODE_MSI" ]
	[ "$(attr "$EDU_BDF" "$ATTR_IRQ_COUNT")" = 1 ]
	[ "$(attr "$EDU_BDF" "$ATTR_IRQ_MAX")" = 1 ]
	[ -z "$(irq_vectors "$IVSHMEM_BDF")" ]
	bus_master_off "$IVSHMEM_BDF"
	listen_start "$IVSHMEM_BDF" all --count "$UIO_MSI_IVSHMEM_VECTORS" --timeout 300
	local fires=() v
	for ((v = 0; v < UIO_MSI_IVSHMEM_VECTORS; v++)); do
		fires+=("$v:1")
	done
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" "${fires[@]}"
	listen_wait
	# One each, not a total that one vector could make up for another.
	for ((v = 0; v < UIO_MSI_IVSHMEM_VECTORS; v++)); do
		[ "$(listen_count "$LISTEN_OUT" "$v")" -eq 1 ] ||
			fail "vector $v: $(listen_count "$LISTEN_OUT" "$v") interrupts, fired 1"
	done
}
