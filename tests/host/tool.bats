#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Host-side tests of the uio-msi tool (argument handling, output formats,
# sysfs write sequences) and of the C test helpers.  No uio_msi module is
# needed and no real device is touched: whatever would write to sysfs runs
# against a fake tree selected with UIO_MSI_ROOT.
#
# Build first:  make -C src/tool && make -C tests/helpers
# Run:          bats tests/host/tool.bats
# UIO_MSI_TOOL and UIO_MSI_HELPERS override the built tool / helper dir.

bats_require_minimum_version 1.5.0

REPO="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
TOOL="${UIO_MSI_TOOL:-$REPO/build/tool/uio-msi}"
HELPERS="${UIO_MSI_HELPERS:-$REPO/build/helpers}"
MAN="$REPO/src/tool/uio-msi.8"
COMMANDS=(status bind unbind set listen exec mask unmask)

setup() {
	[ -x "$TOOL" ] || { echo "no tool at $TOOL: run 'make -C src/tool'"; return 1; }
	[ -x "$HELPERS/try-write" ] ||
		{ echo "no helpers in $HELPERS: run 'make -C tests/helpers'"; return 1; }
	unset UIO_MSI_ROOT
	FIFO_READERS=()
	FIFO_HOLDS=()
}

teardown() {
	local pid
	for pid in "${FIFO_READERS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
}

# --- assertions ---------------------------------------------------------

fail() {
	printf '%s\n' "$@" >&2
	printf 'status: %s\nstdout: %s\nstderr: %s\n' "$status" "$output" "${stderr-}" >&2
	return 1
}

assert_status() {
	[ "$status" -eq "$1" ] || fail "expected exit status $1, got $status"
}

assert_stdout_has() {
	[[ "$output" == *"$1"* ]] || fail "stdout lacks: $1"
}

assert_stderr_has() {
	[[ "$stderr" == *"$1"* ]] || fail "stderr lacks: $1"
}

# Runs the tool expecting a usage error whose message contains $1.
usage_error_with() {
	local want="$1"
	shift
	run --separate-stderr "$TOOL" "$@"
	assert_status 2 || fail "for: uio-msi $*"
	assert_stderr_has "$want" || fail "for: uio-msi $*"
	assert_stderr_has "--help'." || fail "for: uio-msi $*"
}

# --- fake sysfs/procfs tree ---------------------------------------------

# 0000:00:05.0  bound to uio_msi, msix 8/8, uio0, vectors 0-3,7 listened,
#               2,4-6 masked, both notices bound, resize_live 1
# 0000:00:06.0  bound to uio_msi, mode none, uio1, shares an INTx line,
#               nothing masked, no notice, resize_live 0
# 0000:00:04.0  bound to e1000
# 0000:00:03.0  no driver
make_fake_tree() {
	ROOT="$BATS_TEST_TMPDIR/root"
	local pci="$ROOT/sys/bus/pci" d
	mkdir -p "$pci/drivers/uio_msi" "$pci/drivers/e1000" "$ROOT/proc" \
		"$ROOT/sys/module/uio_msi"
	touch "$pci/drivers/uio_msi/bind" "$pci/drivers/uio_msi/unbind" \
		"$pci/drivers/uio_msi/new_id" "$pci/drivers/e1000/unbind" \
		"$pci/drivers_probe"
	for d in 0000:00:03.0 0000:00:04.0 0000:00:05.0 0000:00:06.0; do
		mkdir -p "$pci/devices/$d"
		echo 0x1af4 > "$pci/devices/$d/vendor"
		echo 0x1110 > "$pci/devices/$d/device"
		touch "$pci/devices/$d/driver_override"
	done
	echo 0x8086 > "$pci/devices/0000:00:04.0/vendor"
	echo 0x100e > "$pci/devices/0000:00:04.0/device"
	ln -s ../../drivers/e1000 "$pci/devices/0000:00:04.0/driver"
	for d in 0000:00:05.0 0000:00:06.0; do
		ln -s ../../drivers/uio_msi "$pci/devices/$d/driver"
		ln -s "../../devices/$d" "$pci/drivers/uio_msi/$d"
		mkdir -p "$pci/devices/$d/uio_msi"
		touch "$pci/devices/$d/uio_msi/eventfd" \
			"$pci/devices/$d/uio_msi/error_eventfd" \
			"$pci/devices/$d/uio_msi/request_eventfd"
	done
	d="$pci/devices/0000:00:05.0"
	mkdir -p "$d/uio/uio0"
	echo msix > "$d/uio_msi/mode"
	echo 8 > "$d/uio_msi/irq_count"
	echo 8 > "$d/uio_msi/irq_max"
	echo 2,4-6 > "$d/uio_msi/mask"
	echo error request > "$d/uio_msi/notices"
	echo 1 > "$d/uio_msi/resize_live"
	d="$pci/devices/0000:00:06.0"
	mkdir -p "$d/uio/uio1"
	echo none > "$d/uio_msi/mode"
	echo 0 > "$d/uio_msi/irq_count"
	echo 0 > "$d/uio_msi/irq_max"
	echo > "$d/uio_msi/mask"
	echo > "$d/uio_msi/notices"
	echo 0 > "$d/uio_msi/resize_live"
	# The last line names 0000:00:05.00, which must not count as 00:05.0.
	cat > "$ROOT/proc/interrupts" <<'EOF'
           CPU0       CPU1
  0:         10          0   IO-APIC   2-edge      timer
 11:          5          7   IO-APIC  11-fasteoi   virtio0, uio_msi[0](0000:00:06.0)
 24:        100         20   PCI-MSIX-0000:00:05.0   0-edge      uio_msi[0](0000:00:05.0)
 25:          1          2   PCI-MSIX-0000:00:05.0   1-edge      uio_msi[1](0000:00:05.0)
 26:          1          2   PCI-MSIX-0000:00:05.0   2-edge      uio_msi[2](0000:00:05.0)
 27:          3          0   PCI-MSIX-0000:00:05.0   3-edge      uio_msi[3](0000:00:05.0)
 28:          0          1   PCI-MSIX-0000:00:05.0   7-edge      uio_msi[7](0000:00:05.0)
 29:          9          9   PCI-MSIX-0000:00:07.0   0-edge      uio_msi[5](0000:00:05.00)
NMI:          0          0   Non-maskable interrupts
ERR:          0
EOF
	export UIO_MSI_ROOT="$ROOT"
	DEV5="$pci/devices/0000:00:05.0"
}

# record_writes ATTR...: turns each attribute ATTR of 0000:00:05.0 into a
# FIFO whose writes are logged to $BATS_TEST_TMPDIR/ATTR.log, to check what
# the tool writes, in which order.
record_writes() {
	local name attr hold
	for name; do
		attr="$DEV5/uio_msi/$name"
		rm -f "$attr"
		mkfifo "$attr"
		# A writer held open keeps the reader from seeing EOF between
		# the tool's open/write/close cycles.
		exec {hold}<>"$attr"
		FIFO_HOLDS+=("$hold")
		cat "$attr" > "$BATS_TEST_TMPDIR/$name.log" 3>&- {hold}>&- &
		FIFO_READERS+=($!)
	done
}

# Stops the logging; leaves the writes, one per line, in the logs.  (A
# reader started later holds the FIFOs of earlier ones: they end in turn.)
stop_recording() {
	local hold pid
	for hold in "${FIFO_HOLDS[@]}"; do
		exec {hold}>&-
	done
	FIFO_HOLDS=()
	for pid in "${FIFO_READERS[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill "$pid" 2>/dev/null; then
			fail "a FIFO still has a writer (a process left running?)"
			return 1
		fi
		wait "$pid" || true
	done
	FIFO_READERS=()
}

# The eventfd attribute of 0000:00:05.0 logged to $EFD_LOG.
record_eventfd_writes() {
	EFD_LOG="$BATS_TEST_TMPDIR/eventfd.log"
	record_writes eventfd
}

eventfd_writes() {
	stop_recording
}

# The writes logged for the eventfd or a notice attribute $1, joined by
# '|', with each descriptor number as FD ("2 FD|2 -1", "FD|-1").
writes_of() {
	sed -e 's/^\([0-9][0-9]*\) [0-9][0-9]*$/\1 FD/' -e 's/^[0-9][0-9]*$/FD/' \
		"$BATS_TEST_TMPDIR/$1.log" | paste -sd '|'
}

# --- top level ----------------------------------------------------------

@test "--help lists the commands and exit codes, exit 0" {
	run --separate-stderr "$TOOL" --help
	assert_status 0
	assert_stdout_has "Usage: uio-msi COMMAND"
	for cmd in "${COMMANDS[@]}"; do
		[[ "$output" == *$'\n'"  $cmd "* ]] || fail "--help lacks command $cmd"
	done
	assert_stdout_has "3  listen: --timeout expired before --count was reached"
	[ -z "$stderr" ] || fail "unexpected stderr"
	run --separate-stderr "$TOOL" -h
	assert_status 0
	assert_stdout_has "Usage: uio-msi COMMAND"
}

@test "no arguments: usage on stderr, exit 2" {
	run --separate-stderr "$TOOL"
	assert_status 2
	assert_stderr_has "Usage: uio-msi COMMAND"
	[ -z "$output" ] || fail "stdout should be empty"
}

@test "--version prints the VERSION file's version, exit 0" {
	# A fake root without the module: only the tool's own version.
	export UIO_MSI_ROOT="$BATS_TEST_TMPDIR/empty-root"
	mkdir -p "$UIO_MSI_ROOT"
	run --separate-stderr "$TOOL" --version
	assert_status 0
	[ "$output" = "uio-msi $(cat "$REPO/VERSION")" ] || fail "wrong version line"
	run --separate-stderr "$TOOL" -V
	assert_status 0
	[ "$output" = "uio-msi $(cat "$REPO/VERSION")" ] || fail "wrong version line"
}

