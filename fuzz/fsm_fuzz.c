/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fsm_fuzz.c - libFuzzer target for the tcpwave state machine (fsm/tw_fsm.c).
 *
 * The input is decoded into a sequence of segments on up to four
 * connections, and every invariant the plugin relies on is checked after
 * each step.  Sequence and acknowledgement numbers are chosen relative to
 * the connection's own numbers (the sender's SND.NXT, ISN or FIN, the
 * peer's likewise), so that the interesting in-window cases are reached
 * and not only random 32-bit values.
 *
 * Input layout:
 *   byte 0       connections - 1 (bits 0-1); per connection, two bits of
 *                addressing (bits 2-7, two per connection for the first
 *                three; the fourth uses 0): 0 distinct addresses, the
 *                client port below the server's; 1 above; 2 the same port
 *                on distinct addresses; 3 one address, distinct ports
 *   then records of RECORD bytes, one segment each:
 *   [0]     bits 0-1 connection, bit 2 direction (A->B or B->A), bits 3-7
 *           how seq is chosen
 *   [1]     TCP flags, all eight bits as on the wire
 *   [2]     bits 0-3 how ack is chosen, bits 4-7 how len is chosen
 *   [3-4]   seq delta, int16
 *   [5-6]   ack delta, int16
 *   [7-8]   length, uint16
 *   [9-10]  time delta, int16
 *   [11]    bits 0-2 time unit or absolute time, bits 3-7 frame number skip
 *
 * Build and run: fuzz/fsm.sh [seconds].  Reproduce, with every step
 * printed: TCPWAVE_FUZZ_TRACE=1 build-fuzz/fsm_fuzz FILE.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_fsm.h"

#define RECORD 12
#define MAX_CONNS 4

struct track {
    struct tw_conn c;
    struct tw_verdict last;
    int64_t t;
    unsigned segments;
    unsigned closes;     /* TW_EV_CLOSE_DONE, TW_EV_RESET or TW_EV_REFUSED */
    unsigned handshakes; /* TW_EV_HANDSHAKE_DONE */
    int final_outcome;   /* -1 until the connection's outcome is a close */
    uint8_t close_type;
    uint32_t frames[TW_LINK_COUNT];
    uint32_t key[2];
    uint16_t port[2];
};


static void fail(const struct track *k, unsigned seg, const struct tw_segment *s, const struct tw_verdict *v,
                 const char *what)
{
    fprintf(stderr, "tcpwave fsm invariant broken at segment %u of a connection: %s\n", seg, what);
    fprintf(stderr, "  previous verdict: next %u/%u role %u\n", k->last.next[0], k->last.next[1], k->last.role);
    fprintf(stderr, "  segment: frame %u time %lld seq %u ack %u len %u end %u sport %u dport %u flags 0x%02x\n",
            s->frame, (long long)s->time_ns, s->seq, s->ack, s->len, s->end_order, s->sport, s->dport, s->flags);
    fprintf(stderr, "  verdict: prev %u/%u next %u/%u sender %u role %u step 0x%02x events 0x%04x why %u\n",
            v->prev[0], v->prev[1], v->next[0], v->next[1], v->sender, v->role, v->step, v->events, v->why);
    abort();
}

#define CHECK(cond, what)                                                                                            \
    do {                                                                                                             \
        if (!(cond))                                                                                                 \
            fail(k, seg, s, v, what);                                                                                \
    } while (0)

static int16_t s16(const uint8_t *p) { return (int16_t)(uint16_t)(p[0] | p[1] << 8); }
static uint16_t u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static bool valid_state(unsigned s) { return s >= TW_ESTABLISHED && s < TW_STATE_COUNT; }

static bool is_close_outcome(enum tw_outcome o)
{
    return o == TW_OUT_THREE_WAY || o == TW_OUT_FOUR_WAY || o == TW_OUT_SIMULTANEOUS || o == TW_OUT_RESET ||
           o == TW_OUT_REFUSED;
}

/* The end (TW_C or TW_S) the state machine will take this sender for. */
static int end_of(const struct tw_conn *c, unsigned dir)
{
    return c->flags & TW_CONN_STARTED ? (int)tw_conn_end_of(c, (uint8_t)dir) : -1;
}

