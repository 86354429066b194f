/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the per-host occupancy model (fsm/tw_hosts.c).
 *
 * Most tests drive real connections through the state engine (tw_conn_step)
 * and feed its verdicts to tw_hosts_step(), as the plugin does; a few feed a
 * verdict written by hand where the engine's path to it is not the point.
 * Expected values follow from docs/hosts.md: a state entered at s with
 * duration d counts during [s, s + d).  Paths read state/event/outcome. */
#include <glib.h>

#include "tw_fsm.h"
#include "tw_hosts.h"

#define SEC INT64_C(1000000000)
#define MS INT64_C(1000000)

#define F TW_TH_FIN
#define S TW_TH_SYN
#define R TW_TH_RST
#define A TW_TH_ACK

enum { CLIENT_HOST = 1, SERVER_HOST = 2 };

struct conn {
    struct tw_conn fsm;
    uint32_t id;
    uint16_t cport, sport;
    uint32_t cseq, sseq; /* next sequence numbers */
    uint32_t previous;
    uint32_t client_host, server_host;
};

struct world {
    struct tw_hosts h;
    uint32_t frame;
    unsigned changes;
    struct tw_hosts_change change[TW_HOSTS_MAX_CHANGES];
    struct tw_verdict v;
};

static void world_init(struct world *w)
{
    struct tw_hosts_config cfg;
    tw_hosts_config_linux(&cfg);
    tw_hosts_init(&w->h, &cfg);
    w->frame = 0;
}

static void conn_init(struct conn *c, uint32_t id, uint16_t cport)
{
    *c = (struct conn){.id = id, .cport = cport, .sport = 80, .cseq = 1000, .sseq = 9000,
                       .client_host = CLIENT_HOST, .server_host = SERVER_HOST};
}

/* One segment of c at time t (ns); the sequence numbers advance by what it carries. */
static void seg(struct world *w, struct conn *c, int64_t t, bool from_client, uint8_t flags)
{
    uint32_t *seq = from_client ? &c->cseq : &c->sseq, *peer = from_client ? &c->sseq : &c->cseq;
    struct tw_segment s = {
        .frame = ++w->frame,
        .time_ns = t,
        .seq = *seq,
        .ack = (flags & A) ? *peer : 0,
        .len = 0,
        .end_order = from_client ? 0 : 1,
        .window = 65535,
        .sport = from_client ? c->cport : c->sport,
        .dport = from_client ? c->sport : c->cport,
        .flags = flags,
    };
    tw_conn_step(&c->fsm, &s, &w->v);
    if (flags & (S | F))
        (*seq)++;
    struct tw_hosts_input in = {
        .time_ns = t,
        .conn = c->id,
        .host = {c->client_host, c->server_host},
        .port = {c->cport, c->sport},
        .tcp_flags = flags,
        .from_server = !from_client,
        .previous = c->previous,
        .v = w->v,
    };
    w->changes = tw_hosts_step(&w->h, &in, w->change);
    c->previous = 0;
}

static void handshake(struct world *w, struct conn *c, int64_t t)
{
    seg(w, c, t, true, S);
    seg(w, c, t + 1 * MS, false, S | A);
    seg(w, c, t + 2 * MS, true, A);
}

/* The closer sends FIN at t; three-way close (FIN+ACK merged), its final ACK at t + 2 ms. */
static void close3(struct world *w, struct conn *c, int64_t t, bool client_closes)
{
    seg(w, c, t, client_closes, F | A);
    seg(w, c, t + 1 * MS, !client_closes, F | A);
    seg(w, c, t + 2 * MS, client_closes, A);
}

static const struct tw_host *host(const struct world *w, uint32_t id)
{
    const struct tw_host *hst = tw_hosts_host(&w->h, id);
    g_assert_nonnull(hst);
    return hst;
}

/* A short connection whose server closes at t + 10 ms: the server holds
 * TIME_WAIT from the client's FIN+ACK at t + 11 ms. */
static void server_closed_conn(struct world *w, uint32_t id, int64_t t)
{
    struct conn c;
    conn_init(&c, id, (uint16_t)(30000 + id));
    handshake(w, &c, t);
    close3(w, &c, t + 10 * MS, false);
}

