#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/matrix.sh SUITE [--asan|--fresh] [--refresh] [--exec CMD...]
#
# Build tcpwave and run its whole suite against the Wireshark of another
# Debian suite, inside a throwaway root filesystem:
#
#   trixie    Debian 13, Wireshark 4.4
#   sid       Debian unstable, Wireshark 4.6 (whatever unstable has today)
#   bookworm  Debian 12, Wireshark 4.0 (the native suite; optional here)
#
# The suite's root is made once with debootstrap (minbase) plus the packages
# the suite needs, and cached under $TCPWAVE_CACHE/roots/SUITE (default
# /var/cache/tcpwave); it is remade when older than $TCPWAVE_ROOT_MAX_AGE
# days (default 7) or when --refresh is given.  Every run happens in an
# overlay on top of the cached root, inside a private mount namespace, so the
# cache stays clean, several runs can share it, and nothing stays mounted
# when the script ends (a trap unmounts; the namespace guarantees it).
#
# The packages come from the Debian mirror this machine's apt already uses
# (read from /etc/apt/sources.list*, or $TCPWAVE_MIRROR).
#
# Options:
#   --asan          also run the suite with the plugin built with ASan/UBSan
#                   (as scripts/test.sh does natively)
#   --refresh       remake the cached roots first
#   --base          run in the bare debootstrap root (no build packages):
#                   a "fresh system", for scripts/deb-test.sh
#   --fresh         the README's two commands on a fresh system: in the bare
#                   root, scripts/setup.sh then scripts/test.sh, as root, from
#                   the copy of the tree in /root/project (the .debs setup.sh
#                   downloads are cached in $TCPWAVE_CACHE/apt/SUITE)
#   --bind DIR      make host folder DIR visible as /out inside the root
#   --exec CMD...   instead of the suite, run CMD in the root (source tree
#                   at /src/tcpwave, current folder), e.g. --exec bash -i
#
# Inside the root the tree is copied to /root/project (/root is 0700, as on
# every Debian; /src/tcpwave is a symbolic link to it), so that the suite
# also proves it works from a folder user nobody cannot enter.
#   --prepare       only create or refresh the cached roots
#
# Needs root (debootstrap, chroot, mounts), debootstrap, and util-linux's
# unshare and flock.  Times for the cold root and the run are printed at the
# end.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }

SRC=${TCPWAVE_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
CACHE=${TCPWAVE_CACHE:-/var/cache/tcpwave}
MAX_AGE=${TCPWAVE_ROOT_MAX_AGE:-7}
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

# ---- Running inside the private mount namespace (internal) -------------------

# __inside ROOT BIND CMD...: overlay ROOT, mount /proc, /dev, /tmp (and the
# host folder BIND at /out unless empty), copy the source tree in, chroot and
# run CMD there.  Everything mounted here dies with the namespace anyway.
if [ "${1:-}" = __inside ]; then
    shift
    root=$1 bind=$2; shift 2
    run=$(mktemp -d "$CACHE/run.XXXXXX")
    merged=$run/merged
    mounted=()
    cleanup() {
        local i
        for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
        rm -rf "$run"
    }
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    mkdir -p "$run/upper" "$run/work" "$merged"
    if mount -t overlay overlay -o "lowerdir=$root,upperdir=$run/upper,workdir=$run/work" "$merged" 2>/dev/null; then
        mounted+=("$merged")
    else
        # No overlayfs: a full copy (slower, same result).
        cp -a --reflink=auto "$root/." "$merged/"
    fi
    mount -t proc proc "$merged/proc" && mounted+=("$merged/proc")
    mount --rbind /dev "$merged/dev" && mounted+=("$merged/dev")
    mount -t tmpfs -o mode=1777 tmpfs "$merged/tmp" && mounted+=("$merged/tmp")
    cp -L /etc/resolv.conf "$merged/etc/resolv.conf" 2>/dev/null || true
    if [ -n "$bind" ]; then
        mkdir -p "$merged/out"
        mount --bind "$bind" "$merged/out" && mounted+=("$merged/out")
    fi
    if [ -n "${TCPWAVE_APT_ARCHIVES:-}" ]; then
        mount --bind "$TCPWAVE_APT_ARCHIVES" "$merged/var/cache/apt/archives" && mounted+=("$merged/var/cache/apt/archives")
    fi
    mkdir -p "$merged/root/project" "$merged/src"
    # The working tree as it is (uncommitted changes included), no build output.
    tar -C "$SRC" --exclude=./.git --exclude=./build --exclude='./build-*' --exclude=__pycache__ \
        --exclude=.pytest_cache -cf - . | tar -C "$merged/root/project" -xf -
    chmod 700 "$merged/root"
    chmod 755 "$merged/src"
    ln -sfn /root/project "$merged/src/tcpwave"
    set +e
    chroot "$merged" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" DEBIAN_FRONTEND=noninteractive \
        /bin/sh -c 'cd /src/tcpwave && exec "$@"' sh "$@"
    rc=$?
    set -e
    exit $rc
fi

# ---- Options -------------------------------------------------------------------

ARGS=("$@")
SUITE= ASAN=0 REFRESH=0 BASE=0 FRESH=0 BIND= PREPARE=0 EXEC=()
while [ $# -gt 0 ]; do
    case $1 in
        --asan) ASAN=1 ;;
        --refresh) REFRESH=1 ;;
        --base) BASE=1 ;;
        --fresh) BASE=1 FRESH=1 ;;
        --bind) BIND=$(cd "$2" && pwd); shift ;;
        --prepare) PREPARE=1 ;;
        --exec) shift; EXEC=("$@"); break ;;
        -h|--help) usage 0 ;;
        -*) echo "matrix.sh: unknown option $1" >&2; usage ;;
        *) [ -z "$SUITE" ] || usage; SUITE=$1 ;;
    esac
    shift
