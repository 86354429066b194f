/* tw_fsm.c - see tw_fsm.h.
 *
 * Every segment is handled in the order RFC 9293 section 3.10.7.4 processes
 * an arriving segment: RST first, then SYN, then the ACK field (which may
 * complete the receiver's handshake or acknowledge its FIN), then the FIN.
 * The sender's own transition (sending SYN or FIN) is applied before the
 * receiver processes the segment, since it happened first.
 */
#include "tw_fsm.h"

#include <stddef.h>

static const char *const state_names[TW_STATE_COUNT] = {
    [TW_ST_NONE] = "NONE",
    [TW_ESTABLISHED] = "ESTABLISHED",
    [TW_SYN_SENT] = "SYN_SENT",
    [TW_SYN_RECV] = "SYN_RECV",
    [TW_FIN_WAIT1] = "FIN_WAIT1",
    [TW_FIN_WAIT2] = "FIN_WAIT2",
    [TW_TIME_WAIT] = "TIME_WAIT",
    [TW_CLOSED] = "CLOSED",
    [TW_CLOSE_WAIT] = "CLOSE_WAIT",
    [TW_LAST_ACK] = "LAST_ACK",
    [TW_LISTEN] = "LISTEN",
    [TW_CLOSING] = "CLOSING",
};

static const char *const role_names[TW_ROLE_COUNT] = {
    [TW_ROLE_NONE] = "none",
    [TW_ROLE_SYN] = "SYN",
    [TW_ROLE_SYN_ACK] = "SYN-ACK",
    [TW_ROLE_HS_ACK] = "handshake ACK",
    [TW_ROLE_DATA] = "data",
    [TW_ROLE_ACK] = "ACK",
    [TW_ROLE_FIN1] = "first FIN",
    [TW_ROLE_FIN1_ACK] = "ACK of first FIN",
    [TW_ROLE_FIN2] = "second FIN",
    [TW_ROLE_FIN_ACK] = "FIN+ACK",
    [TW_ROLE_SIM_FIN] = "simultaneous FIN",
    [TW_ROLE_FIN2_ACK] = "ACK of second FIN",
    [TW_ROLE_FINAL_ACK] = "final ACK",
    [TW_ROLE_RST] = "RST",
    [TW_ROLE_RETRANS] = "retransmission",
    [TW_ROLE_KEEPALIVE] = "keep-alive",
    [TW_ROLE_OTHER] = "other/unexpected",
};

static const char *const close_type_names[TW_CLOSE_COUNT] = {
    [TW_CLOSE_NONE] = "none",
    [TW_CLOSE_THREE_WAY] = "three-way",
    [TW_CLOSE_FOUR_WAY] = "four-way",
    [TW_CLOSE_SIMULTANEOUS] = "simultaneous",
    [TW_CLOSE_RESET] = "reset",
};

static const char *const outcome_names[TW_OUT_COUNT] = {
    [TW_OUT_THREE_WAY] = "Three-way close (FIN+ACK merged)",
    [TW_OUT_FOUR_WAY] = "Four-way close",
    [TW_OUT_SIMULTANEOUS] = "Simultaneous close",
    [TW_OUT_RESET] = "Reset",
    [TW_OUT_REFUSED] = "Refused",
    [TW_OUT_HALF_CLOSED] = "Half-closed at end",
    [TW_OUT_OPEN] = "Open at end",
    [TW_OUT_HANDSHAKE_INCOMPLETE] = "Handshake incomplete",
    [TW_OUT_NO_HANDSHAKE] = "No handshake seen",
};

static const char *const side_names[3] = {"unknown", "client", "server"};

