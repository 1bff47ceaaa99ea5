#!/usr/bin/env bats
# The driver's shutdown(), which runs at reboot and kexec: whatever user
# space left (listeners still running, bus mastering on, INTx enabled),
# the function must come out of it with bus mastering off and INTx
# masked, so that a kexec'd kernel inherits neither DMA nor an asserted
# shared line.  Only the harness can see that: after the guest has
# powered off, it reads the Command registers through QEMU's monitor
# (tests/vm/README.md, "checks after its shutdown").  This file runs last
# and leaves its listeners running into the power-off on purpose.

bats_require_minimum_version 1.5.0

load lib/common

setup_file() {
	module_unload
	module_load
}

# The ECAM window of PCI segment 0 bus 0, from /proc/iomem ("PCI
# MMCONFIG 0000 [bus 00-ff]" on 6.1, "PCI ECAM 0000 ..." on 7.x).
ecam_base() {
	sed -En 's/^ *([0-9a-f]*)-[0-9a-f]* : PCI (MMCONFIG|ECAM) 0000 .*/\1/p' /proc/iomem | head -n 1
}

# after_shutdown NAME BDF MASK VALUE: the harness checks, after the guest
# has powered off, that BDF's Command register masked with MASK is VALUE.
after_shutdown() {
	local bdf=$2 base bus dev fn
	base=$(ecam_base)
	[ -n "$base" ] || fail "no PCI MMCONFIG in /proc/iomem"
	IFS=':.' read -r _ bus dev fn <<<"$bdf"
	printf '%s\t%x\t%s\t%s\n' "$1" \
		$((16#$base + (16#$bus << 20) + (16#$dev << 15) + (16#$fn << 12) + 4)) "$3" "$4" \
		>>"$UIO_MSI_RESULTS/.vm/monitor/after-shutdown"
}

# A listener that outlives this file (and bats): it is still running when
# the guest powers off.
detached_listener() {
	# (fd 3 closed too: bats waits for whoever holds its output.)
	setsid "$TOOL" listen "$@" </dev/null >/dev/null 2>&1 3>&- &
}

@test "listeners left running into the shutdown: bus mastering off and INTx masked after it" {
	dev_bind "$IVSHMEM_BDF"
	dev_bind "$EDU_BDF"
	echo "$MODE_INTX" >"$(attr_path "$EDU_BDF" "$ATTR_MODE")"
	detached_listener "$IVSHMEM_BDF" 0
	detached_listener "$EDU_BDF" 0
	wait_until has_irq "$IVSHMEM_BDF" 0
	wait_until has_irq "$EDU_BDF" 0
	# As user space leaves them: ivshmem masters the bus (MSI-X), edu
	# has INTx enabled, waiting for its next interrupt.
	bus_master_on "$IVSHMEM_BDF"
	intx_enabled "$EDU_BDF"
	after_shutdown "ivshmem $IVSHMEM_BDF: bus mastering off" "$IVSHMEM_BDF" 4 0
	after_shutdown "edu $EDU_BDF (intx): bus mastering off" "$EDU_BDF" 4 0
	after_shutdown "edu $EDU_BDF (intx): INTx disabled" "$EDU_BDF" 400 400
}
