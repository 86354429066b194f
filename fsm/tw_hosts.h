/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tw_hosts.h - per-host occupancy: how many sockets each host holds in
 * TIME_WAIT, CLOSE_WAIT, FIN_WAIT2 and SYN_RECV over the capture, and the
 * other per-host figures of `-z tcpwave,hosts` and `-z tcpwave,tuning`.
 *
 * C11, no Wireshark or GLib headers; memory only through tw_table (the
 * struct tw_hosts owns its tables; tw_hosts_clear() frees them).  The caller
 * feeds tw_hosts_step() every analysed segment in first-pass (frame) order,
 * with the verdict tw_conn_step() gave it then, an opaque id per host (any
 * dense numbering: ids index a table) and the connection id.  The model is
 * docs/hosts.md.
 *
 * Memory: 40 bytes per connection (struct tw_hosts_conn); one struct
 * tw_host per host id; one struct tw_hosts_port per (server host, port)
 * that sent a SYN-ACK; the expiry heap holds one 16-byte entry per timed
 * interval begun within the last max(timeout) of capture time (an interval
 * ended early leaves its entry until that entry's expiry time).
 */
#ifndef TW_HOSTS_H
#define TW_HOSTS_H

#include <stdbool.h>
#include <stdint.h>

#include "tw_fsm.h"
#include "tw_table.h"

/* The counted states. */
enum tw_hosts_count {
    TW_HC_TIME_WAIT = 0,
    TW_HC_CLOSE_WAIT,
    TW_HC_FIN_WAIT2,
    TW_HC_SYN_RECV,
    TW_HC_COUNT
};

/* Why a counted interval ended. */
enum tw_hosts_end_kind {
    TW_HE_SEGMENT = 0, /* a segment moved the end to another state (its FIN, the peer's FIN, an ACK, an RST) */
    TW_HE_TIMER,       /* the preference's duration passed */
    TW_HE_REUSE,       /* a SYN reused the 4-tuple of a connection in TIME_WAIT */
    TW_HE_COUNT
};

/* Durations in nanoseconds; 0: no timer (the interval lasts until a segment
 * ends it, or to the end of the capture). */
struct tw_hosts_config {
    int64_t timeout_ns[TW_HC_COUNT];
};

/* Linux defaults (docs/hosts.md cites the sources): TIME_WAIT
 * TCP_TIMEWAIT_LEN 60 s; FIN_WAIT2 of an orphaned socket tcp_fin_timeout
 * 60 s; SYN_RECV until the last of tcp_synack_retries = 5 SYN-ACK
 * retransmissions times out, 1+2+4+8+16+32 = 63 s; CLOSE_WAIT has no timer. */
#define TW_HOSTS_LINUX_TIME_WAIT_NS (60 * INT64_C(1000000000))
#define TW_HOSTS_LINUX_FIN_WAIT2_NS (60 * INT64_C(1000000000))
#define TW_HOSTS_LINUX_SYN_RECV_NS (63 * INT64_C(1000000000))

void tw_hosts_config_linux(struct tw_hosts_config *cfg);

/* One analysed segment. */
struct tw_hosts_input {
    int64_t time_ns;         /* capture time, or TW_TIME_UNKNOWN */
    uint32_t conn;           /* the connection (aliases resolved) */
    uint32_t host[2];        /* [TW_C], [TW_S]: the hosts of the client and server ends */
    uint16_t port[2];        /* [TW_C], [TW_S] */
    uint8_t tcp_flags;       /* TW_TH_* */
    uint8_t from_server;     /* the sender is the end labelled server */
    /* The previous connection on the same exact 4-tuple + 1 (0: none), given
     * on the first segment of a connection; with TW_EV_TIME_WAIT_REUSE in the
     * verdict, this segment is a SYN that ends that connection's TIME_WAIT. */
    uint32_t previous;
    struct tw_verdict v;     /* the first-pass verdict */
};

/* A count a segment changed: the host's count after the segment. */
struct tw_hosts_change {
    uint32_t host;
    uint8_t count;  /* enum tw_hosts_count */
    uint32_t value;
};

/* At most this many changes per segment (two ends, two states each, and the
 * TIME_WAIT a reusing SYN ends). */
#define TW_HOSTS_MAX_CHANGES 6

/* What is known of one host. */
struct tw_host {
    uint32_t conns_client, conns_server;
    uint32_t closes_started;          /* connections whose first FIN it sent */
    uint32_t entered[TW_HC_COUNT];    /* intervals begun */
    uint32_t cur[TW_HC_COUNT];        /* sockets in each state now */
    uint32_t peak[TW_HC_COUNT];
    int64_t peak_ns[TW_HC_COUNT];     /* when the peak was first reached */
    uint32_t ended[TW_HC_COUNT][TW_HE_COUNT];
    int64_t longest_ns[TW_HC_COUNT];  /* the longest interval that ended (TIME_WAIT: since its last restart) */
    int64_t longest_open_ns[TW_HC_COUNT]; /* the longest still open at tw_hosts_finish() */
    /* As a server. */
    uint32_t syns_received;           /* connections whose SYN it was sent */
    uint32_t syns_unanswered;         /* ... never answered by a SYN-ACK or RST (tw_hosts_finish()) */
    uint32_t syns_answered_late;      /* ... answered only after the SYN was retransmitted */
    uint32_t synacks_retransmitted;   /* SYN-ACK retransmissions */
    /* Both. */
    uint32_t rst_sent, rst_received;
    uint32_t keepalives;              /* keep-alive probes sent */
    int64_t keepalive_idle_min_ns;    /* the shortest idle time before one (valid with keepalives) */
    /* As a client. */
    uint16_t port_lo, port_hi;        /* ephemeral ports used (valid with conns_client) */
    uint32_t client_open, client_open_peak; /* connections whose client end had not yet closed */
    uint32_t port_reuses;             /* a 4-tuple of an earlier connection used again */
    uint32_t port_reuses_time_wait;   /* ... while that connection held TIME_WAIT */
    int64_t port_reuse_min_ns;        /* the shortest time from the earlier connection's last segment */
    int64_t first_ns, last_ns;        /* its first and latest segment */
    bool seen;
};

/* One listening port: (server host, port). */
struct tw_hosts_port {
    uint32_t host_plus1;              /* 0: free slot */
    uint16_t port;
    uint32_t syn_recv, peak;          /* half-open connections now and at the peak */
    int64_t peak_ns;
    uint32_t syns_received;
};

struct tw_hosts_conn {
    int64_t since[2];   /* [end]: when its counted interval began (TIME_WAIT: or was last restarted) */
    int64_t last_ns;    /* the connection's latest segment */
    uint32_t host[2];
    uint16_t port[2];
    uint8_t cls[2];     /* [end]: class + 1 in bits 0-2, TW_HOSTS_LIVE, generation in bits 4-7 */
    uint8_t flags;      /* TW_HOSTS_CONN_* */
    uint8_t spare;
};

struct tw_hosts {
    struct tw_hosts_config cfg;
    struct tw_table hosts; /* struct tw_host, by host id */
    struct tw_table conns; /* struct tw_hosts_conn, by connection */
    struct tw_table heap;  /* struct tw_hosts_expiry: a binary min-heap of heap_n entries */
    size_t heap_n, heap_max;
    struct tw_table ports; /* struct tw_hosts_port: open addressing, ports_cap slots (a power of two) */
    size_t ports_cap, ports_n;
    int64_t now;           /* the latest known time fed */
    int64_t first_ns;
    bool started;
    bool no_memory;        /* a table could not grow: figures are incomplete */
};

void tw_hosts_init(struct tw_hosts *h, const struct tw_hosts_config *cfg);
void tw_hosts_clear(struct tw_hosts *h);

/* Feed one segment; returns how many counts it changed (written to out). */
unsigned tw_hosts_step(struct tw_hosts *h, const struct tw_hosts_input *in,
                       struct tw_hosts_change out[TW_HOSTS_MAX_CHANGES]);

/* The end of the capture (its latest time, or any later time): expire the
 * intervals whose time has come, and measure the ones still open
 * (longest_open_ns, syns_unanswered).  May be called again. */
void tw_hosts_finish(struct tw_hosts *h, int64_t end_ns);

const struct tw_host *tw_hosts_host(const struct tw_hosts *h, uint32_t id);
const struct tw_hosts_conn *tw_hosts_conn(const struct tw_hosts *h, uint32_t conn);
/* Listening port i (0 .. ports_cap-1); NULL for a free slot. */
const struct tw_hosts_port *tw_hosts_port_at(const struct tw_hosts *h, size_t i);

size_t tw_hosts_bytes(const struct tw_hosts *h);
const char *tw_hosts_count_name(unsigned count);

#endif /* TW_HOSTS_H */
