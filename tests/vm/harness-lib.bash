# shellcheck shell=bash
# Helpers shared by the harness self-tests (harness*.bats).

pci_field() { # BDF KEY: one value printed by pci-info.py
	python3 "$BATS_TEST_DIRNAME/pci-info.py" "$1" | awk -v k="$2" '$1 == k { print $2 }'
}

bind_to() { # BDF DRIVER
	echo "$2" >"/sys/bus/pci/devices/$1/driver_override"
	echo "$1" >/sys/bus/pci/drivers_probe
	[ "$(pci_field "$1" driver)" = "$2" ]
}

release() { # BDF: unbind and forget the override
	if [ -e "/sys/bus/pci/devices/$1/driver" ]; then
		echo "$1" >"/sys/bus/pci/devices/$1/driver/unbind"
	fi
	echo >"/sys/bus/pci/devices/$1/driver_override"
}