done
case $SUITE in
    bookworm|trixie|forky|sid) ;;
    "") usage ;;
    *) echo "matrix.sh: unknown suite '$SUITE' (bookworm, trixie, sid)" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
    exec sudo -E "$0" "${ARGS[@]}"
fi
for tool in debootstrap unshare flock chroot; do
    command -v "$tool" >/dev/null || { echo "matrix.sh: $tool missing (apt-get install debootstrap util-linux)" >&2; exit 1; }
done

# ---- The mirror this machine's apt uses ---------------------------------------------

# The first enabled Debian archive URI in /etc/apt/sources.list{,.d/*.list,.d/*.sources}
# whose path ends in /debian (and the matching /debian-security, if any).
apt_uris() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        # deb822: skip stanzas with "Enabled: no".
        awk 'BEGIN { RS = ""; FS = "\n" }
             { on = 1; uris = ""
               for (i = 1; i <= NF; i++) {
                 if ($i ~ /^Enabled:[ \t]*no/) on = 0
                 if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); uris = $i } }
               if (on && uris != "") print uris }' "$f" | tr ' \t' '\n\n'
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        sed -n 's/^[ \t]*deb[ \t]\+\(\[[^]]*\][ \t]\+\)\{0,1\}\([^ \t]\+\).*/\2/p' "$f"
    done
}
MIRROR=${TCPWAVE_MIRROR:-$(apt_uris | grep -E '^(https?|file)://.*/debian/?$' | head -n1 | sed 's:/*$::')}
SECURITY=${TCPWAVE_SECURITY_MIRROR:-$(apt_uris | grep -E '^(https?|file)://.*/debian-security/?$' | head -n1 | sed 's:/*$::')}
if [ -z "$MIRROR" ]; then
    echo "matrix.sh: no Debian mirror in /etc/apt/sources.list*; set TCPWAVE_MIRROR=http://<mirror>/debian" >&2
    exit 1
fi

# ---- What the suite needs: scripts/packages.txt, as for scripts/setup-deps.sh -----------

# Without the "host" ones.  libclang-rt-NN-dev follows the suite's default
# clang (14 on bookworm), resolved inside the root.
PACKAGES=$(sed -e '/^[[:space:]]*#/d' "$SRC/scripts/packages.txt" | awk '$2 != "host" { print $1 }' | tr '\n' ' ')
PKG_SIG=$(echo "$SUITE $MIRROR $PACKAGES libclang-rt" | md5sum | cut -c1-12)

ROOTS=$CACHE/roots
BASE_ROOT=$ROOTS/$SUITE-base
DEV_ROOT=$ROOTS/$SUITE
mkdir -p "$ROOTS" "$CACHE/debs/$SUITE" "$CACHE/apt/$SUITE"
chmod 755 "$CACHE"

# run_in ROOT [BIND] -- CMD...: CMD chrooted in an overlay of ROOT, in a private
# mount namespace.
run_in() {
    local root=$1 bind=$2; shift 3
    TCPWAVE_SRC="$SRC" TCPWAVE_CACHE="$CACHE" unshare --mount --propagation private \
        "$0" __inside "$root" "$bind" "$@"
}

