/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tw_hosts.c - per-host occupancy (see tw_hosts.h and docs/hosts.md). */
#include "tw_hosts.h"

#include <string.h>

/* tw_hosts_conn.cls[end] */
#define CLS_MASK 0x07u
#define TW_HOSTS_LIVE 0x08u
#define GEN_SHIFT 4

enum {
    TW_HOSTS_CONN_SEEN = 1u << 0,
    TW_HOSTS_CONN_SYN = 1u << 1,         /* the client's SYN was captured */
    TW_HOSTS_CONN_SYN_RTX = 1u << 2,     /* ... and retransmitted before any answer */
    TW_HOSTS_CONN_ANSWERED = 1u << 3,    /* the server answered it (SYN-ACK or RST) */
    TW_HOSTS_CONN_SYNACK = 1u << 4,      /* the server sent a SYN-ACK: its SYN_RECV is proved */
    TW_HOSTS_CONN_CLIENT_OPEN = 1u << 5, /* counted in its client host's client_open */
    TW_HOSTS_CONN_PORT_COUNTED = 1u << 6 /* counted in the listening port's syn_recv */
};

struct tw_hosts_expiry {
    int64_t at;
    uint32_t conn;
    uint8_t end;
    uint8_t gen;
};

static const char *const count_names[TW_HC_COUNT] = {
    [TW_HC_TIME_WAIT] = "TIME_WAIT",
    [TW_HC_CLOSE_WAIT] = "CLOSE_WAIT",
    [TW_HC_FIN_WAIT2] = "FIN_WAIT2",
    [TW_HC_SYN_RECV] = "SYN_RECV",
};

const char *tw_hosts_count_name(unsigned count)
{
    return count < TW_HC_COUNT ? count_names[count] : "?";
}

void tw_hosts_config_linux(struct tw_hosts_config *cfg)
{
    cfg->timeout_ns[TW_HC_TIME_WAIT] = TW_HOSTS_LINUX_TIME_WAIT_NS;
    cfg->timeout_ns[TW_HC_CLOSE_WAIT] = 0;
    cfg->timeout_ns[TW_HC_FIN_WAIT2] = TW_HOSTS_LINUX_FIN_WAIT2_NS;
    cfg->timeout_ns[TW_HC_SYN_RECV] = TW_HOSTS_LINUX_SYN_RECV_NS;
}

void tw_hosts_init(struct tw_hosts *h, const struct tw_hosts_config *cfg)
{
    memset(h, 0, sizeof *h);
    h->cfg = *cfg;
    h->hosts = (struct tw_table)TW_TABLE_INIT(struct tw_host);
    h->conns = (struct tw_table)TW_TABLE_INIT(struct tw_hosts_conn);
    h->heap = (struct tw_table)TW_TABLE_INIT(struct tw_hosts_expiry);
    h->ports = (struct tw_table)TW_TABLE_INIT(struct tw_hosts_port);
}

void tw_hosts_clear(struct tw_hosts *h)
{
    struct tw_hosts_config cfg = h->cfg;
    tw_table_clear(&h->hosts);
    tw_table_clear(&h->conns);
    tw_table_clear(&h->heap);
    tw_table_clear(&h->ports);
    tw_hosts_init(h, &cfg);
}

size_t tw_hosts_bytes(const struct tw_hosts *h)
{
    return tw_table_bytes(&h->hosts) + tw_table_bytes(&h->conns) + tw_table_bytes(&h->heap) +
           tw_table_bytes(&h->ports);
}

const struct tw_host *tw_hosts_host(const struct tw_hosts *h, uint32_t id)
{
    return tw_table_get(&h->hosts, id);
}

const struct tw_hosts_conn *tw_hosts_conn(const struct tw_hosts *h, uint32_t conn)
{
    const struct tw_hosts_conn *c = tw_table_get(&h->conns, conn);
    return c && (c->flags & TW_HOSTS_CONN_SEEN) ? c : NULL;
}

const struct tw_hosts_port *tw_hosts_port_at(const struct tw_hosts *h, size_t i)
{
    const struct tw_hosts_port *p = i < h->ports_cap ? tw_table_get(&h->ports, i) : NULL;
    return p && p->host_plus1 ? p : NULL;
}

/* ---- The expiry heap: earliest first ---- */

static struct tw_hosts_expiry *heap_at(struct tw_hosts *h, size_t i)
{
    return tw_table_get(&h->heap, i);
}

