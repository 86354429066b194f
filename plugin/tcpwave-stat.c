/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcpwave-stat.c - the statistics: how connections end.
 *
 *   tshark -q -z tcpwave,stat[,filter]    one row per outcome (also a GUI table)
 *   tshark -q -z tcpwave,conv[,filter]    one row per connection (also a GUI table)
 *   tshark -q -z tcpwave,ladder[,filter]  a text ladder diagram per connection
 *
 * All three read the "tcpwave" tap, queued by packet-tcpwave.c on every pass
 * from the records stored on the first pass, so single-pass tshark, tshark -2
 * and the GUI's retap count the same.
 *
 * A connection is counted once, in the row of its state at the end of the
 * capture.  The filter selects connections: one matching frame is enough.
 * In a single pass a selected connection can still change after its last
 * matching frame (a filter on SYNs, say), so a second listener with no
 * filter follows every tcpwave frame and re-files connections already
 * selected.
 */
#define WS_LOG_DOMAIN "tcpwave"

#include <wireshark.h>

#include <epan/address.h>
#include <epan/packet.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include "tcpwave-ladder.h"
#include "tcpwave.h"
#include "tw_compat.h"
#include "tw_table.h"

/* ---- Shared: which connections a table has selected ---- */

struct selection {
    gboolean active;            /* a table is open and counting */
    stat_tap_table *table;
    struct tw_table entries;    /* struct entry, by tcp.stream */
    void (*update)(struct selection *sel, packet_info *pinfo, const struct tcpwave_tap_info *info);
};

struct entry {
    guint32 row;        /* table row + 1; 0: not in the table yet */
    guint32 signature;  /* what the row last showed of the connection */
    guint8 has_duration;
};

static struct selection outcome_sel, conv_sel;

/* The listener with no filter: re-files selected connections when a later
 * frame (which may not match the filter) changed them. */
static tap_packet_status follow_packet(void *tapdata _U_, packet_info *pinfo, epan_dissect_t *edt _U_,
                                       const void *data, tap_flags_t flags _U_)
{
    const struct tcpwave_tap_info *info = data;
    struct selection *sels[2] = {&outcome_sel, &conv_sel};
    tap_packet_status status = TAP_PACKET_DONT_REDRAW;

    for (int i = 0; i < 2; i++) {
        const struct entry *e = sels[i]->active ? tw_table_get(&sels[i]->entries, info->conn) : NULL;
        if (e && e->row) {
            sels[i]->update(sels[i], pinfo, info);
            status = TAP_PACKET_REDRAW;
        }
    }
    return status;
}

static void start_following(struct selection *sel, stat_tap_table *table)
{
    static gboolean registered;
    static int follower_data;

    tw_table_clear(&sel->entries);
    sel->table = table;
    sel->active = TRUE;
    if (!registered) {
        GString *err = register_tap_listener("tcpwave", &follower_data, NULL, TL_REQUIRES_NOTHING, NULL,
                                             follow_packet, NULL, NULL);
        if (err) {
            ws_warning("tcpwave: cannot follow connections: %s", err->str);
            g_string_free(err, TRUE);
            return;
        }
        registered = TRUE;
    }
}

static void stop_following(struct selection *sel)
{
    sel->active = FALSE;
    sel->table = NULL;
    tw_table_clear(&sel->entries);
}

static void set_uint(stat_tap_table *t, guint row, guint col, guint value)
{
    stat_tap_table_item_type *item = stat_tap_get_field_data(t, row, col);
    item->value.uint_value = value;
    stat_tap_set_field_data(t, row, col, item);
}

static void set_float(stat_tap_table *t, guint row, guint col, double value)
{
    stat_tap_table_item_type *item = stat_tap_get_field_data(t, row, col);
    item->value.float_value = value;
    stat_tap_set_field_data(t, row, col, item);
}

/* String cells either point at static text or own a g_strdup'ed copy
 * (the columns listed in each table's owned_columns). */
static void set_string(stat_tap_table *t, guint row, guint col, const char *value, gboolean owned)
{
    stat_tap_table_item_type *item = stat_tap_get_field_data(t, row, col);
    if (owned) {
        g_free((char *)item->value.string_value);
        value = g_strdup(value);
    }
    item->value.string_value = value;
    stat_tap_set_field_data(t, row, col, item);
}

