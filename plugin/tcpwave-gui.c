/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcpwave-gui.c - the ladder in the Wireshark GUI: a menu (Statistics →
 * TCP Connection Ladder (tcpwave)) whose entries retap the file and show
 * the text of plugin/tcpwave-ladder.c in a window, for the selected
 * packet's connection or for every connection the display filter shows.
 *
 * Only Wireshark's public plugin API is used: epan/plugin_if.h (the menu,
 * the selected frame, the applied filter, going to a frame, filtering) and
 * epan/funnel.h (the text window, its buttons, the retap).  Neither does
 * anything in tshark, where no GUI registers their callbacks: there the
 * menu is only registered (TCPWAVE_DUMP_MENUS=1 lists what Wireshark holds,
 * for the tests). */
#define WS_LOG_DOMAIN "tcpwave"

#include <wireshark.h>

#include <cfile.h>
#include <epan/frame_data.h>
#include <epan/funnel.h>
#include <epan/plugin_if.h>

#include "tcpwave-ladder.h"
#include "tcpwave.h"
#include "tw_compat.h"
#include "tw_text.h"

#define LADDER_TITLE "TCP Connection Ladder (tcpwave)"
#define HOSTS_TITLE "TCP Hosts (tcpwave)"
#define TUNING_TITLE "TCP Tuning (tcpwave)"
/* What the text window shows on one line at the size it opens (4.0: 620
 * pixels, 73 columns; the ladder's lines are as wide). */
#define TEXT_WIDTH 72

static void *frame_number_of(frame_data *fd, void *user_data)
{
    *(guint32 *)user_data = fd->num;
    return user_data;
}

/* The display filter applied to the packet list (not what is being typed). */
static void *applied_filter_of(capture_file *cf, void *user_data _U_)
{
    return g_strdup(cf->dfilter ? cf->dfilter : "");
}

static void *any_capture_file(capture_file *cf _U_, void *user_data _U_)
{
    return GINT_TO_POINTER(1);
}

/* Wireshark's main window answers plugin_if_get_capture_file(); tshark and
 * sharkd register no GUI and the call returns NULL. */
bool tcpwave_gui_running(void)
{
    return plugin_if_get_capture_file(any_capture_file, NULL) != NULL;
}

static TW_FUNNEL_BOOL goto_clicked(funnel_text_window_t *tw _U_, void *data)
{
    plugin_if_goto_frame(GPOINTER_TO_UINT(data));
    return TRUE;
}

static TW_FUNNEL_BOOL filter_clicked(funnel_text_window_t *tw _U_, void *data)
{
    plugin_if_apply_filter(data, TRUE);
    return TRUE;
}

/* A button of the window.  Wireshark keeps the funnel_bt_t as long as the
 * window (4.0 never frees it; later versions call free_fcn and
 * free_data_fcn when the window goes). */
static void add_button(const funnel_ops_t *ops, funnel_text_window_t *win, const char *label, funnel_bt_cb_t func,
                       void *data, void (*free_data)(void *))
{
    funnel_bt_t *bt = g_new0(funnel_bt_t, 1);
    bt->tw = win;
    bt->func = func;
    bt->data = data;
    bt->free_fcn = g_free;
    bt->free_data_fcn = free_data;
    ops->add_button(win, bt, label);
}

/* The links of the handshake and close, in the order they happen, each with
 * what its arrow in the ladder reads. */
static const struct {
    enum tw_link link;
    const char *label;
} segment_buttons[] = {
    {TW_LINK_SYN, "SYN"},      {TW_LINK_SYNACK, "SYN-ACK"},  {TW_LINK_HS_ACK, "ACK"},
    {TW_LINK_FIN1, "FIN"},     {TW_LINK_FIN1_ACK, "ACK"},    {TW_LINK_FIN2, "FIN"},
    {TW_LINK_FINAL_ACK, "ACK"}, {TW_LINK_RST, "RST"},
};