static uint32_t pick_seq(const struct tw_endpoint *ex, const struct tw_endpoint *ey, unsigned mode, int16_t d,
                         uint32_t len, uint32_t raw)
{
    uint32_t nxt = (ex && (ex->flags & TW_EP_SEQ)) ? ex->snd_nxt : raw;
    switch (mode % 10) {
    case 0: return nxt + (uint32_t)(int32_t)d;
    case 1: return nxt - 1; /* keep-alive probe */
    case 2: return (ex ? ex->isn : raw) + (uint32_t)(int32_t)d;
    case 3: return (ex ? ex->fin_seq : raw) - len + (uint32_t)(int32_t)(d % 4); /* FIN again */
    case 4: return (ex ? ex->gap_lo : raw) + (uint32_t)(int32_t)d;           /* into the latest hole */
    case 5: return raw;
    case 6: return (ey && (ey->flags & TW_EP_SEQ) ? ey->snd_nxt : raw) + (uint32_t)(int32_t)d; /* peer's space */
    case 7: return nxt + (uint32_t)(int32_t)d * 65536u;                                       /* far, wraps */
    default: return nxt;
    }
}

static uint32_t pick_ack(const struct tw_endpoint *ey, unsigned mode, int16_t d, uint32_t raw)
{
    uint32_t nxt = (ey && (ey->flags & TW_EP_SEQ)) ? ey->snd_nxt : raw;
    switch (mode) {
    case 0: return nxt + (uint32_t)(int32_t)d;
    case 1: return (ey ? ey->isn : raw) + 1 + (uint32_t)(int32_t)d;
    case 2: return (ey ? ey->fin_seq : raw) + 1 + (uint32_t)(int32_t)d;
    case 3: return ey ? ey->fin_seq : raw; /* does not cover the FIN */
    case 4: return raw;
    case 5: return (ey ? ey->gap_lo : raw) + (uint32_t)(int32_t)d;
    case 6: return 0;
    default: return nxt;
    }
}

static uint32_t pick_len(unsigned mode, uint16_t raw)
{
    switch (mode) {
    case 0: case 1: case 2: case 3: case 4: return 0;
    case 5: case 6: return 1;
    case 7: case 8: return raw & 0xff;
    case 9: return raw;
    case 10: return (uint32_t)raw << 16 | raw;
    case 11: return 0xffffffffu;
    case 12: return 0x80000000u + raw;
    default: return raw & 0x0f;
    }
}

/* A time step: ns, us, ms, s and hours, or one of the extremes the
 * plugin could hand over. */
static int64_t next_time(int64_t t, unsigned unit, int16_t d)
{
    static const int64_t scale[] = {1, 1000, 1000000, 1000000000, 3600LL * 1000000000};
    static const int64_t absolute[] = {INT64_MIN, INT64_MAX, 0};
    if (unit >= 5)
        return absolute[(unit - 5) % 3] + (unit == 5 ? (uint16_t)d : unit == 6 ? -(int64_t)(uint16_t)d : d);
    int64_t step = (int64_t)d * scale[unit];
    if (step > 0 && t > INT64_MAX - step)
        return INT64_MAX;
    if (step < 0 && t < INT64_MIN - step)
        return INT64_MIN;
    return t + step;
}

/* TCPWAVE_FUZZ_TRACE=1: print every segment and its verdict (to read a
 * reproducer: fsm_fuzz FILE). */
static int trace = -1;

static void check_names(void)
{
    for (unsigned i = 0; i < 300; i++) {
        if (!tw_state_name(i) || !tw_role_name(i) || !tw_close_type_name(i) || !tw_outcome_name(i) ||
            !tw_side_name(i) || !tw_why_text(i))
            abort();
    }
}

