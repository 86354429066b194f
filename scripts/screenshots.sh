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
cp pcaps/seed/seed-four-way.pcap "$WORK/pcaps/"
mergecap -w "$WORK/pcaps/tcpwave-all.pcap" pcaps/kernel/*.pcap pcaps/seed/*.pcap \
    pcaps/crafted/simultaneous-close.pcap
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
	"%Cus:tcpwave.step", 85,
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
    raw=$1; dst=$OUT/$2; shift 2
    /usr/bin/convert "$raw" "$@" -strip "$WORK/tmp.png"
    pngquant --force --strip --quality 60-95 --speed 1 --output "$dst" -- "$WORK/tmp.png" ||
        cp "$WORK/tmp.png" "$dst"
    if [ "${KEEP_RAW:-}" = 1 ]; then mkdir -p "$OUT/raw"; cp "$raw" "$OUT/raw/$2"; fi
    # a blank or one-colour grab means the window was not drawn
    colours=$(identify -format '%k' "$dst")
    [ "$colours" -ge 16 ] || { echo "$dst: only $colours colours, not a screenshot" >&2; exit 1; }
    echo "$dst: $(wc -c <"$dst") bytes, $(identify -format '%wx%h' "$dst")"
}

grab_root() { import -display ":$DISP" -window root "$1"; }
grab_win() { import -display ":$DISP" -window "$1" "$2"; }

SEED=$WORK/pcaps/seed-four-way.pcap
ALL=$WORK/pcaps/tcpwave-all.pcap
mkdir -p "$OUT"

# 1. The Statistics menu with the two tcpwave entries (seed capture open).
ws menu -r "$SEED"
main=$(wait_win '^seed-four-way\.pcap')
sleep 2
xdotool windowactivate --sync "$main" 2>/dev/null || xdotool windowfocus --sync "$main"
xdotool key --window "$main" alt+s
sleep 1.5
grab_root "$WORK/menu.png"
stop_ws

# 2. Statistics -> TCP Connection Closes (tcpwave), seed capture.
ws stat-seed -r "$SEED" -z tcpwave,stat
dlg=$(wait_win 'TCP Connection Closes \(tcpwave\)')
xdotool windowmove --sync "$dlg" 0 0 windowsize --sync "$dlg" 1000 330
sleep 2
grab_win "$dlg" "$WORK/stat-seed.png"
stop_ws

# 3. The same table for the merged capture (12 connections).
ws stat-all -r "$ALL" -z tcpwave,stat
dlg=$(wait_win 'TCP Connection Closes \(tcpwave\)')
xdotool windowmove --sync "$dlg" 0 0 windowsize --sync "$dlg" 1000 330
sleep 2
grab_win "$dlg" "$WORK/stat-all.png"
stop_ws

# 4. Statistics -> TCP Connection Lifecycles (tcpwave), merged capture.
ws conv-all -r "$ALL" -z tcpwave,conv
dlg=$(wait_win 'TCP Connection Lifecycles \(tcpwave\)')
xdotool windowmove --sync "$dlg" 0 0 windowsize --sync "$dlg" 1180 400
sleep 2
# Widen the first column by dragging its right edge in the header: Wireshark
# sizes it to its numbers and clips the header "Stream" and its sort arrow.
xdotool mousemove --window "$dlg" 68 21 mousedown 1 sleep 0.3 \
    mousemove --window "$dlg" 95 21 sleep 0.3 mouseup 1
xdotool mousemove 1279 799
sleep 1
grab_win "$dlg" "$WORK/conv-all.png"
stop_ws

# 5. Packet details of frame 8 (the second FIN), tcpwave subtree expanded.
ws details -r "$SEED" -g 8
main=$(wait_win '^seed-four-way\.pcap')
sleep 3
# Click an empty spot of the details pane (this focuses it), go to its last
# top-level item (the tcpwave tree) and expand it with its subtrees
# (Shift+Right). Keys go through XTEST to the focused widget.
xdotool mousemove --window "$main" 640 760 click 1
sleep 1
xdotool key End
sleep 1
xdotool key shift+Right
sleep 1
# move the pointer away so no hover highlight is drawn
xdotool mousemove 1279 799
sleep 1
grab_root "$WORK/details.png"
stop_ws

save "$WORK/menu.png" tcpwave-gui-menu.png -crop 760x420+0+0 +repage
save "$WORK/stat-seed.png" tcpwave-gui-closes-seed.png
save "$WORK/stat-all.png" tcpwave-gui-closes-all.png
save "$WORK/conv-all.png" tcpwave-gui-lifecycles-all.png
save "$WORK/details.png" tcpwave-gui-details-frame8.png -crop 1280x700+0+0 +repage

for f in "$WORK"/log/*.log; do
    if grep -v -e 'QStandardPaths' -e 'nl80211 not found' "$f" | grep -q .; then
        echo "== $(basename "$f"): Wireshark said:"
        grep -v -e 'QStandardPaths' -e 'nl80211 not found' "$f" | head -n 20
    fi
done