/* One connection in the window: a button to filter it, one to go to each
 * segment of its handshake and close. */
static void add_connection_buttons(const funnel_ops_t *ops, funnel_text_window_t *win, const struct tw_ladder *l)
{
    const struct tw_summary *sum = tw_ladder_summary(l, 0);
    char *filter = tw_ladder_stream_filter(l, 0);
    guint32 shown[G_N_ELEMENTS(segment_buttons)];
    unsigned n_shown = 0;

    if (filter)
        add_button(ops, win, "Filter connection", filter_clicked, filter, g_free);
    for (size_t i = 0; i < G_N_ELEMENTS(segment_buttons); i++) {
        guint32 frame = sum->frames[segment_buttons[i].link];
        gboolean seen = frame == 0;
        for (unsigned j = 0; j < n_shown && !seen; j++)
            seen = shown[j] == frame;
        if (seen)
            continue; /* not captured, or the same segment (a FIN+ACK) */
        shown[n_shown++] = frame;
        char label[32];
        snprintf(label, sizeof label, "%u %s", frame, segment_buttons[i].label);
        add_button(ops, win, label, goto_clicked, GUINT_TO_POINTER(frame), NULL);
    }
}

/* Retap the file into a ladder of the connections `filter` selects, and
 * show it. */
static void show_ladder(const funnel_ops_t *ops, const char *filter)
{
    struct tw_ladder *l = tw_ladder_new(filter);
    GString *text = g_string_new(NULL);
    GString *err = tw_ladder_listen(l, NULL, NULL);

    if (err) {
        g_string_printf(text, "The ladder cannot use the filter \"%s\": %s\n", filter, err->str);
        g_string_free(err, TRUE);
    } else {
        ops->retap_packets(ops->ops_id);
        tw_ladder_unlisten(l);
        tw_ladder_render(l, text);
    }
    funnel_text_window_t *win = ops->new_text_window(ops->ops_id, LADDER_TITLE);
    ops->set_text(win, text->str);
    if (!err && tw_ladder_count(l) == 1 && ops->add_button)
        add_connection_buttons(ops, win, l);
    g_string_free(text, TRUE);
    tw_ladder_free(l);
}

/* The GUI's funnel operations, if this program has a GUI that can retap. */
static const funnel_ops_t *gui_ops(void)
{
    const funnel_ops_t *ops = funnel_get_funnel_ops();
    return ops && ops->new_text_window && ops->set_text && ops->retap_packets ? ops : NULL;
}

static void ladder_of_selected(ext_menubar_gui_type gui_type _U_, gpointer gui_object _U_, gpointer user_data _U_)
{
    const funnel_ops_t *ops = gui_ops();
    guint32 frame = 0;

    if (!ops)
        return;
    plugin_if_get_frame_data(frame_number_of, &frame);
    if (frame == 0) {
        funnel_text_window_t *win = ops->new_text_window(ops->ops_id, LADDER_TITLE);
        ops->set_text(win, "Select a packet of a TCP connection first.\n");
        return;
    }
    /* Selecting by the frame is the ladder's own rule: the connection one
     * of whose frames matches (tshark -z "tcpwave,ladder,frame.number==N"
     * draws the same). */
    char *filter = g_strdup_printf("frame.number == %u", frame);
    show_ladder(ops, filter);
    g_free(filter);
}

static void ladder_of_displayed(ext_menubar_gui_type gui_type _U_, gpointer gui_object _U_, gpointer user_data _U_)
{
    const funnel_ops_t *ops = gui_ops();

    if (!ops)
        return;
    char *filter = plugin_if_get_capture_file(applied_filter_of, NULL);
    show_ladder(ops, filter);
    g_free(filter);
}

/* ---- The hosts and tuning reports ----
 *
 * The text of -z tcpwave,hosts and -z tcpwave,tuning (plugin/tcpwave-hosts.c
 * writes both), laid out for the window by tw_text_fit_tables(). */

