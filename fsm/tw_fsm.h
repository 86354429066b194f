/* tw_fsm.h - the tcpwave state machine: TCP connection lifecycle seen from a
 * capture point.
 *
 * Plain C99, no Wireshark or GLib headers, no allocation.  The caller owns a
 * struct tw_conn per TCP connection, zeroed before its first segment, and
 * feeds it that connection's segments in capture order with tw_conn_step().
 * Each call returns a compact verdict: both endpoints' states before and after
 * the segment, the segment's role in the handshake or close, and events worth
 * an expert note.
 *
 * The model (see docs/fields.md and SEMANTICS.md): a segment is taken as
 * delivered when it is captured, except where the sender's ACK number proves
 * it had not yet processed something captured earlier (crossing FINs).
 * State names and numbers are Linux's include/net/tcp_states.h; transitions
 * are RFC 9293 section 3.10.
 */
#ifndef TW_FSM_H
#define TW_FSM_H

#include <stdbool.h>
#include <stdint.h>

/* Linux include/net/tcp_states.h numbering; 0 is "not known yet". */
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
    TW_EV_INFERRED = 1u << 12 /* a segment this one answers was not captured: states inferred */
};

/* Why a segment was TW_EV_UNEXPECTED. */
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
    uint32_t src_key; /* anything that tells the sender's address apart from the receiver's */
    uint32_t dst_key; /* the same for the receiver's address */
    uint16_t sport;
    uint16_t dport;
    uint8_t flags;    /* TW_TH_* */
};

/* What tw_conn_step() says of one segment.  10 bytes; stored per frame. */
struct tw_verdict {
    uint8_t prev[2];  /* [TW_C], [TW_S]: states before the segment */
    uint8_t next[2];  /* states after it */
    uint8_t sender;   /* enum tw_side; TW_SIDE_UNKNOWN when the sides are guessed */
    uint8_t role;     /* enum tw_role */
    uint8_t step;     /* enum tw_step_kind << 4 | step number */
    uint8_t why;      /* enum tw_why, with TW_EV_UNEXPECTED */
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

struct tw_endpoint {
    uint32_t isn;     /* valid with TW_EP_SYN */
    uint32_t snd_nxt; /* one past the highest sequence number sent, valid with TW_EP_SEQ */
    uint32_t fin_seq; /* sequence number of its FIN, valid with TW_EP_FIN */
    uint32_t gap_lo;  /* the latest hole in what was captured of its stream: */
    uint32_t gap_hi;  /* [gap_lo, gap_hi), none when equal */
    uint32_t ack_max; /* the highest ACK number it sent, valid with TW_EP_ACKS */
    uint8_t state;    /* enum tw_state */
    uint8_t flags;    /* TW_EP_* */
    uint8_t fin_step; /* the close step its FIN took, for retransmissions */
    uint8_t fin_role; /* the role its FIN took */
};

enum {
    TW_EP_SEQ = 1u << 0,       /* snd_nxt is known */
    TW_EP_SYN = 1u << 1,       /* it sent a SYN (isn known) */
    TW_EP_SYN_ACKED = 1u << 2, /* the peer acknowledged that SYN */
    TW_EP_FIN = 1u << 3,       /* it sent a FIN */
    TW_EP_FIN_ACKED = 1u << 4, /* the peer acknowledged that FIN */
    TW_EP_ACKS = 1u << 5       /* it sent an ACK (ack_max known) */
};

enum {
    TW_CONN_STARTED = 1u << 0,
    TW_CONN_MIDSTREAM = 1u << 1,    /* no SYN or SYN-ACK at the start: sides guessed */
    TW_CONN_HANDSHAKE = 1u << 2,    /* handshake ACK seen */
    TW_CONN_CROSSED = 1u << 3,      /* the FINs crossed */
    TW_CONN_REFUSED = 1u << 4,      /* RST in answer to a SYN */
    TW_CONN_SYN_MISSING = 1u << 5,  /* began at the SYN-ACK */
    TW_CONN_RST = 1u << 6           /* an RST was seen */
};

struct tw_conn {
    struct tw_endpoint ep[2];
    int64_t times[TW_TIMED_COUNT];  /* by enum tw_timed */
    int64_t last_time;              /* time of the previous segment */
    uint32_t frames[TW_LINK_COUNT]; /* 0: not seen */
    uint32_t first_key;             /* src_key and port of the first sender */
    uint32_t other_key;             /* dst_key and port of its peer */
    uint16_t first_port;
    uint16_t other_port;
    uint8_t first_end;              /* enum tw_end of the first sender */
    uint8_t flags;                  /* TW_CONN_* */
    uint8_t close_type;             /* enum tw_close_type, once the close completed */
    uint8_t close_initiator;        /* enum tw_side: first FIN's sender, or the RST's */
    uint8_t close_total;            /* 3 or 4 once known, else 0 */
    uint8_t fin1_end;               /* enum tw_end of the first FIN's sender */
};

/* Feed one segment; fills *v.  c must be zeroed before the first segment. */
void tw_conn_step(struct tw_conn *c, const struct tw_segment *s, struct tw_verdict *v);

/* The states a segment of this connection would see now (for a header
 * quoted in an ICMP error, which is not a segment and changes nothing). */
void tw_conn_peek(const struct tw_conn *c, struct tw_verdict *v);

enum tw_outcome tw_conn_outcome(const struct tw_conn *c);

/* Which end sent a segment from this address key and port (as labelled:
 * a guess when the connection is mid-stream). */
enum tw_end tw_conn_end_of(const struct tw_conn *c, uint32_t src_key, uint16_t sport);
bool tw_conn_in_time_wait(const struct tw_conn *c);

/* Is this segment, the first of what the caller took for a new connection
 * on the same 4-tuple, part of c instead: a copy of c's SYN or SYN-ACK (same
 * ISN), or, while c is neither closed nor refused, a segment whose sequence
 * and ACK numbers fall in c's windows? */
bool tw_conn_continued_by(const struct tw_conn *c, const struct tw_segment *s);

/* The capture time of a remembered frame; false when the frame is missing,
 * its time is unknown, or the link is not one of enum tw_timed. */
bool tw_conn_time(const struct tw_conn *c, enum tw_link l, int64_t *ns);

/* Durations between remembered frames; false when either time is not known
 * (see tw_conn_time()) or the later one is stamped earlier (time went
 * backwards). */
bool tw_conn_interval(const struct tw_conn *c, enum tw_link from, enum tw_link to, int64_t *ns);

static inline unsigned tw_step_kind(uint8_t step) { return step >> 4; }
static inline unsigned tw_step_num(uint8_t step) { return step & 0x0f; }

const char *tw_state_name(unsigned state);
const char *tw_role_name(unsigned role);
const char *tw_close_type_name(unsigned type);
const char *tw_outcome_name(unsigned outcome);
const char *tw_side_name(unsigned side);
const char *tw_why_text(unsigned why);

#endif /* TW_FSM_H */
