/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcpwave-ladder.c - the textbook figure of a connection: both endpoints'
 * states after every handshake and close segment, the segment's role and
 * step, data and plain ACKs summarised.
 *
 * A ladder listens twice on the "tcpwave" tap: once with no filter, to
 * record every connection's lines (a connection is drawn whole), and once
 * with the filter, to select the connections one of whose frames matches.
 * tshark -z tcpwave,ladder prints the text once the file is read; the GUI
 * retaps the file and shows the same text in a window. */
#define WS_LOG_DOMAIN "tcpwave"

#include <wireshark.h>

#include <epan/address.h>
#include <epan/packet_info.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include "tcpwave-ladder.h"
#include "tcpwave.h"
#include "tw_table.h"

struct ladder_line {
    guint32 frame;
    nstime_t time;
    guint32 skipped;     /* data/ACK segments summarised before this line */
    guint32 skipped_rtx; /* of which retransmissions */
    struct tcpwave_rec rec;
};

struct ladder_conn {
    char *client, *server;
    struct tw_summary summary; /* as of its latest segment */
    GArray *lines;             /* struct ladder_line; NULL: no segment seen */
    GArray *streams;           /* guint32: the tcp.stream numbers it was seen under */
    guint32 skipped, skipped_rtx;
    gboolean selected;
};

/* The filtered listener's tap data: a pointer of its own, so that the two
 * listeners can be removed one by one. */
struct ladder_selector {
    struct tw_ladder *ladder;
};

struct tw_ladder {
    char *filter;           /* NULL: every connection */
    struct tw_table conns;  /* struct ladder_conn, by connection id */
    struct ladder_selector selector;
    gboolean recording, selecting; /* the listeners registered */
};

char *tw_endpoint_str(const address *addr, uint32_t port)
{
    char *a = address_to_str(NULL, addr);
    char *s = addr->type == AT_IPv6 ? g_strdup_printf("[%s]:%u", a, port) : g_strdup_printf("%s:%u", a, port);
    wmem_free(NULL, a);
    return s;
}

struct tw_ladder *tw_ladder_new(const char *filter)
{
    struct tw_ladder *l = g_new0(struct tw_ladder, 1);
    l->conns = (struct tw_table)TW_TABLE_INIT(struct ladder_conn);
    l->filter = filter && filter[0] ? g_strdup(filter) : NULL;
    l->selector.ladder = l;
    return l;
}

/* Roles that get a line of their own; the rest are summarised. */
static gboolean worth_a_line(const struct tcpwave_rec *rec)
{
    /* A segment that changes an end's state is drawn, whatever it carries
     * (the data a server takes after its SYN-ACK came again, a segment
     * that proves a state the capture missed). */
    if (rec->v.prev[TW_C] != rec->v.next[TW_C] || rec->v.prev[TW_S] != rec->v.next[TW_S])
        return TRUE;
    switch (rec->v.role) {
    case TW_ROLE_DATA:
    case TW_ROLE_ACK:
    case TW_ROLE_KEEPALIVE: return FALSE;
    case TW_ROLE_RETRANS: return tw_step_kind(rec->v.step) != TW_STEP_NONE || (rec->tcp_flags & TW_TH_RST);
    default: return TRUE;
    }
}

static void note_stream(struct ladder_conn *lc, guint32 stream)
{
    for (guint i = 0; i < lc->streams->len; i++)
        if (g_array_index(lc->streams, guint32, i) == stream)
            return;
    g_array_append_val(lc->streams, stream);
}

