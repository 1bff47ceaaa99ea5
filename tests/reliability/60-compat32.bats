#!/usr/bin/env bats
# 32-bit user space on the 64-bit kernel: a static i386 build of the same
# binder (reltool32) binds and receives exactly like the 64-bit one, and
# gets the same answer to every write.  The ABI is text, so there is no
# structure whose layout differs between 32 and 64 bit (the objection
# raised against an ioctl interface in 2015).

bats_require_minimum_version 1.5.0

load lib/rel

setup_file() {
	module_unload
	module_load
	dev_bind "$IVSHMEM_BDF"
}

teardown_file() {
	module_unload
}

# ELF class byte: 1 = 32-bit, 2 = 64-bit.
elf_class() { od -An -tu1 -j4 -N1 "$1" | tr -d ' '; }

@test "reltool32 is a static 32-bit x86 program running on the 64-bit kernel" {
	[ "$(elf_class "$RELTOOL32")" = 1 ]
	[ "$(elf_class "$RELTOOL")" = 2 ]
	[ "$(uname -m)" = x86_64 ]
	# e_machine 3 = EM_386.
	[ "$(od -An -tu2 -j18 -N2 "$RELTOOL32" | tr -d ' ')" = 3 ]
}

# binder_receives TOOL VEC N: TOOL binds VEC, gets N interrupts, exits;
# prints TOOL's output.  It runs in $(...), where errexit does not stop
# it, so a step that fails prints why into what the caller compares.
binder_receives() {
	local out pid status=0
	out=$(mktemp)
	"$1" binder "$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")" "$2" "$3" >"$out" 2>&1 &
	pid=$!
	wait_until grep -q "^bound $2\$" "$out" || echo "not bound after 20 s"
	"$IVSHMEM_FIRE" "$IVSHMEM_BDF" "$2" "$3" || echo "ivshmem-fire: status $?"
	wait "$pid" || status=$?
	cat "$out"
	[ "$status" -eq 0 ] || echo "binder: status $status"
}

@test "the 32-bit binder binds and receives exactly like the 64-bit one" {
	local v out64 out32
	for v in 0 7 15; do
		out64=$(binder_receives "$RELTOOL" "$v" 3)
		out32=$(binder_receives "$RELTOOL32" "$v" 3)
		[ "$out64" = "$(printf 'bound %s\nreceived 3' "$v")" ] ||
			fail "vector $v, 64-bit: '$out64'"
		[ "$out32" = "$out64" ] || fail "vector $v, 32-bit: '$out32', 64-bit: '$out64'"
		WAIT_SECONDS=30 wait_until no_irqs "$IVSHMEM_BDF"
	done
}

@test "the 32-bit and 64-bit writers get the same errno for every input" {
	local path data out64 out32
	path=$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")
	# Values that would be truncated or sign-extended differently if any
	# binary layout were involved.
	data=('@0' '@15' '@16' '@-1' '@2147483648' '@4294967296' '@4294967311'
		'@18446744073709551615' '0 -1' '0 2147483647' '0 4294967299'
		'0 -2147483648' '0 9223372036854775807' '0 18446744073709551616'
		'0 x' '0' '')
	out64=$("$RELTOOL" try "$path" "${data[@]}")
	out32=$("$RELTOOL32" try "$path" "${data[@]}")
	echo "$out64"
	[ "$out32" = "$out64" ]
	[ "$out64" = "$(printf '%s\n' OK OK ERANGE ERANGE ERANGE ERANGE ERANGE \
		ERANGE OK EBADF EBADF EBADF EBADF EBADF EINVAL EINVAL OK)" ]
	figure inputs $((${#data[@]} * 2))
	path=$(attr_path "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")
	WAIT_SECONDS=30 wait_until no_irqs "$IVSHMEM_BDF"
	data=(2147483649 4294967297 18446744073709551617 -4294967295 0 16 x)
	out64=$("$RELTOOL" try "$path" "${data[@]}")
	out32=$("$RELTOOL32" try "$path" "${data[@]}")
	[ "$out32" = "$out64" ]
	[ "$out64" = "$(printf '%s\n' ERANGE ERANGE ERANGE ERANGE ERANGE OK EINVAL)" ]
	figure inputs $((${#data[@]} * 2))
}

@test "the 32-bit fuzzer sees only ABI errnos" {
	run -0 "$RELTOOL32" fuzz "$(pci_dir "$IVSHMEM_BDF")/$GROUP" 32 5000
	[[ ${lines[1]} == "fuzz writes 5000 ok "* ]]
	figure fuzz_writes 5000
	WAIT_SECONDS=30 wait_until no_irqs "$IVSHMEM_BDF"
	echo "$MODE_MSIX" >"$(attr_path "$IVSHMEM_BDF" "$ATTR_MODE")"
	delivery_works "$IVSHMEM_BDF" 4
}