static void test_established_server_close_time_wait_counted(void)
{
    struct world w;
    struct conn c;
    world_init(&w);
    conn_init(&c, 0, 40000);
    handshake(&w, &c, 0);
    seg(&w, &c, 10 * MS, false, F | A); /* server FIN_WAIT1, client CLOSE_WAIT */
    g_assert_cmpuint(host(&w, CLIENT_HOST)->cur[TW_HC_CLOSE_WAIT], ==, 1);
    seg(&w, &c, 11 * MS, true, F | A); /* client LAST_ACK, server TIME_WAIT */
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_TIME_WAIT], ==, 1);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->cur[TW_HC_CLOSE_WAIT], ==, 0);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->cur[TW_HC_TIME_WAIT], ==, 0);
    g_assert_cmpuint(host(&w, SERVER_HOST)->closes_started, ==, 1);
    g_assert_cmpint(host(&w, CLIENT_HOST)->longest_ns[TW_HC_CLOSE_WAIT], ==, 1 * MS);
    /* This segment changed two hosts' counts: both are reported. */
    bool tw = false, cw = false;
    for (unsigned i = 0; i < w.changes; i++) {
        if (w.change[i].host == SERVER_HOST && w.change[i].count == TW_HC_TIME_WAIT && w.change[i].value == 1)
            tw = true;
        if (w.change[i].host == CLIENT_HOST && w.change[i].count == TW_HC_CLOSE_WAIT && w.change[i].value == 0)
            cw = true;
    }
    g_assert_true(tw && cw);
    seg(&w, &c, 12 * MS, false, A); /* final ACK: nothing changes */
    g_assert_cmpuint(w.changes, ==, 0);
    tw_hosts_clear(&w.h);
}

static void test_time_wait_timer_expires_at_60s(void)
{
    struct world w;
    struct conn other;
    world_init(&w);
    server_closed_conn(&w, 0, 0); /* server TIME_WAIT from t = 11 ms */
    conn_init(&other, 1, 50000);
    seg(&w, &other, 11 * MS + 60 * SEC - 1, true, S);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_TIME_WAIT], ==, 1);
    seg(&w, &other, 11 * MS + 60 * SEC, true, S); /* retransmitted SYN exactly 60 s later */
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_TIME_WAIT], ==, 0);
    g_assert_cmpuint(host(&w, SERVER_HOST)->ended[TW_HC_TIME_WAIT][TW_HE_TIMER], ==, 1);
    g_assert_cmpint(host(&w, SERVER_HOST)->longest_ns[TW_HC_TIME_WAIT], ==, 60 * SEC);
    tw_hosts_clear(&w.h);
}

static void test_time_wait_expired_late_ack_not_counted_again(void)
{
    struct world w;
    struct conn c;
    world_init(&w);
    conn_init(&c, 0, 40000);
    handshake(&w, &c, 0);
    close3(&w, &c, 10 * MS, false);
    /* A retransmitted final ACK 90 s later: the verdict still says
     * TIME_WAIT, but the timer ended it at 60 s. */
    seg(&w, &c, 90 * SEC, true, A);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_TIME_WAIT], ==, 0);
    g_assert_cmpuint(host(&w, SERVER_HOST)->entered[TW_HC_TIME_WAIT], ==, 1);
    tw_hosts_clear(&w.h);
}

/* N closes by one host at a fixed interval, 60 s TIME_WAIT: the peak is
 * ceil(60 s / interval) when N is larger, reached at the close of that number. */
static void check_schedule(int64_t interval, unsigned n, unsigned want_peak)
{
    struct world w;
    world_init(&w);
    for (unsigned i = 0; i < n; i++)
        server_closed_conn(&w, i, (int64_t)i * interval);
    g_assert_cmpuint(host(&w, SERVER_HOST)->peak[TW_HC_TIME_WAIT], ==, want_peak);
    g_assert_cmpint(host(&w, SERVER_HOST)->peak_ns[TW_HC_TIME_WAIT], ==,
                    (int64_t)(want_peak - 1) * interval + 11 * MS);
    tw_hosts_finish(&w.h, (int64_t)(n - 1) * interval + 11 * MS);
    /* At the end: those that entered within the last 60 s. */
    unsigned at_end = 0;
    for (unsigned i = 0; i < n; i++)
        if ((int64_t)i * interval + 60 * SEC > (int64_t)(n - 1) * interval)
            at_end++;
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_TIME_WAIT], ==, at_end);
    tw_hosts_clear(&w.h);
}

