/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tw_fsm.c - see tw_fsm.h and docs/semantics.md.
 *
 * A segment from x to y is handled in three parts, in this order:
 *  1. what its sending proves about x (sender_evidence()): a SYN_SENT client
 *     that ACKs had the SYN-ACK; an endpoint that acknowledges the peer's
 *     data or sends data is synchronized; an ACK that does not cover the
 *     peer's FIN was sent before that FIN arrived;
 *  2. its arrival at y, in y's state, as RFC 9293 section 3.10.7 processes
 *     an arriving segment (RST, then SYN, then the sequence check, the ACK
 *     field, the FIN), one function per receiving state: like lwIP's
 *     tcp_process() or Linux's tcp_rcv_state_process();
 *  3. its role in the handshake or close, from what happened.
 * What a later segment proves about earlier ones is kept as overrides, which
 * tw_conn_view() applies to the stored verdicts for two-pass output.
 */
#include "tw_fsm.h"

#include <stdlib.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char *const state_names[TW_STATE_COUNT] = {
    [TW_ST_NONE] = "unknown",
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
    [TW_ROLE_IN_FLIGHT] = "crossed the RST",
};

static const char *const close_type_names[TW_CLOSE_COUNT] = {
    [TW_CLOSE_NONE] = "none",
    [TW_CLOSE_THREE_WAY] = "three-way",
    [TW_CLOSE_FOUR_WAY] = "four-way",
    [TW_CLOSE_SIMULTANEOUS] = "simultaneous",
    [TW_CLOSE_RESET] = "reset",
};

