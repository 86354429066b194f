#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what tcpwave needs to build, test and capture on Debian 12 (also
# 13 and unstable): the list in scripts/packages.txt, including debootstrap
# for scripts/matrix.sh and scripts/deb-test.sh (the other Wireshark versions).
set -eu
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -q
# The clang runtime matching the suite's clang (libclang-rt-14-dev on Debian 12).
clang_major=$(apt-cache depends clang 2>/dev/null | sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1)
# shellcheck disable=SC2046
$SUDO apt-get install -y -q --no-install-recommends \
    $(sed -e '/^[[:space:]]*#/d' "$(dirname "$0")/packages.txt" | awk '{ print $1 }') \
    "libclang-rt-${clang_major:-14}-dev"
