#!/usr/bin/env bats
# The VM harness's verdicts, on the host and without a VM: a run that
# stops before booting must fail every target that counts it, the counter
# must not count what did not test, and the kernel-log gate must know the
# reports it exists for.
# shellcheck disable=SC2154 # $stderr: set by bats' run --separate-stderr

bats_require_minimum_version 1.5.0

setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export REPO
}

summarize() { "$REPO/tests/vm/summarize" "$@"; }

# tap FILE LINE...: write a TAP file.
tap() {
	local f=$1
	shift
	printf '%s\n' "$@" >"$f"
}

@test "a VM run that stops before booting leaves a failing verdict, and the count fails" {
	local r=$BATS_TEST_TMPDIR/results
	mkdir -p "$r"
	tap "$r/step-01.tap" "ok 1 a step before the VM"
	# No such kernel: tests/vm/run stops before QEMU starts.
	run -1 "$REPO/tests/vm/run" --kernel 6.1.0-99-amd64 --results "$r" \
		"$REPO/tests/guest/00-module.bats"
	run -0 cat "$r/guest-zz-vm-run.tap"
	[ "${lines[1]}" = "not ok 1 guest run completed (6.1.0-99-amd64)" ]
	[[ "$output" == *"# error: cannot fetch kernel 6.1.0-99-amd64"* ]]
	run --separate-stderr -1 summarize --require guest-zz-vm-run.tap \
		--require guest-zz-kernel-log.tap "$r"
	[ "$output" = "1 passed, 2 failed" ]
	[[ "$stderr" == *"guest-zz-kernel-log.tap is missing"* ]]
}

@test "summarize: a required verdict that is missing is a failure" {
	local r=$BATS_TEST_TMPDIR/r
	mkdir -p "$r"
	tap "$r/host.tap" "1..1" "ok 1 host"
	run --separate-stderr -1 summarize --require guest-zz-vm-run.tap "$r"
	[ "$output" = "1 passed, 1 failed" ]
	run -0 summarize "$r"
	[ "$output" = "1 passed, 0 failed" ]
}

@test "summarize: skipped and todo results count as failed" {
	local r=$BATS_TEST_TMPDIR/r
	mkdir -p "$r"
	tap "$r/a.tap" "1..5" "ok 1 real" "ok 2 not run # skip no device" \
		"ok 3 later # TODO" "ok 4 vector #2 delivers in 12ms" \
		"ok 5 vector #3 delivers # skip no vector 3"
	run --separate-stderr -1 summarize "$r"
	[ "$output" = "2 passed, 3 failed" ]
	[[ "$stderr" == *"skipped or todo"*"ok 2 not run # skip no device"* ]]
}

@test "summarize: results a plan promised but never came count as failed" {
	local r=$BATS_TEST_TMPDIR/r
	mkdir -p "$r"
	tap "$r/host.tap" "1..5" "ok 1 a" "not ok 2 b"
	run --separate-stderr -1 summarize "$r"
	[ "$output" = "1 passed, 4 failed" ]
	[[ "$stderr" == *"3 of 5 planned results missing"* ]]
}