/* Every tcpwave frame: the line (or the summary) of its connection. */
static tap_packet_status record_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
                                       tap_flags_t flags _U_)
{
    struct tw_ladder *l = tapdata;
    const struct tcpwave_tap_info *info = data;
    const struct tcpwave_rec *rec = &info->rec;
    struct ladder_conn *lc = tw_table_at(&l->conns, info->conn);

    if (!lc)
        return TAP_PACKET_FAILED;
    lc->summary = info->summary;
    if (!lc->lines) {
        char *src = tw_endpoint_str(&pinfo->net_src, pinfo->srcport);
        char *dst = tw_endpoint_str(&pinfo->net_dst, pinfo->destport);
        lc->client = rec->from_server ? dst : src;
        lc->server = rec->from_server ? src : dst;
        lc->lines = g_array_new(FALSE, FALSE, sizeof(struct ladder_line));
        lc->streams = g_array_new(FALSE, FALSE, sizeof(guint32));
        if (!l->filter)
            lc->selected = TRUE;
    }
    note_stream(lc, rec->stream);
    if (!worth_a_line(rec)) {
        lc->skipped++;
        lc->skipped_rtx += rec->v.role == TW_ROLE_RETRANS;
        return TAP_PACKET_DONT_REDRAW;
    }
    struct ladder_line line = {
        .frame = pinfo->num,
        .time = pinfo->abs_ts,
        .skipped = lc->skipped,
        .skipped_rtx = lc->skipped_rtx,
        .rec = *rec,
    };
    g_array_append_val(lc->lines, line);
    lc->skipped = lc->skipped_rtx = 0;
    return TAP_PACKET_REDRAW;
}

/* Frames matching the filter: their connection is drawn.  The tap calls
 * listeners in no promised order, so the connection may not be recorded
 * yet: the mark waits in a zeroed entry. */
static tap_packet_status select_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                       const void *data, tap_flags_t flags _U_)
{
    struct ladder_selector *sel = tapdata;
    const struct tcpwave_tap_info *info = data;
    struct ladder_conn *lc = tw_table_at(&sel->ladder->conns, info->conn);

    if (!lc)
        return TAP_PACKET_FAILED;
    lc->selected = TRUE;
    return TAP_PACKET_DONT_REDRAW;
}

GString *tw_ladder_listen(struct tw_ladder *l, void (*draw)(void *ladder), void (*finish)(void *ladder))
{
    GString *err;

    if (l->filter) {
        err = register_tap_listener("tcpwave", &l->selector, l->filter, TL_REQUIRES_NOTHING, NULL, select_packet,
                                    NULL, NULL);
        if (err)
            return err;
        l->selecting = TRUE;
    }
    err = register_tap_listener("tcpwave", l, NULL, TL_REQUIRES_NOTHING, NULL, record_packet, draw, finish);
    if (err) {
        tw_ladder_unlisten(l);
        return err;
    }
    l->recording = TRUE;
    return NULL;
}

void tw_ladder_unlisten(struct tw_ladder *l)
{
    if (l->selecting)
        remove_tap_listener(&l->selector);
    if (l->recording)
        remove_tap_listener(l);
    l->selecting = l->recording = FALSE;
}

void tw_ladder_free(struct tw_ladder *l)
{
    for (size_t i = 0; i < l->conns.count; i++) {
        struct ladder_conn *lc = tw_table_get(&l->conns, i);
        if (lc->lines)
            g_array_free(lc->lines, TRUE);
        if (lc->streams)
            g_array_free(lc->streams, TRUE);
        g_free(lc->client);
        g_free(lc->server);
    }
    tw_table_clear(&l->conns);
    g_free(l->filter);
    g_free(l);
}

/* A connection drawn: recorded and selected. */
static const struct ladder_conn *drawn(const struct tw_ladder *l, size_t id)
{
    const struct ladder_conn *lc = tw_table_get(&l->conns, id);
    return lc && lc->lines && lc->selected ? lc : NULL;
}

static const struct ladder_conn *nth_drawn(const struct tw_ladder *l, unsigned n)
{
    for (size_t id = 0; id < l->conns.count; id++) {
        const struct ladder_conn *lc = drawn(l, id);
        if (lc && n-- == 0)
            return lc;
    }
    return NULL;
}

unsigned tw_ladder_count(const struct tw_ladder *l)
{
    unsigned n = 0;
    for (size_t id = 0; id < l->conns.count; id++)
        n += drawn(l, id) != NULL;
    return n;
}

const struct tw_summary *tw_ladder_summary(const struct tw_ladder *l, unsigned i)
{
    const struct ladder_conn *lc = nth_drawn(l, i);
    return lc ? &lc->summary : NULL;
}

