/* tw_zeek.h - Zeek's conn.log `conn_state` and `history` for one TCP
 * connection, computed the way Zeek computes them.
 *
 * Plain C11, no Wireshark or GLib headers, no allocation.  The caller owns a
 * struct tw_zeek per TCP connection, zeroed before its first segment, and
 * feeds it that connection's segments in capture order with tw_zeek_step().
 * At any point tw_zeek_conn_state() and tw_zeek_history() give what Zeek
 * would log if the connection ended there (conn.log is written when Zeek
 * removes the connection; its columns are computed from the state reached).
 *
 * The rules are Zeek's own (repository zeek/zeek), cited in tw_zeek.c by
 * file and function: the endpoint state machine and update_history() of
 * src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc (Process()), the
 * once-per-direction history mask of src/Conn.h (CheckHistory()), the
 * logarithmic letters of src/Conn.cc (ScaledHistoryEntry()), the role flip
 * of src/packet_analysis/protocol/tcp/TCP.cc (WantConnection()) and
 * src/Conn.cc (FlipRoles()), content gaps from
 * src/analyzer/protocol/tcp/TCP_Reassembler.cc, and conn_state() of
 * scripts/base/protocols/conn/main.zeek.  docs/zeek.md lists where a
 * connection as tcpwave sees it and as Zeek sees it can differ.
 */
#ifndef TW_ZEEK_H
#define TW_ZEEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_fsm.h"

/* Zeek's EndpointState (src/analyzer/protocol/tcp/TCP_Endpoint.h), in its
 * order: the values of c$orig$state and c$resp$state. */
enum tw_zeek_ep_state {
    TW_ZEEK_INACTIVE = 0,  /* no SYN (or other packets) seen for this side */
    TW_ZEEK_SYN_SENT,      /* SYN seen, but no ack */
    TW_ZEEK_SYN_ACK_SENT,  /* SYN ack seen, no initial SYN */
    TW_ZEEK_PARTIAL,       /* data seen, but no SYN */
    TW_ZEEK_ESTABLISHED,   /* SYN ack seen (implicit for SYN sent by responder) */
    TW_ZEEK_CLOSED,        /* FIN seen */
    TW_ZEEK_RESET          /* RST seen */
};

/* conn_state values, in the order main.zeek documents them. */
enum tw_zeek_conn_state {
    TW_ZEEK_S0 = 0,
    TW_ZEEK_S1,
    TW_ZEEK_SF,
    TW_ZEEK_REJ,
    TW_ZEEK_S2,
    TW_ZEEK_S3,
    TW_ZEEK_RSTO,
    TW_ZEEK_RSTR,
    TW_ZEEK_RSTOS0,
    TW_ZEEK_RSTRH,
    TW_ZEEK_SH,
    TW_ZEEK_SHR,
    TW_ZEEK_OTH,
    TW_ZEEK_CONN_STATE_COUNT
};

/* What Zeek reads from a packet that struct tw_segment does not carry.
 * Pass NULL to tw_zeek_step() when none of it is known: the window is then
 * taken as non-zero (no 'w'), the checksum as good (no 'c') and the payload
 * as fully captured. */
struct tw_zeek_extra {
    uint16_t window;        /* the TCP header's window field, unscaled */
    bool window_known;      /* false: no 'w' can be recorded for this packet */
    bool bad_checksum;      /* the TCP checksum was verified and is wrong */
    bool payload_truncated; /* fewer payload bytes captured than s->len */
};

/* One endpoint as Zeek's TCP_Endpoint keeps it, reduced to what the two
 * columns depend on.  Sequence numbers are 32-bit (Zeek's relative numbers
 * are 64-bit; the two agree for the first 4 GiB of each direction). */
