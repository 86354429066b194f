/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcpwave-ladder.h - the ladder diagram of connections, one text for both
 * faces: tshark -z tcpwave,ladder (plugin/tcpwave-stat.c) and the ladder
 * windows of the GUI menu (plugin/tcpwave-gui.c). */
#ifndef TCPWAVE_LADDER_H
#define TCPWAVE_LADDER_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include <epan/address.h>

#include "tw_fsm.h"

struct tw_ladder;

/* A ladder of the connections a display filter selects: a connection is
 * drawn whole when one of its frames matches (NULL or "": every
 * connection). */
struct tw_ladder *tw_ladder_new(const char *filter);

/* Listen on the "tcpwave" tap.  `draw` and `finish`, if given, are the
 * tap's draw and finish callbacks for the ladder (tshark's printing and
 * freeing).  Returns NULL, or the error (an invalid filter) to free. */
GString *tw_ladder_listen(struct tw_ladder *l, void (*draw)(void *ladder), void (*finish)(void *ladder));

/* Stop listening (before tw_ladder_free, unless the tap's finish callback
 * frees the ladder). */
void tw_ladder_unlisten(struct tw_ladder *l);

void tw_ladder_free(struct tw_ladder *l);

/* The text: a header naming the filter, then each selected connection, or
 * a line saying that none matches. */
void tw_ladder_render(const struct tw_ladder *l, GString *out);

/* The selected connections, by connection id. */
unsigned tw_ladder_count(const struct tw_ladder *l);

/* The i-th selected connection (0 <= i < tw_ladder_count()): its summary,
 * and a display filter for its frames (tcp.stream == N, or a set when
 * Wireshark numbered it as several streams), to g_free. */
const struct tw_summary *tw_ladder_summary(const struct tw_ladder *l, unsigned i);
char *tw_ladder_stream_filter(const struct tw_ladder *l, unsigned i);

/* "10.0.0.1:80", "[fd77::1]:80": an endpoint as the tables and the ladder
 * print it (g_free). */
char *tw_endpoint_str(const address *addr, uint32_t port);

#endif /* TCPWAVE_LADDER_H */
