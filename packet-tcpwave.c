/* SPDX-License-Identifier: GPL-2.0-or-later */
/* packet-tcpwave.c - the Wireshark face of tcpwave.  A hook on TCP's entry
 * in the "ip.proto" table reads each TCP header; a post-dissector feeds the
 * state machine (fsm/tw_fsm.c) on the first pass, keeps one 16-byte record
 * per TCP layer per frame, and renders fields, expert info and the tap from
 * that record on every pass.
 *
 * Only the first pass is computed: tshark -2's second pass and the GUI's
 * re-dissection may come in any order. */
#define WS_LOG_DOMAIN "tcpwave"

#include <wireshark.h>

#include <epan/column-info.h>
#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/expert.h>
#include <epan/ipproto.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/tap.h>
#include <epan/to_str.h>
#include <wsutil/pint.h>

#include "tcpwave.h"
#include "tw_compat.h"
#include "tw_index.h"
#include "tw_table.h"
#include "tw_zeek.h"

static int proto_tcpwave = TW_HF_INIT;
static int tcpwave_tap = -1;

static int hf_stream = TW_HF_INIT;
static int hf_sender = TW_HF_INIT;
static int hf_midstream = TW_HF_INIT;
static int hf_state_client = TW_HF_INIT;
static int hf_state_server = TW_HF_INIT;
static int hf_prev_client = TW_HF_INIT;
static int hf_prev_server = TW_HF_INIT;
static int hf_role = TW_HF_INIT;
static int hf_step = TW_HF_INIT;
static int hf_close_type = TW_HF_INIT;
static int hf_close_initiator = TW_HF_INIT;
static int hf_reset_by = TW_HF_INIT;
static int hf_zeek_conn_state = TW_HF_INIT;
static int hf_zeek_history = TW_HF_INIT;
static int hf_final_ack_seen = TW_HF_INIT;
static int hf_handshake_rtt = TW_HF_INIT;
static int hf_fin_gap = TW_HF_INIT;
static int hf_close_duration = TW_HF_INIT;
static int hf_link[TW_LINK_COUNT] = {TW_HF_INIT, TW_HF_INIT, TW_HF_INIT, TW_HF_INIT,
                                     TW_HF_INIT, TW_HF_INIT, TW_HF_INIT, TW_HF_INIT};

static gint ett_tcpwave = TW_ETT_INIT;

static expert_field ei_handshake = EI_INIT;
static expert_field ei_sim_open = EI_INIT;
static expert_field ei_close = EI_INIT;
static expert_field ei_reset = EI_INIT;
static expert_field ei_refused = EI_INIT;
static expert_field ei_midstream = EI_INIT;
static expert_field ei_data_after_fin = EI_INIT;
static expert_field ei_unexpected = EI_INIT;
static expert_field ei_time_wait_reuse = EI_INIT;
static expert_field ei_crossed_fins = EI_INIT;
static expert_field ei_ack_lost = EI_INIT;
static expert_field ei_syn_missing = EI_INIT;
static expert_field ei_time_backwards = EI_INIT;
static expert_field ei_icmp_quoted = EI_INIT;
static expert_field ei_truncated = EI_INIT;
static expert_field ei_inferred = EI_INIT;
static expert_field ei_ignored = EI_INIT;
static expert_field ei_sampled = EI_INIT;
static expert_field ei_ack_ahead = EI_INIT;

static tw_pref_bool pref_info_column = FALSE;
static tw_pref_bool pref_zeek = FALSE;

/* What this file's first pass computes beyond the lifecycle (tcpwave.h). */
static gboolean computed_known; /* what the first pass computes is decided (tcpwave_set_computed()) */
static gboolean warned;         /* a later pass was asked for what was not computed */

/* Capture-file state, emptied by the cleanup routine. */
G_STATIC_ASSERT(sizeof(struct tcpwave_rec) == 16);

/* A connection's exact 4-tuple, its lower end first (make_tuple()). */
struct tuple_end {
    guint8 type, len; /* address type and length */
    guint16 port;
    guint8 bytes[16];
};
struct tuple {
    struct tuple_end end[2];
};

static struct tw_table conns = TW_TABLE_INIT(struct tw_conn);         /* by tcp.stream */
static struct tw_table records = TW_TABLE_INIT(struct tcpwave_rec);   /* in first-pass order */
static struct tw_table frame_index = TW_TABLE_INIT(uint32_t);         /* by frame: first record + 1 */
static struct tw_table aliases = TW_TABLE_INIT(uint32_t);            /* by tcp.stream: connection + 1 */
/* Each stream's exact 4-tuple: 12 bytes when both ends are IPv4, else the
 * whole struct tuple; tuple_refs says where (by tcp.stream). */
struct tuple4 {
    guint32 addr[2];
    guint16 port[2];
};
static struct tw_table tuples4 = TW_TABLE_INIT(struct tuple4);
static struct tw_table tuples_other = TW_TABLE_INIT(struct tuple);
static struct tw_table tuple_refs = TW_TABLE_INIT(guint32); /* index << 1 | other, + 1; 0: none */
static struct tw_table zeeks = TW_TABLE_INIT(struct tw_zeek);        /* by connection: what Zeek would log */
static struct tw_index last_conn_by_tuple = TW_INDEX_INIT;           /* exact 4-tuple -> its latest stream */

/* The connection a tcp.stream belongs to: itself, or the connection it
 * continues when Wireshark split one (see place_new_stream()). */
static uint32_t conn_id(uint32_t stream)
{
    const guint32 *alias = tw_table_get(&aliases, stream);
    return alias && *alias ? *alias - 1 : stream;
}

static const struct tw_conn *conn_of(uint32_t stream)
{
    const struct tw_conn *c = tw_table_get(&conns, conn_id(stream));
    return c && (c->flags & TW_CONN_STARTED) ? c : NULL;
}

/* ---- First pass ---- */

/* Order two ends of a 4-tuple exactly: address type, length, bytes, port. */
static int compare_ends(const address *a, guint16 port_a, const address *b, guint16 port_b)
{
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    int bytes = a->len > 0 ? memcmp(a->data, b->data, a->len) : 0;
    if (bytes)
        return bytes;
    return port_a == port_b ? 0 : port_a < port_b ? -1 : 1;
}

static void set_tuple_end(struct tuple_end *e, const address *a, guint16 port)
{
    e->type = (guint8)a->type;
    e->len = (guint8)a->len;
    e->port = port;
    if (a->len > 0)
        memcpy(e->bytes, a->data, a->len);
}

/* The 4-tuple with its lower end first; the order of the segment's sender
 * in it (0 or 1) is the segment's end_order. */
static guint8 make_tuple(struct tuple *t, const address *src, guint16 sport, const address *dst, guint16 dport)
{
    guint8 order = compare_ends(src, sport, dst, dport) > 0;
    memset(t, 0, sizeof *t);
    set_tuple_end(&t->end[order], src, sport);
    set_tuple_end(&t->end[!order], dst, dport);
    return order;
}

/* A hash of the exact 4-tuple (FNV-1a, then murmur3's finaliser): only an
 * index; the tuple itself is compared where it matters. */
static guint32 tuple_hash(const struct tuple *t)
{
    const guint8 *p = (const guint8 *)t;
    guint32 h = 2166136261u;
    for (size_t i = 0; i < sizeof *t; i++)
        h = (h ^ p[i]) * 16777619u;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    return h;
}

static gboolean tuple_equal(const struct tuple *a, const struct tuple *b) { return memcmp(a, b, sizeof *a) == 0; }

