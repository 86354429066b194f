# common.sh - sourced by the fuzz/ scripts (bash): where things are and how
# tshark is run, the way tests/conftest.py runs it.
#
# tshark gets a fresh HOME, TZ=UTC, an empty extcap folder and the plugin
# folder under test in WIRESHARK_PLUGIN_DIR.  As root it is run as nobody
# (root tshark ignores WIRESHARK_PLUGIN_DIR), so every file it reads must be
# readable by nobody: tw_scratch folders are.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3
JOBS=${JOBS:-$(nproc)}
# tshark is not instrumented: the ASan build's runtimes are preloaded.
ASAN_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
ASAN_ENV=(LD_PRELOAD="$ASAN_PRELOAD"
          ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:verify_asan_link_order=0:allocator_may_return_null=1
          UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
# What a sanitizer report or a tcpwave dissector bug looks like in stderr/stdout.
REPORT_RE='runtime error:|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|Dissector bug, protocol tcpwave'

# A scratch folder that nobody can read.
tw_scratch() {
    local d
    d=$(mktemp -d "${TMPDIR:-/tmp}/tcpwave-$1.XXXXXX")
    chmod 755 "$d"
    echo "$d"
}

# tw_run PLUGIN_DIR [VAR=value ...] -- COMMAND [ARGS...]
tw_run() {
    local plugin_dir=$1 home rc
    local -a envs=() pre
    shift
    while [ "$1" != "--" ]; do
        envs+=("$1")
        shift
    done
    shift
    home=$(mktemp -d "${TMPDIR:-/tmp}/tcpwave-home.XXXXXX")
    chmod 777 "$home"
    pre=(env -i PATH=/usr/bin:/bin HOME="$home" TZ=UTC LANG=C.UTF-8 WIRESHARK_PLUGIN_DIR="$plugin_dir"
         WIRESHARK_EXTCAP_DIR="$home" "${envs[@]}")
    if [ "$(id -u)" -eq 0 ]; then
        pre+=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    fi
    "${pre[@]}" "$@"
    rc=$?
    rm -rf "$home"
    return $rc
}

# The plugin folder of a build, built first if it is missing.
tw_plugin_dir() {
    local build=$1
    shift
    if ! ls "$ROOT/$build"/plugins/*/epan/tcpwave.so >/dev/null 2>&1; then
        cmake -S "$ROOT" -B "$ROOT/$build" "$@" >/dev/null
        cmake --build "$ROOT/$build" -j"$JOBS" >/dev/null
    fi
    [ "$(id -u)" -ne 0 ] || chmod -R a+rX "$ROOT/$build/plugins"
    echo "$ROOT/$build/plugins"
}

# Every capture file of the repository (fixtures and hostile captures),
# made readable by nobody as tests/conftest.py does.
tw_captures() {
    [ "$(id -u)" -ne 0 ] || chmod -R a+rX "$ROOT/pcaps"
    find "$ROOT/pcaps" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort
}