static void check_step(struct track *k, unsigned seg, const struct tw_segment *s, const struct tw_verdict *v,
                       bool first)
{
    const struct tw_conn *c = &k->c;
    unsigned kind = tw_step_kind(v->step), num = tw_step_num(v->step);

    /* Every state is a valid value, before and after, and is the record's. */
    for (int e = 0; e < 2; e++) {
        CHECK(valid_state(v->prev[e]), "prev state out of range");
        CHECK(valid_state(v->next[e]), "next state out of range");
        CHECK(c->ep[e].state == v->next[e], "verdict next != connection state");
    }
    /* prev of this segment = next of the previous one. */
    if (!first)
        CHECK(memcmp(v->prev, k->last.next, 2) == 0, "prev != state after the previous segment");

    /* No way out of CLOSED or TIME_WAIT but a new SYN (or an RST into CLOSED). */
    for (int e = 0; e < 2; e++) {
        if (v->prev[e] == TW_CLOSED && v->next[e] != TW_CLOSED)
            CHECK((s->flags & TW_TH_SYN) && (v->next[e] == TW_SYN_SENT || v->next[e] == TW_SYN_RECV),
                  "left CLOSED without a SYN");
        if (v->prev[e] == TW_TIME_WAIT && v->next[e] != TW_TIME_WAIT)
            CHECK(v->next[e] == TW_CLOSED || (s->flags & TW_TH_SYN), "left TIME_WAIT without a SYN or RST");
        if (v->prev[e] == TW_LISTEN && v->next[e] != TW_LISTEN)
            CHECK(((s->flags & TW_TH_SYN) && v->next[e] == TW_SYN_RECV) ||
                      ((s->flags & TW_TH_RST) && v->next[e] == TW_CLOSED),
                  "left LISTEN without a SYN or RST");
    }

    /* The verdict's other fields are in range and agree with each other. */
    CHECK(v->role > TW_ROLE_NONE && v->role < TW_ROLE_COUNT, "role out of range");
    CHECK(v->sender <= TW_SIDE_SERVER, "sender out of range");
    CHECK((v->sender == TW_SIDE_UNKNOWN) == ((c->flags & TW_CONN_MIDSTREAM) != 0), "sender unknown iff midstream");
    if (v->sender != TW_SIDE_UNKNOWN)
        CHECK(v->sender == (tw_conn_end_of(c, s->end_order) == TW_C ? TW_SIDE_CLIENT : TW_SIDE_SERVER),
              "sender is not the end the segment came from");
    CHECK(!(v->events & TW_EV_UNEXPECTED) || v->role == TW_ROLE_OTHER, "unexpected without other/unexpected");
    CHECK(v->role != TW_ROLE_OTHER || (v->events & (TW_EV_UNEXPECTED | TW_EV_IGNORED)),
          "other/unexpected without a reason");
    CHECK((v->why != TW_WHY_NONE) == ((v->events & (TW_EV_UNEXPECTED | TW_EV_IGNORED)) != 0),
          "why without unexpected or ignored");
    CHECK(v->why < TW_WHY_COUNT, "why out of range");
    CHECK(!(v->events & ~((TW_EV_SIM_OPEN << 1) - 1u)), "unknown event bit");
    CHECK(kind <= TW_STEP_CLOSE, "step kind out of range");
    if (kind == TW_STEP_NONE)
        CHECK(num == 0, "step number without a kind");
    if (kind == TW_STEP_HANDSHAKE)
        CHECK(num >= 1 && num <= ((c->flags & TW_CONN_SIM_OPEN) ? 4 : 3), "handshake step out of range");
    if (kind == TW_STEP_CLOSE) {
        CHECK(num >= 1 && num <= 4, "close step out of range");
        CHECK(c->close_total == 0 || num <= c->close_total, "close step beyond the close's total");
    }
    if (!first)
        CHECK(!(v->events & (TW_EV_MIDSTREAM | TW_EV_SYN_MISSING)), "start event after the first segment");

    /* The connection record. */
    CHECK(c->close_type < TW_CLOSE_COUNT, "close type out of range");
    CHECK(c->close_initiator <= TW_SIDE_SERVER, "close initiator out of range");
    CHECK(c->close_type == TW_CLOSE_NONE || c->close_initiator != TW_SIDE_UNKNOWN, "close type without initiator");
    CHECK(c->close_total == 0 || c->close_total == 3 || c->close_total == 4, "close total not 3 or 4");
    CHECK(c->first_end <= 1 && c->fin1_end <= 1, "end index out of range");
    if (k->close_type != TW_CLOSE_NONE)
        CHECK(c->close_type == k->close_type, "close type changed once set");
    k->close_type = c->close_type;
    for (int l = 0; l < TW_LINK_COUNT; l++) {
        CHECK(c->frames[l] <= s->frame, "link to a frame not seen yet");
        if (k->frames[l])
            CHECK(c->frames[l] == k->frames[l], "link changed once set");
        k->frames[l] = c->frames[l];
    }

    /* A connection's close is counted once; its handshake too. */
    if (v->events & (TW_EV_CLOSE_DONE | TW_EV_RESET | TW_EV_REFUSED))
        k->closes++;
    if (v->events & TW_EV_HANDSHAKE_DONE)
        k->handshakes++;
    CHECK(k->closes <= 1, "close counted twice");
    CHECK(k->handshakes <= 1, "handshake counted twice");
    CHECK(!(v->events & TW_EV_CLOSE_DONE) || kind == TW_STEP_CLOSE, "close done without a close step");

    CHECK(tw_conn_in_time_wait(c) == (c->ep[0].state == TW_TIME_WAIT || c->ep[1].state == TW_TIME_WAIT),
          "in_time_wait disagrees with the states");

    /* The outcome is a valid row, and a finished connection stays finished. */
    enum tw_outcome o = tw_conn_outcome(c);
    CHECK((unsigned)o < TW_OUT_COUNT, "outcome out of range");
    if (k->final_outcome >= 0)
        CHECK((int)o == k->final_outcome, "outcome changed after the close");
    else if (is_close_outcome(o))
        k->final_outcome = (int)o;

    /* Durations: never negative when given; the two-pass view of this very
     * segment keeps states in range. */
    struct tw_summary sum;
    tw_conn_summary(c, &sum);
    CHECK(sum.handshake_time != TW_DUR_KNOWN || sum.handshake_ns >= 0, "negative handshake time");
    CHECK(sum.close_time != TW_DUR_KNOWN || sum.close_ns >= 0, "negative close time");
    CHECK(sum.fin_gap != TW_DUR_KNOWN || sum.fin_gap_ns >= 0, "negative FIN gap");
    CHECK(sum.outcome == (uint8_t)o, "summary outcome differs");
    struct tw_verdict view = *v;
    tw_conn_view(c, s->frame, &view);
    for (int e = 0; e < 2; e++)
        CHECK(view.next[e] < TW_STATE_COUNT && view.prev[e] < TW_STATE_COUNT, "viewed state out of range");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct track conns[MAX_CONNS];
    uint32_t frame = 0;

    if (size < 1)
        return 0;
    if (trace < 0)
        trace = getenv("TCPWAVE_FUZZ_TRACE") != NULL;
    check_names();
    memset(conns, 0, sizeof conns);
    unsigned nconns = (data[0] & 3) + 1;
    for (unsigned i = 0; i < MAX_CONNS; i++) {
        struct track *k = &conns[i];
        unsigned addressing = i < 3 ? (data[0] >> (2 + 2 * i)) & 3 : 0;
        k->final_outcome = -1;
        k->key[0] = 0x0a000001;
        k->key[1] = addressing == 3 ? 0x0a000001 : 0x0a000002;
        k->port[0] = (uint16_t)(40000 + i);
        k->port[1] = addressing == 0 ? 80 : addressing == 1 ? 50000 : k->port[0];
        if (addressing == 3)
            k->port[1] = 443;
        k->t = 1709294400LL * 1000000000;
    }

    for (size_t off = 1; off + RECORD <= size; off += RECORD) {
        const uint8_t *r = data + off;
        struct track *k = &conns[(r[0] & 3) % nconns];
        unsigned dir = (r[0] >> 2) & 1, seq_mode = r[0] >> 3;
        unsigned seg = k->segments;
        int x = end_of(&k->c, dir);
        const struct tw_endpoint *ex = x < 0 ? NULL : &k->c.ep[x], *ey = x < 0 ? NULL : &k->c.ep[x ^ 1];
        uint32_t raw = (uint32_t)u16(r + 3) << 16 | u16(r + 5);
        struct tw_segment s = {0};
        struct tw_verdict v;

        frame += 1 + (r[11] >> 3);
        k->t = next_time(k->t, r[11] & 7, s16(r + 9));
        s.frame = frame;
        s.time_ns = k->t;
        s.flags = r[1];
        s.len = pick_len(r[2] >> 4, u16(r + 7));
        s.seq = pick_seq(ex, ey, seq_mode, s16(r + 3), s.len, raw);
        s.ack = pick_ack(ey, r[2] & 15, s16(r + 5), raw ^ 0x5a5a5a5a);
        s.end_order = (uint8_t)dir;
        s.window = u16(r + 7);
        s.sport = k->port[dir];
        s.dport = k->port[dir ^ 1];

        /* The plugin asks this of the connection last seen on a 4-tuple when
         * Wireshark starts a new stream on it: it must be safe on any state. */
        bool continues = tw_conn_successor(&k->c, &s) == TW_SUCC_CONTINUES;
        if (continues && !(k->c.flags & TW_CONN_STARTED))
            fail(k, seg, &s, &k->last, "a connection not started is continued");

        memset(&v, 0xa5, sizeof v); /* tw_conn_step must fill it all */
        bool first = k->segments == 0;
        tw_conn_step(&k->c, &s, &v);
        if (trace)
            fprintf(stderr,
                    "conn %u seg %u: frame %u t %lld %s seq %u ack %u len %u flags 0x%02x -> %s/%s %s step 0x%02x "
                    "events 0x%03x why %u\n",
                    (unsigned)(k - conns), seg, s.frame, (long long)s.time_ns, dir ? "B->A" : "A->B", s.seq, s.ack,
                    s.len, s.flags, tw_state_name(v.next[0]), tw_state_name(v.next[1]), tw_role_name(v.role), v.step,
                    v.events, v.why);
        check_step(k, seg, &s, &v, first);
        k->last = v;
        k->segments++;
    }
    for (unsigned i = 0; i < MAX_CONNS; i++)
        tw_conn_free(&conns[i].c);
    return 0;
}