static const char *const why_texts[TW_WHY_COUNT] = {
    [TW_WHY_NONE] = "",
    [TW_WHY_SYN_FIN] = "SYN and FIN together: Linux drops such a segment",
    [TW_WHY_RST_TO_LISTEN] = "RST to a listening endpoint is ignored (RFC 9293 3.10.7.2)",
    [TW_WHY_SYN_NEW_ISN] = "SYN with a new initial sequence number on a live connection",
    [TW_WHY_SYN_FROM_SERVER] = "SYN from the answering side (simultaneous open is not tracked)",
    [TW_WHY_SYNACK_BAD_ACK] = "SYN-ACK does not acknowledge the client's SYN",
    [TW_WHY_SYNACK_NO_SYN] = "SYN-ACK while no SYN is outstanding",
    [TW_WHY_RST_UNACCEPTABLE] = "RST a SYN_SENT endpoint ignores: it does not acknowledge the SYN (RFC 9293 3.10.7.3)",
    [TW_WHY_FIN_MOVED] = "second FIN at another sequence number",
    [TW_WHY_FIN_BEFORE_SYNC] = "FIN before the handshake completed",
    [TW_WHY_DATA_BEYOND_FIN] = "payload beyond the sender's own FIN",
    [TW_WHY_AFTER_CLOSE] = "new data or FIN from an endpoint that is already CLOSED",
    [TW_WHY_NO_ACK] = "no ACK bit: dropped (RFC 9293 3.10.7.4, fifth check)",
    [TW_WHY_NO_CONNECTION] = "no connection: a listener that accepted no SYN answers this with a RST (RFC 9293 3.10.7.2)",
    [TW_WHY_RST_OUT_OF_WINDOW] = "RST outside the receiver's window: dropped (RFC 9293 3.10.7.4, RFC 5961)",
};

#define NAME_OR(table, i, count) ((i) < (count) && (table)[i] ? (table)[i] : "?")

const char *tw_state_name(unsigned s) { return NAME_OR(state_names, s, TW_STATE_COUNT); }
const char *tw_role_name(unsigned r) { return NAME_OR(role_names, r, TW_ROLE_COUNT); }
const char *tw_close_type_name(unsigned t) { return NAME_OR(close_type_names, t, TW_CLOSE_COUNT); }
const char *tw_outcome_name(unsigned o) { return NAME_OR(outcome_names, o, TW_OUT_COUNT); }
const char *tw_side_name(unsigned s) { return NAME_OR(side_names, s, 3u); }
const char *tw_why_text(unsigned w) { return NAME_OR(why_texts, w, TW_WHY_COUNT); }

/* Sequence space comparisons, modulo 2^32 (RFC 9293 3.4). */
static bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

static uint8_t step(unsigned kind, unsigned num) { return (uint8_t)(kind << 4 | num); }

static uint8_t side_of(enum tw_end e) { return e == TW_C ? TW_SIDE_CLIENT : TW_SIDE_SERVER; }

/* An endpoint that is part of a connection (not before or after one). */
static bool in_connection(uint8_t state)
{
    return state != TW_ST_NONE && state != TW_CLOSED && state != TW_LISTEN;
}

/* Largest window a receiver can offer (RFC 7323 2.3: 2^14 scaling of 2^16). */
#define MAX_WINDOW (1u << 30)

/* Is sequence number a within a window's reach of b, either side? */
static bool near_seq(uint32_t a, uint32_t b)
{
    return a - b + MAX_WINDOW < 2 * MAX_WINDOW;
}

/* RFC 9293 3.10.7.4 first check for an RST: its sequence number must be in
 * the receiver's window, which starts where the receiver's last ACK points
 * (or, never having seen one, at the sender's snd_nxt).  One below it is
 * accepted as Linux's tcp_reset_check() does after a FIN. */
static bool rst_in_window(const struct tw_endpoint *ex, const struct tw_endpoint *ey, uint32_t seq)
{
    uint32_t left;

    if (ey->flags & TW_EP_ACKS)
        left = ey->ack_max;
    else if (ex->flags & TW_EP_SEQ)
        left = ex->snd_nxt;
    else
        return true;
    return seq + 1 - left < MAX_WINDOW + 1;
}

/* Where each link's time is kept, or -1. */
static const int8_t timed_slot[TW_LINK_COUNT] = {
    [TW_LINK_SYN] = TW_TIMED_SYN,   [TW_LINK_SYNACK] = -1,         [TW_LINK_HS_ACK] = TW_TIMED_HS_ACK,
    [TW_LINK_FIN1] = TW_TIMED_FIN1, [TW_LINK_FIN1_ACK] = -1,       [TW_LINK_FIN2] = TW_TIMED_FIN2,
    [TW_LINK_FINAL_ACK] = TW_TIMED_FINAL_ACK, [TW_LINK_RST] = -1,
};

