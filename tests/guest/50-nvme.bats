#!/usr/bin/env bats
# Scale on an nvme controller with a 2048-entry MSI-X table: allocating
# every vector costs no CPU interrupt vector until it is bound, and binding
# more than the system can serve fails with ENOSPC, leaving a consistent
# state.

bats_require_minimum_version 1.5.0

load lib/common

setup_file() {
	module_unload
	module_load
	dev_bind "$NVME_BDF"
	dev_bind "$IVSHMEM_BDF"
}

teardown_file() {
	module_unload
}

teardown() {
	[ -z "${HOLDER_PID:-}" ] || kill "$HOLDER_PID" 2>/dev/null || true
	[ -z "${HOLDER_PID:-}" ] || wait "$HOLDER_PID" 2>/dev/null || true
	HOLDER_PID=
	WAIT_SECONDS=60 wait_until no_irqs "$NVME_BDF"
}

# Start bind-many.py in the background; wait for its result line.
hold_vectors() {
	HOLDER_OUT=$(mktemp)
	"$BATS_TEST_DIRNAME"/lib/bind-many.py \
		"$(attr_path "$NVME_BDF" "$ATTR_EVENTFD")" "$@" >"$HOLDER_OUT" &
	HOLDER_PID=$!
	WAIT_SECONDS=300 wait_until grep -q '^bound' "$HOLDER_OUT"
	HOLDER_RESULT=$(cat "$HOLDER_OUT")
}

@test "irq_count goes up to the device's maximum without taking CPU vectors" {
	local max lines
	max=$(attr "$NVME_BDF" "$ATTR_IRQ_MAX")
	[ "$max" -ge 1024 ]
	echo "$max" >"$(attr_path "$NVME_BDF" "$ATTR_IRQ_COUNT")"
	[ "$(attr "$NVME_BDF" "$ATTR_IRQ_COUNT")" = "$max" ]
	[ -z "$(irq_vectors "$NVME_BDF")" ]
	# All allocated: each has a Linux IRQ (msi_irqs), none is requested.
	lines=$(find "$(pci_dir "$NVME_BDF")"/msi_irqs -mindepth 1 | wc -l)
	[ "$lines" -eq "$max" ]
	echo 16 >"$(attr_path "$NVME_BDF" "$ATTR_IRQ_COUNT")"
	[ "$(find "$(pci_dir "$NVME_BDF")"/msi_irqs -mindepth 1 | wc -l)" -eq 16 ]
	echo "$max" >"$(attr_path "$NVME_BDF" "$ATTR_IRQ_COUNT")"
}

@test "binding every vector succeeds or stops at ENOSPC with a consistent state" {
	local max bound vec
	max=$(attr "$NVME_BDF" "$ATTR_IRQ_COUNT")
	hold_vectors 0 $((max - 1))
	bound=$(echo "$HOLDER_RESULT" | awk '{ print $2 }')
	# A guest with 2 CPUs has about 400 free CPU vectors, far fewer than
	# 2048: binding stops exactly at the first vector not bound, ENOSPC.
	[ "$HOLDER_RESULT" = "bound $bound failed $bound ENOSPC" ] ||
		fail "unexpected: $HOLDER_RESULT"
	[ "$bound" -ge 1 ]
	echo "$bound" >"$BATS_FILE_TMPDIR/bound-first"
	# Every vector bound so far holds its IRQ, no other does.
	[ "$(irq_vectors "$NVME_BDF" | wc -w)" -eq "$bound" ]
	[ "$(irq_vectors "$NVME_BDF" | awk '{ print $NF }')" -eq $((bound - 1)) ]
	bus_master_on "$NVME_BDF"
	# The failed vector really is unavailable, and nothing changed.
	expect_write "$NVME_BDF" "$ATTR_EVENTFD" ENOSPC --eventfd 3 -- "$bound 3"
	# Unbinding one frees a CPU vector for the failed one.
	echo "0 -1" >"$(attr_path "$NVME_BDF" "$ATTR_EVENTFD")"
	vec=$bound
	run -0 "$TOOL" exec "$NVME_BDF" --vectors "$vec" -- sh -c "grep -qF 'uio_msi[$vec]($NVME_BDF)' /proc/interrupts"
	# Killing the holder releases everything.
	kill "$HOLDER_PID"
	wait "$HOLDER_PID" || true
	HOLDER_PID=
	WAIT_SECONDS=120 wait_until no_irqs "$NVME_BDF"
	WAIT_SECONDS=10 wait_until bus_master_off "$NVME_BDF"
}

@test "after exhaustion, as many vectors can be bound again: nothing leaked" {
	local max first
	max=$(attr "$NVME_BDF" "$ATTR_IRQ_COUNT")
	first=$(cat "$BATS_FILE_TMPDIR/bound-first")
	# A CPU vector that the first round leaked would be missing now.
	hold_vectors 0 $((max - 1))
	[ "$HOLDER_RESULT" = "bound $first failed $first ENOSPC" ] ||
		fail "first round bound $first, this one: $HOLDER_RESULT"
	[ "$(irq_vectors "$NVME_BDF" | wc -w)" -eq "$first" ]
	# While the CPUs have no vector left, another device's first bind
	# fails in request_irq: that changes nothing, bus mastering and the
	# kernel's taint included.
	local message="$IVSHMEM_BDF: bus mastering on for a user-space driver" before
	before=$(dmesg | grep -c "$message" || true)
	expect_write "$IVSHMEM_BDF" "$ATTR_EVENTFD" ENOSPC --eventfd 3 -- "0 3"
	bus_master_off "$IVSHMEM_BDF"
	[ "$(dmesg | grep -c "$message" || true)" -eq "$before" ] ||
		fail "the failed bind turned bus mastering on and tainted the kernel"
}

@test "the tool reports ENOSPC by name and unbinds what it bound" {
	local max
	max=$(attr "$NVME_BDF" "$ATTR_IRQ_COUNT")
	[ "$max" -ge 1024 ]
	run -1 "$TOOL" listen "$NVME_BDF" all --timeout 1
	[[ "$output" == *"no free interrupt vectors"* ]]
	WAIT_SECONDS=120 wait_until no_irqs "$NVME_BDF"
}