static void test_time_wait_schedule_one_per_second_peak_60(void) { check_schedule(1 * SEC, 200, 60); }
static void test_time_wait_schedule_250ms_peak_240(void) { check_schedule(250 * MS, 1000, 240); }
static void test_time_wait_schedule_short_run_peak_all(void) { check_schedule(1 * SEC, 30, 30); }

static void test_time_wait_syn_reusing_tuple_ends_it(void)
{
    struct world w;
    struct conn old, reuse;
    world_init(&w);
    conn_init(&old, 0, 40000);
    handshake(&w, &old, 0);
    close3(&w, &old, 10 * MS, true); /* the client holds TIME_WAIT */
    g_assert_cmpuint(host(&w, CLIENT_HOST)->cur[TW_HC_TIME_WAIT], ==, 1);
    conn_init(&reuse, 1, 40000);
    reuse.cseq = 500000;
    reuse.previous = 0 + 1;
    /* The plugin learns the reuse from tw_conn_successor(); the flag rides
     * on the new SYN's verdict. */
    struct tw_segment s = {.frame = 100, .time_ns = 5 * SEC, .seq = 500000, .sport = 40000, .dport = 80,
                           .flags = S, .window = 65535};
    tw_conn_step(&reuse.fsm, &s, &w.v);
    struct tw_hosts_input in = {.time_ns = 5 * SEC, .conn = 1, .host = {CLIENT_HOST, SERVER_HOST},
                                .port = {40000, 80}, .tcp_flags = S, .previous = 1, .v = w.v};
    in.v.events |= TW_EV_TIME_WAIT_REUSE;
    tw_hosts_step(&w.h, &in, w.change);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->cur[TW_HC_TIME_WAIT], ==, 0);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->ended[TW_HC_TIME_WAIT][TW_HE_REUSE], ==, 1);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->port_reuses, ==, 1);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->port_reuses_time_wait, ==, 1);
    g_assert_cmpint(host(&w, CLIENT_HOST)->port_reuse_min_ns, ==, 5 * SEC - 12 * MS);
    tw_hosts_clear(&w.h);
}

/* Linux tcp_timewait_state_process(): a segment with ACK from the peer
 * restarts the timer (inet_twsk_reschedule(tw, TCP_TIMEWAIT_LEN));
 * pcaps/kernel/hosts/time_wait_restart.pcap, where ss still lists the socket
 * 60 s after it entered TIME_WAIT. */
static void test_time_wait_peer_ack_restarts_timer(void)
{
    struct world w;
    struct conn c;
    world_init(&w);
    conn_init(&c, 0, 40000);
    handshake(&w, &c, 0);
    close3(&w, &c, 10 * MS, false); /* the server holds TIME_WAIT from 11 ms */
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_TIME_WAIT], ==, 1);
    seg(&w, &c, 20 * SEC, true, A); /* the client's bare ACK */
    tw_hosts_finish(&w.h, 11 * MS + 60 * SEC);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_TIME_WAIT], ==, 1); /* not at 60 s from entry */
    tw_hosts_finish(&w.h, 80 * SEC - 1);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_TIME_WAIT], ==, 1);
    tw_hosts_finish(&w.h, 80 * SEC);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_TIME_WAIT], ==, 0); /* 60 s from the ACK */
    g_assert_cmpuint(host(&w, SERVER_HOST)->ended[TW_HC_TIME_WAIT][TW_HE_TIMER], ==, 1);
    g_assert_cmpuint(host(&w, SERVER_HOST)->entered[TW_HC_TIME_WAIT], ==, 1);
    tw_hosts_clear(&w.h);
}

static void test_time_wait_own_segment_does_not_restart_timer(void)
{
    struct world w;
    struct conn c;
    world_init(&w);
    conn_init(&c, 0, 40000);
    handshake(&w, &c, 0);
    close3(&w, &c, 10 * MS, false);
    c.sseq--;
    seg(&w, &c, 20 * SEC, false, A); /* the TIME_WAIT side's own ACK again */
    tw_hosts_finish(&w.h, 11 * MS + 60 * SEC);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_TIME_WAIT], ==, 0);
    tw_hosts_clear(&w.h);
}

