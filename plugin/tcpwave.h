/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcpwave.h - what the protocol glue (packet-tcpwave.c) shares with the
 * statistics glue (plugin/tcpwave-stat.c). */
#ifndef TCPWAVE_H
#define TCPWAVE_H

#include <stdint.h>

#include "tw_fsm.h"

/* What each captured TCP layer left behind on the first pass. */
enum tcpwave_rec_kind {
    TCPWAVE_REC_SEGMENT = 0, /* a segment, fed to the state machine */
    TCPWAVE_REC_QUOTED,      /* a header quoted in an ICMP error: not a segment */
    TCPWAVE_REC_TRUNCATED,   /* header Wireshark cannot parse (bogus length, short segment): not analysed */
    TCPWAVE_REC_NO_MEMORY,   /* the connection table could not grow: not analysed */
    TCPWAVE_REC_PENDING,     /* seen by the hook, but TCP gave it no stream: nothing shown */
    TCPWAVE_REC_SAMPLED      /* a header sampled by sFlow from another link: not a segment of this path */
};

/* One per TCP layer per frame: 16 bytes. */
struct tcpwave_rec {
    uint32_t stream;
    struct tw_verdict v;
    uint8_t kind : 3;        /* enum tcpwave_rec_kind */
    uint8_t more : 1;        /* the next record belongs to the same frame (another TCP layer) */
    uint8_t from_server : 1; /* sent by the server as labelled (a guess mid-stream) */
    uint8_t tcp_flags;       /* the low 8 TCP flag bits */
};

/* Tap data queued on the "tcpwave" tap for each analysed segment, on every
 * pass, from the stored record: everything the statistics need, so that
 * they never call back into the dissector. */
struct tcpwave_tap_info {
    struct tcpwave_rec rec;     /* its verdict as the pass shows it (tw_conn_view() in two passes) */
    uint32_t conn;              /* the connection: rec.stream, or the stream it continues */
    struct tw_summary summary;  /* how the connection stands (at this frame in one pass, at the end in two) */
    const char *zeek_state;     /* Zeek's conn_state, likewise (static text) */
    char zeek_history[25];      /* Zeek's history, likewise */
};

/* What a file's first pass computes beyond the lifecycle.  Zeek's view and
 * the per-host counts cost time and memory on every segment, so the first
 * pass runs them only when something asks: a preference, a statistic
 * whose tap was registered before the file was read (tcpwave_want()), or
 * one of their fields referenced by the first frame's tree (a display
 * filter, tshark -e or -V in one pass).  Decided at the file's first
 * segment, kept for the whole file. */
enum {
    TCPWAVE_WANT_ZEEK = 1u << 0,
    TCPWAVE_WANT_HOSTS = 1u << 1
};
/* plugin/tcpwave-want.c */
void tcpwave_want(unsigned what);          /* from now on, every file's first pass computes these */
unsigned tcpwave_wanted(void);
void tcpwave_set_computed(unsigned what);  /* the dissector's decision for the current file */
unsigned tcpwave_computed(void);           /* what the current file's first pass computed */

/* Register the statistics (called from proto_register_tcpwave). */
void tcpwave_stat_register(void);

/* Bytes the statistics hold per connection (for TCPWAVE_MEMSTATS). */
size_t tcpwave_stat_bytes(void);

/* Free what the statistics hold per connection (the capture file closes). */
void tcpwave_stat_cleanup(void);

/* Per-host occupancy (plugin/tcpwave-hosts.c).  The protocol glue feeds it
 * each analysed segment on the first pass, with the first-pass verdict and
 * the previous connection on the same 4-tuple + 1 (0: none), and asks it to
 * render the fields of the frames whose counts changed. */
struct _address;
struct tvbuff;
struct _packet_info;
struct _proto_node;
void tcpwave_hosts_register(void);
void tcpwave_hosts_analyse(const struct _address *src, const struct _address *dst, const struct tw_segment *s,
                           const struct tcpwave_rec *rec, uint32_t conn, uint32_t previous);
void tcpwave_hosts_render(struct tvbuff *tvb, struct _packet_info *pinfo, struct _proto_node *tree);
size_t tcpwave_hosts_bytes(void);
/* Does the first frame's tree, or the preference, ask for the per-host counts? */
bool tcpwave_hosts_wanted(struct _proto_node *tree);
/* The text of -z tcpwave,hosts (tuning FALSE) or -z tcpwave,tuning for the
 * hosts of the connections `filter` selects (NULL or "": all), for the
 * GUI: listens while retap(retap_data) runs the file through the taps
 * again.  NULL and *error (to g_free) when the filter is invalid. */
char *tcpwave_hosts_report_text(int tuning, const char *filter, void (*retap)(void *), void *retap_data,
                                char **error);
/* Is a tcpwave.host field asked for by a display filter or a column? */
bool tcpwave_hosts_primed(void);
void tcpwave_hosts_cleanup(void);

/* The GUI's ladder menu (plugin/tcpwave-gui.c): registered with the
 * protocol, listed by the handoff when TCPWAVE_DUMP_MENUS is set. */
void tcpwave_gui_register(int proto);
void tcpwave_gui_handoff(void);
/* Is Wireshark's GUI running (its main window answers plugin_if)? */
bool tcpwave_gui_running(void);

void proto_register_tcpwave(void);
void proto_reg_handoff_tcpwave(void);

#endif /* TCPWAVE_H */