static const char *const outcome_names[TW_OUT_COUNT] = {
    [TW_OUT_THREE_WAY] = "Three-way close",
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

static const char *const handshake_names[TW_HS_COUNT] = {
    [TW_HS_INCOMPLETE] = "incomplete",
    [TW_HS_COMPLETE] = "complete",
    [TW_HS_INFERRED] = "inferred",
    [TW_HS_NOT_SEEN] = "not seen",
};

static const char *const why_texts[TW_WHY_COUNT] = {
    [TW_WHY_NONE] = "",
    [TW_WHY_SYN_FIN] = "SYN and FIN together: Linux drops such a segment",
    [TW_WHY_RST_TO_LISTEN] = "RST to a listening endpoint is ignored (RFC 9293 3.10.7.2)",
    [TW_WHY_SYN_NEW_ISN] = "SYN with a new initial sequence number on a live connection",
    [TW_WHY_SYN_FROM_SERVER] = "SYN without ACK from the side that had already answered",
    [TW_WHY_SYNACK_BAD_ACK] = "SYN-ACK does not acknowledge the client's SYN",
    [TW_WHY_SYNACK_NO_SYN] = "SYN-ACK while no SYN is outstanding",
    [TW_WHY_RST_UNACCEPTABLE] = "RST a SYN_SENT endpoint ignores: it does not acknowledge the SYN (RFC 9293 3.10.7.3)",
    [TW_WHY_FIN_MOVED] = "second FIN at another sequence number",
    [TW_WHY_FIN_BEFORE_SYNC] = "FIN before the handshake completed",
    [TW_WHY_DATA_BEYOND_FIN] = "payload beyond the sender's own FIN",
    [TW_WHY_AFTER_CLOSE] = "new data or FIN from an endpoint that is already CLOSED",
    [TW_WHY_NO_ACK] = "no ACK bit: dropped (RFC 9293 3.10.7.4, fifth check)",
    [TW_WHY_NO_CONNECTION] = "no connection: a listener that accepted no SYN answers this with a RST (RFC 9293 3.10.7.2)",
    [TW_WHY_RST_OUT_OF_WINDOW] = "RST outside the receiver's window: dropped (RFC 9293 3.10.7.4, RFC 5961 3.2)",
    [TW_WHY_RST_NOT_EXACT] = "RST in the receiver's window but not at the next expected sequence number: answered "
                             "with a challenge ACK, nothing reset (RFC 5961 3.2, Linux tcp_validate_incoming)",
    [TW_WHY_STALE_ACK] = "ACK to a SYN_SENT endpoint that does not acknowledge its SYN (the peer holds an older "
                         "connection on this 4-tuple): answered with a RST (RFC 9293 3.10.7.3)",
    [TW_WHY_RST_TO_STALE_ACK] = "RST <SEQ=SEG.ACK> answering an ACK that did not acknowledge the SYN: it is meant "
                                "for the peer's older connection; this one stays SYN_SENT (RFC 9293 3.10.7.3)",
    [TW_WHY_SEQ_OUT_OF_WINDOW] = "sequence number outside the receive window: dropped, answered with an ACK "
                                 "(RFC 9293 3.10.7.4, first check)",
    [TW_WHY_ACK_UNACCEPTABLE] = "ACK that does not acknowledge the SYN-ACK: dropped, answered with a RST "
                                "(RFC 9293 3.10.7.4, fifth check)",
};

#define NAME_OR(table, i, count) ((i) < (count) && (table)[i] ? (table)[i] : "?")

const char *tw_state_name(unsigned s) { return NAME_OR(state_names, s, TW_STATE_COUNT); }
const char *tw_role_name(unsigned r) { return NAME_OR(role_names, r, TW_ROLE_COUNT); }

const char *tw_role_label(unsigned r)
{
    static const char prefix[] = "handshake ";
    const char *name = tw_role_name(r);
    return strncmp(name, prefix, sizeof prefix - 1) == 0 ? name + sizeof prefix - 1 : name;
}
const char *tw_close_type_name(unsigned t) { return NAME_OR(close_type_names, t, TW_CLOSE_COUNT); }
const char *tw_outcome_name(unsigned o) { return NAME_OR(outcome_names, o, TW_OUT_COUNT); }
const char *tw_side_name(unsigned s) { return NAME_OR(side_names, s, 3u); }
const char *tw_handshake_name(unsigned h) { return NAME_OR(handshake_names, h, TW_HS_COUNT); }
const char *tw_why_text(unsigned w) { return NAME_OR(why_texts, w, TW_WHY_COUNT); }

/* ---- Sequence space and small helpers ---- */

/* Comparisons modulo 2^32 (RFC 9293 3.4). */
static bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

/* Largest window a receiver can offer (RFC 7323 2.3: 2^14 scaling of 2^16). */
#define MAX_WINDOW (1u << 30)

/* Is sequence number a within a window's reach of b, either side? */
static bool near_seq(uint32_t a, uint32_t b) { return a - b + MAX_WINDOW < 2 * MAX_WINDOW; }

static uint8_t step(unsigned kind, unsigned num) { return (uint8_t)(kind << 4 | num); }

static uint8_t side_of(enum tw_end e) { return e == TW_C ? TW_SIDE_CLIENT : TW_SIDE_SERVER; }

/* An endpoint that is part of a connection (not before or after one). */
static bool in_connection(uint8_t state)
{
    return state != TW_ST_NONE && state != TW_CLOSED && state != TW_LISTEN;
}

/* Where each link's time is kept, or -1. */
static const int8_t timed_slot[TW_LINK_COUNT] = {
    [TW_LINK_SYN] = TW_TIMED_SYN,   [TW_LINK_SYNACK] = -1,         [TW_LINK_HS_ACK] = TW_TIMED_HS_ACK,
    [TW_LINK_FIN1] = TW_TIMED_FIN1, [TW_LINK_FIN1_ACK] = -1,       [TW_LINK_FIN2] = TW_TIMED_FIN2,
    [TW_LINK_FINAL_ACK] = TW_TIMED_FINAL_ACK, [TW_LINK_RST] = -1,
};

static void remember_at(struct tw_conn *c, enum tw_link l, uint32_t frame, int64_t time_ns)
{
    if (c->frames[l] == 0) {
        c->frames[l] = frame;
        if (timed_slot[l] >= 0)
            c->times[timed_slot[l]] = time_ns;
    }
}

static void remember(struct tw_conn *c, enum tw_link l, const struct tw_segment *s)
{
    remember_at(c, l, s->frame, s->time_ns);
}

static void unexpected(struct tw_verdict *v, enum tw_why why)
{
    v->role = TW_ROLE_OTHER;
    v->events |= TW_EV_UNEXPECTED;
    v->why = (uint8_t)why;
}

/* The receiver drops the segment for a reason TCP gives: the role stays. */
static void ignored(struct tw_verdict *v, enum tw_why why)
{
    v->events |= TW_EV_IGNORED;
    v->why = (uint8_t)why;
}

/* Two passes show `shown` for `end` where one pass showed `match`, after
 * the frames from `from` up to (not including) `to`.  An override already
 * there for the same stretch start grows instead. */
static void add_override(struct tw_conn *c, enum tw_end end, uint32_t from, uint32_t to, uint8_t match,
                         uint8_t shown)
{
    if (from == 0 || !seq_lt(from, to) || match == shown)
        return;
    for (unsigned i = 0; i < c->n_overrides; i++) {
        struct tw_override *o = &c->overrides[i];
        if (o->end == end && o->from == from && o->match == match && o->shown == shown) {
            if (o->to < to)
                o->to = to;
            return;
        }
    }
    if (c->n_overrides >= TW_OVERRIDES)
        return;
    if (!c->overrides)
        c->overrides = calloc(TW_OVERRIDES, sizeof *c->overrides);
    if (!c->overrides) /* out of memory: two passes show what one pass showed */
        return;
    c->overrides[c->n_overrides++] = (struct tw_override){from, to, (uint8_t)end, match, shown};
}

void tw_conn_free(struct tw_conn *c)
{
    free(c->overrides);
    c->overrides = NULL;
    c->n_overrides = 0;
}

size_t tw_conn_heap_bytes(const struct tw_conn *c)
{
    /* malloc's own header rounds each block up by about two words */
    return c->overrides ? TW_OVERRIDES * sizeof *c->overrides + 2 * sizeof(void *) : 0;
}

/* Something proves the server received the client's SYN: a segment of its
 * own, or the client's ACK of a SYN-ACK that was not captured.  It proves
 * that one copy arrived, not which: when the client sent its SYN more than
 * once before, a full backlog may have dropped the first copies
 * (tcp_conn_request() drops a SYN when the SYN or accept queue is full, and
 * the client's retransmission is then the one answered), or the answer to
 * the first may have been lost.  So in two passes the server is SYN_RECV
 * only from the last copy sent before the proof; before it, its state is
 * unknown, as after a SYN nothing answers.  (An RST refusing the SYN says
 * that nothing listened, whichever copy it answers: tw_conn_view().) */
static void server_heard(struct tw_conn *c, const struct tw_segment *s)
{
    if (c->flags & TW_CONN_SERVER_SPOKE)
        return;
    c->flags |= TW_CONN_SERVER_SPOKE;
    /* An RST, or a SYN of its own (simultaneous open: it never listened). */
    if ((s->flags & TW_TH_RST) || (s->flags & (TW_TH_SYN | TW_TH_ACK)) == TW_TH_SYN)
        return;
    uint32_t first = c->frames[TW_LINK_SYN], last = c->ep[TW_C].last_frame;
    if (first && last > first && c->ep[TW_C].state == TW_SYN_SENT && !(c->flags & TW_CONN_MIDSTREAM))
        add_override(c, TW_S, first, last, TW_SYN_RECV, TW_ST_NONE);
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

/* Does the segment's ACK field cover sequence number seq? */
static bool acks(const struct tw_segment *s, uint32_t seq)
{
    return (s->flags & TW_TH_ACK) && seq_le(seq + 1, s->ack);
}

/* RFC 9293 3.10.7.3 / 3.10.7.4: an ACK of e's data is acceptable when
 * SND.UNA < SEG.ACK =< SND.NXT; here for e's SYN: ISS < SEG.ACK =< SND.NXT. */
static bool acks_syn_acceptably(const struct tw_segment *s, const struct tw_endpoint *e)
{
    return (s->flags & TW_TH_ACK) && (e->flags & TW_EP_SYN) && seq_lt(e->isn, s->ack) && seq_le(s->ack, e->snd_nxt);
}

/* The next sequence number y expects of x, as the capture shows it: what x
 * was seen to send, or further where y's ACKs say it received more.  False
 * when neither is known. */
static bool rcv_nxt_of(const struct tw_endpoint *ex, const struct tw_endpoint *ey, uint32_t *rcv_nxt)
{
    bool known = false;
    if (ex->flags & TW_EP_SEQ) {
        *rcv_nxt = ex->snd_nxt;
        known = true;
    }
    if ((ey->flags & TW_EP_ACKS) && (!known || seq_lt(*rcv_nxt, ey->ack_max))) {
        *rcv_nxt = ey->ack_max;
        known = true;
    }
    return known;
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

/* ---- The first segment ---- */

/*
 * The first segment fixes which side is which.  A SYN without ACK comes
 * from the client (even a malformed one, which the SYN handling then
 * rejects); a SYN-ACK from the server.  Anything else means the capture
 * began mid-connection: the sides are guessed (the lower port is labelled
 * server, as services usually have the lower port) and both endpoints are
 * taken to be ESTABLISHED before the segment.
 */
static void start(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v)
{
    uint8_t syn_ack = s->flags & (TW_TH_SYN | TW_TH_ACK);
    bool odd = (s->flags & (TW_TH_FIN | TW_TH_RST)) != 0;

    c->flags |= TW_CONN_STARTED;
    c->first_order = s->end_order;
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
        c->flags |= TW_CONN_MIDSTREAM | TW_CONN_SERVER_SPOKE;
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

/* ---- RST arriving (RFC 9293 3.10.7, RFC 5961 3.2) ---- */

/* Both ends CLOSED by an accepted RST from x. */
static void reset_by(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v, enum tw_end x,
                     enum tw_end y)
{
    if (c->ep[y].state == TW_SYN_SENT) {
        c->flags |= TW_CONN_REFUSED;
        v->events |= TW_EV_REFUSED;
    } else if (c->close_type == TW_CLOSE_NONE) {
        /* A close already completed is counted once; a close whose FINs
         * were both sent keeps its kind, and says who reset it. */
        c->reset_by = side_of(x);
        v->events |= TW_EV_RESET;
        if (c->close_kind == TW_CLOSE_NONE) {
            c->close_type = TW_CLOSE_RESET;
            if (c->close_initiator == TW_SIDE_UNKNOWN)
                c->close_initiator = side_of(x);
        }
    }
    c->flags |= TW_CONN_RST;
    c->ep[x].flags |= TW_EP_RST_SENT;
    c->rst_seq = s->seq;
    remember(c, TW_LINK_RST, s);
    c->ep[x].state = TW_CLOSED;
    c->ep[y].state = TW_CLOSED;
}

/*
 * Is x's RST accepted by y in a synchronized state?  Linux
 * tcp_validate_incoming(), after RFC 5961 3.2: it resets only when its
 * sequence number is exactly RCV.NXT, or RCV.NXT - 1 once y has received
 * a FIN (CLOSE_WAIT, LAST_ACK, CLOSING: tcp_reset_check()); in the window
 * but not exact, y sends a challenge ACK and nothing changes; outside the
 * window it is dropped.  A TIME_WAIT socket is killed only by an exact RST
 * (tcp_timewait_state_process(), tcp_rfc1337 = 0).
 */
static bool rst_accepted(const struct tw_endpoint *ex, const struct tw_endpoint *ey, uint32_t seq,
                         struct tw_verdict *v)
{
    uint32_t rcv_nxt;

    if (!rcv_nxt_of(ex, ey, &rcv_nxt))
        return true; /* nothing of x's sequence space is known: take the capture's word */
    if (seq == rcv_nxt)
        return true;
    if (seq == rcv_nxt - 1 && (ey->state == TW_CLOSE_WAIT || ey->state == TW_LAST_ACK || ey->state == TW_CLOSING))
        return true;
    ignored(v, seq - rcv_nxt < MAX_WINDOW ? TW_WHY_RST_NOT_EXACT : TW_WHY_RST_OUT_OF_WINDOW);
    return false;
}

/* Linux tcp_in_window(): [seq, end) overlaps the window [rcv_nxt, rcv_nxt +
 * wnd), or is a zero-length segment at its left edge. */
static bool in_window(uint32_t seq, uint32_t end, uint32_t rcv_nxt, uint32_t wnd)
{
    uint32_t right = rcv_nxt + wnd;
    if (seq == rcv_nxt)
        return true;
    if (seq_lt(rcv_nxt, end) && seq_lt(seq, right))
        return true;
    return seq == right && seq == end;
}

/* The window a SYN_RECV endpoint y offers x: the SYN-ACK's, never scaled
 * (RFC 7323 2.2); its left edge is what the SYN-ACK acknowledged. */
static bool syn_recv_window_accepts(const struct tw_endpoint *ex, const struct tw_endpoint *ey,
                                    const struct tw_segment *s)
{
    uint32_t rcv_nxt;
    if (ey->flags & TW_EP_ACKS)
        rcv_nxt = ey->ack_max;
    else if (ex->flags & TW_EP_SYN)
        rcv_nxt = ex->isn + 1;
    else
        return true;
    uint32_t wnd = (ey->flags & TW_EP_WINDOW) ? ey->window : MAX_WINDOW;
    uint32_t end = s->seq + s->len + ((s->flags & TW_TH_FIN) ? 1 : 0);
    return in_window(s->seq, end, rcv_nxt, wnd ? wnd : 1);
}

static void on_rst(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v, enum tw_end x,
                   enum tw_end y)
{
    struct tw_endpoint *ex = &c->ep[x], *ey = &c->ep[y];

    v->role = TW_ROLE_RST;
    if (ex->state == TW_SYN_SENT) {
        /* A SYN_SENT endpoint resets only an unacceptable ACK it received:
         * that RST is for the peer's older connection (RFC 9293 3.10.7.3). */
        ignored(v, TW_WHY_RST_TO_STALE_ACK);
        return;
    }
    if (c->flags & TW_CONN_RST) {
        /* Only the same RST again is a copy of it. */
        if ((ex->flags & TW_EP_RST_SENT) && s->seq == c->rst_seq)
            v->role = TW_ROLE_RETRANS;
        return;
    }
    if (ey->state == TW_LISTEN) { /* RFC 9293 3.10.7.2: an incoming RST is ignored */
        ignored(v, TW_WHY_RST_TO_LISTEN);
        return;
    }
    if (!in_connection(ex->state) && !in_connection(ey->state))
        return; /* the answer to a segment of no connection (a probe): nothing to reset */

    switch (ey->state) {
    case TW_SYN_SENT:
        /* RFC 9293 3.10.7.3: acceptable only with an ACK of the SYN; then the
         * connection is refused. */
        if (!acks_syn_acceptably(s, ey)) {
            ignored(v, TW_WHY_RST_UNACCEPTABLE);
            return;
        }
        break;
    case TW_SYN_RECV:
        /* Linux tcp_check_req(): an RST in the window drops the request. */
        if (!syn_recv_window_accepts(ex, ey, s)) {
            ignored(v, TW_WHY_RST_OUT_OF_WINDOW);
            return;
        }
        break;
    case TW_CLOSED:
        /* Nothing to reset at y; x, whatever it held, holds nothing now
         * (Linux: a TIME_WAIT socket that answers with RST is killed). */
        ex->state = TW_CLOSED;
        return;
    default:
        if (!rst_accepted(ex, ey, s->seq, v))
            return;
        break;
    }
    c->pre_rst[x] = ex->state;
    c->pre_rst[y] = ey->state;
    reset_by(c, s, v, x, y);
}

/* ---- SYN arriving (RFC 9293 3.10.7.2 LISTEN, 3.10.7.3 SYN-SENT) ---- */

/* What an endpoint's SYN (or SYN-ACK) tells of it: its ISN, its window, and
 * the sequence space it takes (the SYN, then any data: RFC 7413). */
static void take_syn(struct tw_endpoint *e, const struct tw_segment *s)
{
    e->isn = s->seq;
    e->flags |= TW_EP_SYN | TW_EP_WINDOW;
    e->window = s->window;
    advance(e, s->seq + 1 + s->len);
}

/*
 * Simultaneous open (RFC 9293 3.10.7.3 and Figure 8): the other end sends a
 * SYN of its own, without ACK, while the first SYN is unanswered.  It was
 * SYN_SENT: it had not received the first SYN (it would have answered it
 * with a SYN-ACK), and it was CLOSED before, never LISTEN, which two passes
 * show from the first SYN on.  The first SYN's sender takes this SYN in
 * SYN_SENT: SYN_RECV, and answers it with a SYN-ACK.  Then each end sends a
 * SYN-ACK (sim_open_synack()).  Linux does the same
 * (tcp_rcv_synsent_state_process(): "simultaneous connect with crossed
 * SYNs").
 */
static bool sim_open_syn(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v, enum tw_end x,
                         enum tw_end y)
{
    struct tw_endpoint *ex = &c->ep[x], *ey = &c->ep[y];
    uint32_t first = c->frames[TW_LINK_SYN];

    if (x != TW_S || (ex->flags & TW_EP_SYN) || (ex->flags & TW_EP_SEEN) || ey->state != TW_SYN_SENT ||
        !(ey->flags & TW_EP_SYN) || (c->flags & TW_CONN_MIDSTREAM) || first == 0)
        return false;
    take_syn(ex, s);
    add_override(c, x, first, s->frame, ex->state, TW_CLOSED); /* and tw_conn_view(), before the first SYN */
    ex->state = TW_SYN_SENT;
    ey->state = TW_SYN_RECV;
    c->flags |= TW_CONN_SIM_OPEN;
    v->role = TW_ROLE_SYN;
    v->step = step(TW_STEP_HANDSHAKE, 2);
    v->events |= TW_EV_SIM_OPEN;
    return true;
}

/* A SYN-ACK of a simultaneous open.  Sending it proves that x had the
 * other's SYN (SYN_SENT -> SYN_RECV); at y, which is in SYN_RECV, it
 * acknowledges y's SYN: ESTABLISHED (3.10.7.4, SYN-RECEIVED).  The two
 * SYN-ACKs cross: the second's sender is ESTABLISHED already when it is
 * captured, having sent it before the first reached it. */
static void sim_open_synack(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v, enum tw_end x,
                            enum tw_end y)
{
    struct tw_endpoint *ex = &c->ep[x], *ey = &c->ep[y];

    if (!acks_syn_acceptably(s, ey)) {
        unexpected(v, TW_WHY_SYNACK_BAD_ACK);
        return;
    }
    if (ex->flags & TW_EP_SYNACK_SENT) {
        v->role = TW_ROLE_RETRANS;
        v->step = step(TW_STEP_HANDSHAKE, (ey->flags & TW_EP_SYNACK_SENT) ? 4 : 3);
        return;
    }
    bool first = !(ey->flags & TW_EP_SYNACK_SENT);
    ex->flags |= TW_EP_SYNACK_SENT;
    if (ex->state == TW_SYN_SENT)
        ex->state = TW_SYN_RECV;
    /* y in SYN_SENT (the first SYN not yet delivered to it, as far as the
     * capture shows) takes it as a SYN-ACK (3.10.7.3): ESTABLISHED too. */
    ey->flags |= TW_EP_SYN_ACKED;
    if (ey->state == TW_SYN_RECV || ey->state == TW_SYN_SENT)
        ey->state = TW_ESTABLISHED;
    remember(c, TW_LINK_SYNACK, s);
    v->role = TW_ROLE_SYN_ACK;
    v->step = step(TW_STEP_HANDSHAKE, first ? 3 : 4);
    if (ex->state == TW_ESTABLISHED && ey->state == TW_ESTABLISHED && !(c->flags & TW_CONN_HANDSHAKE)) {
        c->flags |= TW_CONN_HANDSHAKE;
        remember(c, TW_LINK_HS_ACK, s);
        v->events |= TW_EV_HANDSHAKE_DONE;
    }
}

/* The server sends its SYN-ACK again after the client's ACK of it was
 * captured, and nothing but SYN-ACKs since: only a SYN_RECV endpoint sends
 * one (RFC 9293 3.10.7.4; Linux resends it from the request socket's timer,
 * reqsk_timer_handler()), so the server had not taken that ACK, nor any
 * client segment since.  Linux drops the ACK that would complete a
 * connection whose listener's accept queue is full (tcp_check_req():
 * listen_overflow, counted as ListenOverflows, tcp_abort_on_overflow 0 by
 * default), or the ACK was lost beyond the capture point.  One pass shows
 * the server SYN_RECV again from here, with the ack_lost note; two passes
 * show it SYN_RECV from the handshake's ACK on. */
static void synack_again(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v, enum tw_end x)
{
    struct tw_endpoint *ex = &c->ep[x];
    uint32_t from = c->frames[TW_LINK_HS_ACK];

    if (x != TW_S || ex->state != TW_ESTABLISHED || (ex->flags & TW_EP_SENT_NON_SYN) || !from ||
        (c->flags & (TW_CONN_SIM_OPEN | TW_CONN_MIDSTREAM | TW_CONN_HS_INFERRED)))
        return;
    add_override(c, x, from, s->frame, TW_ESTABLISHED, TW_SYN_RECV);
    ex->state = TW_SYN_RECV;
    ex->flags &= (uint16_t)~TW_EP_SYN_ACKED;
    c->flags |= TW_CONN_SYNACK_AGAIN;
    v->events |= TW_EV_ACK_LOST;
}

/* After that SYN-ACK, no client segment is taken to establish the server
 * before the server itself shows it was (synack_again_proven()): each has
 * no better claim than the ACK it did not take (Linux: while the accept
 * queue is full, tcp_check_req() drops every one, its FIN included, and the
 * request stays, as `ss` shows on pcaps/kernel/hosts/syn_backlog.pcap). */
static bool not_taken(const struct tw_conn *c, const struct tw_segment *s, enum tw_end x)
{
    return x == TW_C && (c->flags & TW_CONN_SYNACK_AGAIN) && c->ep[TW_S].state == TW_SYN_RECV &&
           !(s->flags & (TW_TH_SYN | TW_TH_RST));
}

/* The server, SYN_RECV since its SYN-ACK sent again, sends a segment
 * without SYN: it was synchronized (a SYN_RECV endpoint sends only
 * SYN-ACKs), so it took one of the client's segments since its latest
 * SYN-ACK (its previous segment, es->last_frame, as this one is not
 * counted yet).  Which, the capture does not show; the last one is taken,
 * as for the copies of a SYN (server_heard()): Linux takes the segment that
 * comes once the application has accept()ed and made room in the queue.
 * A client FIN this segment acknowledges was taken with it. */
static void synack_again_proven(struct tw_conn *c, const struct tw_segment *s)
{
    struct tw_endpoint *es = &c->ep[TW_S], *ec = &c->ep[TW_C];

    c->flags &= (uint16_t)~TW_CONN_SYNACK_AGAIN;
    if ((s->flags & TW_TH_RST) || es->state != TW_SYN_RECV)
        return;
    es->state = TW_ESTABLISHED;
    es->flags |= TW_EP_SYN_ACKED;
    if ((ec->flags & TW_EP_FIN) && acks(s, ec->fin_seq))
        fin_received(es);
    if (ec->last_frame > es->last_frame)
        add_override(c, TW_S, ec->last_frame, s->frame, TW_SYN_RECV, es->state);
}

static void on_syn(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v, enum tw_end x,
                   enum tw_end y)
{
    struct tw_endpoint *ex = &c->ep[x], *ey = &c->ep[y];
    bool syn_ack = (s->flags & TW_TH_ACK) != 0;

    if (s->flags & TW_TH_FIN) {
        unexpected(v, TW_WHY_SYN_FIN);
        return;
    }
    if ((c->flags & TW_CONN_SIM_OPEN) && syn_ack && (ex->flags & TW_EP_SYN) && s->seq == ex->isn) {
        sim_open_synack(c, s, v, x, y);
        return;
    }
    if ((ex->flags & TW_EP_SYN) && s->seq == ex->isn) {
        v->role = TW_ROLE_RETRANS;
        v->step = step(TW_STEP_HANDSHAKE, syn_ack ? 2 : 1);
        /* A listener that did not take the first copy (it answered with an
         * ACK of an older connection) takes this one. */
        if (!syn_ack && ey->state == TW_LISTEN)
            ey->state = TW_SYN_RECV;
        if (syn_ack)
            synack_again(c, s, v, x);
        return;
    }
    if (ex->flags & TW_EP_SYN) {
        unexpected(v, TW_WHY_SYN_NEW_ISN);
        return;
    }
    if (!syn_ack) {
        if (x != TW_C) {
            if (!sim_open_syn(c, s, v, x, y))
                unexpected(v, TW_WHY_SYN_FROM_SERVER);
            return;
        }
        /* CLOSED --connect()/SYN--> SYN_SENT; LISTEN --SYN--> SYN_RECV.  A
         * SYN may carry data (TCP Fast Open, RFC 7413): it takes sequence
         * space after the SYN. */
        take_syn(ex, s);
        ex->state = TW_SYN_SENT;
        if (ey->state == TW_LISTEN)
            ey->state = TW_SYN_RECV;
        remember(c, TW_LINK_SYN, s);
        v->role = TW_ROLE_SYN;
        v->step = step(TW_STEP_HANDSHAKE, 1);
        return;
    }
    /* SYN-ACK. */
    if (ey->state != TW_SYN_SENT || !(ey->flags & TW_EP_SYN)) {
        unexpected(v, TW_WHY_SYNACK_NO_SYN);
        return;
    }
    /* RFC 9293 3.10.7.3 first check: ISS < SEG.ACK =< SND.NXT.  With Fast
     * Open, SND.NXT is past the SYN's data: an ACK of ISN+1 says the server
     * took the SYN but not its data, which the client sends again. */
    if (!acks_syn_acceptably(s, ey)) {
        unexpected(v, TW_WHY_SYNACK_BAD_ACK);
        return;
    }
    take_syn(ex, s);
    if (s->ack != ey->isn + 1)
        c->flags |= TW_CONN_FAST_OPEN;
    /* SYN_SENT --SYN,ACK--> ESTABLISHED (RFC 9293 3.10.7.3, fourth check). */
    ey->flags |= TW_EP_SYN_ACKED;
    ey->state = TW_ESTABLISHED;
    if (ex->state == TW_LISTEN)
        ex->state = TW_SYN_RECV;
    remember(c, TW_LINK_SYNACK, s);
    v->role = TW_ROLE_SYN_ACK;
    v->step = step(TW_STEP_HANDSHAKE, 2);
}

/* ---- Segments with neither SYN nor RST ---- */

/* What happened to one segment, for its role. */
struct effects {
    bool handshake_done; /* it completed y's handshake */
    bool acked_fin;      /* it acknowledged y's FIN */
    bool acked_first_fin;
    bool new_fin;        /* it carries x's FIN for the first time */
    bool fin_copy;       /* it carries x's FIN again */
    bool keepalive, old_data;
    bool defer_fin_ack;  /* x's FIN crossed y's: what x sends next reaches y after y answers */
    bool not_taken;      /* the server, SYN_RECV again, does not take it (not_taken()) */
};

/*
 * Part 1: what sending this segment proves about x (docs/semantics.md,
 * "ACK numbers and data are evidence").
 */
static void sender_evidence(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v, enum tw_end x,
                            enum tw_end y, const struct effects *fx)
{
    struct tw_endpoint *ex = &c->ep[x], *ey = &c->ep[y];
    bool fin = (s->flags & TW_TH_FIN) != 0;

    /* A SYN_SENT endpoint sends nothing but its SYN until it has the SYN-ACK
     * (RFC 9293 3.10.7.3): this ACK proves a SYN-ACK that was not captured.
     * Its ACK number tells the server's ISN.  (Not from a FIN: closing at
     * once would be a second step for the client in the same segment, and
     * a FIN from SYN_SENT says nothing certain.) */
    if (ex->state == TW_SYN_SENT && ey->state == TW_SYN_RECV && !(ey->flags & TW_EP_SYN) && !fin) {
        ey->isn = s->ack - 1;
        ey->flags |= TW_EP_SYN;
        advance(ey, s->ack);
        ex->flags |= TW_EP_SYN_ACKED;
        server_heard(c, s); /* before the client leaves SYN_SENT */
        ex->state = TW_ESTABLISHED;
        v->events |= TW_EV_INFERRED;
    }
    /* The mirror: a server whose SYN-ACK was not captured acknowledges the
     * client's SYN in a segment without SYN: it had sent the SYN-ACK and
     * had the handshake's ACK (a SYN_RECV endpoint sends only SYN-ACKs),
     * so both ends are synchronized. */
    if (ex->state == TW_SYN_RECV && !(ex->flags & TW_EP_SYN) && ey->state == TW_SYN_SENT &&
        acks_syn_acceptably(s, ey)) {
        ex->isn = s->seq - 1;
        ex->flags |= TW_EP_SYN | TW_EP_SYN_ACKED;
        advance(ex, s->seq);
        ex->state = TW_ESTABLISHED;
        ey->flags |= TW_EP_SYN_ACKED;
        ey->state = TW_ESTABLISHED;
        c->flags |= TW_CONN_HANDSHAKE | TW_CONN_HS_INFERRED;
        v->events |= TW_EV_INFERRED;
    }
    /* Text is accepted only in a synchronized state (RFC 9293 3.10.7.4,
     * seventh check), and a SYN_RECV endpoint sends none (but the SYN-ACK's
     * data of Fast Open).  An endpoint in SYN_RECV that acknowledges the
     * peer's data, or sends its own, had the handshake's ACK: it was not
     * captured. */
    if (ex->state == TW_SYN_RECV && (ex->flags & TW_EP_SYN) &&
        (((ex->flags & TW_EP_ACKS) && seq_lt(ex->ack_max, s->ack)) ||
         (s->len > 0 && !fx->old_data && !(c->flags & TW_CONN_FAST_OPEN)))) {
        ex->flags |= TW_EP_SYN_ACKED;
        ex->state = TW_ESTABLISHED;
        if (ey->state == TW_SYN_SENT) {
            ey->flags |= TW_EP_SYN_ACKED;
            ey->state = TW_ESTABLISHED;
        }
        c->flags |= TW_CONN_HANDSHAKE | TW_CONN_HS_INFERRED;
        v->events |= TW_EV_INFERRED;
    }
    /* y's FIN was captured and x was shown in CLOSE_WAIT, but x's ACK does
     * not cover it: x had not received it when it sent this.  Two passes
     * show x ESTABLISHED until then.  If x closes too, the FINs crossed
     * (RFC 9293 3.6, figure 13): x sent its FIN from ESTABLISHED, and y's
     * FIN reaches x afterwards, with the next segment. */
    if ((ey->flags & TW_EP_FIN) && !(ey->flags & (TW_EP_FIN_ACKED | TW_EP_FIN_IN_FLIGHT)) &&
        ex->state == TW_CLOSE_WAIT && !acks(s, ey->fin_seq) && (s->flags & TW_TH_ACK)) {
        add_override(c, x, c->frames[TW_LINK_FIN1], s->frame, TW_CLOSE_WAIT, TW_ESTABLISHED);
        if (fin && !(ex->flags & TW_EP_FIN)) {
            ex->state = TW_ESTABLISHED;
            ey->flags |= TW_EP_FIN_IN_FLIGHT;
        }
    }
    /* x's FIN acknowledges one sequence number beyond all that y was seen to
     * send (or, y never captured, one beyond x's own earlier ACKs): y's FIN
     * was not captured.  y closed first; two passes show it from y's last
     * segment (x's, when y was never seen). */
    bool seen = (ey->flags & TW_EP_SEEN) != 0;
    if (fin && !(ex->flags & TW_EP_FIN) && !(ey->flags & TW_EP_FIN) && (s->flags & TW_TH_ACK) &&
        ex->state == TW_ESTABLISHED && ey->state == TW_ESTABLISHED &&
        ((seen && (ey->flags & TW_EP_SEQ) && s->ack == ey->snd_nxt + 1) ||
         (!seen && (ex->flags & TW_EP_ACKS) && s->ack == ex->ack_max + 1))) {
        uint32_t from = seen ? ey->last_frame : ex->last_frame;
        if (!seen) {
            ey->snd_nxt = ex->ack_max;
            ey->flags |= TW_EP_SEQ;
        }
        add_override(c, y, from, s->frame, TW_ESTABLISHED, TW_FIN_WAIT1);
        add_override(c, x, from, s->frame, TW_ESTABLISHED, TW_CLOSE_WAIT);
        ey->flags |= TW_EP_FIN;
        ey->fin_seq = ey->snd_nxt;
        ey->fin_step = step(TW_STEP_CLOSE, 1);
        advance(ey, ey->snd_nxt + 1);
        ey->state = TW_FIN_WAIT1;
        ex->state = TW_CLOSE_WAIT;
        c->fin1_end = (uint8_t)y;
        c->close_initiator = side_of(y);
        v->events |= TW_EV_INFERRED;
    }
}

static void complete_close(struct tw_conn *c, struct tw_verdict *v, uint32_t frame, int64_t time_ns)
{
    remember_at(c, TW_LINK_FINAL_ACK, frame, time_ns);
    if (c->close_type != TW_CLOSE_NONE)
        return; /* a reset came first; a close is counted once */
    c->close_type = c->close_kind != TW_CLOSE_NONE ? c->close_kind : TW_CLOSE_FOUR_WAY;
    v->events |= TW_EV_CLOSE_DONE;
}

static bool both_fins_acked(const struct tw_conn *c)
{
    return (c->ep[0].flags & c->ep[1].flags & TW_EP_FIN_ACKED) != 0;
}

/*
 * x sends a new FIN.  What x had received decides the kind of close:
 *  - y has sent no FIN: x closes first (ESTABLISHED or SYN_RECV ->
 *    FIN_WAIT1), y moves to CLOSE_WAIT;
 *  - x's ACK covers y's FIN (now or earlier): x was in CLOSE_WAIT and goes to
 *    LAST_ACK.  If this very segment is the first to acknowledge y's FIN, the
 *    ACK was merged into the FIN (three-way close);
 *  - y's FIN was captured but x's ACK does not cover it: the FINs crossed
 *    (sender_evidence() put x back in ESTABLISHED): x goes to FIN_WAIT1, y,
 *    in FIN_WAIT1, to CLOSING; y's FIN reaches x with the next segment.
 * If y's ACKs already covered this FIN (the capture reordered them), it is
 * acknowledged at once; two passes show its effects from that ACK on.
 */
static void on_new_fin(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v, enum tw_end x,
                       enum tw_end y, bool acked_y_fin_now)
{
    struct tw_endpoint *ex = &c->ep[x], *ey = &c->ep[y];
    uint8_t x_before = ex->state, y_before = ey->state;

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
    } else if ((ey->flags & TW_EP_FIN_IN_FLIGHT) || (!(ey->flags & TW_EP_FIN_ACKED) && !acked_y_fin_now)) {
        ey->flags |= TW_EP_FIN_IN_FLIGHT;
        ex->state = TW_FIN_WAIT1;
        fin_received(ey);
        c->flags |= TW_CONN_CROSSED;
        c->close_kind = TW_CLOSE_SIMULTANEOUS;
        c->close_total = 4;
        remember(c, TW_LINK_FIN2, s);
        v->role = TW_ROLE_SIM_FIN;
        v->step = step(TW_STEP_CLOSE, 2);
        v->events |= TW_EV_CROSSED_FINS;
    } else {
        ex->state = TW_LAST_ACK;
        fin_received(ey);
        remember(c, TW_LINK_FIN2, s);
        if (acked_y_fin_now) {
            c->close_kind = TW_CLOSE_THREE_WAY;
            c->close_total = 3;
            v->role = TW_ROLE_FIN_ACK;
            v->step = step(TW_STEP_CLOSE, 2);
        } else {
            c->close_kind = TW_CLOSE_FOUR_WAY;
            c->close_total = 4;
            v->role = TW_ROLE_FIN2;
            v->step = step(TW_STEP_CLOSE, 3);
        }
    }
    ex->fin_step = v->step;

    if ((ey->flags & TW_EP_ACKS) && seq_le(ex->fin_seq + 1, ey->ack_max) && ey->ahead_frame) {
        uint32_t from = ey->ahead_frame;
        add_override(c, x, from, s->frame, x_before, ex->state);
        add_override(c, y, from, s->frame, y_before, ey->state);
        fin_acked(ex);
        v->events |= TW_EV_ACK_AHEAD;
        if (both_fins_acked(c))
            complete_close(c, v, from, TW_TIME_UNKNOWN);
    }
}

/*
 * Part 2, for a segment that is neither SYN nor RST: its arrival at y.
 * Returns false when y drops it (then only its role is given).
 */
static bool arrives(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v, enum tw_end x,
                    enum tw_end y, struct effects *fx)
{
    struct tw_endpoint *ex = &c->ep[x], *ey = &c->ep[y];
    uint32_t rcv_nxt;

    switch (ey->state) {
    case TW_SYN_SENT:
        /* RFC 9293 3.10.7.3: with neither SYN nor RST, a SYN_SENT endpoint
         * drops the segment; one whose ACK does not cover the SYN comes from
         * an older connection of the peer's on this 4-tuple, and is answered
         * with an RST.  The peer therefore did not take the SYN. */
        ignored(v, TW_WHY_STALE_ACK);
        if (ex->state == TW_SYN_RECV && !(ex->flags & TW_EP_SYN))
            ex->state = TW_LISTEN;
        return false;
    case TW_SYN_RECV:
        /* Linux tcp_check_req(): first the window, then the ACK. */
        if (!syn_recv_window_accepts(ex, ey, s)) {
            ignored(v, TW_WHY_SEQ_OUT_OF_WINDOW);
            return false;
        }
        if ((ey->flags & TW_EP_SYN) && !acks_syn_acceptably(s, ey)) {
            ignored(v, TW_WHY_ACK_UNACCEPTABLE);
            return false;
        }
        break;
    case TW_CLOSED:
        return false; /* nothing there to process it */
    default:
        /* Synchronized: a segment far outside the window is dropped (RFC
         * 9293 3.10.7.4 first check; the window is taken at its largest,
         * since its scale is not read). */
        if (rcv_nxt_of(ex, ey, &rcv_nxt) && !near_seq(s->seq, rcv_nxt)) {
            ignored(v, TW_WHY_SEQ_OUT_OF_WINDOW);
            return false;
        }
        break;
    }

    /* Fifth, the ACK field: it may complete y's handshake or acknowledge
     * y's FIN. */
    if ((ey->flags & TW_EP_SYN) && !(ey->flags & TW_EP_SYN_ACKED) && acks(s, ey->isn) && !fx->not_taken) {
        ey->flags |= TW_EP_SYN_ACKED;
        if (ey->state == TW_SYN_RECV) {
            ey->state = TW_ESTABLISHED;
            /* Once: in a simultaneous open both ends pass through SYN_RECV. */
            fx->handshake_done = !(c->flags & TW_CONN_HANDSHAKE);
            c->flags |= TW_CONN_HANDSHAKE;
            remember(c, TW_LINK_HS_ACK, s);
        }
    }
    if ((ey->flags & TW_EP_FIN) && !(ey->flags & TW_EP_FIN_ACKED) && acks(s, ey->fin_seq)) {
        fx->acked_first_fin = c->fin1_end == y && !(ex->flags & TW_EP_FIN);
        if (fx->defer_fin_ack) {
            /* The FINs crossed (RFC 9293 figure 13): x's FIN reached y just
             * now, and this ACK, sent after it, reaches y after y has
             * answered that FIN: y is CLOSING until its next segment. */
            ey->flags |= TW_EP_ACK_DEFERRED;
            ey->deferred_ack = s->ack;
            v->role = TW_ROLE_FIN2_ACK;
            v->step = step(TW_STEP_CLOSE, 3);
        } else {
            fin_acked(ey);
            fx->acked_fin = true;
        }
    }
    /* An ACK beyond what y was seen to send: y's segments were reordered or
     * missed by the capture. */
    if ((ey->flags & TW_EP_SEQ) && (s->flags & TW_TH_ACK) && seq_lt(ey->snd_nxt, s->ack)) {
        v->events |= TW_EV_ACK_AHEAD;
        if (!ex->ahead_frame)
            ex->ahead_frame = s->frame;
    }

    /* Eighth, the FIN (after any data). */
    if (fx->new_fin) {
        if (ex->state == TW_SYN_SENT) {
            unexpected(v, TW_WHY_FIN_BEFORE_SYNC);
            fx->new_fin = false;
            return true;
        }
        on_new_fin(c, s, v, x, y, fx->acked_fin);
    }
    return true;
}

/* Part 3: the role of a segment that was not a new FIN (whose role
 * on_new_fin() gave). */
static void role_of(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v, enum tw_end x,
                    const struct effects *fx)
{
    struct tw_endpoint *ex = &c->ep[x];

    if (fx->handshake_done) {
        v->role = TW_ROLE_HS_ACK;
        v->step = step(TW_STEP_HANDSHAKE, 3);
        v->events |= TW_EV_HANDSHAKE_DONE;
    } else if (fx->acked_fin && both_fins_acked(c)) {
        v->role = TW_ROLE_FINAL_ACK;
        v->step = step(TW_STEP_CLOSE, c->close_total == 3 ? 3 : 4);
        complete_close(c, v, s->frame, s->time_ns);
    } else if (fx->acked_first_fin) {
        c->close_total = 4;
        remember(c, TW_LINK_FIN1_ACK, s);
        v->role = TW_ROLE_FIN1_ACK;
        v->step = step(TW_STEP_CLOSE, 2);
    } else if (fx->acked_fin) {
        v->role = TW_ROLE_FIN2_ACK;
        v->step = step(TW_STEP_CLOSE, 3);
    } else if (fx->fin_copy) {
        /* A FIN sent again: its sender does not advance twice; if its ACK
         * was captured, that ACK was lost beyond the capture point. */
        v->role = TW_ROLE_RETRANS;
        v->step = ex->fin_step;
        if (ex->flags & TW_EP_FIN_ACKED)
            v->events |= TW_EV_ACK_LOST;
    } else if (fx->keepalive) {
        v->role = TW_ROLE_KEEPALIVE;
    } else if (fx->old_data) {
        v->role = TW_ROLE_RETRANS;
    } else if (s->len > 0) {
        v->role = TW_ROLE_DATA;
    } else {
        v->role = TW_ROLE_ACK;
    }
}

static void on_segment(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v, enum tw_end x,
                       enum tw_end y, bool defer_fin_ack)
{
    struct tw_endpoint *ex = &c->ep[x], *ey = &c->ep[y];
    bool fin = (s->flags & TW_TH_FIN) != 0;
    uint32_t end = s->seq + s->len;
    struct effects fx = {0};

    /* A keep-alive probe re-sends the byte before snd_nxt, or nothing at
     * that sequence number (Linux tcp_xmit_probe_skb): not a retransmission. */
    fx.keepalive = !fin && s->len <= 1 && (ex->flags & TW_EP_SEQ) && s->seq == ex->snd_nxt - 1 &&
                   (ex->state == TW_ESTABLISHED || ex->state == TW_CLOSE_WAIT);
    fx.old_data = !fx.keepalive && s->len > 0 && (ex->flags & TW_EP_SEQ) && seq_le(end, ex->snd_nxt) &&
                  !fills_gap(ex, s->seq, end);
    fx.fin_copy = fin && (ex->flags & TW_EP_FIN) && end == ex->fin_seq;
    fx.new_fin = fin && !(ex->flags & TW_EP_FIN);
    fx.defer_fin_ack = defer_fin_ack;
    fx.not_taken = not_taken(c, s, x);

    if (!(s->flags & TW_TH_ACK)) {
        unexpected(v, TW_WHY_NO_ACK);
        return;
    }
    if (ex->state == TW_LISTEN || ey->state == TW_LISTEN) {
        unexpected(v, TW_WHY_NO_CONNECTION);
        return;
    }
    if (fin && !fx.fin_copy && !fx.new_fin) {
        unexpected(v, TW_WHY_FIN_MOVED);
        return;
    }
    if (ex->state == TW_CLOSED) {
        /* y's RST closed x, and this was on its way before the RST arrived:
         * it crossed the RST, and nobody processes it.  Two passes show x
         * in its state of before the RST until its last such segment. */
        if (ey->flags & TW_EP_RST_SENT) {
            v->role = TW_ROLE_IN_FLIGHT;
            add_override(c, x, c->frames[TW_LINK_RST], s->frame, TW_CLOSED, c->pre_rst[x]);
            return;
        }
        if ((fin && !fx.fin_copy) || (s->len > 0 && !fx.old_data)) {
            unexpected(v, TW_WHY_AFTER_CLOSE);
            return;
        }
    }

    sender_evidence(c, s, v, x, y, &fx);
    if (!arrives(c, s, v, x, y, &fx)) {
        /* Dropped by its receiver: a new FIN in it did nothing. */
        if (fx.new_fin && v->role == TW_ROLE_NONE) {
            if (v->events & TW_EV_IGNORED)
                v->role = TW_ROLE_OTHER;
            else
                unexpected(v, TW_WHY_AFTER_CLOSE); /* to an endpoint already CLOSED */
        } else if (v->role == TW_ROLE_NONE) {
            role_of(c, s, v, x, &fx);
        }
        return;
    }
    if (v->role == TW_ROLE_NONE)
        role_of(c, s, v, x, &fx);
    else if (fx.handshake_done)
        v->events |= TW_EV_HANDSHAKE_DONE; /* a FIN that also completed the handshake */

    if (s->len > 0 && !fx.old_data && v->role != TW_ROLE_OTHER) {
        if ((ex->flags & TW_EP_FIN) && seq_lt(ex->fin_seq, end))
            unexpected(v, TW_WHY_DATA_BEYOND_FIN);
        else if ((ey->flags & TW_EP_FIN) && (ey->flags & TW_EP_FIN_ACKED))
            v->events |= TW_EV_DATA_AFTER_FIN;
    }
    if (!fx.new_fin)
        captured(ex, s->seq, end);
}

/* ---- The entry points ---- */

/* A FIN that crossed the peer's reaches it now (sender_evidence()).
 * True when it is x's own FIN. */
static bool deliver_crossed_fin(struct tw_conn *c, enum tw_end x)
{
    bool own = false;
    for (int e = 0; e < 2; e++) {
        if (c->ep[e].flags & TW_EP_FIN_IN_FLIGHT) {
            c->ep[e].flags &= (uint16_t)~TW_EP_FIN_IN_FLIGHT;
            fin_received(&c->ep[e ^ 1]);
            own = own || e == (int)x;
        }
    }
    return own;
}

/* The ACK deferred by arrives() reaches e, after e's own segment. */
static void deliver_deferred_ack(struct tw_endpoint *e)
{
    e->flags &= (uint16_t)~TW_EP_ACK_DEFERRED;
    if ((e->flags & TW_EP_FIN) && !(e->flags & TW_EP_FIN_ACKED) && seq_le(e->fin_seq + 1, e->deferred_ack))
        fin_acked(e);
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

    enum tw_end x = tw_conn_end_of(c, s->end_order);
    enum tw_end y = (enum tw_end)(x ^ 1);
    struct tw_endpoint *ex = &c->ep[x];

    v->prev[TW_C] = c->ep[TW_C].state;
    v->prev[TW_S] = c->ep[TW_S].state;
    v->sender = (c->flags & TW_CONN_MIDSTREAM) ? TW_SIDE_UNKNOWN : side_of(x);
    if (x == TW_S)
        server_heard(c, s);
    if ((c->flags & TW_CONN_SYNACK_AGAIN) && x == TW_S && !(s->flags & TW_TH_SYN))
        synack_again_proven(c, s);
    bool own_fin_delivered = !first && deliver_crossed_fin(c, x);

    if (s->flags & TW_TH_RST)
        on_rst(c, s, v, x, y);
    else if (s->flags & TW_TH_SYN)
        on_syn(c, s, v, x, y);
    else
        on_segment(c, s, v, x, y, own_fin_delivered);
    if ((ex->flags & TW_EP_ACK_DEFERRED) && !own_fin_delivered) {
        deliver_deferred_ack(ex);
        if (both_fins_acked(c) && c->close_type == TW_CLOSE_NONE) {
            if (v->role != TW_ROLE_OTHER)
                v->role = TW_ROLE_FINAL_ACK;
            v->step = step(TW_STEP_CLOSE, 4);
            complete_close(c, v, s->frame, s->time_ns);
        }
    }

    if ((s->flags & TW_TH_ACK) && v->role != TW_ROLE_OTHER && !(v->events & TW_EV_IGNORED)) {
        if (!(ex->flags & TW_EP_ACKS) || seq_lt(ex->ack_max, s->ack))
            ex->ack_max = s->ack;
        ex->flags |= TW_EP_ACKS;
    }
    /* y's snd_nxt caught up with x's ACKs: nothing is ahead any more. */
    struct tw_endpoint *ey = &c->ep[y];
    if (ey->ahead_frame && (ex->flags & TW_EP_SEQ) && seq_le(ey->ack_max, ex->snd_nxt))
        ey->ahead_frame = 0;
    ex->flags |= TW_EP_SEEN;
    if (!(s->flags & TW_TH_SYN))
        ex->flags |= TW_EP_SENT_NON_SYN;
    ex->last_frame = s->frame;
    v->next[TW_C] = c->ep[TW_C].state;
    v->next[TW_S] = c->ep[TW_S].state;
}

void tw_conn_peek(const struct tw_conn *c, struct tw_verdict *v)
{
    *v = (struct tw_verdict){0};
    for (int e = 0; e < 2; e++)
        v->prev[e] = v->next[e] = c->ep[e].state;
}

/* Nothing proves that the server received the client's SYN: no segment
 * came from it and no segment of the client's answers one. */
static bool server_unproven(const struct tw_conn *c)
{
    return (c->flags & TW_CONN_STARTED) && !(c->flags & (TW_CONN_SERVER_SPOKE | TW_CONN_MIDSTREAM));
}

void tw_conn_view(const struct tw_conn *c, uint32_t frame, struct tw_verdict *v)
{
    for (unsigned i = 0; i < c->n_overrides; i++) {
        const struct tw_override *o = &c->overrides[i];
        if (o->from <= frame && frame < o->to && v->next[o->end] == o->match)
            v->next[o->end] = o->shown;
        if (o->from < frame && frame <= o->to && v->prev[o->end] == o->match)
            v->prev[o->end] = o->shown;
    }
    /* A refused connection never had a server in SYN_RECV: nothing listened. */
    if ((c->flags & TW_CONN_REFUSED) && frame <= c->frames[TW_LINK_RST]) {
        for (int i = 0; i < 2; i++) {
            uint8_t *st = i ? &v->next[TW_S] : &v->prev[TW_S];
            if (*st == TW_LISTEN || *st == TW_SYN_RECV)
                *st = TW_CLOSED;
        }
    }
    /* Nor did a simultaneous open's second opener ever listen. */
    if ((c->flags & TW_CONN_SIM_OPEN) && frame == c->frames[TW_LINK_SYN] && v->prev[TW_S] == TW_LISTEN)
        v->prev[TW_S] = TW_CLOSED;
    if (server_unproven(c))
        v->prev[TW_S] = v->next[TW_S] = TW_ST_NONE;
}

enum tw_end tw_conn_end_of(const struct tw_conn *c, uint8_t end_order)
{
    return (enum tw_end)(end_order == c->first_order ? c->first_end : c->first_end ^ 1);
}

enum tw_outcome tw_conn_outcome(const struct tw_conn *c)
{
    unsigned kind = c->close_type != TW_CLOSE_NONE ? c->close_type : c->close_kind;
    switch (kind) {
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

static bool link_time(const struct tw_conn *c, enum tw_link l, int64_t *ns)
{
    if (timed_slot[l] < 0 || c->frames[l] == 0 || c->times[timed_slot[l]] == TW_TIME_UNKNOWN)
        return false;
    *ns = c->times[timed_slot[l]];
    return true;
}

/* A duration between remembered frames. */
static uint8_t interval(const struct tw_conn *c, enum tw_link from, enum tw_link to, int64_t *ns)
{
    int64_t t_from, t_to;
    if (!link_time(c, from, &t_from) || !link_time(c, to, &t_to))
        return TW_DUR_UNKNOWN;
    if (t_to < t_from || __builtin_sub_overflow(t_to, t_from, ns)) /* gcc and clang */
        return TW_DUR_BACKWARDS;
    return TW_DUR_KNOWN;
}

void tw_conn_summary(const struct tw_conn *c, struct tw_summary *sum)
{
    *sum = (struct tw_summary){0};
    sum->outcome = (uint8_t)tw_conn_outcome(c);
    sum->close_type = c->close_type != TW_CLOSE_NONE ? c->close_type : c->close_kind;
    sum->initiator = c->close_initiator;
    sum->reset_by = c->reset_by;
    sum->close_total = c->close_total;
    sum->handshake_total = (c->flags & TW_CONN_SIM_OPEN) ? 4 : 3;
    sum->midstream = (c->flags & TW_CONN_MIDSTREAM) != 0;
    if (sum->midstream)
        sum->handshake = TW_HS_NOT_SEEN;
    else if (c->flags & TW_CONN_HANDSHAKE)
        sum->handshake = (c->flags & TW_CONN_HS_INFERRED) ? TW_HS_INFERRED : TW_HS_COMPLETE;
    else
        sum->handshake = TW_HS_INCOMPLETE;
    /* An ACK still on its way at the end (crossed FINs) was captured: it arrives. */
    struct tw_endpoint ends[2] = {c->ep[0], c->ep[1]};
    bool acked_before = (ends[0].flags & ends[1].flags & TW_EP_FIN_ACKED) != 0;
    for (int e = 0; e < 2; e++)
        if (ends[e].flags & TW_EP_ACK_DEFERRED)
            deliver_deferred_ack(&ends[e]);
    sum->state[TW_C] = ends[TW_C].state;
    sum->state[TW_S] = server_unproven(c) ? TW_ST_NONE : ends[TW_S].state;
    sum->final_ack_seen = c->frames[TW_LINK_FINAL_ACK] != 0 ||
                          (!acked_before && (ends[0].flags & ends[1].flags & TW_EP_FIN_ACKED));
    for (int l = 0; l < TW_LINK_COUNT; l++)
        sum->frames[l] = c->frames[l];
    /* No handshake time unless both its ends were captured: a SYN and the
     * ACK that completed the handshake. */
    sum->handshake_time = interval(c, TW_LINK_SYN, TW_LINK_HS_ACK, &sum->handshake_ns);
    if (c->close_type != TW_CLOSE_RESET)
        sum->close_time = interval(c, TW_LINK_FIN1, TW_LINK_FINAL_ACK, &sum->close_ns);
    sum->fin_gap = interval(c, TW_LINK_FIN1, TW_LINK_FIN2, &sum->fin_gap_ns);
}

bool tw_conn_in_time_wait(const struct tw_conn *c)
{
    return c->ep[0].state == TW_TIME_WAIT || c->ep[1].state == TW_TIME_WAIT;
}

enum tw_successor tw_conn_successor(const struct tw_conn *c, const struct tw_segment *s)
{
    if (!(c->flags & TW_CONN_STARTED))
        return TW_SUCC_NEW;
    enum tw_end x = tw_conn_end_of(c, s->end_order);
    const struct tw_endpoint *ex = &c->ep[x], *ey = &c->ep[x ^ 1];

    /* A copy of its SYN or SYN-ACK (same ISN) is an old duplicate of this
     * connection, closed or not: what TIME_WAIT is there for. */
    if (s->flags & TW_TH_SYN) {
        if ((ex->flags & TW_EP_SYN) && s->seq == ex->isn)
            return TW_SUCC_CONTINUES;
        /* RFC 9293 3.6.1, Linux tcp_timewait_state_process(): a new SYN may
         * reopen a 4-tuple whose previous connection is in TIME_WAIT. */
        if (!(s->flags & TW_TH_ACK) && tw_conn_in_time_wait(c))
            return TW_SUCC_TIME_WAIT;
        return TW_SUCC_NEW;
    }
    if (c->close_type != TW_CLOSE_NONE || (c->flags & TW_CONN_REFUSED) ||
        !(in_connection(c->ep[0].state) || in_connection(c->ep[1].state)))
        return TW_SUCC_NEW;
    if ((ex->flags & TW_EP_SEQ) && !near_seq(s->seq, ex->snd_nxt))
        return TW_SUCC_NEW;
    if ((s->flags & TW_TH_ACK) && (ey->flags & TW_EP_SEQ) && !near_seq(s->ack, ey->snd_nxt))
        return TW_SUCC_NEW;
    return TW_SUCC_CONTINUES;
}

bool tw_verdict_in_close(const struct tw_summary *sum, const struct tw_verdict *v, uint32_t frame)
{
    if (tw_step_kind(v->step) == TW_STEP_CLOSE)
        return true;
    return v->role == TW_ROLE_RST && sum->frames[TW_LINK_RST] == frame && sum->close_type == TW_CLOSE_RESET;
}

void tw_step_text(uint8_t st, uint8_t handshake_total, uint8_t close_total, char *buf, size_t size)
{
    unsigned kind = tw_step_kind(st), num = tw_step_num(st);
    if (size == 0)
        return;
    if (kind == TW_STEP_HANDSHAKE)
        snprintf(buf, size, "handshake %u/%u", num, handshake_total == 4 ? 4u : 3u);
    else if (kind == TW_STEP_CLOSE && close_total)
        snprintf(buf, size, "close %u/%u", num, close_total);
    else if (kind == TW_STEP_CLOSE)
        snprintf(buf, size, "close %u/?", num);
    else
        buf[0] = '\0';
}
