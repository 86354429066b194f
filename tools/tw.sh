# SPDX-License-Identifier: GPL-2.0-or-later
# tools/tw.sh - sourced (sh or bash) by scripts/, fuzz/ and bench/: the shell
# twin of tools/twrun.py (keep the two in step).  Sourcing it defines the
# functions below and TW_ROOT, TW_ALL_OUTPUTS, TW_REPORT_RE, and makes a
# session folder TW_SESSION under /tmp that anyone can read (removed on exit
# by an EXIT trap; a script with a trap of its own calls tw_cleanup in it).
#
# tshark gets a fresh HOME, TZ=UTC, an empty extcap folder and the plugin
# folder under test in WIRESHARK_PLUGIN_DIR.  As root it runs as user nobody
# (root tshark ignores WIRESHARK_PLUGIN_DIR), and nobody may be unable to
# enter the checkout (a clone under /root, a 0700 home): tw_plugin_dir and
# tw_captures then hand out copies in TW_SESSION, and tw_readable FILE does
# the same for any other file.

if [ -n "${BASH_SOURCE:-}" ]; then
    TW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
else
    # sh has no name for a sourced file: the sourcing script is one level down.
    TW_ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
fi
TW_PY=/usr/bin/python3
# How root becomes user nobody (word-split on purpose).
TW_AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
TW_JOBS=${JOBS:-$(nproc)}
# Every tcpwave output on (word-split on purpose: no argument has a space).
TW_ALL_OUTPUTS=$(sed -e '/^[[:space:]]*#/d' "$TW_ROOT/tools/all-outputs.args" | tr '\n' ' ')
# What a sanitizer report or a tcpwave dissector bug looks like in tshark's output.
TW_REPORT_RE='runtime error:|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|Dissector bug, protocol tcpwave'

# tw_sanitizers: the sanitizer environment, the one place it is spelled.  The
# ASan/UBSan build's runtimes are preloaded into tshark (TCPWAVE_PRELOAD; tshark
# is not instrumented).  allocator_may_return_null: Wireshark's own reaction
# to a huge allocation (a damaged capture's length) is not a tcpwave bug.
tw_sanitizers() {
    TCPWAVE_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:verify_asan_link_order=0:allocator_may_return_null=1
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    export TCPWAVE_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS
}

tw_cleanup() {
    [ -z "${TW_SESSION:-}" ] || rm -rf "$TW_SESSION"
}

TW_SESSION=$(mktemp -d /tmp/tcpwave-session.XXXXXX)
chmod 755 "$TW_SESSION"
mkdir -m 755 "$TW_SESSION/empty-extcap" "$TW_SESSION/no-plugins" "$TW_SESSION/files"
trap tw_cleanup EXIT

_tw_root() { [ "$(id -u)" -eq 0 ]; }

# tw_scratch NAME: a new folder in the session that nobody can read.
tw_scratch() {
    _tw_d=$(mktemp -d "$TW_SESSION/$1.XXXXXX")
    chmod 755 "$_tw_d"
    echo "$_tw_d"
}

# tw_nobody_can_read PATH: every folder above PATH enterable by others, PATH readable.
tw_nobody_can_read() {
    _tw_p=$(realpath "$1") || return 1
    [ -d "$_tw_p" ] && _tw_need=r-x || _tw_need=r--
    _tw_other=$(stat -c %A "$_tw_p" | cut -c8-10)
    case $_tw_need:$_tw_other in
        r-x:r?x|r-x:r?t|r--:r??) ;;
        *) return 1 ;;
    esac
    while [ "$_tw_p" != / ]; do
        _tw_p=$(dirname "$_tw_p")
        case $(stat -c %A "$_tw_p" | cut -c10) in x|t) ;; *) return 1 ;; esac
    done
}

# tw_copy PATH: a copy of PATH (file or folder) in the session, readable by anyone.
tw_copy() {
    _tw_src=$(realpath "$1")
    _tw_dst=$TW_SESSION/files$_tw_src
    rm -rf "$_tw_dst"
    mkdir -p "$(dirname "$_tw_dst")"
    cp -R "$_tw_src" "$_tw_dst"
    chmod -R a+rX "$TW_SESSION/files"
    echo "$_tw_dst"
}

# tw_readable PATH: PATH if nobody can read it (or we are not root), else its copy.
tw_readable() {
    if ! _tw_root || tw_nobody_can_read "$1"; then echo "$1"; else tw_copy "$1"; fi
}

# tw_plugin_dir BUILD [CMAKE ARGS...]: the plugin folder of build folder BUILD
# (relative to the checkout), built first if missing; as root a copy in the
# session (a snapshot: a rebuild meanwhile cannot mix builds).
tw_plugin_dir() {
    _tw_b=$1
    shift
    if ! ls "$TW_ROOT/$_tw_b"/plugins/*/epan/tcpwave.so >/dev/null 2>&1; then
        cmake -S "$TW_ROOT" -B "$TW_ROOT/$_tw_b" "$@" >/dev/null
        cmake --build "$TW_ROOT/$_tw_b" -j"$TW_JOBS" >/dev/null
    fi
    if _tw_root; then tw_copy "$TW_ROOT/$_tw_b/plugins"; else echo "$TW_ROOT/$_tw_b/plugins"; fi
}

# tw_captures: every capture file of pcaps/ (fixtures and hostile captures),
# one a line, sorted, as paths tshark can read.
tw_captures() {
    _tw_pcaps=$(tw_readable "$TW_ROOT/pcaps")
    find "$_tw_pcaps" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort
}

# tw_run PLUGIN_DIR [VAR=value ...] -- COMMAND [ARGS...]: COMMAND (tshark,
# or e.g. valgrind tshark ...) in tshark's clean environment, as nobody when
# root; PLUGIN_DIR "" means no plugins.  TCPWAVE_PRELOAD and the sanitizer
# options (tw_sanitizers) are passed on when set.
tw_run() {
    _tw_pd=${1:-$TW_SESSION/no-plugins}
    shift
    _tw_home=$(mktemp -d "$TW_SESSION/home.XXXXXX")
    chmod 777 "$_tw_home"
    # Rebuild the arguments as: env -i BASE... VAR=value... [setpriv...] COMMAND...
    _tw_n=$#
    set -- "$@" env -i PATH=/usr/bin:/bin HOME="$_tw_home" TZ=UTC LANG=C.UTF-8 \
        WIRESHARK_PLUGIN_DIR="$_tw_pd" WIRESHARK_EXTCAP_DIR="$TW_SESSION/empty-extcap"
    [ -z "${TCPWAVE_PRELOAD:-}" ] || set -- "$@" LD_PRELOAD="$TCPWAVE_PRELOAD"
    for _tw_v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
        eval "[ -z \"\${$_tw_v+x}\" ] || set -- \"\$@\" $_tw_v=\"\$$_tw_v\""
    done
    _tw_cmd=0
    while [ "$_tw_n" -gt 0 ]; do
        if [ "$_tw_cmd" = 0 ] && [ "$1" = -- ]; then
            _tw_cmd=1
            # shellcheck disable=SC2086
            if _tw_root; then set -- "$@" $TW_AS_NOBODY; fi
        else
            set -- "$@" "$1"
        fi
        shift
        _tw_n=$((_tw_n - 1))
    done
    "$@"
    _tw_rc=$?
    rm -rf "$_tw_home"
    return $_tw_rc
}
