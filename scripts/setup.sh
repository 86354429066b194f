#!/bin/sh
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
echo "== pcaps/seed/seed-three-way.pcap (the seed's second listing), tshark -2:"
tshark -r pcaps/seed/seed-three-way.pcap -2 -o tcpwave.info_column:TRUE -T fields -E header=y \
    -e frame.number -e tcp.srcport -e tcp.dstport -e tcp.flags.str \
    -e tcpwave.role -e tcpwave.step -e tcpwave.state.client -e tcpwave.state.server -e tcpwave.close.type \
    | sed 's/\t/  /g'
echo
tshark -r pcaps/seed/seed-three-way.pcap -2 -o tcpwave.info_column:TRUE
