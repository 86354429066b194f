#!/bin/sh
# Install what tcpwave needs to build, test and capture on Debian 12.
set -eu
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
    wireshark-dev tshark libglib2.0-dev pkg-config cmake gcc make \
    python3 python3-pytest python3-scapy util-linux procps iproute2 tcpdump \
    clang libclang-rt-14-dev valgrind time