static void heap_swap(struct tw_hosts *h, size_t a, size_t b)
{
    struct tw_hosts_expiry *x = heap_at(h, a), *y = heap_at(h, b), t = *x;
    *x = *y;
    *y = t;
}

static bool heap_push(struct tw_hosts *h, const struct tw_hosts_expiry *e)
{
    struct tw_hosts_expiry *slot = tw_table_at(&h->heap, h->heap_n);
    size_t i = h->heap_n++;

    if (!slot) {
        h->heap_n--;
        return false;
    }
    *slot = *e;
    while (i > 0 && heap_at(h, (i - 1) / 2)->at > heap_at(h, i)->at) {
        heap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    if (h->heap_n > h->heap_max)
        h->heap_max = h->heap_n;
    return true;
}

static void heap_pop(struct tw_hosts *h)
{
    size_t i = 0;

    *heap_at(h, 0) = *heap_at(h, --h->heap_n);
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->heap_n && heap_at(h, l)->at < heap_at(h, m)->at)
            m = l;
        if (r < h->heap_n && heap_at(h, r)->at < heap_at(h, m)->at)
            m = r;
        if (m == i)
            break;
        heap_swap(h, i, m);
        i = m;
    }
}

/* ---- Listening ports: (host, port) in open addressing ---- */

static size_t port_hash(uint32_t host, uint16_t port)
{
    uint64_t k = (uint64_t)host << 16 | port;
    k ^= k >> 33;
    k *= UINT64_C(0xff51afd7ed558ccd);
    k ^= k >> 33;
    return (size_t)k;
}

static struct tw_hosts_port *port_find(struct tw_table *slots, size_t cap, uint32_t host, uint16_t port)
{
    for (size_t i = port_hash(host, port) & (cap - 1);; i = (i + 1) & (cap - 1)) {
        struct tw_hosts_port *p = tw_table_get(slots, i);
        if (!p->host_plus1 || (p->host_plus1 == host + 1 && p->port == port))
            return p;
    }
}

/* Grown at 1/2 full, so a probe always ends at a free slot. */
static struct tw_hosts_port *port_get(struct tw_hosts *h, uint32_t host, uint16_t port)
{
    if (2 * (h->ports_n + 1) > h->ports_cap) {
        size_t cap = h->ports_cap ? 2 * h->ports_cap : 64;
        struct tw_table grown = TW_TABLE_INIT(struct tw_hosts_port);
        if (!tw_table_at(&grown, cap - 1)) {
            tw_table_clear(&grown);
            return NULL;
        }
        for (size_t i = 0; i < h->ports_cap; i++) {
            const struct tw_hosts_port *old = tw_table_get(&h->ports, i);
            if (old->host_plus1)
                *port_find(&grown, cap, old->host_plus1 - 1, old->port) = *old;
        }
        tw_table_clear(&h->ports);
        h->ports = grown;
        h->ports_cap = cap;
    }
    struct tw_hosts_port *p = port_find(&h->ports, h->ports_cap, host, port);
    if (!p->host_plus1) {
        p->host_plus1 = host + 1;
        p->port = port;
        h->ports_n++;
    }
    return p;
}

/* ---- Counting ---- */

static struct tw_host *host_of(struct tw_hosts *h, uint32_t id)
{
    struct tw_host *host = tw_table_at(&h->hosts, id);
    if (!host)
        h->no_memory = true;
    return host;
}

static void note_change(struct tw_hosts_change *out, unsigned *n, uint32_t host, unsigned count, uint32_t value)
{
    for (unsigned i = 0; i < *n; i++)
        if (out[i].host == host && out[i].count == count) {
            out[i].value = value;
            return;
        }
    if (*n < TW_HOSTS_MAX_CHANGES)
        out[(*n)++] = (struct tw_hosts_change){host, (uint8_t)count, value};
}

static void longest(int64_t *slot, int64_t d)
{
    if (d > *slot)
        *slot = d;
}

/* End the counted interval of c's end (live or not); `why` counts it. */
static void end_interval(struct tw_hosts *h, struct tw_hosts_conn *c, unsigned end, int64_t at, unsigned why,
                         struct tw_hosts_change *out, unsigned *n)
{
    unsigned cls = c->cls[end] & CLS_MASK;
    struct tw_host *host;

