#!/usr/bin/env bats
# Concurrency: several processes bind, rebind and unbind random vectors of
# ivshmem while another rings the vectors continuously with different
# weights (some never), and a masker masks and unmasks random vectors and
# resizes irq_count above them (live where the kernel can, else every
# resize must fail with EBUSY), for a bounded time.  No process may see an
# error; on every vector below the resized range, every interrupt that
# reached the driver's handler (the IRQ's own count in the kernel) must
# have been counted, exactly once, by an eventfd of that vector (summed
# over every process, each eventfd read after it was unbound or replaced):
# no loss in the driver, no double delivery, no delivery to the wrong
# vector, none lost behind a mask or a resize (interrupts that come while
# a vector is masked collapse into one, which the handler then counts
# once); a vector never rung counts nothing, and no vector more than it
# was rung.  Afterwards the device is clean, unmasked, at its full
# irq_count, and delivers.  The kernel-log gate checks for reports.

bats_require_minimum_version 1.5.0

load lib/rel

SECONDS_RUN=${UIO_MSI_CONCURRENCY_SECONDS:-60}
PROCS=${UIO_MSI_CONCURRENCY_PROCS:-4}
# Rings per round of vector v: WEIGHTS[v % 4]; 0 never rings it.
WEIGHTS=0,1,2,3

setup() {
	ivshmem_fresh
}

teardown() {
	pids_kill
	module_unload
}

teardown_file() {
	devices_release
}

# The kernel's count of interrupts handled on IRQ $1, over all CPUs.
irq_handled() {
	local counts sum=0 c
	IFS=, read -ra counts </sys/kernel/irq/"$1"/per_cpu_count
	for c in "${counts[@]}"; do
		sum=$((sum + c))
	done
	echo "$sum"
}

