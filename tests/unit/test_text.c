/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of plugin/tw_text.c: the layout of the hosts and tuning
 * reports in Wireshark's text window.  Every expected text is written out
 * by hand from the rule in tw_text.h (cells two spaces apart, names left,
 * numbers right when turned on the side, no trailing spaces). */
#include <glib.h>
#include <string.h>

#include "tw_text.h"

static char *fit(const char *text, guint width)
{
    GString *out = g_string_new(NULL);
    tw_text_fit_tables(text, width, out);
    return g_string_free(out, FALSE);
}

/* A table that fits is aligned: each column as wide as its widest cell. */
static void test_fits_aligned(void)
{
    char *got = fit("a|bb|c\nxxx|y|zz\n", 72);
    g_assert_cmpstr(got, ==, "a    bb  c\n"
                             "xxx  y   zz\n");
    g_free(got);
}

/* Too wide: the header's names down the left (14 = "TIME_WAIT peak"), one
 * column per host, as many as fit the width. */
static void test_too_wide_turns_sideways(void)
{
    const char *text = "Host|Conns|TIME_WAIT peak\n10.0.0.1|5|0\n10.0.0.2|0|12\n";
    /* 8 + 2 + 5 + 2 + 14 = 31 columns aligned: more than 30; on the side
     * 14 + 2 + 8 = 24, and a second host would make 34: one host a group */
    char *got = fit(text, 30);
    g_assert_cmpstr(got, ==, "Host            10.0.0.1\n"
                             "Conns                  5\n"
                             "TIME_WAIT peak         0\n"
                             "\n"
                             "Host            10.0.0.2\n"
                             "Conns                  0\n"
                             "TIME_WAIT peak        12\n");
    g_free(got);
    /* Aligned, a longer header takes 8 + 2 + 21 + 2 + 14 = 47 columns: more
     * than 45; on the side, 21 + 2 + 8 + 2 + 8 = 41: both hosts fit. */
    got = fit("Host|Connections as client|TIME_WAIT peak\n10.0.0.1|5|0\n10.0.0.2|0|12\n", 45);
    g_assert_cmpstr(got, ==, "Host                   10.0.0.1  10.0.0.2\n"
                             "Connections as client         5         0\n"
                             "TIME_WAIT peak                0        12\n");
    g_free(got);
}

/* Rules are cut to the width, prose is kept (the window wraps it), tshark's
 * trailing '|' makes no empty column, and text after a table follows it. */
static void test_rules_prose_and_trailing_bar(void)
{
    char *got = fit("====================\nA title that is longer than ten\nA|B|\n1|2|\nafter\n", 10);
    g_assert_cmpstr(got, ==, "==========\n"
                             "A title that is longer than ten\n"
                             "A  B\n"
                             "1  2\n"
                             "after\n");
    g_free(got);
}

/* Rows shorter or longer than the header: missing cells are empty, extra
 * ones have no name; nothing is read past a row's end. */
static void test_ragged_rows(void)
{
    char *got = fit("H1|H2\nlong-host-name|1|extra\nh\n", 12);
    /* aligned: 14 + 2 + 2 + 2 + 5 = 25 > 12, so sideways; label 2 ("H1") */
    g_assert_cmpstr(got, ==, "H1  long-host-name\n"
                             "H2               1\n"
                             "             extra\n"
                             "h\n");
    g_free(got);
}

static void test_empty(void)
{
    char *got = fit("", 72);
    g_assert_cmpstr(got, ==, "");
    g_free(got);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/text/fits-aligned", test_fits_aligned);
    g_test_add_func("/text/too-wide-turns-sideways", test_too_wide_turns_sideways);
    g_test_add_func("/text/rules-prose-trailing-bar", test_rules_prose_and_trailing_bar);
    g_test_add_func("/text/ragged-rows", test_ragged_rows);
    g_test_add_func("/text/empty", test_empty);
    return g_test_run();
}