    if (!cls || !(c->cls[end] & TW_HOSTS_LIVE)) {
        c->cls[end] &= (uint8_t)~(CLS_MASK | TW_HOSTS_LIVE);
        return;
    }
    c->cls[end] &= (uint8_t)~(CLS_MASK | TW_HOSTS_LIVE);
    host = host_of(h, c->host[end]);
    if (!host)
        return;
    cls--;
    host->cur[cls]--;
    host->ended[cls][why]++;
    longest(&host->longest_ns[cls], at - c->since[end]);
    if (cls == TW_HC_SYN_RECV && (c->flags & TW_HOSTS_CONN_PORT_COUNTED)) {
        struct tw_hosts_port *p = port_get(h, c->host[TW_S], c->port[TW_S]);
        if (p)
            p->syn_recv--;
        c->flags &= (uint8_t)~TW_HOSTS_CONN_PORT_COUNTED;
    }
    if (out)
        note_change(out, n, c->host[end], cls, host->cur[cls]);
}

static void begin_interval(struct tw_hosts *h, struct tw_hosts_conn *c, uint32_t conn, unsigned end, unsigned cls,
                           int64_t at, struct tw_hosts_change *out, unsigned *n)
{
    struct tw_host *host = host_of(h, c->host[end]);
    uint8_t gen = (uint8_t)(((c->cls[end] >> GEN_SHIFT) + 1) & 0x0f);

    c->cls[end] = (uint8_t)(gen << GEN_SHIFT | TW_HOSTS_LIVE | (cls + 1));
    c->since[end] = at;
    if (!host)
        return;
    host->entered[cls]++;
    if (++host->cur[cls] > host->peak[cls]) {
        host->peak[cls] = host->cur[cls];
        host->peak_ns[cls] = at;
    }
    note_change(out, n, c->host[end], cls, host->cur[cls]);
    if (cls == TW_HC_SYN_RECV) {
        struct tw_hosts_port *p = port_get(h, c->host[TW_S], c->port[TW_S]);
        if (p) {
            c->flags |= TW_HOSTS_CONN_PORT_COUNTED;
            if (++p->syn_recv > p->peak) {
                p->peak = p->syn_recv;
                p->peak_ns = at;
            }
        } else {
            h->no_memory = true;
        }
    }
    if (h->cfg.timeout_ns[cls] > 0) {
        struct tw_hosts_expiry e = {at + h->cfg.timeout_ns[cls], conn, (uint8_t)end, gen};
        if (!heap_push(h, &e))
            h->no_memory = true;
    }
}

/* Expire every interval whose time is <= t: a state entered at s with
 * duration d is counted during [s, s + d). */
static void advance(struct tw_hosts *h, int64_t t)
{
    while (h->heap_n > 0 && heap_at(h, 0)->at <= t) {
        struct tw_hosts_expiry e = *heap_at(h, 0);
        struct tw_hosts_conn *c = tw_table_get(&h->conns, e.conn);
        heap_pop(h);
        if (!c || !(c->cls[e.end] & TW_HOSTS_LIVE) || (c->cls[e.end] >> GEN_SHIFT) != e.gen)
            continue; /* ended earlier by a segment */
        unsigned cls = (c->cls[e.end] & CLS_MASK) - 1;
        if (cls == TW_HC_TIME_WAIT && c->since[e.end] + h->cfg.timeout_ns[cls] > e.at) {
            /* Restarted by a segment since (tw_hosts_step()): due later. */
            struct tw_hosts_expiry later = {c->since[e.end] + h->cfg.timeout_ns[cls], e.conn, e.end, e.gen};
            if (!heap_push(h, &later))
                h->no_memory = true;
            continue;
        }
        struct tw_host *host = host_of(h, c->host[e.end]);
        /* The class stays (the verdicts still say so): only a change of
         * state begins a new interval. */
        c->cls[e.end] &= (uint8_t)~TW_HOSTS_LIVE;
        if (!host)
            continue;
        host->cur[cls]--;
        host->ended[cls][TW_HE_TIMER]++;
        longest(&host->longest_ns[cls], e.at - c->since[e.end]);
        if (cls == TW_HC_SYN_RECV && (c->flags & TW_HOSTS_CONN_PORT_COUNTED)) {
            struct tw_hosts_port *p = port_get(h, c->host[TW_S], c->port[TW_S]);
            if (p)
                p->syn_recv--;
            c->flags &= (uint8_t)~TW_HOSTS_CONN_PORT_COUNTED;
        }
    }
}

/*
 * The counted state of one end after a segment, from its verdict state.
 * SYN_RECV is counted from the server's SYN-ACK: a SYN alone does not prove
 * that the listener kept it (semantics rule 5; a full SYN queue drops it).
 */
