/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the tcpwave state machine (fsm/tw_fsm.c).
 *
 * Each test drives one connection with segments written out by hand and
 * checks the states after each one against RFC 9293 section 3.10 and the
 * worked tables of docs/semantics.md.  Test paths read state/event/outcome. */
#include <glib.h>

#include "tw_fsm.h"

#define C_PORT 40000
#define S_PORT 80
#define C_ISN 1000u
#define S_ISN 5000u

#define F TW_TH_FIN
#define S TW_TH_SYN
#define R TW_TH_RST
#define P TW_TH_PSH
#define A TW_TH_ACK

#define RUN_SEEN 32

struct run {
    struct tw_conn conn;
    struct tw_verdict v;
    struct tw_verdict seen[RUN_SEEN + 1]; /* by frame: the one-pass verdicts of the first frames */
    uint32_t frame;
    int64_t now;
};

/* Every run frees what the engine allocated when it goes out of scope. */
static void run_free(struct run *r)
{
    tw_conn_free(&r->conn);
}
#define RUN struct run __attribute__((cleanup(run_free)))

static void seg(struct run *r, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    struct tw_segment s = {
        .frame = ++r->frame,
        .time_ns = r->now += 1000000,
        .seq = seq,
        .ack = ack,
        .len = len,
        .end_order = from_client ? 0 : 1,
        .window = 65535,
        .sport = from_client ? C_PORT : S_PORT,
        .dport = from_client ? S_PORT : C_PORT,
        .flags = flags,
    };
    uint8_t before_c = r->conn.ep[TW_C].state, before_s = r->conn.ep[TW_S].state;

    tw_conn_step(&r->conn, &s, &r->v);
    if (r->frame <= RUN_SEEN)
        r->seen[r->frame] = r->v;
    if (r->frame > 1) {
        g_assert_cmpuint(r->v.prev[TW_C], ==, before_c);
        g_assert_cmpuint(r->v.prev[TW_S], ==, before_s);
    }
}

#define cs(r, fl, seq, ack, len) seg(r, true, fl, seq, ack, len)
#define sc(r, fl, seq, ack, len) seg(r, false, fl, seq, ack, len)

static void expect(const struct run *r, enum tw_state c, enum tw_state s, enum tw_role role)
{
    if (r->v.next[TW_C] != c || r->v.next[TW_S] != s || r->v.role != role)
        g_error("frame %u: got client %s server %s role %s, want %s %s %s", r->frame,
                tw_state_name(r->v.next[TW_C]), tw_state_name(r->v.next[TW_S]), tw_role_name(r->v.role),
                tw_state_name(c), tw_state_name(s), tw_role_name(role));
}

static void expect_step(const struct run *r, enum tw_step_kind kind, unsigned num)
{
    g_assert_cmpuint(tw_step_kind(r->v.step), ==, kind);
    g_assert_cmpuint(tw_step_num(r->v.step), ==, num);
}

/* SYN, SYN-ACK, ACK: the client's side starts at C_ISN, the server's at S_ISN. */
static void handshake(struct run *r)
{
    cs(r, S, C_ISN, 0, 0);
    expect(r, TW_SYN_SENT, TW_SYN_RECV, TW_ROLE_SYN);
    g_assert_cmpuint(r->v.prev[TW_C], ==, TW_CLOSED);
    g_assert_cmpuint(r->v.prev[TW_S], ==, TW_LISTEN);
    g_assert_cmpuint(r->v.sender, ==, TW_SIDE_CLIENT);
    expect_step(r, TW_STEP_HANDSHAKE, 1);
    sc(r, S | A, S_ISN, C_ISN + 1, 0);
    expect(r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_SYN_ACK);
    g_assert_cmpuint(r->v.sender, ==, TW_SIDE_SERVER);
    expect_step(r, TW_STEP_HANDSHAKE, 2);
    cs(r, A, C_ISN + 1, S_ISN + 1, 0);
    expect(r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_HS_ACK);
    expect_step(r, TW_STEP_HANDSHAKE, 3);
    g_assert_true(r->v.events & TW_EV_HANDSHAKE_DONE);
}

/* Seed listing 1 (docs/semantics.md table 1): data, then a four-way close. */
static void test_established_client_fin_four_way(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, P | A, C_ISN + 1, S_ISN + 1, 3);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_DATA);
    sc(&r, A, S_ISN + 1, C_ISN + 4, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_ACK);
    cs(&r, F | A, C_ISN + 4, S_ISN + 1, 0);
    expect(&r, TW_FIN_WAIT1, TW_CLOSE_WAIT, TW_ROLE_FIN1);
    expect_step(&r, TW_STEP_CLOSE, 1);
    sc(&r, A, S_ISN + 1, C_ISN + 5, 0);
    expect(&r, TW_FIN_WAIT2, TW_CLOSE_WAIT, TW_ROLE_FIN1_ACK);
    expect_step(&r, TW_STEP_CLOSE, 2);
    sc(&r, F | A, S_ISN + 1, C_ISN + 5, 0);
    expect(&r, TW_TIME_WAIT, TW_LAST_ACK, TW_ROLE_FIN2);
    expect_step(&r, TW_STEP_CLOSE, 3);
    g_assert_cmpuint(r.conn.close_type, ==, TW_CLOSE_NONE);
    cs(&r, A, C_ISN + 5, S_ISN + 2, 0);
    expect(&r, TW_TIME_WAIT, TW_CLOSED, TW_ROLE_FINAL_ACK);
    expect_step(&r, TW_STEP_CLOSE, 4);
    g_assert_true(r.v.events & TW_EV_CLOSE_DONE);
    g_assert_cmpuint(r.conn.close_type, ==, TW_CLOSE_FOUR_WAY);
    g_assert_cmpuint(r.conn.close_initiator, ==, TW_SIDE_CLIENT);
    g_assert_cmpuint(tw_conn_outcome(&r.conn), ==, TW_OUT_FOUR_WAY);
    g_assert_cmpuint(r.conn.frames[TW_LINK_SYN], ==, 1);
    g_assert_cmpuint(r.conn.frames[TW_LINK_FIN1], ==, 6);
    g_assert_cmpuint(r.conn.frames[TW_LINK_FIN1_ACK], ==, 7);
    g_assert_cmpuint(r.conn.frames[TW_LINK_FIN2], ==, 8);
    g_assert_cmpuint(r.conn.frames[TW_LINK_FINAL_ACK], ==, 9);
    struct tw_summary sum;
    tw_conn_summary(&r.conn, &sum);
    g_assert_cmpuint(sum.close_time, ==, TW_DUR_KNOWN);
    g_assert_cmpint(sum.close_ns, ==, 3000000);
    g_assert_true(sum.final_ack_seen);
}

/* Seed listing 2 (docs/semantics.md table 2): the server closes first and the
 * client's FIN carries the ACK of it. */
static void test_established_server_fin_merged_fin_ack_three_way(void)
{
    RUN r = {0};
    handshake(&r);
    sc(&r, F | A, S_ISN + 1, C_ISN + 1, 0);
    expect(&r, TW_CLOSE_WAIT, TW_FIN_WAIT1, TW_ROLE_FIN1);
    cs(&r, F | A, C_ISN + 1, S_ISN + 2, 0);
    expect(&r, TW_LAST_ACK, TW_TIME_WAIT, TW_ROLE_FIN_ACK);
    expect_step(&r, TW_STEP_CLOSE, 2);
    sc(&r, A, S_ISN + 2, C_ISN + 2, 0);
    expect(&r, TW_CLOSED, TW_TIME_WAIT, TW_ROLE_FINAL_ACK);
    expect_step(&r, TW_STEP_CLOSE, 3);
    g_assert_cmpuint(r.conn.close_type, ==, TW_CLOSE_THREE_WAY);
    g_assert_cmpuint(r.conn.close_initiator, ==, TW_SIDE_SERVER);
    g_assert_cmpuint(r.conn.close_total, ==, 3);
}

/* docs/semantics.md, last paragraph: FINs cross; both pass through CLOSING and
 * both end in TIME_WAIT (RFC 9293 figure 13). */
static void test_fin_wait1_crossing_fin_simultaneous(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, TW_FIN_WAIT1, TW_CLOSE_WAIT, TW_ROLE_FIN1);
    sc(&r, F | A, S_ISN + 1, C_ISN + 1, 0); /* does not ack the client's FIN */
    /* The server sent it from ESTABLISHED (FIN_WAIT1); the client receives
     * it in FIN_WAIT1 with its own FIN unacknowledged: CLOSING. */
    expect(&r, TW_CLOSING, TW_FIN_WAIT1, TW_ROLE_SIM_FIN);
    g_assert_true(r.v.events & TW_EV_CROSSED_FINS);
    /* The client's FIN reaches the server now (CLOSING); this ACK, sent
     * after that FIN, reaches it after the server has answered the FIN. */
    cs(&r, A, C_ISN + 2, S_ISN + 2, 0);
    expect(&r, TW_CLOSING, TW_CLOSING, TW_ROLE_FIN2_ACK);
    expect_step(&r, TW_STEP_CLOSE, 3);
    sc(&r, A, S_ISN + 2, C_ISN + 2, 0);
    expect(&r, TW_TIME_WAIT, TW_TIME_WAIT, TW_ROLE_FINAL_ACK);
    expect_step(&r, TW_STEP_CLOSE, 4);
    g_assert_cmpuint(r.conn.close_type, ==, TW_CLOSE_SIMULTANEOUS);
    g_assert_cmpuint(r.conn.close_initiator, ==, TW_SIDE_CLIENT);
}

