/* tw_zeek.c - Zeek's conn_state and history for one TCP connection.
 *
 * Each function below mirrors the Zeek function named in its comment
 * (repository zeek/zeek).  "Process()" is
 * TCPSessionAdapter::Process() in
 * src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc, the per-packet
 * entry point; its steps are kept in Zeek's order because the order decides
 * the letters (history is updated before the state machine runs, content
 * gaps after it).  Only what feeds the two columns is kept: weirds, events,
 * timers and the payload itself are left out.
 */
#include "tw_zeek.h"

#include <string.h>

/* TCPSessionAdapter.cc: TOO_LARGE_SEQ_DELTA. */
#define TOO_LARGE_SEQ_DELTA 1048576

/* scripts/base/init-bare.zeek: tcp_max_above_hole_without_any_acks
 * (default 16384), consulted by TCP_Reassembler::DataSent(). */
#define MAX_ABOVE_HOLE_WITHOUT_ANY_ACKS 16384u

/* src/analyzer/protocol/tcp/TCP_Endpoint.h: the HIST_* codes.  Zeek shifts
 * a responder's codes by 16 bits in Connection::hist_seen; only the codes
 * below 0x100 are ever passed to CheckHistory(), so 8 bits per side hold
 * the same information. */
enum {
    HIST_SYN_PKT = 0x1,
    HIST_FIN_PKT = 0x2,
    HIST_RST_PKT = 0x4,
    HIST_FIN_RST_PKT = 0x8,
    HIST_DATA_PKT = 0x10,
    HIST_ACK_PKT = 0x20,
    HIST_MULTI_FLAG_PKT = 0x40
};

/* States of the matcher of conn_state()'s RSTOS0 test,
 * `/\^?S[^HAFGIQ]*R.*` == c$history` (a whole-string match). */
enum {
    RSTOS0_START = 0, /* nothing yet */
    RSTOS0_CARET,     /* "^" */
    RSTOS0_AFTER_S,   /* "^?S" then letters outside HAFGIQ */
    RSTOS0_MATCH,     /* ... then R: matches whatever follows */
    RSTOS0_NEVER
};

