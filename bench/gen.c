/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gen.c - deterministic generator of large TCP captures for tcpwave's benchmark.
 *
 * Writes a classic pcap (microsecond timestamps, Ethernet / IPv4 / TCP, correct
 * IP and TCP checksums, strictly increasing timestamps) holding N connections
 * with distinct 4-tuples, interleaved in time, and a truth file that says, for
 * each connection in order of first appearance (= Wireshark's tcp.stream), the
 * kind of close it was generated with.  No network, no dependencies: the same
 * arguments always give the same bytes.
 *
 *   cc -O2 -o bench/gen bench/gen.c
 *   bench/gen --connections N --seed S --out file.pcap --truth file.tsv
 *             [--concurrency K]   connections open at once (default 200)
 *   bench/gen --schedule --connections N --interval-us I --hold-us H
 *             --out file.pcap --truth file.tsv [--expect file.json] [--time-wait-s D]
 *
 * --schedule: a known schedule, for the per-host occupancy (-z tcpwave,hosts).
 * One client host 10.1.0.1 and one server host 10.2.0.1; connection i starts
 * at i * I microseconds and runs the same script (offsets in microseconds):
 *   0 SYN, 1 SYN-ACK, 2 ACK, 5 client FIN, 6 server ACK,
 *   5 + H server FIN, 6 + H client ACK (a four-way close started by the client).
 * So the server sits in CLOSE_WAIT during [5, 5 + H), the client in
 * FIN_WAIT2 during [6, 5 + H) and then in TIME_WAIT for D seconds (the
 * preference; default 60) from the server's FIN.  Intervals of one length L
 * begun every I microseconds overlap at most ceil(L / I) at once (an
 * interval [s, s + L) is counted at s and not at s + L), and never more than
 * N: the peaks follow from the schedule, and --expect writes them (with the
 * TIME_WAIT count at the last segment).  Client ports 1024 + i mod 64000,
 * server port 5000 + i / 64000: every 4-tuple once.  The seven offsets must
 * differ modulo I (so that timestamps stay strictly increasing); gen refuses
 * a schedule where they do not.
 *
 * Truth file (TSV, one header line):
 *   stream  outcome  initiator  client  server
 * outcome is one of the labels of tcpwave's statistics (tw_outcome_name()):
 *   Three-way close, Four-way close, Simultaneous close, Reset,
 *   Refused, Half-closed at end, Open at end, Handshake incomplete,
 *   No handshake seen
 * initiator is client or server: the sender of the first FIN (three-way,
 * four-way, simultaneous, half-closed) or of the RST (reset); "-" otherwise
 * (refused, open, handshake incomplete, no handshake).  client and server are
 * ip:port; for "No handshake seen" the server is the lower port (the side
 * tcpwave labels server), which the generator always makes it.
 *
 * Payloads are plain text on ports with no Wireshark dissector, so TCP's
 * payload is shown as "data": the baseline does the least work possible, which
 * makes the plugin's relative cost as visible as it can be.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- deterministic randomness: splitmix64 ---- */

static uint64_t rng_state;

static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n) { return (uint32_t)(rng() % n); }

/* ---- connection kinds and their scripts ---- */

enum kind {
    K_THREE_WAY,
    K_FOUR_WAY,
    K_SIMULTANEOUS,
    K_RESET,
    K_REFUSED,
    K_HALF_CLOSED,
    K_OPEN,
    K_INCOMPLETE,
    K_NO_HANDSHAKE,
    K_COUNT
};

static const char *const kind_label[K_COUNT] = {
    "Three-way close", "Four-way close", "Simultaneous close",
    "Reset", "Refused", "Half-closed at end", "Open at end",
    "Handshake incomplete", "No handshake seen",
};

