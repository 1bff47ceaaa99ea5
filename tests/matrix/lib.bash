# shellcheck shell=bash
# Shared helpers of the kernel matrix (tests/matrix/*): the suites and
# their kernel flavours, a private apt state per suite, and chroot mounts.

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../vm/lib.sh"

# Everything the matrix downloads or builds lives here, never in the tree.
MATRIX_CACHE=$UIO_MSI_VM_CACHE/matrix

# The archive; a local mirror can stand in (same layout).
MATRIX_MIRROR=${UIO_MSI_MIRROR:-http://deb.debian.org/debian}
MATRIX_SECURITY_MIRROR=${UIO_MSI_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

# The matrix: suites in order, and the kernel flavours of each (Debian's
# metapackages linux-image-FLAVOUR / linux-headers-FLAVOUR).
# shellcheck disable=SC2034 # used by the scripts that source this file
MATRIX_SUITES=(bullseye bookworm trixie sid)
# shellcheck disable=SC2034 # used by the scripts that source this file
declare -A MATRIX_FLAVOURS=(
	[bullseye]="amd64"
	[bookworm]="amd64 rt-amd64"
	[trixie]="amd64 rt-amd64"
	[sid]="amd64"
)

# apt sources of SUITE, one "deb URI SUITE main" line each.  Released
# suites get their -updates and -security (where the LTS team also
# publishes for bullseye) pockets: the newest kernel of a suite is there.
matrix_sources() { # SUITE
	echo "deb $MATRIX_MIRROR $1 main"
	[[ $1 == sid ]] && return 0
	echo "deb $MATRIX_MIRROR $1-updates main"
	echo "deb $MATRIX_SECURITY_MIRROR $1-security main"
}

# The host's apt settings that concern reaching the archive (proxies,
# Valid-Until checks of a snapshot mirror), for chroots and private
# states: the same network access as the host's own apt.
matrix_host_apt_conf() {
	apt-config dump 2>/dev/null |
		grep -E '^Acquire::((https?|ftp)::Proxy|Check-Valid-Until|Check-Date|ForceIPv[46]|Retries)( |::)' || true
}

# A private apt state for SUITE, independent of this machine's sources
# and of its dpkg status: its lists and config under
# $MATRIX_CACHE/apt/SUITE.  apt reads the file named by APT_CONFIG first,
# then the host's apt.conf.d (proxies stay in effect).  Prints the path
# of that file: `APT_CONFIG=$(matrix_apt_config SUITE) apt-cache ...`.
matrix_apt_config() { # SUITE
	local dir=$MATRIX_CACHE/apt/$1
	mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$dir/sources.list.d" \
		"$dir/preferences.d"
	[[ -f $dir/status ]] || : >"$dir/status"
	matrix_sources "$1" >"$dir/sources.list.tmp"
	mv "$dir/sources.list.tmp" "$dir/sources.list"
	cat >"$dir/apt.conf.tmp" <<EOF
// Private apt state of the uio_msi kernel matrix for $1 (tests/matrix).
Dir::State "$dir";
Dir::State::lists "$dir/lists";
Dir::State::status "$dir/status";
Dir::Cache "$dir";
Dir::Cache::archives "$dir/archives";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Dir::Etc::SourceList "$dir/sources.list";
Dir::Etc::SourceParts "$dir/sources.list.d";
Dir::Etc::Preferences "$dir/preferences";
Dir::Etc::PreferencesParts "$dir/preferences.d";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
EOF
	mv "$dir/apt.conf.tmp" "$dir/apt.conf"
	printf '%s\n' "$dir/apt.conf"
}

# apt-get update of SUITE's private state (a few seconds; run once per
# matrix run, so that "the newest kernel" is the archive's of today).
matrix_apt_update() { # SUITE
	local conf
	conf=$(matrix_apt_config "$1")
	APT_CONFIG=$conf apt-get -q -o APT::Sandbox::User=root update >&2 ||
		die "apt-get update of the $1 suite failed (mirror $MATRIX_MIRROR)"
}

# The kernel (uname -r) that SUITE's linux-image-FLAVOUR metapackage
# depends on today, e.g. 6.1.0-56-rt-amd64.
matrix_resolve_kver() { # SUITE FLAVOUR
	local conf kver
	conf=$(matrix_apt_config "$1")
	kver=$(APT_CONFIG=$conf apt-cache depends "linux-image-$2" 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: linux-image-\(.*\)$/\1/p' | head -n 1)
	[[ -n $kver ]] || die "cannot resolve linux-image-$2 in $1 (apt lists of $MATRIX_CACHE/apt/$1)"
	printf '%s\n' "$kver"
}

# Candidate version of PACKAGE in SUITE (empty if unknown).
matrix_candidate() { # SUITE PACKAGE
	local conf ver
	conf=$(matrix_apt_config "$1")
	ver=$(APT_CONFIG=$conf apt-cache policy "$2" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	[[ $ver == "(none)" ]] || printf '%s\n' "$ver"
}

# --- chroots -----------------------------------------------------------

# Mount what apt, dpkg and kbuild need in the chroot ROOT; matrix_umount
# undoes it (also after a partial mount).  /dev is a bind mount of the
# host's, not recursive: nothing below it is needed.
matrix_mount() { # ROOT
	local root=$1
	mkdir -p "$root/proc" "$root/dev" "$root/sys"
	mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
	mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
	mountpoint -q "$root/sys" || mount -t sysfs -o ro sysfs "$root/sys"
}

# Unmount everything mounted below ROOT, deepest first.  Safe to call
# when nothing is mounted.
matrix_umount() { # ROOT
	local root mp
	root=$(realpath -m -- "$1")
	[[ -d $root ]] || return 0
	while IFS= read -r mp; do
		umount "$mp" 2>/dev/null || umount -l "$mp" ||
			warn "cannot unmount $mp"
	done < <(awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts |
		sort -r)
}

# Whether anything is still mounted below ROOT (before deleting it).
matrix_mounted() { # ROOT
	local root
	root=$(realpath -m -- "$1")
	awk -v r="$root" '$2 == r || index($2, r "/") == 1 { f = 1 } END { exit !f }' /proc/self/mounts
}

# Delete a chroot tree, refusing while anything is mounted in it (rm -rf
# would go into the host's /dev or /proc otherwise).
matrix_rm_tree() { # DIR
	[[ -e $1 ]] || return 0
	matrix_umount "$1"
	! matrix_mounted "$1" || die "$1 still has mounts; not deleting it"
	rm -rf --one-file-system -- "$1"
}

# Run COMMAND in the chroot ROOT with a clean environment.
matrix_in_chroot() { # ROOT COMMAND...
	local root=$1
	shift
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive chroot "$root" "$@"
}