char *tw_ladder_stream_filter(const struct tw_ladder *l, unsigned i)
{
    const struct ladder_conn *lc = nth_drawn(l, i);
    if (!lc || lc->streams->len == 0)
        return NULL;
    if (lc->streams->len == 1)
        return g_strdup_printf("tcp.stream == %u", g_array_index(lc->streams, guint32, 0));
    GString *f = g_string_new("tcp.stream in {");
    for (guint s = 0; s < lc->streams->len; s++)
        g_string_append_printf(f, "%s%u", s ? ", " : "", g_array_index(lc->streams, guint32, s)); /* 4.0 wants the commas */
    g_string_append_c(f, '}');
    return g_string_free(f, FALSE);
}

/* ---- The text ---- */

static void flags_str(char *buf, size_t size, guint8 flags)
{
    static const struct {
        guint8 bit;
        const char *name;
    } names[] = {{0x02, "SYN"}, {0x01, "FIN"}, {0x04, "RST"}, {0x08, "PSH"},
                 {0x10, "ACK"}, {0x20, "URG"}, {0x40, "ECE"}, {0x80, "CWR"}};
    buf[0] = '\0';
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!(flags & names[i].bit))
            continue;
        if (buf[0])
            g_strlcat(buf, ",", size);
        g_strlcat(buf, names[i].name, size);
    }
    if (!buf[0])
        g_strlcpy(buf, "none", size);
}

/* The layout: at most LINE_WIDTH characters a line, so that Wireshark's
 * text window shows each line whole at the size it opens (4.0: 620 pixels
 * wide, 73 columns, unless many buttons widen it).  Each arrow is labelled
 * with the segment's role, as a textbook draws it (SYN, SYN-ACK, ACK, first
 * FIN, FIN+ACK, final ACK, ...); the step number stands at the right, under
 * a heading line for the handshake and for the close. */
#define FRAME_WIDTH 6
#define TIME_WIDTH 10
#define STATE_WIDTH 11 /* ESTABLISHED */
#define ARROW_WIDTH 23 /* "--- ACK of second FIN >" */
#define LINE_WIDTH 72
/* Where the arrow starts. */
#define ARROW_COLUMN (FRAME_WIDTH + 1 + TIME_WIDTH + 1 + STATE_WIDTH + 1)
#define RULE "========================================================================"
G_STATIC_ASSERT(sizeof RULE - 1 == LINE_WIDTH);
G_STATIC_ASSERT(ARROW_COLUMN + ARROW_WIDTH + 1 + STATE_WIDTH + 1 + 3 <= LINE_WIDTH);

/* "--- SYN --------------->" or "<---------------- SYN-ACK --" */
static void arrow(char *buf, size_t size, const char *label, gboolean to_server)
{
    size_t len = strlen(label), fill = len + 6 < ARROW_WIDTH ? ARROW_WIDTH - len - 6 : 0;
    if (to_server)
        snprintf(buf, size, "--- %s %.*s>", label, (int)fill + 1,
                 "--------------------------------------------------");
    else
        snprintf(buf, size, "<%.*s %s --", (int)fill + 2,
                 "--------------------------------------------------", label);
}

static void render_skipped(GString *out, int indent, guint32 skipped, guint32 rtx)
{
    if (!skipped)
        return;
    g_string_append_printf(out, "%*s... %u data/ACK segment%s", indent, "", skipped, skipped == 1 ? "" : "s");
    if (rtx)
        g_string_append_printf(out, " (%u retransmission%s)", rtx, rtx == 1 ? "" : "s");
    g_string_append(out, " ...\n");
}

/* The arrow's label: the role, as the textbook names it (a handshake role
 * without the word "handshake", which the heading says); a segment sent
 * again or out of place by its flags. */