/* Mix, in per mille: mostly orderly closes, every other kind present. */
static const unsigned kind_permille[K_COUNT] = {
    [K_THREE_WAY] = 400, [K_FOUR_WAY] = 350, [K_SIMULTANEOUS] = 40, [K_RESET] = 60,
    [K_REFUSED] = 40,    [K_HALF_CLOSED] = 30, [K_OPEN] = 30,       [K_INCOMPLETE] = 30,
    [K_NO_HANDSHAKE] = 20,
};

/* One scripted segment.  Sequence and acknowledgement numbers are computed
 * when it is emitted, from the connection's state. */
enum op {
    OP_SYN,    /* client SYN */
    OP_SYNACK, /* server SYN-ACK */
    OP_ACK,    /* pure ACK of everything the peer sent */
    OP_DATA,   /* PSH,ACK with payload */
    OP_FIN,    /* FIN,ACK acknowledging everything the peer sent */
    OP_SIMFIN, /* FIN,ACK whose ACK does not cover the peer's (already sent) FIN */
    OP_RST,    /* RST,ACK */
    OP_REFUSE, /* server RST,ACK answering the SYN: seq 0, ack ISN+1 */
};

#define MAX_OPS 40

struct step {
    uint8_t op;
    uint8_t from; /* 0 client, 1 server */
    uint16_t len; /* payload for OP_DATA */
};

struct conn {
    uint32_t ip[2];   /* [0] client, [1] server */
    uint16_t port[2];
    uint32_t nxt[2];  /* next sequence number each side sends */
    uint32_t isn[2];
    uint16_t ipid[2];
    uint8_t kind;
    int8_t initiator; /* 0 client, 1 server, -1 none */
    uint8_t nsteps, pos;
    struct step steps[MAX_OPS];
};

static void add(struct conn *c, enum op op, int from, unsigned len)
{
    if (c->nsteps < MAX_OPS)
        c->steps[c->nsteps++] = (struct step){(uint8_t)op, (uint8_t)from, (uint16_t)len};
}

static unsigned data_len(void)
{
    /* Mostly small requests and answers, some full-size segments. */
    return rnd(8) == 0 ? 1448 : 20 + rnd(480);
}

/* A request / response exchange: client data, server data (1-2 segments),
 * client ACK. */
static void add_exchanges(struct conn *c)
{
    unsigned rounds = rnd(10) < 7 ? 1 : 2;
    for (unsigned r = 0; r < rounds; r++) {
        add(c, OP_DATA, 0, data_len());
        unsigned segs = 1 + rnd(2);
        for (unsigned s = 0; s < segs; s++)
            add(c, OP_DATA, 1, data_len());
        add(c, OP_ACK, 0, 0);
    }
}

static void handshake(struct conn *c)
{
    add(c, OP_SYN, 0, 0);
    add(c, OP_SYNACK, 1, 0);
    add(c, OP_ACK, 0, 0);
}

static enum kind pick_kind(void)
{
    unsigned r = rnd(1000), acc = 0;
    for (int k = 0; k < K_COUNT; k++) {
        acc += kind_permille[k];
        if (r < acc)
            return (enum kind)k;
    }
    return K_THREE_WAY;
}

static const uint16_t server_ports[] = {4001, 4002, 4003, 4004, 4005, 4006, 4007, 4008};

