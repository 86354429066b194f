/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tw_fsm.h - the tcpwave engine: the TCP connection lifecycle seen from a
 * capture point.
 *
 * C11 (with the GCC/Clang overflow builtins), no Wireshark or GLib headers,
 * no allocation.  The caller owns a struct tw_conn per TCP connection, zeroed
 * before its first segment, and feeds it that connection's segments in
 * capture order with tw_conn_step().  Each call returns a compact verdict:
 * both endpoints' states before and after the segment as known at that
 * point of the capture (one pass), the segment's role in the handshake or
 * close, and events worth an expert note.  tw_conn_view() turns a stored
 * verdict into what the whole capture proves (two passes); tw_conn_summary()
 * says how the connection stands; tw_conn_successor() decides whether a new
 * stream on the same 4-tuple continues an old connection.
 *
 * Every TCP rule of tcpwave lives here; the model is docs/semantics.md.
 * State names and numbers are Linux's include/net/tcp_states.h; transitions
 * are RFC 9293 section 3.10, and Linux where the RFC leaves a choice.
 */
#ifndef TW_FSM_H
#define TW_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Linux include/net/tcp_states.h numbering; 0 is "not known". */
enum tw_state {
    TW_ST_NONE = 0,
    TW_ESTABLISHED = 1,
    TW_SYN_SENT,
    TW_SYN_RECV,
    TW_FIN_WAIT1,
    TW_FIN_WAIT2,
    TW_TIME_WAIT,
    TW_CLOSED, /* TCP_CLOSE */
    TW_CLOSE_WAIT,
    TW_LAST_ACK,
    TW_LISTEN,
    TW_CLOSING,
    TW_STATE_COUNT
};

/* Endpoint indexes into tw_conn.ep[] and verdict arrays. */
enum tw_end { TW_C = 0, TW_S = 1 };

/* Values of the tcpwave.sender and tcpwave.close.initiator fields. */
enum tw_side { TW_SIDE_UNKNOWN = 0, TW_SIDE_CLIENT = 1, TW_SIDE_SERVER = 2 };

enum tw_role {
    TW_ROLE_NONE = 0,
    TW_ROLE_SYN,
    TW_ROLE_SYN_ACK,
    TW_ROLE_HS_ACK,
    TW_ROLE_DATA,
    TW_ROLE_ACK,
    TW_ROLE_FIN1,
    TW_ROLE_FIN1_ACK,
    TW_ROLE_FIN2,
    TW_ROLE_FIN_ACK, /* merged: FIN that first acknowledges the peer's FIN */
    TW_ROLE_SIM_FIN,
    TW_ROLE_FIN2_ACK,
    TW_ROLE_FINAL_ACK,
    TW_ROLE_RST,
    TW_ROLE_RETRANS,
    TW_ROLE_KEEPALIVE,
    TW_ROLE_OTHER,
    TW_ROLE_IN_FLIGHT, /* sent before the peer's RST arrived: it crossed the RST */
    TW_ROLE_COUNT
};

enum tw_close_type {
    TW_CLOSE_NONE = 0,
    TW_CLOSE_THREE_WAY,
    TW_CLOSE_FOUR_WAY,
    TW_CLOSE_SIMULTANEOUS,
    TW_CLOSE_RESET,
    TW_CLOSE_COUNT
};

/* How a connection stands at the end of what was captured: one per
 * connection, the rows of the statistics table. */
enum tw_outcome {
    TW_OUT_THREE_WAY = 0,
    TW_OUT_FOUR_WAY,
    TW_OUT_SIMULTANEOUS,
    TW_OUT_RESET,
    TW_OUT_REFUSED,
    TW_OUT_HALF_CLOSED,
    TW_OUT_OPEN,
    TW_OUT_HANDSHAKE_INCOMPLETE,
    TW_OUT_NO_HANDSHAKE,
    TW_OUT_COUNT
};

/* What is known of the handshake. */
enum tw_handshake {
    TW_HS_INCOMPLETE = 0,
    TW_HS_COMPLETE,  /* its ACK (or a segment doing its job) was captured */
    TW_HS_INFERRED,  /* completed by segments not captured: later ones prove it */
    TW_HS_NOT_SEEN,  /* the capture began mid-connection */
    TW_HS_COUNT
};

