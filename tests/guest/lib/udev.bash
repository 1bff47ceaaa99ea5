# shellcheck shell=bash
# Helpers for the guest tests that run the real systemd-udevd (70-udev.bats)
# and the binding tools users already have (80-interop.bats).  Load after
# lib/common.  The guest has neither systemd nor a system logger: udevd
# runs in the background for the duration of a file, and
# lib/syslog-listen.py stands in for the logger at /dev/log.

# The guest runs chrooted (the initramfs /init is PID 1), and udevadm
# trigger, settle and control do nothing in a chroot unless told to.
export SYSTEMD_IGNORE_CHROOT=1

# shellcheck disable=SC2034 # for the .bats files
TEST_BDFS=("$IVSHMEM_BDF" "$EDU_BDF" "$NVME_BDF")

# "modprobe uio_msi" for every caller (the helper run by udev, driverctl).
# The module is not in the VM kernel's module tree, and depmod over that
# tree takes more than 30 s under TCG; an install command in modprobe.d
# makes modprobe insert $UIO_MSI_KO instead (after its dependency, uio).
# As modprobe itself, it succeeds if a concurrent load won the race (udev
# runs the helper for several functions at once).
MODPROBE_CONF=/etc/modprobe.d/uio-msi-test.conf
modprobe_setup() {
	# shellcheck disable=SC2016 # $CMDLINE_OPTS is modprobe's, not ours
	printf 'install %s /sbin/modprobe uio && { /sbin/insmod %s $CMDLINE_OPTS || grep -q "^%s .* Live " /proc/modules; }\n' \
		"$DRIVER" "$UIO_MSI_KO" "$DRIVER" >"$MODPROBE_CONF"
}
modprobe_cleanup() { rm -f "$MODPROBE_CONF"; }

# The modules loaded now, one name per line, sorted.
modules_loaded() { cut -d' ' -f1 /proc/modules | sort; }

# Unload every module that is not listed in the file $1 (an earlier
# modules_loaded): whatever the tests or udev loaded (uio_msi, nvme and
# its dependencies, uio_pci_generic).  Unused ones first, round after
# round; shell builtins only but rmmod (a fork costs 0.1 s under TCG).
modules_restore() {
	local -A keep=()
	local name refs lines line extra round progress
	while read -r name; do
		keep[$name]=1
	done <"$1"
	for round in 1 2 3 4 5 6 7 8; do
		mapfile -t lines </proc/modules
		extra=()
		progress=no
		for line in "${lines[@]}"; do
			read -r name _ refs _ <<<"$line"
			[ -z "${keep[$name]:-}" ] || continue
			extra+=("$name")
			if [ "$refs" = 0 ] && rmmod "$name"; then
				progress=yes
			fi
		done
		[ "${#extra[@]}" -gt 0 ] || return 0
		[ "$progress" = yes ] || break
	done
	fail "modules still loaded after $round rounds: ${extra[*]}"
}

# The state each test file starts from: uio_msi not loaded, every test
# function without a driver and without driver_override, modprobe of
# uio_msi set up; the modules loaded then are recorded for
# file_state_restore.
file_state_save() {
	local bdf
	module_unload
	for bdf in "${TEST_BDFS[@]}"; do
		dev_release "$bdf"
	done
	modules_loaded >"$BATS_FILE_TMPDIR/modules"
	modprobe_setup
}

# Back to that state, driverctl's saved overrides of the test functions
# forgotten too.
file_state_restore() {
	local bdf
	module_unload
	modules_restore "$BATS_FILE_TMPDIR/modules"
	for bdf in "${TEST_BDFS[@]}"; do
		dev_release "$bdf"
		rm -f "$DRIVERCTL_CONF/pci-$bdf"
	done
}

dev_override() {
	local value
	read -r value <"$(pci_dir "$1")/driver_override"
	echo "$value"
}

# Leave function $1 present, without a driver and without driver_override.
dev_release() {
	local dir
	dir=$(pci_dir "$1")
	[ -e "$dir" ] || echo 1 >/sys/bus/pci/rescan
	[ ! -e "$dir/driver" ] || echo "$1" >"$dir/driver/unbind"
	echo >"$dir/driver_override"
}

driver_is() { [ "$(dev_driver "$1")" = "$2" ]; }

# hotplug BDF...: remove the functions and rescan the bus, as a hot-plug
# does; return when udev has handled every event.
hotplug() {
	local bdf
	for bdf; do
		echo 1 >"$(pci_dir "$bdf")/remove"
	done
	udevadm settle
	echo 1 >/sys/bus/pci/rescan
	udevadm settle
}

# coldplug BDF...: replay "add" for the functions, as systemd-udev-trigger
# does at boot; return when udev has handled every event.
coldplug() {
	local bdf paths=()
	for bdf; do
		paths+=("$(pci_dir "$bdf")")
	done
	udevadm trigger --action=add --settle "${paths[@]}"
	udevadm settle
}

# systemd-udevd in the background, its log in the results.  bats must not
# wait for it: no descriptor of ours stays open in it.
udevd_start() {
	local bin
	for bin in /lib/systemd/systemd-udevd /usr/lib/systemd/systemd-udevd; do
		[ ! -x "$bin" ] || break
	done
	UDEVD_LOG=$UIO_MSI_RESULTS/guest-udevd-$(basename "$BATS_TEST_FILENAME" .bats).log
	"$bin" </dev/null >>"$UDEVD_LOG" 2>&1 3>&- &
	UDEVD_PID=$!
	export UDEVD_PID UDEVD_LOG
	WAIT_SECONDS=60 wait_until udevadm control --ping
}