static gboolean tuple_is_v4(const struct tuple *t)
{
    for (int i = 0; i < 2; i++)
        if (t->end[i].type != AT_IPv4 || t->end[i].len != 4)
            return FALSE;
    return TRUE;
}

static void pack_tuple4(struct tuple4 *p, const struct tuple *t)
{
    for (int i = 0; i < 2; i++) {
        memcpy(&p->addr[i], t->end[i].bytes, 4);
        p->port[i] = t->end[i].port;
    }
}

/* The 4-tuple of a stream, as make_tuple() built it; FALSE if none kept. */
static gboolean stream_tuple(guint32 stream, struct tuple *t)
{
    const guint32 *ref = tw_table_get(&tuple_refs, stream);
    if (!ref || !*ref)
        return FALSE;
    guint32 at = (*ref - 1) >> 1;
    if ((*ref - 1) & 1) {
        *t = *(const struct tuple *)tw_table_get(&tuples_other, at);
        return TRUE;
    }
    const struct tuple4 *p = tw_table_get(&tuples4, at);
    memset(t, 0, sizeof *t);
    for (int i = 0; i < 2; i++) {
        t->end[i].type = AT_IPv4;
        t->end[i].len = 4;
        t->end[i].port = p->port[i];
        memcpy(t->end[i].bytes, &p->addr[i], 4);
    }
    return TRUE;
}

static uint32_t stream_hash_cb(uint32_t stream, void *ctx _U_)
{
    struct tuple t;
    return stream_tuple(stream, &t) ? tuple_hash(&t) : 0;
}

static bool stream_equal_cb(uint32_t stream, const void *key, void *ctx _U_)
{
    struct tuple t;
    return stream_tuple(stream, &t) && tuple_equal(&t, key);
}

static const struct tw_index_ops stream_index_ops = {stream_hash_cb, stream_equal_cb, NULL};

/* Keep the 4-tuple of a stream; FALSE if out of memory. */
static gboolean keep_tuple(guint32 stream, const struct tuple *t)
{
    guint32 *ref = tw_table_at(&tuple_refs, stream);
    if (!ref)
        return FALSE;
    if (tuple_is_v4(t)) {
        struct tuple4 *p = tw_table_at(&tuples4, tuples4.count);
        if (!p)
            return FALSE;
        pack_tuple4(p, t);
        *ref = (guint32)((tuples4.count - 1) << 1) + 1;
    } else {
        struct tuple *o = tw_table_at(&tuples_other, tuples_other.count);
        if (!o)
            return FALSE;
        *o = *t;
        *ref = (guint32)((tuples_other.count - 1) << 1 | 1) + 1;
    }
    return TRUE;
}

/*
 * The first segment of a new tcp.stream, seen against the connection last
 * seen on the same exact 4-tuple (Wireshark numbers streams, but does not
 * know TCP states).  The engine decides (tw_conn_successor()): the segment
 * continues that connection (Wireshark split it: 4.4 and later split at a
 * replayed SYN; any version after an ICMP error quoting a SYN with another
 * ISN), and the new stream becomes an alias; or a SYN reuses the 4-tuple
 * from TIME_WAIT (an expert note); or it is simply a new connection.
 * Returns the connection the segment belongs to.
 */
static struct tw_conn *place_new_stream(guint32 stream, struct tw_conn *c, const struct tw_segment *s,
                                        const struct tuple *t, guint16 *events, guint32 *previous)
{
    guint32 hash = tuple_hash(t);
    guint32 old_id = tw_index_find(&last_conn_by_tuple, hash, t, &stream_index_ops);

    if (old_id != TW_INDEX_NONE) {
        struct tw_conn *old = (struct tw_conn *)conn_of(old_id);
        if (old && old_id != stream) {
            switch (tw_conn_successor(old, s)) {
            case TW_SUCC_CONTINUES: {
                guint32 *slot = tw_table_at(&aliases, stream);
                if (slot) {
                    *slot = old_id + 1;
                    return old;
                }
                break;
            }
            case TW_SUCC_TIME_WAIT: *events |= TW_EV_TIME_WAIT_REUSE; break;
            case TW_SUCC_NEW: break;
            }
            *previous = old_id + 1; /* a new connection on this 4-tuple (issue 12: port reuse) */
        }
    }
    if (keep_tuple(stream, t))
        tw_index_put(&last_conn_by_tuple, hash, t, stream, &stream_index_ops);
    return c;
}

/* Capture time in int64 nanoseconds: about 292 years either side of 1970;
 * beyond that (a corrupt or hostile timestamp) it is unknown, never wrapped. */
static gint64 time_ns(const nstime_t *t)
{
    const gint64 limit = G_MAXINT64 / 1000000000 - 1;
    if ((gint64)t->secs > limit || (gint64)t->secs < -limit)
        return TW_TIME_UNKNOWN;
    return (gint64)t->secs * 1000000000 + t->nsecs;
}

static struct tcpwave_rec *new_record(guint32 frame, gboolean first_of_frame)
{
    size_t n = records.count;
    struct tcpwave_rec *rec = tw_table_at(&records, n);
    if (!rec)
        return NULL;
    if (first_of_frame) {
        guint32 *slot = tw_table_at(&frame_index, frame);
        if (!slot)
            return NULL;
        *slot = (guint32)n + 1;
    } else {
        ((struct tcpwave_rec *)tw_table_get(&records, n - 1))->more = 1;
    }
    return rec;
}

/*
 * TCP's entry in the "ip.proto" table is wrapped by a hook.  Asking for
 * TCP's fields instead (set_postdissector_wanted_hfids()) makes Wireshark
 * build and prime a protocol tree for every frame, which cost more than
 * everything else tcpwave does (bench/README.md).  The hook reads the fixed
 * header from the segment's own bytes before TCP runs; the post-dissector,
 * which runs even when TCP or a dissector above it threw, takes the stream
 * index TCP assigned from TCP's conversation and feeds the state machine.
 */

/* tcpwave reads the header up to the flags (offset 14); TCP assigns
 * tcp.stream once it has TW_TCP_STREAM_BYTES (tw_compat.h): with fewer
 * captured, nothing is recorded. */
#define TCP_MIN_HEADER 20
G_STATIC_ASSERT(TW_TCP_STREAM_BYTES >= 14);

/* A TCP layer of the frame being dissected, until the post-dissector. */
struct pending {
    struct tcpwave_rec *rec; /* reserved in layer order */
    guint8 kind;             /* enum tcpwave_rec_kind */
    gboolean window_captured, payload_cut; /* for Zeek's history letters */
    struct tw_segment s;
    address src, dst;        /* pointing into src_bytes and dst_bytes */
    guint8 src_bytes[16], dst_bytes[16];
};

/* Layers beyond this many in one frame (nested tunnels, 802.11 A-MSDUs of
 * small segments) get no record. */
#define MAX_PENDING 64

static struct pending pending[MAX_PENDING];
static unsigned n_pending;
static guint32 pending_frame; /* 0: none (frames count from 1) */

static dissector_handle_t tcp_handle;
static int proto_tcp = TW_HF_INIT;
static int proto_tcp_hook = TW_HF_INIT;
static protocol_t *tcpwave_protocol;
/* Whether tcpwave is enabled, read when dissection starts (Wireshark runs the
 * init routines again after the enabled protocols change). */
static gboolean tcpwave_enabled;

/* The hook's handle, and whether TCP's own handle stands in its place in
 * the ip.proto table for the file being read (stand_down()). */
static dissector_handle_t hook_handle;
static gboolean hook_stood_down;
/* Nothing can show what the file's analysis would give (stand_down()). */
static gboolean idle;