@test "--version also shows the loaded module's version" {
	make_fake_tree
	echo 9.8.7 > "$ROOT/sys/module/uio_msi/version"
	run --separate-stderr "$TOOL" --version
	assert_status 0
	[ "$output" = "uio-msi $(cat "$REPO/VERSION")"$'\n'"uio_msi module 9.8.7" ] ||
		fail "wrong version lines"
}

@test "the version is not hard-coded in the tool's sources" {
	local v
	v="$(cat "$REPO/VERSION")"
	run grep -rnF -- "\"$v\"" "$REPO/src/tool"
	assert_status 1
}

@test "every command has --help (and -h), exit 0" {
	for cmd in "${COMMANDS[@]}"; do
		for opt in --help -h; do
			run --separate-stderr "$TOOL" "$cmd" "$opt"
			assert_status 0 || fail "for $cmd $opt"
			assert_stdout_has "Usage: uio-msi $cmd" || fail "for $cmd $opt"
		done
	done
}

@test "unknown command or option: exit 2 with a message" {
	usage_error_with "unknown command 'frobnicate'" frobnicate
	usage_error_with "unknown option '--bogus'" --bogus
	usage_error_with "unexpected argument 'x'" --version x
	usage_error_with "unknown option '--bogus'" status --bogus
	usage_error_with "unknown option '--bogus'" bind --bogus 00:05.0
	usage_error_with "unknown option '-x'" unbind -x 00:05.0
	usage_error_with "unknown option '--bogus'" set 00:05.0 mode msix --bogus
	usage_error_with "unknown option '--bogus'" listen 00:05.0 0 --bogus
	usage_error_with "unknown option '--bogus'" exec 00:05.0 --bogus --vectors 0 -- true
}

@test "missing or extra arguments: exit 2" {
	usage_error_with "missing PCI address" bind
	usage_error_with "missing PCI address" unbind
	usage_error_with "unexpected argument '00:06.0'" bind 00:05.0 00:06.0
	usage_error_with "unexpected argument '00:06.0'" status 00:05.0 00:06.0
	usage_error_with "expected BDF, property and value" set 00:05.0 mode
	usage_error_with "missing PCI address" listen
	usage_error_with "missing vector list" listen 00:05.0
	usage_error_with "missing --vectors" exec 00:05.0 -- true
	usage_error_with "missing command to run" exec 00:05.0 --vectors 0
	usage_error_with "missing command to run" exec 00:05.0 --vectors 0 --
	usage_error_with "option '--vectors' needs a value" exec 00:05.0 --vectors
	usage_error_with "option '--count' needs a value" listen 00:05.0 0 --count
}

@test "malformed PCI address: exit 2 for every command" {
	local bad
	for bad in 0000:00:05 00:05 00:05.8 00:20.0 zz:00.0 0:00:05.0 \
		0000:00:05.0x 000:00:05.0 0000:000:05.0 00:05.0:1 "" x \
		" 00:05.0" 123456789:00:05.0; do
		usage_error_with "invalid PCI address '$bad'" status "$bad"
		usage_error_with "invalid PCI address '$bad'" bind "$bad"
		usage_error_with "invalid PCI address '$bad'" unbind "$bad"
		usage_error_with "invalid PCI address '$bad'" set "$bad" mode msix
		usage_error_with "invalid PCI address '$bad'" listen "$bad" 0
		usage_error_with "invalid PCI address '$bad'" exec "$bad" --vectors 0 true
	done
}

@test "bad vector lists: exit 2 naming the problem" {
	usage_error_with "range 8-2 ends below its start" listen 00:05.0 8-2
	usage_error_with "'a' is not a vector number" listen 00:05.0 a
	usage_error_with "'-1' is not a vector number" listen 00:05.0 -1
	usage_error_with "'1,,2': empty element" listen 00:05.0 1,,2
	usage_error_with "empty element" listen 00:05.0 ,1
	usage_error_with "empty element" listen 00:05.0 1,
	usage_error_with "empty vector list" listen 00:05.0 ""
	usage_error_with "'' is not a vector number" listen 00:05.0 1-
	usage_error_with "'+1' is not a vector number" listen 00:05.0 +1
	usage_error_with "'0x1' is not a vector number" listen 00:05.0 0x1
	usage_error_with "vector 2048 is above 2047" listen 00:05.0 2048
	usage_error_with "vector 3 listed twice" listen 00:05.0 1-3 3
	usage_error_with "vector 2 listed twice" listen 00:05.0 0,2,2
	usage_error_with "'all' cannot be combined" listen 00:05.0 all 1
	usage_error_with "'all' cannot be combined" listen 00:05.0 1 all
	usage_error_with "range 8-2 ends below its start" exec 00:05.0 --vectors 8-2 true
	usage_error_with "empty vector list" exec 00:05.0 --vectors= true
	usage_error_with "vector 0 listed twice" exec 00:05.0 --vectors 0 --vectors 0 true
}

@test "notice words in vector lists: as strict as vectors, listen and exec only" {
	usage_error_with "'error' listed twice" listen 00:05.0 error,0,error
	usage_error_with "'request' listed twice" listen 00:05.0 request 1 request
	usage_error_with "'request' listed twice" exec 00:05.0 --vectors request --vectors 0,request true
	usage_error_with "'error,,request': empty element" listen 00:05.0 error,,request
	usage_error_with "'request,': empty element" listen 00:05.0 request,
	usage_error_with "'errors' is not a vector number" listen 00:05.0 errors
	usage_error_with "'Error' is not a vector number" listen 00:05.0 Error
	usage_error_with "'all' cannot be combined" listen 00:05.0 all,3,error
	usage_error_with "'all' cannot be combined" listen 00:05.0 error,1 all
	usage_error_with "'all' listed twice" listen 00:05.0 all,error all
	usage_error_with "'error' is a notice, not a vector" mask 00:05.0 1,error
	usage_error_with "'request' is a notice, not a vector" unmask 00:05.0 all,request
	usage_error_with "missing vector list" mask 00:05.0
	usage_error_with "missing PCI address" unmask
	usage_error_with "vector 1 listed twice" mask 00:05.0 1 0-1
	usage_error_with "'all' cannot be combined" unmask 00:05.0 all 2
	usage_error_with "unknown option '--bogus'" mask 00:05.0 1 --bogus
	usage_error_with "invalid PCI address 'x'" mask x 1
}

@test "bad --count and --timeout: exit 2" {
	local bad
	for bad in 0 -1 abc 1.5 "" 99999999999999999999999; do
		usage_error_with "invalid --count '$bad'" listen 00:05.0 0 --count "$bad"
	done
	for bad in abc -1 0 0.0 inf nan 1e99 "" " 1" 1s; do
		usage_error_with "invalid --timeout '$bad'" listen 00:05.0 0 --timeout "$bad"
	done
	usage_error_with "invalid --count 'x'" listen 00:05.0 0 --count=x
}

@test "set: bad property, mode word or count: exit 2" {
	usage_error_with "unknown property 'foo'" set 00:05.0 foo 1
	usage_error_with "unknown property 'irq-max'" set 00:05.0 irq-max 1
	usage_error_with "unknown mode 'msi-x'" set 00:05.0 mode msi-x
	usage_error_with "unknown mode 'MSIX'" set 00:05.0 mode MSIX
	usage_error_with "invalid irq-count 'four'" set 00:05.0 irq-count four
	usage_error_with "invalid irq-count '-1'" set 00:05.0 irq_count -1
	usage_error_with "unexpected argument 'x'" set 00:05.0 irq-count 4 x
}

# --- uio_msi not loaded (a fake tree without the driver) ----------------

# The fake tree without /sys/bus/pci/drivers/uio_msi and its devices' links.
make_fake_tree_unloaded() {
	make_fake_tree
	rm -rf "$ROOT/sys/bus/pci/drivers/uio_msi"
	rm -f "$ROOT"/sys/bus/pci/devices/*/driver
	rm -rf "$ROOT"/sys/bus/pci/devices/*/uio_msi
}

@test "status without the driver loaded: empty table, exit 0" {
	make_fake_tree_unloaded
	run --separate-stderr "$TOOL" status
	assert_status 0
	[ "$output" = "DEVICE  ID  UIO  MODE  VECTORS  LISTENED  IRQS  MASKED  SR-IOV" ] ||
		fail "expected only the table header"
	assert_stderr_has "the uio_msi driver is not loaded"
	run --separate-stderr "$TOOL" status --json
	assert_status 0
	[ "$output" = "[]" ] || fail "expected an empty JSON array"
}

@test "bind loads the driver with modprobe when it is not registered" {
	make_fake_tree_unloaded
	local log=$BATS_TEST_TMPDIR/modprobe.log
	# A stand-in for modprobe: records its arguments, "loads" the driver.
	printf '#!/bin/sh\necho "$*" >>"%s"\nmkdir "%s"\n' "$log" \
		"$ROOT/sys/bus/pci/drivers/uio_msi" >"$BATS_TEST_TMPDIR/modprobe"
	chmod +x "$BATS_TEST_TMPDIR/modprobe"
	UIO_MSI_MODPROBE=$BATS_TEST_TMPDIR/modprobe run --separate-stderr "$TOOL" bind 00:03.0
	[ "$(cat "$log")" = "-q uio_msi" ] || fail "modprobe ran as: $(cat "$log")"
	# Loaded, so bind went on: the fake kernel does not probe, hence the error.
	assert_status 1
	assert_stderr_has "uio_msi did not bind it"
}

