#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/deb-test.sh [SUITE]
#
# Build tcpwave's .deb (cpack, packaging/deb.cmake) for a Debian suite's
# Wireshark and prove it installs as users install it: on a fresh system of
# that suite (a throwaway overlay on the bare debootstrap root that
# scripts/matrix.sh caches), `apt-get install ./tcpwave_*.deb` must pull the
# matching libwireshark and tshark from the archive, `tshark -G plugins` must
# list tcpwave from the global plugin folder, and tshark must annotate
# pcaps/seed/seed-three-way.pcap (one tcpwave.role per frame: 6 lines).
# Removing the package must take the plugin away again.
#
#   SUITE  trixie, sid or bookworm; default: this machine's own suite, where
#          the .deb is built natively (elsewhere it is built inside the
#          suite's cached build root).
#
# The .deb is left in $TCPWAVE_DEB_OUT (default build-deb/<suite>/ in the
# source tree).  Needs root, like scripts/matrix.sh.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
MATRIX=$SRC/scripts/matrix.sh
HOST_SUITE=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
SUITE=${1:-$HOST_SUITE}
case $SUITE in
    bookworm|trixie|forky|sid) ;;
    *) echo "usage: scripts/deb-test.sh [bookworm|trixie|sid] (this machine: '${HOST_SUITE}')" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
    exec sudo -E "$0" "$@"
fi
OUT=${TCPWAVE_DEB_OUT:-$SRC/build-deb/$SUITE}
rm -rf "$OUT"
mkdir -p "$OUT"
chmod 755 "$OUT"
t0=$(date +%s)

# ---- 1. Build the .deb ------------------------------------------------------------------

# shellcheck disable=SC2016
BUILD='set -eu
cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTCPWAVE_BUILD_TESTS=OFF >/dev/null
cmake --build "$1" -j"$(nproc)" >/dev/null
(cd "$1" && cpack -G DEB >/dev/null)
cp "$1"/tcpwave_*.deb "$2"/'
if [ "$SUITE" = "$HOST_SUITE" ]; then
    echo "== building the .deb natively ($HOST_SUITE)"
    build=$(mktemp -d)
    trap 'rm -rf "$build"' EXIT
    (cd "$SRC" && sh -c "$BUILD" sh "$build" "$OUT")
else
    echo "== building the .deb in the $SUITE root"
    "$MATRIX" "$SUITE" --bind "$OUT" --exec sh -c "$BUILD" sh /tmp/build-deb /out
fi
chmod 644 "$OUT"/*.deb
deb=$(ls "$OUT"/tcpwave_*.deb)
echo "== $(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
dpkg-deb -c "$deb" | awk '$NF ~ /\.so$/ {print "   " $NF}'

# ---- 2. Install it on a fresh system of the suite, check tshark loads it -----------------

# shellcheck disable=SC2016
CHECK='set -eu
cd /out
apt-get update -q >/dev/null
echo "== apt-get install ./$(ls tcpwave_*.deb)"
apt-get install -y -q ./tcpwave_*.deb >/tmp/apt.log 2>&1 || { tail -n 20 /tmp/apt.log; exit 1; }
grep -E "^(Setting up|Unpacking) (tcpwave|libwireshark[0-9]|tshark)" /tmp/apt.log | sed "s/^/   /"
so=$(dpkg -L tcpwave | grep "/tcpwave\.so$")
echo "== installed $so"
plugins=$(tshark -G plugins 2>/dev/null)
echo "$plugins" | grep tcpwave || { echo "FAIL: tshark -G plugins does not list tcpwave"; exit 1; }
echo "$plugins" | grep -q "	$so\$" || { echo "FAIL: tcpwave not loaded from $so"; exit 1; }
lines=$(tshark -r /src/tcpwave/pcaps/seed/seed-three-way.pcap -Y tcpwave.role -T fields -e tcpwave.role 2>/dev/null | wc -l)
echo "== tshark -r pcaps/seed/seed-three-way.pcap -Y tcpwave.role: $lines lines"
[ "$lines" = 6 ] || { echo "FAIL: expected 6 annotated frames"; exit 1; }
tshark -r /src/tcpwave/pcaps/seed/seed-three-way.pcap -q -z tcpwave,stat 2>/dev/null | grep -q "^Three-way close *| *1 " \
    || { echo "FAIL: -z tcpwave,stat does not count the three-way close"; exit 1; }
apt-get remove -y -q tcpwave >/dev/null 2>&1
if [ -e "$so" ] || tshark -G plugins 2>/dev/null | grep -q tcpwave; then echo "FAIL: still there after apt-get remove"; exit 1; fi
echo "== apt-get remove tcpwave: plugin gone"'
echo "== installing on a fresh $SUITE system"
set +e
"$MATRIX" "$SUITE" --base --bind "$OUT" --exec sh -c "$CHECK"
rc=$?
set -e
echo "== deb-test $SUITE: $( [ $rc = 0 ] && echo PASSED || echo FAILED ) in $(( $(date +%s) - t0 )) s; package: $deb"
exit $rc