static int class_of(const struct tw_hosts_conn *c, unsigned end, uint8_t state)
{
    switch (state) {
    case TW_TIME_WAIT: return TW_HC_TIME_WAIT;
    case TW_CLOSE_WAIT: return TW_HC_CLOSE_WAIT;
    case TW_FIN_WAIT2: return TW_HC_FIN_WAIT2;
    case TW_SYN_RECV: return end == TW_S && (c->flags & TW_HOSTS_CONN_SYNACK) ? TW_HC_SYN_RECV : -1;
    default: return -1;
    }
}

static void min_time(int64_t *slot, bool first, int64_t d)
{
    if (first || d < *slot)
        *slot = d;
}

/* The first segment of a connection. */
static void open_conn(struct tw_hosts *h, struct tw_hosts_conn *c, const struct tw_hosts_input *in, int64_t t,
                      struct tw_hosts_change *out, unsigned *n)
{
    struct tw_host *client, *server;

    c->flags = TW_HOSTS_CONN_SEEN;
    for (unsigned e = 0; e < 2; e++) {
        c->host[e] = in->host[e];
        c->port[e] = in->port[e];
    }
    client = host_of(h, in->host[TW_C]);
    if (client) {
        if (client->conns_client == 0 || in->port[TW_C] < client->port_lo)
            client->port_lo = in->port[TW_C];
        if (client->conns_client == 0 || in->port[TW_C] > client->port_hi)
            client->port_hi = in->port[TW_C];
        client->conns_client++;
        c->flags |= TW_HOSTS_CONN_CLIENT_OPEN;
        if (++client->client_open > client->client_open_peak)
            client->client_open_peak = client->client_open;
    }
    server = host_of(h, in->host[TW_S]);
    if (server)
        server->conns_server++;

    struct tw_hosts_conn *prev = in->previous ? tw_table_get(&h->conns, in->previous - 1) : NULL;
    if (prev && (prev->flags & TW_HOSTS_CONN_SEEN) && in->previous - 1 != in->conn && client) {
        min_time(&client->port_reuse_min_ns, client->port_reuses == 0, t - prev->last_ns);
        client->port_reuses++;
        if (in->v.events & TW_EV_TIME_WAIT_REUSE) {
            /* Linux tcp_timewait_state_process(): an acceptable SYN ends
             * TIME_WAIT (TCP_TW_SYN: the socket is descheduled). */
            client->port_reuses_time_wait++;
            for (unsigned e = 0; e < 2; e++)
                if ((prev->cls[e] & CLS_MASK) == TW_HC_TIME_WAIT + 1)
                    end_interval(h, prev, e, t, TW_HE_REUSE, out, n);
        }
    }
}

unsigned tw_hosts_step(struct tw_hosts *h, const struct tw_hosts_input *in,
                       struct tw_hosts_change out[TW_HOSTS_MAX_CHANGES])
{
    struct tw_hosts_conn *c = tw_table_at(&h->conns, in->conn);
    const struct tw_verdict *v = &in->v;
    unsigned n = 0;
    int64_t t;

    /* Time never goes back here: a stamp earlier than one already fed (or
     * unknown) counts as the latest one. */
    if (in->time_ns != TW_TIME_UNKNOWN && (!h->started || in->time_ns > h->now))
        h->now = in->time_ns;
    if (!h->started && in->time_ns != TW_TIME_UNKNOWN) {
        h->started = true;
        h->first_ns = h->now;
    }
    t = h->now;
    advance(h, t);
    if (!c) {
        h->no_memory = true;
        return 0;
    }
    if (!(c->flags & TW_HOSTS_CONN_SEEN))
        open_conn(h, c, in, t, out, &n);

    unsigned sender = in->from_server ? TW_S : TW_C;
    struct tw_host *src = host_of(h, c->host[sender]), *dst = host_of(h, c->host[!sender]);
    if (!src || !dst)
        return n;
    bool syn = in->tcp_flags & TW_TH_SYN, ack = in->tcp_flags & TW_TH_ACK;