/* The first FIN sent twice: the copy changes nothing and keeps its step. */
static void test_fin_wait1_fin_retransmitted_states_stay(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, TW_FIN_WAIT1, TW_CLOSE_WAIT, TW_ROLE_RETRANS);
    expect_step(&r, TW_STEP_CLOSE, 1);
    g_assert_false(r.v.events & TW_EV_ACK_LOST);
    sc(&r, F | A, S_ISN + 1, C_ISN + 2, 0);
    expect(&r, TW_TIME_WAIT, TW_LAST_ACK, TW_ROLE_FIN_ACK);
}

/* The server retransmits its FIN after the client's final ACK was captured:
 * that ACK was lost beyond the capture point.  Nothing is counted twice. */
static void test_closed_fin_retransmitted_ack_lost(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, F | A, S_ISN + 1, C_ISN + 2, 0);
    cs(&r, A, C_ISN + 2, S_ISN + 2, 0);
    expect(&r, TW_TIME_WAIT, TW_CLOSED, TW_ROLE_FINAL_ACK);
    sc(&r, F | A, S_ISN + 1, C_ISN + 2, 0);
    expect(&r, TW_TIME_WAIT, TW_CLOSED, TW_ROLE_RETRANS);
    g_assert_true(r.v.events & TW_EV_ACK_LOST);
    expect_step(&r, TW_STEP_CLOSE, 2);
    cs(&r, A, C_ISN + 2, S_ISN + 2, 0);
    expect(&r, TW_TIME_WAIT, TW_CLOSED, TW_ROLE_ACK);
    g_assert_false(r.v.events & TW_EV_CLOSE_DONE);
    g_assert_cmpuint(r.conn.close_type, ==, TW_CLOSE_THREE_WAY);
}

static void test_syn_sent_syn_retransmitted_states_stay(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    cs(&r, S, C_ISN, 0, 0);
    expect(&r, TW_SYN_SENT, TW_SYN_RECV, TW_ROLE_RETRANS);
    expect_step(&r, TW_STEP_HANDSHAKE, 1);
    g_assert_cmpuint(tw_conn_outcome(&r.conn), ==, TW_OUT_HANDSHAKE_INCOMPLETE);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_SYN_ACK);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_RETRANS);
    expect_step(&r, TW_STEP_HANDSHAKE, 2);
}

/* RST,ACK in answer to a SYN: refused, not a reset close (RFC 9293 3.10.7.3). */
static void test_syn_sent_rst_refused(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    sc(&r, R | A, 0, C_ISN + 1, 0);
    expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_RST);
    g_assert_true(r.v.events & TW_EV_REFUSED);
    g_assert_false(r.v.events & TW_EV_RESET);
    g_assert_cmpuint(r.conn.close_type, ==, TW_CLOSE_NONE);
    g_assert_cmpuint(tw_conn_outcome(&r.conn), ==, TW_OUT_REFUSED);
}

/* An RST that does not acknowledge the SYN is ignored in SYN_SENT. */
static void test_syn_sent_rst_without_ack_ignored(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    sc(&r, R, 0, 0, 0);
    expect(&r, TW_SYN_SENT, TW_SYN_RECV, TW_ROLE_RST);
    g_assert_true(r.v.events & TW_EV_IGNORED);
    g_assert_false(r.v.events & TW_EV_UNEXPECTED);
    g_assert_cmpuint(r.v.why, ==, TW_WHY_RST_UNACCEPTABLE);
}

static void test_established_rst_reset(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, P | A, C_ISN + 1, S_ISN + 1, 10);
    sc(&r, R | A, S_ISN + 1, C_ISN + 11, 0);
    expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_RST);
    g_assert_true(r.v.events & TW_EV_RESET);
    g_assert_cmpuint(r.conn.close_type, ==, TW_CLOSE_RESET);
    g_assert_cmpuint(r.conn.close_initiator, ==, TW_SIDE_SERVER);
    g_assert_cmpuint(r.conn.frames[TW_LINK_RST], ==, 5);
    sc(&r, R | A, S_ISN + 1, C_ISN + 11, 0);
    expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_RETRANS);
    /* Data the client sent before the RST reached it: it crossed the RST,
     * nothing processes it, and it is no error (issue 11, class 9). */
    cs(&r, P | A, C_ISN + 11, S_ISN + 1, 10);
    expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_IN_FLIGHT);
    g_assert_false(r.v.events & TW_EV_UNEXPECTED);
    /* Two passes: the client was ESTABLISHED until it sent it; the RST
     * reaches it after that. */
    struct tw_verdict v = r.v;
    tw_conn_view(&r.conn, r.frame, &v);
    g_assert_cmpuint(v.prev[TW_C], ==, TW_ESTABLISHED);
    g_assert_cmpuint(v.next[TW_C], ==, TW_CLOSED);
}

/* RST after a completed close: the TIME_WAIT socket is killed (Linux
 * tcp_timewait_state_process with tcp_rfc1337=0); the close stays counted
 * once, as it was. */
static void test_time_wait_rst_closed_close_kept(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, F | A, S_ISN + 1, C_ISN + 2, 0);
    cs(&r, A, C_ISN + 2, S_ISN + 2, 0);
    sc(&r, R, S_ISN + 2, 0, 0);
    expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_RST);
    g_assert_false(r.v.events & TW_EV_RESET);
    g_assert_cmpuint(r.conn.close_type, ==, TW_CLOSE_THREE_WAY);
}

/* Half-close: the client shuts down its sending side; the server goes on
 * sending before its own FIN. */
static void test_close_wait_data_half_close(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, P | A, S_ISN + 1, C_ISN + 2, 100);
    expect(&r, TW_FIN_WAIT2, TW_CLOSE_WAIT, TW_ROLE_FIN1_ACK);
    g_assert_true(r.v.events & TW_EV_DATA_AFTER_FIN);
    sc(&r, P | A, S_ISN + 101, C_ISN + 2, 100);
    expect(&r, TW_FIN_WAIT2, TW_CLOSE_WAIT, TW_ROLE_DATA);
    g_assert_true(r.v.events & TW_EV_DATA_AFTER_FIN);
    cs(&r, A, C_ISN + 2, S_ISN + 201, 0);
    expect(&r, TW_FIN_WAIT2, TW_CLOSE_WAIT, TW_ROLE_ACK);
    sc(&r, F | A, S_ISN + 201, C_ISN + 2, 0);
    expect(&r, TW_TIME_WAIT, TW_LAST_ACK, TW_ROLE_FIN2);
    cs(&r, A, C_ISN + 2, S_ISN + 202, 0);
    expect(&r, TW_TIME_WAIT, TW_CLOSED, TW_ROLE_FINAL_ACK);
    g_assert_cmpuint(r.conn.close_type, ==, TW_CLOSE_FOUR_WAY);
}

static void test_fin_wait1_data_beyond_own_fin_unexpected(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    cs(&r, P | A, C_ISN + 2, S_ISN + 1, 5);
    expect(&r, TW_FIN_WAIT1, TW_CLOSE_WAIT, TW_ROLE_OTHER);
    g_assert_cmpuint(r.v.why, ==, TW_WHY_DATA_BEYOND_FIN);
}

static void test_established_data_retransmitted(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, P | A, C_ISN + 1, S_ISN + 1, 10);
    cs(&r, P | A, C_ISN + 1, S_ISN + 1, 10);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_RETRANS);
}

/* Linux keep-alive: seq = snd_una - 1, no payload (tcp_xmit_probe_skb). */
static void test_established_keepalive_probe(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, A, C_ISN, S_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_KEEPALIVE);
    sc(&r, A, S_ISN + 1, C_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_ACK);
}

/* Data before the handshake ACK: the first segment that acknowledges the
 * server's SYN completes the handshake, whatever else it carries. */
static void test_syn_recv_data_completes_handshake(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    cs(&r, P | A, C_ISN + 1, S_ISN + 1, 20);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_HS_ACK);
    cs(&r, P | A, C_ISN + 21, S_ISN + 1, 20);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_DATA);
}