/* Connection number i: a 4-tuple no other connection of the file has. */
static void new_conn(struct conn *c, uint64_t i)
{
    memset(c, 0, sizeof *c);
    c->ip[0] = 0x0a000000u + 1 + (uint32_t)(i % 65000);               /* 10.0.0.1 ... */
    c->port[0] = (uint16_t)(10000 + (i / 65000) % 50000);           /* >= 10000 */
    c->ip[1] = 0xc0a80000u + 1 + rnd(32);                           /* 192.168.0.1-32 */
    c->port[1] = server_ports[rnd(sizeof server_ports / sizeof server_ports[0])]; /* < 10000 */
    c->isn[0] = (uint32_t)rng();
    c->isn[1] = (uint32_t)rng();
    c->nxt[0] = c->isn[0];
    c->nxt[1] = c->isn[1];
    c->ipid[0] = (uint16_t)rng();
    c->ipid[1] = (uint16_t)rng();
    c->kind = (uint8_t)pick_kind();
    c->initiator = -1;

    int a = rnd(10) < 6 ? 0 : 1; /* who closes first: client 60% */
    int b = !a;
    switch ((enum kind)c->kind) {
    case K_THREE_WAY:
        handshake(c);
        add_exchanges(c);
        add(c, OP_FIN, a, 0);
        add(c, OP_FIN, b, 0); /* FIN,ACK acknowledging a's FIN: merged */
        add(c, OP_ACK, a, 0);
        c->initiator = (int8_t)a;
        break;
    case K_FOUR_WAY:
        handshake(c);
        add_exchanges(c);
        add(c, OP_FIN, a, 0);
        add(c, OP_ACK, b, 0);
        if (rnd(4) == 0) { /* sometimes data in the half-close */
            add(c, OP_DATA, b, data_len());
            add(c, OP_ACK, a, 0);
        }
        add(c, OP_FIN, b, 0);
        add(c, OP_ACK, a, 0);
        c->initiator = (int8_t)a;
        break;
    case K_SIMULTANEOUS:
        handshake(c);
        add_exchanges(c);
        add(c, OP_FIN, a, 0);
        add(c, OP_SIMFIN, b, 0); /* crossed: does not acknowledge a's FIN */
        add(c, OP_ACK, a, 0);    /* acknowledges b's FIN */
        add(c, OP_ACK, b, 0);    /* acknowledges a's FIN: close complete */
        c->initiator = (int8_t)a;
        break;
    case K_RESET:
        handshake(c);
        add_exchanges(c);
        if (rnd(2))
            add(c, OP_DATA, 0, data_len());
        add(c, OP_RST, a, 0);
        c->initiator = (int8_t)a;
        break;
    case K_REFUSED:
        add(c, OP_SYN, 0, 0);
        add(c, OP_REFUSE, 1, 0);
        break;
    case K_HALF_CLOSED:
        handshake(c);
        add_exchanges(c);
        add(c, OP_FIN, a, 0);
        add(c, OP_ACK, b, 0);
        c->initiator = (int8_t)a;
        break;
    case K_OPEN:
        handshake(c);
        add_exchanges(c);
        break;
    case K_INCOMPLETE:
        add(c, OP_SYN, 0, 0);
        if (rnd(2))
            add(c, OP_SYNACK, 1, 0);
        break;
    case K_NO_HANDSHAKE:
        /* The capture starts mid-connection: both sides already synchronized. */
        c->nxt[0] += 1 + rnd(100000);
        c->nxt[1] += 1 + rnd(100000);
        add_exchanges(c);
        break;
    default:
        break;
    }
}

/* ---- packet building ---- */

static FILE *out;
static uint64_t now_us = 1700000000ull * 1000000ull;
static uint64_t forced_us; /* --schedule: the next segment's time (0: advance at random) */
static uint64_t packets;
static char payload_text[2048];

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (; n > 1; n -= 2, p += 2)
        sum += (uint32_t)p[0] << 8 | p[1];
    if (n)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void le32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }

static void write_or_die(const void *p, size_t n)
{
    if (fwrite(p, 1, n, out) != n) {
        fprintf(stderr, "gen: write failed: %s\n", strerror(errno));
        exit(1);
    }
}