enum tw_step_kind { TW_STEP_NONE = 0, TW_STEP_HANDSHAKE = 1, TW_STEP_CLOSE = 2 };

/* Events: each is the reason for one expert item. */
enum {
    TW_EV_HANDSHAKE_DONE = 1u << 0,
    TW_EV_CLOSE_DONE = 1u << 1,
    TW_EV_RESET = 1u << 2,
    TW_EV_REFUSED = 1u << 3,
    TW_EV_MIDSTREAM = 1u << 4,
    TW_EV_DATA_AFTER_FIN = 1u << 5,
    TW_EV_UNEXPECTED = 1u << 6,
    TW_EV_CROSSED_FINS = 1u << 7,
    TW_EV_ACK_LOST = 1u << 8,
    TW_EV_SYN_MISSING = 1u << 9,
    TW_EV_TIME_BACKWARDS = 1u << 10,
    TW_EV_TIME_WAIT_REUSE = 1u << 11,
    TW_EV_INFERRED = 1u << 12,  /* a segment this one answers was not captured: states inferred */
    TW_EV_IGNORED = 1u << 13,   /* its receiver drops it, for a reason TCP gives (why) */
    TW_EV_ACK_AHEAD = 1u << 14, /* acknowledges what the capture has not shown yet */
    TW_EV_SIM_OPEN = 1u << 15   /* the other end's own SYN: simultaneous open (RFC 9293 Figure 8) */
};

/* Why a segment was TW_EV_UNEXPECTED or TW_EV_IGNORED. */
enum tw_why {
    TW_WHY_NONE = 0,
    TW_WHY_SYN_FIN,          /* SYN together with FIN */
    TW_WHY_RST_TO_LISTEN,    /* RST to a listening endpoint (RFC 9293 3.10.7.2) */
    TW_WHY_SYN_NEW_ISN,      /* SYN with another ISN on a live connection */
    TW_WHY_SYN_FROM_SERVER,  /* a bare SYN from the side that answered (simultaneous open) */
    TW_WHY_SYNACK_BAD_ACK,   /* SYN-ACK that does not acknowledge the SYN */
    TW_WHY_SYNACK_NO_SYN,    /* SYN-ACK while no SYN is outstanding */
    TW_WHY_RST_UNACCEPTABLE, /* RST a SYN_SENT endpoint must ignore (RFC 9293 3.10.7.3) */
    TW_WHY_FIN_MOVED,        /* a second FIN at another sequence number */
    TW_WHY_FIN_BEFORE_SYNC,  /* FIN before the sender's handshake completed */
    TW_WHY_DATA_BEYOND_FIN,  /* payload past the sender's own FIN */
    TW_WHY_AFTER_CLOSE,      /* new data or FIN from an endpoint already CLOSED */
    TW_WHY_NO_ACK,           /* neither SYN nor RST, and no ACK (RFC 9293 3.10.7.4 fifth) */
    TW_WHY_NO_CONNECTION,    /* to or from a listener that accepted no SYN (RFC 9293 3.10.7.2) */
    TW_WHY_RST_OUT_OF_WINDOW, /* RST outside the receiver's window (RFC 9293 3.10.7.4 first, RFC 5961) */
    TW_WHY_RST_NOT_EXACT,    /* RST in the window but not at RCV.NXT: challenge ACK (RFC 5961 3.2) */
    TW_WHY_STALE_ACK,        /* ACK to SYN_SENT not covering its SYN: answered by RST (RFC 9293 3.10.7.3) */
    TW_WHY_RST_TO_STALE_ACK, /* the RST a SYN_SENT endpoint sends to such an ACK: it stays SYN_SENT */
    TW_WHY_SEQ_OUT_OF_WINDOW, /* sequence number outside the receive window (RFC 9293 3.10.7.4 first) */
    TW_WHY_ACK_UNACCEPTABLE, /* ACK to SYN_RECV not acknowledging the SYN-ACK (RFC 9293 3.10.7.4 fifth) */
    TW_WHY_COUNT
};

