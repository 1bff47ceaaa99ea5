# uio_msi top-level targets.
#
#   make                 module (for the running kernel) and the uio-msi tool
#   make module KVER=... the module for another kernel (headers installed)
#   make install         as root: module through DKMS (running kernel, or
#                        KVER=...), tool, man page, udev rules and helper
#   make uninstall       as root: undoes make install
#   make deb             Debian packages uio-msi-dkms and uio-msi-utils,
#                        into build/deb/
#   make dkms-module     the module built by DKMS in a private tree under
#                        build/dkms/ (what make check's guest tests load)
#   make check           everything tested in a QEMU guest (as root)
#   make check-reliability  adversarial tests, debug kernel (as root)
#   make check-matrix    build and guest tests on every Debian kernel (as
#                        root; MATRIX=bookworm,sid selects suites)
#   make check-dpdk      DPDK 25.11 with the uio_msi series (contrib/dpdk):
#                        DPDK's patch checks, build, testpmd and
#                        l3fwd-power in QEMU on uio_msi and vfio-pci (as
#                        root; DPDK_SRC=DIR builds a DPDK tree of one's own)
#   make demo            boot the guest, fire every ivshmem vector, show counts
#   make bench           interrupt latency, masking, rate and bind cost of
#                        uio_msi against vfio-pci and uio_pci_generic,
#                        paired in one QEMU VM, scale and the traced hot
#                        path in two more, then DPDK's Rx interrupt
#                        wake-up latency on both drivers in a fourth (as
#                        root; UIO_MSI_VM_ACCEL=auto uses KVM where it
#                        works); report in build/bench/
#   make clean
#
# install and uninstall take DESTDIR and PREFIX (default /usr/local).  With
# a DESTDIR they only stage files and leave DKMS alone: a package's
# postinst runs DKMS.  The module's sources always go to
# /usr/src/uio-msi-VERSION, where DKMS looks for them.
#
# Everything is built under build/; downloaded kernels and other caches live
# in $(UIO_MSI_CACHE) (default ~/.cache/uio-msi), never in the tree.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
BUILD := $(CURDIR)/build

# The single source of the version.
VERSION := $(strip $(shell cat $(CURDIR)/VERSION))
ifeq ($(VERSION),)
$(error cannot read $(CURDIR)/VERSION)
endif

PREFIX ?= /usr/local
DESTDIR ?=
INSTALL ?= install
DKMS ?= dkms

.PHONY: all module tool helpers check check-host check-guest demo clean \
	install install-src install-dkms install-tool install-udev \
	uninstall dkms-module deb

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

# The guest tests' helpers, and the native reltool they share with the
# reliability suite.
helpers:
	$(MAKE) -C tests/helpers O=$(BUILD)/helpers
	$(MAKE) -C tests/reliability reltool O=$(BUILD)/reliability

# --- installation -------------------------------------------------------

