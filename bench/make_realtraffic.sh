#!/bin/bash
# bench/make_realtraffic.sh [--packets N] [--out FILE] [--refresh]
#
# The real-traffic workload of bench/run --realtraffic (issue 15): application
# traffic made by real clients and servers, heavy in what real captures carry,
# plus the shared corpus, scaled to at least N packets (default 1,000,000).
#
#   1. Two network namespaces joined by a veth pair (10.77.0.1 server,
#      10.77.0.2 client, fd77::1/fd77::2; offloads off, so the capture has
#      wire-sized segments), nothing else: every target is an address made here.
#      Server: nginx (HTTP/1.1 on 80, HTTPS with
#      HTTP/2 on 443, TLS 1.2 and 1.3, a self-signed certificate; HTML, JSON
#      and XML, gzip-compressed on request), python3 -m http.server on 8000,
#      openssl s_server on 4433, dnsmasq answering DNS over TCP on 53.
#      Client: curl (HTTP/1.1, HTTP/2, TLS 1.2 and 1.3, bulk downloads, many
#      short connections, some over IPv6), openssl s_client, dig +tcp.
#      tcpdump captures it all in the client's namespace.
#   2. That capture, followed by every capture of ../shared/corpus whose link
#      type is Ethernet (converted to pcap; the others cannot share a pcap
#      file, which tcptrace needs), concatenated: the base.
#   3. bench/scale_pcap.py repeats the base until N packets, each copy with
#      shifted IPv4/IPv6 addresses (checksums updated) and later times, so
#      that every copy's connections are new ones.
#
# Needs root (namespaces) and the packages of scripts/packages.txt (nginx-light,
# dnsmasq-base, bind9-dnsutils, curl, openssl, tcpdump, ethtool, iproute2,
# tshark for editcap/mergecap/capinfos).  Output (default
# /var/cache/tcpwave/realtraffic/realtraffic-<N>.pcap, readable by all) is
# kept and reused unless --refresh: the script and the corpus are hashed into
# the name of the base.  The traffic itself is not byte-for-byte reproducible
# (ISNs, timings), its mix is.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CORPUS=${TCPWAVE_CORPUS:-$ROOT/../shared/corpus}
CACHE=${TCPWAVE_CACHE:-/var/cache/tcpwave}/realtraffic
PACKETS=1000000
OUT=
REFRESH=0
while [ $# -gt 0 ]; do
    case $1 in
        --packets) PACKETS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --refresh) REFRESH=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "make_realtraffic.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "make_realtraffic.sh: needs root (network namespaces)" >&2; exit 1; }
for tool in nginx dnsmasq dig curl openssl tcpdump ethtool ip editcap mergecap capinfos; do
    command -v "$tool" >/dev/null || { echo "make_realtraffic.sh: $tool missing: run scripts/setup-deps.sh" >&2; exit 1; }
done
mkdir -p "$CACHE"
chmod 755 "$CACHE" "$(dirname "$CACHE")"
tag=$( (cat "$0"; [ -d "$CORPUS" ] && find "$CORPUS" -type f -printf '%P %s\n' | sort) | sha1sum | cut -c1-8)
BASE=$CACHE/base-$tag.pcap
OUT=${OUT:-$CACHE/realtraffic-$PACKETS-$tag.pcap}
log() { echo "make_realtraffic: $*" >&2; }

if [ "$REFRESH" = 1 ] || [ ! -s "$BASE" ]; then
    work=$(mktemp -d /tmp/tcpwave-realtraffic.XXXXXX)
    SRV=twrt-srv-$$ CLI=twrt-cli-$$
    pids=()
    cleanup() {
        local p
        # The servers and tcpdump started here, and whatever else runs in the
        # two namespaces made here (nothing but what this script started).
        for p in "${pids[@]}" $(ip netns pids "$SRV" 2>/dev/null) $(ip netns pids "$CLI" 2>/dev/null); do
            kill "$p" 2>/dev/null || true
        done
        wait 2>/dev/null || true
        ip netns del "$SRV" 2>/dev/null || true
        ip netns del "$CLI" 2>/dev/null || true
        rm -rf "$work"
    }
    trap cleanup EXIT

    ip netns add "$SRV"
    ip netns add "$CLI"
    ip link add twrt-s$$ netns "$SRV" type veth peer name twrt-c$$ netns "$CLI"
    s() { ip netns exec "$SRV" "$@"; }
    c() { ip netns exec "$CLI" "$@"; }
    s ip link set lo up; c ip link set lo up
    s ip addr add 10.77.0.1/24 dev twrt-s$$; c ip addr add 10.77.0.2/24 dev twrt-c$$
    s ip -6 addr add fd77::1/64 dev twrt-s$$ nodad; c ip -6 addr add fd77::2/64 dev twrt-c$$ nodad
    s ip link set twrt-s$$ up; c ip link set twrt-c$$ up
    # Wire-sized segments: no TSO/GSO/GRO on either end.
    s ethtool -K twrt-s$$ tso off gso off gro off >/dev/null 2>&1 || true
    c ethtool -K twrt-c$$ tso off gso off gro off >/dev/null 2>&1 || true

    # ---- the servers ----
    www=$work/www
    mkdir -p "$www"
    # Content like a web application's: HTML pages, JSON and XML documents
    # (text, served gzip-compressed to clients that ask), and two bulk files.
    /usr/bin/python3 - "$www" <<'PY'