static void tcpwave_init(void)
{
    tcpwave_enabled = tcpwave_protocol && proto_is_protocol_enabled(tcpwave_protocol);
    if (hook_stood_down && dissector_get_uint_handle(find_dissector_table("ip.proto"), IP_PROTO_TCP) == tcp_handle)
        dissector_change_uint("ip.proto", IP_PROTO_TCP, hook_handle);
    hook_stood_down = FALSE;
    idle = FALSE;
}

static gboolean save_address(address *to, guint8 *bytes, const address *from)
{
    if (from->len < 0 || from->len > 16)
        return FALSE;
    if (from->len == 0) {
        set_address(to, from->type, 0, NULL); /* e.g. AT_NONE: an exported PDU with no address */
        return TRUE;
    }
    memcpy(bytes, from->data, from->len);
    set_address(to, from->type, from->len, bytes);
    return TRUE;
}

/*
 * TCP's conversation of a segment, with a cache.  find_conversation() costs
 * two hash probes of Wireshark's conversation table per segment (about a
 * third of what tcpwave adds to a tshark run).  A 4-tuple's conversation
 * changes only when TCP creates a new one for it, and TCP numbers every
 * conversation it gives data to (get_tcp_stream_count()).  So in a frame in
 * which that count did not move, each 4-tuple still has the conversation
 * last found for it; in a frame in which it moved, every layer is looked up
 * again and the cache refreshed.  A move between frames (TCP reached by
 * another route than the hook) empties the cache; so does a new file.  With
 * conversation deinterlacing (4.4+) nothing is cached.
 */
struct conv_cache_entry {
    const struct tcp_analysis *tcpd; /* NULL: empty */
    struct tuple t;                  /* the exact 4-tuple it was found for (make_tuple()) */
};

#define CONV_CACHE_SIZE 4096u /* entries, 2^12 (cache_slot()); one per live connection */

static struct conv_cache_entry *conv_cache;
static guint32 streams_seen;          /* TCP's stream count after the last analysed frame */
static guint32 frame_streams_before;  /* ... before TCP ran in the frame being dissected */

/* The cache's slot of a 4-tuple: a cheap mix of the ports and the last
 * four bytes of each address (only a slot; the tuple is compared). */
static guint32 cache_slot(const struct tuple *t)
{
    guint32 h = 0;
    for (int i = 0; i < 2; i++) {
        const struct tuple_end *e = &t->end[i];
        guint32 tail = 0;
        if (e->len >= 4)
            memcpy(&tail, e->bytes + e->len - 4, 4);
        h = (h ^ tail ^ (guint32)e->port << 16 ^ e->port) * 0x9e3779b1u;
    }
    return h >> 20; /* the product's top bits: CONV_CACHE_SIZE is 2^12 */
}

static const struct tcp_analysis *tcp_data_of(const packet_info *pinfo, const struct pending *p,
                                              const struct tuple *t, gboolean cached)
{
    struct conv_cache_entry *e = NULL;

    if (!tw_conversations_deinterlaced()) {
        if (!conv_cache)
            conv_cache = g_new0(struct conv_cache_entry, CONV_CACHE_SIZE);
        e = &conv_cache[cache_slot(t)];
        if (cached && e->tcpd && tuple_equal(&e->t, t))
            return e->tcpd;
    }

    conversation_t *conv = tw_find_tcp_conversation(pinfo, p->s.frame, &p->src, &p->dst, p->s.sport, p->s.dport);
    const struct tcp_analysis *tcpd = conv ? conversation_get_proto_data(conv, proto_tcp) : NULL;
    if (e) {
        e->tcpd = tcpd;
        e->t = *t;
    }
    return tcpd;
}

/* At the file's first segment: what its first pass computes.  tree is the
 * first frame's (NULL where the post-dissector did not run first). */
static void decide_computed(proto_tree *tree)
{
    if (computed_known)
        return;
    unsigned computed = tcpwave_wanted();
    if (pref_zeek || proto_field_is_referenced(tree, hf_zeek_conn_state) ||
        proto_field_is_referenced(tree, hf_zeek_history))
        computed |= TCPWAVE_WANT_ZEEK;
    if (tcpwave_hosts_wanted(tree))
        computed |= TCPWAVE_WANT_HOSTS;
    computed_known = TRUE;
    tcpwave_set_computed(computed);
}

/* A later pass (tshark -2, the GUI) asked, through a filter or a column, for
 * a field the first pass did not compute: say once per file how to get it,
 * rather than match or print nothing.  (tshark -2 -e asks through a visible
 * tree, which cannot be told from -V: the README says what to add.) */
static void check_later_pass(proto_tree *tree)
{
    if (warned || !tree)
        return;
    if (!(tcpwave_computed() & TCPWAVE_WANT_ZEEK) &&
        (tw_field_primed(hf_zeek_conn_state) || tw_field_primed(hf_zeek_history))) {
        ws_warning("tcpwave.zeek fields were not computed when the file was first read: set the preference "
                   "tcpwave.zeek (tshark -2: -o tcpwave.zeek:TRUE)");
        warned = TRUE;
    }
    if (!(tcpwave_computed() & TCPWAVE_WANT_HOSTS) && tcpwave_hosts_primed()) {
        ws_warning("tcpwave.host fields were not computed when the file was first read: set the preference "
                   "tcpwave.hosts (tshark -2: -o tcpwave.hosts:TRUE)");
        warned = TRUE;
    }
}

/* Run the state machine on one pending layer. */
static void analyse(const packet_info *pinfo, const struct pending *p, gboolean cached)
{
    struct tuple t;
    guint8 order = make_tuple(&t, &p->src, p->s.sport, &p->dst, p->s.dport);
    /* The same in both directions: a connection has one cache entry. */
    const struct tcp_analysis *tcpd = tcp_data_of(pinfo, p, &t, cached);
    struct tcpwave_rec *rec = p->rec;
    struct tw_conn *c;

    if (!tcpd)
        return; /* TCP gave it no stream: the record stays pending, nothing is shown */
    rec->stream = tcpd->stream;
    c = tw_table_at(&conns, conn_id(rec->stream));
    if (!c) {
        rec->kind = TCPWAVE_REC_NO_MEMORY;
        return;
    }
    rec->kind = p->kind;
    if (p->kind != TCPWAVE_REC_SEGMENT) {
        tw_conn_peek(c, &rec->v);
        return;
    }

    struct tw_segment s = p->s;
    guint16 events = 0;
    guint32 previous = 0;
    s.end_order = order;
    rec->tcp_flags = s.flags;
    if (!(c->flags & TW_CONN_STARTED))
        c = place_new_stream(rec->stream, c, &s, &t, &events, &previous);
    tw_conn_step(c, &s, &rec->v);
    rec->v.events |= events;
    rec->from_server = tw_conn_end_of(c, order) == TW_S;

    decide_computed(NULL);
    unsigned computed = tcpwave_computed();
    struct tw_zeek *z = computed & TCPWAVE_WANT_ZEEK ? tw_table_at(&zeeks, conn_id(rec->stream)) : NULL;
    if (z) {
        struct tw_zeek_extra extra = {.window = s.window, .window_known = p->window_captured,
                                      .payload_truncated = p->payload_cut};
        tw_zeek_step(z, &s, order == c->first_order, &extra);
    }
    /* issue 12: per-host occupancy, from this first-pass verdict */
    if (computed & TCPWAVE_WANT_HOSTS)
        tcpwave_hosts_analyse(&p->src, &p->dst, &s, rec, conn_id(rec->stream), previous);
}

/* Analyse the pending layers; `in_frame`: called for the frame they belong
 * to, right after it was dissected (the cache may answer). */