/* TCP header flag bits, as on the wire. */
enum {
    TW_TH_FIN = 0x01,
    TW_TH_SYN = 0x02,
    TW_TH_RST = 0x04,
    TW_TH_PSH = 0x08,
    TW_TH_ACK = 0x10
};

/* A capture time that cannot be told in int64 nanoseconds. */
#define TW_TIME_UNKNOWN INT64_MIN

/* One captured segment, as the caller extracted it. */
struct tw_segment {
    uint32_t frame;   /* frame number, for the links between segments */
    int64_t time_ns;  /* capture time, or TW_TIME_UNKNOWN */
    uint32_t seq;     /* absolute sequence number */
    uint32_t ack;     /* absolute acknowledgement number (if TW_TH_ACK) */
    uint32_t len;     /* payload length */
    uint16_t sport;
    uint16_t dport;
    uint16_t window;  /* the window field as sent (unscaled) */
    uint8_t flags;    /* TW_TH_* */
    /* Which end of the 4-tuple sent it, in an order the caller fixes by
     * comparing the two (address, port) ends exactly: 0 or 1, the same for
     * every segment one end sends. */
    uint8_t end_order;
};

/* What tw_conn_step() says of one segment.  10 bytes; stored per frame. */
struct tw_verdict {
    uint8_t prev[2];  /* [TW_C], [TW_S]: states before the segment */
    uint8_t next[2];  /* states after it */
    uint8_t sender;   /* enum tw_side; TW_SIDE_UNKNOWN when the sides are guessed */
    uint8_t role;     /* enum tw_role */
    uint8_t step;     /* enum tw_step_kind << 4 | step number */
    uint8_t why;      /* enum tw_why, with TW_EV_UNEXPECTED or TW_EV_IGNORED */
    uint16_t events;  /* TW_EV_* */
};

/* Indexes of the frames a connection remembers (the links between the
 * segments of its handshake and close). */
enum tw_link {
    TW_LINK_SYN = 0,
    TW_LINK_SYNACK,
    TW_LINK_HS_ACK,
    TW_LINK_FIN1,
    TW_LINK_FIN1_ACK,
    TW_LINK_FIN2,
    TW_LINK_FINAL_ACK,
    TW_LINK_RST,
    TW_LINK_COUNT
};

/* The links whose capture time is kept too: the ends of the durations shown
 * (handshake time, FIN gap, close duration). */
enum tw_timed {
    TW_TIMED_SYN = 0,
    TW_TIMED_HS_ACK,
    TW_TIMED_FIN1,
    TW_TIMED_FIN2,
    TW_TIMED_FINAL_ACK,
    TW_TIMED_COUNT
};

/* What the engine knows of one endpoint.  Sequence numbers are valid with
 * the flag named beside them. */
struct tw_endpoint {
    uint32_t isn;        /* TW_EP_SYN */
    uint32_t snd_nxt;    /* TW_EP_SEQ: one past the highest sequence number sent */
    uint32_t fin_seq;    /* TW_EP_FIN: sequence number of its FIN */
    uint32_t gap_lo;     /* the latest hole in what was captured of its stream: */
    uint32_t gap_hi;     /* [gap_lo, gap_hi), none when equal */
    uint32_t ack_max;    /* TW_EP_ACKS: the highest ACK number it sent */
    uint32_t last_frame; /* TW_EP_SEEN: its latest captured segment */
    uint32_t ahead_frame; /* where it first acknowledged beyond the peer's snd_nxt, 0: never */
    uint32_t deferred_ack; /* TW_EP_ACK_DEFERRED: an ACK of the peer's still on its way to it */
    uint16_t window;     /* the window of its SYN or SYN-ACK (unscaled), TW_EP_WINDOW */
    uint16_t flags;      /* TW_EP_* */
    uint8_t state;       /* enum tw_state: as known at this point of the capture */
    uint8_t fin_step;    /* the close step its FIN took, for retransmissions */
};

