#!/usr/bin/env bats
# First file of a debug-kernel run (make check-reliability): forget what
# kmemleak suspects from boot, so that 99-kmemleak.bats judges the tests.
# Only for tests/reliability/build-kernel's kernel (CONFIG_DEBUG_KMEMLEAK).

bats_require_minimum_version 1.5.0

load ../lib/rel

@test "kmemleak is active; boot-time suspects are cleared" {
	[ -w /sys/kernel/debug/kmemleak ]
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
	: >"$UIO_MSI_RESULTS/kmemleak.txt"
}
