/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcpwave-stat.c - the statistics: how connections end.
 *
 *   tshark -q -z tcpwave,stat[,filter]    TCP Connection Outcomes: one row per outcome
 *   tshark -q -z tcpwave,conv[,filter]    TCP Connections: one row per connection, its ends and outcome
 *   tshark -q -z tcpwave,states[,filter]  TCP Connection States: one row per connection, its final states (TCP's, Zeek's)
 *   tshark -q -z tcpwave,phases[,filter]  TCP Connection Phases: one row per connection, its handshake and close
 *   tshark -q -z tcpwave,ladder[,filter]  a text ladder diagram per connection (plugin/tcpwave-ladder.c)
 *
 * The first four are also GUI tables under Statistics, with the same name,
 * each narrow enough to read whole in Wireshark 4.0's table dialog at the
 * size it opens (587x459).
 * All read the "tcpwave" tap, queued by packet-tcpwave.c on every pass
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

static struct selection outcome_sel;
/* Every table's selection (filled at registration). */
static struct selection *selections[4];

/* The listener with no filter: re-files selected connections when a later
 * frame (which may not match the filter) changed them. */
static tap_packet_status follow_packet(void *tapdata _U_, packet_info *pinfo, epan_dissect_t *edt _U_,
                                       const void *data, tap_flags_t flags _U_)
{
    const struct tcpwave_tap_info *info = data;
    tap_packet_status status = TAP_PACKET_DONT_REDRAW;

    for (size_t i = 0; i < G_N_ELEMENTS(selections); i++) {
        struct selection *sel = selections[i];
        const struct entry *e = sel->active ? tw_table_get(&sel->entries, info->conn) : NULL;
        if (e && e->row) {
            sel->update(sel, pinfo, info);
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
    [OC_OUTCOME] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Outcome", "%-20s"},
    [OC_CONNECTIONS] = {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Count", "%5u"},
    /* A string: the GUI prints a float with six decimals whatever the format,
     * which leaves no room for the last column. */
    [OC_SHARE] = {TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "%", "%5s"},
    /* How many of them each side closed (or reset) first: short headers,
     * so that the seven columns fit the GUI's dialog. */
    [OC_BY_CLIENT] = {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Client", "%6u"},
    [OC_BY_SERVER] = {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Server", "%6u"},
    [OC_MEAN_MS] = {TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Mean ms", "%9s"},
    [OC_MAX_MS] = {TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Max ms", "%9s"},
};

static struct {
    guint connections[TW_OUT_COUNT];
    guint by_side[TW_OUT_COUNT][3]; /* [enum tw_side] */
    double duration_sum[TW_OUT_COUNT];
    guint durations[TW_OUT_COUNT];
    double duration_max[TW_OUT_COUNT];
    guint total;
} outcomes;

/* What the table shows now, so that a text is formatted again only when it
 * changes (the outcome of a connection changes every few segments; a share
 * in tenths or a mean much less often).  0: nothing shown yet. */
static struct {
    guint durations[TW_OUT_COUNT]; /* the durations the mean and max were formatted from, + 1 */
    guint share[TW_OUT_COUNT];     /* the share shown, in tenths of a percent, + 1 */
} shown;

static void outcome_show_row(stat_tap_table *t, unsigned row)
{
    char mean[32], max[32];
    gboolean timed = outcomes.durations[row] > 0;

    set_uint(t, row, OC_CONNECTIONS, outcomes.connections[row]);
    set_uint(t, row, OC_BY_CLIENT, outcomes.by_side[row][TW_SIDE_CLIENT]);
    set_uint(t, row, OC_BY_SERVER, outcomes.by_side[row][TW_SIDE_SERVER]);
    if (shown.durations[row] == outcomes.durations[row] + 1) /* the mean and max change with a duration */
        return;
    shown.durations[row] = outcomes.durations[row] + 1;
    set_string(t, row, OC_MEAN_MS,
               format_ms(mean, sizeof mean, timed, timed ? outcomes.duration_sum[row] / outcomes.durations[row] : 0),
               TRUE);
    set_string(t, row, OC_MAX_MS, format_ms(max, sizeof max, timed, outcomes.duration_max[row]), TRUE);
}

/* Each share with one decimal, rounded half up from the exact ratio
 * (integers: no binary rounding of a tie). */
static void outcome_show_shares(stat_tap_table *t)
{
    for (unsigned row = 0; row < TW_OUT_COUNT; row++) {
        guint64 total = outcomes.total;
        guint tenths = total ? (guint)((2000 * (guint64)outcomes.connections[row] + total) / (2 * total)) : 0;
        if (shown.share[row] == tenths + 1)
            continue;
        shown.share[row] = tenths + 1;
        char share[16];
        snprintf(share, sizeof share, "%u.%u", tenths / 10, tenths % 10);
        set_string(t, row, OC_SHARE, share, TRUE);
    }
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
    memset(&shown, 0, sizeof shown);
    for (unsigned row = 0; row < table->num_elements; row++)
        outcome_show_row(table, row);
    outcome_show_shares(table);
    start_following(&outcome_sel, table);
}

static void outcome_init(stat_tap_table_ui *ui)
{
    const char *title = "TCP Connection Outcomes";
    stat_tap_table *table = stat_tap_find_table(ui, title);

    if (!table) {
        table = stat_tap_init_table(title, OC_COUNT, 0, NULL);
        stat_tap_add_table(ui, table);
        for (unsigned row = 0; row < TW_OUT_COUNT; row++) {
            stat_tap_table_item_type items[OC_COUNT] = {0};
            for (int col = 0; col < OC_COUNT; col++)
                items[col].type = outcome_fields[col].type;
            items[OC_OUTCOME].value.string_value = tw_outcome_name(row);
            items[OC_SHARE].value.string_value = g_strdup("0.0");
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
    if (column == OC_SHARE || column == OC_MEAN_MS || column == OC_MAX_MS) {
        g_free((char *)field_data->value.string_value);
        field_data->value.string_value = NULL;
    }
    if (row == 0 && column == 0)
        stop_following(&outcome_sel);
}

/* ---- tcpwave,conv, tcpwave,states and tcpwave,phases: one row per connection ----
 *
 * Three tables, each narrow enough to read whole in the GUI's dialog: who
 * each connection joined and how it ended (conv), the state each end was
 * left in (states), and how its handshake and close went (phases).  All three fill their cells from the same list of what a row can
 * show. */

enum conn_cell {
    CELL_STREAM,
    CELL_CLIENT,
    CELL_SERVER,
    CELL_HANDSHAKE,
    CELL_OUTCOME,
    CELL_INITIATOR,
    CELL_RESET_BY,
    CELL_FINAL_ACK,
    CELL_CLIENT_STATE,
    CELL_SERVER_STATE,
    CELL_RTT_MS,
    CELL_CLOSE_MS,
    CELL_ZEEK_STATE,
    CELL_ZEEK_HISTORY,
    CELL_COUNT
};

struct conn_table {
    struct selection sel; /* first: the update callback gets it */
    const char *name;
    guint ncols;
    const stat_tap_table_item *fields;
    const enum conn_cell *cells; /* [column]: what it shows */
};

enum { CV_STREAM, CV_CLIENT, CV_SERVER, CV_OUTCOME, CV_COUNT };

static stat_tap_table_item conv_fields[CV_COUNT] = {
    [CV_STREAM] = {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Stream", "%6u"},
    [CV_CLIENT] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Client", "%-22s"},
    [CV_SERVER] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Server", "%-22s"},
    [CV_OUTCOME] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Outcome", "%-20s"},
};
static const enum conn_cell conv_cells[CV_COUNT] = {CELL_STREAM, CELL_CLIENT, CELL_SERVER, CELL_OUTCOME};

/* What each end's TCP state was at the end of the capture, and what Zeek's
 * conn.log would say of the connection (docs/zeek.md). */
enum { ST_STREAM, ST_CLIENT_STATE, ST_SERVER_STATE, ST_ZEEK_STATE, ST_ZEEK_HISTORY, ST_COUNT };

static stat_tap_table_item state_fields[ST_COUNT] = {
    [ST_STREAM] = {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Stream", "%6u"},
    [ST_CLIENT_STATE] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Client state", "%-12s"},
    [ST_SERVER_STATE] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Server state", "%-12s"},
    [ST_ZEEK_STATE] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Zeek state", "%-10s"},
    [ST_ZEEK_HISTORY] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Zeek history", "%-12s"},
};
static const enum conn_cell state_cells[ST_COUNT] = {
    CELL_STREAM, CELL_CLIENT_STATE, CELL_SERVER_STATE, CELL_ZEEK_STATE, CELL_ZEEK_HISTORY,
};

enum { PH_STREAM, PH_HANDSHAKE, PH_RTT_MS, PH_INITIATOR, PH_RESET_BY, PH_FINAL_ACK, PH_CLOSE_MS, PH_COUNT };

static stat_tap_table_item phase_fields[PH_COUNT] = {
    [PH_STREAM] = {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Stream", "%6u"},
    [PH_HANDSHAKE] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Handshake", "%-10s"},
    [PH_RTT_MS] = {TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "HS (ms)", "%9s"},
    [PH_INITIATOR] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Closed by", "%-9s"},
    [PH_RESET_BY] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Reset by", "%-8s"},
    [PH_FINAL_ACK] = {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Final ACK", "%-12s"},
    [PH_CLOSE_MS] = {TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Close (ms)", "%10s"},
};
static const enum conn_cell phase_cells[PH_COUNT] = {
    CELL_STREAM, CELL_HANDSHAKE, CELL_RTT_MS, CELL_INITIATOR, CELL_RESET_BY, CELL_FINAL_ACK, CELL_CLOSE_MS,
};

static struct conn_table conv_table = {.name = "TCP Connections", .ncols = CV_COUNT, .fields = conv_fields,
                                       .cells = conv_cells};
static struct conn_table state_table = {.name = "TCP Connection States", .ncols = ST_COUNT,
                                        .fields = state_fields, .cells = state_cells};
static struct conn_table phase_table = {.name = "TCP Connection Phases", .ncols = PH_COUNT,
                                        .fields = phase_fields, .cells = phase_cells};

/* Cells holding a g_strdup'ed string. */
static gboolean cell_owned(enum conn_cell cell)
{
    return cell == CELL_CLIENT || cell == CELL_SERVER || cell == CELL_RTT_MS || cell == CELL_CLOSE_MS ||
           cell == CELL_ZEEK_HISTORY;
}

static const char *final_ack_text(const struct tw_summary *sum)
{
    if (sum->close_type == TW_CLOSE_NONE || sum->close_type == TW_CLOSE_RESET)
        return "-";
    return sum->final_ack_seen ? "seen" : "not captured";
}

static void conn_update(struct selection *sel, packet_info *pinfo, const struct tcpwave_tap_info *info)
{
    struct conn_table *ct = (struct conn_table *)sel;
    const struct tw_summary *sum = &info->summary;
    struct entry *e = tw_table_at(&sel->entries, info->conn);
    stat_tap_table *t = sel->table;
    char rtt_buf[32], close_buf[32];

    if (!e)
        return;
    if (!e->row) {
        stat_tap_table_item_type *items = g_new0(stat_tap_table_item_type, ct->ncols);
        guint row = t->num_elements;
        gboolean src_is_server = info->rec.from_server;
        char *src = tw_endpoint_str(&pinfo->net_src, pinfo->srcport);
        char *dst = tw_endpoint_str(&pinfo->net_dst, pinfo->destport);

        for (guint col = 0; col < ct->ncols; col++) {
            enum conn_cell cell = ct->cells[col];
            items[col].type = ct->fields[col].type;
            if (cell == CELL_STREAM)
                items[col].value.uint_value = info->conn;
            else if (cell == CELL_CLIENT || cell == CELL_SERVER)
                items[col].value.string_value = g_strdup((cell == CELL_SERVER) == src_is_server ? src : dst);
            else
                items[col].value.string_value = cell_owned(cell) ? g_strdup("-") : "-";
        }
        stat_tap_init_table_row(t, row, ct->ncols, items); /* copies the items (not the strings) */
        g_free(items);
        g_free(src);
        g_free(dst);
        e->row = row + 1;
        e->signature = G_MAXUINT32;
    }
    guint32 signature = (guint32)sum->outcome | sum->state[TW_C] << 4 | sum->state[TW_S] << 8 | sum->initiator << 12 |
                        sum->handshake << 14 | (sum->final_ack_seen ? 1u << 16 : 0) | sum->reset_by << 17 |
                        (guint32)sum->close_time << 19 | (guint32)sum->handshake_time << 21;
    guint row = e->row - 1;
    /* Zeek's columns change with segments that change nothing else.  The GUI
     * opens a table after the file was read: unless the preference
     * tcpwave.zeek asked, Zeek's view was not computed, and the cells say so
     * rather than look empty. */
    gboolean zeek = (tcpwave_computed() & TCPWAVE_WANT_ZEEK) != 0;
    for (guint col = 0; col < ct->ncols; col++) {
        if (ct->cells[col] == CELL_ZEEK_STATE)
            set_string(t, row, col, zeek ? info->zeek_state : "not computed", FALSE);
        else if (ct->cells[col] == CELL_ZEEK_HISTORY)
            set_string(t, row, col, zeek ? info->zeek_history : "-", TRUE);
    }
    if (signature == e->signature)
        return;
    e->signature = signature;
    gboolean known = sum->handshake_time == TW_DUR_KNOWN;
    const char *rtt = format_ms(rtt_buf, sizeof rtt_buf, known, known ? sum->handshake_ns / 1e6 : 0);
    known = sum->close_time == TW_DUR_KNOWN;
    const char *close = format_ms(close_buf, sizeof close_buf, known, known ? sum->close_ns / 1e6 : 0);
    for (guint col = 0; col < ct->ncols; col++) {
        enum conn_cell cell = ct->cells[col];
        const char *text = NULL;
        switch (cell) {
        case CELL_HANDSHAKE: text = tw_handshake_name(sum->handshake); break;
        case CELL_OUTCOME: text = tw_outcome_name(sum->outcome); break;
        case CELL_INITIATOR: text = sum->initiator ? tw_side_name(sum->initiator) : "-"; break;
        case CELL_RESET_BY: text = sum->reset_by ? tw_side_name(sum->reset_by) : "-"; break;
        case CELL_FINAL_ACK: text = final_ack_text(sum); break;
        case CELL_CLIENT_STATE: text = tw_state_name(sum->state[TW_C]); break;
        case CELL_SERVER_STATE: text = tw_state_name(sum->state[TW_S]); break;
        case CELL_RTT_MS: text = rtt; break;
        case CELL_CLOSE_MS: text = close; break;
        case CELL_STREAM:
        case CELL_CLIENT:
        case CELL_SERVER:
        case CELL_ZEEK_STATE:
        case CELL_ZEEK_HISTORY:
        case CELL_COUNT: break;
        }
        if (text)
            set_string(t, row, col, text, cell_owned(cell));
    }
}

static tap_packet_status conn_packet(struct conn_table *ct, packet_info *pinfo, const void *data)
{
    if (!ct->sel.active)
        return TAP_PACKET_DONT_REDRAW;
    ct->sel.update(&ct->sel, pinfo, data);
    return TAP_PACKET_REDRAW;
}

static void conn_free_item(struct conn_table *ct, guint row, guint column, stat_tap_table_item_type *field_data)
{
    if (column < ct->ncols && cell_owned(ct->cells[column])) {
        g_free((char *)field_data->value.string_value);
        field_data->value.string_value = NULL;
    }
    if (row == 0 && column == 0)
        stop_following(&ct->sel);
}

/* Rows are connections: a reset empties the table. */
static void conn_reset(struct conn_table *ct, stat_tap_table *table)
{
    for (guint row = 0; row < table->num_elements; row++)
        for (guint col = 0; col < ct->ncols; col++)
            conn_free_item(ct, row, col, stat_tap_get_field_data(table, row, col));
    for (guint row = 0; row < table->num_elements; row++)
        g_free(table->elements[row]);
    table->num_elements = 0;
    start_following(&ct->sel, table);
}

static void conn_init(struct conn_table *ct, stat_tap_table_ui *ui)
{
    stat_tap_table *table = stat_tap_find_table(ui, ct->name);

    if (ct == &state_table)
        tcpwave_want(TCPWAVE_WANT_ZEEK); /* its Zeek columns */
    if (!table) {
        table = stat_tap_init_table(ct->name, ct->ncols, 0, NULL);
        stat_tap_add_table(ui, table);
    }
    conn_reset(ct, table);
}

/* The callbacks of one table. */
#define CONN_TABLE_CALLBACKS(prefix, ct)                                                                            \
    static tap_packet_status prefix##_packet(void *tapdata _U_, packet_info *pinfo, epan_dissect_t *edt _U_,       \
                                             const void *data, tap_flags_t flags _U_)                               \
    {                                                                                                               \
        return conn_packet(&ct, pinfo, data);                                                                       \
    }                                                                                                               \
    static void prefix##_free_item(stat_tap_table *table _U_, guint row, guint column,                             \
                                   stat_tap_table_item_type *field_data)                                            \
    {                                                                                                               \
        conn_free_item(&ct, row, column, field_data);                                                               \
    }                                                                                                               \
    static void prefix##_reset(stat_tap_table *table) { conn_reset(&ct, table); }                                   \
    static void prefix##_init(stat_tap_table_ui *ui) { conn_init(&ct, ui); }

CONN_TABLE_CALLBACKS(conv, conv_table)
CONN_TABLE_CALLBACKS(state, state_table)
CONN_TABLE_CALLBACKS(phase, phase_table)

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
    for (size_t i = 0; i < G_N_ELEMENTS(selections); i++)
        if (selections[i])
            tw_table_clear(&selections[i]->entries);
}

size_t tcpwave_stat_bytes(void)
{
    size_t bytes = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(selections); i++)
        if (selections[i])
            bytes += tw_table_bytes(&selections[i]->entries);
    return bytes;
}

/* ---- Registration ---- */

/* A table of the GUI's Statistics menu and of tshark -z: its title, -z
 * name and columns; PREFIX##_init etc. are its callbacks. */
#define TABLE_UI(prefix, title_, cli, n, fields_)                                                                   \
    {                                                                                                               \
        .group = REGISTER_PACKET_STAT_GROUP_UNSORTED, .title = title_, .tap_name = "tcpwave", .cli_string = cli,   \
        .stat_tap_init_cb = prefix##_init, .packet_func = prefix##_packet,                                          \
        .stat_tap_reset_table_cb = prefix##_reset, .stat_tap_free_table_item_cb = prefix##_free_item, .nfields = n, \
        .fields = fields_,                                                                                          \
    }

void tcpwave_stat_register(void)
{
    /* Statistics menu, beside the other protocols' tables: the only group
     * of a table that 4.0 to 4.6 put under Statistics (the conversation
     * and endpoint groups are tabs of their own dialogs, not menu entries). */
    static stat_tap_table_ui outcome_ui =
        TABLE_UI(outcome, "TCP Connection Outcomes (tcpwave)", "tcpwave,stat", OC_COUNT, outcome_fields);
    static stat_tap_table_ui conv_ui =
        TABLE_UI(conv, "TCP Connections (tcpwave)", "tcpwave,conv", CV_COUNT, conv_fields);
    static stat_tap_table_ui state_ui =
        TABLE_UI(state, "TCP Connection States (tcpwave)", "tcpwave,states", ST_COUNT, state_fields);
    static stat_tap_table_ui phase_ui =
        TABLE_UI(phase, "TCP Connection Phases (tcpwave)", "tcpwave,phases", PH_COUNT, phase_fields);
    static stat_tap_ui ladder_ui = {
        .group = REGISTER_STAT_GROUP_GENERIC,
        .title = "TCP Connection Ladder (tcpwave)",
        .cli_string = "tcpwave,ladder",
        .tap_init_cb = ladder_init,
    };

    outcome_sel.entries = (struct tw_table)TW_TABLE_INIT(struct entry);
    outcome_sel.update = outcome_update;
    selections[0] = &outcome_sel;
    selections[1] = &conv_table.sel;
    selections[2] = &state_table.sel;
    selections[3] = &phase_table.sel;
    for (size_t i = 1; i < G_N_ELEMENTS(selections); i++) {
        selections[i]->entries = (struct tw_table)TW_TABLE_INIT(struct entry);
        selections[i]->update = conn_update;
    }
    register_stat_tap_table_ui(&outcome_ui);
    register_stat_tap_table_ui(&conv_ui);
    register_stat_tap_table_ui(&state_ui);
    register_stat_tap_table_ui(&phase_ui);
    register_stat_tap_ui(&ladder_ui, NULL);
    tcpwave_hosts_register();
}
