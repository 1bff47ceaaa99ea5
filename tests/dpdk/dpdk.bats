#!/usr/bin/env bats
# DPDK's own applications on the guest's virtio-net ports, bound to
# $UIO_MSI_DPDK_DRIVER (uio_msi, or vfio-pci as the reference): testpmd
# forwarding and link-state interrupts, l3fwd-power's per-queue Rx
# interrupts, and what a SIGKILL leaves behind.  Run by tests/dpdk/check
# in a VM with the NICs of tests/dpdk/qemu-args.

load guest-lib

setup_file() {
	dpdk_setup
}

teardown() {
	kill_bg "${TESTPMD_PID:-}" "${L3FWD_PID:-}"
}

# stat_of OUT PORT FIELD: a forward statistic of PORT from testpmd's stop.
stat_of() {
	awk -v port="$2" -v field="$3:" '
		/Forward statistics for port/ {
			for (i = 1; i < NF; i++)
				if ($i == "port")
					p = $(i + 1) == port
			next
		}
		/Accumulated forward statistics/ { p = 0 }
		p { for (i = 1; i < NF; i++) if ($i == field) { print $(i + 1); exit } }' "$1"
}

@test "$UIO_MSI_DPDK_DRIVER: testpmd probes both virtio ports and forwards between them" {
	local out=$LOGS/testpmd-fwd.out
	testpmd_start "$out" --rxq=2 --txq=2 --nb-cores=1 --forward-mode=io \
		--eth-peer=0,"$PORT1_MAC" --eth-peer=1,"$PORT0_MAC" --total-num-mbufs=8192
	grep -qi "^Port 0: $PORT0_MAC" "$out" || fail "port 0 not probed"
	grep -qi "^Port 1: $PORT1_MAC" "$out" || fail "port 1 not probed"
	testpmd_cmd "start tx_first"
	sleep 3
	testpmd_cmd "stop"
	wait_for "$out" 'Accumulated forward statistics' 60
	sleep 1
	testpmd_quit
	local rx0 rx1 tx0 tx1 txd0 txd1
	rx0=$(stat_of "$out" 0 RX-packets)
	rx1=$(stat_of "$out" 1 RX-packets)
	tx0=$(stat_of "$out" 0 TX-packets)
	tx1=$(stat_of "$out" 1 TX-packets)
	txd0=$(stat_of "$out" 0 TX-dropped)
	txd1=$(stat_of "$out" 1 TX-dropped)
	echo "port 0: rx $rx0 tx $tx0 tx-dropped $txd0; port 1: rx $rx1 tx $tx1 tx-dropped $txd1"
	[ "$rx0" -gt 0 ] && [ "$rx1" -gt 0 ] && [ "$tx0" -gt 0 ] && [ "$tx1" -gt 0 ] ||
		fail "a counter is zero"
	# io forwarding sends each received packet once (or drops it), on top
	# of the first burst (32 per stream, 4 streams): nothing else.
	local extra=$((tx0 + txd0 + tx1 + txd1 - rx0 - rx1))
	[ "$extra" -ge 0 ] && [ "$extra" -le 128 ] ||
		fail "transmitted minus received is $extra, not the first burst"
	# What a port received, the other one sent.
	[ "$rx1" -le "$tx0" ] && [ "$rx0" -le "$tx1" ] || fail "received more than sent"
}

@test "$UIO_MSI_DPDK_DRIVER: testpmd gets link down and up as LSC interrupts (QEMU set_link)" {
	local out=$LOGS/testpmd-lsc.out before after
	testpmd_start "$out" --rxq=2 --txq=2 --nb-cores=1 --total-num-mbufs=8192
	testpmd_cmd "show port info 0"
	wait_for "$out" '^Link status: up' 30
	before=$(irq_count "$PORT0" 0)
	echo "vector 0 of $PORT0 before: ${before:-no IRQ}"
	[ -n "$before" ] || fail "vector 0 of $PORT0 has no IRQ: LSC interrupt not set up"

	"$UIO_MSI_REPO/tests/vm/qemu-monitor" "set_link nic0 off"
	wait_for "$out" '^Port 0: link state change event' 30
	testpmd_cmd "show port info 0"
	wait_for "$out" '^Link status: down' 30

	"$UIO_MSI_REPO/tests/vm/qemu-monitor" "set_link nic0 on"
	wait_count "$out" '^Port 0: link state change event' 2 30
	testpmd_cmd "show port info 0"
	wait_count "$out" '^Link status: up' 2 30
	after=$(irq_count "$PORT0" 0)
	echo "vector 0 of $PORT0 after: $after"
	[ "$after" -ge $((before + 2)) ] || fail "vector 0 did not fire for each change"
	# Port 1 saw no change.
	[ "$(count_matches "$out" '^Port 1: link state change event')" -eq 0 ]
	testpmd_quit
}