static void test_time_wait_rst_ends_it(void)
{
    struct world w;
    world_init(&w);
    struct tw_hosts_input in = {.time_ns = 0, .conn = 0, .host = {CLIENT_HOST, SERVER_HOST}, .port = {40000, 80},
                                .tcp_flags = F | A,
                                .v = {.prev = {TW_FIN_WAIT2, TW_CLOSE_WAIT}, .next = {TW_TIME_WAIT, TW_LAST_ACK},
                                      .sender = TW_SIDE_SERVER, .role = TW_ROLE_FIN2},
                                .from_server = 1};
    tw_hosts_step(&w.h, &in, w.change);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->cur[TW_HC_TIME_WAIT], ==, 1);
    in.time_ns = 2 * SEC;
    in.tcp_flags = R;
    in.v = (struct tw_verdict){.prev = {TW_TIME_WAIT, TW_LAST_ACK}, .next = {TW_CLOSED, TW_CLOSED},
                               .sender = TW_SIDE_SERVER, .role = TW_ROLE_RST};
    tw_hosts_step(&w.h, &in, w.change);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->cur[TW_HC_TIME_WAIT], ==, 0);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->ended[TW_HC_TIME_WAIT][TW_HE_SEGMENT], ==, 1);
    g_assert_cmpint(host(&w, CLIENT_HOST)->longest_ns[TW_HC_TIME_WAIT], ==, 2 * SEC);
    g_assert_cmpuint(host(&w, SERVER_HOST)->rst_sent, ==, 1);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->rst_received, ==, 1);
    tw_hosts_clear(&w.h);
}

static void test_close_wait_server_never_closes_open_at_end(void)
{
    struct world w;
    struct conn c[3];
    world_init(&w);
    for (uint32_t i = 0; i < 3; i++) {
        conn_init(&c[i], i, (uint16_t)(40000 + i));
        handshake(&w, &c[i], (int64_t)i * SEC);
        seg(&w, &c[i], (int64_t)i * SEC + 10 * MS, true, F | A); /* the client closes */
        seg(&w, &c[i], (int64_t)i * SEC + 11 * MS, false, A);    /* the server ACKs, never sends its FIN */
    }
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_CLOSE_WAIT], ==, 3);
    g_assert_cmpuint(host(&w, SERVER_HOST)->peak[TW_HC_CLOSE_WAIT], ==, 3);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->cur[TW_HC_FIN_WAIT2], ==, 3);
    tw_hosts_finish(&w.h, 30 * SEC);
    /* CLOSE_WAIT has no timer; FIN_WAIT2's is 60 s: both still open at 30 s. */
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_CLOSE_WAIT], ==, 3);
    g_assert_cmpint(host(&w, SERVER_HOST)->longest_open_ns[TW_HC_CLOSE_WAIT], ==, 30 * SEC - 10 * MS);
    g_assert_cmpint(host(&w, SERVER_HOST)->longest_ns[TW_HC_CLOSE_WAIT], ==, 0);
    tw_hosts_finish(&w.h, 200 * SEC);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_CLOSE_WAIT], ==, 3);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->cur[TW_HC_FIN_WAIT2], ==, 0);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->ended[TW_HC_FIN_WAIT2][TW_HE_TIMER], ==, 3);
    tw_hosts_clear(&w.h);
}

static void test_fin_wait2_peer_fin_ends_it_into_time_wait(void)
{
    struct world w;
    struct conn c;
    world_init(&w);
    conn_init(&c, 0, 40000);
    handshake(&w, &c, 0);
    seg(&w, &c, 1 * SEC, true, F | A);
    seg(&w, &c, 1 * SEC + 1 * MS, false, A);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->cur[TW_HC_FIN_WAIT2], ==, 1);
    seg(&w, &c, 6 * SEC, false, F | A);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->cur[TW_HC_FIN_WAIT2], ==, 0);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->cur[TW_HC_TIME_WAIT], ==, 1);
    g_assert_cmpint(host(&w, CLIENT_HOST)->longest_ns[TW_HC_FIN_WAIT2], ==, 5 * SEC - 1 * MS);
    g_assert_cmpint(host(&w, SERVER_HOST)->longest_ns[TW_HC_CLOSE_WAIT], ==, 5 * SEC);
    tw_hosts_clear(&w.h);
}

