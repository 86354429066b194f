/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tw_text.h - text laid out for Wireshark's text window (plugin/tcpwave-gui.c). */
#ifndef TW_TEXT_H
#define TW_TEXT_H

#include <glib.h>

/* Append `text` to `out`, its "a|b|c|" tables (a header line, then rows:
 * every line with a '|') laid out for text_width columns: in aligned columns
 * (two spaces apart) when they fit, otherwise turned on their side, the
 * header's names down the left and one column per row (per host), as many
 * side by side as fit, the rest below.  Rules of '=' are cut to text_width;
 * every other line is kept as it is (the window wraps prose at word
 * boundaries). */
void tw_text_fit_tables(const char *text, guint text_width, GString *out);

#endif /* TW_TEXT_H */