static void emit(struct conn *c, int from, uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *opt,
                 unsigned optlen, unsigned len)
{
    static uint8_t pkt[16 + 14 + 20 + 60 + 2048];
    int to = !from;
    uint8_t *rec = pkt, *eth = pkt + 16, *ip = eth + 14, *tcp = ip + 20;
    unsigned thl = 20 + optlen, iplen = 20 + thl + len, caplen = 14 + iplen;

    if (forced_us)
        now_us = forced_us;
    else
        now_us += 1 + rnd(40);
    le32(rec, (uint32_t)(now_us / 1000000));
    le32(rec + 4, (uint32_t)(now_us % 1000000));
    le32(rec + 8, caplen);
    le32(rec + 12, caplen);

    /* Ethernet: locally administered MACs derived from the IPs. */
    eth[0] = 0x02; eth[1] = (uint8_t)to; put32(eth + 2, c->ip[to]);
    eth[6] = 0x02; eth[7] = (uint8_t)from; put32(eth + 8, c->ip[from]);
    put16(eth + 12, 0x0800);

    ip[0] = 0x45; ip[1] = 0;
    put16(ip + 2, (uint16_t)iplen);
    put16(ip + 4, c->ipid[from]++);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64; ip[9] = 6;
    put16(ip + 10, 0);
    put32(ip + 12, c->ip[from]);
    put32(ip + 16, c->ip[to]);
    put16(ip + 10, csum_fold(csum_add(0, ip, 20)));

    put16(tcp, c->port[from]);
    put16(tcp + 2, c->port[to]);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = (uint8_t)((thl / 4) << 4);
    tcp[13] = flags;
    put16(tcp + 14, (flags & 0x04) ? 0 : ((flags & 0x02) ? 64240 : 502)); /* 502 << 7 after scaling */
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);
    if (optlen)
        memcpy(tcp + 20, opt, optlen);
    if (len)
        memcpy(tcp + thl, payload_text + (seq % 256), len);

    uint32_t sum = 0;
    sum = csum_add(sum, ip + 12, 8);
    sum += 6 + thl + len;
    sum = csum_add(sum, tcp, thl + len);
    put16(tcp + 16, csum_fold(sum));

    write_or_die(pkt, 16 + caplen);
    packets++;
}

/* Emit the connection's next scripted segment; returns 1 when it was its last. */
static int step(struct conn *c)
{
    static const uint8_t syn_opt[12] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2}; /* MSS 1460, WS 7, SACK ok */
    static const uint8_t synack_opt[12] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2};
    const struct step *s = &c->steps[c->pos++];
    int x = s->from, y = !x;

    switch ((enum op)s->op) {
    case OP_SYN:
        emit(c, x, 0x02, c->isn[x], 0, syn_opt, sizeof syn_opt, 0);
        c->nxt[x] = c->isn[x] + 1;
        break;
    case OP_SYNACK:
        emit(c, x, 0x12, c->isn[x], c->nxt[y], synack_opt, sizeof synack_opt, 0);
        c->nxt[x] = c->isn[x] + 1;
        break;
    case OP_ACK:
        emit(c, x, 0x10, c->nxt[x], c->nxt[y], NULL, 0, 0);
        break;
    case OP_DATA:
        emit(c, x, 0x18, c->nxt[x], c->nxt[y], NULL, 0, s->len);
        c->nxt[x] += s->len;
        break;
    case OP_FIN:
        emit(c, x, 0x11, c->nxt[x], c->nxt[y], NULL, 0, 0);
        c->nxt[x] += 1;
        break;
    case OP_SIMFIN: /* the peer's FIN (already sent) is not acknowledged */
        emit(c, x, 0x11, c->nxt[x], c->nxt[y] - 1, NULL, 0, 0);
        c->nxt[x] += 1;
        break;
    case OP_RST:
        emit(c, x, 0x14, c->nxt[x], c->nxt[y], NULL, 0, 0);
        break;
    case OP_REFUSE:
        emit(c, x, 0x14, 0, c->nxt[y], NULL, 0, 0);
        break;
    }
    return c->pos >= c->nsteps;
}

