/* tw_zeek_pcap - feed a classic pcap's TCP segments through tw_zeek alone.
 *
 * Plain C, no libpcap, no Wireshark: reads Ethernet (with 802.1Q tags),
 * Linux cooked (SLL), raw-IP and BSD loopback captures, IPv4 and IPv6 (no
 * extension headers, no fragments), and numbers connections by their
 * 4-tuple in order of first appearance, as tcp.stream does for captures
 * whose 4-tuples are not reused.  For each connection it prints
 *
 *     stream <TAB> conn_state <TAB> history <TAB> orig (first|other)
 *
 * after the last packet.  With --checksums the TCP checksum is verified
 * (as tshark -o tcp.check_checksum:TRUE would), otherwise every checksum
 * is taken as good, as tcpwave does when Wireshark leaves it unverified.
 * Used by tests/craft/check_zeek_engine.py to check tests/expected/zeek.tsv
 * against the engine before the plugin shows the fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_zeek.h"

#define MAX_CONNS 64

struct conn {
    uint8_t addr[2][16]; /* [0]: the first segment's sender */
    uint16_t port[2];
    uint8_t alen;
    struct tw_zeek z;
};

static struct conn conns[MAX_CONNS];
static unsigned nconns;

static uint32_t rd32(const uint8_t *p, int swap)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return swap ? __builtin_bswap32(v) : v;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += be16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static int tcp_checksum_ok(const uint8_t *src, const uint8_t *dst, uint8_t alen, const uint8_t *tcp, size_t tcplen)
{
    uint32_t sum = sum16(src, alen, 0);
    sum = sum16(dst, alen, sum);
    sum += 6 + (uint32_t)tcplen;
    sum = sum16(tcp, tcplen, sum);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

static void segment(const uint8_t *ip, size_t caplen, int checksums, uint32_t frame)
{
    const uint8_t *src, *dst, *tcp;
    uint8_t alen;
    size_t tcp_total; /* TCP header + payload, from the IP header */
    if (caplen < 20)
        return;
    if ((ip[0] >> 4) == 4) {
        size_t ihl = (size_t)(ip[0] & 15) * 4;
        if (ip[9] != 6 || caplen < ihl + 20 || (be16(ip + 6) & 0x3fff))
            return;
        src = ip + 12, dst = ip + 16, alen = 4;
        tcp = ip + ihl;
        tcp_total = be16(ip + 2) - ihl;
        caplen -= ihl;
    } else if ((ip[0] >> 4) == 6) {
        if (caplen < 60 || ip[6] != 6)
            return;
        src = ip + 8, dst = ip + 24, alen = 16;
        tcp = ip + 40;
        tcp_total = be16(ip + 4);
        caplen -= 40;
    } else {
        return;
    }
    size_t hlen = (size_t)(tcp[12] >> 4) * 4;
    if (hlen < 20 || tcp_total < hlen || caplen < hlen)
        return;
    uint16_t sport = be16(tcp), dport = be16(tcp + 2);

    struct conn *c = NULL;
    bool from_first = true;
    for (unsigned i = 0; i < nconns && !c; i++) {
        struct conn *k = &conns[i];
        if (k->alen != alen)
            continue;
        for (int side = 0; side < 2; side++)
            if (!memcmp(k->addr[side], src, alen) && !memcmp(k->addr[!side], dst, alen) &&
                k->port[side] == sport && k->port[!side] == dport) {
                c = k;
                from_first = side == 0;
            }
    }
    if (!c) {
        if (nconns == MAX_CONNS) {
            fprintf(stderr, "more than %d connections\n", MAX_CONNS);
            exit(2);
        }
        c = &conns[nconns++];
        memcpy(c->addr[0], src, alen);
        memcpy(c->addr[1], dst, alen);
        c->port[0] = sport, c->port[1] = dport, c->alen = alen;
    }

    struct tw_segment s = {
        .frame = frame,
        .seq = be32(tcp + 4),
        .ack = be32(tcp + 8),
        .len = (uint32_t)(tcp_total - hlen),
        .sport = sport,
        .dport = dport,
        .flags = tcp[13] & 0x1f,
    };
    struct tw_zeek_extra x = {
        .window = be16(tcp + 14),
        .window_known = true,
        .payload_truncated = caplen < tcp_total,
        .bad_checksum = checksums && caplen >= tcp_total && !tcp_checksum_ok(src, dst, alen, tcp, tcp_total),
    };
    tw_zeek_step(&c->z, &s, from_first, &x);
}

int main(int argc, char **argv)
{
    int checksums = argc > 2 && !strcmp(argv[1], "--checksums");
    if (argc != 2 + checksums) {
        fprintf(stderr, "usage: %s [--checksums] FILE.pcap\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1 + checksums], "rb");
    if (!f) {
        perror(argv[1 + checksums]);
        return 2;
    }
    uint8_t gh[24];
    if (fread(gh, 1, 24, f) != 24) {
        fprintf(stderr, "short file\n");
        return 2;
    }
    uint32_t magic = rd32(gh, 0);
    int swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
    if (!swap && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
        fprintf(stderr, "not a classic pcap\n");
        return 2;
    }
    uint32_t linktype = rd32(gh + 20, swap) & 0xffff;
    static uint8_t pkt[262144];
    uint8_t rh[16];
    uint32_t frame = 0;
    while (fread(rh, 1, 16, f) == 16) {
        uint32_t caplen = rd32(rh + 8, swap);
        if (caplen > sizeof pkt || fread(pkt, 1, caplen, f) != caplen) {
            fprintf(stderr, "bad record\n");
            return 2;
        }
        ++frame;
        const uint8_t *p = pkt;
        size_t n = caplen;
        if (linktype == 1) { /* Ethernet */
            if (n < 14)
                continue;
            uint16_t et = be16(p + 12);
            p += 14, n -= 14;
            while ((et == 0x8100 || et == 0x88a8) && n >= 4) {
                et = be16(p + 2);
                p += 4, n -= 4;
            }
            if (et != 0x0800 && et != 0x86dd)
                continue;
        } else if (linktype == 113) { /* Linux cooked */
            if (n < 16)
                continue;
            p += 16, n -= 16;
        } else if (linktype == 0) { /* BSD loopback */
            if (n < 4)
                continue;
            p += 4, n -= 4;
        } else if (linktype != 101 && linktype != 12 && linktype != 228 && linktype != 229) {
            fprintf(stderr, "link type %u not read\n", linktype);
            return 2;
        }
        segment(p, n, checksums, frame);
    }
    fclose(f);
    for (unsigned i = 0; i < nconns; i++) {
        char h[TW_ZEEK_HISTORY_MAX + 1];
        tw_zeek_history(&conns[i].z, h, sizeof h);
        printf("%u\t%s\t%s\t%s\n", i, tw_zeek_conn_state_name(tw_zeek_conn_state(&conns[i].z)), h,
               tw_zeek_orig_is_first_sender(&conns[i].z) ? "first" : "other");
    }
    return 0;
}