@test "bind: exit 1 naming modprobe when the driver cannot be loaded" {
	make_fake_tree_unloaded
	UIO_MSI_MODPROBE=false run --separate-stderr "$TOOL" bind 00:03.0
	assert_status 1
	assert_stderr_has "uio-msi: the uio_msi driver is not loaded and 'modprobe uio_msi' failed"
	assert_stderr_has "dkms status"
	# Nothing was written.
	[ ! -s "$ROOT/sys/bus/pci/devices/0000:00:03.0/driver_override" ] ||
		fail "driver_override written"
}

@test "listen and set without the driver loaded: exit 1, not bound" {
	make_fake_tree_unloaded
	run --separate-stderr "$TOOL" listen 00:05.0 0 --timeout 0.1
	assert_status 1
	assert_stderr_has "uio-msi: 0000:00:05.0 is not bound to uio_msi: the driver is not loaded"
	run --separate-stderr "$TOOL" set 00:05.0 mode msix
	assert_status 1
	assert_stderr_has "0000:00:05.0 is not bound to uio_msi"
}

# --- documentation ------------------------------------------------------

@test "--help and the man page list the same commands" {
	local from_help from_man from_synopsis
	from_help="$("$TOOL" --help | sed -n '/^Commands:/,/^$/p' |
		awk 'NR > 1 && NF { print $1 }' | sort -u | xargs)"
	from_man="$(sed -n 's/^\.SS "\([a-z-]*\).*/\1/p' "$MAN" | sort -u | xargs)"
	from_synopsis="$(sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' "$MAN" |
		sed -n 's/^\.B uio\\-msi \([a-z][a-z-]*\).*/\1/p' | sort -u | xargs)"
	local expected
	expected="$(printf '%s\n' "${COMMANDS[@]}" | sort | xargs)"
	[ "$from_help" = "$expected" ] || fail "--help: '$from_help' != '$expected'"
	[ "$from_man" = "$expected" ] || fail "COMMANDS: '$from_man' != '$expected'"
	[ "$from_synopsis" = "$expected" ] || fail "SYNOPSIS: '$from_synopsis' != '$expected'"
}

@test "every option in a command's --help is in the man page" {
	local cmd opt
	for cmd in "" "${COMMANDS[@]}"; do
		for opt in $("$TOOL" ${cmd:+"$cmd"} --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
			grep -qF -- "${opt//-/\\-}" "$MAN" ||
				fail "option $opt of '${cmd:-uio-msi}' is not in the man page"
		done
	done
}

@test "exit codes in --help and the man page agree" {
	local from_help from_man
	from_help="$("$TOOL" --help | sed -n '/^Exit status:/,$p' |
		sed -n 's/^  \([0-9]\)  .*/\1/p' | xargs)"
	from_man="$(sed -n '/^\.SH EXIT STATUS/,/^\.SH/p' "$MAN" |
		sed -n 's/^\.B \([0-9]\)$/\1/p' | xargs)"
	[ "$from_help" = "0 1 2 3" ] || fail "--help exit codes: $from_help"
	[ "$from_man" = "0 1 2 3" ] || fail "man exit codes: $from_man"
}

@test "the man page renders without warnings" {
	run --separate-stderr groff -man -Tutf8 -ww -z "$MAN"
	assert_status 0
	[ -z "$stderr" ] || fail "groff warnings"
}

@test "exec's --help and the man page name the same UIO_MSI_ variables for CMD" {
	local from_help from_man
	from_help="$("$TOOL" exec --help | grep -oE '^  UIO_MSI_[A-Z_]+' | xargs -n1 | sort | xargs)"
	from_man="$(sed -n '/^\.SH ENVIRONMENT/,/^\.B uio\\-msi$/p' "$MAN" |
		sed -n 's/^\.B \(UIO_MSI_[A-Z_]*\)$/\1/p' | sort | xargs)"
	local expected="UIO_MSI_BDF UIO_MSI_ERROR_FD UIO_MSI_REQUEST_FD UIO_MSI_UIO UIO_MSI_VECTOR_FDS"
	[ "$from_help" = "$expected" ] || fail "--help: $from_help"
	[ "$from_man" = "$expected" ] || fail "man page: $from_man"
}

# --- builds -------------------------------------------------------------

@test "tool and helpers build without warnings (gcc and clang)" {
	local cc
	for cc in gcc clang; do
		command -v "$cc" >/dev/null || fail "$cc is not installed (tests/host/install-deps)"
		run --separate-stderr make -C "$REPO/src/tool" CC="$cc" \
			O="$BATS_TEST_TMPDIR/tool-$cc"
		assert_status 0 || fail "tool build with $cc"
		[ -z "$stderr" ] || fail "tool build with $cc wrote to stderr"
		[ -x "$BATS_TEST_TMPDIR/tool-$cc/uio-msi" ] || fail "no binary"
		run --separate-stderr make -C "$REPO/tests/helpers" CC="$cc" \
			O="$BATS_TEST_TMPDIR/helpers-$cc"
		assert_status 0 || fail "helpers build with $cc"
		[ -z "$stderr" ] || fail "helpers build with $cc wrote to stderr"
		[ -x "$BATS_TEST_TMPDIR/helpers-$cc/try-write" ] || fail "no helper"
	done
	# The builds leave nothing in the source directories.
	run git -C "$REPO" status --porcelain --ignored -- src/tool tests/helpers
	if printf '%s\n' "$output" | grep -q '^!!'; then
		fail "build output in the source tree"
	fi
}

@test "make install puts the tool in sbin and the man page in man8" {
	local dest="$BATS_TEST_TMPDIR/dest"
	run --separate-stderr make -C "$REPO/src/tool" O="$BATS_TEST_TMPDIR/b" \
		DESTDIR="$dest" PREFIX=/usr install
	assert_status 0
	[ -x "$dest/usr/sbin/uio-msi" ] || fail "no $dest/usr/sbin/uio-msi"
	cmp "$MAN" "$dest/usr/share/man/man8/uio-msi.8" || fail "man page not installed"
}

# --- fake tree: status ----------------------------------------------------

@test "status: aligned table of the bound devices" {
	make_fake_tree
	run --separate-stderr "$TOOL" status
	assert_status 0
	local expected
	expected="DEVICE        ID         UIO   MODE  VECTORS  LISTENED  IRQS  MASKED  SR-IOV
0000:00:05.0  1af4:1110  uio0  msix  8/8      0-3,7     130   2,4-6   -
0000:00:06.0  1af4:1110  uio1  none  0/0      0         12    -       -"
	[ "$output" = "$expected" ] || fail "table differs from:" "$expected"
	[ -z "$stderr" ] || fail "unexpected stderr"
}

@test "status --json: valid JSON with the documented fields" {
	make_fake_tree
	run --separate-stderr "$TOOL" status --json
	assert_status 0
	local canon
	canon="$(printf '%s' "$output" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))')" ||
		fail "not valid JSON"
	local expected='[{"bdf": "0000:00:05.0", "device": "1110", "driver": "uio_msi", "interrupts": 130, "irq_count": 8, "irq_max": 8, "listened": [0, 1, 2, 3, 7], "masked": [2, 4, 5, 6], "mode": "msix", "notices": ["error", "request"], "physfn": null, "resize_live": true, "sriov_numvfs": null, "sriov_totalvfs": null, "uio": "uio0", "vendor": "1af4"}, {"bdf": "0000:00:06.0", "device": "1110", "driver": "uio_msi", "interrupts": 12, "irq_count": 0, "irq_max": 0, "listened": [0], "masked": [], "mode": "none", "notices": [], "physfn": null, "resize_live": false, "sriov_numvfs": null, "sriov_totalvfs": null, "uio": "uio1", "vendor": "1af4"}]'
	[ "$canon" = "$expected" ] || fail "got $canon"
}

@test "status --json escapes strings" {
	make_fake_tree
	printf 'ms"ix\\\n' > "$DEV5/uio_msi/mode"
	run --separate-stderr "$TOOL" status --json 00:05.0
	assert_status 0
	local mode
	mode="$(printf '%s' "$output" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["mode"])')" ||
		fail "not valid JSON"
	# shellcheck disable=SC1003 # a literal backslash, not an escape
	[ "$mode" = 'ms"ix\' ] || fail "mode came back as $mode"
}

@test "status BDF: short address, one device; unbound and missing devices" {
	make_fake_tree
	run --separate-stderr "$TOOL" status 00:05.0
	assert_status 0
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ] || fail "expected header + 1 row"
	assert_stdout_has "0000:00:05.0  1af4:1110  uio0  msix  8/8      0-3,7     130   2,4-6   -"

	run --separate-stderr "$TOOL" status 0000:00:04.0
	assert_status 0
	[ "$output" = "0000:00:04.0 [8086:100e] is not bound to uio_msi (driver: e1000)" ] ||
		fail "wrong unbound message"
	run --separate-stderr "$TOOL" status 00:03.0
	assert_status 0
	[ "$output" = "0000:00:03.0 [1af4:1110] is not bound to uio_msi (no driver)" ] ||
		fail "wrong unbound message"
	run --separate-stderr "$TOOL" status --json 00:04.0
	assert_status 0
	assert_stdout_has '"driver": "e1000", "uio": null, "mode": null'

	run --separate-stderr "$TOOL" status 00:09.0
	assert_status 1
	assert_stderr_has "uio-msi: no PCI device 0000:00:09.0"
}