static void ipport(char *buf, size_t n, uint32_t ip, uint16_t port)
{
    snprintf(buf, n, "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, port);
}

static void usage(void)
{
    fprintf(stderr, "usage: gen --connections N --seed S --out FILE.pcap --truth FILE.tsv [--concurrency K]\n"
                    "       gen --schedule --connections N --interval-us I --hold-us H --out FILE.pcap "
                    "--truth FILE.tsv [--expect FILE.json] [--time-wait-s D]\n");
    exit(2);
}

/* ---- --schedule ---- */

#define SCHED_OPS 7

static uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* Connection i of the schedule, built afresh for each of its segments. */
static void sched_conn(struct conn *c, uint64_t i)
{
    uint64_t h = i * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
    h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ull;
    memset(c, 0, sizeof *c);
    c->ip[0] = 0x0a010001u; /* 10.1.0.1 */
    c->ip[1] = 0x0a020001u; /* 10.2.0.1 */
    c->port[0] = (uint16_t)(1024 + i % 64000);
    c->port[1] = (uint16_t)(5000 + i / 64000);
    c->isn[0] = (uint32_t)h;
    c->isn[1] = (uint32_t)(h >> 32);
    c->ipid[0] = (uint16_t)(i * 7);
    c->ipid[1] = (uint16_t)(i * 7 + 3);
}

static void sched_emit(uint64_t i, unsigned op)
{
    static const uint8_t syn_opt[12] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2};
    struct conn c;
    sched_conn(&c, i);
    uint32_t ci = c.isn[0], si = c.isn[1];
    c.ipid[0] = (uint16_t)(c.ipid[0] + op);
    c.ipid[1] = (uint16_t)(c.ipid[1] + op);
    switch (op) {
    case 0: emit(&c, 0, 0x02, ci, 0, syn_opt, sizeof syn_opt, 0); break;
    case 1: emit(&c, 1, 0x12, si, ci + 1, syn_opt, sizeof syn_opt, 0); break;
    case 2: emit(&c, 0, 0x10, ci + 1, si + 1, NULL, 0, 0); break;
    case 3: emit(&c, 0, 0x11, ci + 1, si + 1, NULL, 0, 0); break;
    case 4: emit(&c, 1, 0x10, si + 1, ci + 2, NULL, 0, 0); break;
    case 5: emit(&c, 1, 0x11, si + 1, ci + 2, NULL, 0, 0); break;
    default: emit(&c, 0, 0x10, ci + 2, si + 2, NULL, 0, 0); break;
    }
}