static void test_syn_sent_synack_bad_ack_unexpected(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    sc(&r, S | A, S_ISN, C_ISN + 7, 0);
    expect(&r, TW_SYN_SENT, TW_SYN_RECV, TW_ROLE_OTHER);
    g_assert_cmpuint(r.v.why, ==, TW_WHY_SYNACK_BAD_ACK);
}

/* Linux drops SYN+FIN in LISTEN (tcp_rcv_state_process): nothing changes. */
static void test_listen_syn_fin_dropped(void)
{
    RUN r = {0};
    cs(&r, S | F, C_ISN, 0, 0);
    expect(&r, TW_CLOSED, TW_LISTEN, TW_ROLE_OTHER);
    g_assert_cmpuint(r.v.why, ==, TW_WHY_SYN_FIN);
}

/* RFC 9293 3.10.7.4 checks the RST bit before the SYN bit: a SYN+RST in a
 * synchronized state resets the connection. */
static void test_established_syn_rst_reset(void)
{
    RUN r = {0};
    handshake(&r);
    sc(&r, S | R | A, S_ISN + 1, C_ISN + 1, 0);
    expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_RST);
    g_assert_cmpuint(r.conn.close_type, ==, TW_CLOSE_RESET);
}

/* A listener ignores every RST (RFC 9293 3.10.7.2). */
static void test_listen_syn_rst_ignored(void)
{
    RUN r = {0};
    cs(&r, S | R, C_ISN, 0, 0);
    expect(&r, TW_CLOSED, TW_LISTEN, TW_ROLE_RST);
    g_assert_true(r.v.events & TW_EV_IGNORED);
    g_assert_cmpuint(r.v.why, ==, TW_WHY_RST_TO_LISTEN);
}

/* Out of order: bytes that fill a hole were never captured before, so they
 * are data; sending them again afterwards is a retransmission. */
static void test_established_out_of_order_fill_data(void)
{
    RUN r = {0};
    handshake(&r);
    sc(&r, P | A, S_ISN + 1, C_ISN + 1, 100);
    sc(&r, P | A, S_ISN + 201, C_ISN + 1, 100); /* 101..200 not captured yet */
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_DATA);
    sc(&r, P | A, S_ISN + 101, C_ISN + 1, 100);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_DATA);
    sc(&r, P | A, S_ISN + 101, C_ISN + 1, 100);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_RETRANS);
}

/* Capture starts with data: the sides are guessed (lower port = server) and
 * the connection is marked mid-stream on every verdict. */
static void test_midstream_data_then_close_guessed_sides(void)
{
    RUN r = {0};
    cs(&r, P | A, C_ISN + 100, S_ISN + 50, 10);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_DATA);
    g_assert_true(r.v.events & TW_EV_MIDSTREAM);
    g_assert_cmpuint(r.v.sender, ==, TW_SIDE_UNKNOWN);
    g_assert_cmpuint(r.v.prev[TW_C], ==, TW_ESTABLISHED);
    sc(&r, A, S_ISN + 50, C_ISN + 110, 0);
    g_assert_false(r.v.events & TW_EV_MIDSTREAM);
    g_assert_cmpuint(r.v.sender, ==, TW_SIDE_UNKNOWN);
    cs(&r, F | A, C_ISN + 110, S_ISN + 50, 0);
    expect(&r, TW_FIN_WAIT1, TW_CLOSE_WAIT, TW_ROLE_FIN1);
    sc(&r, A, S_ISN + 50, C_ISN + 111, 0);
    sc(&r, F | A, S_ISN + 50, C_ISN + 111, 0);
    cs(&r, A, C_ISN + 111, S_ISN + 51, 0);
    expect(&r, TW_TIME_WAIT, TW_CLOSED, TW_ROLE_FINAL_ACK);
    g_assert_cmpuint(tw_conn_outcome(&r.conn), ==, TW_OUT_FOUR_WAY);
}

/* The higher port speaks first mid-stream: it is labelled the client. */
static void test_midstream_server_port_first_labelled_server(void)
{
    RUN r = {0};
    sc(&r, P | A, S_ISN + 1, C_ISN + 1, 10);
    g_assert_cmpuint(r.conn.first_end, ==, TW_S);
    cs(&r, A, C_ISN + 1, S_ISN + 11, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_ACK);
    g_assert_cmpuint(tw_conn_outcome(&r.conn), ==, TW_OUT_NO_HANDSHAKE);
}

static void test_midstream_fin_first_sender_fin_wait1(void)
{
    RUN r = {0};
    sc(&r, F | A, S_ISN + 1, C_ISN + 1, 0);
    expect(&r, TW_CLOSE_WAIT, TW_FIN_WAIT1, TW_ROLE_FIN1);
    g_assert_true(r.v.events & TW_EV_MIDSTREAM);
    g_assert_cmpuint(tw_conn_outcome(&r.conn), ==, TW_OUT_HALF_CLOSED);
}

/* The capture begins at the SYN-ACK: the SYN-ACK's sender is the server. */
static void test_syn_recv_synack_first_syn_missing(void)
{
    RUN r = {0};
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_SYN_ACK);
    g_assert_cmpuint(r.v.prev[TW_C], ==, TW_SYN_SENT);
    g_assert_cmpuint(r.v.prev[TW_S], ==, TW_SYN_RECV);
    g_assert_cmpuint(r.v.sender, ==, TW_SIDE_SERVER);
    g_assert_true(r.v.events & TW_EV_SYN_MISSING);
    cs(&r, A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_HS_ACK);
    g_assert_cmpuint(r.v.sender, ==, TW_SIDE_CLIENT);
    g_assert_cmpuint(tw_conn_outcome(&r.conn), ==, TW_OUT_OPEN);
}

/* Sequence numbers wrap around 2^32 inside the close (RFC 9293 3.4). */
static void test_fin_wait1_ack_across_wrap_fin_wait2(void)
{
    RUN r = {0};
    uint32_t c_isn = 0xfffffff0u;
    cs(&r, S, c_isn, 0, 0);
    sc(&r, S | A, S_ISN, c_isn + 1, 0);
    cs(&r, A, c_isn + 1, S_ISN + 1, 0);
    cs(&r, P | A, c_isn + 1, S_ISN + 1, 20); /* bytes 0xfffffff1 .. 0x4 */
    cs(&r, F | A, c_isn + 21, S_ISN + 1, 0); /* FIN at 0x5 */
    expect(&r, TW_FIN_WAIT1, TW_CLOSE_WAIT, TW_ROLE_FIN1);
    sc(&r, A, S_ISN + 1, c_isn + 22, 0);
    expect(&r, TW_FIN_WAIT2, TW_CLOSE_WAIT, TW_ROLE_FIN1_ACK);
    cs(&r, P | A, c_isn + 1, S_ISN + 1, 20);
    expect(&r, TW_FIN_WAIT2, TW_CLOSE_WAIT, TW_ROLE_RETRANS);
}

/* A timestamp earlier than the connection's previous one is flagged and no
 * negative duration is produced. */
static void test_established_time_backwards_flagged(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    r.now -= 10000000000;
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    g_assert_true(r.v.events & TW_EV_TIME_BACKWARDS);
    cs(&r, A, C_ISN + 1, S_ISN + 1, 0); /* later than the SYN-ACK: only one jump is flagged */
    g_assert_false(r.v.events & TW_EV_TIME_BACKWARDS);
    struct tw_summary sum;
    tw_conn_summary(&r.conn, &sum);
    /* the handshake ACK is stamped before the SYN: no handshake time */
    g_assert_cmpuint(sum.handshake_time, ==, TW_DUR_BACKWARDS);
}

/* A live connection is continued by an in-window segment, not by one far
 * outside its windows, a SYN, or anything once it has closed. */
static void test_established_continuation_in_window_only(void)
{
    RUN r = {0};
    handshake(&r);
    struct tw_segment s = {.seq = C_ISN + 1, .ack = S_ISN + 1, .end_order = 0, .sport = C_PORT, .dport = S_PORT,
                           .flags = A};
    g_assert_cmpuint(tw_conn_successor(&r.conn, &s), ==, TW_SUCC_CONTINUES);
    s.seq = C_ISN + 1 + (1u << 31);
    g_assert_cmpuint(tw_conn_successor(&r.conn, &s), ==, TW_SUCC_NEW);
    s.seq = C_ISN + 1;
    s.flags = S;
    g_assert_cmpuint(tw_conn_successor(&r.conn, &s), ==, TW_SUCC_NEW);
    s.seq = C_ISN; /* a copy of its SYN: an old duplicate of this connection */
    g_assert_cmpuint(tw_conn_successor(&r.conn, &s), ==, TW_SUCC_CONTINUES);
    s.seq = C_ISN + 1;
    s.flags = A;
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, F | A, S_ISN + 1, C_ISN + 2, 0);
    cs(&r, A, C_ISN + 2, S_ISN + 2, 0);
    g_assert_cmpuint(tw_conn_successor(&r.conn, &s), ==, TW_SUCC_NEW);
    /* a new SYN while the client holds TIME_WAIT reopens the 4-tuple */
    s.flags = S;
    s.seq = C_ISN + 100000;
    g_assert_cmpuint(tw_conn_successor(&r.conn, &s), ==, TW_SUCC_TIME_WAIT);
}