@test "$UIO_MSI_DPDK_DRIVER: l3fwd-power: each Rx queue wakes its lcore through its own vector, then sleeps" {
	local out=$LOGS/l3fwd-power.out ifname config q t0 t1 idle
	local -a before after
	ifname=$(knic_ifname)
	config=
	for ((q = 0; q < QUEUES; q++)); do
		config+="${config:+,}(0,$q,$((q % 2)))"
	done
	l3fwd_start "$out" -p 0x1 --interrupt-only --parse-ptype --config="$config"
	wait_for "$out" 'entering main interrupt loop on lcore 1' 180
	wait_for "$out" 'entering main interrupt loop on lcore 0' 30
	for ((q = 0; q < QUEUES; q++)); do
		before[q]=$(irq_count "$PORT0" $((q + 1)))
		[ -n "${before[q]}" ] || fail "vector $((q + 1)) (Rx queue $q) has no IRQ"
	done
	# Asleep: over 3 s the process uses little CPU (polling lcores would
	# use two CPUs' worth).
	sleep 2
	t0=$(proc_cpu_ticks "$L3FWD_PID")
	sleep 3
	t1=$(proc_cpu_ticks "$L3FWD_PID")
	idle=$((t1 - t0))
	echo "CPU ticks in 3 s before traffic: $idle (of $((3 * $(getconf CLK_TCK))) per CPU)"
	[ "$idle" -lt $((3 * $(getconf CLK_TCK) / 4)) ] || fail "lcores are not asleep"
	[ "$(count_matches "$out" 'is waked up from rx interrupt')" -eq 0 ] ||
		fail "woken before any traffic"

	# Traffic from the kernel's interface, new flows each round, until
	# every queue has woken its lcore.
	local round sport=10000 res sent=0 got=0 missing
	for ((round = 0; round < 20; round++)); do
		res=$(python3 "$BATS_TEST_DIRNAME/traffic.py" "$ifname" "$PORT0_MAC" 32 $sport)
		echo "round $round: $res"
		sport=$((sport + 32))
		sent=$((sent + $(awk '{ print $2 }' <<<"$res")))
		got=$((got + $(awk '{ print $4 }' <<<"$res")))
		missing=
		for ((q = 0; q < QUEUES; q++)); do
			grep -qE "lcore $((q % 2)) is waked up from rx interrupt on port 0 queue $q\$" "$out" ||
				missing+=" $q"
		done
		[ -n "$missing" ] || break
	done
	grep 'is waked up' "$out" | sort | uniq -c
	[ -z "$missing" ] || fail "queues never woken:$missing"
	echo "forwarded back: $got of $sent"
	[ "$got" -gt 0 ] || fail "nothing forwarded"
	[ "$got" -ge $((sent * 9 / 10)) ] || fail "forwarded $got of $sent"
	for ((q = 0; q < QUEUES; q++)); do
		after[q]=$(irq_count "$PORT0" $((q + 1)))
		echo "vector $((q + 1)) (Rx queue $q): ${before[q]} -> ${after[q]}"
		[ "${after[q]}" -gt "${before[q]}" ] || fail "vector $((q + 1)) never fired"
	done

	# Asleep again once the traffic stops.
	wait_for "$out" 'lcore 0 sleeps until interrupt triggers' 30
	wait_for "$out" 'lcore 1 sleeps until interrupt triggers' 30
	sleep 2
	t0=$(proc_cpu_ticks "$L3FWD_PID")
	sleep 3
	t1=$(proc_cpu_ticks "$L3FWD_PID")
	idle=$((t1 - t0))
	echo "CPU ticks in 3 s after traffic: $idle"
	[ "$idle" -lt $((3 * $(getconf CLK_TCK) / 4)) ] || fail "lcores did not go back to sleep"
}