static void remember(struct tw_conn *c, enum tw_link l, const struct tw_segment *s)
{
    if (c->frames[l] == 0) {
        c->frames[l] = s->frame;
        if (timed_slot[l] >= 0)
            c->times[timed_slot[l]] = s->time_ns;
    }
}

static void unexpected(struct tw_verdict *v, enum tw_why why)
{
    v->role = TW_ROLE_OTHER;
    v->events |= TW_EV_UNEXPECTED;
    v->why = (uint8_t)why;
}

/* The sender's sequence space grows to cover [seq, end). */
static void advance(struct tw_endpoint *e, uint32_t end)
{
    if (!(e->flags & TW_EP_SEQ) || seq_lt(e->snd_nxt, end))
        e->snd_nxt = end;
    e->flags |= TW_EP_SEQ;
}

/* Does [seq, end) bring bytes of the latest hole, i.e. bytes never
 * captured before?  (Only the latest hole is remembered: a segment filling
 * an older one is taken for a retransmission.) */
static bool fills_gap(const struct tw_endpoint *e, uint32_t seq, uint32_t end)
{
    return e->gap_lo != e->gap_hi && seq_lt(seq, e->gap_hi) && seq_lt(e->gap_lo, end);
}

/* Record that [seq, end) was captured: it may open a hole (a segment beyond
 * snd_nxt: the bytes between were not captured yet) or fill part of one
 * (an out-of-order segment). */
static void captured(struct tw_endpoint *e, uint32_t seq, uint32_t end)
{
    if ((e->flags & TW_EP_SEQ) && seq_lt(e->snd_nxt, seq)) {
        e->gap_lo = e->snd_nxt;
        e->gap_hi = seq;
    } else if (fills_gap(e, seq, end)) {
        if (seq_le(seq, e->gap_lo))
            e->gap_lo = seq_lt(end, e->gap_hi) ? end : e->gap_hi;
        else
            e->gap_hi = seq;
    }
    advance(e, end);
}

static bool acks(const struct tw_segment *s, uint32_t seq)
{
    return (s->flags & TW_TH_ACK) && seq_le(seq + 1, s->ack);
}

/*
 * The first segment fixes which side is which.  A SYN without ACK comes
 * from the client (even a malformed one, which on_syn() then rejects); a
 * SYN-ACK from the server.  Anything else means the capture began
 * mid-connection: the sides are guessed (the lower port is labelled server,
 * as services usually have the lower port) and both endpoints are taken to
 * be ESTABLISHED before the segment.
 */
static void start(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v)
{
    uint8_t syn_ack = s->flags & (TW_TH_SYN | TW_TH_ACK);
    bool odd = (s->flags & (TW_TH_FIN | TW_TH_RST)) != 0;

    c->flags |= TW_CONN_STARTED;
    c->first_key = s->src_key;
    c->first_port = s->sport;
    c->other_key = s->dst_key;
    c->other_port = s->dport;
    if (syn_ack == TW_TH_SYN) {
        c->first_end = TW_C;
        c->ep[TW_C].state = TW_CLOSED;
        c->ep[TW_S].state = TW_LISTEN;
    } else if (syn_ack == (TW_TH_SYN | TW_TH_ACK) && !odd) {
        /* The server sent a SYN-ACK, so it had received the client's SYN. */
        c->first_end = TW_S;
        c->flags |= TW_CONN_SYN_MISSING;
        c->ep[TW_C].state = TW_SYN_SENT;
        c->ep[TW_C].isn = s->ack - 1;
        c->ep[TW_C].snd_nxt = s->ack;
        c->ep[TW_C].flags = TW_EP_SEQ | TW_EP_SYN;
        c->ep[TW_S].state = TW_SYN_RECV;
        v->events |= TW_EV_SYN_MISSING;
    } else {
        c->first_end = s->sport < s->dport ? TW_S : TW_C;
        c->flags |= TW_CONN_MIDSTREAM;
        for (int e = 0; e < 2; e++) {
            c->ep[e].state = TW_ESTABLISHED;
            c->ep[e].flags = TW_EP_SYN | TW_EP_SYN_ACKED;
        }
        struct tw_endpoint *peer = &c->ep[c->first_end ^ 1];
        if (s->flags & TW_TH_ACK) {
            peer->snd_nxt = s->ack;
            peer->flags |= TW_EP_SEQ;
        }
        v->events |= TW_EV_MIDSTREAM;
    }
}