/* RFC 9293 3.10.7.4 first check, RFC 5961: a blind RST far from the
 * receiver's window changes nothing. */
static void test_established_rst_out_of_window_dropped(void)
{
    RUN r = {0};
    handshake(&r);
    sc(&r, R | A, S_ISN + 1 + (1u << 30) + (1u << 17), C_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_RST);
    g_assert_true(r.v.events & TW_EV_IGNORED);
    g_assert_cmpuint(r.v.why, ==, TW_WHY_RST_OUT_OF_WINDOW);
    g_assert_cmpuint(r.conn.close_type, ==, TW_CLOSE_NONE);
}

/* RFC 9293 3.10.7.4 fifth check: no ACK bit, the segment is dropped. */
static void test_established_fin_without_ack_dropped(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F, C_ISN + 1, 0, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_OTHER);
    g_assert_cmpuint(r.v.why, ==, TW_WHY_NO_ACK);
}

/* The SYN-ACK was not captured: the client's ACK proves it (a SYN_SENT
 * endpoint sends nothing else, RFC 9293 3.10.7.3). */
static void test_syn_sent_ack_without_synack_inferred(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    cs(&r, A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_HS_ACK);
    g_assert_true(r.v.events & TW_EV_INFERRED);
}

static void test_names_cover_every_value(void)
{
    for (unsigned s = 1; s < TW_STATE_COUNT; s++)
        g_assert_cmpstr(tw_state_name(s), !=, "?");
    g_assert_cmpstr(tw_state_name(TW_CLOSED), ==, "CLOSED");
    g_assert_cmpuint(TW_CLOSED, ==, 7);
    g_assert_cmpuint(TW_CLOSING, ==, 11);
    g_assert_cmpstr(tw_state_name(TW_STATE_COUNT), ==, "?");
    for (unsigned r = 0; r < TW_ROLE_COUNT; r++)
        g_assert_cmpstr(tw_role_name(r), !=, "?");
    for (unsigned o = 0; o < TW_OUT_COUNT; o++)
        g_assert_cmpstr(tw_outcome_name(o), !=, "?");
    g_assert_cmpstr(tw_role_label(TW_ROLE_HS_ACK), ==, "ACK");
    for (unsigned r = 0; r < TW_ROLE_COUNT; r++)
        if (r != TW_ROLE_HS_ACK)
            g_assert_cmpstr(tw_role_label(r), ==, tw_role_name(r));
    for (unsigned w = 1; w < TW_WHY_COUNT; w++)
        g_assert_cmpstr(tw_why_text(w), !=, "");
}


/* ---- Issue 11: the defect classes found on real traffic ---- */

/* The two-pass view of the verdict just given. */
static struct tw_verdict viewed(const struct run *r)
{
    struct tw_verdict v = r->v;
    tw_conn_view(&r->conn, r->frame, &v);
    return v;
}

static struct tw_summary summary_of(const struct run *r)
{
    struct tw_summary sum;
    tw_conn_summary(&r->conn, &sum);
    return sum;
}

/* Class 1: both FINs sent, the final ACK never captured.  RFC 9293 3.6: a
 * half-close is one direction closed; here both are: a four-way close whose
 * last ACK was not seen. */
static void test_last_ack_final_ack_missing_four_way_not_half_closed(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, A, S_ISN + 1, C_ISN + 2, 0);
    sc(&r, F | A, S_ISN + 1, C_ISN + 2, 0);
    expect(&r, TW_TIME_WAIT, TW_LAST_ACK, TW_ROLE_FIN2);
    struct tw_summary sum = summary_of(&r);
    g_assert_cmpuint(sum.outcome, ==, TW_OUT_FOUR_WAY);
    g_assert_cmpuint(sum.close_type, ==, TW_CLOSE_FOUR_WAY);
    g_assert_false(sum.final_ack_seen);
    g_assert_cmpuint(sum.initiator, ==, TW_SIDE_CLIENT);
}

/* Class 1, merged: the server's FIN+ACK, then nothing. */
static void test_last_ack_final_ack_missing_three_way(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, F | A, S_ISN + 1, C_ISN + 2, 0);
    struct tw_summary sum = summary_of(&r);
    g_assert_cmpuint(sum.outcome, ==, TW_OUT_THREE_WAY);
    g_assert_false(sum.final_ack_seen);
}

/* Class 1: one FIN only stays a half-close. */
static void test_close_wait_one_fin_half_closed(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, A, S_ISN + 1, C_ISN + 2, 0);
    g_assert_cmpuint(summary_of(&r).outcome, ==, TW_OUT_HALF_CLOSED);
}

/* Class 2: the FINs cross, then the client sends its FIN again with an ACK
 * of the server's FIN.  RFC 9293 3.10.7.4 processes the ACK field of every
 * acceptable segment: the server's FIN is acknowledged; a retransmission
 * only does not advance its own sender twice.  The close is recorded. */
static void test_closing_fin_retransmitted_with_ack_completes_close(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, F | A, S_ISN + 1, C_ISN + 1, 0); /* crosses the client's FIN */
    expect(&r, TW_CLOSING, TW_FIN_WAIT1, TW_ROLE_SIM_FIN);
    sc(&r, A, S_ISN + 2, C_ISN + 2, 0); /* the client's FIN arrived: ACK from CLOSING */
    expect(&r, TW_TIME_WAIT, TW_CLOSING, TW_ROLE_FIN2_ACK);
    cs(&r, F | A, C_ISN + 1, S_ISN + 2, 0); /* the FIN again, now acknowledging the server's */
    expect(&r, TW_TIME_WAIT, TW_TIME_WAIT, TW_ROLE_FINAL_ACK);
    g_assert_true(r.v.events & TW_EV_CLOSE_DONE);
    struct tw_summary sum = summary_of(&r);
    g_assert_cmpuint(sum.outcome, ==, TW_OUT_SIMULTANEOUS);
    g_assert_true(sum.final_ack_seen);
}

/* Class 2, plainer: the first FIN's copy carries the first ACK of the
 * server's FIN: four-way close completes on it. */
static void test_fin_wait2_fin_retransmitted_acks_peer_fin(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, A, S_ISN + 1, C_ISN + 2, 0);
    sc(&r, F | A, S_ISN + 1, C_ISN + 2, 0);
    cs(&r, F | A, C_ISN + 1, S_ISN + 2, 0);
    expect(&r, TW_TIME_WAIT, TW_CLOSED, TW_ROLE_FINAL_ACK);
    g_assert_cmpuint(summary_of(&r).outcome, ==, TW_OUT_FOUR_WAY);
}

/* Class 3: only the server's direction was captured.  A SYN_RECV server
 * that acknowledges client data had the handshake's ACK (RFC 9293
 * 3.10.7.4: text is processed only in synchronized states); its FIN is a
 * first FIN, not "before the handshake", and no handshake time is given. */
static void test_syn_recv_acks_client_data_established_inferred(void)
{
    RUN r = {0};
    sc(&r, S | A, S_ISN, C_ISN + 1, 0); /* the capture starts at the SYN-ACK, taken as delivered */
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_SYN_ACK);
    sc(&r, A, S_ISN + 1, C_ISN + 101, 0); /* acks 100 bytes of the client's */
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_ACK);
    g_assert_true(r.v.events & TW_EV_INFERRED);
    sc(&r, P | A, S_ISN + 1, C_ISN + 101, 50);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_DATA);
    sc(&r, F | A, S_ISN + 51, C_ISN + 101, 0);
    expect(&r, TW_CLOSE_WAIT, TW_FIN_WAIT1, TW_ROLE_FIN1);
    g_assert_false(r.v.events & TW_EV_UNEXPECTED);
    struct tw_summary sum = summary_of(&r);
    g_assert_cmpuint(sum.handshake, ==, TW_HS_INFERRED);
    g_assert_cmpuint(sum.handshake_time, ==, TW_DUR_UNKNOWN);
    g_assert_cmpuint(sum.outcome, ==, TW_OUT_HALF_CLOSED);
    g_assert_cmpuint(sum.initiator, ==, TW_SIDE_SERVER);
}

/* Class 3, the server's FIN lost before the capture point: the client's FIN
 * acknowledges one sequence number beyond all the server was seen to send:
 * the server closed first, and the client's FIN carried the ACK of it. */