@test "$UIO_MSI_DPDK_DRIVER: SIGKILL leaves no IRQ, bus mastering off, and the port usable at once" {
	local out=$LOGS/l3fwd-power-kill.out
	l3fwd_start "$out" -p 0x1 --interrupt-only --parse-ptype --config="(0,0,0),(0,1,1)"
	wait_for "$out" 'entering main interrupt loop on lcore 1' 180
	irqs_of "$PORT0"
	[ -n "$(irqs_of "$PORT0")" ] || fail "no IRQ while running"
	[ "$(bus_master "$PORT0")" = 1 ] || fail "bus mastering off while running"
	kill -KILL "$L3FWD_PID"
	wait "$L3FWD_PID" || true
	L3FWD_PID=
	unset WATCH_PID
	# The kernel releases on the last close of the files: give it a moment.
	for ((i = 0; i < 50; i++)); do
		[ -z "$(irqs_of "$PORT0")" ] && [ "$(bus_master "$PORT0")" = 0 ] && break
		sleep 0.1
	done
	echo "after SIGKILL:"
	irqs_of "$PORT0"
	[ -z "$(irqs_of "$PORT0")" ] || fail "IRQs still requested"
	[ "$(bus_master "$PORT0")" = 0 ] || fail "bus mastering still on"
	[ "$(driver_of "$PORT0")" = "$DRIVER" ]

	# At once: a new process probes the port and gets its link up.
	out=$LOGS/testpmd-reuse.out
	testpmd_start "$out" --rxq=2 --txq=2 --nb-cores=1 --total-num-mbufs=8192
	testpmd_cmd "show port info 0"
	wait_for "$out" '^Link status: up' 30
	[ -n "$(irq_count "$PORT0" 0)" ] || fail "vector 0 not set up again"
	testpmd_quit
}

# e1000e, DPDK's em PMD: whether its Rx interrupt wakes l3fwd-power is
# recorded, not asserted here: tests/dpdk/check compares the outcome on
# uio_msi with the one on vfio-pci.  Asserted: the port works (probed,
# packets forwarded, in interrupt mode's polling after its 10 ms epoll
# timeouts if no interrupt comes).
@test "$UIO_MSI_DPDK_DRIVER: e1000e (em PMD): l3fwd-power in interrupt mode forwards; wake-ups recorded" {
	local out=$LOGS/l3fwd-power-e1000e.out ifname res sent=0 got=0 round woken before after
	ifname=$(knic_ifname)
	before=$(irq_count "$E1000E" 1)
	L3FWD_DEV=$E1000E l3fwd_start "$out" -p 0x1 --interrupt-only --parse-ptype --config="(0,0,0)"
	wait_for "$out" 'entering main interrupt loop on lcore 0' 180
	for ((round = 0; round < 3; round++)); do
		res=$(python3 "$BATS_TEST_DIRNAME/traffic.py" "$ifname" "$E1000E_MAC" 16 $((20000 + 16 * round)))
		echo "round $round: $res"
		sent=$((sent + $(awk '{ print $2 }' <<<"$res")))
		got=$((got + $(awk '{ print $4 }' <<<"$res")))
	done
	woken=$(count_matches "$out" 'is waked up from rx interrupt on port 0 queue 0')
	after=$(irq_count "$E1000E" 1)
	grep -E 'RX interrupt|intr|interrupt' "$out" | sort | uniq -c | head -n 20
	irqs_of "$E1000E"
	echo "woken=$((woken > 0 ? 1 : 0)) vector1=${before:-none}->${after:-none} forwarded=$got/$sent" |
		tee "$LOGS/e1000e.outcome"
	[ "$got" -gt 0 ] || fail "nothing forwarded on e1000e"
}
