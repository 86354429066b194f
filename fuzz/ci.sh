#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ci.sh - the bounded robustness run for CI (under 10 minutes on 2 cores):
#   fuzz/fsm.sh 60              libFuzzer on the state machine for 60 s
#   fuzz/tshark-fuzz.sh 300 1   300 mutated captures through the ASan build
#   fuzz/valgrind.sh            memcheck over every capture of pcaps/
#   fuzz/synflood.sh 100000     memory and time under a SYN flood
# Each runs even if an earlier one failed; the script fails if any did.
# Expects the builds of scripts/test.sh (build/, build-asan/); makes them if
# missing.  Longer campaigns: run the scripts themselves with bigger numbers.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
failed=()
step() {
    local name=$1 start=$SECONDS
    shift
    echo "=== $name"
    if "$@"; then
        echo "=== $name: ok ($((SECONDS - start))s)"
    else
        echo "=== $name: FAILED ($((SECONDS - start))s)"
        failed+=("$name")
    fi
}
step "state machine fuzzing" "$here/fsm.sh" "${FSM_SECONDS:-60}"
step "tshark fuzzing" "$here/tshark-fuzz.sh" "${TSHARK_ITERATIONS:-300}" "${TSHARK_SEED:-1}"
step "valgrind" "$here/valgrind.sh"
step "SYN flood" "$here/synflood.sh" "${SYNFLOOD_SYNS:-100000}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz/ci.sh: FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzz/ci.sh: all passed"
