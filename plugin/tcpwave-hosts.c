/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcpwave-hosts.c - per-host occupancy (fsm/tw_hosts), rendered.
 *
 *   tcpwave.host.*                         fields on each segment that changed a host's count
 *   tshark -q -z tcpwave,hosts[,filter]    one row per host
 *   tshark -q -z tcpwave,tuning[,filter]   the seed's sysctls, against what the capture shows
 *
 * The engine is fed on the first pass only, in frame order, with the
 * verdicts as tw_conn_step() gave them then (packet-tcpwave.c calls
 * tcpwave_hosts_analyse()): the occupancy is the same in one pass, two
 * passes and the GUI, whatever the taps see.  The reports read the engine at
 * the end; their filter chooses the hosts shown (those that sent or
 * received a matching tcpwave segment), never what is counted for them.
 */
#define WS_LOG_DOMAIN "tcpwave"

#include <wireshark.h>

#include <epan/address.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include "tcpwave.h"
#include "tw_compat.h"
#include "tw_hosts.h"
#include "tw_table.h"

static int proto_host = TW_HF_INIT;
static int hf_host_addr = TW_HF_INIT;
static int hf_host_count[TW_HC_COUNT] = {TW_HF_INIT, TW_HF_INIT, TW_HF_INIT, TW_HF_INIT};
static gint ett_host = TW_ETT_INIT;

/* Preferences, in seconds (0: no timer). */
static guint pref_timeout[TW_HC_COUNT] = {60, 0, 60, 63};
static tw_pref_bool pref_hosts = FALSE;

static struct tw_hosts engine;
static gboolean engine_ready;

/* Hosts: address -> id (dense, from 0). */
struct host_key {
    guint8 type, len;
    guint8 bytes[16];
};
static GHashTable *host_ids;                                        /* struct host_key * -> id + 1 */
static struct tw_table host_keys = TW_TABLE_INIT(struct host_key); /* by id; elements never move */

/* One count a segment changed: 12 bytes, only for such segments. */
struct mark {
    guint32 frame;
    guint32 host;
    guint32 value_count; /* value << 2 | enum tw_hosts_count */
};
static struct tw_table marks = TW_TABLE_INIT(struct mark); /* in frame order */

static guint host_key_hash(gconstpointer k)
{
    const struct host_key *key = k;
    guint h = 2166136261u;
    for (size_t i = 0; i < sizeof *key; i++)
        h = (h ^ ((const guint8 *)key)[i]) * 16777619u;
    return h;
}

static gboolean host_key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(struct host_key)) == 0;
}

static gboolean host_id(const address *a, guint32 *id)
{
    struct host_key key;
    gpointer found;

    if (a->len < 0 || a->len > 16)
        return FALSE;
    memset(&key, 0, sizeof key);
    key.type = (guint8)a->type;
    key.len = (guint8)a->len;
    if (a->len > 0)
        memcpy(key.bytes, a->data, a->len);
    if (!host_ids)
        host_ids = g_hash_table_new(host_key_hash, host_key_equal);
    found = g_hash_table_lookup(host_ids, &key);
    if (found) {
        *id = GPOINTER_TO_UINT(found) - 1;
        return TRUE;
    }
    guint32 next = (guint32)host_keys.count;
    struct host_key *kept = tw_table_at(&host_keys, next);
    if (!kept)
        return FALSE;
    *kept = key;
    g_hash_table_insert(host_ids, kept, GUINT_TO_POINTER(next + 1));
    *id = next;
    return TRUE;
}

static char *host_str(guint32 id)
{
    const struct host_key *k = tw_table_get(&host_keys, id);
    address a;
    if (!k)
        return g_strdup("?");
    set_address(&a, k->type, k->len, k->bytes);
    char *s = address_to_str(NULL, &a);
    char *copy = g_strdup(s);
    wmem_free(NULL, s);
    return copy;
}

static void engine_start(void)
{
    struct tw_hosts_config cfg;
    for (int i = 0; i < TW_HC_COUNT; i++)
        cfg.timeout_ns[i] = (gint64)pref_timeout[i] * 1000000000;
    tw_hosts_init(&engine, &cfg);
    engine_ready = TRUE;
}