# 0000:01:00.0  an SR-IOV PF bound to uio_msi, 2 of 7 VFs enabled
# 0000:01:10.0  its first VF, bound to uio_msi, msix 3/3
# 0000:01:10.2  its second VF, no driver
add_fake_sriov() {
	local pci="$ROOT/sys/bus/pci" d
	for d in 0000:01:00.0 0000:01:10.0 0000:01:10.2; do
		mkdir -p "$pci/devices/$d/uio_msi"
		echo 0x8086 > "$pci/devices/$d/vendor"
		echo 0x10ca > "$pci/devices/$d/device"
		touch "$pci/devices/$d/driver_override"
	done
	echo 0x10c9 > "$pci/devices/0000:01:00.0/device"
	echo 2 > "$pci/devices/0000:01:00.0/sriov_numvfs"
	echo 7 > "$pci/devices/0000:01:00.0/sriov_totalvfs"
	for d in 0000:01:00.0 0000:01:10.0; do
		ln -s ../../drivers/uio_msi "$pci/devices/$d/driver"
		ln -s "../../devices/$d" "$pci/drivers/uio_msi/$d"
		echo msix > "$pci/devices/$d/uio_msi/mode"
		echo 3 > "$pci/devices/$d/uio_msi/irq_count"
		echo 3 > "$pci/devices/$d/uio_msi/irq_max"
		echo > "$pci/devices/$d/uio_msi/mask"
	done
	echo 1 > "$pci/devices/0000:01:10.0/uio_msi/mask"
	echo 10 > "$pci/devices/0000:01:00.0/uio_msi/irq_count"
	echo 10 > "$pci/devices/0000:01:00.0/uio_msi/irq_max"
	mkdir -p "$pci/devices/0000:01:00.0/uio/uio2" "$pci/devices/0000:01:10.0/uio/uio3"
	ln -s ../0000:01:00.0 "$pci/devices/0000:01:10.0/physfn"
	ln -s ../0000:01:00.0 "$pci/devices/0000:01:10.2/physfn"
	ln -s ../0000:01:10.0 "$pci/devices/0000:01:00.0/virtfn0"
	ln -s ../0000:01:10.2 "$pci/devices/0000:01:00.0/virtfn1"
}

@test "status: SR-IOV column names a VF's PF and a PF's VFs" {
	make_fake_tree
	add_fake_sriov
	run --separate-stderr "$TOOL" status
	assert_status 0
	local expected
	expected="DEVICE        ID         UIO   MODE  VECTORS  LISTENED  IRQS  MASKED  SR-IOV
0000:00:05.0  1af4:1110  uio0  msix  8/8      0-3,7     130   2,4-6   -
0000:00:06.0  1af4:1110  uio1  none  0/0      0         12    -       -
0000:01:00.0  8086:10c9  uio2  msix  10/10    -         0     -       PF: 2/7 VFs
0000:01:10.0  8086:10ca  uio3  msix  3/3      -         0     1       VF of 0000:01:00.0"
	[ "$output" = "$expected" ] || fail "table differs from:" "$expected"
	run --separate-stderr "$TOOL" status --json 01:10.2
	assert_status 0
	assert_stdout_has '"physfn": "0000:01:00.0", "sriov_numvfs": null, "sriov_totalvfs": null'
	run --separate-stderr "$TOOL" status --json 01:00.0
	assert_status 0
	assert_stdout_has '"physfn": null, "sriov_numvfs": 2, "sriov_totalvfs": 7'
}

@test "status: upper-case address is normalized" {
	make_fake_tree
	run --separate-stderr "$TOOL" status 0000:00:05.0
	assert_status 0
	local lower="$output"
	mv "$ROOT/sys/bus/pci/devices/0000:00:05.0" "$ROOT/sys/bus/pci/devices/0000:00:0a.0"
	run --separate-stderr "$TOOL" status 0000:00:0A.0
	assert_status 0
	assert_stdout_has "0000:00:0a.0"
	[ "$output" != "$lower" ] || fail "output should name the renamed device"
}

@test "status: MASKED column; --json masked, notices, resize_live, null when unreadable" {
	make_fake_tree
	# A mask list longer than one read() of a page: every even vector.
	seq -s, 0 2 2046 > "$DEV5/uio_msi/mask"
	run --separate-stderr "$TOOL" status 00:05.0
	assert_status 0
	[ "$(printf '%s\n' "$output" | awk 'NR == 2 { print $8 }')" = "$(seq -s, 0 2 2046)" ] ||
		fail "MASKED column wrong"
	run --separate-stderr "$TOOL" status --json 00:05.0
	assert_status 0
	local fields
	fields="$(printf '%s' "$output" | python3 -c 'import json, sys
d = json.load(sys.stdin)[0]
print(d["masked"] == list(range(0, 2048, 2)), d["notices"], d["resize_live"])')" ||
		fail "not valid JSON"
	[ "$fields" = "True ['error', 'request'] True" ] || fail "got $fields"

	# One notice; a module without these attributes: '?' and null.
	echo request > "$DEV5/uio_msi/notices"
	rm "$ROOT/sys/bus/pci/devices/0000:00:06.0/uio_msi/"{mask,notices,resize_live}
	run --separate-stderr "$TOOL" status
	assert_status 0
	[ "$(printf '%s\n' "$output" | awk 'NR == 3 { print $1, $8 }')" = "0000:00:06.0 ?" ] ||
		fail "unreadable mask is not '?'"
	run --separate-stderr "$TOOL" status --json
	assert_status 0
	fields="$(printf '%s' "$output" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(d[0]["notices"], [d[1][k] for k in ("masked", "notices", "resize_live")])')" ||
		fail "not valid JSON"
	[ "$fields" = "['request'] [None, None, None]" ] || fail "got $fields"
	# Garbage is not passed on as a value.
	echo 2 > "$DEV5/uio_msi/resize_live"
	echo 1,x > "$DEV5/uio_msi/mask"
	run --separate-stderr "$TOOL" status --json 00:05.0
	fields="$(printf '%s' "$output" | python3 -c 'import json, sys
d = json.load(sys.stdin)[0]
print(d["masked"], d["resize_live"])')" || fail "not valid JSON"
	[ "$fields" = "None None" ] || fail "got $fields"
	# An unbound device has none of them.
	run --separate-stderr "$TOOL" status --json 00:04.0
	assert_stdout_has '"masked": null, "notices": null, "resize_live": null'
}

# --- fake tree: bind, unbind, set -------------------------------------------

@test "bind: already bound is a no-op success" {
	make_fake_tree
	run --separate-stderr "$TOOL" bind 00:05.0
	assert_status 0
	[ "$output" = "0000:00:05.0: already bound to uio_msi (uio0)" ] || fail "wrong message"
	[ ! -s "$DEV5/driver_override" ] || fail "driver_override was written"
}

@test "bind: missing device is an error" {
	make_fake_tree
	run --separate-stderr "$TOOL" bind 00:09.0
	assert_status 1
	assert_stderr_has "uio-msi: no PCI device 0000:00:09.0"
}

