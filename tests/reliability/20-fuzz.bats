#!/usr/bin/env bats
# A bounded random fuzzer over the writable attributes: reproducible (the
# seed is printed, and can be set with UIO_MSI_FUZZ_SEED), at least 100k
# writes.  Every write must succeed or fail with an errno of the ABI; after
# it, the device must still be consistent and deliver.  The harness's
# kernel-log gate (and kmemleak on the debug kernel) judges the rest.

bats_require_minimum_version 1.5.0

load lib/rel

FUZZ_SEED=${UIO_MSI_FUZZ_SEED:-20261121}
FUZZ_WRITES=${UIO_MSI_FUZZ_WRITES:-100000}

setup_file() {
	module_unload
	module_load
	dev_bind "$IVSHMEM_BDF"
	dev_bind "$EDU_BDF"
}

teardown_file() {
	module_unload
}

# fuzz BDF SEED N: run the fuzzer, record its writes as a figure.
fuzz() {
	run -0 "$RELTOOL" fuzz "$(pci_dir "$1")/$GROUP" "$2" "$3"
	echo "$output"
	[[ ${lines[0]} == "fuzz seed $2" ]]
	[[ ${lines[1]} == "fuzz writes $3 ok "* ]]
	figure fuzz_writes "$3"
}

# The device is back in a sane state once the fuzzer's eventfds are gone.
settle() {
	WAIT_SECONDS=30 wait_until no_irqs "$1"
	echo "$2" >"$(attr_path "$1" "$ATTR_MODE")"
	[ "$(attr "$1" "$ATTR_MODE")" = "$2" ]
	[ "$(attr "$1" "$ATTR_IRQ_COUNT")" = "$(attr "$1" "$ATTR_IRQ_MAX")" ]
	bus_master_off "$1"
}

@test "fuzz ivshmem (MSI-X): $FUZZ_WRITES random writes, seed $FUZZ_SEED" {
	fuzz "$IVSHMEM_BDF" "$FUZZ_SEED" "$FUZZ_WRITES"
	settle "$IVSHMEM_BDF" "$MODE_MSIX"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = "$UIO_MSI_IVSHMEM_VECTORS" ]
	delivery_works "$IVSHMEM_BDF" 0
	delivery_works "$IVSHMEM_BDF" $((UIO_MSI_IVSHMEM_VECTORS - 1))
}

@test "fuzz edu (MSI, INTx): 10000 random writes, seed $((FUZZ_SEED + 1))" {
	fuzz "$EDU_BDF" $((FUZZ_SEED + 1)) 10000
	settle "$EDU_BDF" "$MODE_MSI"
	# And it still raises its MSI through /dev/uioN.
	uio_open "$EDU_BDF"
	"$PCIMEM" "$EDU_BDF" 0 write32 0x60 1
	local count
	count=$(uio_read 30)
	[ "$count" -ge 1 ]
	"$PCIMEM" "$EDU_BDF" 0 write32 0x64 0xffffffff
	uio_fd_close
}