void tcpwave_hosts_analyse(const address *src, const address *dst, const struct tw_segment *s,
                           const struct tcpwave_rec *rec, guint32 conn, guint32 previous)
{
    struct tw_hosts_input in;
    struct tw_hosts_change changes[TW_HOSTS_MAX_CHANGES];
    const struct tw_hosts_conn *known;
    unsigned n;

    if (!engine_ready)
        engine_start();
    memset(&in, 0, sizeof in);
    known = tw_hosts_conn(&engine, conn);
    if (known) {
        in.host[TW_C] = known->host[TW_C];
        in.host[TW_S] = known->host[TW_S];
    } else {
        guint32 src_id, dst_id;
        if (!host_id(src, &src_id) || !host_id(dst, &dst_id))
            return;
        in.host[TW_C] = rec->from_server ? dst_id : src_id;
        in.host[TW_S] = rec->from_server ? src_id : dst_id;
    }
    in.time_ns = s->time_ns;
    in.conn = conn;
    in.port[TW_C] = rec->from_server ? s->dport : s->sport;
    in.port[TW_S] = rec->from_server ? s->sport : s->dport;
    in.tcp_flags = s->flags;
    in.from_server = rec->from_server;
    in.previous = previous;
    in.v = rec->v;
    n = tw_hosts_step(&engine, &in, changes);
    for (unsigned i = 0; i < n; i++) {
        struct mark *m = tw_table_at(&marks, marks.count);
        if (!m)
            return;
        *m = (struct mark){s->frame, changes[i].host, changes[i].value << 2 | changes[i].count};
    }
}