static void test_established_fin_acks_uncaptured_fin_peer_closed_first(void)
{
    RUN r = {0};
    handshake(&r);
    sc(&r, P | A, S_ISN + 1, C_ISN + 1, 10);
    cs(&r, A, C_ISN + 1, S_ISN + 11, 0);
    cs(&r, F | A, C_ISN + 1, S_ISN + 12, 0);
    expect(&r, TW_LAST_ACK, TW_TIME_WAIT, TW_ROLE_FIN_ACK);
    g_assert_true(r.v.events & TW_EV_INFERRED);
    struct tw_summary sum = summary_of(&r);
    g_assert_cmpuint(sum.initiator, ==, TW_SIDE_SERVER);
    g_assert_cmpuint(sum.outcome, ==, TW_OUT_THREE_WAY);
    /* two passes: the server's FIN is shown after its last captured
     * segment, each row one transition */
    struct tw_verdict v = viewed(&r);
    g_assert_cmpuint(v.prev[TW_S], ==, TW_FIN_WAIT1);
    g_assert_cmpuint(v.prev[TW_C], ==, TW_CLOSE_WAIT);
}

/* Class 4: TCP Fast Open (RFC 7413).  The SYN carries 20 bytes; the
 * SYN-ACK acknowledges ISN+1+20, which is acceptable (RFC 9293 3.10.7.3:
 * SND.UNA < SEG.ACK =< SND.NXT). */
static void test_syn_sent_synack_acks_syn_data_fast_open(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 20);
    sc(&r, S | A, S_ISN, C_ISN + 21, 0);
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_SYN_ACK);
    cs(&r, A, C_ISN + 21, S_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_HS_ACK);
    cs(&r, F | A, C_ISN + 21, S_ISN + 1, 0);
    expect(&r, TW_FIN_WAIT1, TW_CLOSE_WAIT, TW_ROLE_FIN1);
}

/* Class 4: the server refuses the SYN's data (SYN-ACK acks ISN+1 only); the
 * client is ESTABLISHED and sends the data again. */
static void test_syn_sent_synack_refuses_syn_data_established(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 20);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_SYN_ACK);
    cs(&r, P | A, C_ISN + 1, S_ISN + 1, 20);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_HS_ACK);
}

/* Class 4: an ACK beyond the SYN's data is not acceptable. */
static void test_syn_sent_synack_acks_beyond_syn_data_unexpected(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 20);
    sc(&r, S | A, S_ISN, C_ISN + 22, 0);
    expect(&r, TW_SYN_SENT, TW_SYN_RECV, TW_ROLE_OTHER);
    g_assert_cmpuint(r.v.why, ==, TW_WHY_SYNACK_BAD_ACK);
}

/* Class 5: a server still holding an older connection on the 4-tuple
 * answers the SYN with an ACK that does not cover it; the client answers
 * with RST <SEQ=SEG.ACK> and stays SYN_SENT (RFC 9293 3.10.7.3; Linux
 * tcp_rcv_synsent_state_process, reset_and_undo).  That RST closes nothing
 * here; the SYN sent again completes the connection normally. */
static void test_syn_sent_stale_ack_rst_closes_nothing(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    sc(&r, A, 777000, 123456, 0); /* challenge ACK of the older connection */
    expect(&r, TW_SYN_SENT, TW_LISTEN, TW_ROLE_ACK);
    g_assert_true(r.v.events & TW_EV_IGNORED);
    g_assert_cmpuint(r.v.why, ==, TW_WHY_STALE_ACK);
    cs(&r, R, 123456, 0, 0);
    expect(&r, TW_SYN_SENT, TW_LISTEN, TW_ROLE_RST);
    g_assert_false(r.v.events & (TW_EV_RESET | TW_EV_REFUSED | TW_EV_UNEXPECTED));
    cs(&r, S, C_ISN, 0, 0);
    expect(&r, TW_SYN_SENT, TW_SYN_RECV, TW_ROLE_RETRANS);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_SYN_ACK);
    cs(&r, A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_HS_ACK);
    cs(&r, P | A, C_ISN + 1, S_ISN + 1, 10);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_DATA);
    g_assert_cmpuint(summary_of(&r).outcome, ==, TW_OUT_OPEN);
}

/* Class 6: the client's ACK of the server's FIN is captured before that
 * FIN (reordering at the capture point).  An ACK cannot cover what its
 * sender has not received: the FIN was delivered, and the close
 * completes.  Two passes show the FIN's effects from the ACK on, one
 * transition per row. */
static void test_fin_wait2_ack_before_fin_completes_close(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, A, S_ISN + 1, C_ISN + 2, 0);
    cs(&r, A, C_ISN + 2, S_ISN + 2, 0); /* frame 6: acks a FIN not yet captured */
    g_assert_true(r.v.events & TW_EV_ACK_AHEAD);
    struct tw_verdict early = r.v;
    uint32_t early_frame = r.frame;
    sc(&r, F | A, S_ISN + 1, C_ISN + 2, 0); /* frame 7 */
    expect(&r, TW_TIME_WAIT, TW_CLOSED, TW_ROLE_FIN2);
    g_assert_true(r.v.events & TW_EV_CLOSE_DONE);
    struct tw_summary sum = summary_of(&r);
    g_assert_cmpuint(sum.outcome, ==, TW_OUT_FOUR_WAY);
    g_assert_true(sum.final_ack_seen);
    tw_conn_view(&r.conn, early_frame, &early);
    g_assert_cmpuint(early.next[TW_C], ==, TW_TIME_WAIT);
    g_assert_cmpuint(early.next[TW_S], ==, TW_LAST_ACK);
    struct tw_verdict late = viewed(&r);
    g_assert_cmpuint(late.prev[TW_S], ==, TW_LAST_ACK);
    g_assert_cmpuint(late.next[TW_S], ==, TW_CLOSED);
}

/* Class 7: a handshake ACK far outside the server's receive window (the
 * SYN-ACK's window, never scaled: RFC 7323 2.2) is dropped (RFC 9293
 * 3.10.7.4 first check; Linux tcp_check_req). */
static void test_syn_recv_ack_out_of_window_dropped(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    cs(&r, A, C_ISN + 1 + 5000000, S_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_ACK);
    g_assert_true(r.v.events & TW_EV_IGNORED);
    g_assert_cmpuint(r.v.why, ==, TW_WHY_SEQ_OUT_OF_WINDOW);
    cs(&r, A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_HS_ACK);
}

/* Class 8: RFC 5961 3.2 as Linux tcp_validate_incoming(): an RST resets
 * only at exactly RCV.NXT; whether the ACK of the data before it was
 * captured does not matter. */
static void test_established_rst_exact_resets_whether_ack_seen_or_not(void)
{
    for (int ack_seen = 0; ack_seen < 2; ack_seen++) {
        RUN r = {0};
        handshake(&r);
        cs(&r, P | A, C_ISN + 1, S_ISN + 1, 100);
        if (ack_seen)
            sc(&r, A, S_ISN + 1, C_ISN + 101, 0);
        cs(&r, R | A, C_ISN + 101, S_ISN + 1, 0);
        expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_RST);
        g_assert_true(r.v.events & TW_EV_RESET);
    }
}

static void test_established_rst_in_window_not_exact_challenge_ack(void)
{
    for (int ack_seen = 0; ack_seen < 2; ack_seen++) {
        RUN r = {0};
        handshake(&r);
        cs(&r, P | A, C_ISN + 1, S_ISN + 1, 100);
        if (ack_seen)
            sc(&r, A, S_ISN + 1, C_ISN + 101, 0);
        cs(&r, R | A, C_ISN + 101 + 1000, S_ISN + 1, 0); /* ahead of RCV.NXT, inside the window */
        expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_RST);
        g_assert_true(r.v.events & TW_EV_IGNORED);
        g_assert_cmpuint(r.v.why, ==, TW_WHY_RST_NOT_EXACT);
        g_assert_cmpuint(summary_of(&r).outcome, ==, TW_OUT_OPEN);
    }
}

/* Linux tcp_reset_check(): after a FIN, RCV.NXT - 1 resets too. */
static void test_close_wait_rst_at_fin_seq_resets(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    cs(&r, R | A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_RST);
    g_assert_true(r.v.events & TW_EV_RESET);
}

/* Class 9: labels around RSTs.  A second RST from the other side is no
 * copy of the first; who started the close and who reset it are kept
 * apart. */
static void test_fin_wait1_rst_from_peer_closer_and_resetter_apart(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, R | A, S_ISN + 1, C_ISN + 2, 0);
    expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_RST);
    struct tw_summary sum = summary_of(&r);
    g_assert_cmpuint(sum.outcome, ==, TW_OUT_RESET);
    g_assert_cmpuint(sum.initiator, ==, TW_SIDE_CLIENT);
    g_assert_cmpuint(sum.reset_by, ==, TW_SIDE_SERVER);
    cs(&r, R, C_ISN + 2, 0, 0);
    expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_RST); /* from the other side: not a retransmission */
    sc(&r, R | A, S_ISN + 1, C_ISN + 2, 0);
    expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_RETRANS);
    sc(&r, R | A, S_ISN + 9, C_ISN + 2, 0);
    expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_RST); /* another sequence number: not a copy */
}

