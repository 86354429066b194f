#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# valgrind.sh [CAPTURE...] - memcheck of tshark with the plugin over every
# capture of pcaps/ (or the ones given).
#
# Each capture is dissected twice (-2) with every tcpwave output on (-V, the
# Info column preference, -z tcpwave,stat, conv, states and ladder) by the plain
# build of the plugin (build/, made if missing) under valgrind memcheck
# --leak-check=full.  fuzz/vgreport.py then fails the run on any invalid
# read, write or free, use of uninitialised memory, or definitely lost block
# whose stack has a tcpwave frame; errors elsewhere (Wireshark, GLib) are
# counted only.  Logs: /tmp/tcpwave-valgrind/.
#
# Environment: JOBS (parallel runs, default nproc), PLUGIN_DIR (default the
# build/ build).
set -uo pipefail
source "$(dirname "$0")/../tools/tw.sh"
if [ -n "${PLUGIN_DIR:-}" ]; then plugin_dir=$(tw_readable "$PLUGIN_DIR"); else plugin_dir=$(tw_plugin_dir build -DCMAKE_BUILD_TYPE=RelWithDebInfo); fi
logs=/tmp/tcpwave-valgrind
# Wireshark's own: see the file.
suppressions=$(tw_readable "$TW_ROOT/fuzz/tshark-stat-tables.supp")
rm -rf "$logs"
mkdir -p "$logs"
chmod 777 "$logs"
if [ $# -gt 0 ]; then
    captures=()
    for f in "$@"; do captures+=("$(tw_readable "$f")"); done
else
    mapfile -t captures < <(tw_captures)
fi
echo "valgrind: ${#captures[@]} captures, plugin $plugin_dir"

one() {
    local file=$1 name
    name=$(basename "$(dirname "$file")")-$(basename "$file")
    # shellcheck disable=SC2086
    tw_run "$plugin_dir" -- timeout 900 valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
        --suppressions="$suppressions" --keep-debuginfo=yes --num-callers=40 --log-file="$logs/$name.vg" \
        tshark -r "$file" -2 $TW_ALL_OUTPUTS \
        >"$logs/$name.out" 2>&1
    echo "$? $name"
}

start=$SECONDS
for file in "${captures[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$TW_JOBS" ]; do
        wait -n
    done
    one "$file" >>"$logs/status" &
done
wait
if grep -qE '^(124|137) ' "$logs/status"; then
    echo "valgrind: timed out: $(grep -E '^(124|137) ' "$logs/status" | cut -d' ' -f2 | tr '\n' ' ')"
    exit 1
fi
echo "valgrind: ${#captures[@]} runs in $((SECONDS - start))s, logs in $logs"
$TW_PY "$TW_ROOT/fuzz/vgreport.py" "$logs"/*.vg