/* The first mark of a frame, by binary search (marks are in frame order). */
static size_t first_mark(guint32 frame)
{
    size_t lo = 0, hi = marks.count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (((const struct mark *)tw_table_get(&marks, mid))->frame < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool referenced(proto_tree *tree, int hf) { return proto_field_is_referenced(tree, hf); }
static bool primed(proto_tree *tree _U_, int hf) { return tw_field_primed(hf); }

/* Does `asked` say yes for one of the tcpwave.host fields? */
static bool any_host_field(bool (*asked)(proto_tree *, int), proto_tree *tree)
{
    if (asked(tree, proto_host) || asked(tree, hf_host_addr))
        return true;
    for (int i = 0; i < TW_HC_COUNT; i++)
        if (asked(tree, hf_host_count[i]))
            return true;
    return false;
}

bool tcpwave_hosts_wanted(proto_tree *tree)
{
    return pref_hosts || any_host_field(referenced, tree);
}

bool tcpwave_hosts_primed(void)
{
    return any_host_field(primed, NULL);
}

void tcpwave_hosts_render(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    if (!tree || marks.count == 0)
        return;
    for (size_t i = first_mark(pinfo->num); i < marks.count;) {
        const struct mark *m = tw_table_get(&marks, i);
        if (m->frame != pinfo->num)
            break;
        guint32 host = m->host;
        char *addr = host_str(host);
        proto_item *ti = proto_tree_add_item(tree, proto_host, tvb, 0, 0, ENC_NA);
        proto_tree *t = proto_item_add_subtree(ti, ett_host);
        proto_item_set_generated(ti);
        proto_item_append_text(ti, ": %s", addr);
        proto_item_set_generated(proto_tree_add_string(t, hf_host_addr, tvb, 0, 0, addr));
        g_free(addr);
        /* This host's marks of the frame (a segment changes at most two hosts). */
        for (size_t j = i; j < marks.count; j++) {
            const struct mark *n = tw_table_get(&marks, j);
            if (n->frame != pinfo->num)
                break;
            if (n->host == host) {
                unsigned count = n->value_count & 3;
                proto_item_set_generated(proto_tree_add_uint(t, hf_host_count[count], tvb, 0, 0, n->value_count >> 2));
                proto_item_append_text(ti, ", %s %u", tw_hosts_count_name(count), n->value_count >> 2);
            }
        }
        /* Skip to the next host not yet shown. */
        for (i++; i < marks.count; i++) {
            const struct mark *n = tw_table_get(&marks, i);
            if (n->frame != pinfo->num)
                break;
            gboolean shown = FALSE;
            for (size_t j = first_mark(pinfo->num); j < i; j++)
                if (((const struct mark *)tw_table_get(&marks, j))->host == n->host)
                    shown = TRUE;
            if (!shown)
                break;
        }
    }
}

size_t tcpwave_hosts_bytes(void)
{
    return (engine_ready ? tw_hosts_bytes(&engine) : 0) + tw_table_bytes(&marks) + tw_table_bytes(&host_keys);
}

void tcpwave_hosts_cleanup(void)
{
    if (g_getenv("TCPWAVE_MEMSTATS") && engine_ready)
        fprintf(stderr,
                "tcpwave hosts memory: hosts %zu connections %zu marks %zu heap_max %zu ports %zu | bytes: "
                "engine %zu marks %zu host keys %zu\n",
                engine.hosts.count, engine.conns.count, marks.count, engine.heap_max, engine.ports_n,
                tw_hosts_bytes(&engine), tw_table_bytes(&marks),
                tw_table_bytes(&host_keys) + (host_ids ? g_hash_table_size(host_ids) * 4 * sizeof(gpointer) : 0));
    if (engine_ready)
        tw_hosts_clear(&engine);
    engine_ready = FALSE;
    tw_table_clear(&marks);
    tw_table_clear(&host_keys);
    if (host_ids) {
        g_hash_table_destroy(host_ids);
        host_ids = NULL;
    }
}

/* ---- The reports ---- */


struct report {
    char *filter;
    gboolean tuning;
    struct tw_table selected; /* guint8 by host id: 1 when a matching segment involved it */
};

static tap_packet_status report_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                       const void *data, tap_flags_t flags _U_)
{
    struct report *r = tapdata;
    const struct tcpwave_tap_info *info = data;
    const struct tw_hosts_conn *c = engine_ready ? tw_hosts_conn(&engine, info->conn) : NULL;

    if (!c)
        return TAP_PACKET_DONT_REDRAW;
    for (int e = 0; e < 2; e++) {
        guint8 *sel = tw_table_at(&r->selected, c->host[e]);
        if (sel)
            *sel = 1;
    }
    return TAP_PACKET_REDRAW;
}

static gboolean selected(const struct report *r, guint32 id)
{
    const guint8 *sel = tw_table_get(&r->selected, id);
    return sel && *sel;
}

static double secs(gint64 ns) { return (double)ns / 1e9; }

/* Seconds since the capture's first analysed segment. */
static double rel(gint64 ns) { return secs(ns - engine.first_ns); }

static void print_hosts(const struct report *r, FILE *out)
{
    fprintf(out, "\n=====================================================================================================\n");
    fprintf(out, "tcpwave hosts: occupancy per host (first-pass states; TIME_WAIT %us, FIN_WAIT2 %us, SYN_RECV %us, "
           "CLOSE_WAIT %s)\n",
           pref_timeout[TW_HC_TIME_WAIT], pref_timeout[TW_HC_FIN_WAIT2], pref_timeout[TW_HC_SYN_RECV],
           pref_timeout[TW_HC_CLOSE_WAIT] ? "timed" : "no timer");
    fprintf(out, "Filter: %s\n", r->filter ? r->filter : "");
    fprintf(out, "Host|Conns as client|Conns as server|Closes started|TIME_WAIT peak|TIME_WAIT peak at (s)|TIME_WAIT at end|"
           "TIME_WAIT expired|TIME_WAIT ended by a segment|TIME_WAIT ended by SYN|CLOSE_WAIT peak|CLOSE_WAIT at end|"
           "CLOSE_WAIT longest (s)|FIN_WAIT2 peak|FIN_WAIT2 longest (s)|FIN_WAIT2 expired|SYN_RECV peak|SYN_RECV at end|"
           "SYNs received|"
           "SYNs unanswered|SYNs answered after retransmission|SYN-ACKs retransmitted|RSTs sent|RSTs received|"
           "Client ports|Client concurrent peak|Port reuses|Port reuses in TIME_WAIT|Shortest port reuse (s)|"
           "Keep-alives|Shortest keep-alive idle (s)\n");
    for (guint32 id = 0; id < engine.hosts.count; id++) {
        const struct tw_host *h = tw_hosts_host(&engine, id);
        if (!h || !h->seen || !selected(r, id))
            continue;
        char *addr = host_str(id);
        gint64 cw = MAX(h->longest_ns[TW_HC_CLOSE_WAIT], h->longest_open_ns[TW_HC_CLOSE_WAIT]);
        gint64 fw = MAX(h->longest_ns[TW_HC_FIN_WAIT2], h->longest_open_ns[TW_HC_FIN_WAIT2]);
        fprintf(out, "%s|%u|%u|%u|%u|", addr, h->conns_client, h->conns_server, h->closes_started,
               h->peak[TW_HC_TIME_WAIT]);
        if (h->peak[TW_HC_TIME_WAIT])
            fprintf(out, "%.3f|", rel(h->peak_ns[TW_HC_TIME_WAIT]));
        else
            fprintf(out, "-|");
        fprintf(out, "%u|%u|%u|%u|%u|%u|%.3f|%u|%.3f|%u|%u|%u|%u|%u|%u|%u|%u|%u|", h->cur[TW_HC_TIME_WAIT],
               h->ended[TW_HC_TIME_WAIT][TW_HE_TIMER], h->ended[TW_HC_TIME_WAIT][TW_HE_SEGMENT],
               h->ended[TW_HC_TIME_WAIT][TW_HE_REUSE], h->peak[TW_HC_CLOSE_WAIT], h->cur[TW_HC_CLOSE_WAIT],
               secs(cw), h->peak[TW_HC_FIN_WAIT2], secs(fw), h->ended[TW_HC_FIN_WAIT2][TW_HE_TIMER],
               h->peak[TW_HC_SYN_RECV], h->cur[TW_HC_SYN_RECV], h->syns_received, h->syns_unanswered, h->syns_answered_late,
               h->synacks_retransmitted, h->rst_sent, h->rst_received);
        if (h->conns_client)
            fprintf(out, "%u-%u|", h->port_lo, h->port_hi);
        else
            fprintf(out, "-|");
        fprintf(out, "%u|%u|%u|", h->client_open_peak, h->port_reuses, h->port_reuses_time_wait);
        if (h->port_reuses)
            fprintf(out, "%.3f|", secs(h->port_reuse_min_ns));
        else
            fprintf(out, "-|");
        fprintf(out, "%u|", h->keepalives);
        if (h->keepalives)
            fprintf(out, "%.3f\n", secs(h->keepalive_idle_min_ns));
        else
            fprintf(out, "-\n");
        g_free(addr);
    }
    fprintf(out, "\nListening ports (server address:port that sent a SYN-ACK)\n");
    fprintf(out, "Server|Port|SYNs received|Half-open (SYN_RECV) peak|Peak at (s)|Half-open at end\n");
    for (size_t i = 0; i < engine.ports_cap; i++) {
        const struct tw_hosts_port *p = tw_hosts_port_at(&engine, i);
        if (!p || !selected(r, p->host_plus1 - 1) || p->peak == 0)
            continue;
        char *addr = host_str(p->host_plus1 - 1);
        fprintf(out, "%s|%u|%u|%u|%.3f|%u\n", addr, p->port, p->syns_received, p->peak, rel(p->peak_ns), p->syn_recv);
        g_free(addr);
    }
    fprintf(out, "=====================================================================================================\n");
}

/* The host with the largest value of a figure, among those shown. */
static gboolean top_host(const struct report *r, guint32 (*figure)(const struct tw_host *), guint32 *id, guint32 *value)
{
    gboolean found = FALSE;
    for (guint32 i = 0; i < engine.hosts.count; i++) {
        const struct tw_host *h = tw_hosts_host(&engine, i);
        if (!h || !h->seen || !selected(r, i))
            continue;
        guint32 v = figure(h);
        if (v && (!found || v > *value)) {
            *id = i;
            *value = v;
            found = TRUE;
        }
    }
    return found;
}

static guint32 fig_tw_peak(const struct tw_host *h) { return h->peak[TW_HC_TIME_WAIT]; }
static guint32 fig_unanswered(const struct tw_host *h) { return h->syns_unanswered + h->syns_answered_late; }
static guint32 fig_reuse_tw(const struct tw_host *h) { return h->port_reuses_time_wait; }
static guint32 fig_fw2_ms(const struct tw_host *h)
{
    gint64 fw = MAX(h->longest_ns[TW_HC_FIN_WAIT2], h->longest_open_ns[TW_HC_FIN_WAIT2]);
    return fw > 0 ? (guint32)MIN(fw / 1000000 + 1, G_MAXUINT32) : 0;
}
static guint32 fig_keepalives(const struct tw_host *h) { return h->keepalives; }
static guint32 fig_client_peak(const struct tw_host *h) { return h->conns_client ? h->client_open_peak : 0; }

static void print_tuning(const struct report *r, FILE *out)
{
    guint32 id = 0, v = 0;
    char *a;

    fprintf(out, "\n=====================================================================================================\n");
    fprintf(out, "tcpwave tuning: the seed's sysctls against this capture (docs/hosts.md cites the kernel sources)\n");
    fprintf(out, "Filter: %s\n\n", r->filter ? r->filter : "");

    fprintf(out, "net.ipv4.tcp_syncookies (post: 1; Linux default: 1)\n");
    if (top_host(r, fig_unanswered, &id, &v)) {
        const struct tw_host *h = tw_hosts_host(&engine, id);
        a = host_str(id);
        fprintf(out, "  %s received %u SYNs: %u never answered, %u answered only after a retransmission; "
               "%u SYN-ACKs retransmitted.\n",
               a, h->syns_received, h->syns_unanswered, h->syns_answered_late, h->synacks_retransmitted);
        fprintf(out, "  A listener dropped or ignored SYNs.  Cookies answer SYNs when the SYN queue overflows; a full "
               "accept queue drops them with or without cookies.  The capture cannot tell which queue was full.\n");
        g_free(a);
    } else {
        fprintf(out, "  Every captured SYN was answered at its first copy: nothing here shows a SYN queue overflow.\n");
    }

    fprintf(out, "\nnet.ipv4.tcp_max_syn_backlog (post: 8192; Linux default: max(128, established hash size / 128), "
           "per listener, also bounded by listen()'s backlog and net.core.somaxconn)\n");
    guint32 best_peak = 0;
    const struct tw_hosts_port *best = NULL;
    for (size_t i = 0; i < engine.ports_cap; i++) {
        const struct tw_hosts_port *p = tw_hosts_port_at(&engine, i);
        if (p && selected(r, p->host_plus1 - 1) && p->peak > best_peak) {
            best = p;
            best_peak = p->peak;
        }
    }
    if (best) {
        a = host_str(best->host_plus1 - 1);
        fprintf(out, "  The most half-open connections on one listening port: %u on %s port %u (at %.3f s).\n", best->peak,
               a, best->port, rel(best->peak_ns));
        fprintf(out, "  %s\n", best->peak < 128 ? "That is below 128, the smallest default: neither value would change "
                                            "anything here."
                                          : "That reaches the range where the limit matters.");
        g_free(a);
        guint32 sid = 0, dropped = 0;
        if (top_host(r, fig_unanswered, &sid, &dropped) && sid == best->host_plus1 - 1 && best->peak < 96)
            fprintf(out, "  SYNs went unanswered or were answered late while at most %u half-open were seen on it: the "
                   "queue that was full was the listener's own (listen()'s backlog, capped by net.core.somaxconn) "
                   "or its accept queue.  tcp_max_syn_backlog drops requests only once more than 3/4 of it are "
                   "half-open, and only without syncookies: at the default (at least 128) or the post's value it "
                   "played no part here.\n", best->peak);
    } else {
        fprintf(out, "  No SYN-ACK was captured: the capture shows nothing about the SYN backlog.\n");
    }

    fprintf(out, "\nnet.ipv4.tcp_max_tw_buckets (post: 5000; Linux default: established hash size / 2)\n");
    if (top_host(r, fig_tw_peak, &id, &v)) {
        const struct tw_host *h = tw_hosts_host(&engine, id);
        a = host_str(id);
        fprintf(out, "  The most TIME_WAIT sockets one host held: %u on %s (at %.3f s); %u at the end of the capture.\n", v, a,
               rel(h->peak_ns[TW_HC_TIME_WAIT]), h->cur[TW_HC_TIME_WAIT]);
        if (v > 5000)
            fprintf(out, "  With 5000, %s would have destroyed at least %u TIME_WAIT sockets at once (the kernel logs "
                   "\"time wait bucket table overflow\").\n", a, v - 5000);
        else
            fprintf(out, "  That is below 5000: the post's value would change nothing here.\n");
        g_free(a);
    } else {
        fprintf(out, "  No host entered TIME_WAIT in this capture.\n");
    }

    fprintf(out, "\nnet.ipv4.tcp_tw_reuse (post: 1; Linux default: 2 = loopback only)\n");
    if (top_host(r, fig_reuse_tw, &id, &v)) {
        const struct tw_host *h = tw_hosts_host(&engine, id);
        a = host_str(id);
        fprintf(out, "  %s opened %u connections on a 4-tuple still in TIME_WAIT (shortest reuse %.3f s after the earlier "
               "connection's last segment).\n", a, v, secs(h->port_reuse_min_ns));
        g_free(a);
    } else {
        fprintf(out, "  No connection reused a 4-tuple still in TIME_WAIT.\n");
    }
    fprintf(out, "  tcp_tw_reuse only lets connect() take a TIME_WAIT 4-tuple (timestamps on, more than 1 s after its "
           "last segment); it does nothing for TIME_WAIT held by a server after its own close.\n");

    fprintf(out, "\nnet.ipv4.tcp_tw_recycle (post: 1)\n");
    fprintf(out, "  Removed in Linux 4.12 (it broke clients behind NAT); the setting no longer exists.\n");

    fprintf(out, "\nnet.ipv4.tcp_fin_timeout (post: 30; Linux default: 60)\n");
    if (top_host(r, fig_fw2_ms, &id, &v)) {
        const struct tw_host *h = tw_hosts_host(&engine, id);
        gint64 fw = MAX(h->longest_ns[TW_HC_FIN_WAIT2], h->longest_open_ns[TW_HC_FIN_WAIT2]);
        a = host_str(id);
        fprintf(out, "  The longest FIN_WAIT2: %.3f s on %s.\n", secs(fw), a);
        fprintf(out, "  %s\n", fw > 30 * G_GINT64_CONSTANT(1000000000)
                             ? "Longer than 30 s: with 30, an orphaned socket would have been closed sooner."
                             : "Within 30 s: the post's value would change nothing here.");
        g_free(a);
    } else {
        fprintf(out, "  No host sat in FIN_WAIT2.\n");
    }
    fprintf(out, "  tcp_fin_timeout bounds FIN_WAIT2 of orphaned sockets only; TIME_WAIT lasts TCP_TIMEWAIT_LEN (60 s), "
           "which no sysctl changes.\n");

    fprintf(out, "\nnet.ipv4.tcp_keepalive_time (post: 1200; Linux default: 7200)\n");
    if (top_host(r, fig_keepalives, &id, &v)) {
        const struct tw_host *h = tw_hosts_host(&engine, id);
        a = host_str(id);
        fprintf(out, "  %s sent %u keep-alive probes; the shortest idle time before one was %.3f s.\n", a, v,
               secs(h->keepalive_idle_min_ns));
        if (h->keepalive_idle_min_ns < 1200 * G_GINT64_CONSTANT(1000000000))
            fprintf(out, "  That is shorter than both values: the socket set its own TCP_KEEPIDLE, which the sysctl does "
                   "not override.\n");
        g_free(a);
    } else {
        fprintf(out, "  No keep-alive probe was captured.\n");
    }

    fprintf(out, "\nnet.ipv4.ip_local_port_range (post: 1024 65000; Linux default: 32768 60999, 28232 ports)\n");
    if (top_host(r, fig_client_peak, &id, &v)) {
        const struct tw_host *h = tw_hosts_host(&engine, id);
        a = host_str(id);
        fprintf(out, "  %s used client ports %u-%u; at most %u of its connections were open at once (TIME_WAIT held as "
               "client not included).\n", a, h->port_lo, h->port_hi, v);
        fprintf(out, "  %s\n", v < 28232 ? "Far from the default range's 28232 ports: the post's range would change nothing "
                                     "here."
                                   : "That reaches the default range's size.");
        g_free(a);
    } else {
        fprintf(out, "  No client connection was captured.\n");
    }
    fprintf(out, "=====================================================================================================\n");
}

/* The report, to stdout for tshark's -z, to a temporary file while the GUI
 * takes its text (tcpwave_hosts_report_text()). */
static void report_print(const struct report *r, FILE *out)
{
    if (!(tcpwave_computed() & TCPWAVE_WANT_HOSTS)) {
        fprintf(out, "=====================================================================================================\n"
               "%s: the per-host counts were not computed when this file was read.  They are computed when\n"
               "the report is open (or a tcpwave.host field filtered on) as the file is read, or with the\n"
               "preference tcpwave.hosts: read the file again (View > Reload).\n"
               "=====================================================================================================\n",
               r->tuning ? "TCP Tuning" : "TCP Hosts");
        return;
    }
    if (!engine_ready)
        engine_start();
    tw_hosts_finish(&engine, engine.now);
    if (r->tuning)
        print_tuning(r, out);
    else
        print_hosts(r, out);
}

static void report_draw(void *tapdata)
{
    report_print(tapdata, stdout);
}

static void report_finish(void *tapdata)
{
    struct report *r = tapdata;
    tw_table_clear(&r->selected);
    g_free(r->filter);
    g_free(r);
}

char *tcpwave_hosts_report_text(gboolean tuning, const char *filter, void (*retap)(void *), void *retap_data,
                                char **error)
{
    struct report *r = g_new0(struct report, 1);

    /* Counts not computed for this file (no preference, nothing asked as it
     * was read): the report says so, and View > Reload now computes them. */
    tcpwave_want(TCPWAVE_WANT_HOSTS);
    r->tuning = tuning;
    r->selected = (struct tw_table)TW_TABLE_INIT(guint8);
    r->filter = filter && filter[0] ? g_strdup(filter) : NULL;
    GString *err = register_tap_listener("tcpwave", r, r->filter, TL_REQUIRES_NOTHING, NULL, report_packet, NULL,
                                         NULL);
    if (err) {
        *error = g_string_free(err, FALSE);
        report_finish(r);
        return NULL;
    }
    retap(retap_data);
    remove_tap_listener(r);
    /* A temporary file (ISO C), read back. */
    GString *text = g_string_new(NULL);
    FILE *f = tmpfile();
    if (f) {
        char buf[4096];
        size_t n;
        report_print(r, f);
        rewind(f);
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            g_string_append_len(text, buf, (gssize)n);
        fclose(f);
    } else {
        g_string_append(text, "No temporary file for the report.\n");
    }
    report_finish(r);
    return g_string_free(text, FALSE);
}

static gboolean report_start(const char *opt_arg, gboolean tuning)
{
    const char *prefix = tuning ? "tcpwave,tuning" : "tcpwave,hosts";
    struct report *r = g_new0(struct report, 1);
    GString *err;

    tcpwave_want(TCPWAVE_WANT_HOSTS);
    r->tuning = tuning;
    r->selected = (struct tw_table)TW_TABLE_INIT(guint8);
    if (strncmp(opt_arg, prefix, strlen(prefix)) == 0 && opt_arg[strlen(prefix)] == ',')
        r->filter = g_strdup(opt_arg + strlen(prefix) + 1);
    err = register_tap_listener("tcpwave", r, r->filter, TL_REQUIRES_NOTHING, NULL, report_packet, report_draw,
                                report_finish);
    if (err) {
        fprintf(stderr, "tshark: Couldn't register %s tap: %s\n", prefix, err->str);
        g_string_free(err, TRUE);
        g_free(r->filter);
        g_free(r);
        return FALSE;
    }
    return TRUE;
}

static gboolean hosts_start(const char *opt_arg, void *userdata _U_) { return report_start(opt_arg, FALSE); }
static gboolean tuning_start(const char *opt_arg, void *userdata _U_) { return report_start(opt_arg, TRUE); }

TW_STAT_TAP_INIT(hosts_init, hosts_start)
TW_STAT_TAP_INIT(tuning_init, tuning_start)

/* ---- Registration ---- */

void tcpwave_hosts_register(void)
{
    static hf_register_info hf[] = {
        {&hf_host_addr, {"Host", "tcpwave.host.addr", FT_STRING, BASE_NONE, NULL, 0x0,
                         "The host whose counts this segment changed", HFILL}},
        {&hf_host_count[TW_HC_TIME_WAIT], {"TIME_WAIT sockets", "tcpwave.host.time_wait", FT_UINT32, BASE_DEC, NULL,
                                           0x0, "The host's TIME_WAIT count after this segment", HFILL}},
        {&hf_host_count[TW_HC_CLOSE_WAIT], {"CLOSE_WAIT sockets", "tcpwave.host.close_wait", FT_UINT32, BASE_DEC,
                                            NULL, 0x0, "The host's CLOSE_WAIT count after this segment", HFILL}},
        {&hf_host_count[TW_HC_FIN_WAIT2], {"FIN_WAIT2 sockets", "tcpwave.host.fin_wait2", FT_UINT32, BASE_DEC, NULL,
                                           0x0, "The host's FIN_WAIT2 count after this segment", HFILL}},
        {&hf_host_count[TW_HC_SYN_RECV], {"SYN_RECV (half-open) connections", "tcpwave.host.syn_recv", FT_UINT32,
                                          BASE_DEC, NULL, 0x0, "The host's SYN_RECV count after this segment",
                                          HFILL}},
    };
    static gint *ett[] = {&ett_host};
    static stat_tap_ui hosts_ui = {
        .group = REGISTER_STAT_GROUP_GENERIC,
        .title = "TCP Hosts (tcpwave)",
        .cli_string = "tcpwave,hosts",
        .tap_init_cb = hosts_init,
    };
    static stat_tap_ui tuning_ui = {
        .group = REGISTER_STAT_GROUP_GENERIC,
        .title = "TCP Tuning (tcpwave)",
        .cli_string = "tcpwave,tuning",
        .tap_init_cb = tuning_init,
    };
    module_t *module = prefs_find_module("tcpwave");

    proto_host = proto_register_protocol("tcpwave host occupancy", "tcpwave.host", "tcpwave.host");
    proto_register_field_array(proto_host, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    if (module) {
        prefs_register_bool_preference(module, "hosts", "Compute the per-host counts",
                                       "Count each host's TIME_WAIT, CLOSE_WAIT, FIN_WAIT2 and SYN_RECV sockets "
                                       "(tcpwave.host.* fields, the hosts and tuning reports).  Off: computed only "
                                       "when the file is read with a report open or a tcpwave.host field in a display "
                                       "filter; it costs time and memory on every segment.  Takes effect when the "
                                       "file is read again (View > Reload)", &pref_hosts);
        prefs_register_uint_preference(module, "time_wait_seconds", "TIME_WAIT duration (s)",
                                       "How long a socket stays in TIME_WAIT, in seconds.  Linux: 60 "
                                       "(TCP_TIMEWAIT_LEN, no sysctl changes it); FreeBSD and OpenBSD: 60 "
                                       "(2 x MSL of 30 s; FreeBSD net.inet.tcp.msl); macOS: 30 (2 x MSL of 15 s); "
                                       "Windows: TcpTimedWaitDelay, 120 since Server 2003 (240 in Windows 2000); "
                                       "Solaris and illumos: tcp_time_wait_interval, 60.  docs/hosts.md cites the "
                                       "sources",
                                       10,
                                       &pref_timeout[TW_HC_TIME_WAIT]);
        prefs_register_uint_preference(module, "fin_wait2_seconds", "FIN_WAIT2 timeout (s), 0: none",
                                       "How long an orphaned socket stays in FIN_WAIT2 (Linux tcp_fin_timeout: 60)",
                                       10, &pref_timeout[TW_HC_FIN_WAIT2]);
        prefs_register_uint_preference(module, "syn_recv_seconds", "SYN_RECV timeout (s), 0: none",
                                       "How long a request stays half-open (Linux, tcp_synack_retries 5: 63)", 10,
                                       &pref_timeout[TW_HC_SYN_RECV]);
        prefs_register_uint_preference(module, "close_wait_seconds", "CLOSE_WAIT timeout (s), 0: none",
                                       "CLOSE_WAIT lasts until the application closes: no timer by default", 10,
                                       &pref_timeout[TW_HC_CLOSE_WAIT]);
    }
    register_stat_tap_ui(&hosts_ui, NULL);
    register_stat_tap_ui(&tuning_ui, NULL);
}