/* Class 9: after an RST closed both sides, a later ACK is no close step. */
static void test_closed_ack_after_rst_no_close_step(void)
{
    RUN r = {0};
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    cs(&r, R | A, C_ISN + 2, S_ISN + 1, 0);
    sc(&r, A, S_ISN + 1, C_ISN + 2, 0); /* sent before the RST arrived */
    expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_IN_FLIGHT);
    g_assert_cmpuint(tw_step_kind(r.v.step), ==, TW_STEP_NONE);
}

/* Class 10: a SYN that nothing answers.  Two passes do not show the server
 * SYN_RECV: it may never have received it; its state is unknown. */
static void test_listen_unanswered_syn_server_unknown(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    expect(&r, TW_SYN_SENT, TW_SYN_RECV, TW_ROLE_SYN); /* one pass: taken as delivered */
    cs(&r, S, C_ISN, 0, 0);
    struct tw_verdict v = viewed(&r);
    g_assert_cmpuint(v.prev[TW_S], ==, TW_ST_NONE);
    g_assert_cmpuint(v.next[TW_S], ==, TW_ST_NONE);
    g_assert_cmpuint(v.next[TW_C], ==, TW_SYN_SENT);
    g_assert_cmpuint(summary_of(&r).state[TW_S], ==, TW_ST_NONE);
}

/* Class 10: a refused connection never had a server in SYN_RECV. */
static void test_listen_refused_server_never_syn_recv(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    struct tw_verdict syn = r.v;
    sc(&r, R | A, 0, C_ISN + 1, 0);
    expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_RST);
    tw_conn_view(&r.conn, 1, &syn);
    g_assert_cmpuint(syn.prev[TW_S], ==, TW_CLOSED);
    g_assert_cmpuint(syn.next[TW_S], ==, TW_CLOSED);
    struct tw_verdict rst = viewed(&r);
    g_assert_cmpuint(rst.prev[TW_S], ==, TW_CLOSED);
}

/* The server's states in two passes, frame by frame (frames 1..n of r). */
static void expect_server_viewed(const struct run *r, unsigned n, const uint8_t *prev, const uint8_t *next)
{
    g_assert_cmpuint(n, <=, RUN_SEEN);
    for (unsigned f = 1; f <= n; f++) {
        struct tw_verdict v = r->seen[f];
        tw_conn_view(&r->conn, f, &v);
        if (v.prev[TW_S] != prev[f - 1] || v.next[TW_S] != next[f - 1])
            g_error("frame %u: server %s -> %s in two passes, want %s -> %s", f, tw_state_name(v.prev[TW_S]),
                    tw_state_name(v.next[TW_S]), tw_state_name(prev[f - 1]), tw_state_name(next[f - 1]));
    }
}

/* Class 10: the SYN sent three times, then answered (a full backlog drops
 * SYNs, tcp_conn_request(); the kernel capture pcaps/kernel/hosts/
 * syn_backlog.pcap has such connections).  The SYN-ACK proves that one copy
 * arrived, not which: in two passes the server is SYN_RECV from the last
 * copy on, unknown before it; one pass still takes each SYN as delivered. */
static void test_listen_syn_copies_then_synack_syn_recv_from_last_copy(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    expect(&r, TW_SYN_SENT, TW_SYN_RECV, TW_ROLE_SYN);
    cs(&r, S, C_ISN, 0, 0);
    cs(&r, S, C_ISN, 0, 0);
    expect(&r, TW_SYN_SENT, TW_SYN_RECV, TW_ROLE_RETRANS);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_SYN_ACK);
    cs(&r, A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_HS_ACK);
    expect_server_viewed(&r, 5, (const uint8_t[]){TW_LISTEN, TW_ST_NONE, TW_ST_NONE, TW_SYN_RECV, TW_SYN_RECV},
                         (const uint8_t[]){TW_ST_NONE, TW_ST_NONE, TW_SYN_RECV, TW_SYN_RECV, TW_ESTABLISHED});
}

/* The same when the SYN-ACK was not captured: the client's ACK proves it. */
static void test_listen_syn_copies_then_ack_syn_recv_from_last_copy(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    cs(&r, S, C_ISN, 0, 0);
    cs(&r, A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_HS_ACK);
    g_assert_true(r.v.events & TW_EV_INFERRED);
    expect_server_viewed(&r, 3, (const uint8_t[]){TW_LISTEN, TW_ST_NONE, TW_SYN_RECV},
                         (const uint8_t[]){TW_ST_NONE, TW_SYN_RECV, TW_ESTABLISHED});
}

/* Accept queue full (Linux tcp_check_req(): listen_overflow; kernel
 * capture pcaps/kernel/hosts/syn_backlog.pcap): the server sends its SYN-ACK
 * again after the client's ACK.  Only a SYN_RECV endpoint sends one: it had
 * not taken that ACK.  One pass: SYN_RECV again from the SYN-ACK, with the
 * ack_lost note; the client's ACK again and its data sent again leave it
 * there; its ACK of the data proves it synchronized.  Two passes: SYN_RECV
 * from the handshake's ACK to the last client segment, which it took. */
static void test_established_synack_again_syn_recv_until_server_speaks(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    cs(&r, A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_HS_ACK);
    cs(&r, A | P, C_ISN + 1, S_ISN + 1, 2);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_DATA);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0); /* frame 5 */
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_RETRANS);
    g_assert_true(r.v.events & TW_EV_ACK_LOST);
    cs(&r, A, C_ISN + 3, S_ISN + 1, 0); /* the client's ACK again */
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_ACK);
    cs(&r, A | P, C_ISN + 1, S_ISN + 1, 2); /* its data again: frame 7 */
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_RETRANS);
    sc(&r, A, S_ISN + 1, C_ISN + 3, 0); /* the server acknowledges the data */
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_ACK);
    g_assert_false(r.v.events & TW_EV_INFERRED);
    expect_server_viewed(&r, 8,
                         (const uint8_t[]){TW_LISTEN, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV,
                                           TW_SYN_RECV, TW_ESTABLISHED},
                         (const uint8_t[]){TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV,
                                           TW_ESTABLISHED, TW_ESTABLISHED});
    struct tw_summary sum;
    tw_conn_summary(&r.conn, &sum);
    g_assert_cmpuint(sum.handshake, ==, TW_HS_COMPLETE);
}

/* The SYN-ACK comes a third time after the client's ACK again: the server
 * was SYN_RECV then too; its ACK right after it, with no client segment
 * between, is the first it sends ESTABLISHED (two passes do not move that
 * back over the SYN-ACK). */
static void test_syn_recv_again_synack_third_time_syn_recv_at_it(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    cs(&r, A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    cs(&r, A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0); /* frame 6 */
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_RETRANS);
    sc(&r, A, S_ISN + 1, C_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_ACK);
    expect_server_viewed(&r, 7,
                         (const uint8_t[]){TW_LISTEN, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV,
                                           TW_SYN_RECV},
                         (const uint8_t[]){TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV,
                                           TW_ESTABLISHED});
}

/* The client closes while the server is SYN_RECV again: the request takes
 * no FIN (Linux drops it with the ACK); the server's ACK of the FIN proves
 * it took both: ESTABLISHED and CLOSE_WAIT on the one segment it took. */
static void test_syn_recv_again_client_fin_taken_when_server_acks_it(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    cs(&r, A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_RETRANS);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0); /* frame 5 */
    expect(&r, TW_FIN_WAIT1, TW_SYN_RECV, TW_ROLE_FIN1);
    sc(&r, A, S_ISN + 1, C_ISN + 2, 0);
    expect(&r, TW_FIN_WAIT2, TW_CLOSE_WAIT, TW_ROLE_FIN1_ACK);
    expect_server_viewed(&r, 6,
                         (const uint8_t[]){TW_LISTEN, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV,
                                           TW_CLOSE_WAIT},
                         (const uint8_t[]){TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV, TW_SYN_RECV, TW_CLOSE_WAIT,
                                           TW_CLOSE_WAIT});
}

/* A server that already sent a segment of a synchronized end (here data)
 * and then a SYN-ACK copy: nothing says it went back; the copy is only a
 * retransmission. */
static void test_established_synack_after_server_data_retransmission_only(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    cs(&r, A, C_ISN + 1, S_ISN + 1, 0);
    sc(&r, A | P, S_ISN + 1, C_ISN + 1, 5);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_RETRANS);
    g_assert_false(r.v.events & TW_EV_ACK_LOST);
}

/* One SYN, answered: that copy is the one the server had, SYN_RECV from it
 * (the seed's handshake). */