static void test_syn_recv_counted_from_synack_ended_by_ack(void)
{
    struct world w;
    struct conn c;
    world_init(&w);
    conn_init(&c, 0, 40000);
    seg(&w, &c, 0, true, S);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_SYN_RECV], ==, 0); /* a SYN alone proves nothing */
    seg(&w, &c, 1 * MS, false, S | A);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_SYN_RECV], ==, 1);
    seg(&w, &c, 3 * MS, true, A);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_SYN_RECV], ==, 0);
    g_assert_cmpint(host(&w, SERVER_HOST)->longest_ns[TW_HC_SYN_RECV], ==, 2 * MS);
    g_assert_cmpuint(host(&w, SERVER_HOST)->syns_received, ==, 1);
    tw_hosts_clear(&w.h);
}

static void test_syn_recv_retransmitted_syn_answered_late_synack_retransmitted(void)
{
    struct world w;
    struct conn c;
    world_init(&w);
    conn_init(&c, 0, 40000);
    seg(&w, &c, 0, true, S);
    c.cseq--; /* the same SYN again */
    seg(&w, &c, 1 * SEC, true, S);
    seg(&w, &c, 1 * SEC + 1 * MS, false, S | A);
    c.sseq--;
    seg(&w, &c, 2 * SEC + 1 * MS, false, S | A);
    g_assert_cmpuint(host(&w, SERVER_HOST)->syns_received, ==, 1);
    g_assert_cmpuint(host(&w, SERVER_HOST)->syns_answered_late, ==, 1);
    g_assert_cmpuint(host(&w, SERVER_HOST)->synacks_retransmitted, ==, 1);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_SYN_RECV], ==, 1);
    tw_hosts_finish(&w.h, 2 * SEC + 1 * MS + 63 * SEC);
    /* The SYN-ACK at 1.001 s began SYN_RECV; 63 s later the request is dropped. */
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_SYN_RECV], ==, 0);
    g_assert_cmpuint(host(&w, SERVER_HOST)->syns_unanswered, ==, 0);
    tw_hosts_clear(&w.h);
}

/* Linux with a full accept queue: the client's ACK is not taken, the request
 * stays (tcp_check_req(), inet_rsk(req)->acked) and its timer sends the
 * SYN-ACK again; `ss state syn-recv` lists it until the server sends a
 * segment of an established socket (pcaps/kernel/hosts/syn_backlog.pcap). */
static void test_syn_recv_synack_after_ack_counted_again_until_server_sends(void)
{
    struct world w;
    struct conn c;
    world_init(&w);
    conn_init(&c, 0, 40000);
    handshake(&w, &c, 0);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_SYN_RECV], ==, 0);
    c.sseq--; /* the same SYN-ACK again */
    seg(&w, &c, 1 * SEC, false, S | A);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_SYN_RECV], ==, 1);
    g_assert_cmpuint(w.changes, ==, 1);
    g_assert_cmpuint(w.change[0].count, ==, TW_HC_SYN_RECV);
    g_assert_cmpuint(w.change[0].value, ==, 1);
    seg(&w, &c, 1 * SEC + 1 * MS, true, A); /* the client's ACK again: not taken either */
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_SYN_RECV], ==, 1);
    seg(&w, &c, 2 * SEC, true, F | A); /* nor its FIN: no CLOSE_WAIT on a request */
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_SYN_RECV], ==, 1);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_CLOSE_WAIT], ==, 0);
    seg(&w, &c, 3 * SEC, false, A); /* the server ACKs: it was established */
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_SYN_RECV], ==, 0);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_CLOSE_WAIT], ==, 1);
    g_assert_cmpuint(host(&w, SERVER_HOST)->synacks_retransmitted, ==, 1);
    tw_hosts_clear(&w.h);
}

static void test_syn_recv_synack_after_ack_client_rst_ends_it(void)
{
    struct world w;
    struct conn c;
    world_init(&w);
    conn_init(&c, 0, 40000);
    handshake(&w, &c, 0);
    c.sseq--;
    seg(&w, &c, 1 * SEC, false, S | A);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_SYN_RECV], ==, 1);
    seg(&w, &c, 2 * SEC, true, R | A);
    g_assert_cmpuint(host(&w, SERVER_HOST)->cur[TW_HC_SYN_RECV], ==, 0);
    tw_hosts_clear(&w.h);
}