import json, random, sys
random.seed(15)
www = sys.argv[1]
words = "tcp handshake close state socket segment window ack fin reset wave listen established".split()
def text(n):
    return " ".join(random.choice(words) for _ in range(n))
for i in range(1, 41):
    rows = "\n".join(f"<tr><td>{j}</td><td>{text(8)}</td><td><a href=\"/page{j % 40 + 1}.html\">{text(2)}</a></td></tr>"
                     for j in range(10 + i * 4))
    open(f"{www}/page{i}.html", "w").write(f"<!DOCTYPE html>\n<html><head><title>{text(3)}</title></head>\n"
                                           f"<body><h1>{text(4)}</h1>\n<table>\n{rows}\n</table></body></html>\n")
    doc = {"id": i, "items": [{"n": j, "name": text(3), "tags": [text(1) for _ in range(4)],
                               "price": round(random.random() * 100, 2), "ok": j % 3 == 0}
                              for j in range(5 + i * 3)]}
    open(f"{www}/api{i}.json", "w").write(json.dumps(doc, indent=1))
    items = "\n".join(f"  <item id=\"{j}\"><name>{text(3)}</name><state>{random.choice(words)}</state></item>"
                      for j in range(5 + i * 3))
    open(f"{www}/feed{i}.xml", "w").write(f"<?xml version=\"1.0\"?>\n<feed>\n{items}\n</feed>\n")