static void flush_pending(const packet_info *pinfo, gboolean in_frame)
{
    guint32 streams = get_tcp_stream_count();
    gboolean cached = in_frame && streams == frame_streams_before;

    for (unsigned i = 0; i < n_pending; i++)
        analyse(pinfo, &pending[i], cached);
    n_pending = 0;
    streams_seen = streams;
}

/* Before TCP runs: what its header says, read as TCP will read it. */
static void peek_segment(tvbuff_t *tvb, packet_info *pinfo)
{
    guint captured = tvb_captured_length(tvb), reported = tvb_reported_length(tvb);
    struct pending *p;

    if (pending_frame != pinfo->num) {
        flush_pending(pinfo, FALSE); /* a frame whose post-dissectors did not run */
        pending_frame = pinfo->num;
        frame_streams_before = get_tcp_stream_count();
        if (frame_streams_before != streams_seen && conv_cache) /* TCP ran without the hook */
            memset(conv_cache, 0, CONV_CACHE_SIZE * sizeof *conv_cache);
    }
    if (captured < TW_TCP_STREAM_BYTES || n_pending == MAX_PENDING)
        return;
    p = &pending[n_pending];
    memset(p, 0, sizeof *p);
    if (!save_address(&p->src, p->src_bytes, &pinfo->src) || !save_address(&p->dst, p->dst_bytes, &pinfo->dst))
        return;
    p->rec = new_record(pinfo->num, n_pending == 0);
    if (!p->rec)
        return;
    p->rec->kind = TCPWAVE_REC_PENDING;
    n_pending++;

    /* The fixed header, read in one copy (captured >= 14 bytes: up to the
     * flags; the window needs 16).  One tvb_memcpy costs less than the six
     * tvb_get_ntoh*() calls, and far less than tvb_get_ptr() on TCP's
     * subset tvb (callgrind, bench/profile.sh). */
    guint8 h[16] = {0};
    tvb_memcpy(tvb, h, 0, MIN(captured, sizeof h));
    guint16 offset_flags = tw_pntoh16(h + 12); /* data offset, reserved bits, flags */
    guint hlen = (offset_flags >> 12) * 4u;
    p->s.frame = pinfo->num;
    p->s.time_ns = time_ns(&pinfo->abs_ts);
    p->s.sport = tw_pntoh16(h);
    p->s.dport = tw_pntoh16(h + 2);
    if (pinfo->flags.in_error_pkt) {
        /* sFlow marks its samples as error packets too (asked only here: the
         * walk over the frame's layers compares names) */
        p->kind = proto_is_frame_protocol(pinfo->layers, "sflow") ? TCPWAVE_REC_SAMPLED : TCPWAVE_REC_QUOTED;
    } else if (hlen < TCP_MIN_HEADER || reported < hlen || pinfo->fragmented) {
        /* TCP's "bogus header length" and "short segment"; or the first
         * fragment of a datagram not reassembled: its length is not the
         * segment's (TCP computes no tcp.len either). */
        p->kind = TCPWAVE_REC_TRUNCATED;
    } else {
        p->kind = TCPWAVE_REC_SEGMENT;
        p->s.seq = tw_pntoh32(h + 4);
        p->s.ack = tw_pntoh32(h + 8);
        p->s.flags = (guint8)offset_flags;
        /* The window, where captured; else the largest unscaled one. */
        p->s.window = captured >= 16 ? tw_pntoh16(h + 14) : G_MAXUINT16;
        p->window_captured = captured >= 16;
        p->payload_cut = captured < reported;
        p->s.len = reported - hlen;
    }
}

/* Called only while TCP is enabled (the hook's protocol is TCP's helper). */
static int dissect_tcp_hook(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (!PINFO_FD_VISITED(pinfo) && tcpwave_enabled && !idle)
        peek_segment(tvb, pinfo);
    return call_dissector_only(tcp_handle, tvb, pinfo, tree, data);
}

/* ---- Every pass: render the stored record ---- */

static void add_frame_links(proto_tree *t, tvbuff_t *tvb, const struct tw_summary *sum, guint32 self, int from,
                            int to)
{
    for (int l = from; l <= to; l++)
        if (sum->frames[l] && sum->frames[l] != self)
            proto_item_set_generated(proto_tree_add_uint(t, hf_link[l], tvb, 0, 0, sum->frames[l]));
}

static void add_duration(proto_tree *t, tvbuff_t *tvb, packet_info *pinfo, const struct tw_summary *sum, int hf,
                         guint8 status, gint64 ns, enum tw_link from, enum tw_link to)
{
    if (status == TW_DUR_BACKWARDS) {
        expert_add_info_format(pinfo, NULL, &ei_time_backwards,
                               "%s not computed: frame %u is stamped before frame %u", proto_registrar_get_name(hf),
                               sum->frames[to], sum->frames[from]);
        return;
    }
    if (status != TW_DUR_KNOWN)
        return;
    nstime_t d = {(time_t)(ns / 1000000000), (int)(ns % 1000000000)};
    proto_item_set_generated(proto_tree_add_time(t, hf, tvb, 0, 0, &d));
}

/* "the client", "the server"; mid-stream, where the sides are guessed, the
 * sender's address and port. */
static void format_sender(char *buf, size_t size, packet_info *pinfo, const struct tw_verdict *v)
{
    if (v->sender != TW_SIDE_UNKNOWN) {
        snprintf(buf, size, "the %s", tw_side_name(v->sender));
        return;
    }
    char *addr = address_to_str(NULL, &pinfo->src);
    snprintf(buf, size, "%s%s%s:%u (sides guessed: the capture began mid-connection)",
             pinfo->src.type == AT_IPv6 ? "[" : "", addr, pinfo->src.type == AT_IPv6 ? "]" : "", pinfo->srcport);
    wmem_free(NULL, addr);
}