/*
 * RST (RFC 9293 3.10.7.3, 3.10.7.4 "first check sequence number / second
 * check the RST bit").  The RST bit is checked before the SYN bit, so a
 * SYN+RST resets too (Linux tcp_validate_incoming() likewise); a listener
 * ignores any RST (3.10.7.2).  In SYN_SENT an RST counts only with an ACK of the
 * SYN; then the connection was refused.  Otherwise both ends are CLOSED: the
 * sender has no connection (that is why it resets), the receiver aborts.  An
 * RST that reaches a TIME_WAIT socket kills it on Linux (tcp_timewait_state_
 * process, tcp_rfc1337=0, and TCP_TW_RST when a TIME_WAIT socket resets).
 */
static void on_rst(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v,
                   enum tw_end x, enum tw_end y)
{
    struct tw_endpoint *ey = &c->ep[y];

    if (ey->state == TW_LISTEN) {
        unexpected(v, TW_WHY_RST_TO_LISTEN);
        return;
    }
    if ((c->flags & TW_CONN_RST) && c->ep[x].state == TW_CLOSED && ey->state == TW_CLOSED) {
        v->role = TW_ROLE_RETRANS;
        return;
    }
    /* The answer to a segment of no connection (a probe): nothing to reset. */
    if (!in_connection(c->ep[x].state) && !in_connection(ey->state)) {
        v->role = TW_ROLE_RST;
        return;
    }
    if (ey->state != TW_SYN_SENT && !rst_in_window(&c->ep[x], ey, s->seq)) {
        unexpected(v, TW_WHY_RST_OUT_OF_WINDOW);
        return;
    }
    if (ey->state == TW_SYN_SENT) {
        if (!acks(s, ey->isn) || !seq_le(s->ack, ey->isn + 1)) {
            unexpected(v, TW_WHY_RST_UNACCEPTABLE);
            return;
        }
        c->flags |= TW_CONN_REFUSED;
        v->events |= TW_EV_REFUSED;
    } else if (c->close_type == TW_CLOSE_NONE) {
        c->close_type = TW_CLOSE_RESET;
        c->close_initiator = side_of(x);
        v->events |= TW_EV_RESET;
    }
    c->flags |= TW_CONN_RST;
    remember(c, TW_LINK_RST, s);
    c->ep[x].state = TW_CLOSED;
    ey->state = TW_CLOSED;
    v->role = TW_ROLE_RST;
}

/* A SYN or SYN-ACK (RFC 9293 3.10.7.2 LISTEN, 3.10.7.3 SYN-SENT). */
static void on_syn(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v,
                   enum tw_end x, enum tw_end y)
{
    struct tw_endpoint *ex = &c->ep[x], *ey = &c->ep[y];

    if (s->flags & TW_TH_FIN) {
        unexpected(v, TW_WHY_SYN_FIN);
        return;
    }
    if ((ex->flags & TW_EP_SYN) && s->seq == ex->isn) {
        v->role = TW_ROLE_RETRANS;
        v->step = step(TW_STEP_HANDSHAKE, (s->flags & TW_TH_ACK) ? 2 : 1);
        return;
    }
    if (ex->flags & TW_EP_SYN) {
        unexpected(v, TW_WHY_SYN_NEW_ISN);
        return;
    }
    ex->isn = s->seq;
    ex->flags |= TW_EP_SYN;
    advance(ex, s->seq + 1 + s->len);

    if (!(s->flags & TW_TH_ACK)) {
        if (x != TW_C) {
            unexpected(v, TW_WHY_SYN_FROM_SERVER);
            return;
        }
        /* CLOSED --connect()/SYN--> SYN_SENT; LISTEN --SYN--> SYN_RECV. */
        ex->state = TW_SYN_SENT;
        ey->state = TW_SYN_RECV;
        remember(c, TW_LINK_SYN, s);
        v->role = TW_ROLE_SYN;
        v->step = step(TW_STEP_HANDSHAKE, 1);
        return;
    }
    if (ey->state != TW_SYN_SENT || !(ey->flags & TW_EP_SYN)) {
        unexpected(v, TW_WHY_SYNACK_NO_SYN);
        return;
    }
    if (s->ack != ey->isn + 1) {
        unexpected(v, TW_WHY_SYNACK_BAD_ACK);
        return;
    }
    /* SYN_SENT --SYN,ACK--> ESTABLISHED (RFC 9293 3.10.7.3, fourth check). */
    ey->flags |= TW_EP_SYN_ACKED;
    ey->state = TW_ESTABLISHED;
    remember(c, TW_LINK_SYNACK, s);
    v->role = TW_ROLE_SYN_ACK;
    v->step = step(TW_STEP_HANDSHAKE, 2);
}

