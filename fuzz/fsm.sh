#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fsm.sh [SECONDS] - build the state machine's libFuzzer target and run it.
#
# Builds the CMake target fsm_fuzz (fuzz/fsm_fuzz.c and fsm/tw_fsm.c, clang
# -fsanitize=fuzzer,address,undefined) in build-fuzz/, replays the known
# reproducers of fuzz/regress/fsm/ (each must pass), then fuzzes for SECONDS
# (default 60) from the seed corpus fuzz/corpus/fsm/.  New corpus entries go
# to build-fuzz/corpus-fsm/, so the repository stays as it is; a crashing
# input is kept in build-fuzz/ and the script fails.
#
# A longer campaign: fuzz/fsm.sh 3600.  Reproduce a crash with every step
# printed: TCPWAVE_FUZZ_TRACE=1 build-fuzz/fsm_fuzz FILE.
set -euo pipefail
source "$(dirname "$0")/../tools/tw.sh"
seconds=${1:-60}
out=$TW_ROOT/build-fuzz
mkdir -p "$out/corpus-fsm"

CC=clang cmake -S "$TW_ROOT" -B "$out" -DTCPWAVE_FUZZ=ON -DTCPWAVE_BUILD_TESTS=OFF >/dev/null
cmake --build "$out" --target fsm_fuzz >/dev/null

regress=("$TW_ROOT"/fuzz/regress/fsm/*)
if [ -e "${regress[0]}" ]; then
    echo "fsm: replaying ${#regress[@]} reproducer(s) of fuzz/regress/fsm/"
    failed=0
    for f in "${regress[@]}"; do
        if ! "$out/fsm_fuzz" "$f" >"$out/regress.log" 2>&1; then
            echo "fsm: FAIL $f:"
            grep -E 'invariant|runtime error|ERROR' "$out/regress.log" | head -5 | sed 's/^/    /'
            failed=1
        fi
    done
    [ $failed -eq 0 ] || { echo "fsm: known reproducers still fail (TCPWAVE_FUZZ_TRACE=1 $out/fsm_fuzz FILE)"; exit 1; }
fi

echo "fsm: fuzzing for ${seconds}s"
cd "$out"
set +e
./fsm_fuzz -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/" corpus-fsm "$TW_ROOT/fuzz/corpus/fsm" >fsm.log 2>&1
rc=$?
set -e
grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE' fsm.log | sed 's/^/fsm: /' || true
if [ $rc -ne 0 ]; then
    grep -E -A6 'invariant broken|runtime error|ERROR: (AddressSanitizer|libFuzzer)' fsm.log | head -40
    echo "fsm: FAILED; input kept as: $(ls -t "$out"/crash-* "$out"/timeout-* "$out"/oom-* 2>/dev/null | head -1)"
    exit 1
fi
echo "fsm: ok ($(ls corpus-fsm | wc -l) corpus entries in build-fuzz/corpus-fsm)"
