#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole suite, from a fresh Debian 12 machine: install the packages,
# build (warnings are errors), unit tests, tshark integration tests; then the
# same again with AddressSanitizer and UBSan.
set -eu
cd "$(dirname "$0")/.."
TW_ROOT=$(pwd)
. tools/tw.sh
jobs=$(nproc)

scripts/setup-deps.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure

# Sanitizers: tshark itself is not instrumented, so the runtime is preloaded
# (tools/tw.sh's tw_sanitizers).  TCPWAVE_SANITIZERS=0 stops here (CI's
# fresh-system check, whose machine already ran this half natively).
[ "${TCPWAVE_SANITIZERS:-1}" != 0 ] || exit 0
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTCPWAVE_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
tw_sanitizers
ctest --test-dir build-asan --output-on-failure