static void test_listen_syns_unanswered_counted_at_finish(void)
{
    struct world w;
    struct conn c[4];
    world_init(&w);
    for (uint32_t i = 0; i < 4; i++) {
        conn_init(&c[i], i, (uint16_t)(40000 + i));
        seg(&w, &c[i], (int64_t)i * MS, true, S);
    }
    seg(&w, &c[0], 10 * MS, false, S | A);
    seg(&w, &c[1], 10 * MS, false, R | A); /* refused: answered */
    tw_hosts_finish(&w.h, 1 * SEC);
    g_assert_cmpuint(host(&w, SERVER_HOST)->syns_received, ==, 4);
    g_assert_cmpuint(host(&w, SERVER_HOST)->syns_unanswered, ==, 2);
    tw_hosts_clear(&w.h);
}

static void test_listen_port_half_open_peak(void)
{
    struct world w;
    struct conn c[5];
    world_init(&w);
    for (uint32_t i = 0; i < 5; i++) {
        conn_init(&c[i], i, (uint16_t)(40000 + i));
        c[i].sport = i < 3 ? 80 : 443;
        seg(&w, &c[i], (int64_t)i * MS, true, S);
        seg(&w, &c[i], (int64_t)i * MS + 100, false, S | A);
    }
    for (uint32_t i = 0; i < 5; i++)
        seg(&w, &c[i], 10 * MS + i, true, A);
    unsigned seen = 0;
    for (size_t i = 0; i < w.h.ports_cap; i++) {
        const struct tw_hosts_port *p = tw_hosts_port_at(&w.h, i);
        if (!p)
            continue;
        seen++;
        g_assert_cmpuint(p->host_plus1, ==, SERVER_HOST + 1);
        g_assert_cmpuint(p->peak, ==, p->port == 80 ? 3 : 2);
        g_assert_cmpuint(p->syn_recv, ==, 0);
        g_assert_cmpuint(p->syns_received, ==, p->port == 80 ? 3 : 2);
    }
    g_assert_cmpuint(seen, ==, 2);
    g_assert_cmpuint(host(&w, SERVER_HOST)->peak[TW_HC_SYN_RECV], ==, 5);
    tw_hosts_clear(&w.h);
}

static void test_client_ports_range_and_concurrency(void)
{
    struct world w;
    struct conn c[3];
    world_init(&w);
    uint16_t ports[3] = {40010, 40002, 40007};
    for (uint32_t i = 0; i < 3; i++) {
        conn_init(&c[i], i, ports[i]);
        handshake(&w, &c[i], (int64_t)i * SEC);
    }
    close3(&w, &c[0], 5 * SEC, true);
    conn_init(&c[0], 3, 40020);
    handshake(&w, &c[0], 6 * SEC);
    const struct tw_host *cl = host(&w, CLIENT_HOST);
    g_assert_cmpuint(cl->conns_client, ==, 4);
    g_assert_cmpuint(cl->port_lo, ==, 40002);
    g_assert_cmpuint(cl->port_hi, ==, 40020);
    g_assert_cmpuint(cl->client_open_peak, ==, 3);
    g_assert_cmpuint(cl->client_open, ==, 3);
    g_assert_cmpuint(host(&w, SERVER_HOST)->conns_server, ==, 4);
    tw_hosts_clear(&w.h);
}

static void test_established_keepalive_idle_min(void)
{
    struct world w;
    struct conn c;
    world_init(&w);
    conn_init(&c, 0, 40000);
    handshake(&w, &c, 0);
    /* Keep-alive probes: one byte below snd_nxt, no data (RFC 9293 3.8.4). */
    c.cseq--;
    seg(&w, &c, 2 * SEC, true, A);
    g_assert_cmpuint(w.v.role, ==, TW_ROLE_KEEPALIVE);
    seg(&w, &c, 3 * SEC, true, A);
    g_assert_cmpuint(w.v.role, ==, TW_ROLE_KEEPALIVE);
    g_assert_cmpuint(host(&w, CLIENT_HOST)->keepalives, ==, 2);
    g_assert_cmpint(host(&w, CLIENT_HOST)->keepalive_idle_min_ns, ==, 1 * SEC);
    tw_hosts_clear(&w.h);
}

