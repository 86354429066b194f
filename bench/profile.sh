#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Profile what tcpwave costs tshark, with instruction counts (repeatable on a
# noisy machine): valgrind --tool=callgrind over the same generated capture,
#   A   tshark -q -r F -z tcpwave,stat        plugin loaded
#   B   tshark -q -r F -z conv,tcp            no plugin
#   B+  tshark -q -r F -z conv,tcp            plugin loaded
#   F   tshark -q -r F -z io,stat,0,tcp.flags.fin==1   no plugin (a tree with one primed field)
#   S+  tshark -r F > /dev/null               plugin loaded
#   S-  tshark -r F > /dev/null               no plugin
#   0   tshark -r F -c 1                      start-up only, subtracted from the totals
# then the functions whose instruction counts grow with the plugin
# (bench/cgdiff.py) and the plugin's own functions, inclusive.
#
#   bench/profile.sh [connections]     default 20000 (about 204,000 packets;
#                                      each callgrind run takes 1-3 minutes)
#   PERF=1 bench/profile.sh            also perf record (cpu-clock sampling) of A
#
# Output: $TCPWAVE_BENCH_DIR/profile (default /tmp/tcpwave-bench/profile):
# cg.*.out (open with callgrind_annotate or kcachegrind) and summary.txt.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tools/tw.sh"
conns=${1:-20000}
base=${TCPWAVE_BENCH_DIR:-/tmp/tcpwave-bench}
build_dir=${TCPWAVE_BUILD_DIR:-$here/../build}
out=$base/profile
mkdir -p "$base" "$out"
chmod 755 "$base"
chmod 777 "$out"

# Profile a snapshot of the build: a rebuild during the run must not mix builds.
rm -rf "$out/plugin-snapshot"
cp -r "${TCPWAVE_PLUGIN_DIR:-$build_dir/plugins}" "$out/plugin-snapshot"
chmod -R a+rX "$out/plugin-snapshot"
plugins=$out/plugin-snapshot
build="tcpwave.so sha1 $(sha1sum "$plugins"/*/epan/tcpwave.so | cut -c1-12), source commit $(git -C "$here/.." rev-parse --short HEAD 2>/dev/null || echo '?')"

cmake --build "$build_dir" --target gen >/dev/null
pcap=$base/profile-$conns.pcap
[ -s "$pcap" ] || "$build_dir/gen" --connections "$conns" --seed 1 --out "$pcap" --truth "$base/profile-$conns.tsv" \
    2> "$out/gen.txt"
chmod a+r "$pcap"
packets=$(sed -n 's/.* connections, \([0-9]*\) packets.*/\1/p' "$out/gen.txt" 2>/dev/null || true)
[ -n "$packets" ] || packets=$(capinfos -c -M "$pcap" | sed -n 's/.*packets: *//p')

run() { # plugin-dir outfile tool-and-args...: tools/tw.sh's tw_run
    pd=$1 o=$2
    shift 2
    tw_run "$pd" -- "$@" > "$o"
}
cg() { # name plugin-dir tshark-args...
    name=$1 pd=$2
    shift 2
    echo "callgrind $name: tshark $*" >&2
    run "$pd" /dev/null valgrind --tool=callgrind --callgrind-out-file="$out/cg.$name.out" tshark "$@" \
        2> "$out/cg.$name.log"
}
none=

# Two at a time: instruction counts do not depend on what else runs.
cg A "$plugins" -q -r "$pcap" -z tcpwave,stat & cg B "$none" -q -r "$pcap" -z conv,tcp; wait
cg B+ "$plugins" -q -r "$pcap" -z conv,tcp & cg F "$none" -q -r "$pcap" -z io,stat,0,tcp.flags.fin==1; wait
cg S+ "$plugins" -r "$pcap" & cg S- "$none" -r "$pcap"; wait
cg 0 "$none" -r "$pcap" -c 1 & cg 0+ "$plugins" -r "$pcap" -c 1; wait

{
    echo "tcpwave profile: $(date -u '+%Y-%m-%d %H:%M UTC'), $conns connections, $packets packets, $(nproc) cores"
    echo "tshark $(tshark -v 2>/dev/null | sed -n '1s/^TShark (Wireshark) //p'); $build"
    for pair in "A B" "B+ B" "F B" "S+ S-" "A B+"; do
        set -- $pair
        echo
        echo "==== $1 versus $2 ===="
        python3 "$here/cgdiff.py" "$out/cg.$1.out" "$out/cg.$2.out" --startup "$out/cg.0.out" --packets "$packets" \
            --top 30
    done
    echo
    echo "==== tcpwave's own functions in A (inclusive Ir) ===="
    callgrind_annotate --inclusive=yes --threshold=100 "$out/cg.A.out" 2>/dev/null | grep -E 'tcpwave|tw_' | head -25
    echo
    echo "==== what dissect_tcpwave calls, in A (inclusive Ir, calls) ===="
    # Blocks of --tree=calling: the function (*) and its callees (>).
    callgrind_annotate --tree=calling --inclusive=yes --threshold=100 "$out/cg.A.out" 2>/dev/null |
        awk 'BEGIN { RS = "" } /\*[^\n]*dissect_tcpwave/ && />/ { print; print "" }' | cut -c1-150 | head -40
    echo
    echo "==== who calls the per-field priming work, in S+ (callers, inclusive) ===="
    callgrind_annotate --tree=caller --inclusive=yes --threshold=100 "$out/cg.S+.out" 2>/dev/null |
        awk 'BEGIN { RS = "" } /\*[^\n]*(g_ptr_array_free|proto_get_finfo_ptr_array|epan_dissect_prime_with_hfid_array)/ { print; print "" }' |
        cut -c1-150 | head -30
} > "$out/summary.txt" 2>&1
cat "$out/summary.txt"

if [ "${PERF:-0}" = 1 ]; then
    if perf record -e cpu-clock -o /dev/null true 2>/dev/null; then
        run "$plugins" /dev/null perf record -e cpu-clock -g -o "$out/perf.A.data" \
            tshark -q -r "$pcap" -z tcpwave,stat 2> "$out/perf.log" || true
        perf report -i "$out/perf.A.data" --no-children --sort dso,sym --stdio 2>/dev/null | head -60 \
            > "$out/perf.A.txt" || true
        echo "perf: $out/perf.A.txt"
    else
        echo "perf record unsupported here" >&2
    fi
fi