process_gone() {
	local stat
	[ -e /proc/"$1" ] || return 0
	read -r stat </proc/"$1"/stat || return 0
	# A zombie is gone too (its parent may be another bats process).
	[[ $stat == *") Z "* ]]
}

udevd_stop() {
	[ -n "${UDEVD_PID:-}" ] || return 0
	udevadm settle --timeout=60 || true
	# --exit waits until udevd and its workers are gone.
	udevadm control --exit || kill "$UDEVD_PID" 2>/dev/null || true
	WAIT_SECONDS=30 wait_until process_gone "$UDEVD_PID"
	wait "$UDEVD_PID" 2>/dev/null || true
	UDEVD_PID=
}

# The stand-in logger; messages go to $SYSLOG_OUT, one per line,
# "FACILITY.SEVERITY TAG: TEXT".
SYSLOG_SOCKET=/dev/log
syslog_start() {
	[ ! -e "$SYSLOG_SOCKET" ] || fail "$SYSLOG_SOCKET exists: another logger runs"
	SYSLOG_OUT=$BATS_FILE_TMPDIR/syslog
	: >"$SYSLOG_OUT"
	"$BATS_TEST_DIRNAME"/lib/syslog-listen.py "$SYSLOG_SOCKET" "$SYSLOG_OUT" \
		</dev/null >/dev/null 2>&1 3>&- &
	SYSLOG_PID=$!
	export SYSLOG_OUT SYSLOG_PID
	wait_until test -S "$SYSLOG_SOCKET"
}

syslog_stop() {
	[ -n "${SYSLOG_PID:-}" ] || return 0
	kill "$SYSLOG_PID" 2>/dev/null || true
	WAIT_SECONDS=10 wait_until process_gone "$SYSLOG_PID"
	wait "$SYSLOG_PID" 2>/dev/null || true
	SYSLOG_PID=
	rm -f "$SYSLOG_SOCKET"
}

# log_mark: remember where the log ends; log_since_mark prints what uio-msi
# logged since, as "SEVERITY TEXT" lines.  log_sync first makes sure that
# every message sent so far is in the file: the listener writes in arrival
# order, so once a message of ours is there, all earlier ones are too.
log_mark() { LOG_MARK=$(wc -l <"$SYSLOG_OUT"); }
log_sync() {
	local token=sync-$RANDOM-$SECONDS
	logger -t uio-msi-test -- "$token"
	wait_until grep -qF "uio-msi-test: $token" "$SYSLOG_OUT"
}
log_since_mark() {
	log_sync
	tail -n +"$((LOG_MARK + 1))" "$SYSLOG_OUT" |
		sed -n 's/^daemon\.\([a-z]*\) uio-msi: /\1 /p'
}

# shellcheck disable=SC2034 # for the .bats files
DRIVERCTL=/usr/sbin/driverctl
DRIVERCTL_CONF=/etc/driverctl.d

# The unit that 05-driverctl.rules asks systemd to start, as systemd would
# run it for the instance $1 (e.g. pci-0000:00:04.0): its condition, then
# ExecStart with %I, the unescaped instance ("-" becomes "/").
driverctl_unit_run() {
	local unit exec condition
	for unit in /lib/systemd/system/driverctl@.service /usr/lib/systemd/system/driverctl@.service; do
		[ ! -e "$unit" ] || break
	done
	condition=$(sed -n 's/^ConditionPathExists=//p' "$unit")
	exec=$(sed -n 's/^ExecStart=//p' "$unit")
	[ "$condition" = "$DRIVERCTL_CONF/%i" ] || fail "unexpected unit: $condition"
	[ -e "$DRIVERCTL_CONF/$1" ] || return 0
	exec=${exec//%I/${1//-//}}
	# shellcheck disable=SC2086 # a command line, split as systemd would
	$exec
}

# udev's events as it sends them out after processing (what systemd reads),
# with their properties, in $MONITOR_OUT until monitor_stop.  The database
# is no record of them: a later event of the device (e.g. "bind") replaces
# what the rules set on "add".
monitor_start() {
	MONITOR_OUT=$BATS_TEST_TMPDIR/monitor
	udevadm monitor --udev --property --subsystem-match=pci \
		</dev/null >"$MONITOR_OUT" 2>&1 3>&- &
	MONITOR_PID=$!
	wait_until grep -q "^UDEV - " "$MONITOR_OUT"
}
monitor_stop() {
	[ -n "${MONITOR_PID:-}" ] || return 0
	udevadm settle
	kill "$MONITOR_PID" 2>/dev/null || true
	wait "$MONITOR_PID" 2>/dev/null || true
	MONITOR_PID=
}
# add_event_property BDF NAME: NAME=VALUE of the "add" event of BDF.
add_event_property() {
	awk -v RS= -v bdf="PCI_SLOT_NAME=$1" -v name="$2" '
		/(^|\n)ACTION=add(\n|$)/ && index($0, bdf "\n") {
			n = split($0, lines, "\n")
			for (i = 1; i <= n; i++)
				if (index(lines[i], name "=") == 1)
					print lines[i]
		}' "$MONITOR_OUT"
}

# kmsg_mark: a marker in the kernel log; kmsg_since_mark prints what the
# kernel logged after it.
kmsg_mark() {
	KMSG_MARK="uio-msi-test mark $RANDOM-$SECONDS"
	echo "$KMSG_MARK" >/dev/kmsg
}
kmsg_since_mark() { dmesg | sed -n "/$KMSG_MARK/,\$p" | tail -n +2; }