struct tw_zeek_end {
    uint32_t start_seq;     /* StartSeq() */
    uint32_t last_seq;      /* LastSeq(): one past the highest sequence number sent */
    uint32_t ack_seq;       /* AckSeq(): the highest ACK the peer sent for this side's data */
    uint32_t hist_last_syn; /* hist_last_SYN, hist_last_FIN, hist_last_RST: */
    uint32_t hist_last_fin; /* relative sequence numbers of the last control */
    uint32_t hist_last_rst; /* packets (low 32 bits) */
    uint32_t fin_seq;       /* FIN_seq, relative, valid once a FIN was seen */
    uint32_t reassem;       /* the reassembler's last_reassem_seq, relative */
    uint32_t trim;          /* its trim_seq: highest ACK processed, relative */
    uint32_t above_lo;      /* data buffered above a hole: [above_lo, above_hi), */
    uint32_t above_hi;      /* none when equal */
    uint16_t rxmt_cnt;      /* counters of the logarithmic letters t, w, g, c */
    uint16_t win0_cnt;      /* (saturating: exact up to the 5th letter, 10000) */
    uint16_t gap_cnt;
    uint16_t chk_cnt;
    uint8_t state;          /* enum tw_zeek_ep_state */
    uint8_t prev_state;
    uint8_t seq_wraps;      /* SeqWraps(), AckWraps() (saturating) */
    uint8_t ack_wraps;
    uint8_t flags;          /* TW_ZEEK_EP_* */
};

enum {
    TW_ZEEK_EP_FIN = 1u << 0,       /* FIN_cnt > 0 */
    TW_ZEEK_EP_SKIP = 1u << 1       /* reassembler skip_deliveries */
};

#define TW_ZEEK_HISTORY_MAX 24

struct tw_zeek {
    struct tw_zeek_end ep[2];       /* [0]: the first segment's sender, [1]: its peer */
    char history[TW_ZEEK_HISTORY_MAX]; /* not NUL-terminated; hist_len letters */
    uint16_t hist_seen;             /* Connection::hist_seen: orig bits 0-7, resp bits 8-15 */
    uint8_t hist_len;
    uint8_t flags;                  /* TW_ZEEK_* */
    uint8_t rstos0;                 /* TW_ZEEK_RSTOS0_*: matcher of conn_state()'s RSTOS0 pattern */
};

enum {
    TW_ZEEK_STARTED = 1u << 0,
    TW_ZEEK_ORIG_IS_OTHER = 1u << 1, /* Zeek's orig is ep[1] (flipped an odd number of times) */
    TW_ZEEK_PARTIAL_CONN = 1u << 2,  /* TCPSessionAdapter::is_partial */
    TW_ZEEK_SEEN_ORIG = 1u << 3,     /* first_packet_seen & ORIG */
    TW_ZEEK_SEEN_RESP = 1u << 4,     /* first_packet_seen & RESP */
    TW_ZEEK_HIST_CUT = 1u << 5       /* more letters than TW_ZEEK_HISTORY_MAX */
};

/* Feed one segment of the connection.  from_first_sender: the segment was
 * sent by the side that sent the connection's first segment (the caller's
 * definition of the connection; Zeek's orig until Zeek flips the roles).
 * The flags Zeek reads are SYN, FIN, RST and ACK, all in s->flags (URG only
 * raises a weird in Zeek).  extra may be NULL. */
void tw_zeek_step(struct tw_zeek *z, const struct tw_segment *s, bool from_first_sender,
                  const struct tw_zeek_extra *extra);

/* conn_state() of scripts/base/protocols/conn/main.zeek, now. */
enum tw_zeek_conn_state tw_zeek_conn_state(const struct tw_zeek *z);
const char *tw_zeek_conn_state_name(unsigned state);

/* The history string, NUL-terminated in buf (empty before any segment).
 * Returns false when buf was too small or the history had more than
 * TW_ZEEK_HISTORY_MAX letters (the first ones are kept). */
bool tw_zeek_history(const struct tw_zeek *z, char *buf, size_t size);

/* Is Zeek's originator the side that sent the first segment?  False when
 * Zeek flipped the roles (history then holds a '^'). */
bool tw_zeek_orig_is_first_sender(const struct tw_zeek *z);

/* Zeek's c$orig$state / c$resp$state (enum tw_zeek_ep_state). */
unsigned tw_zeek_orig_state(const struct tw_zeek *z);
unsigned tw_zeek_resp_state(const struct tw_zeek *z);

/* Is this a port of Zeek's default likely_server_ports (TCP), the set
 * WantConnection() consults to decide a flip? */
bool tw_zeek_likely_server_port(uint16_t port);

#endif /* TW_ZEEK_H */