@test "summarize: a failed result is shown with its diagnostics, no others" {
	local r=$BATS_TEST_TMPDIR/r
	mkdir -p "$r"
	tap "$r/g.tap" "1..3" "ok 1 a" "# after a pass" "not ok 2 b in 25195ms" \
		"# (in test file x.bats, line 168)" "#   \`wait_until grep\` failed" \
		"# timed out waiting for: grep" "ok 3 c" "# after c"
	run --separate-stderr -1 summarize "$r"
	[ "$output" = "2 passed, 1 failed" ]
	[ "$stderr" = "g.tap: not ok 2 b in 25195ms
g.tap:   # (in test file x.bats, line 168)
g.tap:   #   \`wait_until grep\` failed
g.tap:   # timed out waiting for: grep" ]
}

@test "summarize: a TAP file with neither plan nor result is a failure" {
	local r=$BATS_TEST_TMPDIR/r
	mkdir -p "$r"
	: >"$r/empty.tap"
	tap "$r/ok.tap" "ok 1 fine"
	run --separate-stderr -1 summarize "$r"
	[ "$output" = "1 passed, 1 failed" ]
}

@test "summarize: files and directories together; nothing at all is a failure" {
	local r=$BATS_TEST_TMPDIR/r
	mkdir -p "$r/d"
	tap "$r/d/a.tap" "1..1" "ok 1 a"
	tap "$r/b.tap" "1..1" "ok 1 b"
	run -0 summarize "$r/d" "$r/b.tap"
	[ "$output" = "2 passed, 0 failed" ]
	mkdir -p "$r/none"
	run -1 summarize "$r/none"
	[ "$output" = "0 passed, 0 failed" ]
}

# The gate's patterns, as tests/vm/run reads them.
patterns() {
	grep -vE '^(#|$)' "$REPO/tests/vm/kernel-log-patterns"
}

@test "kernel-log gate: every pattern matches a real report line" {
	local p
	while IFS= read -r p; do
		grep -qE -e "$p" "$BATS_TEST_DIRNAME/data/kernel-log-bad.txt" ||
			{ echo "no sample line for pattern '$p'" >&2; return 1; }
	done < <(patterns)
}

@test "kernel-log gate: every sample report is caught" {
	local line args=()
	while IFS= read -r line; do
		args+=(-e "$line")
	done < <(patterns)
	while IFS= read -r line; do
		grep -qE "${args[@]}" <<<"$line" ||
			{ echo "not caught: $line" >&2; return 1; }
	done <"$BATS_TEST_DIRNAME/data/kernel-log-bad.txt"
}

@test "kernel-log gate: a clean guest log of the whole suite matches nothing" {
	local line args=()
	while IFS= read -r line; do
		args+=(-e "$line")
	done < <(patterns)
	run -1 grep -E "${args[@]}" "$BATS_TEST_DIRNAME/data/kernel-log-clean.txt"
	[ -z "$output" ]
}

@test "kernel-log gate: kernel-log-check finds the sample reports and passes the clean log" {
	run -1 "$REPO/tests/vm/kernel-log-check" "$BATS_TEST_DIRNAME/data/kernel-log-bad.txt"
	[ "${#lines[@]}" -eq "$(wc -l <"$BATS_TEST_DIRNAME/data/kernel-log-bad.txt")" ]
	run -0 "$REPO/tests/vm/kernel-log-check" "$BATS_TEST_DIRNAME/data/kernel-log-clean.txt"
	[ -z "$output" ]
	run -2 "$REPO/tests/vm/kernel-log-check" "$BATS_TEST_TMPDIR/no-such-log"
}

@test "kernel-log gate: every excused pattern matches a real line, and only inside a fault-injection window" {
	local p sample=$BATS_TEST_DIRNAME/data/kernel-log-injected.txt log=$BATS_TEST_TMPDIR/log
	while IFS= read -r p; do
		[[ -z $p || $p == \#* ]] && continue
		grep -qE -e "$p" "$sample" ||
			{ echo "no sample line for excused pattern '$p'" >&2; return 1; }
	done <"$REPO/tests/vm/kernel-log-injected"
	# Outside a window the kernel's report of a failed allocation counts.
	run -1 "$REPO/tests/vm/kernel-log-check" "$sample"
	[ "$output" = "$(cat "$sample")" ]
	{
		echo "[    9.000000] uio-msi-test: fault injection on"
		cat "$sample"
		grep -F 'KASAN:' "$BATS_TEST_DIRNAME/data/kernel-log-bad.txt"
		grep -F 'kobject_add_internal failed for uio_msi' "$BATS_TEST_DIRNAME/data/kernel-log-bad.txt"
		echo "[   99.000000] uio-msi-test: fault injection off"
		cat "$sample"
	} >"$log"
	# Inside: excused; any other report, even a kobject one (-EEXIST),
	# still counts; after the window the samples count again.
	run -1 "$REPO/tests/vm/kernel-log-check" "$log"
	[ "${#lines[@]}" -eq $((2 + $(wc -l <"$sample"))) ]
	[[ ${lines[0]} == *"BUG: KASAN: use-after-free"* ]]
	[[ ${lines[1]} == *"kobject_add_internal failed for uio_msi with -EEXIST"* ]]
	[ "$(printf '%s\n' "${lines[@]:2}")" = "$(cat "$sample")" ]
}

@test "kernel-log gate: inside a window, a report block that names an injected failure has its dump lines excused, and nothing else" {
	local p sample=$BATS_TEST_DIRNAME/data/kernel-log-injected-blocks.txt log=$BATS_TEST_TMPDIR/log
	local dump on="[    9.000000] uio-msi-test: fault injection on"
	local off="[   99.000000] uio-msi-test: fault injection off"
	while IFS= read -r p; do
		[[ -z $p || $p == \#* ]] && continue
		grep -qE -e "$p" "$sample" ||
			{ echo "no sample block for block pattern '$p'" >&2; return 1; }
	done <"$REPO/tests/vm/kernel-log-injected-blocks"
	# The sample's lines that fail a run: its WARNING: and Call Trace:
	# lines and the sysfs duplicate's; without the lines that name the
	# injected failure, all but the last.
	dump=$(grep -E 'WARNING:|Call Trace:|sysfs: cannot create duplicate' "$sample")
	[ -n "$dump" ]
	local unnamed
	unnamed=$(grep -E 'WARNING:|Call Trace:' "$sample")
	# Outside a window they count.
	run -1 "$REPO/tests/vm/kernel-log-check" "$sample"
	[ "$output" = "$dump" ]
	# Inside, they do not.
	{ echo "$on"; cat "$sample"; echo "$off"; } >"$log"
	run -0 "$REPO/tests/vm/kernel-log-check" "$log"
	# Another report printed into the block still counts, alone.
	{ echo "$on"; sed '/Call Trace:/r /dev/stdin' "$sample" <<<"[  491.7] BUG: KASAN: use-after-free in uio_event_notify+0x1/0x2"; echo "$off"; } >"$log"
	run -1 "$REPO/tests/vm/kernel-log-check" "$log"
	[ "$output" = "[  491.7] BUG: KASAN: use-after-free in uio_event_notify+0x1/0x2" ]
	# A block that names no injected failure counts whole.
	{ echo "$on"; grep -vE -f <(grep -vE '^(#|$)' "$REPO/tests/vm/kernel-log-injected-blocks") "$sample"; echo "$off"; } >"$log"
	run -1 "$REPO/tests/vm/kernel-log-check" "$log"
	[ "$output" = "$unnamed" ]
	# So does one the window or the log ends before its end.
	{ echo "$on"; grep -v 'end trace' "$sample"; echo "$off"; } >"$log"
	run -1 "$REPO/tests/vm/kernel-log-check" "$log"
	[ "$output" = "$dump" ]
	{ echo "$on"; grep -v 'end trace' "$sample"; } >"$log"
	run -1 "$REPO/tests/vm/kernel-log-check" "$log"
	[ "$output" = "$dump" ]
}

@test "kernel-log gate: a late-vector window excuses x86's report of an interrupt on a freed vector, and nothing else" {
	local p sample=$BATS_TEST_DIRNAME/data/kernel-log-late-vector.txt log=$BATS_TEST_TMPDIR/log
	local bad=$BATS_TEST_DIRNAME/data/kernel-log-bad.txt
	while IFS= read -r p; do
		[[ -z $p || $p == \#* ]] && continue
		grep -qE -e "$p" "$sample" ||
			{ echo "no sample line for late-vector pattern '$p'" >&2; return 1; }
	done <"$REPO/tests/vm/kernel-log-late-vector"
	# Outside a window both formats (6.1's and today's) count.
	run -1 "$REPO/tests/vm/kernel-log-check" "$sample"
	[ "$output" = "$(cat "$sample")" ]
	{
		echo "[    9.000000] uio-msi-test: late vector interrupts on"
		cat "$sample"
		grep -F 'KASAN:' "$bad"
		grep -F 'nobody cared' "$bad"
		# In a fault-injection window inside it, still excused.
		echo "[   10.000000] uio-msi-test: fault injection on"
		cat "$sample"
		echo "[   11.000000] uio-msi-test: fault injection off"
		echo "[   99.000000] uio-msi-test: late vector interrupts off"
		cat "$sample"
	} >"$log"
	run -1 "$REPO/tests/vm/kernel-log-check" "$log"
	[ "${#lines[@]}" -eq $((2 + $(wc -l <"$sample"))) ]
	[[ ${lines[0]} == *"BUG: KASAN: use-after-free"* ]]
	[[ ${lines[1]} == *"irq 21: nobody cared"* ]]
	[ "$(printf '%s\n' "${lines[@]:2}")" = "$(cat "$sample")" ]
	# A fault-injection window is not a late-vector window.
	{ echo "[    9.000000] uio-msi-test: fault injection on"; cat "$sample"; } >"$log"
	run -1 "$REPO/tests/vm/kernel-log-check" "$log"
	[ "$output" = "$(cat "$sample")" ]
}

@test "kernel-log gate: a pattern that does not compile fails the check, not passes it" {
	local d=$BATS_TEST_TMPDIR/vm set
	for set in patterns injected injected-blocks late-vector; do
		rm -rf "$d"
		mkdir -p "$d"
		cp "$REPO"/tests/vm/kernel-log-{check,patterns,injected,injected-blocks,late-vector} "$d/"
		echo 'unbalanced(' >>"$d/kernel-log-$set"
		run -2 "$d/kernel-log-check" "$BATS_TEST_DIRNAME/data/kernel-log-clean.txt"
		[[ $output == *"does not compile"* ]]
	done
}

@test "UIO_MSI_VM_ACCEL: anything but tcg, kvm or auto is refused before booting" {
	local r=$BATS_TEST_TMPDIR/results
	UIO_MSI_VM_ACCEL=hvf run -1 "$REPO/tests/vm/run" --kernel 6.1.0-99-amd64 --results "$r" \
		--exec true
	[[ "$output" == *"UIO_MSI_VM_ACCEL must be tcg, kvm or auto, not 'hvf'"* ]]
}

@test "UIO_MSI_VM_TCG_THREAD: anything but multi or single is refused before booting" {
	local r=$BATS_TEST_TMPDIR/results
	UIO_MSI_VM_TCG_THREAD=rr run -1 "$REPO/tests/vm/run" --kernel 6.1.0-99-amd64 \
		--results "$r" --exec true
	[[ "$output" == *"UIO_MSI_VM_TCG_THREAD must be multi or single, not 'rr'"* ]]
}

@test "kvm-probe: a kernel that does not boot under KVM means TCG, cleanly" {
	# Not a kernel: QEMU refuses it (or /dev/kvm is not usable at all).
	: >"$BATS_TEST_TMPDIR/vmlinuz"
	UIO_MSI_VM_KVM_PROBE_TIMEOUT=5 run --separate-stderr -0 "$REPO/tests/vm/kvm-probe" \
		"$BATS_TEST_TMPDIR/vmlinuz"
	[ "$output" = tcg ]
	[[ "$stderr" == *"using TCG"* ]]
	run -2 "$REPO/tests/vm/kvm-probe" "$BATS_TEST_TMPDIR/no-such-file"
}

# A console with an RCU stall report (QEMU 10.0.2, TCG; trimmed).
stall_console() {
	printf '%s\r\n' "[    3.941642] 9p: Installing v9fs 9p2000 file system support" \
		"[   22.898365] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:" \
		"[   22.898957] rcu: 	1-...!: (0 ticks this GP) idle=9388/0/0x0 softirq=19/19 fqs=0 (false positive?)" >"$1"
}

@test "stall-watch: a stall report stops the VM after the grace time and is recorded" {
	local console=$BATS_TEST_TMPDIR/console.log marker=$BATS_TEST_TMPDIR/stalled
	: >"$console"
	sleep 300 &
	local vm=$!
	"$REPO/tests/vm/stall-watch" "$console" "$vm" "$marker" 2 &
	local watch=$!
	sleep 3
	kill -0 "$vm"
	[ ! -e "$marker" ]
	stall_console "$console"
	local start=$SECONDS status=0
	wait "$vm" || status=$?
	[ "$status" = 143 ]
	wait "$watch"
	[ $((SECONDS - start)) -ge 2 ]
	[ "$(head -n 1 "$marker")" = "[   22.898365] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:" ]
	[ "$(sed -n 2p "$marker")" = "stopped after 2 s" ]
}

@test "stall-watch: a soft lockup counts as a stall; a clean console and a VM that ends stop it" {
	local console=$BATS_TEST_TMPDIR/console.log marker=$BATS_TEST_TMPDIR/stalled
	echo "[   58.769175] watchdog: BUG: soft lockup - CPU#0 stuck for 46s! [(udev-worker):120]" >"$console"
	sleep 300 &
	local vm=$!
	"$REPO/tests/vm/stall-watch" "$console" "$vm" "$marker" 1
	local status=0
	wait "$vm" || status=$?
	[ "$status" = 143 ]
	grep -q 'soft lockup' "$marker"
	# Clean: the watcher outlives nothing, and records nothing.
	rm -f "$marker"
	echo "[    3.471630] Run /init as init process" >"$console"
	sleep 3 &
	vm=$!
	run -0 timeout 20 "$REPO/tests/vm/stall-watch" "$console" "$vm" "$marker" 1
	[ ! -e "$marker" ]
	run -2 "$REPO/tests/vm/stall-watch" "$console"
}