static void add_expert(packet_info *pinfo, proto_item *ti, const struct tw_summary *sum, const struct tw_verdict *v)
{
    guint16 ev = v->events;

    /* Events whose note says it all, in the order they are shown. */
    struct plain_note {
        guint16 event;
        expert_field *ei;
    };
    const struct plain_note plain[] = {
        {TW_EV_MIDSTREAM, &ei_midstream},       {TW_EV_SYN_MISSING, &ei_syn_missing},
        {TW_EV_INFERRED, &ei_inferred},         {TW_EV_TIME_WAIT_REUSE, &ei_time_wait_reuse},
        {TW_EV_SIM_OPEN, &ei_sim_open},
    };
    const struct plain_note plain_after[] = {
        {TW_EV_REFUSED, &ei_refused}, {TW_EV_DATA_AFTER_FIN, &ei_data_after_fin}, {TW_EV_ACK_LOST, &ei_ack_lost},
        {TW_EV_ACK_AHEAD, &ei_ack_ahead},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(plain); i++)
        if (ev & plain[i].event)
            expert_add_info(pinfo, ti, plain[i].ei);
    if ((ev & TW_EV_HANDSHAKE_DONE) && sum->handshake_total == 4)
        expert_add_info_format(pinfo, ti, &ei_handshake, "Simultaneous open completed: both ends sent a SYN and a "
                               "SYN-ACK (RFC 9293 Figure 8)");
    else if (ev & TW_EV_HANDSHAKE_DONE)
        expert_add_info(pinfo, ti, &ei_handshake);
    if (ev & TW_EV_CROSSED_FINS)
        expert_add_info(pinfo, ti, &ei_crossed_fins);
    if (ev & TW_EV_CLOSE_DONE) {
        if (sum->close_type == TW_CLOSE_SIMULTANEOUS)
            expert_add_info_format(pinfo, ti, &ei_close, "Connection closed: simultaneous close (both sides sent "
                                   "a FIN before receiving the other's; the %s's was captured first)",
                                   tw_side_name(sum->initiator));
        else
            expert_add_info_format(pinfo, ti, &ei_close, "Connection closed: %s close initiated by the %s",
                                   tw_close_type_name(sum->close_type), tw_side_name(sum->initiator));
    }
    if (ev & TW_EV_RESET) {
        char by[96];
        format_sender(by, sizeof by, pinfo, v);
        if (sum->initiator != TW_SIDE_UNKNOWN && sum->initiator != sum->reset_by)
            expert_add_info_format(pinfo, ti, &ei_reset, "Connection reset by %s (the %s had started the close)", by,
                                   tw_side_name(sum->initiator));
        else
            expert_add_info_format(pinfo, ti, &ei_reset, "Connection reset by %s", by);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(plain_after); i++) {
        if (!(ev & plain_after[i].event))
            continue;
        if (plain_after[i].event == TW_EV_ACK_LOST && tw_step_kind(v->step) == TW_STEP_HANDSHAKE)
            expert_add_info_format(pinfo, ti, &ei_ack_lost, "SYN-ACK sent again after the client's ACK of it was "
                                   "captured: the server had not taken that ACK and is still SYN_RECV (its accept "
                                   "queue full: Linux ListenOverflows; or the ACK lost beyond the capture point)");
        else
            expert_add_info(pinfo, ti, plain_after[i].ei);
    }
    if (ev & TW_EV_UNEXPECTED)
        expert_add_info_format(pinfo, ti, &ei_unexpected, "Segment makes no sense in this state: %s",
                               tw_why_text(v->why));
    if (ev & TW_EV_IGNORED)
        expert_add_info_format(pinfo, ti, &ei_ignored, "Segment dropped by its receiver: %s", tw_why_text(v->why));
    if (ev & TW_EV_TIME_BACKWARDS)
        expert_add_info(pinfo, ti, &ei_time_backwards);
}

static void add_state(proto_tree *t, tvbuff_t *tvb, int hf, guint8 state)
{
    proto_item_set_generated(proto_tree_add_uint(t, hf, tvb, 0, 0, state));
}

/* The subtree of one record; returns its top item. */
static proto_item *add_tree(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const struct tcpwave_rec *rec,
                            const struct tw_verdict *v, const struct tw_summary *sum, const struct tw_zeek *zeek,
                            const char *step)
{
    proto_item *ti = proto_tree_add_item(tree, proto_tcpwave, tvb, 0, 0, ENC_NA);
    proto_tree *t = proto_item_add_subtree(ti, ett_tcpwave);
    unsigned kind = tw_step_kind(v->step);

    proto_item_set_generated(ti);
    proto_item_set_generated(proto_tree_add_uint(t, hf_stream, tvb, 0, 0, rec->stream));
    if (rec->kind == TCPWAVE_REC_NO_MEMORY || !sum)
        return ti;
    if (rec->kind != TCPWAVE_REC_SEGMENT) {
        if (v->next[TW_C] != TW_ST_NONE) { /* nothing is known of a connection not yet seen */
            add_state(t, tvb, hf_state_client, v->next[TW_C]);
            add_state(t, tvb, hf_state_server, v->next[TW_S]);
        }
        return ti;
    }
    proto_item_set_generated(proto_tree_add_uint(t, hf_sender, tvb, 0, 0, v->sender));
    if (sum->midstream)
        proto_item_set_generated(proto_tree_add_boolean(t, hf_midstream, tvb, 0, 0, TRUE));
    add_state(t, tvb, hf_state_client, v->next[TW_C]);
    add_state(t, tvb, hf_state_server, v->next[TW_S]);
    add_state(t, tvb, hf_prev_client, v->prev[TW_C]);
    add_state(t, tvb, hf_prev_server, v->prev[TW_S]);
    proto_item_set_generated(proto_tree_add_uint(t, hf_role, tvb, 0, 0, v->role));
    if (step[0])
        proto_item_set_generated(proto_tree_add_string(t, hf_step, tvb, 0, 0, step));

    gboolean in_close = tw_verdict_in_close(sum, v, pinfo->num);
    if (in_close && sum->close_type != TW_CLOSE_NONE) {
        proto_item_set_generated(proto_tree_add_uint(t, hf_close_type, tvb, 0, 0, sum->close_type));
        proto_item_set_generated(proto_tree_add_uint(t, hf_close_initiator, tvb, 0, 0, sum->initiator));
        if (sum->reset_by != TW_SIDE_UNKNOWN)
            proto_item_set_generated(proto_tree_add_uint(t, hf_reset_by, tvb, 0, 0, sum->reset_by));
        if (sum->close_type != TW_CLOSE_RESET)
            proto_item_set_generated(proto_tree_add_boolean(t, hf_final_ack_seen, tvb, 0, 0, sum->final_ack_seen));
    }
    if (kind == TW_STEP_HANDSHAKE) {
        add_duration(t, tvb, pinfo, sum, hf_handshake_rtt, sum->handshake_time, sum->handshake_ns, TW_LINK_SYN,
                     TW_LINK_HS_ACK);
        add_frame_links(t, tvb, sum, pinfo->num, TW_LINK_SYN, TW_LINK_HS_ACK);
    } else if (in_close) {
        add_duration(t, tvb, pinfo, sum, hf_fin_gap, sum->fin_gap, sum->fin_gap_ns, TW_LINK_FIN1, TW_LINK_FIN2);
        add_duration(t, tvb, pinfo, sum, hf_close_duration, sum->close_time, sum->close_ns, TW_LINK_FIN1,
                     TW_LINK_FINAL_ACK);
        add_frame_links(t, tvb, sum, pinfo->num, TW_LINK_FIN1, TW_LINK_RST);
    }
    if (zeek) {
        char history[TW_ZEEK_HISTORY_MAX + 1];
        tw_zeek_history(zeek, history, sizeof history);
        proto_item_set_generated(proto_tree_add_string(t, hf_zeek_conn_state, tvb, 0, 0,
                                                       tw_zeek_conn_state_name(tw_zeek_conn_state(zeek))));
        proto_item_set_generated(proto_tree_add_string(t, hf_zeek_history, tvb, 0, 0, history));
    }
    proto_item_append_text(ti, ": %s%s%s, client %s, server %s", tw_role_name(v->role), step[0] ? ", " : "", step,
                           tw_state_name(v->next[TW_C]), tw_state_name(v->next[TW_S]));
    return ti;
}

/* The Info column: " [handshake 3/3: ACK | client ESTABLISHED, server
 * ESTABLISHED]".  The step says "handshake" already: a handshake role is
 * named without it (tw_role_label()). */
static void append_info(packet_info *pinfo, const struct tw_verdict *v, const char *step)
{
    col_append_fstr(pinfo->cinfo, COL_INFO, " [%s%s%s | client %s, server %s]", step, step[0] ? ": " : "",
                    tw_role_label(v->role), tw_state_name(v->next[TW_C]), tw_state_name(v->next[TW_S]));
}

static int expert_tap; /* 0: not registered yet */

/* Can an expert note of this frame be seen without a tree: an expert tap
 * (tshark -z expert, the GUI's Expert Information) or an Expert column?
 * Wireshark registers the expert tap when dissection first starts, after
 * the plugins' handoff and the init routines: looked up here, once found. */
static gboolean experts_seen(const packet_info *pinfo)
{
    if (expert_tap <= 0)
        expert_tap = find_tap_id("expert");
    return (expert_tap > 0 && have_tap_listener(expert_tap)) ||
           (pinfo->cinfo && pinfo->cinfo->col_first && pinfo->cinfo->col_first[COL_EXPERT] >= 0);
}

