#!/usr/bin/env bats
# shellcheck disable=SC2034 # UIO_FD is read by uio_read (lib/common.bash)
# INTx on a line really shared with an active device: two edu functions
# whose INTA the q35 chipset routes to the same GSI, both bound to uio_msi
# in intx mode and read through /dev/uioN.  A function masked by its
# handler (its event still pending, not acknowledged) must not claim the
# interrupts of its neighbour on the line, and the neighbour's count must
# be exact.

bats_require_minimum_version 1.5.0

load lib/common

setup_file() {
	module_unload
	module_load intr_mode=intx
	dev_bind "$EDU_BDF"
	dev_bind "$EDU2_BDF"
}

teardown_file() {
	devices_release
}

setup() {
	edu_ack "$EDU_BDF"
	edu_ack "$EDU2_BDF"
}

teardown() {
	[ -z "${FD_A:-}" ] || exec {FD_A}>&-
	[ -z "${FD_B:-}" ] || exec {FD_B}>&-
	FD_A='' FD_B='' UIO_FD=''
}

edu_raise() { "$PCIMEM" "$1" 0 write32 0x60 1; }
edu_ack() { "$PCIMEM" "$1" 0 write32 0x64 0xffffffff; }

@test "the two edu functions are in intx mode on one shared line" {
	[ "$(attr "$EDU_BDF" "$ATTR_MODE")" = "$MODE_INTX" ]
	[ "$(attr "$EDU2_BDF" "$ATTR_MODE")" = "$MODE_INTX" ]
	[ "$(cat "$(pci_dir "$EDU_BDF")/irq")" = "$(cat "$(pci_dir "$EDU2_BDF")/irq")" ]
}

@test "a function masked with its event pending claims none of its neighbour's interrupts" {
	local n count_a count_b last
	exec {FD_A}<>/dev/"$(uio_node "$EDU_BDF")"
	exec {FD_B}<>/dev/"$(uio_node "$EDU2_BDF")"
	# Both handlers on one line now.
	grep -qE "uio_msi\[0\]\($EDU_BDF\).*uio_msi\[0\]\($EDU2_BDF\)|uio_msi\[0\]\($EDU2_BDF\).*uio_msi\[0\]\($EDU_BDF\)" \
		/proc/interrupts
	# The first function interrupts once; its handler masks it, and it is
	# neither acknowledged nor re-enabled: its Interrupt Status stays set.
	UIO_FD=$FD_A
	edu_raise "$EDU_BDF"
	count_a=$(uio_read)
	intx_disabled "$EDU_BDF"
	# The neighbour fires 20 times, each serviced and re-enabled.
	UIO_FD=$FD_B
	last=
	for ((n = 1; n <= 20; n++)); do
		edu_raise "$EDU2_BDF"
		count_b=$(uio_read)
		[ -z "$last" ] || [ "$count_b" -eq $((last + 1)) ] ||
			fail "neighbour interrupt $n: count $count_b after $last"
		last=$count_b
		edu_ack "$EDU2_BDF"
		uio_irqcontrol 1
	done
	# None of them counted for the first function.
	UIO_FD=$FD_A
	uio_read_blocks 2
	intx_disabled "$EDU_BDF"
	# Serviced and re-enabled, it has nothing pending: still no event;
	# raised again, exactly one.
	edu_ack "$EDU_BDF"
	uio_irqcontrol 1
	uio_read_blocks 2
	edu_raise "$EDU_BDF"
	[ "$(uio_read)" -eq $((count_a + 1)) ]
	edu_ack "$EDU_BDF"
	uio_irqcontrol 1
}
