#!/bin/sh
# The whole suite, from a fresh Debian 12 machine: install the packages,
# build (warnings are errors), unit tests, tshark integration tests; then the
# same again with AddressSanitizer and UBSan.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/setup-deps.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure

# Sanitizers: tshark itself is not instrumented, so the runtime is preloaded.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTCPWAVE_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
TCPWAVE_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:verify_asan_link_order=0 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure
