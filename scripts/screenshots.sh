#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Take the screenshots in docs/ (described in docs/screenshots.md): the real
# Wireshark Qt GUI with the tcpwave plugin, under Xvfb, driven by xdotool.
#
#   scripts/setup.sh          # once: build and install the plugin
#   scripts/screenshots.sh    # as root (or with sudo available): writes docs/*.png
#
# TCPWAVE_PLUGIN=build      load build/plugins/4.0/epan/tcpwave.so (default when
#                           it exists); Wireshark runs as user nobody, because
#                           Wireshark run as root ignores WIRESHARK_PLUGIN_DIR
# TCPWAVE_PLUGIN=installed  load the globally installed plugin (Wireshark runs
#                           as the calling user, root included)
# OUT=dir                   where to write the PNGs (default docs/)
# ONLY="menu outcomes ..."  take only these shots (names in the script)
# KEEP_RAW=1                also keep the unprocessed grabs in $OUT/raw/
#
# Everything is bounded in time: each wait is a loop with a limit, and every
# Wireshark runs under timeout(1).
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TW_ROOT=$ROOT
. tools/tw.sh
OUT=${OUT:-$ROOT/docs}
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi

# ---- packages -------------------------------------------------------------
need=
for c in wireshark:wireshark-qt Xvfb:xvfb xdotool:xdotool xdpyinfo:x11-utils \
         import:imagemagick pngquant:pngquant mergecap:wireshark-common \
         setpriv:util-linux timeout:coreutils; do
    command -v "${c%%:*}" >/dev/null 2>&1 || need="$need ${c#*:}"
done
# /usr/bin/convert is ImageMagick's; a stand-in earlier in PATH is not enough
[ -x /usr/bin/convert ] || need="$need imagemagick"
if [ -n "$need" ]; then
    $SUDO apt-get update -q
    # fonts: Qt draws nothing readable without at least one
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -q --no-install-recommends $need fonts-dejavu-core
fi

# ---- which plugin ---------------------------------------------------------
BUILT=$ROOT/build/plugins/4.0/epan/tcpwave.so
if [ -z "${TCPWAVE_PLUGIN:-}" ]; then
    if [ -f "$BUILT" ]; then TCPWAVE_PLUGIN=build; else TCPWAVE_PLUGIN=installed; fi
fi

