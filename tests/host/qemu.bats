#!/usr/bin/env bats
# Which QEMU the VM harness runs, on the host and without a VM: QEMU 10
# from bookworm-backports when tests/vm/qemu-backports has installed it,
# the igb device only when that QEMU has it, UIO_MSI_VM_QEMU above both.
# The install itself (a download) is what tests/vm/install-deps does;
# these tests never download.

bats_require_minimum_version 1.5.0

setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export REPO
}

# fake_qemu NAME VERSION HAS_IGB: a QEMU stand-in on PATH.  As QEMU 7.2
# does, "-device igb,help" exits 0 even without igb.
fake_qemu() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cat >"$BATS_TEST_TMPDIR/bin/$1" <<EOF
#!/bin/sh
case "\$*" in
--version) echo "QEMU emulator version $2 (fake)" ;;
*"-device help"*)
	echo 'name "e1000", bus PCI, desc "Intel Gigabit Ethernet"'
	[ "$3" != yes ] || echo 'name "igb", bus PCI, desc "Intel 82576 Gigabit Ethernet Controller"'
	;;
*"igb,help"*) [ "$3" = yes ] && echo "igb options:" || echo "Device 'igb' not found" >&2 ;;
esac
EOF
	chmod +x "$BATS_TEST_TMPDIR/bin/$1"
}

# devices [VAR=VALUE...]: what tests/vm/qemu-devices.bash decides, as
# "qemu version IGB_BDF IGB_PORT_BDF" (empty fields as "-").
devices() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	env "$@" PATH="$BATS_TEST_TMPDIR/bin:$PATH" bash -c '
		set -eu
		here=$1/tests/vm
		. "$here/lib.sh"
		. "$here/qemu-devices.bash"
		declare -A e=()
		for ((i = 0; i < ${#qemu_devices_env[@]}; i += 2)); do
			e[${qemu_devices_env[i]}]=${qemu_devices_env[i + 1]}
		done
		echo "${qemu##*/} $qemu_version ${e[IGB_BDF]:--} ${e[IGB_PORT_BDF]:--} ${#qemu_devices_args[@]}"
	' devices "$REPO"
}

@test "qemu-backports path: nothing installed is exit 1, without a download" {
	run -1 env UIO_MSI_CACHE="$BATS_TEST_TMPDIR/cache" "$REPO/tests/vm/qemu-backports" path
	[ -z "$output" ]
	[ ! -e "$BATS_TEST_TMPDIR/cache/qemu-backports/apt" ]
	run -2 "$REPO/tests/vm/qemu-backports" bogus
	run -2 "$REPO/tests/vm/qemu-backports" install --bogus
}

@test "qemu-devices: without QEMU 10 installed, the system's QEMU, and no igb if it lacks one" {
	fake_qemu qemu-system-x86_64 7.2.22 no
	run -0 devices UIO_MSI_CACHE="$BATS_TEST_TMPDIR/cache"
	[ "${lines[-1]}" = "qemu-system-x86_64 7.2.22 - - 0" ]
	[[ $output == *"QEMU 10 from bookworm-backports is not installed"* ]]
}

@test "qemu-devices: UIO_MSI_VM_QEMU wins; igb and its root port when that QEMU has igb" {
	fake_qemu my-qemu 10.0.2 yes
	run -0 devices UIO_MSI_CACHE="$BATS_TEST_TMPDIR/cache" UIO_MSI_VM_QEMU=my-qemu
	[ "${lines[-1]}" = "my-qemu 10.0.2 0000:01:00.0 0000:00:07.0 4" ]
	fake_qemu old-qemu 7.2.22 no
	run -0 devices UIO_MSI_VM_QEMU=old-qemu
	[ "${lines[-1]}" = "old-qemu 7.2.22 - - 0" ]
	run -1 devices UIO_MSI_VM_QEMU=no-such-qemu
	[[ $output == *"UIO_MSI_VM_QEMU=no-such-qemu: not found"* ]]
}

@test "qemu-devices: QEMU 10 installed by qemu-backports is the default" {
	local cache=$BATS_TEST_TMPDIR/cache
	fake_qemu qemu-system-x86_64 7.2.22 no
	# What a finished install leaves: the wrapper and the stamp.
	mkdir -p "$cache/qemu-backports"
	fake_qemu wrapped 10.0.2 yes
	cat >"$cache/qemu-backports/qemu-system-x86_64" <<EOF
#!/bin/sh
case "\$*" in
*"-device help"*) echo 'name "igb", bus PCI, desc "Intel 82576 Gigabit Ethernet Controller"' ;;
*) exec "$BATS_TEST_TMPDIR/bin/wrapped" "\$@" ;;
esac
EOF
	chmod +x "$cache/qemu-backports/qemu-system-x86_64"
	touch "$cache/qemu-backports/.complete"
	run -0 env UIO_MSI_CACHE="$cache" "$REPO/tests/vm/qemu-backports" path
	[ "$output" = "$cache/qemu-backports/qemu-system-x86_64" ]
	run -0 devices UIO_MSI_CACHE="$cache"
	[ "${lines[-1]}" = "qemu-system-x86_64 10.0.2 0000:01:00.0 0000:00:07.0 4" ]
	[[ $output == *"QEMU 10.0.2 ($cache/qemu-backports/qemu-system-x86_64)"* ]]
}