# What DKMS gets: the module's sources and what their Makefile reads (the
# ABI header, VERSION), never build outputs (compat_config.h, objects).
# Kbuild (top level) only serves DKMS's "make clean" (see the file).
DKMS_NAME := uio-msi
DKMS_SRCDIR := /usr/src/$(DKMS_NAME)-$(VERSION)
dkms_sources := VERSION Kbuild $(wildcard include/*.h) \
	src/module/Kbuild src/module/Makefile \
	$(filter-out %.mod.c,$(wildcard src/module/*.c)) \
	$(filter-out src/module/compat_config.h,$(wildcard src/module/*.h)) \
	$(wildcard src/module/conftest/*.c)
dkms_scripts := src/module/conftest.sh
dkms_mv := -m $(DKMS_NAME) -v $(VERSION)

# The module's sources into $(DESTDIR)$(DKMS_SRCDIR), dkms.conf with the
# version filled in (the Debian package has dh_dkms -V do the same).
install-src:
	rm -rf $(DESTDIR)$(DKMS_SRCDIR)
	for f in $(dkms_sources); do \
		$(INSTALL) -D -m 0644 $$f $(DESTDIR)$(DKMS_SRCDIR)/$$f || exit 1; \
	done
	for f in $(dkms_scripts); do \
		$(INSTALL) -D -m 0755 $$f $(DESTDIR)$(DKMS_SRCDIR)/$$f || exit 1; \
	done
	sed 's/#MODULE_VERSION#/$(VERSION)/g' dkms.conf >$(DESTDIR)$(DKMS_SRCDIR)/dkms.conf
	chmod 0644 $(DESTDIR)$(DKMS_SRCDIR)/dkms.conf

# dkms add, build and install for $(KVER); $(1): extra dkms options.
# A version already added (make install run twice) is removed first.
define dkms_add_build_install
	if [ -n "$$($(DKMS) $(1) status $(dkms_mv))" ]; then \
		$(DKMS) $(1) remove $(dkms_mv) --all; fi
	$(DKMS) $(1) add $(dkms_mv)
	$(DKMS) $(1) build $(dkms_mv) -k $(KVER)
	$(DKMS) $(1) install $(dkms_mv) -k $(KVER)
endef

install-dkms: install-src
ifeq ($(DESTDIR),)
	$(call dkms_add_build_install,)
else
	@echo "DESTDIR set: sources staged in $(DESTDIR)$(DKMS_SRCDIR), dkms not run"
endif

install-tool:
	$(MAKE) -C src/tool install O=$(BUILD)/tool PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# Hook for the udev rules and the auto-bind helper: udev/Makefile
# provides install and uninstall (DESTDIR, PREFIX) when it exists.
install-udev:
ifneq ($(wildcard udev/Makefile),)
	$(MAKE) -C udev install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
else
	@echo "udev/Makefile missing: no udev rules installed"
endif

install: install-dkms install-tool install-udev

uninstall:
ifeq ($(DESTDIR),)
	if [ -n "$$($(DKMS) status $(dkms_mv))" ]; then \
		$(DKMS) remove $(dkms_mv) --all; fi
endif
	rm -rf $(DESTDIR)$(DKMS_SRCDIR)
	$(MAKE) -C src/tool uninstall O=$(BUILD)/tool PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
ifneq ($(wildcard udev/Makefile),)
	$(MAKE) -C udev uninstall PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
endif

# The module as DKMS builds it for $(KVER), in private trees under
# build/dkms/ laid out like /usr/src, /var/lib/dkms and /lib/modules: the
# machine's own DKMS state and /lib/modules are untouched (no depmod), and
# DKMS signs with a key of its own there instead of /var/lib/dkms/mok.key.
# The headers are named explicitly: DKMS 3.1 and later look for them in
# the install tree otherwise.
DKMS_PRIVATE := $(BUILD)/dkms
dkms_private := --dkmstree $(DKMS_PRIVATE)/var/lib/dkms \
	--sourcetree $(DKMS_PRIVATE)/usr/src \
	--installtree $(DKMS_PRIVATE)/lib/modules --no-depmod \
	--kernelsourcedir $(KDIR)
dkms-module: export mok_signing_key = $(DKMS_PRIVATE)/mok.key
dkms-module: export mok_certificate = $(DKMS_PRIVATE)/mok.pub
dkms-module:
	rm -rf $(DKMS_PRIVATE)
	$(MAKE) install-src DESTDIR=$(DKMS_PRIVATE)
	mkdir -p $(DKMS_PRIVATE)/var/lib/dkms $(DKMS_PRIVATE)/lib/modules/$(KVER)
	$(call dkms_add_build_install,$(dkms_private))
	test -f $(DKMS_PRIVATE)/lib/modules/$(KVER)/updates/dkms/uio_msi.ko
	@echo "built: $(DKMS_PRIVATE)/lib/modules/$(KVER)/updates/dkms/uio_msi.ko"

# --- Debian packages ----------------------------------------------------

# dpkg-buildpackage writes its outputs next to the tree: move the files
# its .changes lists (and the .changes) into build/deb/.  --post-clean
# leaves debian/ as it was.
DEB_CHANGES = ../$(shell dpkg-parsechangelog -S Source)_$(shell \
	dpkg-parsechangelog -S Version)_$(shell dpkg-architecture -qDEB_HOST_ARCH).changes
deb:
	dpkg-buildpackage -b -us -uc --post-clean
	rm -rf $(BUILD)/deb
	mkdir -p $(BUILD)/deb
	files=$$(sed -n '/^Files:/,/^[^ ]/s/^ .* \([^ ]*\)$$/\1/p' $(DEB_CHANGES)) && \
		for f in $$files; do mv ../$$f $(BUILD)/deb/ || exit 1; done
	mv $(DEB_CHANGES) $(BUILD)/deb/
	@ls -1 $(BUILD)/deb

# --- tests --------------------------------------------------------------

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

# The Debian kernel matrix: for each kernel, uio_msi built by DKMS in a
# chroot of its suite, W=1, sparse, checkpatch, and the guest suite on
# that kernel (tests/matrix/run).  MATRIX= selects suites or kernels, e.g.
# MATRIX=sid or MATRIX=bookworm,trixie/rt-amd64 (default: all six).
.PHONY: check-matrix
check-matrix:
	tests/matrix/run $(if $(MATRIX),--suites '$(MATRIX)')

# DPDK with the uio_msi series applied, built (cached) and run in QEMU on
# uio_msi and, for reference, vfio-pci (tests/dpdk/check).
.PHONY: check-dpdk
check-dpdk:
	tests/dpdk/check

# Reliability and security: the adversarial guest suite on Debian's
# kernel and, with the whole guest suite, on a debug kernel (KASAN,
# lockdep, kmemleak, ...) built from linux-source-6.1 and cached; kernel
# lockdown.  Prints the figures, then "N passed, N failed"
# (tests/reliability/check; RELIABILITY_RUNS= selects runs).
.PHONY: check-reliability
check-reliability:
	tests/reliability/check

demo:
	tests/demo

# Benchmarks never assert timings; this fails only when a figure could not
# be measured.  Output: build/bench/{bench.json,table.txt,*.png}.
.PHONY: bench
bench:
	tests/bench/run

# debian/ leftovers of an interrupted make deb too (debian/rules clean
# without debhelper).
clean:
	rm -rf $(BUILD)
	rm -rf debian/.debhelper debian/build debian/tmp debian/uio-msi-dkms \
		debian/uio-msi-utils debian/files debian/debhelper-build-stamp \
		debian/*.substvars debian/*.debhelper debian/*.debhelper.log