/* Effect on y of an ACK that covers y's FIN (RFC 9293 3.10.7.4, "fifth,
 * check the ACK field": FIN-WAIT-1, CLOSING, LAST-ACK). */
static void fin_acked(struct tw_endpoint *ey)
{
    ey->flags |= TW_EP_FIN_ACKED;
    switch (ey->state) {
    case TW_FIN_WAIT1: ey->state = TW_FIN_WAIT2; break;
    case TW_CLOSING: ey->state = TW_TIME_WAIT; break;
    case TW_LAST_ACK: ey->state = TW_CLOSED; break;
    default: break;
    }
}

/* Effect on y of receiving x's FIN (RFC 9293 3.10.7.4, "eighth, check the
 * FIN bit"; Linux tcp_fin()).  A FIN_WAIT1 endpoint whose FIN is still
 * unacknowledged goes to CLOSING; once acknowledged it went to FIN_WAIT2 and
 * now enters TIME_WAIT. */
static void fin_received(struct tw_endpoint *ey)
{
    switch (ey->state) {
    case TW_ESTABLISHED: ey->state = TW_CLOSE_WAIT; break;
    case TW_FIN_WAIT1: ey->state = TW_CLOSING; break;
    case TW_FIN_WAIT2: ey->state = TW_TIME_WAIT; break;
    default: break;
    }
}

static void complete_close(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v)
{
    remember(c, TW_LINK_FINAL_ACK, s);
    v->role = TW_ROLE_FINAL_ACK;
    v->step = step(TW_STEP_CLOSE, c->close_total == 3 ? 3 : 4);
    if (c->close_type != TW_CLOSE_NONE)
        return; /* a reset came first; a close is counted once */
    if (c->flags & TW_CONN_CROSSED)
        c->close_type = TW_CLOSE_SIMULTANEOUS;
    else if (c->close_total == 3)
        c->close_type = TW_CLOSE_THREE_WAY;
    else
        c->close_type = TW_CLOSE_FOUR_WAY;
    c->close_initiator = side_of((enum tw_end)c->fin1_end);
    v->events |= TW_EV_CLOSE_DONE;
}

static bool both_fins_acked(const struct tw_conn *c)
{
    return (c->ep[0].flags & c->ep[1].flags & TW_EP_FIN_ACKED) != 0;
}

/*
 * x sends a new FIN.  What x had received decides the kind of close:
 *  - y has sent no FIN: x closes first (ESTABLISHED -> FIN_WAIT1), y moves
 *    to CLOSE_WAIT;
 *  - x's ACK covers y's FIN (now or earlier): x was in CLOSE_WAIT and goes to
 *    LAST_ACK.  If this very segment is the first to acknowledge y's FIN, the
 *    ACK was merged into the FIN (three-way close);
 *  - y's FIN was captured but x's ACK does not cover it: the FINs crossed.
 *    x sent from ESTABLISHED (FIN_WAIT1) and y's FIN reaches it afterwards,
 *    so both pass through CLOSING (RFC 9293 3.6 case 2, figure 13).  What was
 *    shown earlier for x (CLOSE_WAIT) is not rewritten; the event says why.
 */
static void on_new_fin(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v,
                       enum tw_end x, enum tw_end y, bool acked_y_fin_now)
{
    struct tw_endpoint *ex = &c->ep[x], *ey = &c->ep[y];

    if (ex->state == TW_SYN_SENT || (ex->state == TW_SYN_RECV && !(ex->flags & TW_EP_SYN_ACKED))) {
        unexpected(v, TW_WHY_FIN_BEFORE_SYNC);
        return;
    }
    ex->flags |= TW_EP_FIN;
    ex->fin_seq = s->seq + s->len;
    captured(ex, s->seq, ex->fin_seq + 1);