static const char *format_ms(char *buf, size_t size, gboolean known, double ms)
{
    if (!known)
        return "-";
    snprintf(buf, size, "%.3f", ms);
    return buf;
}

/* ---- tcpwave,stat: one row per outcome ---- */

enum { OC_OUTCOME, OC_CONNECTIONS, OC_SHARE, OC_BY_CLIENT, OC_BY_SERVER, OC_MEAN_MS, OC_MAX_MS, OC_COUNT };

static stat_tap_table_item outcome_fields[OC_COUNT] = {
    [OC_OUTCOME] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Outcome", "%-33s"},
    [OC_CONNECTIONS] = {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Connections", "%11u"},
    [OC_SHARE] = {TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Share (%)", "%9.1f"},
    [OC_BY_CLIENT] = {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Closed by client", "%16u"},
    [OC_BY_SERVER] = {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Closed by server", "%16u"},
    [OC_MEAN_MS] = {TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Mean close (ms)", "%15s"},
    [OC_MAX_MS] = {TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Max close (ms)", "%14s"},
};

static struct {
    guint connections[TW_OUT_COUNT];
    guint by_side[TW_OUT_COUNT][3]; /* [enum tw_side] */
    double duration_sum[TW_OUT_COUNT];
    guint durations[TW_OUT_COUNT];
    double duration_max[TW_OUT_COUNT];
    guint total;
} outcomes;

static void outcome_show_row(stat_tap_table *t, unsigned row)
{
    char mean[32], max[32];
    gboolean timed = outcomes.durations[row] > 0;

    set_uint(t, row, OC_CONNECTIONS, outcomes.connections[row]);
    set_uint(t, row, OC_BY_CLIENT, outcomes.by_side[row][TW_SIDE_CLIENT]);
    set_uint(t, row, OC_BY_SERVER, outcomes.by_side[row][TW_SIDE_SERVER]);
    set_string(t, row, OC_MEAN_MS,
               format_ms(mean, sizeof mean, timed, timed ? outcomes.duration_sum[row] / outcomes.durations[row] : 0),
               TRUE);
    set_string(t, row, OC_MAX_MS, format_ms(max, sizeof max, timed, outcomes.duration_max[row]), TRUE);
}

static void outcome_show_shares(stat_tap_table *t)
{
    for (unsigned row = 0; row < TW_OUT_COUNT; row++)
        set_float(t, row, OC_SHARE, outcomes.total ? 100.0 * outcomes.connections[row] / outcomes.total : 0.0);
}

static void outcome_update(struct selection *sel, packet_info *pinfo _U_, const struct tcpwave_tap_info *info)
{
    const struct tw_summary *sum = &info->summary;
    struct entry *e = tw_table_at(&sel->entries, info->conn);

    if (!e)
        return;
    unsigned row = sum->outcome;
    unsigned side = sum->initiator;
    guint32 signature = row << 8 | side;
    if (e->row && e->signature == signature && (e->has_duration || sum->close_time != TW_DUR_KNOWN))
        return;
    if (e->row) {
        unsigned old = e->row - 1;
        outcomes.connections[old]--;
        outcomes.by_side[old][(e->signature & 0xff) % 3]--;
        outcome_show_row(sel->table, old);
    } else {
        outcomes.total++;
    }
    e->row = row + 1;
    e->signature = signature;
    outcomes.connections[row]++;
    outcomes.by_side[row][side % 3]++;
    /* A connection gets its close duration with its final ACK, and keeps
     * its row from then on (the close is counted once). */
    if (!e->has_duration && sum->close_time == TW_DUR_KNOWN) {
        double ms = sum->close_ns / 1e6;
        e->has_duration = 1;
        outcomes.durations[row]++;
        outcomes.duration_sum[row] += ms;
        if (ms > outcomes.duration_max[row])
            outcomes.duration_max[row] = ms;
    }
    outcome_show_row(sel->table, row);
    outcome_show_shares(sel->table);
}

static tap_packet_status outcome_packet(void *tapdata _U_, packet_info *pinfo, epan_dissect_t *edt _U_,
                                        const void *data, tap_flags_t flags _U_)
{
    const struct tcpwave_tap_info *info = data;
    if (!outcome_sel.active)
        return TAP_PACKET_DONT_REDRAW;
    outcome_sel.update(&outcome_sel, pinfo, info);
    return TAP_PACKET_REDRAW;
}

static void outcome_reset(stat_tap_table *table)
{
    memset(&outcomes, 0, sizeof outcomes);
    for (unsigned row = 0; row < table->num_elements; row++) {
        outcome_show_row(table, row);
        set_float(table, row, OC_SHARE, 0.0);
    }
    start_following(&outcome_sel, table);
}

static void outcome_init(stat_tap_table_ui *ui)
{
    const char *title = "Connection outcomes";
    stat_tap_table *table = stat_tap_find_table(ui, title);

    if (!table) {
        table = stat_tap_init_table(title, OC_COUNT, 0, NULL);
        stat_tap_add_table(ui, table);
        for (unsigned row = 0; row < TW_OUT_COUNT; row++) {
            stat_tap_table_item_type items[OC_COUNT] = {0};
            for (int col = 0; col < OC_COUNT; col++)
                items[col].type = outcome_fields[col].type;
            items[OC_OUTCOME].value.string_value = tw_outcome_name(row);
            items[OC_MEAN_MS].value.string_value = g_strdup("-");
            items[OC_MAX_MS].value.string_value = g_strdup("-");
            stat_tap_init_table_row(table, row, OC_COUNT, items);
        }
    }
    outcome_reset(table);
}

static void outcome_free_item(stat_tap_table *table _U_, guint row _U_, guint column,
                              stat_tap_table_item_type *field_data)
{
    if (column == OC_MEAN_MS || column == OC_MAX_MS) {
        g_free((char *)field_data->value.string_value);
        field_data->value.string_value = NULL;
    }
    if (row == 0 && column == 0)
        stop_following(&outcome_sel);
}

/* ---- tcpwave,conv: one row per connection ---- */

enum {
    CV_STREAM,
    CV_CLIENT,
    CV_SERVER,
    CV_HANDSHAKE,
    CV_OUTCOME,
    CV_INITIATOR,
    CV_RESET_BY,
    CV_FINAL_ACK,
    CV_CLIENT_STATE,
    CV_SERVER_STATE,
    CV_RTT_MS,
    CV_CLOSE_MS,
    CV_ZEEK_STATE,
    CV_ZEEK_HISTORY,
    CV_COUNT
};

static stat_tap_table_item conv_fields[CV_COUNT] = {
    [CV_STREAM] = {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Stream", "%6u"},
    [CV_CLIENT] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Client", "%-22s"},
    [CV_SERVER] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Server", "%-22s"},
    [CV_HANDSHAKE] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Handshake", "%-10s"},
    [CV_OUTCOME] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Outcome", "%-33s"},
    [CV_INITIATOR] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Closed by", "%-9s"},
    [CV_RESET_BY] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Reset by", "%-8s"},
    [CV_FINAL_ACK] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Final ACK", "%-12s"},
    [CV_CLIENT_STATE] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Client state", "%-12s"},
    [CV_SERVER_STATE] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Server state", "%-12s"},
    [CV_RTT_MS] = {TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Handshake (ms)", "%14s"},
    [CV_CLOSE_MS] = {TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Close (ms)", "%10s"},
    [CV_ZEEK_STATE] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Zeek state", "%-10s"},
    [CV_ZEEK_HISTORY] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Zeek history", "%-12s"},
};

static gboolean conv_owned(guint col)
{
    return col == CV_CLIENT || col == CV_SERVER || col == CV_RTT_MS || col == CV_CLOSE_MS || col == CV_ZEEK_HISTORY;
}

static const char *final_ack_text(const struct tw_summary *sum)
{
    if (sum->close_type == TW_CLOSE_NONE || sum->close_type == TW_CLOSE_RESET)
        return "-";
    return sum->final_ack_seen ? "seen" : "not captured";
}

static void conv_update(struct selection *sel, packet_info *pinfo, const struct tcpwave_tap_info *info)
{
    const struct tw_summary *sum = &info->summary;
    struct entry *e = tw_table_at(&sel->entries, info->conn);
    stat_tap_table *t = sel->table;
    char buf[32];

    if (!e)
        return;
    if (!e->row) {
        stat_tap_table_item_type items[CV_COUNT] = {0};
        guint row = t->num_elements;
        gboolean src_is_server = info->rec.from_server;
        char *src = tw_endpoint_str(&pinfo->net_src, pinfo->srcport);
        char *dst = tw_endpoint_str(&pinfo->net_dst, pinfo->destport);

        for (int col = 0; col < CV_COUNT; col++) {
            items[col].type = conv_fields[col].type;
            items[col].value.string_value = conv_owned(col) ? g_strdup("-") : "-";
        }
        items[CV_STREAM].value.uint_value = info->conn;
        stat_tap_init_table_row(t, row, CV_COUNT, items);
        set_string(t, row, CV_CLIENT, src_is_server ? dst : src, TRUE);
        set_string(t, row, CV_SERVER, src_is_server ? src : dst, TRUE);
        g_free(src);
        g_free(dst);
        e->row = row + 1;
        e->signature = G_MAXUINT32;
    }
    guint32 signature = (guint32)sum->outcome | sum->state[TW_C] << 4 | sum->state[TW_S] << 8 | sum->initiator << 12 |
                        sum->handshake << 14 | (sum->final_ack_seen ? 1u << 16 : 0) | sum->reset_by << 17 |
                        (guint32)sum->close_time << 19 | (guint32)sum->handshake_time << 21;
    guint row = e->row - 1;
    /* Zeek's columns change with segments that change nothing else. */
    set_string(t, row, CV_ZEEK_STATE, info->zeek_state, FALSE);
    set_string(t, row, CV_ZEEK_HISTORY, info->zeek_history, TRUE);
    if (signature == e->signature)
        return;
    e->signature = signature;
    set_string(t, row, CV_HANDSHAKE, tw_handshake_name(sum->handshake), FALSE);
    set_string(t, row, CV_OUTCOME, tw_outcome_name(sum->outcome), FALSE);
    set_string(t, row, CV_INITIATOR, sum->initiator ? tw_side_name(sum->initiator) : "-", FALSE);
    set_string(t, row, CV_RESET_BY, sum->reset_by ? tw_side_name(sum->reset_by) : "-", FALSE);
    set_string(t, row, CV_FINAL_ACK, final_ack_text(sum), FALSE);
    set_string(t, row, CV_CLIENT_STATE, tw_state_name(sum->state[TW_C]), FALSE);
    set_string(t, row, CV_SERVER_STATE, tw_state_name(sum->state[TW_S]), FALSE);
    gboolean known = sum->handshake_time == TW_DUR_KNOWN;
    set_string(t, row, CV_RTT_MS, format_ms(buf, sizeof buf, known, known ? sum->handshake_ns / 1e6 : 0), TRUE);
    known = sum->close_time == TW_DUR_KNOWN;
    set_string(t, row, CV_CLOSE_MS, format_ms(buf, sizeof buf, known, known ? sum->close_ns / 1e6 : 0), TRUE);
}

static tap_packet_status conv_packet(void *tapdata _U_, packet_info *pinfo, epan_dissect_t *edt _U_,
                                     const void *data, tap_flags_t flags _U_)
{
    const struct tcpwave_tap_info *info = data;
    if (!conv_sel.active)
        return TAP_PACKET_DONT_REDRAW;
    conv_sel.update(&conv_sel, pinfo, info);
    return TAP_PACKET_REDRAW;
}

static void conv_free_item(stat_tap_table *table _U_, guint row, guint column, stat_tap_table_item_type *field_data)
{
    if (conv_owned(column)) {
        g_free((char *)field_data->value.string_value);
        field_data->value.string_value = NULL;
    }
    if (row == 0 && column == 0)
        stop_following(&conv_sel);
}

/* Rows are connections: a reset empties the table. */
static void conv_reset(stat_tap_table *table)
{
    for (guint row = 0; row < table->num_elements; row++)
        for (guint col = 0; col < CV_COUNT; col++)
            conv_free_item(table, row, col, stat_tap_get_field_data(table, row, col));
    for (guint row = 0; row < table->num_elements; row++)
        g_free(table->elements[row]);
    table->num_elements = 0;
    start_following(&conv_sel, table);
}

static void conv_init(stat_tap_table_ui *ui)
{
    const char *title = "Connections";
    stat_tap_table *table = stat_tap_find_table(ui, title);

    if (!table) {
        table = stat_tap_init_table(title, CV_COUNT, 0, NULL);
        stat_tap_add_table(ui, table);
    }
    conv_reset(table);
}

/* ---- tcpwave,ladder: the textbook figure, one per connection ---- */

static void ladder_draw(void *tapdata)
{
    GString *text = g_string_new(NULL);
    tw_ladder_render(tapdata, text);
    fputs(text->str, stdout);
    g_string_free(text, TRUE);
}

static void ladder_finish(void *tapdata)
{
    tw_ladder_free(tapdata);
}

static gboolean ladder_start(const char *opt_arg, void *userdata _U_)
{
    const char *prefix = "tcpwave,ladder";
    const char *filter = NULL;

    if (strncmp(opt_arg, prefix, strlen(prefix)) == 0 && opt_arg[strlen(prefix)] == ',')
        filter = opt_arg + strlen(prefix) + 1;
    struct tw_ladder *ladder = tw_ladder_new(filter);
    GString *err = tw_ladder_listen(ladder, ladder_draw, ladder_finish);
    if (err) {
        fprintf(stderr, "tshark: Couldn't register tcpwave,ladder tap: %s\n", err->str);
        g_string_free(err, TRUE);
        tw_ladder_free(ladder);
        return FALSE;
    }
    return TRUE;
}

TW_STAT_TAP_INIT(ladder_init, ladder_start)

/* The file closes: its connections go.  A table still open is reset (and
 * starts following again) before it counts the next file. */
void tcpwave_stat_cleanup(void)
{
    tw_table_clear(&outcome_sel.entries);
    tw_table_clear(&conv_sel.entries);
}

size_t tcpwave_stat_bytes(void)
{
    return tw_table_bytes(&outcome_sel.entries) + tw_table_bytes(&conv_sel.entries);
}

/* ---- Registration ---- */

void tcpwave_stat_register(void)
{
    static stat_tap_table_ui outcome_ui = {
        .group = REGISTER_PACKET_STAT_GROUP_UNSORTED,
        .title = "TCP Connection Closes (tcpwave)",
        .tap_name = "tcpwave",
        .cli_string = "tcpwave,stat",
        .stat_tap_init_cb = outcome_init,
        .packet_func = outcome_packet,
        .stat_tap_reset_table_cb = outcome_reset,
        .stat_tap_free_table_item_cb = outcome_free_item,
        .nfields = OC_COUNT,
        .fields = outcome_fields,
    };
    static stat_tap_table_ui conv_ui = {
        .group = REGISTER_PACKET_STAT_GROUP_UNSORTED,
        .title = "TCP Connection Lifecycles (tcpwave)",
        .tap_name = "tcpwave",
        .cli_string = "tcpwave,conv",
        .stat_tap_init_cb = conv_init,
        .packet_func = conv_packet,
        .stat_tap_reset_table_cb = conv_reset,
        .stat_tap_free_table_item_cb = conv_free_item,
        .nfields = CV_COUNT,
        .fields = conv_fields,
    };
    static stat_tap_ui ladder_ui = {
        .group = REGISTER_STAT_GROUP_GENERIC,
        .title = "TCP connection ladder (tcpwave)",
        .cli_string = "tcpwave,ladder",
        .tap_init_cb = ladder_init,
    };

    outcome_sel.entries = (struct tw_table)TW_TABLE_INIT(struct entry);
    outcome_sel.update = outcome_update;
    conv_sel.entries = (struct tw_table)TW_TABLE_INIT(struct entry);
    conv_sel.update = conv_update;
    register_stat_tap_table_ui(&outcome_ui);
    register_stat_tap_table_ui(&conv_ui);
    register_stat_tap_ui(&ladder_ui, NULL);
    tcpwave_hosts_register();
}
