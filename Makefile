# uio_msi top-level targets.
#
#   make                 module (for the running kernel) and the uio-msi tool
#   make module KVER=... the module for another kernel (headers installed)
#   make check           everything tested in a QEMU guest (as root)
#   make demo            boot the guest, fire every ivshmem vector, show counts
#   make clean
#
# Everything is built under build/; downloaded kernels and other caches live
# in $(UIO_MSI_CACHE) (default ~/.cache/uio-msi), never in the tree.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
BUILD := $(CURDIR)/build

.PHONY: all module tool helpers check check-host check-guest demo clean

all: module tool

# The module is built in a copy of its sources per kernel, laid out as in
# the DKMS tree, so the source folders stay clean and kernels don't mix.
module:
	rm -rf $(BUILD)/$(KVER)/tree
	mkdir -p $(BUILD)/$(KVER)/tree/src
	cp -R src/module $(BUILD)/$(KVER)/tree/src/
	cp -R include VERSION $(BUILD)/$(KVER)/tree/
	$(MAKE) -C $(BUILD)/$(KVER)/tree/src/module KVER=$(KVER) KDIR=$(KDIR)
	cp $(BUILD)/$(KVER)/tree/src/module/uio_msi.ko $(BUILD)/$(KVER)/uio_msi.ko

tool:
	$(MAKE) -C src/tool O=$(BUILD)/tool

helpers:
	$(MAKE) -C tests/helpers O=$(BUILD)/helpers

# Installs what it needs (apt), builds, runs the host tests and the guest
# tests on Debian's kernel in QEMU; the last line is "N passed, N failed".
check:
	tests/check

check-host: tool helpers
	bats tests/host

# Guest tests only, on the kernel VM_KVER (default: Debian's current
# bookworm kernel); FILES= selects guest test files.
VM_KVER = $(or $(UIO_MSI_KVER),$(shell tests/vm/default-kernel))
check-guest: tool helpers
	$(MAKE) module KVER=$(VM_KVER)
	tests/vm/run --kernel $(VM_KVER) $(FILES)

demo:
	tests/demo

clean:
	rm -rf $(BUILD)
