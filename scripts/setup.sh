#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fresh Debian 12 to a working tcpwave: install the packages, build, install
# the plugin where tshark loads it, and show it on the seed's capture.
set -eu
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
if [ "$(id -u)" -ne 0 ]; then sudo cmake --install build; else cmake --install build; fi
echo
tshark -G plugins | grep tcpwave
echo
echo "== pcaps/seed/seed-three-way.pcap (the seed's second listing): Info column with tcpwave's step and states"
tshark -r pcaps/seed/seed-three-way.pcap -2 -o tcpwave.info_column:TRUE 2>/dev/null
tshark -r pcaps/seed/seed-three-way.pcap -q -z tcpwave,ladder 2>/dev/null