/* Everything shown for one record, on every pass.  A frame dissected again
 * (tshark -2's second pass, the GUI) shows what the whole capture proves
 * (tw_conn_view()); the first pass shows what was known then.  With no tree
 * (tshark -q with only taps), no item is built and no string formatted. */
static void render(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const struct tcpwave_rec *rec)
{
    struct tw_verdict v = rec->v;
    struct tw_summary sum;
    char step[24] = "";
    proto_item *ti = NULL;

    if (rec->kind == TCPWAVE_REC_PENDING)
        return;
    gboolean tapped = have_tap_listener(tcpwave_tap);
    /* Expert notes nobody can see are not formatted (Wireshark formats
     * each one even without a tree); the two-pass view changes states, not
     * events. */
    gboolean notes = v.events && (tree || experts_seen(pinfo));
    /* Plain tshark output with the plugin unused: nothing to build. */
    if (rec->kind == TCPWAVE_REC_SEGMENT && !tree && !pref_info_column && !tapped && !notes)
        return;
    const struct tw_conn *c = conn_of(rec->stream);
    if (c && PINFO_FD_VISITED(pinfo) && rec->kind == TCPWAVE_REC_SEGMENT)
        tw_conn_view(c, pinfo->num, &v);
    if (c)
        tw_conn_summary(c, &sum);
    if (rec->kind == TCPWAVE_REC_SEGMENT && c && (tree || pref_info_column))
        tw_step_text(v.step, sum.handshake_total, sum.close_total, step, sizeof step);
    /* Zeek's view of the connection: as it stood after this segment in the
     * first pass (the last segment shows what Zeek logs), at the end of the
     * capture in later passes. */
    const struct tw_zeek *zeek = c && rec->kind == TCPWAVE_REC_SEGMENT ? tw_table_get(&zeeks, conn_id(rec->stream)) : NULL;
    if (tree)
        ti = add_tree(tvb, pinfo, tree, rec, &v, c ? &sum : NULL, zeek, step);
    if (rec->kind == TCPWAVE_REC_QUOTED)
        expert_add_info(pinfo, ti, &ei_icmp_quoted);
    else if (rec->kind == TCPWAVE_REC_SAMPLED)
        expert_add_info(pinfo, ti, &ei_sampled);
    else if (rec->kind == TCPWAVE_REC_TRUNCATED)
        expert_add_info(pinfo, ti, &ei_truncated);
    if (rec->kind != TCPWAVE_REC_SEGMENT || !c)
        return;
    if (notes)
        add_expert(pinfo, ti, &sum, &v);
    if (pref_info_column)
        append_info(pinfo, &v, step);
    if (tapped) {
        struct tcpwave_tap_info *info = wmem_new(pinfo->pool, struct tcpwave_tap_info);
        info->rec = *rec;
        info->rec.v = v;
        info->conn = conn_id(rec->stream);
        info->summary = sum;
        info->zeek_state = zeek ? tw_zeek_conn_state_name(tw_zeek_conn_state(zeek)) : "-";
        info->zeek_history[0] = '\0';
        if (zeek)
            tw_zeek_history(zeek, info->zeek_history, sizeof info->zeek_history);
        tap_queue_packet(tcpwave_tap, pinfo, info);
    }
}

/*
 * Unused means free (issue 15).  tshark printing one summary line per frame
 * in one pass, with no filter, no field column, no statistic and no expert
 * view, dissects every frame with columns and without a tree.  Every other
 * reader of a file dissects its first frame with a tree (a filter, a field
 * column, -V, -T, a tap that reads fields), with a tcpwave tap, or with
 * neither columns nor a tree: tshark -2's first pass, sharkd's and the GUI's
 * (measured on 4.0, 4.4, 4.6: tests/test_hook.py), the passes after which
 * frames are dissected again.  So when the file's first frame comes with
 * columns, no tree, nothing that shows tcpwave's notes or Info text and no
 * GUI (whose first pass has columns when a dialog's tap asks for them),
 * nothing tcpwave computes can reach anyone, in that frame or a later one:
 * the plugin stands down for the file.  TCP's own handle goes back into the
 * ip.proto table (the hook's second dispatch was most of what was left) and
 * the post-dissector returns at once.  TCPWAVE_MEMSTATS says so.
 */
static gboolean nothing_can_show(const packet_info *pinfo, proto_tree *tree)
{
    return !tree && pinfo->cinfo && !pref_info_column && !have_tap_listener(tcpwave_tap) && !experts_seen(pinfo) &&
           !tcpwave_gui_running();
}

static void stand_down(void)
{
    dissector_table_t ip_proto = find_dissector_table("ip.proto");

    idle = TRUE;
    n_pending = 0; /* the first frame's layers, never analysed */
    /* Only the hook's own entry: a Decode As of ip.proto 6 stays. */
    if (ip_proto && hook_handle && dissector_get_uint_handle(ip_proto, IP_PROTO_TCP) == hook_handle) {
        dissector_change_uint("ip.proto", IP_PROTO_TCP, tcp_handle);
        hook_stood_down = TRUE;
    }
    if (g_getenv("TCPWAVE_MEMSTATS"))
        fprintf(stderr, "tcpwave memory: idle (one-pass summary output: nothing can show the analysis)\n");
}

static int dissect_tcpwave(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const guint32 *first;

    if (idle)
        return 0;
    if (!PINFO_FD_VISITED(pinfo) && !computed_known && nothing_can_show(pinfo, tree)) {
        stand_down();
        return 0;
    }
    if (!PINFO_FD_VISITED(pinfo))
        decide_computed(tree);
    else if (tree && !warned)
        check_later_pass(tree);
    if (n_pending) /* this frame's layers, or any left by a frame whose post-dissectors did not run */
        flush_pending(pinfo, pending_frame == pinfo->num && !PINFO_FD_VISITED(pinfo));
    first = tw_table_get(&frame_index, pinfo->num);
    if (!first || *first == 0)
        return 0;
    for (size_t i = *first - 1;; i++) {
        const struct tcpwave_rec *rec = tw_table_get(&records, i);
        render(tvb, pinfo, tree, rec);
        if (!rec->more)
            break;
    }
    tcpwave_hosts_render(tvb, pinfo, tree); /* issue 12 */
    return 0;
}

/* TCPWAVE_MEMSTATS=1: report on stderr what the plugin held for the file,
 * counted from its own tables (bench/ divides what grows with frames by the
 * frames, and what grows with connections by the connections). */
static void report_memory(void)
{
    if (!g_getenv("TCPWAVE_MEMSTATS") || frame_index.count == 0 || idle)
        return; /* before counting: the override count walks every connection (idle: said in stand_down()) */
    size_t tuple_bytes = tw_index_bytes(&last_conn_by_tuple) + tw_table_bytes(&tuples4) +
                         tw_table_bytes(&tuples_other) + tw_table_bytes(&tuple_refs);
    size_t per_frame = tw_table_bytes(&frame_index) + tw_table_bytes(&records);
    size_t overrides = 0;
    for (size_t i = 0; i < conns.count; i++)
        overrides += tw_conn_heap_bytes(tw_table_get(&conns, i));
    size_t per_conn = tw_table_bytes(&conns) + overrides + tuple_bytes + tw_table_bytes(&aliases) +
                      tw_table_bytes(&zeeks) + tcpwave_stat_bytes();
    size_t fixed = conv_cache ? CONV_CACHE_SIZE * sizeof *conv_cache : 0; /* whatever the file's size */

    fprintf(stderr,
            "tcpwave memory: frames %zu records %zu connections %zu | bytes: index %zu records %zu "
            "connections %zu tuples %zu aliases %zu statistics %zu cache %zu total %zu\n",
            frame_index.count - 1, records.count, conns.count, tw_table_bytes(&frame_index),
            tw_table_bytes(&records), tw_table_bytes(&conns) + overrides, tuple_bytes, tw_table_bytes(&aliases),
            tcpwave_stat_bytes(), fixed, per_frame + per_conn + fixed);
}