enum {
    TW_EP_SEQ = 1u << 0,       /* snd_nxt is known */
    TW_EP_SYN = 1u << 1,       /* it sent a SYN (isn known) */
    TW_EP_SYN_ACKED = 1u << 2, /* the peer acknowledged that SYN */
    TW_EP_FIN = 1u << 3,       /* it sent a FIN */
    TW_EP_FIN_ACKED = 1u << 4, /* the peer acknowledged that FIN */
    TW_EP_ACKS = 1u << 5,      /* it sent an ACK (ack_max known) */
    TW_EP_SEEN = 1u << 6,      /* a segment of its own was captured */
    TW_EP_FIN_IN_FLIGHT = 1u << 7, /* its FIN crossed the peer's: delivered with the next segment */
    TW_EP_WINDOW = 1u << 8,    /* window is known */
    TW_EP_RST_SENT = 1u << 9,  /* it sent the accepted RST */
    TW_EP_ACK_DEFERRED = 1u << 10, /* deferred_ack reaches it after its next segment (crossed FINs) */
    TW_EP_SYNACK_SENT = 1u << 11, /* it sent a SYN-ACK (simultaneous open: both ends do) */
    TW_EP_SENT_NON_SYN = 1u << 12 /* it sent a segment without SYN */
};

enum {
    TW_CONN_STARTED = 1u << 0,
    TW_CONN_MIDSTREAM = 1u << 1,    /* no SYN or SYN-ACK at the start: sides guessed */
    TW_CONN_HANDSHAKE = 1u << 2,    /* the handshake completed (see TW_CONN_HS_INFERRED) */
    TW_CONN_CROSSED = 1u << 3,      /* the FINs crossed */
    TW_CONN_REFUSED = 1u << 4,      /* RST in answer to a SYN */
    TW_CONN_SYN_MISSING = 1u << 5,  /* began at the SYN-ACK */
    TW_CONN_RST = 1u << 6,          /* an RST was accepted */
    TW_CONN_HS_INFERRED = 1u << 7,  /* the handshake's last step was not captured */
    TW_CONN_FAST_OPEN = 1u << 8,    /* the SYN's data was acknowledged by the SYN-ACK (RFC 7413) */
    TW_CONN_SERVER_SPOKE = 1u << 9, /* something proves the server received the SYN */
    TW_CONN_SIM_OPEN = 1u << 10,    /* both ends sent a SYN: simultaneous open (RFC 9293 Figure 8) */
    TW_CONN_SYNACK_AGAIN = 1u << 11 /* the server sent its SYN-ACK again after the client's ACK of it:
                                       SYN_RECV until a segment of its own proves otherwise */
};

/* One stretch of frames in which the whole capture proves an endpoint was
 * in another state than the one known when the frames were dissected.  The
 * state after frame f is `shown` instead of `match` for from <= f < to. */
struct tw_override {
    uint32_t from, to;
    uint8_t end;   /* enum tw_end */
    uint8_t match; /* enum tw_state */
    uint8_t shown; /* enum tw_state */
};

#define TW_OVERRIDES 4

struct tw_conn {
    struct tw_endpoint ep[2];
    int64_t times[TW_TIMED_COUNT];  /* by enum tw_timed */
    int64_t last_time;              /* time of the previous segment */
    uint32_t frames[TW_LINK_COUNT]; /* 0: not seen */
    struct tw_override *overrides;  /* NULL until the first (few connections have one): room for
                                       TW_OVERRIDES, freed by tw_conn_free() */
    uint32_t rst_seq;               /* the accepted RST's sequence number */
    uint16_t flags;                 /* TW_CONN_* */
    uint8_t first_order;            /* end_order of the first segment */
    uint8_t first_end;              /* enum tw_end of the first sender */
    uint8_t close_type;             /* enum tw_close_type, once the close completed */
    uint8_t close_kind;             /* the kind of close, once both FINs were sent */
    uint8_t close_initiator;        /* enum tw_side: first FIN's sender, else the RST's */
    uint8_t reset_by;               /* enum tw_side: the accepted RST's sender */
    uint8_t close_total;            /* 3 or 4 once known, else 0 */
    uint8_t fin1_end;               /* enum tw_end of the first FIN's sender */
    uint8_t n_overrides;
    uint8_t pre_rst[2];             /* the states the accepted RST found */
};

enum tw_duration {
    TW_DUR_UNKNOWN = 0, /* an end was not captured, or its time is not known */
    TW_DUR_KNOWN,
    TW_DUR_BACKWARDS    /* the later frame is stamped earlier: not computed */
};