    if (in->tcp_flags & TW_TH_RST) {
        src->rst_sent++;
        dst->rst_received++;
    }
    if (syn && !ack && sender == TW_C && !(c->flags & TW_HOSTS_CONN_ANSWERED)) {
        if (!(c->flags & TW_HOSTS_CONN_SYN)) {
            c->flags |= TW_HOSTS_CONN_SYN;
            dst->syns_received++;
            struct tw_hosts_port *p = port_get(h, c->host[TW_S], c->port[TW_S]);
            if (p)
                p->syns_received++;
        } else {
            c->flags |= TW_HOSTS_CONN_SYN_RTX;
        }
    }
    if (sender == TW_S && (c->flags & TW_HOSTS_CONN_SYN) && (syn || (in->tcp_flags & TW_TH_RST))) {
        if (!(c->flags & TW_HOSTS_CONN_ANSWERED) && (c->flags & TW_HOSTS_CONN_SYN_RTX))
            src->syns_answered_late++;
        c->flags |= TW_HOSTS_CONN_ANSWERED;
    }
    if (sender == TW_S && syn && ack) {
        if (c->flags & TW_HOSTS_CONN_SYNACK)
            src->synacks_retransmitted++;
        c->flags |= TW_HOSTS_CONN_SYNACK;
    }
    if (v->role == TW_ROLE_FIN1)
        src->closes_started++;
    if (v->role == TW_ROLE_KEEPALIVE) {
        min_time(&src->keepalive_idle_min_ns, src->keepalives == 0, t - c->last_ns);
        src->keepalives++;
    }

    /* Ends leave their states before they enter new ones, so that a count
     * never passes through a value above both. */
    int want[2];
    for (unsigned e = 0; e < 2; e++) {
        want[e] = class_of(c, e, v->next[e]);
        if ((int)(c->cls[e] & CLS_MASK) - 1 != want[e])
            end_interval(h, c, e, t, TW_HE_SEGMENT, out, &n);
    }
    for (unsigned e = 0; e < 2; e++)
        if (want[e] >= 0 && (int)(c->cls[e] & CLS_MASK) - 1 != want[e])
            begin_interval(h, c, in->conn, e, (unsigned)want[e], t, out, &n);

    /* Linux tcp_timewait_state_process(): a segment with ACK and without RST
     * from the peer restarts the TIME_WAIT timer (inet_twsk_reschedule(tw,
     * TCP_TIMEWAIT_LEN): a bare in-window ACK, the peer's FIN sent again, any
     * out-of-window segment with ACK).  For TIME_WAIT, since[] is when the
     * interval began or was last restarted; advance() reschedules its expiry. */
    unsigned tw_end = !sender;
    if (ack && !(in->tcp_flags & TW_TH_RST) &&
        (c->cls[tw_end] & (CLS_MASK | TW_HOSTS_LIVE)) == (TW_HOSTS_LIVE | (TW_HC_TIME_WAIT + 1)) &&
        c->since[tw_end] < t)
        c->since[tw_end] = t;

    if ((c->flags & TW_HOSTS_CONN_CLIENT_OPEN) && (v->next[TW_C] == TW_CLOSED || v->next[TW_C] == TW_TIME_WAIT)) {
        struct tw_host *client = host_of(h, c->host[TW_C]);
        c->flags &= (uint8_t)~TW_HOSTS_CONN_CLIENT_OPEN;
        if (client)
            client->client_open--;
    }
    c->last_ns = t;
    for (unsigned e = 0; e < 2; e++) {
        struct tw_host *host = e == sender ? src : dst;
        if (!host->seen)
            host->first_ns = t;
        host->seen = true;
        host->last_ns = t;
    }
    return n;
}

void tw_hosts_finish(struct tw_hosts *h, int64_t end_ns)
{
    if (end_ns > h->now)
        h->now = end_ns;
    advance(h, h->now);
    for (size_t i = 0; i < h->hosts.count; i++) {
        struct tw_host *host = tw_table_get(&h->hosts, i);
        memset(host->longest_open_ns, 0, sizeof host->longest_open_ns);
        host->syns_unanswered = 0;
    }
    for (size_t i = 0; i < h->conns.count; i++) {
        const struct tw_hosts_conn *c = tw_table_get(&h->conns, i);
        if (!(c->flags & TW_HOSTS_CONN_SEEN))
            continue;
        for (unsigned e = 0; e < 2; e++) {
            struct tw_host *host = tw_table_get(&h->hosts, c->host[e]);
            if (host && (c->cls[e] & TW_HOSTS_LIVE))
                longest(&host->longest_open_ns[(c->cls[e] & CLS_MASK) - 1], h->now - c->since[e]);
        }
        if ((c->flags & TW_HOSTS_CONN_SYN) && !(c->flags & TW_HOSTS_CONN_ANSWERED)) {
            struct tw_host *server = tw_table_get(&h->hosts, c->host[TW_S]);
            if (server)
                server->syns_unanswered++;
        }
    }
}