static void test_listen_one_syn_then_synack_syn_recv_from_syn(void)
{
    RUN q = {0};
    cs(&q, S, C_ISN, 0, 0);
    sc(&q, S | A, S_ISN, C_ISN + 1, 0);
    cs(&q, A, C_ISN + 1, S_ISN + 1, 0);
    expect_server_viewed(&q, 3, (const uint8_t[]){TW_LISTEN, TW_SYN_RECV, TW_SYN_RECV},
                         (const uint8_t[]){TW_SYN_RECV, TW_SYN_RECV, TW_ESTABLISHED});
}

/* Copies of a SYN refused by an RST: nothing listened at any of them. */
static void test_listen_syn_copies_refused_server_closed(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    cs(&r, S, C_ISN, 0, 0);
    sc(&r, R | A, 0, C_ISN + 1, 0);
    expect(&r, TW_CLOSED, TW_CLOSED, TW_ROLE_RST);
    expect_server_viewed(&r, 3, (const uint8_t[]){TW_CLOSED, TW_CLOSED, TW_CLOSED},
                         (const uint8_t[]){TW_CLOSED, TW_CLOSED, TW_CLOSED});
}

/* Both ends' states in two passes, frame by frame (frames 1..n of r):
 * want[f - 1] = {prev client, client, prev server, server}. */
static void expect_viewed(const struct run *r, unsigned n, const uint8_t (*want)[4])
{
    g_assert_cmpuint(n, <=, RUN_SEEN);
    for (unsigned f = 1; f <= n; f++) {
        struct tw_verdict v = r->seen[f];
        tw_conn_view(&r->conn, f, &v);
        const uint8_t have[4] = {v.prev[TW_C], v.next[TW_C], v.prev[TW_S], v.next[TW_S]};
        for (int i = 0; i < 4; i++)
            if (have[i] != want[f - 1][i])
                g_error("frame %u: two passes show client %s -> %s, server %s -> %s; want %s -> %s, %s -> %s", f,
                        tw_state_name(have[0]), tw_state_name(have[1]), tw_state_name(have[2]),
                        tw_state_name(have[3]), tw_state_name(want[f - 1][0]), tw_state_name(want[f - 1][1]),
                        tw_state_name(want[f - 1][2]), tw_state_name(want[f - 1][3]));
    }
}

/* Simultaneous open, RFC 9293 Figure 8, in the order a Linux pair gave it
 * (pcaps/kernel/simultaneous_open.pcap, captured at the first SYN's
 * sender): SYN, the other's SYN, its SYN-ACK, the first's SYN-ACK, two
 * ACKs.  Each end: CLOSED, SYN_SENT, SYN_RECV, ESTABLISHED; the second
 * opener never LISTEN.  One pass took the first SYN to a listener. */
static void test_syn_sent_peer_syn_simultaneous_open(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    expect(&r, TW_SYN_SENT, TW_SYN_RECV, TW_ROLE_SYN);
    sc(&r, S, S_ISN, 0, 0);
    expect(&r, TW_SYN_RECV, TW_SYN_SENT, TW_ROLE_SYN);
    expect_step(&r, TW_STEP_HANDSHAKE, 2);
    g_assert_true(r.v.events & TW_EV_SIM_OPEN);
    g_assert_false(r.v.events & TW_EV_UNEXPECTED);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_SYN_RECV, TW_ROLE_SYN_ACK);
    expect_step(&r, TW_STEP_HANDSHAKE, 3);
    g_assert_false(r.v.events & TW_EV_HANDSHAKE_DONE);
    cs(&r, S | A, C_ISN, S_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_SYN_ACK);
    expect_step(&r, TW_STEP_HANDSHAKE, 4);
    g_assert_true(r.v.events & TW_EV_HANDSHAKE_DONE);
    sc(&r, A, S_ISN + 1, C_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_ACK);
    cs(&r, A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_ACK);
    struct tw_summary sum = summary_of(&r);
    g_assert_cmpuint(sum.handshake, ==, TW_HS_COMPLETE);
    g_assert_cmpuint(sum.handshake_total, ==, 4);
    g_assert_cmpuint(sum.frames[TW_LINK_HS_ACK], ==, 4);
    expect_viewed(&r, 6, (const uint8_t[][4]){
        {TW_CLOSED, TW_SYN_SENT, TW_CLOSED, TW_CLOSED},
        {TW_SYN_SENT, TW_SYN_RECV, TW_CLOSED, TW_SYN_SENT},
        {TW_SYN_RECV, TW_ESTABLISHED, TW_SYN_SENT, TW_SYN_RECV},
        {TW_ESTABLISHED, TW_ESTABLISHED, TW_SYN_RECV, TW_ESTABLISHED},
        {TW_ESTABLISHED, TW_ESTABLISHED, TW_ESTABLISHED, TW_ESTABLISHED},
        {TW_ESTABLISHED, TW_ESTABLISHED, TW_ESTABLISHED, TW_ESTABLISHED}});
}

/* The SYN-ACKs the other way round, and one sent again: a retransmission. */
static void test_syn_recv_synack_again_simultaneous_open_retransmission(void)
{
    RUN r = {0};
    cs(&r, S, C_ISN, 0, 0);
    sc(&r, S, S_ISN, 0, 0);
    cs(&r, S | A, C_ISN, S_ISN + 1, 0);
    expect(&r, TW_SYN_RECV, TW_ESTABLISHED, TW_ROLE_SYN_ACK);
    cs(&r, S | A, C_ISN, S_ISN + 1, 0);
    expect(&r, TW_SYN_RECV, TW_ESTABLISHED, TW_ROLE_RETRANS);
    sc(&r, S | A, S_ISN, C_ISN + 1, 0);
    expect(&r, TW_ESTABLISHED, TW_ESTABLISHED, TW_ROLE_SYN_ACK);
    g_assert_true(r.v.events & TW_EV_HANDSHAKE_DONE);
}

/* A bare SYN from the side that already answered is no simultaneous open. */
static void test_established_server_bare_syn_unexpected(void)
{
    RUN r = {0};
    handshake(&r);
    sc(&r, S, S_ISN + 7, 0, 0);
    g_assert_true(r.v.events & TW_EV_UNEXPECTED);
    g_assert_false(r.conn.flags & TW_CONN_SIM_OPEN);
}

/* Two passes, simultaneous close (RFC 9293 figure 13): each side FIN_WAIT1,
 * CLOSING, TIME_WAIT; the receiver of the first FIN is shown ESTABLISHED
 * until its own FIN, which proves it had not received the other. */