# chroot_apt ROOT CMD...: CMD chrooted directly in ROOT (provisioning writes
# the root itself), with the apt archive cache kept outside it.
chroot_apt() {
    local root=$1; shift
    TCPWAVE_CACHE="$CACHE" unshare --mount --propagation private /bin/bash -euc '
        root=$1 archives=$2; shift 2
        mounted=()
        cleanup() { local i; for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" || true; done; }
        trap cleanup EXIT
        mount -t proc proc "$root/proc" && mounted+=("$root/proc")
        mount --rbind /dev "$root/dev" && mounted+=("$root/dev")
        mount --bind "$archives" "$root/var/cache/apt/archives" && mounted+=("$root/var/cache/apt/archives")
        cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
        chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
            DEBIAN_FRONTEND=noninteractive "$@"
    ' sh "$root" "$CACHE/apt/$SUITE" "$@"
}

stale() { # stale ROOT: missing, old, or made for another package list
    [ "$REFRESH" = 1 ] && return 0
    [ -f "$1/.tcpwave-stamp" ] || return 0
    [ -n "$(find "$1/.tcpwave-stamp" -mtime +"$MAX_AGE")" ] && return 0
    [ "$1" = "$BASE_ROOT" ] || [ "$(sed -n 's/^packages=//p' "$1/.tcpwave-stamp")" = "$PKG_SIG" ] || return 0
    return 1
}

make_base() {
    local tmp=$ROOTS/$SUITE-base.new
    rm -rf "$tmp"
    echo "== debootstrap $SUITE (minbase) from $MIRROR"
    debootstrap --variant=minbase --cache-dir="$CACHE/debs/$SUITE" "$SUITE" "$tmp" "$MIRROR" \
        > "$ROOTS/$SUITE-debootstrap.log" 2>&1 || {
        tail -n 30 "$ROOTS/$SUITE-debootstrap.log" >&2; echo "matrix.sh: debootstrap failed" >&2; exit 1; }
    {
        echo "deb $MIRROR $SUITE main"
        if [ "$SUITE" != sid ]; then
            echo "deb $MIRROR $SUITE-updates main"
            [ -z "$SECURITY" ] || echo "deb $SECURITY $SUITE-security main"
        fi
    } > "$tmp/etc/apt/sources.list"
    # A mirror may serve a frozen copy of the archive (unstable's and the
    # security suites' Release files expire within days): accept it.
    echo 'Acquire::Check-Valid-Until "false";' > "$tmp/etc/apt/apt.conf.d/99-tcpwave-mirror"
    # No daemons started by package scripts; no docs or man pages.
    printf '#!/bin/sh\nexit 101\n' > "$tmp/usr/sbin/policy-rc.d"
    chmod 755 "$tmp/usr/sbin/policy-rc.d"
    printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' \
        > "$tmp/etc/dpkg/dpkg.cfg.d/01-tcpwave-nodoc"
    chroot_apt "$tmp" apt-get update -q > /dev/null
    rm -f "$tmp"/var/cache/apt/archives/*.deb   # debootstrap's copies: kept in $CACHE/debs
    echo "suite=$SUITE mirror=$MIRROR" > "$tmp/.tcpwave-stamp"
    rm -rf "$BASE_ROOT"
    mv "$tmp" "$BASE_ROOT"
}

make_dev() {
    local tmp=$ROOTS/$SUITE.new clang_rt
    rm -rf "$tmp"
    echo "== $SUITE: installing the build and test packages"
    cp -a --reflink=auto "$BASE_ROOT" "$tmp"
    rm -f "$tmp/.tcpwave-stamp"
    chroot_apt "$tmp" apt-get update -q > /dev/null
    # shellcheck disable=SC2086
    chroot_apt "$tmp" apt-get install -y -q --no-install-recommends $PACKAGES > "$ROOTS/$SUITE-apt.log" 2>&1 || {
        tail -n 30 "$ROOTS/$SUITE-apt.log" >&2; echo "matrix.sh: package installation failed" >&2; exit 1; }
    # The clang runtime matching the suite's clang (setup-deps.sh: libclang-rt-14-dev on bookworm).
    clang_rt=libclang-rt-$(chroot "$tmp" dpkg-query -W -f '${Depends}' clang | sed -n 's/.*clang-\([0-9]\+\).*/\1/p')-dev
    chroot_apt "$tmp" apt-get install -y -q --no-install-recommends "$clang_rt" >> "$ROOTS/$SUITE-apt.log" 2>&1 || {
        tail -n 30 "$ROOTS/$SUITE-apt.log" >&2; echo "matrix.sh: $clang_rt failed" >&2; exit 1; }
    # The .debs stay in $CACHE/apt/SUITE (outside the root) for the next
    # refresh; only those the archive no longer has are dropped.
    chroot_apt "$tmp" apt-get autoclean -q > /dev/null
    # Runs need no package lists (scripts/deb-test.sh installs into the base root).
    rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/apt/*.bin
    {
        echo "suite=$SUITE mirror=$MIRROR"
        echo "packages=$PKG_SIG"
        echo "clang_rt=$clang_rt"
        echo "wireshark=$(chroot "$tmp" dpkg-query -W -f '${Version}' tshark)"
    } > "$tmp/.tcpwave-stamp"
    rm -rf "$DEV_ROOT"
    mv "$tmp" "$DEV_ROOT"
}

# ---- Create or reuse the cached roots (exclusive), then run (shared) -----------------

t0=$(date +%s)
exec 9> "$ROOTS/$SUITE.lock"
flock -x 9
# Overlays of runs that were killed outright (their mounts died with them).
find "$CACHE" -maxdepth 1 -name 'run.*' -mmin +720 -exec rm -rf {} + 2>/dev/null || true
made=
if stale "$BASE_ROOT"; then make_base; made=1; fi
if [ "$BASE" = 0 ] && { [ -n "$made" ] || stale "$DEV_ROOT"; }; then make_dev; made=1; fi
flock -s 9
t1=$(date +%s)
ROOT=$DEV_ROOT
[ "$BASE" = 0 ] || ROOT=$BASE_ROOT
if [ -n "$made" ]; then
    echo "== $SUITE root made in $((t1 - t0)) s ($(du -sh "$ROOT" | cut -f1) cached in $ROOT)"
else
    echo "== $SUITE root reused from $ROOT (made $(date -r "$ROOT/.tcpwave-stamp" '+%F %R'))"
fi
[ "$PREPARE" = 0 ] || exit 0
if [ ${#EXEC[@]} -gt 0 ]; then
    run_in "$ROOT" "$BIND" -- "${EXEC[@]}"
    exit $?
fi
if [ "$FRESH" = 1 ]; then
    set +e
    TCPWAVE_APT_ARCHIVES=$CACHE/apt/$SUITE-fresh
    mkdir -p "$TCPWAVE_APT_ARCHIVES/partial"
    export TCPWAVE_APT_ARCHIVES
    # The sanitizer half of test.sh already ran natively in CI: here the fresh system's
    # point is the README's commands and their dependencies.
    run_in "$ROOT" "$BIND" -- /bin/sh -c 'cd /root/project && ls -ld /root && scripts/setup.sh && TCPWAVE_SANITIZERS=${TCPWAVE_SANITIZERS:-0} scripts/test.sh'
    rc=$?
    set -e
    t2=$(date +%s)
    echo "== $SUITE fresh system, README commands from /root/project: $( [ $rc = 0 ] && echo PASSED || echo "FAILED (exit $rc)"); root $((t1 - t0)) s, setup.sh and test.sh $((t2 - t1)) s"
    exit $rc
fi

# ---- The suite: the same build and CTest runs as scripts/test.sh ------------------

# shellcheck disable=SC2016
SUITE_SCRIPT='
set -eu
summary() { # the pytest and GLib counts behind the two CTest tests
    log=$1/Testing/Temporary/LastTest.log
    echo "== $1: unit_fsm $(grep -c "^ok " "$log") ok, $(grep -c "^not ok " "$log") not ok;" \
         "integration_tshark: $(grep -E "[0-9]+ (passed|failed)" "$log" | tail -n1)"
}
jobs=$(nproc)
echo "== $(tshark --version 2>/dev/null | head -n1) on $(. /etc/os-release; echo "$PRETTY_NAME")"
cmake -S . -B /build/normal -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build /build/normal -j"$jobs"
ctest --test-dir /build/normal --output-on-failure || { summary /build/normal; exit 1; }
summary /build/normal
if [ "$1" = 1 ]; then
    cmake -S . -B /build/asan -DCMAKE_BUILD_TYPE=Debug -DTCPWAVE_SANITIZE=ON >/dev/null
    cmake --build /build/asan -j"$jobs"
    TW_ROOT=$(pwd)
    . tools/tw.sh
    tw_sanitizers
    ctest --test-dir /build/asan --output-on-failure || { summary /build/asan; exit 1; }
    summary /build/asan
fi
'
set +e
run_in "$ROOT" "$BIND" -- /bin/sh -c "mkdir -p -m 755 /build && $SUITE_SCRIPT" sh "$ASAN"
rc=$?
set -e
t2=$(date +%s)
echo "== $SUITE: $( [ $rc = 0 ] && echo PASSED || echo "FAILED (exit $rc)"); root $((t1 - t0)) s ($( [ -n "$made" ] && echo cold || echo warm)), build and suite $((t2 - t1)) s"
exit $rc
