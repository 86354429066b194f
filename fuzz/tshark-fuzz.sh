#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tshark-fuzz.sh [ITERATIONS] [SEED] - fuzz the plugin through tshark, as
# Wireshark's own tools/fuzz-test.sh does.
#
# Each iteration takes a capture of pcaps/ (in turn), mutates it with a fixed
# seed, and dissects it with the ASan+UBSan build of the plugin (sanitizer
# runtimes preloaded into tshark) and every tcpwave output on: tshark -V, the
# Info column preference, -z tcpwave,stat, -z tcpwave,conv,
# -z tcpwave,states and -z tcpwave,ladder; two passes (-2) on even iterations, one on odd ones.
# Mutations: editcap -E 0.02 --seed (random bytes changed, Wireshark's
# fuzz-test default), sometimes with a random snapshot length (-s) or chop
# (-C) on top, and on one iteration in five fuzz/retime.py (timestamp
# resolution and packet times: far future, negative, backwards); every tenth
# iteration a randpkt capture of random TCP/IP packets instead.
#
# A failure is a signal (crash), a run longer than TIMEOUT seconds (hang),
# a sanitizer report or a "Dissector bug, protocol tcpwave".  A failing
# input is rerun without the plugin: if tshark fails there too the bug is
# Wireshark's and is only listed.  Failing inputs are kept in
# /tmp/tcpwave-fuzz-failures/ with their output; the script then fails.
#
# Default: 100 iterations, seed 1.  Environment: JOBS (parallel runs,
# default nproc), TIMEOUT (default 60), ASAN_PLUGIN_DIR (default: the
# build-asan/ build, made if missing).
set -uo pipefail
source "$(dirname "$0")/../tools/tw.sh"
iterations=${1:-100}
seed=${2:-1}
timeout_s=${TIMEOUT:-60}
if [ -n "${ASAN_PLUGIN_DIR:-}" ]; then plugin_dir=$(tw_readable "$ASAN_PLUGIN_DIR"); else plugin_dir=$(tw_plugin_dir build-asan -DCMAKE_BUILD_TYPE=Debug -DTCPWAVE_SANITIZE=ON); fi
tw_sanitizers
keep=/tmp/tcpwave-fuzz-failures
work=$(tw_scratch tshark-fuzz)
empty=$(tw_scratch noplugins)
mapfile -t inputs < <(tw_captures)
echo "tshark-fuzz: $iterations iterations from seed $seed over ${#inputs[@]} captures, plugin $plugin_dir"

# run_tshark PLUGIN_DIR FILE PASSES OUT: 0 if clean, 1 if it failed.
run_tshark() {
    local dir=$1 file=$2 passes=$3 out=$4 rc
    local -a two=()
    [ "$passes" = 2 ] && two=(-2)
    # shellcheck disable=SC2086
    tw_run "$dir" -- timeout -k 5 "$timeout_s" tshark -r "$file" "${two[@]}" $TW_ALL_OUTPUTS >"$out" 2>&1
    rc=$?
    if [ $rc -ge 124 ] || grep -qE "$TW_REPORT_RE" "$out"; then
        echo "exit $rc" >>"$out"
        return 1
    fi
    return 0
}

# One iteration: make the input, run it, judge it.  Prints one status word.
iteration() {
    local i=$1 s=$((seed * 100003 + $1)) src in passes=$(($1 % 2 + 1)) how
    local rnd=$(((s * 1103515245 + 12345) & 0x7fffffff))
    in=$work/in-$i.pcapng
    if [ $((i % 10)) -eq 9 ]; then
        local types=(tcp ip ipv6 icmp eth)
        how="randpkt -b 1500 -c 200 -t ${types[$((rnd % 5))]} OUT"
        randpkt -b 1500 -c 200 -t "${types[$((rnd % 5))]}" "$in" >/dev/null 2>&1 || return 0
    else
        src=${inputs[$((i % ${#inputs[@]}))]}
        local extra=()
        case $((rnd % 7)) in
        0) extra=(-s $((34 + rnd % 40))) ;;
        1) extra=(-C $((rnd % 30))) ;;
        esac
        how="editcap -F pcapng -E 0.02 --seed $s ${extra[*]} $src OUT"
        editcap -F pcapng -E 0.02 --seed "$s" "${extra[@]}" "$src" "$in" >/dev/null 2>&1 || { echo skipped; return 0; }
        if [ $((i % 5)) -eq 2 ]; then
            how="$how; fuzz/retime.py OUT OUT $s"
            $TW_PY "$TW_ROOT/fuzz/retime.py" "$in" "$in.t" "$s" && mv "$in.t" "$in"
        fi
    fi
    chmod 644 "$in"
    if run_tshark "$plugin_dir" "$in" "$passes" "$work/out-$i.txt"; then
        rm -f "$in" "$work/out-$i.txt"
        echo ok
        return 0
    fi
    mkdir -p "$keep"
    local name=$keep/seed$seed-iter$i
    cp "$in" "$name.pcapng"
    cp "$work/out-$i.txt" "$name.txt"
    local two=""
    [ "$passes" = 2 ] && two=" -2"
    echo "made by: $how; run: tshark -r $name.pcapng$two $TW_ALL_OUTPUTS" >"$name.how"
    if ! run_tshark "$empty" "$in" "$passes" "$work/out-$i-noplugin.txt"; then
        echo "wireshark $name"
    else
        echo "FAIL $name"
    fi
    rm -f "$in" "$work"/out-$i*.txt
}

results=$work/results
: >"$results"
start=$SECONDS
for ((i = 0; i < iterations; i++)); do
    while [ "$(jobs -rp | wc -l)" -ge "$TW_JOBS" ]; do
        wait -n
    done
    iteration "$i" >>"$results" &
done
wait
ok=$(grep -c '^ok' "$results")
skipped=$(grep -c '^skipped' "$results")
echo "tshark-fuzz: $ok clean runs, $skipped inputs editcap could not read, in $((SECONDS - start))s"
grep '^wireshark' "$results" | sed 's/^wireshark /tshark-fuzz: fails without the plugin too (a Wireshark bug): /'
if grep -q '^FAIL' "$results"; then
    grep '^FAIL' "$results" | sed 's/^FAIL /tshark-fuzz: FAILED, kept as /'
    for f in $(grep '^FAIL' "$results" | cut -d' ' -f2); do
        echo "--- $f: $(cat "$f.how")"
        grep -E -m5 -A5 "$TW_REPORT_RE|^exit" "$f.txt"
    done
    exit 1
fi
