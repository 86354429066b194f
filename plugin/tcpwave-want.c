/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcpwave-want.c - what a file's first pass computes beyond the lifecycle
 * (tcpwave.h): the statistics ask (tcpwave_want()), the dissector decides at
 * the file's first segment and says what it decided (tcpwave_set_computed()),
 * the reports read it (tcpwave_computed()).  A file of its own so that the
 * statistics and the dissector do not call each other. */
#include "tcpwave.h"

static unsigned wanted;   /* asked for by a statistic, for every file from now on */
static unsigned computed; /* what the current file's first pass computes */

void tcpwave_want(unsigned what)
{
    wanted |= what;
}

unsigned tcpwave_wanted(void)
{
    return wanted;
}

void tcpwave_set_computed(unsigned what)
{
    computed = what;
}

unsigned tcpwave_computed(void)
{
    return computed;
}