WORK=$(mktemp -d /tmp/tcpwave-shots.XXXXXX)
chmod 755 "$WORK"
XVFB_PID=
WS_PID=
cleanup() {
    if [ -n "$WS_PID" ]; then kill "$WS_PID" 2>/dev/null || true; fi
    if [ -n "$XVFB_PID" ]; then kill "$XVFB_PID" 2>/dev/null || true; fi
    if [ "${KEEP_WORK:-}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
    tw_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Everything Wireshark reads lives in $WORK, so user nobody can read it even
# when the repository is under a private home.
mkdir -p "$WORK/home/.config/wireshark" "$WORK/pcaps" "$WORK/log" "$WORK/run"
chmod 700 "$WORK/run"
cp pcaps/seed/seed-four-way.pcap pcaps/seed/seed-three-way.pcap "$WORK/pcaps/"
mergecap -w "$WORK/pcaps/tcpwave-all.pcap" pcaps/kernel/*.pcap pcaps/seed/*.pcap \
    pcaps/crafted/simultaneous-close.pcap
mergecap -w "$WORK/pcaps/tcpwave-kernel.pcap" pcaps/kernel/*.pcap
cp pcaps/kernel/hosts/server_time_wait.pcap "$WORK/pcaps/"
# The I/O Graph's workload, known by construction (tools/time_wait_schedule.py:
# a server's TIME_WAIT climbs to 240, falls to 30 and stays there).
/usr/bin/python3 tools/time_wait_schedule.py "$WORK/pcaps/time-wait-schedule.pcap"
chmod 644 "$WORK"/pcaps/*

RUNAS=
case $TCPWAVE_PLUGIN in
build)
    [ -f "$BUILT" ] || { echo "no $BUILT: run scripts/setup.sh first" >&2; exit 1; }
    mkdir -p "$WORK/plugins/4.0/epan"
    cp "$BUILT" "$WORK/plugins/4.0/epan/"
    chmod -R a+rX "$WORK/plugins"
    PLUGIN_ENV="WIRESHARK_PLUGIN_DIR=$WORK/plugins"
    if [ "$(id -u)" -eq 0 ]; then
        RUNAS=$TW_AS_NOBODY
        chown -R 65534:65534 "$WORK/home" "$WORK/log" "$WORK/run"
    fi
    ;;
installed) PLUGIN_ENV="TCPWAVE_UNUSED=1" ;;
*) echo "TCPWAVE_PLUGIN must be build or installed" >&2; exit 2 ;;
esac

# A fresh profile: main window 1280x800 at 0,0, no byte view, no root
# warning, and columns that show tcpwave's fields next to the Info column.
cat >"$WORK/home/.config/wireshark/recent_common" <<'EOF'
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: 1280
gui.geometry_main_height: 800
gui.geometry_main_maximized: FALSE
privs.warn_if_elevated: FALSE
sys.warn_if_no_capture: FALSE
EOF
cat >"$WORK/home/.config/wireshark/recent" <<'EOF'
gui.byte_view_show: FALSE
gui.packet_diagram_show: FALSE
gui.geometry_main_upper_pane: 250
gui.time_format: RELATIVE
column.width:
	%m, 50,
	%t, 110,
	%uS, 70,
	%uD, 70,
	"%Cus:tcpwave.role", 135,
	"%Cus:tcpwave.step", 115,
	"%Cus:tcpwave.state.client", 105,
	"%Cus:tcpwave.state.server", 105,
	%i, -1
EOF
cat >"$WORK/home/.config/wireshark/preferences" <<'EOF'
gui.column.format:
	"No.", "%m",
	"Time", "%t",
	"Src port", "%uS",
	"Dst port", "%uD",
	"tcpwave role", "%Cus:tcpwave.role:0:R",
	"Step", "%Cus:tcpwave.step:0:R",
	"Client state", "%Cus:tcpwave.state.client:0:R",
	"Server state", "%Cus:tcpwave.state.server:0:R",
	"Info", "%i"
EOF
[ -z "$RUNAS" ] || chown -R 65534:65534 "$WORK/home"

# run CMD...: as the Wireshark user, with the clean environment
run() {
    # shellcheck disable=SC2086
    $RUNAS env -i PATH=/usr/bin:/bin HOME="$WORK/home" DISPLAY=":$DISP" \
        XDG_RUNTIME_DIR="$WORK/run" XDG_CONFIG_HOME="$WORK/home/.config" \
        LANG=C.UTF-8 "$PLUGIN_ENV" "$@"
}

# ---- X server -------------------------------------------------------------
DISP=
for n in 91 92 93 94 95 96 97 98 99; do
    [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] || { DISP=$n; break; }
done
[ -n "$DISP" ] || { echo "no free X display in :91..:99" >&2; exit 1; }
Xvfb ":$DISP" -screen 0 1280x800x24 -nolisten tcp >"$WORK/log/xvfb.log" 2>&1 &
XVFB_PID=$!
export DISPLAY=":$DISP"
i=0
until xdpyinfo >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -le 50 ] || { cat "$WORK/log/xvfb.log" >&2; exit 1; }
    sleep 0.2
done

# The plugin must load; say which file.
run tshark -G plugins 2>/dev/null | grep tcpwave || {
    echo "tcpwave plugin not loaded (TCPWAVE_PLUGIN=$TCPWAVE_PLUGIN)" >&2; exit 1; }
chmod 1777 "$WORK/log"

# wait_win REGEX: print the id of the first visible window whose name matches
wait_win() {
    i=0
    while [ $i -lt 120 ]; do
        w=$(xdotool search --onlyvisible --name "$1" 2>/dev/null | head -n 1) || true
        if [ -n "$w" ]; then echo "$w"; return 0; fi
        i=$((i + 1)); sleep 0.25
    done
    echo "timed out waiting for a window named /$1/; windows:" >&2
    for w in $(xdotool search --name . 2>/dev/null); do
        echo "  $w $(xdotool getwindowname "$w" 2>/dev/null)" >&2
    done
    cat "$WORK"/log/*.log >&2
    return 1
}

# ws NAME ARGS...: start Wireshark in the background
ws() {
    name=$1; shift
    # one simple command, so that $! is the process to signal (setpriv and env
    # exec, timeout passes the signal on to Wireshark)
    # shellcheck disable=SC2086
    $RUNAS env -i PATH=/usr/bin:/bin HOME="$WORK/home" DISPLAY=":$DISP" \
        XDG_RUNTIME_DIR="$WORK/run" XDG_CONFIG_HOME="$WORK/home/.config" \
        LANG=C.UTF-8 "$PLUGIN_ENV" timeout 180 wireshark "$@" >"$WORK/log/$name.log" 2>&1 &
    WS_PID=$!
}

# stop_ws: end the Wireshark started last, bounded
stop_ws() {
    [ -n "$WS_PID" ] || return 0
    kill "$WS_PID" 2>/dev/null || true
    i=0
    while kill -0 "$WS_PID" 2>/dev/null && [ $i -lt 40 ]; do i=$((i + 1)); sleep 0.25; done
    kill -9 "$WS_PID" 2>/dev/null || true
    wait "$WS_PID" 2>/dev/null || true
    WS_PID=
}

# save RAW OUTNAME [convert options...]: crop/scale, strip, quantise
save() {
    raw=$1; name=$2; dst=$OUT/$2; shift 2
    /usr/bin/convert "$raw" "$@" -strip "$WORK/tmp.png"
    pngquant --force --strip --quality 60-95 --speed 1 --output "$dst" -- "$WORK/tmp.png" ||
        cp "$WORK/tmp.png" "$dst"
    if [ "${KEEP_RAW:-}" = 1 ]; then mkdir -p "$OUT/raw"; cp "$raw" "$OUT/raw/$name"; fi
    # a blank or one-colour grab means the window was not drawn
    colours=$(identify -format '%k' "$dst")
    [ "$colours" -ge 16 ] || { echo "$dst: only $colours colours, not a screenshot" >&2; exit 1; }
    echo "$dst: $(wc -c <"$dst") bytes, $(identify -format '%wx%h' "$dst")"
}

grab_root() { import -display ":$DISP" -window root "$1"; }

# press_button WINDOW N: in a funnel text window, click into its Highlight
# box and press Tab N times and Space (the N-th button).
press_button() {
    eval "$(xdotool getwindowgeometry --shell "$1")"
    # the Highlight box: left of the window, above the button row
    xdotool mousemove --window "$1" $((WIDTH / 2)) $((HEIGHT - 56)) click 1
    sleep 0.3
    n=0
    while [ $n -lt "$2" ]; do xdotool key Tab; n=$((n + 1)); sleep 0.1; done
    xdotool key space
}
grab_win() { import -display ":$DISP" -window "$1" "$2"; }

SEED=$WORK/pcaps/seed-four-way.pcap
ALL=$WORK/pcaps/tcpwave-all.pcap
KERNEL=$WORK/pcaps/tcpwave-kernel.pcap
mkdir -p "$OUT"

# want NAME: is this shot asked for (ONLY="name ..." takes only those)?
want() {
    [ -z "${ONLY:-}" ] && return 0
    case " $ONLY " in *" $1 "*) return 0 ;; esac
    return 1
}

# focus WINDOW: give it the keyboard (there is no window manager)
focus() {
    xdotool windowactivate --sync "$1" 2>/dev/null || xdotool windowfocus --sync "$1"
}

# menu_ladder MAIN, menu_hosts MAIN: open the submenu Statistics -> TCP
# Connection Ladder (tcpwave) or TCP Hosts (tcpwave), the last two entries
# of the menu (Up from the top wraps to the last)
menu_plugin() { # MAIN UPS
    focus "$1"
    xdotool key --window "$1" alt+s
    sleep 1
    n=0
    while [ "$n" -lt "$2" ]; do xdotool key Up; n=$((n + 1)); sleep 0.3; done
    xdotool key Right
    sleep 0.7
}
menu_ladder() { menu_plugin "$1" 2; }
menu_hosts() { menu_plugin "$1" 1; }

# away: the pointer off every window, so no hover highlight is drawn
away() { xdotool mousemove 1279 799; sleep 0.5; }

# open_item MENU MAIN ITEM TITLE-REGEX: in window MAIN, the plugin submenu
# MENU (menu_ladder, menu_hosts) -> its ITEM-th entry (from 0); sets win to
# the window that opens, the pointer off every window.
open_item() {
    "$1" "$2"
    i=0
    while [ $i -lt "$3" ]; do
        xdotool key Down
        sleep 0.3
        i=$((i + 1))
    done
    xdotool key Return
    win=$(wait_win "$4")
    sleep 2
    away
}

# open_ladder MAIN-TITLE-REGEX ITEM: once the main window is up, Statistics ->
# TCP Connection Ladder (tcpwave) -> the ITEM-th entry (0 Selected
# Connection, 1 Displayed Connections); sets main and lad (the ladder window).
open_ladder() {
    main=$(wait_win "$1")
    sleep 3
    open_item menu_ladder "$main" "$2" 'TCP Connection Ladder \(tcpwave\)'
    lad=$win
}

# 1. The Statistics menu with the tcpwave entries and the ladder submenu
# open (seed capture open).
if want menu; then
    ws menu -r "$SEED"
    main=$(wait_win '^seed-four-way\.pcap')
    sleep 2
    menu_ladder "$main"
    grab_root "$WORK/menu.png"
    stop_ws
    save "$WORK/menu.png" tcpwave-gui-menu.png -crop 1200x800+0+0 +repage
fi

# 2-5. The statistics dialogs at the size Wireshark opens them (never
# resized: what a user first sees), for the merged capture.
shot_dialog() { # NAME -z-ARG TITLE-REGEX [WIRESHARK-OPTIONS...]
    want "$1" || return 0
    name=$1 z=$2 title=$3
    shift 3
    ws "$name" "$@" -r "$ALL" -z "$z"
    dlg=$(wait_win "$title")
    sleep 2
    away
    grab_win "$dlg" "$WORK/$name.png"
    stop_ws
    save "$WORK/$name.png" "tcpwave-gui-$name.png"
}
shot_dialog outcomes tcpwave,stat 'TCP Connection Outcomes \(tcpwave\)'
shot_dialog connections tcpwave,conv 'TCP Connections \(tcpwave\)'
# Zeek's view is computed as the file is read only when asked: the
# preference (the tcpwave profile sets it); the GUI opens -z tables after
# reading the file.
shot_dialog states tcpwave,states 'TCP Connection States \(tcpwave\)' -o tcpwave.zeek:TRUE
shot_dialog phases tcpwave,phases 'TCP Connection Phases \(tcpwave\)'

# 6. The ladder of the selected connection: the seed's three-way capture at
# frame 5 (the merged FIN+ACK), Statistics -> TCP Connection Ladder
# (tcpwave) -> Selected Connection.
if want ladder; then
    ws ladder -r "$WORK/pcaps/seed-three-way.pcap" -g 5
    open_ladder '^seed-three-way\.pcap' 0
    grab_win "$lad" "$WORK/ladder.png"
    stop_ws
    save "$WORK/ladder.png" tcpwave-gui-ladder.png
fi

# 7-9. The same on the merged capture of pcaps/kernel/ (connections of
# several kernels' runs, so the packet list holds other connections too):
# frame 7, the merged FIN+ACK of three_way_close (stream 0), selected; its
# ladder; the ladder's button "7 FIN" pressed (the main window goes to the
# FIN+ACK); then "Filter connection" pressed (tcp.stream == 0 applied).
# The ladder window is moved (not resized) below the packet list, so that
# both show; buttons are pressed from the keyboard (Tab from the Highlight
# box goes through the buttons in their order).
if want kernel; then
    ws kernel -r "$KERNEL" -g 7
    open_ladder '^tcpwave-kernel\.pcap' 0
    grab_win "$lad" "$WORK/ladder-kernel.png"
    save "$WORK/ladder-kernel.png" tcpwave-gui-ladder-kernel.png
    # go to the first segment (button "1 SYN"), then back to the FIN+ACK with its button
    xdotool windowmove "$lad" 503 350
    sleep 1
    focus "$lad"
    ${SHOT_DEBUG:+grab_root "$WORK/debug-0.png"}
    press_button "$lad" "${KERNEL_SYN_TABS:-2}"
    sleep 1
    grab_root "$WORK/kernel-syn.png"
    press_button "$lad" "${KERNEL_FINACK_TABS:-6}"
    sleep 1.5
    away
    grab_root "$WORK/kernel-goto.png"
    save "$WORK/kernel-goto.png" tcpwave-gui-ladder-goto.png
    press_button "$lad" 1
    sleep 2
    away
    grab_root "$WORK/kernel-filter.png"
    save "$WORK/kernel-filter.png" tcpwave-gui-ladder-filter.png
    [ "${KEEP_RAW:-}" != 1 ] || cp "$WORK/kernel-syn.png" "$OUT/raw/"
    stop_ws
fi

# 10. The ladder of every connection the display filter shows: the merged
# capture filtered to resets.
if want displayed; then
    ws ladder-all -r "$ALL" -Y 'tcpwave.role == "RST"'
    open_ladder '^tcpwave-all\.pcap' 1
    grab_win "$lad" "$WORK/ladder-displayed.png"
    stop_ws
    save "$WORK/ladder-displayed.png" tcpwave-gui-ladder-displayed.png
fi

# 11. The hosts report in the GUI: Statistics -> TCP Hosts (tcpwave) ->
# Hosts, on the kernel workload where a server closed its connections
# (pcaps/kernel/hosts/server_time_wait.pcap); then Tuning on the same.
if want hosts; then
    # the per-host counts: computed as the file is read only when asked (the
    # preference, which the tcpwave profile sets)
    ws hosts -o tcpwave.hosts:TRUE -r "$WORK/pcaps/server_time_wait.pcap"
    main=$(wait_win '^server_time_wait\.pcap')
    sleep 3
    open_item menu_hosts "$main" 0 'TCP Hosts \(tcpwave\)'
    grab_win "$win" "$WORK/hosts.png"
    save "$WORK/hosts.png" tcpwave-gui-hosts.png
    open_item menu_hosts "$main" 1 'TCP Tuning \(tcpwave\)'
    grab_win "$win" "$WORK/tuning.png"
    save "$WORK/tuning.png" tcpwave-gui-tuning.png
    stop_ws
fi

# 12. The I/O Graph of the README's recipe: MAX(tcpwave.host.time_wait) of
# the packets with ip.addr == 10.9.0.2, on the generated schedule above,
# from the profile's io_graphs table (4.0's columns: enabled, name, display
# filter, colour, style, Y axis, Y field, smoothing, Y axis factor).
if want iograph; then
    printf '%s\n' '# This file is automatically generated, DO NOT MODIFY.' \
        '"TRUE","TIME_WAIT held by 10.9.0.2","ip.addr == 10.9.0.2","#d62728","Line","MAX(Y Field)","tcpwave.host.time_wait","None","1"' \
        >"$WORK/home/.config/wireshark/io_graphs"
    [ -z "$RUNAS" ] || chown 65534:65534 "$WORK/home/.config/wireshark/io_graphs"
    ws iograph -o tcpwave.hosts:TRUE -r "$WORK/pcaps/time-wait-schedule.pcap"
    main=$(wait_win '^time-wait-schedule\.pcap')
    sleep 3
    focus "$main"
    xdotool key --window "$main" alt+s
    sleep 1
    xdotool key i
    win=$(wait_win 'I/O Graphs')
    sleep 4
    away
    grab_win "$win" "$WORK/iograph.png"
    save "$WORK/iograph.png" tcpwave-gui-iograph.png
    stop_ws
fi

# Not a picture (ONLY=nofile only): every tcpwave menu entry with no file
# open must open its window and leave Wireshark running.
if [ "${ONLY:-}" = nofile ]; then
    ws nofile
    main=$(wait_win '^The Wireshark Network Analyzer')
    sleep 3
    for entry in "2 0" "2 1" "1 0" "1 1"; do
        set -- $entry
        menu_plugin "$main" "$1"
        n=0
        while [ $n -lt "$2" ]; do xdotool key Down; n=$((n + 1)); sleep 0.3; done
        xdotool key Return
        sleep 2
        kill -0 "$WS_PID" || { echo "Wireshark died at menu entry $entry" >&2; cat "$WORK/log/nofile.log" >&2; exit 1; }
        xdotool key Escape
        sleep 1
    done
    echo "no file: every tcpwave menu entry opened, Wireshark still running"
    stop_ws
fi

# 13. Packet details of frame 8 (the second FIN), tcpwave subtree expanded.
if want details; then
    ws details -r "$SEED" -g 8
    main=$(wait_win '^seed-four-way\.pcap')
    sleep 3
    # Click an empty spot of the details pane (this focuses it), go to its
    # fifth top-level item (Frame, Ethernet, IPv4, TCP, then the tcpwave
    # lifecycle tree; the host occupancy trees follow it) and expand it with
    # its subtrees (Shift+Right). Keys go through XTEST to the focused widget.
    xdotool mousemove --window "$main" 640 760 click 1
    sleep 1
    xdotool key Home
    sleep 0.5
    for _ in 1 2 3 4; do xdotool key Down; sleep 0.3; done
    sleep 0.5
    xdotool key shift+Right
    sleep 1
    away
    grab_root "$WORK/details.png"
    stop_ws
    save "$WORK/details.png" tcpwave-gui-details-frame8.png -crop 1280x700+0+0 +repage
fi

for f in "$WORK"/log/*.log; do
    if grep -v -e 'QStandardPaths' -e 'nl80211 not found' "$f" | grep -q .; then
        echo "== $(basename "$f"): Wireshark said:"
        grep -v -e 'QStandardPaths' -e 'nl80211 not found' "$f" | head -n 20
    fi
done