static void tcpwave_cleanup(void)
{
    report_memory();
    tcpwave_stat_cleanup();
    tcpwave_hosts_cleanup(); /* issue 12 */
    for (size_t i = 0; i < conns.count; i++)
        tw_conn_free(tw_table_get(&conns, i));
    tw_table_clear(&conns);
    tw_table_clear(&records);
    tw_table_clear(&frame_index);
    tw_table_clear(&aliases);
    n_pending = 0;
    pending_frame = 0;
    g_free(conv_cache);
    conv_cache = NULL;
    streams_seen = frame_streams_before = 0;
    computed_known = FALSE;
    tcpwave_set_computed(0);
    warned = FALSE;
    tw_index_clear(&last_conn_by_tuple);
    tw_table_clear(&tuples4);
    tw_table_clear(&tuples_other);
    tw_table_clear(&tuple_refs);
    tw_table_clear(&zeeks);
}

/* ---- Registration ---- */

/* Value names come from the state machine's own name tables. */
static value_string vals_state[TW_STATE_COUNT + 1]; /* 0: unknown (nothing proves a state) */
static value_string vals_role[TW_ROLE_COUNT + 1];
static value_string vals_close_type[TW_CLOSE_COUNT + 1];
static value_string vals_side[4];

static void fill_vals(value_string *vs, unsigned from, unsigned count, const char *(*name)(unsigned))
{
    for (unsigned i = from; i < count; i++)
        vs[i - from] = (value_string){i, name(i)};
    vs[count - from] = (value_string){0, NULL};
}