static int32_t seq_delta(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

static unsigned orig_index(const struct tw_zeek *z) { return (z->flags & TW_ZEEK_ORIG_IS_OTHER) ? 1u : 0u; }

static bool is_orig_end(const struct tw_zeek *z, const struct tw_zeek_end *e)
{
    return e == &z->ep[orig_index(z)];
}

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

static void rstos0_feed(struct tw_zeek *z, char c)
{
    switch (z->rstos0) {
    case RSTOS0_START:
        z->rstos0 = c == '^' ? RSTOS0_CARET : c == 'S' ? RSTOS0_AFTER_S : RSTOS0_NEVER;
        break;
    case RSTOS0_CARET:
        z->rstos0 = c == 'S' ? RSTOS0_AFTER_S : RSTOS0_NEVER;
        break;
    case RSTOS0_AFTER_S:
        if (c == 'R')
            z->rstos0 = RSTOS0_MATCH;
        else if (strchr("HAFGIQ", c))
            z->rstos0 = RSTOS0_NEVER;
        break;
    default:
        break;
    }
}

/* src/Conn.h: Connection::AddHistory(): history += code. */
static void conn_add_history(struct tw_zeek *z, char c)
{
    rstos0_feed(z, c);
    if (z->hist_len < TW_ZEEK_HISTORY_MAX)
        z->history[z->hist_len++] = c;
    else
        z->flags |= TW_ZEEK_HIST_CUT;
}

/* TCP_Endpoint::AddHistory(): lower case for the responder. */
static void ep_add_history(struct tw_zeek *z, const struct tw_zeek_end *e, char c)
{
    conn_add_history(z, is_orig_end(z, e) ? c : lower(c));
}

/* TCP_Endpoint::CheckHistory() and Connection::CheckHistory(): record the
 * letter the first time this side shows this kind of packet; true when it
 * had been seen before (the letter was not recorded now). */
static bool ep_check_history(struct tw_zeek *z, const struct tw_zeek_end *e, unsigned mask, char c)
{
    if (!is_orig_end(z, e)) {
        mask <<= 8;
        c = lower(c);
    }
    if ((z->hist_seen & mask) == 0) {
        z->hist_seen |= (uint16_t)mask;
        conn_add_history(z, c);
        return false;
    }
    return true;
}

/* Connection::ScaledHistoryEntry(): the letter at the 1st, 10th, 100th, ...
 * event (scaling_base 10, first threshold 1).  The counter saturates, so
 * letters are exact up to the 10000th event. */
static void scaled_history_entry(struct tw_zeek *z, const struct tw_zeek_end *e, char c, uint16_t *counter)
{
    if (*counter == UINT16_MAX)
        return;
    unsigned n = ++*counter;
    if (n == 1 || n == 10 || n == 100 || n == 1000 || n == 10000)
        ep_add_history(z, e, c);
}

/* TCP_Endpoint::SetState(). */
static void set_state(struct tw_zeek_end *e, unsigned st)
{
    if (st != e->state) {
        e->prev_state = e->state;
        e->state = (uint8_t)st;
    }
}

/* TCP_Endpoint::UpdateLastSeq() / UpdateAckSeq(): a smaller value is taken
 * as a wrap of the 32-bit space. */
static void update_last(struct tw_zeek_end *e, uint32_t seq)
{
    if (seq < e->last_seq && e->seq_wraps < UINT8_MAX)
        ++e->seq_wraps;
    e->last_seq = seq;
}

static void init_seqs(struct tw_zeek_end *e, uint32_t start, uint32_t last)
{
    e->start_seq = start;
    e->ack_seq = start;
    e->last_seq = last;
}

/* TCPSessionAdapter::get_segment_len(). */
static uint32_t segment_len(uint8_t f, uint32_t len)
{
    uint32_t n = len;
    if (f & TW_TH_SYN)
        ++n;
    if (f & TW_TH_FIN)
        ++n;
    if (f & TW_TH_RST)
        n -= len; /* an RST's payload is not part of the stream */
    return n;
}

/* init_endpoint() (TCPSessionAdapter.cc). */
static void init_endpoint(struct tw_zeek_end *e, uint8_t f, uint32_t seq, uint32_t last)
{
    switch (e->state) {
    case TW_ZEEK_INACTIVE:
        if (f & TW_TH_SYN) {
            e->ack_seq = seq;
            e->start_seq = seq;
        } else {
            /* A partial connection: number as though a SYN was seen, but
             * do not mark the first packet a duplicate. */
            e->ack_seq = seq - 1;
            e->start_seq = seq - 1;
            last = seq;
        }
        e->last_seq = last;
        break;
    case TW_ZEEK_SYN_SENT:
    case TW_ZEEK_SYN_ACK_SENT:
        if ((f & TW_TH_SYN) && seq != e->start_seq)
            init_seqs(e, seq, last); /* SYN_seq_jump */
        break;
    case TW_ZEEK_ESTABLISHED:
    case TW_ZEEK_PARTIAL:
        if (f & TW_TH_SYN)
            init_seqs(e, seq, last); /* "this SYN will be the one that actually sets it up" */
        break;
    case TW_ZEEK_RESET:
        if ((f & TW_TH_SYN) && e->prev_state == TW_ZEEK_INACTIVE)
            init_seqs(e, seq, last); /* the earlier RST may have been spoofed */
        break;
    default:
        break;
    }
}

/* get_relative_seq() (TCPSessionAdapter.cc), reduced to what the callers
 * need: the low 32 bits of Zeek's 64-bit relative number (the same whether
 * or not the space wrapped) and whether it underflowed the start. */
static uint32_t relative_seq(const struct tw_zeek_end *e, uint32_t cur, uint32_t last, unsigned wraps,
                             bool *underflow)
{
    int32_t delta = seq_delta(cur, last);
    if (delta < 0) {
        if (wraps && cur > last)
            --wraps; /* part of a previous 32-bit sequence space */
    } else if (delta > 0) {
        if (cur < last)
            ++wraps;
    }
    if (wraps == 0 && seq_delta(cur, e->start_seq) < 0)
        *underflow = true;
    return cur - e->start_seq;
}

/* TCP_Endpoint::NoDataAcked(): the peer acknowledged at most the SYN. */
static bool no_data_acked(const struct tw_zeek_end *e)
{
    uint64_t ack = ((uint64_t)e->ack_wraps << 32) + e->ack_seq;
    return ack == e->start_seq || ack == (uint64_t)e->start_seq + 1;
}

/* TCP_Endpoint::Size(): the payload bytes the endpoint sent, from sequence
 * numbers. */
static uint64_t ep_size(const struct tw_zeek_end *e, const struct tw_zeek_end *peer)
{
    if (e->prev_state == TW_ZEEK_SYN_SENT && e->state == TW_ZEEK_RESET && peer->state == TW_ZEEK_INACTIVE &&
        !no_data_acked(e))
        return 0; /* a half-open connection discovered and aborted */
    uint64_t last = ((uint64_t)e->seq_wraps << 32) + e->last_seq;
    uint64_t ack = ((uint64_t)e->ack_wraps << 32) + e->ack_seq;
    uint64_t size = (last > ack ? last : ack) - e->start_seq;
    if (size != 0)
        --size; /* the SYN octet */
    if ((e->flags & TW_ZEEK_EP_FIN) && size != 0)
        --size; /* the FIN octet */
    return size;
}

/* update_history() (TCPSessionAdapter.cc).  A packet with more than one of
 * SYN, FIN, RST is I (FIN+RST) or Q, once per side; otherwise S/H, F and R
 * are recorded again whenever their relative sequence number differs from
 * the last one of the same kind (for a FIN, the number after its payload);
 * D and A once per side.  A FIN+ACK is therefore an F, never an A. */
static void update_history(struct tw_zeek *z, struct tw_zeek_end *e, uint8_t f, uint32_t rel_seq, uint32_t len)
{
    int bits = !!(f & TW_TH_SYN) + !!(f & TW_TH_FIN) + !!(f & TW_TH_RST);
    if (bits > 1) {
        if ((f & TW_TH_FIN) && (f & TW_TH_RST))
            ep_check_history(z, e, HIST_FIN_RST_PKT, 'I');
        else
            ep_check_history(z, e, HIST_MULTI_FLAG_PKT, 'Q');
    } else if (bits == 1) {
        if (f & TW_TH_SYN) {
            char code = (f & TW_TH_ACK) ? 'H' : 'S';
            if (ep_check_history(z, e, HIST_SYN_PKT, code) && rel_seq != e->hist_last_syn)
                ep_add_history(z, e, code);
            e->hist_last_syn = rel_seq;
        }
        if (f & TW_TH_FIN) {
            if (ep_check_history(z, e, HIST_FIN_PKT, 'F') && rel_seq + len != e->hist_last_fin)
                ep_add_history(z, e, 'F');
            e->hist_last_fin = rel_seq + len;
        }
        if (f & TW_TH_RST) {
            if (ep_check_history(z, e, HIST_RST_PKT, 'R') && rel_seq != e->hist_last_rst)
                ep_add_history(z, e, 'R');
            e->hist_last_rst = rel_seq;
        }
    } else if (len) {
        ep_check_history(z, e, HIST_DATA_PKT, 'D');
    } else if (f & TW_TH_ACK) {
        ep_check_history(z, e, HIST_ACK_PKT, 'A');
    }
}

/* update_ack_seq() (TCPSessionAdapter.cc). */
static void update_ack_seq(struct tw_zeek_end *e, uint32_t ack)
{
    int32_t delta = seq_delta(ack, e->ack_seq);
    if (ack == 0 && delta > TOO_LARGE_SEQ_DELTA)
        return; /* more likely a broken ACK than a wrap landing on 0 */
    if (delta > 0) {
        if (ack < e->ack_seq && e->ack_wraps < UINT8_MAX)
            ++e->ack_wraps;
        e->ack_seq = ack;
    }
}

/* update_last_seq() (TCPSessionAdapter.cc): a packet with payload that
 * does not advance the sender's highest sequence number is a
 * retransmission, TCP_Endpoint::DidRxmit(), the letter T. */
static int32_t update_last_seq(struct tw_zeek *z, struct tw_zeek_end *e, uint32_t last, uint8_t f, uint32_t len)
{
    int32_t delta = seq_delta(last, e->last_seq);
    if ((f & (TW_TH_SYN | TW_TH_RST)) && (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA))
        ; /* not trusted */
    else if ((f & TW_TH_FIN) && e->last_seq == e->start_seq + 1)
        update_last(e, last); /* only the SYN and the FIN seen (> 2 GB connections) */
    else if (e->state == TW_ZEEK_RESET)
        ; /* no later sequence number is trusted */
    else if (delta > 0)
        update_last(e, last);
    else if (len > 0)
        scaled_history_entry(z, e, 'T', &e->rxmt_cnt);
    return delta;
}

/* TCPSessionAdapter::FlipRoles() and Connection::FlipRoles(). */
static void flip_roles(struct tw_zeek *z, bool adapter)
{
    z->flags ^= TW_ZEEK_ORIG_IS_OTHER;
    if (adapter) {
        uint8_t seen = z->flags & (TW_ZEEK_SEEN_ORIG | TW_ZEEK_SEEN_RESP);
        z->flags &= (uint8_t)~(TW_ZEEK_SEEN_ORIG | TW_ZEEK_SEEN_RESP | TW_ZEEK_PARTIAL_CONN);
        if (seen & TW_ZEEK_SEEN_ORIG)
            z->flags |= TW_ZEEK_SEEN_RESP;
        if (seen & TW_ZEEK_SEEN_RESP)
            z->flags |= TW_ZEEK_SEEN_ORIG;
    }
    conn_add_history(z, '^');
}

/* TCPSessionAdapter::UpdateInactiveState(). */
static void update_inactive(struct tw_zeek *z, struct tw_zeek_end *e, struct tw_zeek_end *peer, uint8_t f,
                            uint32_t len, bool is_orig)
{
    if (f & TW_TH_SYN) {
        if (is_orig) {
            set_state(e, (f & TW_TH_ACK) ? TW_ZEEK_SYN_ACK_SENT : TW_ZEEK_SYN_SENT);
        } else {
            /* base_seq == endpoint->StartSeq() always holds here:
             * init_endpoint() just set StartSeq from this SYN. */
            if (!(f & TW_TH_ACK) && peer->state == TW_ZEEK_SYN_ACK_SENT) {
                /* A SYN/SYN-ACK reversal: flip the endpoints and
                 * establish the connection. */
                z->flags &= (uint8_t)~TW_ZEEK_PARTIAL_CONN;
                flip_roles(z, true);
                set_state(peer, TW_ZEEK_ESTABLISHED);
                z->flags |= TW_ZEEK_SEEN_ORIG; /* SetFirstPacketSeen(true) */
            }
            if (peer->state == TW_ZEEK_SYN_SENT)
                set_state(peer, TW_ZEEK_ESTABLISHED);
            set_state(e, TW_ZEEK_ESTABLISHED);
        }
    }
    if (f & TW_TH_FIN)
        set_state(e, TW_ZEEK_CLOSED);
    if (f & TW_TH_RST)
        set_state(e, TW_ZEEK_RESET);
    if (e->state == TW_ZEEK_INACTIVE) { /* no control flags to change the state */
        if (!is_orig && len == 0 && z->ep[orig_index(z)].state == TW_ZEEK_SYN_SENT) {
            /* an ACK of the SYN before the SYN-ACK: not a partial connection */
        } else if ((f & TW_TH_ACK) && peer->state == TW_ZEEK_ESTABLISHED) {
            /* the SYN was missed but the SYN-ACK seen: establish */
            set_state(e, TW_ZEEK_ESTABLISHED);
            z->flags &= (uint8_t)~TW_ZEEK_PARTIAL_CONN;
            z->flags |= is_orig ? TW_ZEEK_SEEN_ORIG : TW_ZEEK_SEEN_RESP;
        } else {
            set_state(e, TW_ZEEK_PARTIAL);
        }
    }
}

/* TCPSessionAdapter::UpdateStateMachine() and the Update*State() functions
 * it dispatches to. */
static void update_state_machine(struct tw_zeek *z, struct tw_zeek_end *e, struct tw_zeek_end *peer, uint8_t f,
                                 uint32_t len, bool is_orig)
{
    switch (e->state) {
    case TW_ZEEK_INACTIVE:
        update_inactive(z, e, peer, f, len, is_orig);
        break;
    case TW_ZEEK_SYN_SENT:
    case TW_ZEEK_SYN_ACK_SENT: /* UpdateSYN_SentState() */
        if (f & TW_TH_FIN)
            set_state(e, TW_ZEEK_CLOSED);
        if (f & TW_TH_RST)
            set_state(e, TW_ZEEK_RESET);
        break;
    case TW_ZEEK_ESTABLISHED:
    case TW_ZEEK_PARTIAL: /* UpdateEstablishedState() */
        if ((f & TW_TH_SYN) && e->state == TW_ZEEK_PARTIAL && peer->state == TW_ZEEK_INACTIVE && !(f & TW_TH_ACK))
            set_state(e, TW_ZEEK_SYN_SENT); /* SYN_after_partial */
        if ((f & TW_TH_FIN) && !(f & TW_TH_RST)) {
            set_state(e, TW_ZEEK_CLOSED);
            /* The peer sent a FIN followed by a RST: this was a normal
             * termination after all. */
            if (peer->state == TW_ZEEK_RESET && peer->prev_state == TW_ZEEK_CLOSED)
                set_state(peer, TW_ZEEK_CLOSED);
        }
        if (f & TW_TH_RST)
            set_state(e, TW_ZEEK_RESET);
        break;
    case TW_ZEEK_CLOSED: /* UpdateClosedState(): a RST after both FINs changes nothing */
        if ((f & TW_TH_RST) && peer->state != TW_ZEEK_CLOSED)
            set_state(e, TW_ZEEK_RESET);
        break;
    default: /* UpdateResetState(): weirds only */
        break;
    }
}

/* is_clean() and established_or_cleanly_closing() (TCP_Reassembler.cc). */
static bool is_clean(const struct tw_zeek_end *e)
{
    return e->state == TW_ZEEK_ESTABLISHED || (e->state == TW_ZEEK_CLOSED && e->prev_state == TW_ZEEK_ESTABLISHED);
}

/* TCP_Reassembler::Gap(): TCP_Endpoint::Gap(), the letter G for the side
 * whose data is missing, only while both sides are established or closing
 * cleanly. */
static void gap(struct tw_zeek *z, struct tw_zeek_end *e)
{
    const struct tw_zeek_end *peer = e == &z->ep[0] ? &z->ep[1] : &z->ep[0];
    if (is_clean(e) && is_clean(peer))
        scaled_history_entry(z, e, 'G', &e->gap_cnt);
}

static bool has_above(const struct tw_zeek_end *e) { return e->above_lo != e->above_hi; }

/* TCP_Reassembler::Undelivered(): a gap before each block buffered above
 * the hole and below up_to, and one for what is left up to up_to.  Blocks
 * above a hole are kept as one range: several holes in one direction at
 * once count as one (docs/zeek.md). */
static void undelivered(struct tw_zeek *z, struct tw_zeek_end *e, uint32_t up_to)
{
    if (up_to <= 2 && (z->flags & TW_ZEEK_PARTIAL_CONN))
        return; /* a partial connection's first byte */
    if (!(e->flags & TW_ZEEK_EP_SKIP)) {
        if (has_above(e) && seq_delta(e->above_lo, up_to) < 0) {
            gap(z, e);
            e->reassem = e->above_hi; /* BlockInserted(): the buffered data is delivered */
            e->above_lo = e->above_hi = 0;
        }
        if (seq_delta(up_to, e->reassem) > 0)
            gap(z, e);
    }
    if (seq_delta(up_to, e->reassem) > 0)
        e->reassem = up_to;
}

/* TCP_Reassembler::AckReceived() and DataBlockList::Trim(): an ACK beyond
 * what was delivered of the stream reveals a content gap. */
static void ack_received(struct tw_zeek *z, struct tw_zeek_end *e, uint32_t seq)
{
    if ((e->flags & TW_ZEEK_EP_FIN) && seq_delta(seq, e->fin_seq) >= 0)
        seq = e->fin_seq - 1;
    if (seq_delta(seq, e->trim) <= 0)
        return;
    if (seq_delta(seq, e->reassem) > 0)
        undelivered(z, e, seq);
    if (has_above(e) && seq_delta(e->above_hi, seq) <= 0)
        e->above_lo = e->above_hi = 0;
    e->trim = seq;
}

/* TCP_Reassembler::DataSent(), Reassembler::NewBlock() and
 * TCP_Reassembler::BlockInserted(), for the sequence numbers only. */
static void data_sent(struct tw_zeek_end *e, uint32_t seq, uint32_t len)
{
    if (e->flags & TW_ZEEK_EP_SKIP)
        return;
    uint32_t upper = seq + len;
    uint32_t ack = e->ack_seq - e->start_seq;
    if (seq_delta(seq, ack) < 0) {
        if (seq_delta(upper, ack) <= 0)
            return; /* delivered and acknowledged already */
        seq = ack;
    }
    if (seq_delta(upper, e->trim) <= 0)
        return; /* old data */
    if (seq_delta(seq, e->trim) < 0)
        seq = e->trim;
    if (seq_delta(seq, e->reassem) <= 0) {
        if (seq_delta(upper, e->reassem) > 0) {
            e->reassem = upper;
            if (has_above(e) && seq_delta(e->above_lo, e->reassem) <= 0) {
                if (seq_delta(e->above_hi, e->reassem) > 0)
                    e->reassem = e->above_hi;
                e->above_lo = e->above_hi = 0;
            }
        }
    } else if (!has_above(e)) {
        e->above_lo = seq;
        e->above_hi = upper;
    } else {
        if (seq_delta(seq, e->above_lo) < 0)
            e->above_lo = seq;
        if (seq_delta(upper, e->above_hi) > 0)
            e->above_hi = upper;
    }
    /* NumUndeliveredBytes() above tcp_max_above_hole_without_any_acks while
     * none of the data was acknowledged: the reassembler gives up. */
    if (no_data_acked(e) && has_above(e) && (uint32_t)(e->above_hi - e->reassem) > MAX_ABOVE_HOLE_WITHOUT_ANY_ACKS) {
        e->flags |= TW_ZEEK_EP_SKIP;
        e->above_lo = e->above_hi = 0;
    }
}

/* TCPAnalyzer::WantConnection() (src/packet_analysis/protocol/tcp/TCP.cc):
 * a connection whose first packet is not a bare SYN is flipped when its
 * source port looks like a server's, unless both ports do and either the
 * packet is a SYN-ACK or the source port is the higher. */
static bool want_flip(const struct tw_segment *s)
{
    if ((s->flags & TW_TH_SYN) && !(s->flags & TW_TH_ACK))
        return false;
    if (!tw_zeek_likely_server_port(s->sport))
        return false;
    if (tw_zeek_likely_server_port(s->dport))
        return !(s->flags & TW_TH_SYN) && s->sport < s->dport;
    return true;
}

void tw_zeek_step(struct tw_zeek *z, const struct tw_segment *s, bool from_first_sender,
                  const struct tw_zeek_extra *extra)
{
    struct tw_zeek_end *e = &z->ep[from_first_sender ? 0 : 1];
    struct tw_zeek_end *peer = &z->ep[from_first_sender ? 1 : 0];
    uint8_t f = s->flags;

    if (!(z->flags & TW_ZEEK_STARTED)) {
        /* IPBasedAnalyzer::NewConn(): the flip happens on creation, before
         * the TCP analyzer sees the packet; the history starts with '^'. */
        z->flags |= TW_ZEEK_STARTED;
        z->ep[0].reassem = z->ep[0].trim = 1; /* Reassembler(1, ...) */
        z->ep[1].reassem = z->ep[1].trim = 1;
        if (want_flip(s))
            flip_roles(z, false);
    }
    bool is_orig = is_orig_end(z, e);

    /* TCPAnalyzer::ValidateChecksum(): a bad checksum is counted (the
     * letter C) and the packet goes no further. */
    if (extra && extra->bad_checksum) {
        scaled_history_entry(z, e, 'C', &e->chk_cnt);
        return;
    }

    /* TCPSessionAdapter::SetPartialStatus(). */
    if (is_orig) {
        if (!(z->flags & TW_ZEEK_SEEN_ORIG)) {
            if (!(f & TW_TH_SYN) || (f & TW_TH_ACK))
                z->flags |= TW_ZEEK_PARTIAL_CONN;
            else
                z->flags &= (uint8_t)~TW_ZEEK_PARTIAL_CONN;
        }
    } else if (!(z->flags & TW_ZEEK_SEEN_RESP) && !(z->flags & TW_ZEEK_PARTIAL_CONN)) {
        if (!(f & TW_TH_SYN))
            z->flags |= TW_ZEEK_PARTIAL_CONN;
    }

    uint32_t seg_len = segment_len(f, s->len);
    uint32_t seq_one_past = s->seq + seg_len;
    init_endpoint(e, f, s->seq, seq_one_past);

    bool seq_underflow = false;
    uint32_t rel_seq = relative_seq(e, s->seq, e->last_seq, e->seq_wraps, &seq_underflow);

    update_history(z, e, f, rel_seq, s->len);

    /* update_window(): a zero window, the letter W, unless it comes with or
     * after the sender's RST or after the peer's FIN.  A zero window field
     * is zero whatever the scale. */
    if (extra && extra->window_known && extra->window == 0 && !(f & TW_TH_RST) && peer->state != TW_ZEEK_CLOSED &&
        e->state != TW_ZEEK_RESET)
        scaled_history_entry(z, e, 'W', &e->win0_cnt);

    if (f & TW_TH_FIN) {
        e->flags |= TW_ZEEK_EP_FIN;
        e->fin_seq = rel_seq + seg_len;
    }

    bool ack_usable = false;
    uint32_t rel_ack = 0;
    if (f & TW_TH_ACK) {
        if (peer->state == TW_ZEEK_INACTIVE) {
            /* init_peer(): number the peer as though its SYN was seen. */
            init_seqs(peer, s->ack - 1, s->ack - 1);
            rel_ack = 1;
            ack_usable = true;
        } else {
            bool ack_underflow = false;
            rel_ack = relative_seq(peer, s->ack, peer->ack_seq, peer->ack_wraps, &ack_underflow);
            ack_usable = !ack_underflow; /* rel_ack = 0: nothing to trim */
            if (!ack_underflow && !(f & TW_TH_RST))
                update_ack_seq(peer, s->ack); /* ACKs in RSTs are not trusted */
        }
    }

    update_last_seq(z, e, seq_one_past, f, s->len);
    update_state_machine(z, e, peer, f, s->len, is_orig);

    /* After the state machine, so that a gap revealed at the very end (by a
     * RST) can be told apart and left out of the history. */
    if (ack_usable)
        ack_received(z, peer, rel_ack);

    if (s->len > 0 && !(extra && extra->payload_truncated) && !(f & TW_TH_RST) && !seq_underflow)
        data_sent(e, (f & TW_TH_SYN) ? rel_seq + 1 : rel_seq, s->len);
}

enum tw_zeek_conn_state tw_zeek_conn_state(const struct tw_zeek *z)
{
    const struct tw_zeek_end *o = &z->ep[orig_index(z)];
    const struct tw_zeek_end *r = &z->ep[orig_index(z) ^ 1u];
    unsigned os = o->state, rs = r->state;
    bool o_inactive = os == TW_ZEEK_INACTIVE || os == TW_ZEEK_PARTIAL;
    bool r_inactive = rs == TW_ZEEK_INACTIVE || rs == TW_ZEEK_PARTIAL;

    /* conn_state() (scripts/base/protocols/conn/main.zeek), branch by
     * branch. */
    if (rs == TW_ZEEK_RESET) {
        if (os == TW_ZEEK_SYN_SENT || os == TW_ZEEK_SYN_ACK_SENT ||
            (os == TW_ZEEK_RESET && ep_size(o, r) == 0 && ep_size(r, o) == 0))
            return TW_ZEEK_REJ;
        return o_inactive ? TW_ZEEK_RSTRH : TW_ZEEK_RSTR;
    }
    if (os == TW_ZEEK_RESET) {
        if (r_inactive)
            return z->rstos0 == RSTOS0_MATCH ? TW_ZEEK_RSTOS0 : TW_ZEEK_OTH;
        return TW_ZEEK_RSTO;
    }
    if (rs == TW_ZEEK_CLOSED && os == TW_ZEEK_CLOSED)
        return TW_ZEEK_SF;
    if (os == TW_ZEEK_CLOSED)
        return r_inactive ? TW_ZEEK_SH : TW_ZEEK_S2;
    if (rs == TW_ZEEK_CLOSED)
        return o_inactive ? TW_ZEEK_SHR : TW_ZEEK_S3;
    if (os == TW_ZEEK_SYN_SENT && rs == TW_ZEEK_INACTIVE)
        return TW_ZEEK_S0;
    if (os == TW_ZEEK_ESTABLISHED && rs == TW_ZEEK_ESTABLISHED)
        return TW_ZEEK_S1;
    return TW_ZEEK_OTH;
}

const char *tw_zeek_conn_state_name(unsigned state)
{
    static const char *const names[TW_ZEEK_CONN_STATE_COUNT] = {
        [TW_ZEEK_S0] = "S0",     [TW_ZEEK_S1] = "S1",       [TW_ZEEK_SF] = "SF",       [TW_ZEEK_REJ] = "REJ",
        [TW_ZEEK_S2] = "S2",     [TW_ZEEK_S3] = "S3",       [TW_ZEEK_RSTO] = "RSTO",   [TW_ZEEK_RSTR] = "RSTR",
        [TW_ZEEK_RSTOS0] = "RSTOS0", [TW_ZEEK_RSTRH] = "RSTRH", [TW_ZEEK_SH] = "SH",   [TW_ZEEK_SHR] = "SHR",
        [TW_ZEEK_OTH] = "OTH",
    };
    return state < TW_ZEEK_CONN_STATE_COUNT ? names[state] : "?";
}

bool tw_zeek_history(const struct tw_zeek *z, char *buf, size_t size)
{
    if (size == 0)
        return false;
    size_t n = z->hist_len < size - 1 ? z->hist_len : size - 1;
    memcpy(buf, z->history, n);
    buf[n] = '\0';
    return n == z->hist_len && !(z->flags & TW_ZEEK_HIST_CUT);
}

bool tw_zeek_orig_is_first_sender(const struct tw_zeek *z) { return orig_index(z) == 0; }

unsigned tw_zeek_orig_state(const struct tw_zeek *z) { return z->ep[orig_index(z)].state; }

unsigned tw_zeek_resp_state(const struct tw_zeek *z) { return z->ep[orig_index(z) ^ 1u].state; }

/* Zeek's likely_server_ports for TCP with its default scripts loaded: the
 * `redef likely_server_ports += { ports }` of the protocol scripts under
 * scripts/base/protocols/ (ssl/main.zeek: ssl_ports; http, ftp, smtp, ssh,
 * dns, smb, ...).  Sorted. */
static const uint16_t likely_server_ports[] = {
    21,   22,   25,   53,   79,   80,   81,   88,   135,  139,  143,  389,  443,  445,  465,  502,
    563,  585,  587,  614,  631,  636,  989,  990,  992,  993,  995,  1080, 1434, 1883, 2811, 3128,
    3268, 3306, 3389, 5222, 5223, 5269, 5432, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888, 20000,
};

bool tw_zeek_likely_server_port(uint16_t port)
{
    size_t lo = 0, hi = sizeof likely_server_ports / sizeof likely_server_ports[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (likely_server_ports[mid] == port)
            return true;
        if (likely_server_ports[mid] < port)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}
