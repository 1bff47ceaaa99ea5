#!/usr/bin/env bats
# Last file of a debug-kernel run: with the module unloaded, kmemleak scans
# (twice, since an object must look unreferenced over two scans at least
# 5 s apart to be reported) and must report nothing.  The report goes to
# RESULTS/kmemleak.txt and the count to the figure "leaks".

bats_require_minimum_version 1.5.0

load ../lib/rel

@test "kmemleak reports no leak after the whole run" {
	local report=$UIO_MSI_RESULTS/kmemleak.txt n
	module_unload
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >"$report"
	n=$(grep -c '^unreferenced object' "$report" || true)
	figure leaks "$n"
	[ "$n" -eq 0 ] || fail "kmemleak: $n leak(s): $(head -c 8000 "$report")"
}
