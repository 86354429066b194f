/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tw_text.c - text laid out for a window of a given width (GLib only, no
 * Wireshark: tests/unit/test_text.c tests it alone). */
#include <string.h>

#include "tw_text.h"

/* One table: its rows (the header first), each a NULL-terminated vector. */
struct table {
    GPtrArray *rows;
    guint ncols;
};

static guint cells_in(gchar **cells)
{
    guint n = 0;
    while (cells[n])
        n++;
    return n;
}

/* The cell of a row, "" past its end. */
static const char *cell_of(gchar **cells, guint n, guint c)
{
    return c < n ? cells[c] : "";
}

static guint text_len(const char *s)
{
    return (guint)g_utf8_strlen(s, -1);
}

/* "%-*s" counts bytes: pad by characters. */
static void pad(GString *out, const char *s, guint width, gboolean right)
{
    guint len = text_len(s);
    if (right)
        for (guint i = len; i < width; i++)
            g_string_append_c(out, ' ');
    g_string_append(out, s);
    if (!right)
        for (guint i = len; i < width; i++)
            g_string_append_c(out, ' ');
}

static void end_line(GString *out)
{
    while (out->len && out->str[out->len - 1] == ' ')
        g_string_truncate(out, out->len - 1);
    g_string_append_c(out, '\n');
}

static void print_aligned(GString *out, const struct table *t, const guint *width)
{
    for (guint r = 0; r < t->rows->len; r++) {
        gchar **cells = g_ptr_array_index(t->rows, r);
        guint n = cells_in(cells);
        for (guint c = 0; c < t->ncols; c++) {
            if (c)
                g_string_append(out, "  ");
            pad(out, cell_of(cells, n, c), width[c], FALSE);
        }
        end_line(out);
    }
}

/* The header's names down the left; each row a column (the first cell, the
 * host, at the top), as many side by side as fit, then the next group. */
static void print_sideways(GString *out, const struct table *t, guint text_width)
{
    gchar **header = g_ptr_array_index(t->rows, 0);
    guint nheader = cells_in(header);
    guint label = 0;

    for (guint c = 0; c < t->ncols; c++)
        label = MAX(label, text_len(cell_of(header, nheader, c)));
    for (guint first = 1; first < t->rows->len;) {
        guint last = first, used = label;
        guint widths[64];
        while (last < t->rows->len && last - first < G_N_ELEMENTS(widths)) {
            gchar **cells = g_ptr_array_index(t->rows, last);
            guint n = cells_in(cells), w = 0;
            for (guint c = 0; c < n; c++)
                w = MAX(w, text_len(cells[c]));
            if (last > first && used + 2 + w > text_width)
                break;
            widths[last - first] = w;
            used += 2 + w;
            last++;
        }
        if (first > 1)
            g_string_append_c(out, '\n');
        for (guint c = 0; c < t->ncols; c++) {
            pad(out, cell_of(header, nheader, c), label, FALSE);
            for (guint r = first; r < last; r++) {
                gchar **cells = g_ptr_array_index(t->rows, r);
                g_string_append(out, "  ");
                /* the first line names the column (the host): left; numbers right */
                pad(out, cell_of(cells, cells_in(cells), c), widths[r - first], c != 0);
            }
            end_line(out);
        }
        first = last;
    }
}

static void flush_table(GString *out, struct table *t, guint text_width)
{
    guint total = 0;

    if (t->rows->len == 0)
        return;
    guint *width = g_new0(guint, t->ncols);
    for (guint r = 0; r < t->rows->len; r++) {
        gchar **cells = g_ptr_array_index(t->rows, r);
        for (guint c = 0; cells[c]; c++)
            width[c] = MAX(width[c], text_len(cells[c]));
    }
    for (guint c = 0; c < t->ncols; c++)
        total += width[c] + (c ? 2 : 0);
    if (total <= text_width || t->rows->len == 1)
        print_aligned(out, t, width);
    else
        print_sideways(out, t, text_width);
    g_free(width);
    g_ptr_array_set_size(t->rows, 0);
    t->ncols = 0;
}

void tw_text_fit_tables(const char *text, guint text_width, GString *out)
{
    gchar **lines = g_strsplit(text, "\n", -1);
    struct table t = {g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev), 0};

    for (guint i = 0; lines[i]; i++) {
        if (strchr(lines[i], '|')) {
            gchar **cells = g_strsplit(lines[i], "|", -1);
            guint n = cells_in(cells);
            /* tshark's tables end each line with '|': no empty last cell */
            if (n > 1 && cells[n - 1][0] == '\0') {
                g_free(cells[n - 1]);
                cells[--n] = NULL;
            }
            t.ncols = MAX(t.ncols, n);
            g_ptr_array_add(t.rows, cells);
            continue;
        }
        flush_table(out, &t, text_width);
        /* the rules: as wide as the window */
        if (lines[i][0] == '=' && strspn(lines[i], "=") == strlen(lines[i]))
            g_string_append_printf(out, "%.*s", (int)text_width, lines[i]);
        else
            g_string_append(out, lines[i]);
        if (lines[i + 1])
            g_string_append_c(out, '\n');
    }
    flush_table(out, &t, text_width);
    g_ptr_array_free(t.rows, TRUE);
    g_strfreev(lines);
}