    if (!(ey->flags & TW_EP_FIN)) {
        ex->state = TW_FIN_WAIT1;
        fin_received(ey);
        c->fin1_end = (uint8_t)x;
        c->close_initiator = side_of(x);
        remember(c, TW_LINK_FIN1, s);
        v->role = TW_ROLE_FIN1;
        v->step = step(TW_STEP_CLOSE, 1);
    } else if (ey->flags & TW_EP_FIN_ACKED || acked_y_fin_now) {
        ex->state = TW_LAST_ACK;
        fin_received(ey);
        remember(c, TW_LINK_FIN2, s);
        if (acked_y_fin_now) {
            c->close_total = 3;
            v->role = TW_ROLE_FIN_ACK;
            v->step = step(TW_STEP_CLOSE, 2);
        } else {
            v->role = TW_ROLE_FIN2;
            v->step = step(TW_STEP_CLOSE, 3);
        }
    } else {
        ex->state = TW_CLOSING;
        ey->state = ey->state == TW_FIN_WAIT1 ? TW_CLOSING : ey->state;
        c->flags |= TW_CONN_CROSSED;
        c->close_total = 4;
        remember(c, TW_LINK_FIN2, s);
        v->role = TW_ROLE_SIM_FIN;
        v->step = step(TW_STEP_CLOSE, 2);
        v->events |= TW_EV_CROSSED_FINS;
    }
    ex->fin_step = v->step;
    ex->fin_role = v->role;
}

/* A segment with neither SYN nor RST: ACK field, FIN, payload. */
static void on_segment(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v,
                       enum tw_end x, enum tw_end y)
{
    struct tw_endpoint *ex = &c->ep[x], *ey = &c->ep[y];
    bool fin = (s->flags & TW_TH_FIN) != 0;
    uint32_t end = s->seq + s->len;
    /* A keep-alive probe re-sends the byte before snd_nxt, or nothing at
     * that sequence number (Linux tcp_xmit_probe_skb): not a retransmission. */
    bool keepalive = !fin && s->len <= 1 && (ex->flags & TW_EP_SEQ) && s->seq == ex->snd_nxt - 1 &&
                     (ex->state == TW_ESTABLISHED || ex->state == TW_CLOSE_WAIT);
    bool old_data = !keepalive && s->len > 0 && (ex->flags & TW_EP_SEQ) && seq_le(end, ex->snd_nxt) &&
                    !fills_gap(ex, s->seq, end);
    bool fin_copy = fin && (ex->flags & TW_EP_FIN) && end == ex->fin_seq;
    bool handshake_done = false, acked_fin = false, acked_first_fin = false;

    if (!(s->flags & TW_TH_ACK)) {
        unexpected(v, TW_WHY_NO_ACK);
        return;
    }
    if (ex->state == TW_LISTEN || ey->state == TW_LISTEN) {
        unexpected(v, TW_WHY_NO_CONNECTION);
        return;
    }
    if (ex->state == TW_CLOSED && ((fin && !fin_copy) || (s->len > 0 && !old_data))) {
        unexpected(v, TW_WHY_AFTER_CLOSE);
        return;
    }
    /* A SYN_SENT endpoint sends nothing but its SYN until it has the SYN-ACK
     * (RFC 9293 3.10.7.3): this ACK proves a SYN-ACK that was not captured
     * (lost before the capture point, or cut short).  Its ACK number tells
     * the server's ISN; the handshake completes below. */
    if (ex->state == TW_SYN_SENT && ey->state == TW_SYN_RECV && !(ey->flags & TW_EP_SYN)) {
        ey->isn = s->ack - 1;
        ey->flags |= TW_EP_SYN;
        advance(ey, s->ack);
        ex->flags |= TW_EP_SYN_ACKED;
        ex->state = TW_ESTABLISHED;
        v->events |= TW_EV_INFERRED;
    }

