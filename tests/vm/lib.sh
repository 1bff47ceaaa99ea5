# shellcheck shell=bash
# Shared helpers of the uio_msi VM harness (sourced by tests/vm/*).

# shellcheck disable=SC2034 # used by the scripts that source this file
# Cache for everything downloaded or built: never inside the git tree.
UIO_MSI_VM_CACHE=${UIO_MSI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/uio-msi}

vm_prog=${0##*/}

die() {
	printf '%s: error: %s\n' "$vm_prog" "$*" >&2
	exit 1
}

warn() {
	printf '%s: warning: %s\n' "$vm_prog" "$*" >&2
}

note() {
	printf '%s: %s\n' "$vm_prog" "$*" >&2
}

# need_cmd CMD [PACKAGE]: fail clearly when a host tool is missing.
need_cmd() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found${2:+ (Debian package $2)}; run tests/vm/install-deps first"
}

# need_pkg PACKAGE: fail clearly when a Debian package is not installed.
need_pkg() {
	local status
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) || status=
	[[ $status == ii* ]] ||
		die "Debian package $1 is not installed; run tests/vm/install-deps first"
}

# A kernel is complete when it has the layout the harness relies on.
kernel_dir_ok() { # DIR KVER
	[[ -f $1/vmlinuz && -f $1/lib/modules/$2/modules.dep ]]
}