open(f"{www}/index.html", "w").write("<html><body>tcpwave</body></html>\n")
PY
    head -c 4000000 /dev/urandom > "$www/bulk.bin"
    head -c 2000000 /dev/urandom | base64 > "$www/bulk.txt"
    # nginx's workers run as nobody: the content must be readable by all.
    chmod 755 "$work" "$www"
    chmod 644 "$www"/*
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=tcpwave.test -keyout "$work/key.pem" \
        -out "$work/cert.pem" 2>/dev/null
    cat > "$work/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nb; proxy_temp_path $work/np; fastcgi_temp_path $work/nf;
    uwsgi_temp_path $work/nu; scgi_temp_path $work/ns;
    keepalive_requests 1000;
    types { text/html html; application/json json; text/xml xml; text/plain txt; application/octet-stream bin; }
    gzip on; gzip_min_length 256; gzip_types application/json text/xml text/plain;
    server {
        listen 10.77.0.1:80; listen [fd77::1]:80;
        root $www;
    }
    server {
        listen 10.77.0.1:443 ssl http2; listen [fd77::1]:443 ssl http2;
        ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $www;
    }
}
EOF
    # Started with `ip netns exec` directly (it execs the server), so that $!
    # is the server's own process id.
    ip netns exec "$SRV" nginx -c "$work/nginx.conf" & pids+=($!)
    ip netns exec "$SRV" sh -c "cd '$www' && exec python3 -m http.server --bind 10.77.0.1 8000" >/dev/null 2>&1 &
    pids+=($!)
    ip netns exec "$SRV" openssl s_server -quiet -accept 4433 -cert "$work/cert.pem" -key "$work/key.pem" -www \
        >/dev/null 2>&1 & pids+=($!)
    ip netns exec "$SRV" dnsmasq --no-daemon --no-resolv --no-hosts --listen-address=10.77.0.1 --bind-interfaces --port=53 \
        --address=/tcpwave.test/10.77.0.9 --address=/example.test/10.77.0.10 --user=root 2>/dev/null &
    pids+=($!)
    for _ in $(seq 50); do
        if c curl -sS -o /dev/null http://10.77.0.1/index.html && c curl -sS -o /dev/null http://10.77.0.1:8000/ &&
           c dig +tcp +short +time=1 +tries=1 @10.77.0.1 a.tcpwave.test >/dev/null; then break; fi
        sleep 0.2
    done

    # ---- the capture and the clients ----
    raw=$work/raw.pcap
    ip netns exec "$CLI" tcpdump -i twrt-c$$ -s 0 -U -w "$raw" 2>/dev/null & tcpdump_pid=$!
    pids+=($tcpdump_pid)
    sleep 1
    log "generating traffic"
    # URLs of the site: pages, JSON and XML documents in turn.
    urls() {
        local base=$1 n=$2 i
        for i in $(seq 1 "$n"); do
            case $((i % 3)) in
                0) echo "$base/page$(( (i % 40) + 1 )).html" ;;
                1) echo "$base/api$(( (i % 40) + 1 )).json" ;;
                2) echo "$base/feed$(( (i % 40) + 1 )).xml" ;;
            esac
        done
    }
    H=(-H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64) tcpwave-bench' -H 'Accept-Language: en-GB,en;q=0.8'
       -H 'Cookie: session=6f1c2a9d0b7e4f3a; theme=dark')
    # Many short connections: one request each, HTTP/1.1 (nginx, python's server, IPv6).
    for u in $(urls http://10.77.0.1 1200); do c curl -sS --compressed "${H[@]}" -o /dev/null "$u"; done
    for u in $(urls http://10.77.0.1:8000 150); do c curl -sS "${H[@]}" -o /dev/null "$u"; done
    for u in $(urls 'http://[fd77::1]' 100); do c curl -sS -g --compressed "${H[@]}" -o /dev/null "$u"; done
    # Keep-alive: many requests on one connection.
    for j in $(seq 1 240); do c curl -sS --compressed "${H[@]}" $(urls http://10.77.0.1 40) >/dev/null; done
    # HTTP/2 over TLS 1.3 and 1.2, HTTP/1.1 over TLS 1.3 (IPv6).
    for j in $(seq 1 100); do c curl -sSk --http2 --compressed "${H[@]}" $(urls https://10.77.0.1 10) >/dev/null; done
    for j in $(seq 1 60); do c curl -sSk --http2 --tlsv1.2 --tls-max 1.2 -o /dev/null https://10.77.0.1/page3.html; done
    for j in $(seq 1 40); do c curl -sSk --http1.1 --tlsv1.3 -o /dev/null -g "https://[fd77::1]/api4.json"; done
    # TLS with openssl s_client (handshake and a request), 1.2 and 1.3.
    for i in $(seq 1 40); do
        printf 'GET / HTTP/1.0\r\n\r\n' | c openssl s_client -quiet -connect 10.77.0.1:4433 -tls1_2 >/dev/null 2>&1 || true
        printf 'GET / HTTP/1.0\r\n\r\n' | c openssl s_client -quiet -connect 10.77.0.1:4433 -tls1_3 >/dev/null 2>&1 || true
    done
    # DNS over TCP.
    for i in $(seq 1 800); do c dig +tcp +short @10.77.0.1 "host$i.tcpwave.test" >/dev/null; done
    for i in $(seq 1 200); do c dig +tcp +short @10.77.0.1 "www$i.example.test" AAAA >/dev/null; done
    # Bulk transfers: plain HTTP, binary and compressed text.
    c curl -sS -o /dev/null http://10.77.0.1/bulk.bin
    c curl -sS --compressed -o /dev/null http://10.77.0.1/bulk.txt
    sleep 1
    kill "$tcpdump_pid"; wait "$tcpdump_pid" 2>/dev/null || true
    log "namespace capture: $(capinfos -c -M "$raw" | sed -n 's/^Number of packets: *//p') packets"

    # ---- the base: the capture, then the corpus's Ethernet captures ----
    parts=("$raw")
    skipped=0
    if [ -d "$CORPUS" ]; then
        n=0
        while IFS= read -r -d '' f; do
            enc=$(capinfos -T -E -r "$f" 2>/dev/null | cut -f2) || enc=
            if [ "$enc" = ether ] && editcap -F pcap "$f" "$work/corpus-$n.pcap" 2>/dev/null; then
                parts+=("$work/corpus-$n.pcap"); n=$((n + 1))
            else
                skipped=$((skipped + 1))
            fi
        done < <(find "$CORPUS" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -print0 | sort -z)
        log "corpus: $n Ethernet captures added, $skipped others left out"
    else
        log "no corpus at $CORPUS: the base is the namespace capture only"
    fi
    mergecap -F pcap -a -w "$BASE.tmp" "${parts[@]}"
    mv "$BASE.tmp" "$BASE"
    chmod 644 "$BASE"
    log "base $BASE: $(capinfos -c -M "$BASE" | sed -n 's/^Number of packets: *//p') packets"
    trap - EXIT
    cleanup
fi

if [ "$REFRESH" = 1 ] || [ ! -s "$OUT" ]; then
    /usr/bin/python3 "$HERE/scale_pcap.py" --packets "$PACKETS" "$BASE" "$OUT"
    chmod 644 "$OUT"
fi
echo "$OUT"