/* How a connection stands: what the statistics and the tree show of it. */
struct tw_summary {
    uint8_t outcome;         /* enum tw_outcome */
    uint8_t handshake;       /* enum tw_handshake */
    uint8_t close_type;      /* enum tw_close_type: the kind of close once both FINs were sent, or reset */
    uint8_t initiator;       /* enum tw_side: who started the close (first FIN, else the RST) */
    uint8_t reset_by;        /* enum tw_side: who reset it, if anyone */
    uint8_t state[2];        /* final states; TW_ST_NONE where nothing proves one */
    uint8_t close_total;     /* 3 or 4 once known */
    uint8_t handshake_total; /* 3; 4 for a simultaneous open (SYN, SYN, SYN-ACK, SYN-ACK) */
    bool midstream;
    bool final_ack_seen;     /* a close whose last ACK was captured (false for no close) */
    uint8_t handshake_time;  /* enum tw_duration: SYN to handshake ACK, both captured */
    uint8_t close_time;      /* first FIN to final ACK (not for a reset) */
    uint8_t fin_gap;         /* first FIN to second FIN */
    int64_t handshake_ns, close_ns, fin_gap_ns;
    uint32_t frames[TW_LINK_COUNT];
};

/* Feed one segment; fills *v.  c must be zeroed before the first segment. */
void tw_conn_step(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v);

/* Free what tw_conn_step() allocated for c (c may then be zeroed and used
 * again), and the bytes it holds there. */
void tw_conn_free(struct tw_conn *c);
size_t tw_conn_heap_bytes(const struct tw_conn *c);

/* The states a segment of this connection would see now (for a header
 * quoted in an ICMP error, which is not a segment and changes nothing). */
void tw_conn_peek(const struct tw_conn *c, struct tw_verdict *v);

/* The verdict tw_conn_step() gave the segment of `frame`, as the whole
 * capture (everything fed so far) proves it: states a later segment
 * disproved are corrected; a side nothing proves is TW_ST_NONE. */
void tw_conn_view(const struct tw_conn *c, uint32_t frame, struct tw_verdict *v);

void tw_conn_summary(const struct tw_conn *c, struct tw_summary *sum);
enum tw_outcome tw_conn_outcome(const struct tw_conn *c);

/* Which end sent a segment of this end_order (as labelled: a guess when the
 * connection is mid-stream). */
enum tw_end tw_conn_end_of(const struct tw_conn *c, uint8_t end_order);
bool tw_conn_in_time_wait(const struct tw_conn *c);

/* The first segment of a new stream on the exact 4-tuple of c (the caller
 * compared the addresses and ports): */
enum tw_successor {
    TW_SUCC_NEW = 0,        /* a new connection */
    TW_SUCC_TIME_WAIT,      /* a new connection whose SYN reuses the 4-tuple while c holds TIME_WAIT */
    TW_SUCC_CONTINUES       /* part of c: a copy of its SYN or SYN-ACK, or in its windows while open */
};
enum tw_successor tw_conn_successor(const struct tw_conn *c, const struct tw_segment *s);

/* Does this segment's tree show the connection's close (type, initiator,
 * durations, links)? */
bool tw_verdict_in_close(const struct tw_summary *sum, const struct tw_verdict *v, uint32_t frame);

/* "handshake 2/3", "close 3/4", "close 1/?"; "" for no step. */
void tw_step_text(uint8_t step, uint8_t handshake_total, uint8_t close_total, char *buf, size_t size);

static inline unsigned tw_step_kind(uint8_t step) { return step >> 4; }
static inline unsigned tw_step_num(uint8_t step) { return step & 0x0f; }

const char *tw_state_name(unsigned state);
const char *tw_role_name(unsigned role);
/* The role where a step ("handshake 3/3") or a heading says "handshake"
 * already: "ACK" for the handshake ACK, else tw_role_name(). */
const char *tw_role_label(unsigned role);
const char *tw_close_type_name(unsigned type);
const char *tw_outcome_name(unsigned outcome);
const char *tw_side_name(unsigned side);
const char *tw_handshake_name(unsigned handshake);
const char *tw_why_text(unsigned why);

#endif /* TW_FSM_H */