void proto_register_tcpwave(void)
{
    fill_vals(vals_state, 0, TW_STATE_COUNT, tw_state_name);
    fill_vals(vals_role, 1, TW_ROLE_COUNT, tw_role_name);
    fill_vals(vals_close_type, 1, TW_CLOSE_COUNT, tw_close_type_name);
    fill_vals(vals_side, 0, 3, tw_side_name);

    static hf_register_info hf[] = {
        {&hf_stream, {"Stream index", "tcpwave.stream", FT_UINT32, BASE_DEC, NULL, 0x0, "Equals tcp.stream", HFILL}},
        {&hf_sender, {"Sender", "tcpwave.sender", FT_UINT8, BASE_DEC, VALS(vals_side), 0x0,
                      "Who sent this segment; unknown when the connection's start was not captured", HFILL}},
        {&hf_midstream, {"Mid-stream", "tcpwave.midstream", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
                         "The connection's start was not captured: sides and first states are guessed", HFILL}},
        {&hf_state_client, {"Client state", "tcpwave.state.client", FT_UINT8, BASE_DEC, VALS(vals_state), 0x0,
                            "The client's state after this segment", HFILL}},
        {&hf_state_server, {"Server state", "tcpwave.state.server", FT_UINT8, BASE_DEC, VALS(vals_state), 0x0,
                            "The server's state after this segment", HFILL}},
        {&hf_prev_client, {"Client state before", "tcpwave.state.client.prev", FT_UINT8, BASE_DEC, VALS(vals_state),
                           0x0, "The client's state before this segment", HFILL}},
        {&hf_prev_server, {"Server state before", "tcpwave.state.server.prev", FT_UINT8, BASE_DEC, VALS(vals_state),
                           0x0, "The server's state before this segment", HFILL}},
        {&hf_role, {"Role", "tcpwave.role", FT_UINT8, BASE_DEC, VALS(vals_role), 0x0,
                    "The segment's role in the connection's lifecycle", HFILL}},
        {&hf_step, {"Step", "tcpwave.step", FT_STRING, BASE_NONE, NULL, 0x0,
                    "Step of the handshake or close, e.g. close 2/3", HFILL}},
        {&hf_close_type, {"Close type", "tcpwave.close.type", FT_UINT8, BASE_DEC, VALS(vals_close_type), 0x0,
                          "How the connection ended: three-way (the passive side merged its ACK into its FIN), "
                          "four-way, simultaneous (the FINs crossed), or reset", HFILL}},
        {&hf_close_initiator, {"Close initiator", "tcpwave.close.initiator", FT_UINT8, BASE_DEC, VALS(vals_side),
                               0x0, "Sender of the first FIN, or of the RST", HFILL}},
        {&hf_reset_by, {"Reset by", "tcpwave.close.reset_by", FT_UINT8, BASE_DEC, VALS(vals_side), 0x0,
                        "Sender of the RST that ended the connection (the close may have been started by the other "
                        "side: tcpwave.close.initiator)", HFILL}},
        {&hf_final_ack_seen, {"Final ACK captured", "tcpwave.close.final_ack_seen", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
                              "Both FINs were sent; was the ACK of the second one captured?", HFILL}},
        {&hf_zeek_conn_state, {"Zeek conn_state", "tcpwave.zeek.conn_state", FT_STRING, BASE_NONE, NULL, 0x0,
                               "The conn_state Zeek's conn.log gives this connection (docs/zeek.md): so far in "
                               "one pass, for the whole capture in two", HFILL}},
        {&hf_zeek_history, {"Zeek history", "tcpwave.zeek.history", FT_STRING, BASE_NONE, NULL, 0x0,
                            "The history Zeek's conn.log gives this connection (docs/zeek.md)", HFILL}},
        {&hf_handshake_rtt, {"Handshake time", "tcpwave.handshake.rtt", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
                             "From the SYN to the handshake ACK", HFILL}},
        {&hf_fin_gap, {"FIN gap", "tcpwave.close.fin_gap", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
                       "From the first FIN to the peer's FIN", HFILL}},
        {&hf_close_duration, {"Close duration", "tcpwave.close.duration", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
                              "From the first FIN to the final ACK", HFILL}},
        {&hf_link[TW_LINK_SYN], {"SYN in frame", "tcpwave.handshake.syn_frame", FT_FRAMENUM, BASE_NONE,
                                 FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, "The client's SYN that opened this connection", HFILL}},
        {&hf_link[TW_LINK_SYNACK], {"SYN-ACK in frame", "tcpwave.handshake.synack_frame", FT_FRAMENUM, BASE_NONE,
                                    FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0, "The server's SYN-ACK answering the SYN", HFILL}},
        {&hf_link[TW_LINK_HS_ACK], {"Handshake ACK in frame", "tcpwave.handshake.ack_frame", FT_FRAMENUM,
                                    BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_ACK), 0x0, "The client's ACK that completed the three-way handshake", HFILL}},
        {&hf_link[TW_LINK_FIN1], {"First FIN in frame", "tcpwave.close.fin1_frame", FT_FRAMENUM, BASE_NONE,
                                  FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, "The first FIN of the close (its sender is tcpwave.close.initiator)", HFILL}},
        {&hf_link[TW_LINK_FIN1_ACK], {"ACK of first FIN in frame", "tcpwave.close.fin1_ack_frame", FT_FRAMENUM,
                                      BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_ACK), 0x0, "The peer's ACK of the first FIN (in a three-way close, the FIN+ACK itself)", HFILL}},
        {&hf_link[TW_LINK_FIN2], {"Second FIN in frame", "tcpwave.close.fin2_frame", FT_FRAMENUM, BASE_NONE,
                                  FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0, "The peer's FIN, the second of the close", HFILL}},
        {&hf_link[TW_LINK_FINAL_ACK], {"Final ACK in frame", "tcpwave.close.final_ack_frame", FT_FRAMENUM,
                                       BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_ACK), 0x0, "The ACK of the second FIN, the close's last segment", HFILL}},
        {&hf_link[TW_LINK_RST], {"RST in frame", "tcpwave.close.rst_frame", FT_FRAMENUM, BASE_NONE,
                                 FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0, "The RST that ended the connection (its sender is tcpwave.close.reset_by)", HFILL}},
    };
    static gint *ett[] = {&ett_tcpwave};
    static ei_register_info ei[] = {
        {&ei_handshake, {"tcpwave.expert.handshake", PI_SEQUENCE, PI_CHAT, "Three-way handshake completed", EXPFILL}},
        {&ei_sim_open, {"tcpwave.expert.sim_open", PI_SEQUENCE, PI_NOTE,
                        "Simultaneous open: the other end sent a SYN of its own before receiving this connection's "
                        "first (RFC 9293 Figure 8); both ends go SYN_SENT, SYN_RECV, ESTABLISHED", EXPFILL}},
        {&ei_close, {"tcpwave.expert.close", PI_SEQUENCE, PI_CHAT, "Connection closed", EXPFILL}},
        {&ei_reset, {"tcpwave.expert.reset", PI_SEQUENCE, PI_WARN, "Connection reset", EXPFILL}},
        {&ei_refused, {"tcpwave.expert.refused", PI_SEQUENCE, PI_WARN,
                       "Connection refused: RST in answer to the SYN", EXPFILL}},
        {&ei_midstream, {"tcpwave.expert.midstream", PI_SEQUENCE, PI_NOTE,
                         "Capture started mid-connection: client/server sides and the first states are guessed "
                         "(the lower port is labelled server)", EXPFILL}},
        {&ei_data_after_fin, {"tcpwave.expert.data_after_fin", PI_SEQUENCE, PI_NOTE,
                              "Data after the peer's FIN (half-close)", EXPFILL}},
        {&ei_unexpected, {"tcpwave.expert.unexpected", PI_SEQUENCE, PI_NOTE,
                          "Segment makes no sense in this state", EXPFILL}},
        {&ei_time_wait_reuse, {"tcpwave.expert.time_wait_reuse", PI_SEQUENCE, PI_NOTE,
                               "New SYN on a 4-tuple whose previous connection is still in TIME_WAIT", EXPFILL}},
        {&ei_crossed_fins, {"tcpwave.expert.crossed_fins", PI_SEQUENCE, PI_NOTE,
                            "FINs crossed: the sender had not yet received the peer's FIN (simultaneous close); "
                            "both ends pass through CLOSING", EXPFILL}},
        {&ei_ack_lost, {"tcpwave.expert.ack_lost", PI_SEQUENCE, PI_NOTE,
                        "FIN retransmitted after its ACK was captured: that ACK was lost beyond the capture point",
                        EXPFILL}},
        {&ei_syn_missing, {"tcpwave.expert.syn_missing", PI_SEQUENCE, PI_NOTE,
                           "Capture starts at the SYN-ACK: the SYN was not captured", EXPFILL}},
        {&ei_time_backwards, {"tcpwave.expert.time_backwards", PI_SEQUENCE, PI_NOTE,
                              "Timestamp earlier than the connection's previous segment: the capture's times are not "
                              "monotonic, durations across this point are not computed when negative",
                              EXPFILL}},
        {&ei_icmp_quoted, {"tcpwave.expert.icmp_quoted", PI_SEQUENCE, PI_CHAT,
                           "TCP header quoted in an ICMP error: not a segment of the connection, states unchanged",
                           EXPFILL}},
        /* Undecoded, not malformed: Wireshark judges the header itself (a
         * PI_MALFORMED item would also mark the frame _ws.malformed). */
        {&ei_truncated, {"tcpwave.expert.truncated", PI_UNDECODED, PI_NOTE,
                         "TCP segment not analysed: its header is bogus or longer than the segment, or it is an "
                         "IP fragment not reassembled", EXPFILL}},
        {&ei_sampled, {"tcpwave.expert.sampled", PI_SEQUENCE, PI_CHAT,
                       "TCP header sampled by sFlow: a copy from another link, not a segment of this path; states "
                       "unchanged", EXPFILL}},
        {&ei_ignored, {"tcpwave.expert.ignored", PI_SEQUENCE, PI_NOTE,
                       "Segment dropped by its receiver, as TCP requires", EXPFILL}},
        {&ei_ack_ahead, {"tcpwave.expert.ack_ahead", PI_SEQUENCE, PI_NOTE,
                         "Acknowledges what the capture has not shown yet: the capture missed or reordered the "
                         "peer's segments", EXPFILL}},
        {&ei_inferred, {"tcpwave.expert.inferred", PI_SEQUENCE, PI_NOTE,
                        "The segment this one answers was not captured (or not analysed): states inferred from "
                        "its ACK number", EXPFILL}},
    };
    module_t *module;
    expert_module_t *expert;

    proto_tcpwave = proto_register_protocol("TCP connection lifecycle", "tcpwave", "tcpwave");
    proto_register_field_array(proto_tcpwave, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert = expert_register_protocol(proto_tcpwave);
    expert_register_field_array(expert, ei, array_length(ei));
    module = prefs_register_protocol(proto_tcpwave, NULL);
    prefs_register_bool_preference(module, "info_column", "Show the step and the states in the Info column",
                                   "Append the segment's role, step and both endpoints' states to the Info column",
                                   &pref_info_column);
    prefs_register_bool_preference(module, "zeek", "Compute Zeek's conn_state and history",
                                   "Follow every connection as Zeek would (tcpwave.zeek.* fields, the Zeek columns of "
                                   "TCP Connections).  Off: computed only when the file is read with that table "
                                   "open, a tcpwave.zeek field in a display filter, or tshark -V in one pass; "
                                   "it costs time and memory on every segment.  Takes effect when the file is read "
                                   "again (View > Reload)", &pref_zeek);
    /* The hook's protocol is TCP's helper, so Wireshark calls the hook exactly
     * when TCP is enabled (a protocol in name only follows its parent), and
     * disabling tcpwave never disables TCP.  TCP registered before any plugin. */
    proto_tcp = proto_get_id_by_filter_name("tcp");
    if (proto_tcp > 0)
        proto_tcp_hook = proto_register_protocol_in_name_only("TCP, read by tcpwave", "TCP/tcpwave", "tcpwave.tcp",
                                                              proto_tcp, FT_PROTOCOL);
    register_init_routine(tcpwave_init);
    register_cleanup_routine(tcpwave_cleanup);
    tcpwave_tap = register_tap("tcpwave");
    tcpwave_stat_register();
    tcpwave_gui_register(proto_tcpwave);
}

void proto_reg_handoff_tcpwave(void)
{
    register_postdissector(create_dissector_handle(dissect_tcpwave, proto_tcpwave));
    tcpwave_gui_handoff();
    tcpwave_protocol = find_protocol_by_id(proto_tcpwave);
    tcp_handle = find_dissector("tcp");
    if (!tcp_handle || proto_tcp_hook <= 0) {
        ws_warning("the TCP dissector was not found: tcpwave analyses nothing");
        return;
    }
    /* Replaces TCP's own entry; TCP is called from the hook. */
    hook_handle = create_dissector_handle_with_name(dissect_tcp_hook, proto_tcp_hook, "tcpwave.tcp");
    dissector_add_uint("ip.proto", IP_PROTO_TCP, hook_handle);
}