    /* The ACK field first: it may complete y's handshake or acknowledge y's
     * FIN (RFC 9293 3.10.7.4, fifth check). */
    if ((ey->flags & TW_EP_SYN) && !(ey->flags & TW_EP_SYN_ACKED) && acks(s, ey->isn)) {
        ey->flags |= TW_EP_SYN_ACKED;
        if (ey->state == TW_SYN_RECV) {
            ey->state = TW_ESTABLISHED;
            c->flags |= TW_CONN_HANDSHAKE;
            remember(c, TW_LINK_HS_ACK, s);
            handshake_done = true;
        }
    }
    if ((ey->flags & TW_EP_FIN) && !(ey->flags & TW_EP_FIN_ACKED) && acks(s, ey->fin_seq)) {
        acked_first_fin = c->fin1_end == y && !(ex->flags & TW_EP_FIN);
        fin_acked(ey);
        acked_fin = true;
    }

    if (fin_copy) {
        /* A FIN sent again: the states stay; if its ACK was captured, that
         * ACK was lost beyond the capture point. */
        v->role = TW_ROLE_RETRANS;
        v->step = ex->fin_step;
        if (ex->flags & TW_EP_FIN_ACKED)
            v->events |= TW_EV_ACK_LOST;
    } else if (fin && (ex->flags & TW_EP_FIN)) {
        unexpected(v, TW_WHY_FIN_MOVED);
    } else if (fin) {
        on_new_fin(c, s, v, x, y, acked_fin);
    } else if (handshake_done) {
        v->role = TW_ROLE_HS_ACK;
        v->step = step(TW_STEP_HANDSHAKE, 3);
        v->events |= TW_EV_HANDSHAKE_DONE;
    } else if (acked_fin && both_fins_acked(c)) {
        complete_close(c, s, v);
    } else if (acked_first_fin) {
        c->close_total = 4;
        remember(c, TW_LINK_FIN1_ACK, s);
        v->role = TW_ROLE_FIN1_ACK;
        v->step = step(TW_STEP_CLOSE, 2);
    } else if (acked_fin) {
        v->role = TW_ROLE_FIN2_ACK;
        v->step = step(TW_STEP_CLOSE, 3);
    } else if (keepalive) {
        v->role = TW_ROLE_KEEPALIVE;
    } else if (old_data) {
        v->role = TW_ROLE_RETRANS;
    } else if (s->len > 0) {
        v->role = TW_ROLE_DATA;
    } else {
        v->role = TW_ROLE_ACK;
    }
    if (s->len > 0 && !old_data && v->role != TW_ROLE_OTHER) {
        if ((ex->flags & TW_EP_FIN) && seq_lt(ex->fin_seq, end))
            unexpected(v, TW_WHY_DATA_BEYOND_FIN);
        else if ((ey->flags & TW_EP_FIN) && (ey->flags & TW_EP_FIN_ACKED))
            v->events |= TW_EV_DATA_AFTER_FIN;
    }
    if (!fin || fin_copy)
        captured(ex, s->seq, end);
}

void tw_conn_peek(const struct tw_conn *c, struct tw_verdict *v)
{
    *v = (struct tw_verdict){0};
    for (int e = 0; e < 2; e++)
        v->prev[e] = v->next[e] = c->ep[e].state;
}

void tw_conn_step(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v)
{
    bool first = !(c->flags & TW_CONN_STARTED);

    *v = (struct tw_verdict){0};
    if (first)
        start(c, s, v);
    else if (s->time_ns != TW_TIME_UNKNOWN && c->last_time != TW_TIME_UNKNOWN && s->time_ns < c->last_time)
        v->events |= TW_EV_TIME_BACKWARDS;
    c->last_time = s->time_ns;

    enum tw_end x = tw_conn_end_of(c, s->src_key, s->sport);
    enum tw_end y = (enum tw_end)(x ^ 1);

    v->prev[TW_C] = c->ep[TW_C].state;
    v->prev[TW_S] = c->ep[TW_S].state;
    v->sender = (c->flags & TW_CONN_MIDSTREAM) ? TW_SIDE_UNKNOWN : side_of(x);

    if (s->flags & TW_TH_RST)
        on_rst(c, s, v, x, y);
    else if (s->flags & TW_TH_SYN)
        on_syn(c, s, v, x, y);
    else
        on_segment(c, s, v, x, y);

    if ((s->flags & TW_TH_ACK) && v->role != TW_ROLE_OTHER) {
        struct tw_endpoint *ex = &c->ep[x];
        if (!(ex->flags & TW_EP_ACKS) || seq_lt(ex->ack_max, s->ack))
            ex->ack_max = s->ack;
        ex->flags |= TW_EP_ACKS;
    }
    v->next[TW_C] = c->ep[TW_C].state;
    v->next[TW_S] = c->ep[TW_S].state;
}