static void retap(void *ops) { ((const funnel_ops_t *)ops)->retap_packets(((const funnel_ops_t *)ops)->ops_id); }

static void show_report(gboolean tuning)
{
    const funnel_ops_t *ops = gui_ops();
    char *error = NULL;

    if (!ops)
        return;
    char *filter = plugin_if_get_capture_file(applied_filter_of, NULL);
    char *text = tcpwave_hosts_report_text(tuning, filter, retap, (void *)ops, &error);
    GString *shown = g_string_new(NULL);
    if (text)
        tw_text_fit_tables(text, TEXT_WIDTH, shown);
    else
        g_string_printf(shown, "The report cannot use the filter \"%s\": %s\n", filter ? filter : "", error);
    funnel_text_window_t *win = ops->new_text_window(ops->ops_id, tuning ? TUNING_TITLE : HOSTS_TITLE);
    ops->set_text(win, shown->str);
    g_string_free(shown, TRUE);
    g_free(text);
    g_free(error);
    g_free(filter);
}

static void hosts_report(ext_menubar_gui_type gui_type _U_, gpointer gui_object _U_, gpointer user_data _U_)
{
    show_report(FALSE);
}

static void tuning_report(ext_menubar_gui_type gui_type _U_, gpointer gui_object _U_, gpointer user_data _U_)
{
    show_report(TRUE);
}

void tcpwave_gui_register(int proto)
{
    ext_menu_t *menu = ext_menubar_register_menu(proto, LADDER_TITLE, TRUE);
    ext_menubar_set_parentmenu(menu, "Statistics");
    ext_menubar_add_entry(menu, "Selected Connection",
                          "The ladder of the selected packet's connection, with buttons to go to each segment of its "
                          "handshake and close and to filter it",
                          ladder_of_selected, NULL);
    ext_menubar_add_entry(menu, "Displayed Connections",
                          "The ladder of every connection with a packet the display filter shows", ladder_of_displayed,
                          NULL);

    ext_menu_t *hosts = ext_menubar_register_menu(proto, HOSTS_TITLE, TRUE);
    ext_menubar_set_parentmenu(hosts, "Statistics");
    ext_menubar_add_entry(hosts, "Hosts",
                          "tshark -z tcpwave,hosts: one row per host (TIME_WAIT, CLOSE_WAIT, FIN_WAIT2, SYN_RECV, "
                          "SYNs, RSTs, ports, keep-alives), for the hosts of the packets the display filter shows",
                          hosts_report, NULL);
    ext_menubar_add_entry(hosts, "Tuning",
                          "tshark -z tcpwave,tuning: the seed's sysctls against what the capture shows, for the hosts "
                          "of the packets the display filter shows",
                          tuning_report, NULL);
}

/* TCPWAVE_DUMP_MENUS=1: list on stderr the plugin menus Wireshark holds
 * (its plugin_if registry, which the GUI builds its menus from). */
static void dump_entries(GList *entries, int depth)
{
    for (GList *e = entries; e; e = e->next) {
        const ext_menubar_t *m = e->data;
        fprintf(stderr, "tcpwave menu: %*s%s \"%s\"%s%s%s\n", 2 * depth, "",
                m->type == EXT_MENUBAR_MENU ? "menu" : m->type == EXT_MENUBAR_ITEM ? "item" : "other", m->label,
                m->parent_menu ? " under " : "", m->parent_menu ? m->parent_menu : "",
                m->type == EXT_MENUBAR_ITEM && m->callback ? " (callback)" : "");
        if (m->type == EXT_MENUBAR_MENU)
            dump_entries(m->children, depth + 1);
    }
}

void tcpwave_gui_handoff(void)
{
    if (g_getenv("TCPWAVE_DUMP_MENUS"))
        dump_entries(ext_menubar_get_entries(), 0);
}