static int schedule(uint64_t n, uint64_t interval, uint64_t hold, uint64_t tw_s, FILE *truth, const char *expect_path)
{
    const uint64_t off[SCHED_OPS] = {0, 1, 2, 5, 6, 5 + hold, 6 + hold};
    uint64_t next[SCHED_OPS] = {0};
    const uint64_t t0 = now_us;

    if (interval < 8 || hold < 2 || tw_s < 1) {
        fprintf(stderr, "gen: --interval-us must be >= 8, --hold-us >= 2 and --time-wait-s >= 1\n");
        return 2;
    }
    /* The capture's span must fit the pcap's 32-bit seconds after now_us: at most 10^15 us (31 years). */
    const uint64_t span_max = 1000000000000000ull;
    if (hold > span_max || interval > span_max / n || (n - 1) * interval + hold + 6 > span_max ||
        tw_s > span_max / 1000000) {
        fprintf(stderr, "gen: the schedule spans more than 10^15 us\n");
        return 2;
    }
    for (int a = 0; a < SCHED_OPS; a++)
        for (int b = a + 1; b < SCHED_OPS; b++)
            if (off[a] % interval == off[b] % interval) {
                fprintf(stderr, "gen: offsets %llu and %llu us meet modulo the interval %llu us: choose another "
                        "--hold-us\n", (unsigned long long)off[a], (unsigned long long)off[b],
                        (unsigned long long)interval);
                return 2;
            }
    for (uint64_t i = 0; i < n; i++) {
        struct conn c;
        char cs[32], ss[32];
        sched_conn(&c, i);
        ipport(cs, sizeof cs, c.ip[0], c.port[0]);
        ipport(ss, sizeof ss, c.ip[1], c.port[1]);
        fprintf(truth, "%llu\tFour-way close\tclient\t%s\t%s\n", (unsigned long long)i, cs, ss);
    }
    /* Seven arithmetic sequences t0 + i * interval + off[op], merged in time order. */
    for (;;) {
        int best = -1;
        uint64_t when = 0;
        for (int op = 0; op < SCHED_OPS; op++) {
            if (next[op] >= n)
                continue;
            uint64_t t = t0 + next[op] * interval + off[op];
            if (best < 0 || t < when) {
                best = op;
                when = t;
            }
        }
        if (best < 0)
            break;
        forced_us = when;
        sched_emit(next[best]++, (unsigned)best);
    }
    forced_us = 0;

    /* By construction (see the top of this file). */
    const uint64_t tw = tw_s * 1000000;
    uint64_t tw_peak = min_u64(n, ceil_div(tw, interval));
    uint64_t cw_peak = min_u64(n, ceil_div(hold, interval));
    uint64_t fw2_peak = min_u64(n, ceil_div(hold - 1, interval));
    /* TIME_WAIT at the last segment (t_last + 6 + H): connection N-1-j began it at
     * t_last + 5 + H - j * I, and still holds it when j * I + 1 < tw. */
    uint64_t tw_end = min_u64(n, tw > 1 ? (tw - 2) / interval + 1 : 0);
    uint64_t tw_expired = n - tw_end;
    fprintf(stderr, "gen: schedule: interval %llu us, hold %llu us, TIME_WAIT %llu s: by construction client "
            "TIME_WAIT peak %llu (at the end %llu), server CLOSE_WAIT peak %llu, client FIN_WAIT2 peak %llu\n",
            (unsigned long long)interval, (unsigned long long)hold, (unsigned long long)tw_s,
            (unsigned long long)tw_peak, (unsigned long long)tw_end, (unsigned long long)cw_peak,
            (unsigned long long)fw2_peak);
    if (expect_path) {
        FILE *e = fopen(expect_path, "w");
        if (!e) {
            fprintf(stderr, "gen: cannot open %s: %s\n", expect_path, strerror(errno));
            return 1;
        }
        fprintf(e, "{\"connections\": %llu, \"interval_us\": %llu, \"hold_us\": %llu, \"time_wait_s\": %llu,\n"
                " \"client\": \"10.1.0.1\", \"server\": \"10.2.0.1\",\n"
                " \"client_time_wait_peak\": %llu, \"client_time_wait_at_end\": %llu, "
                "\"client_time_wait_expired\": %llu,\n"
                " \"server_close_wait_peak\": %llu, \"client_fin_wait2_peak\": %llu}\n",
                (unsigned long long)n, (unsigned long long)interval, (unsigned long long)hold,
                (unsigned long long)tw_s, (unsigned long long)tw_peak, (unsigned long long)tw_end,
                (unsigned long long)tw_expired, (unsigned long long)cw_peak, (unsigned long long)fw2_peak);
        if (fclose(e) != 0)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t nconn = 0, seed = 1, concurrency = 200, interval = 0, hold = 0, tw_s = 60;
    const char *out_path = NULL, *truth_path = NULL, *expect_path = NULL;
    int sched = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--schedule")) {
            sched = 1;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        if (!strcmp(a, "--interval-us"))
            interval = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(a, "--hold-us"))
            hold = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(a, "--time-wait-s"))
            tw_s = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(a, "--expect"))
            expect_path = argv[++i];
        else if (!strcmp(a, "--connections"))
            nconn = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(a, "--seed"))
            seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(a, "--concurrency"))
            concurrency = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(a, "--out"))
            out_path = argv[++i];
        else if (!strcmp(a, "--truth"))
            truth_path = argv[++i];
        else
            usage();
    }
    if (!nconn || !out_path || !truth_path || !concurrency || (sched && (!interval || !hold)))
        usage();
    if (sched && nconn > 64000ull * 60000ull) {
        fprintf(stderr, "gen: at most %llu connections in a schedule\n", 64000ull * 60000ull);
        return 2;
    }
    if (nconn > 65000ull * 50000ull) {
        fprintf(stderr, "gen: at most %llu connections\n", 65000ull * 50000ull);
        return 2;
    }
    rng_state = seed;

    for (size_t i = 0; i < sizeof payload_text; i++) /* printable text, shifted by seq */
        payload_text[i] = "tcpwave benchmark payload: the quick brown fox jumps over the lazy dog. "[i % 72];

    out = fopen(out_path, "wb");
    FILE *truth = fopen(truth_path, "w");
    if (!out || !truth) {
        fprintf(stderr, "gen: cannot open output: %s\n", strerror(errno));
        return 1;
    }
    static char obuf[1 << 20], tbuf[1 << 16];
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    setvbuf(truth, tbuf, _IOFBF, sizeof tbuf);

    uint8_t gh[24];
    le32(gh, 0xa1b2c3d4);
    gh[4] = 2; gh[5] = 0; gh[6] = 4; gh[7] = 0; /* version 2.4 */
    le32(gh + 8, 0);
    le32(gh + 12, 0);
    le32(gh + 16, 65535); /* snaplen */
    le32(gh + 20, 1);     /* LINKTYPE_ETHERNET */
    write_or_die(gh, sizeof gh);
    fprintf(truth, "stream\toutcome\tinitiator\tclient\tserver\n");

    if (sched) {
        int rc = schedule(nconn, interval, hold, tw_s, truth, expect_path);
        if (rc)
            return rc;
        if (fclose(out) != 0 || fclose(truth) != 0) {
            fprintf(stderr, "gen: write failed: %s\n", strerror(errno));
            return 1;
        }
        fprintf(stderr, "gen: %llu connections, %llu packets: Four-way close=%llu\n", (unsigned long long)nconn,
                (unsigned long long)packets, (unsigned long long)nconn);
        return 0;
    }

    if (concurrency > nconn)
        concurrency = nconn;
    struct conn *pool = calloc(concurrency, sizeof *pool);
    if (!pool) {
        fprintf(stderr, "gen: out of memory\n");
        return 1;
    }
    uint64_t started = 0, stream = 0, counts[K_COUNT] = {0};
    size_t active = 0;
    while (active < concurrency)
        new_conn(&pool[active++], started++);

    while (active) {
        size_t k = rnd((uint32_t)active);
        struct conn *c = &pool[k];
        if (c->pos == 0) { /* first segment: this is the next tcp.stream */
            char cs[32], ss[32];
            ipport(cs, sizeof cs, c->ip[0], c->port[0]);
            ipport(ss, sizeof ss, c->ip[1], c->port[1]);
            fprintf(truth, "%llu\t%s\t%s\t%s\t%s\n", (unsigned long long)stream++, kind_label[c->kind],
                    c->initiator < 0 ? "-" : c->initiator ? "server" : "client", cs, ss);
            counts[c->kind]++;
        }
        if (step(c)) {
            if (started < nconn)
                new_conn(c, started++);
            else
                pool[k] = pool[--active];
        }
    }

    if (fclose(out) != 0 || fclose(truth) != 0) {
        fprintf(stderr, "gen: write failed: %s\n", strerror(errno));
        return 1;
    }
    fprintf(stderr, "gen: %llu connections, %llu packets", (unsigned long long)stream, (unsigned long long)packets);
    for (int k = 0; k < K_COUNT; k++)
        fprintf(stderr, "%s %s=%llu", k ? "," : ":", kind_label[k], (unsigned long long)counts[k]);
    fprintf(stderr, "\n");
    free(pool);
    return 0;
}