enum tw_end tw_conn_end_of(const struct tw_conn *c, uint32_t src_key, uint16_t sport)
{
    bool first = src_key == c->first_key && sport == c->first_port;
    return (enum tw_end)(first ? c->first_end : c->first_end ^ 1);
}

enum tw_outcome tw_conn_outcome(const struct tw_conn *c)
{
    switch (c->close_type) {
    case TW_CLOSE_THREE_WAY: return TW_OUT_THREE_WAY;
    case TW_CLOSE_FOUR_WAY: return TW_OUT_FOUR_WAY;
    case TW_CLOSE_SIMULTANEOUS: return TW_OUT_SIMULTANEOUS;
    case TW_CLOSE_RESET: return TW_OUT_RESET;
    default: break;
    }
    if (c->flags & TW_CONN_REFUSED)
        return TW_OUT_REFUSED;
    if ((c->ep[0].flags | c->ep[1].flags) & TW_EP_FIN)
        return TW_OUT_HALF_CLOSED;
    if (c->flags & TW_CONN_MIDSTREAM)
        return TW_OUT_NO_HANDSHAKE;
    if (c->ep[TW_C].state == TW_ESTABLISHED && c->ep[TW_S].state == TW_ESTABLISHED)
        return TW_OUT_OPEN;
    return TW_OUT_HANDSHAKE_INCOMPLETE;
}

bool tw_conn_continued_by(const struct tw_conn *c, const struct tw_segment *s)
{
    const struct tw_endpoint *ex, *ey;

    if (!(c->flags & TW_CONN_STARTED))
        return false;
    /* The same 4-tuple, exactly (the caller found c through a hash). */
    bool forward = s->src_key == c->first_key && s->sport == c->first_port && s->dst_key == c->other_key &&
                   s->dport == c->other_port;
    bool backward = s->src_key == c->other_key && s->sport == c->other_port && s->dst_key == c->first_key &&
                    s->dport == c->first_port;
    if (!forward && !backward)
        return false;
    enum tw_end x = tw_conn_end_of(c, s->src_key, s->sport);
    ex = &c->ep[x];
    ey = &c->ep[x ^ 1];
    /* A copy of its SYN or SYN-ACK (same ISN) is an old duplicate of this
     * connection, closed or not: what TIME_WAIT is there for. */
    if (s->flags & TW_TH_SYN)
        return (ex->flags & TW_EP_SYN) && s->seq == ex->isn;
    if (c->close_type != TW_CLOSE_NONE || (c->flags & TW_CONN_REFUSED) ||
        !(in_connection(c->ep[0].state) || in_connection(c->ep[1].state)))
        return false;
    if ((ex->flags & TW_EP_SEQ) && !near_seq(s->seq, ex->snd_nxt))
        return false;
    return !(s->flags & TW_TH_ACK) || !(ey->flags & TW_EP_SEQ) || near_seq(s->ack, ey->snd_nxt);
}

bool tw_conn_in_time_wait(const struct tw_conn *c)
{
    return c->ep[0].state == TW_TIME_WAIT || c->ep[1].state == TW_TIME_WAIT;
}

bool tw_conn_time(const struct tw_conn *c, enum tw_link l, int64_t *ns)
{
    if ((unsigned)l >= TW_LINK_COUNT || timed_slot[l] < 0 || c->frames[l] == 0 ||
        c->times[timed_slot[l]] == TW_TIME_UNKNOWN)
        return false;
    *ns = c->times[timed_slot[l]];
    return true;
}

bool tw_conn_interval(const struct tw_conn *c, enum tw_link from, enum tw_link to, int64_t *ns)
{
    int64_t t_from, t_to;
    if (!tw_conn_time(c, from, &t_from) || !tw_conn_time(c, to, &t_to) || t_to < t_from)
        return false;
    return !__builtin_sub_overflow(t_to, t_from, ns); /* gcc and clang */
}
