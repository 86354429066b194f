#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# synflood.sh [SYNS] - memory and time of the plugin under a SYN flood.
#
# Writes SYNS SYNs (default 1000000), every one from a distinct address and
# port (fuzz/make_hostile.py --synflood), and dissects them with the plain
# build of the plugin (build/, made if missing) and TCPWAVE_MEMSTATS=1, then
# without any plugin.  Reports the plugin's own bytes per connection (its
# tables), tshark's peak RSS with and without it, and both times.  Fails
# when the plugin holds more than LIMIT bytes per connection (default 512)
# or makes tshark more than 4 times slower (+10 s): a cost per connection
# that grows with the number of connections.
#
# Environment: PLUGIN_DIR (default the build/ build), LIMIT.
set -euo pipefail
source "$(dirname "$0")/../tools/tw.sh"
syns=${1:-1000000}
limit=${LIMIT:-512}
if [ -n "${PLUGIN_DIR:-}" ]; then plugin_dir=$(tw_readable "$PLUGIN_DIR"); else plugin_dir=$(tw_plugin_dir build -DCMAKE_BUILD_TYPE=RelWithDebInfo); fi
work=$(tw_scratch synflood)
mkdir -m 755 "$work/none"
pcap=$($TW_PY "$TW_ROOT/fuzz/make_hostile.py" --synflood "$syns" --out "$work")
chmod 644 "$pcap"
echo "synflood: $syns SYNs, $(du -h "$pcap" | cut -f1) capture"

measure() { # PLUGIN_DIR OUT: tshark's peak RSS (kB) and time (s) on stderr lines of OUT
    tw_run "$1" TCPWAVE_MEMSTATS=1 -- /usr/bin/time -f "peak_rss_kb %M seconds %e" \
        tshark -r "$pcap" -T fields -e frame.number >/dev/null 2>"$2"
}
measure "$plugin_dir" "$work/with.txt"
measure "$work/none" "$work/without.txt"
read -r _ rss_with _ s_with < <(grep peak_rss_kb "$work/with.txt")
read -r _ rss_without _ s_without < <(grep peak_rss_kb "$work/without.txt")
line=$(grep 'tcpwave memory:' "$work/with.txt") || { cat "$work/with.txt"; exit 1; }
echo "synflood: $line"
conns=$(sed -E 's/.*connections ([0-9]+) \|.*/\1/' <<<"$line")
total=$(sed -E 's/.* total ([0-9]+)$/\1/' <<<"$line")
per=$((total / conns))
echo "synflood: plugin tables: $per bytes per connection ($total bytes for $conns connections)"
echo "synflood: tshark peak RSS: ${rss_with} kB with tcpwave, ${rss_without} kB without:" \
    "$(((rss_with - rss_without) * 1024 / conns)) bytes per connection"
echo "synflood: time: ${s_with}s with tcpwave, ${s_without}s without"
status=0
if [ "$per" -gt "$limit" ]; then
    echo "synflood: FAIL: more than $limit bytes per connection"
    status=1
fi
if awk -v a="$s_with" -v b="$s_without" 'BEGIN { exit !(a > 4 * b + 10) }'; then
    echo "synflood: FAIL: tcpwave makes tshark more than 4 times slower"
    status=1
fi
exit $status