@test "$PROCS processes churn bindings and a masker masks and resizes while the vectors fire with weights $WEIGHTS (${SECONDS_RUN}s)" {
	local nvec=$UIO_MSI_IVSHMEM_VECTORS dir i pid status=0 line re v
	# Vectors 0..exact-1 are counted exactly; the masker holds exact-1
	# and resizes irq_count within exact..nvec.
	local exact=$((UIO_MSI_IVSHMEM_VECTORS - 4))
	local -A rung counted irq_of before
	local -a weights
	IFS=, read -ra weights <<<"$WEIGHTS"
	dir=$(mktemp -d)
	# Each vector's IRQ number, while a listener holds them all.
	listen_start "$IVSHMEM_BDF" all
	re="^ *([0-9]+):.* uio_msi\[([0-9]+)\]\(${IVSHMEM_BDF//./\\.}\)"
	while read -r line; do
		[[ $line =~ $re ]] && irq_of[${BASH_REMATCH[2]}]=${BASH_REMATCH[1]}
	done </proc/interrupts
	listen_stop
	WAIT_SECONDS=30 wait_until no_irqs "$IVSHMEM_BDF"
	for ((v = 0; v < exact; v++)); do
		[ -n "${irq_of[$v]:-}" ] || fail "vector $v: no IRQ seen"
		before[$v]=$(irq_handled "${irq_of[$v]}")
		# Every vector's interrupts, and the churn, on CPU 0: the CPU
		# that frees an IRQ then also takes an interrupt still pending
		# for it, before the freed CPU vector can go to another IRQ.
		# (Across CPUs the kernel hands such a late interrupt to the
		# vector's next owner: a race of x86's vector reuse, not of
		# the driver, that a loaded host makes frequent.)
		echo 1 >"/proc/irq/${irq_of[$v]}/smp_affinity"
	done

	"$RELTOOL" fire "$IVSHMEM_BDF" "$nvec" "$SECONDS_RUN" "$WEIGHTS" >"$dir/fire" &
	PIDS+=($!)
	for ((i = 0; i < PROCS; i++)); do
		taskset -c 0 "$RELTOOL" churn "$(attr_path "$IVSHMEM_BDF" "$ATTR_EVENTFD")" \
			$((exact - 1)) "$SECONDS_RUN" $((1000 + i)) >"$dir/churn$i" 2>&1 &
		PIDS+=($!)
	done
	taskset -c 0 "$RELTOOL" masker "/sys/bus/pci/devices/$IVSHMEM_BDF/$GROUP" \
		"$exact" "$nvec" "$SECONDS_RUN" 999 >"$dir/masker" 2>&1 &
	PIDS+=($!)
	for pid in "${PIDS[@]}"; do
		wait "$pid" || status=$?
	done
	PIDS=()
	[ "$status" -eq 0 ] || fail "a process failed: $(cat "$dir"/churn* "$dir/masker")"
	figure concurrent_seconds "$SECONDS_RUN"

	local word n
	while read -r word v word n; do
		rung[$v]=$n
	done <"$dir/fire"
	for ((i = 0; i < PROCS; i++)); do
		grep -q '^ops [1-9]' "$dir/churn$i"
	done
	for f in "$dir"/churn* "$dir/masker"; do
		while read -r word v word n; do
			[ "$word" = counted ] || continue
			counted[$v]=$((${counted[$v]:-0} + n))
		done <"$f"
	done
	# The masker's operations: masks and unmasks always; resizes live
	# exactly where the device says it can, else only EBUSY.
	local masks unmasks resizes busy live
	read -r word word masks word unmasks word resizes word busy word live \
		< <(grep '^masker ' "$dir/masker")
	echo "masker: $masks masks, $unmasks unmasks, $resizes live resizes, $busy EBUSY (resize_live $live)"
	[ "$masks" -gt 0 ] && [ "$unmasks" -gt 0 ]
	[ "$live" = "$(attr "$IVSHMEM_BDF" "$ATTR_RESIZE_LIVE")" ]
	if [ "$live" -eq 1 ]; then
		[ "$resizes" -gt 0 ] && [ "$busy" -eq 0 ]
	else
		[ "$resizes" -eq 0 ] && [ "$busy" -gt 0 ]
	fi
	local handled total=0 errors=() f
	for ((v = 0; v < exact; v++)); do
		handled=$(($(irq_handled "${irq_of[$v]}") - before[$v]))
		echo "vector $v: weight ${weights[v % ${#weights[@]}]}, rung ${rung[$v]:-0}, handled $handled, counted ${counted[$v]:-0}"
		[ "${counted[$v]:-0}" -eq "$handled" ] ||
			errors+=("vector $v: the handler ran $handled times, its eventfds counted ${counted[$v]:-0}")
		[ "$handled" -le "${rung[$v]:-0}" ] ||
			errors+=("vector $v: $handled interrupts handled, only ${rung[$v]:-0} rung")
		if [ "${weights[v % ${#weights[@]}]}" -eq 0 ]; then
			[ "${rung[$v]:-0}" -eq 0 ] && [ "$handled" -eq 0 ] ||
				errors+=("vector $v was never rung, yet handled $handled")
		else
			[ "$handled" -gt 0 ] || errors+=("vector $v: rung ${rung[$v]}, never handled")
		fi
		total=$((total + handled))
	done
	[ "${#errors[@]}" -eq 0 ] || fail "$(printf '%s\n' "${errors[@]}")"
	figure concurrent_interrupts "$total"
	figure concurrent_masks $((masks + unmasks))
	figure concurrent_resizes "$resizes"

	WAIT_SECONDS=30 wait_until no_irqs "$IVSHMEM_BDF"
	bus_master_off "$IVSHMEM_BDF"
	[ "$(attr "$IVSHMEM_BDF" "$ATTR_IRQ_COUNT")" = "$nvec" ]
	[ -z "$(attr "$IVSHMEM_BDF" "$ATTR_MASK")" ]
	delivery_works "$IVSHMEM_BDF" 1
	delivery_works "$IVSHMEM_BDF" $((nvec - 1))
}