static void test_fin_wait1_crossing_fin_two_passes_figure_13(void)
{
    RUN r = {0};
    struct tw_verdict rows[5];
    uint32_t frames[5];
    handshake(&r);
    cs(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    rows[0] = r.v, frames[0] = r.frame;
    sc(&r, F | A, S_ISN + 1, C_ISN + 1, 0);
    rows[1] = r.v, frames[1] = r.frame;
    cs(&r, A, C_ISN + 2, S_ISN + 2, 0);
    rows[2] = r.v, frames[2] = r.frame;
    sc(&r, A, S_ISN + 2, C_ISN + 2, 0);
    rows[3] = r.v, frames[3] = r.frame;
    const uint8_t want_c[4] = {TW_FIN_WAIT1, TW_CLOSING, TW_CLOSING, TW_TIME_WAIT};
    const uint8_t want_s[4] = {TW_ESTABLISHED, TW_FIN_WAIT1, TW_CLOSING, TW_TIME_WAIT};
    uint8_t before_c = TW_ESTABLISHED, before_s = TW_ESTABLISHED;
    for (int i = 0; i < 4; i++) {
        tw_conn_view(&r.conn, frames[i], &rows[i]);
        g_assert_cmpuint(rows[i].prev[TW_C], ==, before_c);
        g_assert_cmpuint(rows[i].prev[TW_S], ==, before_s);
        g_assert_cmpuint(rows[i].next[TW_C], ==, want_c[i]);
        g_assert_cmpuint(rows[i].next[TW_S], ==, want_s[i]);
        before_c = rows[i].next[TW_C];
        before_s = rows[i].next[TW_S];
    }
    g_assert_cmpuint(summary_of(&r).outcome, ==, TW_OUT_SIMULTANEOUS);
}

/* Step text and the close fields, from the engine. */
static void test_names_step_text_every_kind(void)
{
    char buf[24];
    tw_step_text((uint8_t)(TW_STEP_HANDSHAKE << 4 | 2), 3, 0, buf, sizeof buf);
    g_assert_cmpstr(buf, ==, "handshake 2/3");
    tw_step_text((uint8_t)(TW_STEP_HANDSHAKE << 4 | 4), 4, 0, buf, sizeof buf);
    g_assert_cmpstr(buf, ==, "handshake 4/4");
    tw_step_text((uint8_t)(TW_STEP_CLOSE << 4 | 3), 3, 4, buf, sizeof buf);
    g_assert_cmpstr(buf, ==, "close 3/4");
    tw_step_text((uint8_t)(TW_STEP_CLOSE << 4 | 1), 3, 0, buf, sizeof buf);
    g_assert_cmpstr(buf, ==, "close 1/?");
    tw_step_text(0, 3, 0, buf, sizeof buf);
    g_assert_cmpstr(buf, ==, "");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fsm/established/client_fin/four_way", test_established_client_fin_four_way);
    g_test_add_func("/fsm/established/server_fin/merged_fin_ack_three_way",
                    test_established_server_fin_merged_fin_ack_three_way);
    g_test_add_func("/fsm/fin_wait1/crossing_fin/simultaneous", test_fin_wait1_crossing_fin_simultaneous);
    g_test_add_func("/fsm/fin_wait1/fin_retransmitted/states_stay", test_fin_wait1_fin_retransmitted_states_stay);
    g_test_add_func("/fsm/closed/fin_retransmitted/ack_lost", test_closed_fin_retransmitted_ack_lost);
    g_test_add_func("/fsm/syn_sent/syn_retransmitted/states_stay", test_syn_sent_syn_retransmitted_states_stay);
    g_test_add_func("/fsm/syn_sent/rst/refused", test_syn_sent_rst_refused);
    g_test_add_func("/fsm/syn_sent/rst_without_ack/ignored", test_syn_sent_rst_without_ack_ignored);
    g_test_add_func("/fsm/established/rst/reset", test_established_rst_reset);
    g_test_add_func("/fsm/time_wait/rst/closed_close_kept", test_time_wait_rst_closed_close_kept);
    g_test_add_func("/fsm/close_wait/data/half_close", test_close_wait_data_half_close);
    g_test_add_func("/fsm/fin_wait1/data_beyond_own_fin/unexpected", test_fin_wait1_data_beyond_own_fin_unexpected);
    g_test_add_func("/fsm/established/data_retransmitted/retransmission", test_established_data_retransmitted);
    g_test_add_func("/fsm/established/keepalive_probe/keep_alive", test_established_keepalive_probe);
    g_test_add_func("/fsm/syn_recv/data/completes_handshake", test_syn_recv_data_completes_handshake);
    g_test_add_func("/fsm/syn_sent/synack_bad_ack/unexpected", test_syn_sent_synack_bad_ack_unexpected);
    g_test_add_func("/fsm/listen/syn_fin/dropped", test_listen_syn_fin_dropped);
    g_test_add_func("/fsm/established/syn_rst/reset", test_established_syn_rst_reset);
    g_test_add_func("/fsm/listen/syn_rst/ignored", test_listen_syn_rst_ignored);
    g_test_add_func("/fsm/established/out_of_order_fill/data", test_established_out_of_order_fill_data);
    g_test_add_func("/fsm/midstream/data_then_close/guessed_sides", test_midstream_data_then_close_guessed_sides);
    g_test_add_func("/fsm/midstream/server_port_first/labelled_server",
                    test_midstream_server_port_first_labelled_server);
    g_test_add_func("/fsm/midstream/fin_first/sender_fin_wait1", test_midstream_fin_first_sender_fin_wait1);
    g_test_add_func("/fsm/syn_recv/synack_first/syn_missing", test_syn_recv_synack_first_syn_missing);
    g_test_add_func("/fsm/fin_wait1/ack_across_wrap/fin_wait2", test_fin_wait1_ack_across_wrap_fin_wait2);
    g_test_add_func("/fsm/established/time_backwards/flagged", test_established_time_backwards_flagged);
    g_test_add_func("/fsm/established/continuation/in_window_only", test_established_continuation_in_window_only);
    g_test_add_func("/fsm/established/rst_out_of_window/dropped", test_established_rst_out_of_window_dropped);
    g_test_add_func("/fsm/established/fin_without_ack/dropped", test_established_fin_without_ack_dropped);
    g_test_add_func("/fsm/syn_sent/ack_without_synack/inferred", test_syn_sent_ack_without_synack_inferred);
    g_test_add_func("/fsm/last_ack/final_ack_missing/four_way_not_half_closed",
                    test_last_ack_final_ack_missing_four_way_not_half_closed);
    g_test_add_func("/fsm/last_ack/final_ack_missing/three_way", test_last_ack_final_ack_missing_three_way);
    g_test_add_func("/fsm/close_wait/one_fin/half_closed", test_close_wait_one_fin_half_closed);
    g_test_add_func("/fsm/closing/fin_retransmitted_with_ack/completes_close",
                    test_closing_fin_retransmitted_with_ack_completes_close);
    g_test_add_func("/fsm/fin_wait2/fin_retransmitted/acks_peer_fin", test_fin_wait2_fin_retransmitted_acks_peer_fin);
    g_test_add_func("/fsm/syn_recv/acks_client_data/established_inferred",
                    test_syn_recv_acks_client_data_established_inferred);
    g_test_add_func("/fsm/established/fin_acks_uncaptured_fin/peer_closed_first",
                    test_established_fin_acks_uncaptured_fin_peer_closed_first);
    g_test_add_func("/fsm/syn_sent/synack_acks_syn_data/fast_open", test_syn_sent_synack_acks_syn_data_fast_open);
    g_test_add_func("/fsm/syn_sent/synack_refuses_syn_data/established",
                    test_syn_sent_synack_refuses_syn_data_established);
    g_test_add_func("/fsm/syn_sent/synack_acks_beyond_syn_data/unexpected",
                    test_syn_sent_synack_acks_beyond_syn_data_unexpected);
    g_test_add_func("/fsm/syn_sent/stale_ack_then_rst/closes_nothing", test_syn_sent_stale_ack_rst_closes_nothing);
    g_test_add_func("/fsm/fin_wait2/ack_before_fin/completes_close", test_fin_wait2_ack_before_fin_completes_close);
    g_test_add_func("/fsm/syn_recv/ack_out_of_window/dropped", test_syn_recv_ack_out_of_window_dropped);
    g_test_add_func("/fsm/established/rst_exact/resets_whether_ack_seen_or_not",
                    test_established_rst_exact_resets_whether_ack_seen_or_not);
    g_test_add_func("/fsm/established/rst_in_window_not_exact/challenge_ack",
                    test_established_rst_in_window_not_exact_challenge_ack);
    g_test_add_func("/fsm/close_wait/rst_at_fin_seq/resets", test_close_wait_rst_at_fin_seq_resets);
    g_test_add_func("/fsm/fin_wait1/rst_from_peer/closer_and_resetter_apart",
                    test_fin_wait1_rst_from_peer_closer_and_resetter_apart);
    g_test_add_func("/fsm/closed/ack_after_rst/no_close_step", test_closed_ack_after_rst_no_close_step);
    g_test_add_func("/fsm/listen/unanswered_syn/server_unknown", test_listen_unanswered_syn_server_unknown);
    g_test_add_func("/fsm/listen/refused/server_never_syn_recv", test_listen_refused_server_never_syn_recv);
    g_test_add_func("/fsm/syn_sent/peer_syn/simultaneous_open", test_syn_sent_peer_syn_simultaneous_open);
    g_test_add_func("/fsm/syn_recv/synack_again/simultaneous_open_retransmission",
                    test_syn_recv_synack_again_simultaneous_open_retransmission);
    g_test_add_func("/fsm/established/server_bare_syn/unexpected", test_established_server_bare_syn_unexpected);
    g_test_add_func("/fsm/listen/syn_copies_then_synack/syn_recv_from_last_copy",
                    test_listen_syn_copies_then_synack_syn_recv_from_last_copy);
    g_test_add_func("/fsm/listen/syn_copies_then_ack/syn_recv_from_last_copy",
                    test_listen_syn_copies_then_ack_syn_recv_from_last_copy);
    g_test_add_func("/fsm/listen/one_syn_then_synack/syn_recv_from_syn", test_listen_one_syn_then_synack_syn_recv_from_syn);
    g_test_add_func("/fsm/established/synack_again/syn_recv_until_server_speaks",
                    test_established_synack_again_syn_recv_until_server_speaks);
    g_test_add_func("/fsm/syn_recv_again/synack_third_time/syn_recv_at_it",
                    test_syn_recv_again_synack_third_time_syn_recv_at_it);
    g_test_add_func("/fsm/syn_recv_again/client_fin/taken_when_server_acks_it",
                    test_syn_recv_again_client_fin_taken_when_server_acks_it);
    g_test_add_func("/fsm/established/synack_after_server_data/retransmission_only",
                    test_established_synack_after_server_data_retransmission_only);
    g_test_add_func("/fsm/listen/syn_copies_refused/server_closed", test_listen_syn_copies_refused_server_closed);
    g_test_add_func("/fsm/fin_wait1/crossing_fin/two_passes_figure_13", test_fin_wait1_crossing_fin_two_passes_figure_13);
    g_test_add_func("/fsm/names/step_text/every_kind", test_names_step_text_every_kind);
    g_test_add_func("/fsm/names/every_value/named", test_names_cover_every_value);
    return g_test_run();
}
