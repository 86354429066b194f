#!/bin/sh
# Install what tcpwave needs to build, test and capture on Debian 12 (also
# 13 and unstable), and debootstrap for scripts/matrix.sh and
# scripts/deb-test.sh (the other Wireshark versions).
set -eu
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -q
# The clang runtime matching the suite's clang (libclang-rt-14-dev on Debian 12).
clang_major=$(apt-cache depends clang 2>/dev/null | sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1)
$SUDO apt-get install -y -q --no-install-recommends \
    wireshark-dev tshark libglib2.0-dev pkg-config cmake gcc make \
    python3 python3-pytest python3-scapy util-linux procps iproute2 tcpdump \
    clang "libclang-rt-${clang_major:-14}-dev" valgrind time debootstrap