static void test_time_backwards_counts_as_latest(void)
{
    struct world w;
    struct conn c;
    world_init(&w);
    conn_init(&c, 0, 40000);
    handshake(&w, &c, 10 * SEC);
    seg(&w, &c, 5 * SEC, false, F | A); /* stamped earlier: counted at 10.002 s */
    g_assert_cmpint(w.h.now, ==, 10 * SEC + 2 * MS);
    seg(&w, &c, 11 * SEC, true, F | A);
    g_assert_cmpint(host(&w, CLIENT_HOST)->longest_ns[TW_HC_CLOSE_WAIT], ==, 1 * SEC - 2 * MS);
    tw_hosts_clear(&w.h);
}

static void test_memory_heap_bounded_by_rate_times_timeout(void)
{
    struct world w;
    world_init(&w);
    /* 2000 closes, one every 100 ms, over 200 s: at most the 600 begun in
     * the last 60 s wait in the heap (plus the three SYN_RECV... none: they
     * ended by their ACK but stay until their own expiry, 63 s). */
    for (unsigned i = 0; i < 2000; i++)
        server_closed_conn(&w, i, (int64_t)i * 100 * MS);
    g_assert_cmpuint(w.h.heap_max, <=, 600 + 631 + 2);
    g_assert_cmpuint(host(&w, SERVER_HOST)->peak[TW_HC_TIME_WAIT], ==, 600);
    tw_hosts_clear(&w.h);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hosts/established/server_close/time_wait_counted", test_established_server_close_time_wait_counted);
    g_test_add_func("/hosts/time_wait/timer/expires_at_60s", test_time_wait_timer_expires_at_60s);
    g_test_add_func("/hosts/time_wait/late_ack_after_expiry/not_counted_again",
                    test_time_wait_expired_late_ack_not_counted_again);
    g_test_add_func("/hosts/time_wait/one_close_per_second/peak_60", test_time_wait_schedule_one_per_second_peak_60);
    g_test_add_func("/hosts/time_wait/one_close_per_250ms/peak_240", test_time_wait_schedule_250ms_peak_240);
    g_test_add_func("/hosts/time_wait/30_closes_in_30s/peak_30", test_time_wait_schedule_short_run_peak_all);
    g_test_add_func("/hosts/time_wait/syn_reusing_tuple/ends_early", test_time_wait_syn_reusing_tuple_ends_it);
    g_test_add_func("/hosts/time_wait/rst/ends_early", test_time_wait_rst_ends_it);
    g_test_add_func("/hosts/time_wait/peer_ack/restarts_timer", test_time_wait_peer_ack_restarts_timer);
    g_test_add_func("/hosts/time_wait/own_ack/timer_unchanged", test_time_wait_own_segment_does_not_restart_timer);
    g_test_add_func("/hosts/close_wait/server_never_closes/open_at_end",
                    test_close_wait_server_never_closes_open_at_end);
    g_test_add_func("/hosts/fin_wait2/peer_fin/time_wait", test_fin_wait2_peer_fin_ends_it_into_time_wait);
    g_test_add_func("/hosts/syn_recv/synack_then_ack/counted_then_ended",
                    test_syn_recv_counted_from_synack_ended_by_ack);
    g_test_add_func("/hosts/syn_recv/retransmissions/answered_late",
                    test_syn_recv_retransmitted_syn_answered_late_synack_retransmitted);
    g_test_add_func("/hosts/syn_recv/synack_after_ack/counted_again_until_server_sends",
                    test_syn_recv_synack_after_ack_counted_again_until_server_sends);
    g_test_add_func("/hosts/syn_recv/synack_after_ack_then_client_rst/ended",
                    test_syn_recv_synack_after_ack_client_rst_ends_it);
    g_test_add_func("/hosts/listen/syns_unanswered/counted_at_finish", test_listen_syns_unanswered_counted_at_finish);
    g_test_add_func("/hosts/listen/half_open/peak_per_port", test_listen_port_half_open_peak);
    g_test_add_func("/hosts/client/ports/range_and_concurrency", test_client_ports_range_and_concurrency);
    g_test_add_func("/hosts/established/keepalive/idle_min", test_established_keepalive_idle_min);
    g_test_add_func("/hosts/any/time_backwards/counts_as_latest", test_time_backwards_counts_as_latest);
    g_test_add_func("/hosts/memory/heap/bounded_by_rate_times_timeout", test_memory_heap_bounded_by_rate_times_timeout);
    return g_test_run();
}