static void arrow_label(char *buf, size_t size, const struct tw_verdict *v, guint8 tcp_flags)
{
    char flags[48];

    flags_str(flags, sizeof flags, tcp_flags);
    if (v->role == TW_ROLE_RETRANS)
        snprintf(buf, size, "%s again", flags);
    else if (v->role == TW_ROLE_OTHER)
        snprintf(buf, size, "%s (unexpected)", flags);
    else
        g_strlcpy(buf, tw_role_label(v->role), size);
}

static void render_conn(GString *out, size_t id, const struct ladder_conn *lc)
{
    const struct tw_summary *sum = &lc->summary;
    unsigned phase = TW_STEP_NONE;

    g_string_append_printf(out, "\nStream %zu: client %s <-> server %s\nOutcome: %s\n", id, lc->client, lc->server,
                           tw_outcome_name(sum->outcome));
    if (sum->midstream)
        g_string_append(out, "(sides guessed: the capture started mid-connection)\n");
    nstime_t t0 = lc->lines->len ? g_array_index(lc->lines, struct ladder_line, 0).time : (nstime_t){0, 0};
    /* Times that go backwards or span hours widen the column (for the whole
     * connection, so that its lines stay aligned). */
    int time_width = TIME_WIDTH;
    for (guint i = 0; i < lc->lines->len; i++) {
        nstime_t rel;
        char t[48];
        nstime_delta(&rel, &g_array_index(lc->lines, struct ladder_line, i).time, &t0);
        time_width = MAX(time_width, snprintf(t, sizeof t, "%.6f", nstime_to_sec(&rel)));
    }
    int indent = ARROW_COLUMN + time_width - TIME_WIDTH;
    g_string_append_printf(out, "%*s %*s %-*s %-*s %-*s %s\n", FRAME_WIDTH, "frame", time_width, "time (s)",
                           STATE_WIDTH, "client", ARROW_WIDTH, "", STATE_WIDTH, "server", "step");
    for (guint i = 0; i < lc->lines->len; i++) {
        const struct ladder_line *l = &g_array_index(lc->lines, struct ladder_line, i);
        const struct tw_verdict *v = &l->rec.v;
        char label[64], line[96], step[24] = "";
        unsigned kind = tw_step_kind(v->step);

        render_skipped(out, indent, l->skipped, l->skipped_rtx);
        if (kind != TW_STEP_NONE && kind != phase) {
            g_string_append(out, kind == TW_STEP_HANDSHAKE ? "  handshake\n" : "  close\n");
            phase = kind;
        }
        arrow_label(label, sizeof label, v, l->rec.tcp_flags);
        arrow(line, sizeof line, label, !l->rec.from_server);
        /* "1/3" of "handshake 1/3" or "close 1/3": the heading says which */
        tw_step_text(v->step, sum->handshake_total, sum->close_total, step, sizeof step);
        const char *num = strchr(step, ' ');
        nstime_t rel;
        nstime_delta(&rel, &l->time, &t0);
        g_string_append_printf(out, "%*u %*.6f %-*s %-*s %-*s %s", FRAME_WIDTH, l->frame, time_width,
                               nstime_to_sec(&rel), STATE_WIDTH, tw_state_name(v->next[TW_C]), ARROW_WIDTH, line,
                               STATE_WIDTH, tw_state_name(v->next[TW_S]), num ? num + 1 : "");
        while (out->len && out->str[out->len - 1] == ' ')
            g_string_truncate(out, out->len - 1);
        g_string_append_c(out, '\n');
    }
    render_skipped(out, indent, lc->skipped, lc->skipped_rtx);
}

void tw_ladder_render(const struct tw_ladder *l, GString *out)
{
    unsigned n = 0;

    g_string_append_printf(out, "\n" RULE "\nTCP Connection Ladder (tcpwave)\nFilter: %s\n", l->filter ? l->filter : "");
    for (size_t id = 0; id < l->conns.count; id++) {
        const struct ladder_conn *lc = drawn(l, id);
        if (lc) {
            render_conn(out, id, lc);
            n++;
        }
    }
    if (n == 0)
        g_string_append(out, l->filter ? "\nNo connection matches the filter.\n" : "\nNo TCP connection analysed.\n");
    g_string_append(out, RULE "\n");
}