@test "bind: sysfs write sequence, and undo when the probe does not bind" {
	make_fake_tree
	local dev="$ROOT/sys/bus/pci/devices/0000:00:04.0"
	local trace="$BATS_TEST_TMPDIR/strace"
	# Both probes write the same text to the fake drivers_probe: count
	# the writes themselves.
	run --separate-stderr strace -o "$trace" -e trace=openat,write -e signal=none \
		"$TOOL" bind 00:04.0
	# The fake driver link never changes, so the probe "fails".
	assert_status 1
	assert_stderr_has "0000:00:04.0: uio_msi did not bind it (now bound to e1000); see dmesg"
	[ "$(cat "$ROOT/sys/bus/pci/drivers/e1000/unbind")" = "0000:00:04.0" ] ||
		fail "old driver not unbound"
	# One probe for uio_msi, then one that gives the device back.
	local probes
	probes=$(awk '/drivers_probe", O_WRONLY/ { fd = $NF; next }
		fd != "" && index($0, "write(" fd ", \"0000:00:04.0\", 12)") == 1 && $NF == 12 {
			n++
			fd = ""
		}
		END { print n + 0 }' "$trace")
	[ "$probes" -eq 2 ] || fail "$probes probe writes: $(grep drivers_probe -A1 "$trace")"
	# "uio_msi\n" then "\n" over it (no O_TRUNC in sysfs writes).
	[ "$(head -c 1 "$dev/driver_override" | od -An -tx1 | xargs)" = "0a" ] ||
		fail "driver_override not cleared"
	[ "$(sed -n 2p "$dev/driver_override")" = "io_msi" ] ||
		fail "driver_override was not set to uio_msi first"
	[ ! -s "$ROOT/sys/bus/pci/drivers/uio_msi/new_id" ] || fail "new_id was written"
}

@test "unbind: refuses devices not bound to uio_msi" {
	make_fake_tree
	run --separate-stderr "$TOOL" unbind 00:04.0
	assert_status 1
	assert_stderr_has "uio-msi: 0000:00:04.0 is not bound to uio_msi (driver: e1000)"
	run --separate-stderr "$TOOL" unbind 00:03.0
	assert_status 1
	assert_stderr_has "uio-msi: 0000:00:03.0 is not bound to uio_msi (no driver)"
	run --separate-stderr "$TOOL" unbind 00:09.0
	assert_status 1
	assert_stderr_has "uio-msi: no PCI device 0000:00:09.0"
	[ ! -s "$ROOT/sys/bus/pci/drivers/uio_msi/unbind" ] || fail "unbind was written"
}

@test "unbind: writes the driver's unbind and clears driver_override" {
	make_fake_tree
	echo uio_msi > "$DEV5/driver_override"
	run --separate-stderr "$TOOL" unbind 00:05.0
	assert_status 0
	[ "$output" = "0000:00:05.0: unbound from uio_msi" ] || fail "wrong message"
	[ "$(cat "$ROOT/sys/bus/pci/drivers/uio_msi/unbind")" = "0000:00:05.0" ] ||
		fail "uio_msi/unbind not written"
	[ "$(head -n 1 "$DEV5/driver_override")" = "" ] || fail "driver_override not cleared"
	[ ! -s "$ROOT/sys/bus/pci/drivers/uio_msi/new_id" ] || fail "new_id was written"
}

@test "set: writes mode and irq_count; refuses unbound devices" {
	make_fake_tree
	run --separate-stderr "$TOOL" set 00:05.0 mode intx
	assert_status 0
	[ "$(cat "$DEV5/uio_msi/mode")" = "intx" ] || fail "mode not written"
	run --separate-stderr "$TOOL" set 00:05.0 irq-count 3
	assert_status 0
	[ "$(cat "$DEV5/uio_msi/irq_count")" = "3" ] || fail "irq_count not written"
	run --separate-stderr "$TOOL" set 00:04.0 mode msi
	assert_status 1
	assert_stderr_has "uio-msi: 0000:00:04.0 is not bound to uio_msi (driver: e1000); run 'uio-msi bind 0000:00:04.0' first"
}

@test "set irq-count: EBUSY names the vectors that must be free where resize_live is 1" {
	make_fake_tree
	local attr="$DEV5/uio_msi/irq_count"
	run --separate-stderr strace -o /dev/null -P "$attr" -e trace=write \
		-e inject=write:error=EBUSY "$TOOL" set 00:05.0 irq-count 2
	assert_status 1
	assert_stderr_has "uio-msi: vectors from 2 up are in use: unbind their eventfds first"
	echo 0 > "$DEV5/uio_msi/resize_live"
	run --separate-stderr strace -o /dev/null -P "$attr" -e trace=write \
		-e inject=write:error=EBUSY "$TOOL" set 00:05.0 irq-count 2
	assert_status 1
	assert_stderr_has "uio-msi: vectors are in use: unbind all eventfds and close /dev/uio0 first"
	# A mode change needs every vector free, whatever resize_live says.
	echo 1 > "$DEV5/uio_msi/resize_live"
	run --separate-stderr strace -o /dev/null -P "$DEV5/uio_msi/mode" -e trace=write \
		-e inject=write:error=EBUSY "$TOOL" set 00:05.0 mode msi
	assert_status 1
	assert_stderr_has "uio-msi: vectors are in use: unbind all eventfds and close /dev/uio0 first"
}

# --- fake tree: listen, exec ----------------------------------------------

@test "listen: vector above irq_count and empty devices are errors (exit 1)" {
	make_fake_tree
	run --separate-stderr "$TOOL" listen 00:05.0 0 9 --timeout 0.1
	assert_status 1
	assert_stderr_has "uio-msi: vector 9 out of range: device has 8 vectors"
	run --separate-stderr "$TOOL" listen 00:06.0 all --timeout 0.1
	assert_status 1
	assert_stderr_has "0000:00:06.0 has no vectors allocated (mode none)"
	run --separate-stderr "$TOOL" listen 00:04.0 0 --timeout 0.1
	assert_status 1
	assert_stderr_has "uio-msi: 0000:00:04.0 is not bound to uio_msi (driver: e1000)"
}

@test "listen --timeout: binds, announces, unbinds; exit 0, or 3 with --count" {
	make_fake_tree
	record_eventfd_writes
	run --separate-stderr "$TOOL" listen 00:05.0 7 0-2 --timeout 0.2
	assert_status 0
	assert_stderr_has "uio-msi: listening on 0000:00:05.0 vectors 0-2,7"
	assert_stderr_has "uio-msi: received 0 interrupts"
	[ -z "$output" ] || fail "no vector lines expected"
	run --separate-stderr "$TOOL" listen 00:05.0 all --count 5 --timeout 0.2
	assert_status 3
	assert_stderr_has "listening on 0000:00:05.0 vectors 0-7"
	eventfd_writes
	local writes
	writes="$(sed 's/ [0-9][0-9]*$/ FD/' "$EFD_LOG" | xargs -d '\n' | sed 's/ /_/g')"
	local expected="7_FD_0_FD_1_FD_2_FD_7_-1_0_-1_1_-1_2_-1_0_FD_1_FD_2_FD_3_FD_4_FD_5_FD_6_FD_7_FD_0_-1_1_-1_2_-1_3_-1_4_-1_5_-1_6_-1_7_-1"
	[ "$writes" = "$expected" ] || fail "eventfd writes: $writes"
}

@test "listen: SIGTERM stops cleanly (exit 0) and unbinds" {
	make_fake_tree
	record_eventfd_writes
	"$TOOL" listen 00:05.0 3 2> "$BATS_TEST_TMPDIR/err" 3>&- &
	local pid=$!
	for _ in $(seq 100); do
		grep -q "listening on" "$BATS_TEST_TMPDIR/err" && break
		sleep 0.05
	done
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	assert_status 0
	eventfd_writes
	[ "$(tail -n 1 "$EFD_LOG")" = "3 -1" ] || fail "not unbound: $(cat "$EFD_LOG")"
	grep -q "received 0 interrupts" "$BATS_TEST_TMPDIR/err" || fail "no summary"
}

# Adds $3 to eventfd number $2 of process $1 (pidfd_getfd needs root or
# ptrace rights): stands in for interrupts in the fake tree.
signal_eventfd() {
	python3 - "$@" <<'EOF'
import ctypes, os, sys
pid, fd, value = (int(a) for a in sys.argv[1:])
libc = ctypes.CDLL(None, use_errno=True)
pidfd = os.pidfd_open(pid)
own = libc.syscall(438, pidfd, fd, 0)  # pidfd_getfd
if own < 0:
    sys.exit("pidfd_getfd: " + os.strerror(ctypes.get_errno()))
os.write(own, value.to_bytes(8, sys.byteorder))
EOF
}

@test "listen: cumulative per-vector counts, exit 0 at --count" {
	make_fake_tree
	record_eventfd_writes
	local out="$BATS_TEST_TMPDIR/out" err="$BATS_TEST_TMPDIR/err"
	"$TOOL" listen 00:05.0 0 1 --count 4 --timeout 60 > "$out" 2> "$err" 3>&- &
	local pid=$!
	for _ in $(seq 100); do
		grep -q "listening on" "$err" && break
		sleep 0.05
	done
	# The FIFO reader may lag behind the tool's announcement.
	for _ in $(seq 100); do
		grep -q '^1 [0-9]' "$EFD_LOG" && break
		sleep 0.05
	done
	local fd0 fd1
	fd0="$(sed -n 's/^0 \([0-9]*\)$/\1/p' "$EFD_LOG")"
	fd1="$(sed -n 's/^1 \([0-9]*\)$/\1/p' "$EFD_LOG")"
	[ -n "$fd0" ] && [ -n "$fd1" ] || fail "bindings not logged: $(cat "$EFD_LOG")"
	# pidfd_getfd (Linux 5.6) reaches into the tool's descriptors.
	signal_eventfd "$pid" "$fd0" 1 || {
		kill "$pid"
		fail "cannot reach the tool's eventfds (pidfd_getfd)"
	}
	for _ in $(seq 100); do
		grep -q "vec 0 count 1" "$out" && break
		sleep 0.05
	done
	signal_eventfd "$pid" "$fd0" 2
	for _ in $(seq 100); do
		grep -q "vec 0 count 3" "$out" && break
		sleep 0.05
	done
	signal_eventfd "$pid" "$fd1" 1
	status=0
	wait "$pid" || status=$?
	assert_status 0
	output="$(cat "$out")"
	[ "$output" = $'vec 0 count 1\nvec 0 count 3\nvec 1 count 1' ] || fail "wrong lines"
	grep -q "uio-msi: received 4 interrupts" "$err" || fail "wrong summary: $(cat "$err")"
	eventfd_writes
	[ "$(tail -n 2 "$EFD_LOG" | xargs)" = "0 -1 1 -1" ] || fail "not unbound"
}

@test "exec: fds 3.. in list order, environment, exit status, unbinding" {
	make_fake_tree
	record_eventfd_writes
	# shellcheck disable=SC2016 # expanded by the inner shell
	run --separate-stderr "$TOOL" exec 00:05.0 --vectors 5,2 -- sh -c '
		echo "$UIO_MSI_BDF $UIO_MSI_UIO $UIO_MSI_VECTOR_FDS"
		readlink /proc/$$/fd/3 /proc/$$/fd/4
		exit 7'
	assert_status 7
	[ "$output" = $'0000:00:05.0 /dev/uio0 5:3,2:4\nanon_inode:[eventfd]\nanon_inode:[eventfd]' ] ||
		fail "wrong child view"
	eventfd_writes
	[ "$(sed 's/ [0-9][0-9]*$/ FD/' "$EFD_LOG" | xargs)" = "5 FD 2 FD 5 -1 2 -1" ] ||
		fail "eventfd writes: $(cat "$EFD_LOG")"
}

@test "exec: fd 3+i of CMD is the eventfd bound to the i-th listed vector" {
	make_fake_tree
	# eventfd-id in fdinfo (Linux 6.8) tells eventfds apart.
	"$TOOL" exec 00:05.0 --vectors 0 -- grep -q eventfd-id /proc/self/fdinfo/3 ||
		fail "this kernel shows no eventfd-id in fdinfo (Linux < 6.8)"
	record_eventfd_writes
	# CMD compares its fds with the tool's bound ones (its parent's).
	# shellcheck disable=SC2016 # expanded by the inner shell
	run --separate-stderr "$TOOL" exec 00:05.0 --vectors 6,1-2 --vectors 0 -- sh -c '
		while [ "$(grep -c . "$1")" -lt 4 ]; do sleep 0.05; done
		for pair in $(echo "$UIO_MSI_VECTOR_FDS" | tr , " "); do
			vec=${pair%%:*} fd=${pair#*:}
			parent_fd=$(sed -n "s/^$vec \([0-9]*\)$/\1/p" "$1")
			mine=$(grep eventfd-id "/proc/$$/fdinfo/$fd")
			bound=$(grep eventfd-id "/proc/$PPID/fdinfo/$parent_fd")
			[ -n "$mine" ] && [ "$mine" = "$bound" ] ||
				{ echo "vector $vec: fd $fd is not the bound eventfd"; exit 1; }
			echo "$vec:$fd ok"
		done' sh "$EFD_LOG"
	assert_status 0
	[ "$output" = $'6:3 ok
1:4 ok
2:5 ok
0:6 ok' ] || fail "wrong mapping"
	eventfd_writes
}

@test "exec: signal deaths and exec failures map to 128+N, 127" {
	make_fake_tree
	run --separate-stderr "$TOOL" exec 00:05.0 --vectors all sh -c 'kill -TERM $$'
	assert_status 143
	run -127 --separate-stderr "$TOOL" exec 00:05.0 --vectors 0 /nonexistent/cmd
	assert_status 127
	assert_stderr_has "uio-msi: cannot run /nonexistent/cmd"
	run --separate-stderr "$TOOL" exec 00:05.0 --vectors 8 true
	assert_status 1
	assert_stderr_has "vector 8 out of range: device has 8 vectors"
}

@test "exec: SIGTERM to uio-msi is forwarded to the command" {
	make_fake_tree
	local err="$BATS_TEST_TMPDIR/err" ready="$BATS_TEST_TMPDIR/ready"
	"$TOOL" exec 00:05.0 --vectors 0 -- sh -c \
		"trap 'exit 42' TERM; touch '$ready'; while :; do sleep 0.05; done" \
		2> "$err" 3>&- &
	local pid=$!
	for _ in $(seq 100); do
		[ -e "$ready" ] && break
		sleep 0.05
	done
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	assert_status 42
}

@test "listen: error and request bind their notices, announced, unbound on exit" {
	make_fake_tree
	record_writes eventfd error_eventfd request_eventfd
	run --separate-stderr "$TOOL" listen 00:05.0 request,1 error --timeout 0.2
	assert_status 0
	assert_stderr_has "uio-msi: listening on 0000:00:05.0 vectors 1 and notices request,error"
	# Notices alone, also on a device without vectors.
	run --separate-stderr "$TOOL" listen 00:05.0 error --timeout 0.1
	assert_status 0
	assert_stderr_has "uio-msi: listening on 0000:00:05.0 notices error"
	stop_recording
	[ "$(writes_of eventfd)" = "1 FD|1 -1" ] || fail "eventfd: $(writes_of eventfd)"
	[ "$(writes_of request_eventfd)" = "FD|-1" ] || fail "request: $(writes_of request_eventfd)"
	[ "$(writes_of error_eventfd)" = "FD|-1|FD|-1" ] || fail "error: $(writes_of error_eventfd)"
	run --separate-stderr "$TOOL" listen 00:06.0 request --timeout 0.1
	assert_status 0
	assert_stderr_has "listening on 0000:00:06.0 notices request"
	# 'all' still asks for vectors.
	run --separate-stderr "$TOOL" listen 00:06.0 all,request --timeout 0.1
	assert_status 1
	assert_stderr_has "0000:00:06.0 has no vectors allocated (mode none)"
}

@test "listen: a notice that cannot be bound: exit 1, the rest unbound" {
	make_fake_tree
	record_writes eventfd
	rm "$DEV5/uio_msi/request_eventfd"
	run --separate-stderr "$TOOL" listen 00:05.0 0,request --timeout 0.1
	assert_status 1
	assert_stderr_has "uio-msi: 0000:00:05.0: the loaded uio_msi module has no request_eventfd attribute"
	stop_recording
	[ "$(writes_of eventfd)" = "0 FD|0 -1" ] || fail "eventfd: $(writes_of eventfd)"
}

# wait_logged LOG PATTERN: until the FIFO log $BATS_TEST_TMPDIR/LOG.log has
# a line matching PATTERN (the reader may lag behind the tool).
wait_logged() {
	for _ in $(seq 200); do
		grep -q "$2" "$BATS_TEST_TMPDIR/$1.log" && return 0
		sleep 0.05
	done
	fail "$1: no write matching $2: $(cat "$BATS_TEST_TMPDIR/$1.log")"
}

# wait_output FILE TEXT: until FILE has the line TEXT.
wait_output() {
	for _ in $(seq 200); do
		grep -qxF "$2" "$1" && return 0
		sleep 0.05
	done
	fail "no line '$2' in $1: $(cat "$1")"
}

@test "listen: 'error count C' lines; --count counts vector interrupts only" {
	make_fake_tree
	record_writes eventfd error_eventfd
	local out="$BATS_TEST_TMPDIR/out" err="$BATS_TEST_TMPDIR/err"
	"$TOOL" listen 00:05.0 0,error --count 2 --timeout 20 > "$out" 2> "$err" 3>&- &
	local pid=$!
	wait_logged eventfd '^0 [0-9]'
	wait_logged error_eventfd '^[0-9]'
	local vec_fd err_fd
	vec_fd="$(sed -n 's/^0 \([0-9]*\)$/\1/p' "$BATS_TEST_TMPDIR/eventfd.log")"
	err_fd="$(head -n 1 "$BATS_TEST_TMPDIR/error_eventfd.log")"
	signal_eventfd "$pid" "$err_fd" 3
	wait_output "$out" "error count 3"
	signal_eventfd "$pid" "$err_fd" 1
	wait_output "$out" "error count 4"
	signal_eventfd "$pid" "$vec_fd" 1
	wait_output "$out" "vec 0 count 1"
	kill -0 "$pid" || fail "listen ended before --count 2 vector interrupts"
	signal_eventfd "$pid" "$vec_fd" 1
	status=0
	wait "$pid" || status=$?
	assert_status 0
	output="$(cat "$out")"
	[ "$output" = $'error count 3\nerror count 4\nvec 0 count 1\nvec 0 count 2' ] ||
		fail "wrong lines"
	grep -q "uio-msi: received 2 interrupts" "$err" || fail "wrong summary: $(cat "$err")"
	stop_recording
	[ "$(writes_of error_eventfd)" = "FD|-1" ] || fail "error: $(writes_of error_eventfd)"
}

@test "listen: a request is printed, then listen lets go without writes and exits 0" {
	make_fake_tree
	record_writes eventfd request_eventfd error_eventfd
	local out="$BATS_TEST_TMPDIR/out" err="$BATS_TEST_TMPDIR/err"
	# Were the request not the end, --count would make that exit 3.
	"$TOOL" listen 00:05.0 0-1,request,error --count 100 --timeout 20 \
		> "$out" 2> "$err" 3>&- &
	local pid=$!
	wait_logged request_eventfd '^[0-9]'
	wait_logged error_eventfd '^[0-9]'
	signal_eventfd "$pid" "$(head -n 1 "$BATS_TEST_TMPDIR/request_eventfd.log")" 1
	status=0
	wait "$pid" || status=$?
	assert_status 0
	[ "$(cat "$out")" = "request count 1" ] || fail "stdout: $(cat "$out")"
	grep -qF "uio-msi: 0000:00:05.0: the device is being taken away (request): released it" "$err" ||
		fail "stderr: $(cat "$err")"
	grep -qF "uio-msi: received 0 interrupts" "$err" || fail "stderr: $(cat "$err")"
	[ "$(grep -c . "$err")" -eq 3 ] || fail "more on stderr: $(cat "$err")"
	# The attributes are gone by then: nothing is unbound by writing.
	stop_recording
	[ "$(writes_of eventfd)" = "0 FD|1 FD" ] || fail "eventfd: $(writes_of eventfd)"
	[ "$(writes_of request_eventfd)" = "FD" ] || fail "request: $(writes_of request_eventfd)"
	[ "$(writes_of error_eventfd)" = "FD" ] || fail "error: $(writes_of error_eventfd)"
}

@test "exec: notice fds after the vector fds in list order, UIO_MSI_ERROR_FD and _REQUEST_FD" {
	make_fake_tree
	record_writes eventfd error_eventfd request_eventfd
	# shellcheck disable=SC2016 # expanded by the inner shell
	UIO_MSI_ERROR_FD=stale run --separate-stderr "$TOOL" exec 00:05.0 \
		--vectors request,5 --vectors error,2 -- sh -c '
		echo "$UIO_MSI_VECTOR_FDS $UIO_MSI_REQUEST_FD $UIO_MSI_ERROR_FD"
		readlink /proc/$$/fd/3 /proc/$$/fd/4 /proc/$$/fd/5 /proc/$$/fd/6
		[ ! -e /proc/$$/fd/7 ] || echo "fd 7 open"
		exit 4'
	assert_status 4
	[ "$output" = "5:3,2:4 5 6"$'\n'"$(printf 'anon_inode:[eventfd]\n%.0s' 1 2 3 4 | head -c -1)" ] ||
		fail "wrong child view"
	# Without notices, the variables are unset even if inherited.
	# shellcheck disable=SC2016 # expanded by the inner shell
	UIO_MSI_ERROR_FD=stale UIO_MSI_REQUEST_FD=stale run --separate-stderr "$TOOL" exec 00:05.0 \
		--vectors 0 -- sh -c 'echo "${UIO_MSI_ERROR_FD-unset} ${UIO_MSI_REQUEST_FD-unset}"'
	assert_status 0
	[ "$output" = "unset unset" ] || fail "variables not unset"
	# Notices alone: no vector fds.
	# shellcheck disable=SC2016 # expanded by the inner shell
	run --separate-stderr "$TOOL" exec 00:05.0 --vectors error -- sh -c \
		'echo "[$UIO_MSI_VECTOR_FDS] $UIO_MSI_ERROR_FD ${UIO_MSI_REQUEST_FD-unset}"'
	assert_status 0
	[ "$output" = "[] 3 unset" ] || fail "notices alone"
	stop_recording
	[ "$(writes_of eventfd)" = "5 FD|2 FD|5 -1|2 -1|0 FD|0 -1" ] || fail "eventfd: $(writes_of eventfd)"
	[ "$(writes_of error_eventfd)" = "FD|-1|FD|-1" ] || fail "error: $(writes_of error_eventfd)"
	[ "$(writes_of request_eventfd)" = "FD|-1" ] || fail "request: $(writes_of request_eventfd)"
}

@test "exec: the error fd of CMD is the bound eventfd" {
	make_fake_tree
	"$TOOL" exec 00:05.0 --vectors 0 -- grep -q eventfd-id /proc/self/fdinfo/3 ||
		fail "this kernel shows no eventfd-id in fdinfo (Linux < 6.8)"
	record_writes error_eventfd
	# shellcheck disable=SC2016 # expanded by the inner shell
	run --separate-stderr "$TOOL" exec 00:05.0 --vectors error -- sh -c '
		until grep -q . "$1" 2>/dev/null; do sleep 0.05; done
		mine=$(grep eventfd-id "/proc/$$/fdinfo/$UIO_MSI_ERROR_FD")
		bound=$(grep eventfd-id "/proc/$PPID/fdinfo/$(head -n 1 "$1")")
		[ -n "$mine" ] && [ "$mine" = "$bound" ] && echo ok' sh "$BATS_TEST_TMPDIR/error_eventfd.log"
	assert_status 0
	[ "$output" = ok ] || fail "not the bound eventfd"
	stop_recording
}

@test "exec: a request reaches CMD; uio-msi lets go of its eventfds and writes nothing more" {
	make_fake_tree
	record_writes eventfd request_eventfd
	local out="$BATS_TEST_TMPDIR/out" err="$BATS_TEST_TMPDIR/err"
	# CMD waits for the request, then for its parent to hold no eventfd.
	"$TOOL" exec 00:05.0 --vectors 3,request -- python3 -c '
import os, sys, time
value = int.from_bytes(os.read(int(os.environ["UIO_MSI_REQUEST_FD"]), 8), sys.byteorder)
print("request", value, flush=True)
def parent_eventfds():
    d = "/proc/%d/fd" % os.getppid()
    return [f for f in os.listdir(d) if os.readlink(os.path.join(d, f)) == "anon_inode:[eventfd]"]
for _ in range(200):
    if not parent_eventfds():
        break
    time.sleep(0.05)
print("parent eventfds", len(parent_eventfds()), flush=True)
sys.exit(5)' > "$out" 2> "$err" 3>&- &
	local pid=$!
	wait_logged request_eventfd '^[0-9]'
	wait_logged eventfd '^3 [0-9]'
	signal_eventfd "$pid" "$(head -n 1 "$BATS_TEST_TMPDIR/request_eventfd.log")" 2
	status=0
	wait "$pid" || status=$?
	assert_status 5
	[ "$(cat "$out")" = $'request 2\nparent eventfds 0' ] || fail "CMD saw: $(cat "$out")"
	grep -q "uio-msi: 0000:00:05.0: the device is being taken away (request): passed on to python3" "$err" ||
		fail "stderr: $(cat "$err")"
	stop_recording
	[ "$(writes_of eventfd)" = "3 FD" ] || fail "eventfd: $(writes_of eventfd)"
	[ "$(writes_of request_eventfd)" = "FD" ] || fail "request: $(writes_of request_eventfd)"
}

# --- fake tree: mask, unmask ------------------------------------------------

@test "mask, unmask: one write per vector in list order, nothing printed" {
	make_fake_tree
	record_writes mask
	run --separate-stderr "$TOOL" mask 00:05.0 6,1-2 4
	assert_status 0
	[ -z "$output$stderr" ] || fail "unexpected output"
	run --separate-stderr "$TOOL" unmask 0000:00:05.0 all
	assert_status 0
	run --separate-stderr "$TOOL" mask 00:05.0 7
	assert_status 0
	stop_recording
	[ "$(paste -sd '|' "$BATS_TEST_TMPDIR/mask.log")" = "6 1|1 1|2 1|4 1|0 0|1 0|2 0|3 0|4 0|5 0|6 0|7 0|7 1" ] ||
		fail "mask writes: $(paste -sd '|' "$BATS_TEST_TMPDIR/mask.log")"
}

@test "mask, unmask: out of range, no vectors, not bound: exit 1, nothing written" {
	make_fake_tree
	record_writes mask
	run --separate-stderr "$TOOL" mask 00:05.0 0 8
	assert_status 1
	assert_stderr_has "uio-msi: vector 8 out of range: device has 8 vectors"
	run --separate-stderr "$TOOL" unmask 00:06.0 all
	assert_status 1
	assert_stderr_has "0000:00:06.0 has no vectors allocated (mode none)"
	run --separate-stderr "$TOOL" mask 00:04.0 0
	assert_status 1
	assert_stderr_has "uio-msi: 0000:00:04.0 is not bound to uio_msi (driver: e1000)"
	run --separate-stderr "$TOOL" unmask 00:09.0 0
	assert_status 1
	assert_stderr_has "uio-msi: no PCI device 0000:00:09.0"
	stop_recording
	[ ! -s "$BATS_TEST_TMPDIR/mask.log" ] || fail "written: $(cat "$BATS_TEST_TMPDIR/mask.log")"
	rm "$DEV5/uio_msi/mask"
	run --separate-stderr "$TOOL" mask 00:05.0 0
	assert_status 1
	assert_stderr_has "uio-msi: 0000:00:05.0: the loaded uio_msi module has no mask attribute"
}

# mask_fails ERRNO N ARGS...: runs the tool with the N-th write to the mask
# attribute failing with ERRNO (strace fault injection).
mask_fails() {
	local errno=$1 when=$2
	shift 2
	run --separate-stderr strace -o /dev/null -P "$DEV5/uio_msi/mask" -e trace=write \
		-e inject=write:error="$errno":when="$when" "$TOOL" "$@"
}

@test "mask, unmask: the kernel's errno in words, and which vectors were changed" {
	make_fake_tree
	mask_fails EPERM 1 mask 00:05.0 2-4
	assert_status 1
	assert_stderr_has "uio-msi: permission denied: writing uio_msi attributes needs CAP_SYS_RAWIO"
	assert_stderr_has "uio-msi: no vector was masked"
	mask_fails ERANGE 3 mask 00:05.0 1,5,2-3
	assert_status 1
	assert_stderr_has "uio-msi: vector 2 out of range: device has 8 vectors"
	assert_stderr_has "uio-msi: vectors 1,5 were masked, vectors 2-3 were not"
	mask_fails EINVAL 2 unmask 00:05.0 0-1
	assert_status 1
	assert_stderr_has "uio-msi: unmasking vector 1: rejected by the kernel as invalid (EINVAL)"
	assert_stderr_has "uio-msi: vector 0 was unmasked, vector 1 was not"
	mask_fails ENODEV 1 unmask 00:05.0 all
	assert_status 1
	assert_stderr_has "uio-msi: unmasking vector 0: the driver has shut the device down"
	assert_stderr_has "uio-msi: no vector was unmasked"
	mask_fails EIO 8 mask 00:05.0 all
	assert_status 1
	assert_stderr_has "uio-msi: masking vector 7: Input/output error"
	assert_stderr_has "uio-msi: vectors 0-6 were masked, vector 7 was not"
}

# --- helpers ------------------------------------------------------------

@test "try-write: usage errors exit 2" {
	local f="$BATS_TEST_TMPDIR/f"
	for args in "" "$f" "--bogus $f x" "--eventfd 2 $f x" "--eventfd abc $f x" \
		"--close" "--open 5 $f" "--chunks 0 $f x" "--chunks -1 $f x" \
		"--raw-file $f $f x" "-x $f y"; do
		# shellcheck disable=SC2086 # word splitting wanted
		run --separate-stderr "$HELPERS/try-write" $args
		assert_status 2 || fail "for: try-write $args"
		assert_stderr_has "Usage: try-write" || fail "for: try-write $args"
	done
	# shellcheck disable=SC1003 # literal backslashes for try-write
	for data in 'a\q' 'a\' '\x4' '\xg0'; do
		run --separate-stderr "$HELPERS/try-write" "$f" "$data"
		assert_status 2 || fail "for data $data"
	done
}

@test "try-write: several DATA are several opens and writes, one line each" {
	local f="$BATS_TEST_TMPDIR/f"
	: > "$f"
	run --separate-stderr "$HELPERS/try-write" "$f" 'abc' 'xy'
	assert_status 0
	[ "$output" = "$(printf 'OK\nOK')" ]
	# Each write starts at offset 0 of a fresh open: "xy" over "abc".
	[ "$(cat "$f")" = xyc ]
	run --separate-stderr "$HELPERS/try-write" /dev/full a b
	[ "$output" = "$(printf 'ENOSPC\nENOSPC')" ]
}

@test "try-write: escapes are decoded, one write" {
	local f="$BATS_TEST_TMPDIR/f"
	: > "$f"
	run --separate-stderr "$HELPERS/try-write" "$f" 'A\0B\n\t\\\x7f\xFFz\r'
	assert_status 0
	[ "$output" = "OK" ] || fail "expected OK"
	[ "$(od -An -tx1 "$f" | xargs)" = "41 00 42 0a 09 5c 7f ff 7a 0d" ] ||
		fail "bytes: $(od -An -tx1 "$f")"
}

@test "try-write: --chunks, --raw-file and errno names" {
	local f="$BATS_TEST_TMPDIR/f" raw="$BATS_TEST_TMPDIR/raw"
	: > "$f"
	run --separate-stderr "$HELPERS/try-write" --chunks 2 "$f" 'abcde'
	assert_status 0
	[ "$output" = "OK OK OK" ] || fail "expected 3 chunks"
	[ "$(cat "$f")" = "abcde" ] || fail "content: $(cat "$f")"
	head -c 4096 /dev/zero | tr '\0' 'x' > "$raw"
	: > "$f"
	run --separate-stderr "$HELPERS/try-write" --raw-file "$raw" "$f"
	assert_status 0
	[ "$output" = "OK" ] || fail "expected OK"
	cmp "$raw" "$f" || fail "raw content differs"
	run --separate-stderr "$HELPERS/try-write" "$BATS_TEST_TMPDIR/no/such" x
	assert_status 0
	[ "$output" = "ENOENT" ] || fail "expected ENOENT"
	run --separate-stderr "$HELPERS/try-write" "$BATS_TEST_TMPDIR" x
	assert_status 0
	[ "$output" = "EISDIR" ] || fail "expected EISDIR"
	run --separate-stderr "$HELPERS/try-write" /dev/full x
	assert_status 0
	[ "$output" = "ENOSPC" ] || fail "expected ENOSPC"
	run --separate-stderr "$HELPERS/try-write" --chunks 1 /dev/full ab
	[ "$output" = "ENOSPC ENOSPC" ] || fail "expected two ENOSPC"
}

@test "try-write: --eventfd, --open and --close shape the writer's fd table" {
	local f="$BATS_TEST_TMPDIR/f"
	: > "$f"
	# An eventfd cannot be reopened through /proc: ENXIO proves fd 5 is one.
	run --separate-stderr "$HELPERS/try-write" --eventfd 5 /proc/self/fd/5 x
	assert_status 0
	[ "$output" = "ENXIO" ] || fail "fd 5 is not an eventfd"
	run --separate-stderr "$HELPERS/try-write" --open 6 "$f" /proc/self/fd/6 hi
	assert_status 0
	[ "$output" = "OK" ] || fail "fd 6 is not $f"
	[ "$(cat "$f")" = "hi" ] || fail "not written through fd 6"
	run --separate-stderr "$HELPERS/try-write" --open 6 "$f" --close 6 /proc/self/fd/6 x
	assert_status 0
	[ "$output" = "ENOENT" ] || fail "fd 6 is still open"
	# FILE itself must not land on a closed fd the test asked for.
	run --separate-stderr "$HELPERS/try-write" --close 3 --close 4 "$f" x
	assert_status 0
	[ "$output" = "OK" ] || fail "expected OK"
}

@test "pcimem: usage errors exit 2" {
	for args in "" "00:05.0" "00:05.0 0 read32" "bad 0 read32 0" \
		"00:05.0 6 read32 0" "00:05.0 x read32 0" "00:05.0 0 read64 0" \
		"00:05.0 0 read32 2" "00:05.0 0 read32 zz" "00:05.0 0 write32 0" \
		"00:05.0 0 write32 0 0x100000000" "00:05.0 0 read32 0 1"; do
		# shellcheck disable=SC2086 # word splitting wanted
		run --separate-stderr "$HELPERS/pcimem" $args
		assert_status 2 || fail "for: pcimem $args"
		assert_stderr_has "Usage: pcimem" || fail "for: pcimem $args"
	done
}

@test "pcimem: one 32-bit access at the offset (fake resource file)" {
	make_fake_tree
	head -c 256 /dev/zero > "$DEV5/resource0"
	run --separate-stderr "$HELPERS/pcimem" 00:05.0 0 write32 0x10 0xdeadbeef
	assert_status 0
	[ "$(od -An -tx4 -j16 -N4 "$DEV5/resource0" | xargs)" = "deadbeef" ] || fail "not written"
	[ "$(od -An -tx1 -j12 -N4 "$DEV5/resource0" | xargs)" = "00 00 00 00" ] || fail "wrote outside"
	run --separate-stderr "$HELPERS/pcimem" 0000:00:05.0 0 read32 16
	assert_status 0
	[ "$output" = "0xdeadbeef" ] || fail "read back $output"
	run --separate-stderr "$HELPERS/pcimem" 00:05.0 0 read32 256
	assert_status 1
	assert_stderr_has "outside BAR 0"
	run --separate-stderr "$HELPERS/pcimem" 00:05.0 1 read32 0
	assert_status 1
	assert_stderr_has "resource1"
}

@test "ivshmem-fire: usage errors exit 2" {
	for args in "" "00:05.0" "00:05.0 1" "bad 0 1" "00:05.0 0 1 2" "00:05.0 a 1" \
		"00:05.0 0 x" "00:05.0 2048 1" "00:05.0 1: " "00:05.0 :1" "00:05.0 0:1 2" \
		"00:05.0 0 1 --interval-ms" "00:05.0 0 1 --interval-ms x" "00:05.0 0 1 --bogus"; do
		# shellcheck disable=SC2086 # word splitting wanted
		run --separate-stderr "$HELPERS/ivshmem-fire" $args
		assert_status 2 || fail "for: ivshmem-fire $args"
		assert_stderr_has "Usage: ivshmem-fire" || fail "for: ivshmem-fire $args"
	done
}

@test "ivshmem-fire: rings its own doorbell (id << 16 | vector)" {
	make_fake_tree
	head -c 256 /dev/zero > "$DEV5/resource0"
	printf '\x07\x00\x00\x00' | dd of="$DEV5/resource0" bs=1 seek=8 conv=notrunc 2>/dev/null
	# No IRQ line for vector 4: paced by --interval-ms instead.
	run --separate-stderr "$HELPERS/ivshmem-fire" 00:05.0 4 2 --interval-ms 1
	assert_status 0
	[ "$(od -An -tx4 -j12 -N4 "$DEV5/resource0" | xargs)" = "00070004" ] || fail "doorbell"
	run --separate-stderr "$HELPERS/ivshmem-fire" 00:05.0 5:1 6:2 --interval-ms 1
	assert_status 0
	[ "$(od -An -tx4 -j12 -N4 "$DEV5/resource0" | xargs)" = "00070006" ] || fail "doorbell"
}

@test "ivshmem-fire: waits for the vector's IRQ count to grow" {
	make_fake_tree
	head -c 256 /dev/zero > "$DEV5/resource0"
	# Vector 7 has an IRQ line: the helper must wait until it counts.
	( sleep 0.5; sed -i 's/^ 28:          0 / 28:          1 /' "$ROOT/proc/interrupts" ) 3>&- &
	local start=$SECONDS
	run --separate-stderr "$HELPERS/ivshmem-fire" 00:05.0 7 1
	assert_status 0
	[ $((SECONDS - start)) -lt 5 ] || fail "took too long"
	grep -q '^ 28:          1 ' "$ROOT/proc/interrupts" || fail "returned before the count grew"
}

@test "igbvf-fire: usage errors exit 2" {
	for args in "" "01:10.0" "bad 0:1" "01:10.0 3:1" "01:10.0 0" "01:10.0 :1" \
		"01:10.0 0:" "01:10.0 a:1" "01:10.0 0:1 --interval-ms" "01:10.0 0:1 --bogus"; do
		# shellcheck disable=SC2086 # word splitting wanted
		run --separate-stderr "$HELPERS/igbvf-fire" $args
		assert_status 2 || fail "for: igbvf-fire $args"
		assert_stderr_has "Usage: igbvf-fire" || fail "for: igbvf-fire $args"
	done
}

@test "igbvf-fire: PF GPIE in MSI-X mode, VF EIAC, EIMS and EICS for the vector" {
	make_fake_tree
	add_fake_sriov
	local pf="$ROOT/sys/bus/pci/devices/0000:01:00.0" vf="$ROOT/sys/bus/pci/devices/0000:01:10.0"
	head -c 8192 /dev/zero > "$pf/resource0"
	printf '\x01\x00\x00\x00' | dd of="$pf/resource0" bs=1 seek=$((0x1514)) conv=notrunc 2>/dev/null
	head -c 8192 /dev/zero > "$vf/resource0"
	# No IRQ line for the VF's vectors: paced by --interval-ms.
	run --separate-stderr "$HELPERS/igbvf-fire" 01:10.0 1:2 2:1 --interval-ms 1
	assert_status 0
	[ "$(od -An -tx4 -j$((0x1514)) -N4 "$pf/resource0" | xargs)" = 00000011 ] || fail "GPIE"
	[ "$(od -An -tx4 -j$((0x152c)) -N4 "$vf/resource0" | xargs)" = 00000006 ] || fail "EIAC"
	[ "$(od -An -tx4 -j$((0x1524)) -N4 "$vf/resource0" | xargs)" = 00000004 ] || fail "EIMS"
	[ "$(od -An -tx4 -j$((0x1520)) -N4 "$vf/resource0" | xargs)" = 00000004 ] || fail "EICS"
	# The PF itself is no VF.
	run --separate-stderr "$HELPERS/igbvf-fire" 01:00.0 0:1
	assert_status 1
	assert_stderr_has "not an SR-IOV VF"
}
