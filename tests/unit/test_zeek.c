/* Unit tests of Zeek's conn_state and history (fsm/tw_zeek.c).
 *
 * Every expected value is worked out by hand from Zeek's source (repository
 * zeek/zeek), the reasoning beside it: TCPSessionAdapter.cc is
 * src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc, main.zeek is
 * scripts/base/protocols/conn/main.zeek.  Test paths read
 * state/event/outcome. */
#include <glib.h>
#include <string.h>

#include "tw_zeek.h"

#define C_KEY 0x0a000001u
#define S_KEY 0x0a000002u
#define C_ISN 1000u
#define S_ISN 5000u

#define F TW_TH_FIN
#define S TW_TH_SYN
#define R TW_TH_RST
#define P TW_TH_PSH
#define A TW_TH_ACK

struct run {
    struct tw_zeek z;
    uint16_t first_port; /* the first segment's source port */
    uint16_t other_port;
    uint32_t frame;
};

/* A run whose first segment comes from port `first` to port `other`. */
static struct run run_ports(uint16_t first, uint16_t other)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.first_port = first;
    r.other_port = other;
    return r;
}

/* The usual case: a client port to port 80. */
static struct run run_client(void) { return run_ports(40000, 80); }

static void seg_x(struct run *r, bool from_first, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len,
                  const struct tw_zeek_extra *x)
{
    struct tw_segment s = {
        .frame = ++r->frame,
        .time_ns = r->frame * 1000000,
        .seq = seq,
        .ack = ack,
        .len = len,
        .end_order = from_first ? 0 : 1,
        .sport = from_first ? r->first_port : r->other_port,
        .dport = from_first ? r->other_port : r->first_port,
        .flags = flags,
    };
    tw_zeek_step(&r->z, &s, from_first, x);
}

/* o(): from the first sender, t(): from the other side. */
#define o(r, fl, seq, ack, len) seg_x(r, true, fl, seq, ack, len, NULL)
#define t(r, fl, seq, ack, len) seg_x(r, false, fl, seq, ack, len, NULL)

static void expect(const struct run *r, const char *state, const char *history)
{
    char buf[64];
    g_assert_true(tw_zeek_history(&r->z, buf, sizeof buf));
    g_assert_cmpstr(buf, ==, history);
    g_assert_cmpstr(tw_zeek_conn_state_name(tw_zeek_conn_state(&r->z)), ==, state);
}

/* SYN, SYN-ACK, ACK from the client (first sender) at C_ISN to S_ISN. */
static void handshake(struct run *r)
{
    o(r, S, C_ISN, 0, 0);
    t(r, S | A, S_ISN, C_ISN + 1, 0);
    o(r, A, C_ISN + 1, S_ISN + 1, 0);
}

/* ---- conn_state: one test per value ---------------------------------- */

/* A SYN alone: UpdateInactiveState() makes the orig SYN_SENT, the resp
 * stays INACTIVE; main.zeek: os == SYN_SENT && rs == INACTIVE is S0.
 * History: update_history() records the SYN as S (first SYN of orig). */
static void test_conn_state_syn_alone_is_S0(void)
{
    struct run r = run_client();
    o(&r, S, C_ISN, 0, 0);
    expect(&r, "S0", "S");
}

/* SYN, then RST-ACK from the responder: its INACTIVE endpoint takes the RST
 * (UpdateInactiveState(): RESET); main.zeek: rs == RESET and os == SYN_SENT
 * is REJ.  The RST is a one-flag packet: r (ACK does not count). */
static void test_conn_state_syn_then_rst_from_responder_is_REJ(void)
{
    struct run r = run_client();
    o(&r, S, C_ISN, 0, 0);
    t(&r, R | A, 0, C_ISN + 1, 0);
    expect(&r, "REJ", "Sr");
}

/* The other REJ branch of main.zeek: both RESET with sizes 0.  SYN, the
 * orig's own RST (SYN_SENT -> RESET), then the resp's RST.  Size() of the
 * orig: max(last 1001, ack 1000) - start 1000 = 1, minus the SYN octet, 0;
 * the resp was numbered from its RST (start = seq - 1, last = seq), 0. */
static void test_conn_state_both_reset_without_payload_is_REJ(void)
{
    struct run r = run_client();
    o(&r, S, C_ISN, 0, 0);
    o(&r, R, C_ISN + 1, 0, 0);
    t(&r, R | A, 0, C_ISN + 1, 0);
    expect(&r, "REJ", "SRr");
}

/* The handshake: the SYN-ACK moves the orig (SYN_SENT) and the resp to
 * ESTABLISHED (UpdateInactiveState()); main.zeek: both ESTABLISHED is S1.
 * History: S, h (SYN+ACK from the resp), A (a pure ACK). */
static void test_conn_state_handshake_only_is_S1(void)
{
    struct run r = run_client();
    handshake(&r);
    expect(&r, "S1", "ShA");
}

/* Data both ways and both FINs: each FIN moves its sender from
 * ESTABLISHED to CLOSED (UpdateEstablishedState()); both CLOSED is SF.
 * D/d: first payload of each side; a: the resp's first pure ACK; the
 * orig's later ACKs add nothing (A once per direction); FIN+ACK is F/f. */
static void test_conn_state_both_fins_is_SF(void)
{
    struct run r = run_client();
    handshake(&r);
    o(&r, P | A, C_ISN + 1, S_ISN + 1, 10);
    t(&r, A, S_ISN + 1, C_ISN + 11, 0);
    t(&r, P | A, S_ISN + 1, C_ISN + 11, 20);
    o(&r, A, C_ISN + 11, S_ISN + 21, 0);
    o(&r, F | A, C_ISN + 11, S_ISN + 21, 0);
    t(&r, F | A, S_ISN + 21, C_ISN + 12, 0);
    o(&r, A, C_ISN + 12, S_ISN + 22, 0);
    expect(&r, "SF", "ShADadFf");
}

/* The orig's FIN, no answer: os CLOSED, rs ESTABLISHED (not inactive): S2. */
static void test_conn_state_orig_fin_unanswered_is_S2(void)
{
    struct run r = run_client();
    handshake(&r);
    o(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, "S2", "ShAF");
}

/* The resp's FIN, no answer: rs CLOSED, os ESTABLISHED: S3. */
static void test_conn_state_resp_fin_unanswered_is_S3(void)
{
    struct run r = run_client();
    handshake(&r);
    t(&r, F | A, S_ISN + 1, C_ISN + 1, 0);
    expect(&r, "S3", "ShAf");
}

/* The orig aborts an established connection: os RESET, rs ESTABLISHED
 * (not inactive): RSTO. */
static void test_conn_state_orig_rst_after_handshake_is_RSTO(void)
{
    struct run r = run_client();
    handshake(&r);
    o(&r, R | A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, "RSTO", "ShAR");
}

/* The resp aborts: rs RESET, os ESTABLISHED (neither SYN_SENT nor
 * inactive): RSTR. */
static void test_conn_state_resp_rst_after_handshake_is_RSTR(void)
{
    struct run r = run_client();
    handshake(&r);
    t(&r, R | A, S_ISN + 1, C_ISN + 1, 0);
    expect(&r, "RSTR", "ShAr");
}

/* SYN then the orig's own RST, no SYN-ACK: os RESET, rs INACTIVE, and the
 * history "SR" matches /\^?S[^HAFGIQ]*R.* /: RSTOS0. */
static void test_conn_state_syn_then_own_rst_is_RSTOS0(void)
{
    struct run r = run_client();
    o(&r, S, C_ISN, 0, 0);
    o(&r, R, C_ISN + 1, 0, 0);
    expect(&r, "RSTOS0", "SR");
}

/* A SYN-ACK from port 80 opens the capture: WantConnection() flips the
 * roles (SYN+ACK, source port a likely server port, destination not), so
 * the history starts with ^ and the SYN-ACK's sender is the resp (h).  Its
 * RST: the resp goes ESTABLISHED -> RESET; the orig never sent anything
 * (INACTIVE): RSTRH. */
static void test_conn_state_synack_then_rst_from_server_is_RSTRH(void)
{
    struct run r = run_ports(80, 40000);
    o(&r, S | A, S_ISN, C_ISN + 1, 0);
    o(&r, R, S_ISN + 1, 0, 0);
    expect(&r, "RSTRH", "^hr");
    g_assert_false(tw_zeek_orig_is_first_sender(&r.z));
}

/* SYN then the orig's FIN, no SYN-ACK: UpdateSYN_SentState() moves the orig
 * to CLOSED; rs INACTIVE: SH. */
static void test_conn_state_syn_then_fin_is_SH(void)
{
    struct run r = run_client();
    o(&r, S, C_ISN, 0, 0);
    o(&r, F | A, C_ISN + 1, 0, 0);
    expect(&r, "SH", "SF");
}

/* As RSTRH, but the resp closes with a FIN: rs CLOSED, os INACTIVE: SHR. */
static void test_conn_state_synack_then_fin_from_server_is_SHR(void)
{
    struct run r = run_ports(80, 40000);
    o(&r, S | A, S_ISN, C_ISN + 1, 0);
    o(&r, F | A, S_ISN + 1, C_ISN + 1, 0);
    expect(&r, "SHR", "^hf");
}

/* Mid-stream data with no SYN: both endpoints PARTIAL (UpdateInactiveState(),
 * no control flags and the peer not ESTABLISHED): no conn_state branch
 * matches, OTH.  Source port 40000 is no likely server port: no flip. */
static void test_conn_state_midstream_data_is_OTH(void)
{
    struct run r = run_client();
    o(&r, P | A, C_ISN, S_ISN, 100);
    t(&r, A, S_ISN, C_ISN + 100, 0);
    expect(&r, "OTH", "Da");
}

/* A lone RST from the orig: os RESET, rs INACTIVE, history "R" does not
 * match the RSTOS0 pattern (no S first): OTH. */
static void test_conn_state_lone_rst_is_OTH(void)
{
    struct run r = run_client();
    o(&r, R, C_ISN, 0, 0);
    expect(&r, "OTH", "R");
}

/* ---- history letters ------------------------------------------------- */

/* s: a bare SYN from the resp answering the orig's SYN (simultaneous
 * open): UpdateInactiveState() takes the orig SYN_SENT to ESTABLISHED and
 * the resp to ESTABLISHED, no flip (the orig is SYN_SENT, not
 * SYN_ACK_SENT): S1. */
static void test_history_simultaneous_open_syn_from_responder_is_s(void)
{
    struct run r = run_client();
    o(&r, S, C_ISN, 0, 0);
    t(&r, S, S_ISN, 0, 0);
    expect(&r, "S1", "Ss");
}

/* A retransmitted SYN (same sequence number) adds nothing: the SYN letter
 * repeats only when its relative sequence number differs from the last. */
static void test_history_syn_retransmitted_is_one_S(void)
{
    struct run r = run_client();
    o(&r, S, C_ISN, 0, 0);
    o(&r, S, C_ISN, 0, 0);
    expect(&r, "S0", "S");
}

/* A SYN with another ISN from a SYN_SENT endpoint: init_endpoint() renumbers
 * the endpoint from it (SYN_seq_jump), so its relative number is 0 again,
 * equal to hist_last_SYN: still one S. */
static void test_history_syn_with_new_isn_is_one_S(void)
{
    struct run r = run_client();
    o(&r, S, C_ISN, 0, 0);
    o(&r, S, C_ISN + 777, 0, 0);
    expect(&r, "S0", "S");
}

/* After its own RST (RESET, prev_state SYN_SENT, so init_endpoint() does not
 * renumber), a SYN with another ISN has a new relative number: S again.
 * The RESET endpoint stays RESET (UpdateResetState()); "SRS" matches the
 * RSTOS0 pattern. */
static void test_history_syn_after_own_rst_with_new_isn_is_S_again(void)
{
    struct run r = run_client();
    o(&r, S, C_ISN, 0, 0);
    o(&r, R, C_ISN + 1, 0, 0);
    o(&r, S, C_ISN + 5000, 0, 0);
    expect(&r, "RSTOS0", "SRS");
}

/* H: a SYN-ACK from the orig.  Ports 40000 and 50000 are not likely server
 * ports, so WantConnection() does not flip; the orig goes SYN_ACK_SENT.
 * Then the resp's bare SYN: its s is recorded first (update_history() runs
 * before the state machine), then UpdateInactiveState() sees the SYN/SYN-ACK
 * reversal and flips: ^.  Both are ESTABLISHED: S1.  The later ACK from the
 * first sender, now the resp, is a. */
static void test_history_synack_then_syn_flips_roles(void)
{
    struct run r = run_ports(40000, 50000);
    o(&r, S | A, C_ISN, S_ISN + 1, 0);
    expect(&r, "OTH", "H");
    g_assert_true(tw_zeek_orig_is_first_sender(&r.z));
    t(&r, S, S_ISN, 0, 0);
    expect(&r, "S1", "Hs^");
    g_assert_false(tw_zeek_orig_is_first_sender(&r.z));
    o(&r, A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, "S1", "Hs^a");
}

/* Both ports likely server ports (80 -> 443), first packet a pure ACK:
 * WantConnection() flips only if it is not a SYN and the source port is the
 * lower: 80 < 443, flip.  The ACK's sender is then the resp: ^a. */
static void test_history_midstream_ack_from_lower_server_port_flips(void)
{
    struct run r = run_ports(80, 443);
    o(&r, A, C_ISN, S_ISN, 0);
    expect(&r, "OTH", "^a");
}

/* The same with a SYN-ACK: not flipped when both ports are likely server
 * ports ("to avoid confusing stealth scans"): H. */
static void test_history_synack_between_server_ports_not_flipped(void)
{
    struct run r = run_ports(80, 443);
    o(&r, S | A, C_ISN, S_ISN, 0);
    expect(&r, "OTH", "H");
    g_assert_true(tw_zeek_orig_is_first_sender(&r.z));
}

/* A and a once per direction, however many pure ACKs. */
static void test_history_many_acks_are_one_A_each_way(void)
{
    struct run r = run_client();
    handshake(&r);
    for (int i = 0; i < 5; i++) {
        o(&r, A, C_ISN + 1, S_ISN + 1, 0);
        t(&r, A, S_ISN + 1, C_ISN + 1, 0);
    }
    expect(&r, "S1", "ShAa");
}

/* FIN+ACK is a one-flag packet (SYN, FIN, RST counted): F, never A, even
 * when the orig sent no pure ACK before. */
static void test_history_fin_ack_is_F_not_A(void)
{
    struct run r = run_client();
    o(&r, S, C_ISN, 0, 0);
    t(&r, S | A, S_ISN, C_ISN + 1, 0);
    o(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, "S2", "ShF");
}

/* A FIN with payload is F, not D: the D branch is only for packets with
 * none of SYN, FIN, RST. */
static void test_history_fin_with_payload_is_F_not_D(void)
{
    struct run r = run_client();
    handshake(&r);
    o(&r, F | P | A, C_ISN + 1, S_ISN + 1, 10);
    expect(&r, "S2", "ShAF");
}

/* d once per direction; a second payload packet adds nothing. */
static void test_history_payload_from_responder_is_one_d(void)
{
    struct run r = run_client();
    handshake(&r);
    t(&r, P | A, S_ISN + 1, C_ISN + 1, 10);
    t(&r, P | A, S_ISN + 11, C_ISN + 1, 10);
    expect(&r, "S1", "ShAd");
}

/* A retransmitted FIN (same number after its payload) adds nothing; a FIN
 * at another number is F again. */
static void test_history_fin_again_at_new_seq_is_second_F(void)
{
    struct run r = run_client();
    handshake(&r);
    o(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    o(&r, F | A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, "S2", "ShAF");
    o(&r, F | A, C_ISN + 101, S_ISN + 1, 0);
    expect(&r, "S2", "ShAFF");
}

/* Two RSTs from the resp at different numbers: r twice (RST recorded again
 * when its relative sequence number differs); a copy at the same number
 * adds nothing. */
static void test_history_rst_at_new_seq_is_second_r(void)
{
    struct run r = run_client();
    handshake(&r);
    t(&r, R | A, S_ISN + 1, C_ISN + 1, 0);
    t(&r, R | A, S_ISN + 1, C_ISN + 1, 0);
    t(&r, R, S_ISN + 101, 0, 0);
    expect(&r, "RSTR", "ShArr");
}

/* I: FIN and RST together (update_history(): more than one of SYN, FIN,
 * RST, and FIN and RST among them).  UpdateEstablishedState(): FIN with RST
 * does not close, the RST resets: RSTO. */
static void test_history_fin_rst_is_I(void)
{
    struct run r = run_client();
    handshake(&r);
    o(&r, F | R | A, C_ISN + 1, S_ISN + 1, 0);
    expect(&r, "RSTO", "ShAI");
}

/* Q: SYN+FIN as the first packet (a SYN without ACK, so WantConnection()
 * does not flip); UpdateInactiveState(): SYN -> SYN_SENT, then FIN
 * -> CLOSED; rs INACTIVE: SH. */
static void test_history_syn_fin_is_Q(void)
{
    struct run r = run_client();
    o(&r, S | F, C_ISN, 0, 0);
    expect(&r, "SH", "Q");
}

/* q: SYN+RST from the resp; Q/q once per side, so a second one adds
 * nothing.  UpdateInactiveState(): the SYN establishes both, the RST resets
 * the resp: rs RESET, os ESTABLISHED: RSTR. */
static void test_history_syn_rst_from_responder_is_q(void)
{
    struct run r = run_client();
    o(&r, S, C_ISN, 0, 0);
    t(&r, S | R, S_ISN, C_ISN + 1, 0);
    t(&r, S | R, S_ISN, C_ISN + 1, 0);
    expect(&r, "RSTR", "Sq");
}

/* T: payload that does not advance the sender's last sequence number
 * (update_last_seq(): DidRxmit()), logarithmic: at the 1st and the 10th. */
static void test_history_retransmissions_are_T_at_1_and_10(void)
{
    struct run r = run_client();
    handshake(&r);
    o(&r, P | A, C_ISN + 1, S_ISN + 1, 10);
    o(&r, P | A, C_ISN + 1, S_ISN + 1, 10);
    expect(&r, "S1", "ShADT");
    for (int i = 2; i <= 9; i++)
        o(&r, P | A, C_ISN + 1, S_ISN + 1, 10);
    expect(&r, "S1", "ShADT");
    o(&r, P | A, C_ISN + 1, S_ISN + 1, 10);
    expect(&r, "S1", "ShADTT");
}

/* t: the resp's retransmission; a retransmitted FIN without payload is no
 * retransmission (len > 0 required). */
static void test_history_responder_retransmission_is_t(void)
{
    struct run r = run_client();
    handshake(&r);
    t(&r, P | A, S_ISN + 1, C_ISN + 1, 10);
    t(&r, P | A, S_ISN + 1, C_ISN + 1, 10);
    t(&r, F | A, S_ISN + 11, C_ISN + 1, 0);
    t(&r, F | A, S_ISN + 11, C_ISN + 1, 0);
    expect(&r, "S3", "ShAdtf");
}

/* W/w: a zero window field (update_window(): ZeroWindow()), logarithmic,
 * not when the peer has sent a FIN. */
static void test_history_zero_window_is_W_and_not_after_peer_fin(void)
{
    struct run r = run_client();
    struct tw_zeek_extra zero = {.window = 0, .window_known = true};
    handshake(&r);
    seg_x(&r, true, A, C_ISN + 1, S_ISN + 1, 0, &zero);
    expect(&r, "S1", "ShAW");
    t(&r, F | A, S_ISN + 1, C_ISN + 1, 0);
    seg_x(&r, true, A, C_ISN + 1, S_ISN + 2, 0, &zero); /* the resp (peer) is CLOSED: no letter */
    for (int i = 0; i < 9; i++)
        seg_x(&r, false, A, S_ISN + 2, C_ISN + 1, 0, &zero);
    /* The resp's first pure ACK is its a, recorded before its w. */
    expect(&r, "S3", "ShAWfaw");
    seg_x(&r, false, A, S_ISN + 2, C_ISN + 1, 0, &zero);
    expect(&r, "S3", "ShAWfaww"); /* the resp's 10th zero window */
}

/* C/c: a bad checksum (TCPAnalyzer::ValidateChecksum()) is counted and the
 * packet goes no further: a bad SYN leaves the connection INACTIVE (OTH),
 * with no S.  Logarithmic: the 10th is the second C. */
static void test_history_bad_checksum_is_C_and_packet_dropped(void)
{
    struct run r = run_client();
    struct tw_zeek_extra bad = {.bad_checksum = true};
    seg_x(&r, true, S, C_ISN, 0, 0, &bad);
    expect(&r, "OTH", "C");
    for (int i = 0; i < 9; i++)
        seg_x(&r, true, S, C_ISN, 0, 0, &bad);
    expect(&r, "OTH", "CC");
    seg_x(&r, false, S | A, S_ISN, C_ISN + 1, 0, &bad);
    expect(&r, "OTH", "CCc");
}

/* G: the resp acknowledges orig data that was never seen.  The orig's
 * first 100 bytes are missing, the next 100 buffered above the hole; the
 * ACK of all 200 (TCP_Reassembler::AckReceived() -> Undelivered()) is a gap
 * in the orig's stream while both are ESTABLISHED: G (the orig's letter),
 * after the resp's a. */
static void test_history_ack_above_hole_is_G(void)
{
    struct run r = run_client();
    handshake(&r);
    o(&r, P | A, C_ISN + 101, S_ISN + 1, 100);
    t(&r, A, S_ISN + 1, C_ISN + 201, 0);
    expect(&r, "S1", "ShADaG");
}

/* The hole filled before the ACK: no gap.  The filling segment is below
 * the orig's last sequence number, so update_last_seq() counts it as a
 * retransmission: T. */
static void test_history_hole_filled_before_ack_is_no_G(void)
{
    struct run r = run_client();
    handshake(&r);
    o(&r, P | A, C_ISN + 101, S_ISN + 1, 100);
    o(&r, P | A, C_ISN + 1, S_ISN + 1, 100);
    t(&r, A, S_ISN + 1, C_ISN + 201, 0);
    expect(&r, "S1", "ShADTa");
}

/* g: the orig acknowledges resp data never seen; acknowledged with the
 * orig's FIN (CLOSED after ESTABLISHED is still clean): g. */
static void test_history_fin_acking_missing_data_is_g(void)
{
    struct run r = run_client();
    handshake(&r);
    o(&r, F | A, C_ISN + 1, S_ISN + 51, 0);
    expect(&r, "S2", "ShAFg");
}

/* An ACK in an RST beyond what was seen: the RST's sender is RESET by then,
 * not clean, so no gap letter (is_clean() in TCP_Reassembler::Gap()). */
static void test_history_rst_acking_missing_data_is_no_g(void)
{
    struct run r = run_client();
    handshake(&r);
    o(&r, R | A, C_ISN + 1, S_ISN + 51, 0);
    expect(&r, "RSTO", "ShAR");
}

/* Payload captured short (snaplen): not given to the reassembler, so its
 * ACK reveals a gap. */
static void test_history_truncated_payload_acked_is_G(void)
{
    struct run r = run_client();
    struct tw_zeek_extra cut = {.payload_truncated = true};
    handshake(&r);
    seg_x(&r, true, P | A, C_ISN + 1, S_ISN + 1, 100, &cut);
    t(&r, A, S_ISN + 1, C_ISN + 101, 0);
    expect(&r, "S1", "ShADaG");
}

/* ---- API -------------------------------------------------------------- */

static void test_api_names_and_ports(void)
{
    for (unsigned s = 0; s < TW_ZEEK_CONN_STATE_COUNT; s++)
        g_assert_cmpstr(tw_zeek_conn_state_name(s), !=, "?");
    g_assert_cmpstr(tw_zeek_conn_state_name(TW_ZEEK_CONN_STATE_COUNT), ==, "?");
    g_assert_true(tw_zeek_likely_server_port(80));
    g_assert_true(tw_zeek_likely_server_port(443));
    g_assert_true(tw_zeek_likely_server_port(22));
    g_assert_false(tw_zeek_likely_server_port(40000));
    g_assert_false(tw_zeek_likely_server_port(0));
}

/* An empty history before any packet; a too-small buffer is reported. */
static void test_api_history_buffer(void)
{
    struct run r = run_client();
    char buf[3];
    g_assert_true(tw_zeek_history(&r.z, buf, sizeof buf));
    g_assert_cmpstr(buf, ==, "");
    handshake(&r);
    g_assert_false(tw_zeek_history(&r.z, buf, sizeof buf));
    g_assert_cmpstr(buf, ==, "Sh");
    g_assert_cmpuint(tw_zeek_orig_state(&r.z), ==, TW_ZEEK_ESTABLISHED);
    g_assert_cmpuint(tw_zeek_resp_state(&r.z), ==, TW_ZEEK_ESTABLISHED);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/zeek/conn_state/syn_alone_is_S0", test_conn_state_syn_alone_is_S0);
    g_test_add_func("/zeek/conn_state/syn_then_rst_from_responder_is_REJ",
                    test_conn_state_syn_then_rst_from_responder_is_REJ);
    g_test_add_func("/zeek/conn_state/both_reset_without_payload_is_REJ",
                    test_conn_state_both_reset_without_payload_is_REJ);
    g_test_add_func("/zeek/conn_state/handshake_only_is_S1", test_conn_state_handshake_only_is_S1);
    g_test_add_func("/zeek/conn_state/both_fins_is_SF", test_conn_state_both_fins_is_SF);
    g_test_add_func("/zeek/conn_state/orig_fin_unanswered_is_S2", test_conn_state_orig_fin_unanswered_is_S2);
    g_test_add_func("/zeek/conn_state/resp_fin_unanswered_is_S3", test_conn_state_resp_fin_unanswered_is_S3);
    g_test_add_func("/zeek/conn_state/orig_rst_after_handshake_is_RSTO",
                    test_conn_state_orig_rst_after_handshake_is_RSTO);
    g_test_add_func("/zeek/conn_state/resp_rst_after_handshake_is_RSTR",
                    test_conn_state_resp_rst_after_handshake_is_RSTR);
    g_test_add_func("/zeek/conn_state/syn_then_own_rst_is_RSTOS0", test_conn_state_syn_then_own_rst_is_RSTOS0);
    g_test_add_func("/zeek/conn_state/synack_then_rst_from_server_is_RSTRH",
                    test_conn_state_synack_then_rst_from_server_is_RSTRH);
    g_test_add_func("/zeek/conn_state/syn_then_fin_is_SH", test_conn_state_syn_then_fin_is_SH);
    g_test_add_func("/zeek/conn_state/synack_then_fin_from_server_is_SHR",
                    test_conn_state_synack_then_fin_from_server_is_SHR);
    g_test_add_func("/zeek/conn_state/midstream_data_is_OTH", test_conn_state_midstream_data_is_OTH);
    g_test_add_func("/zeek/conn_state/lone_rst_is_OTH", test_conn_state_lone_rst_is_OTH);
    g_test_add_func("/zeek/history/simultaneous_open_syn_from_responder_is_s",
                    test_history_simultaneous_open_syn_from_responder_is_s);
    g_test_add_func("/zeek/history/syn_retransmitted_is_one_S", test_history_syn_retransmitted_is_one_S);
    g_test_add_func("/zeek/history/syn_with_new_isn_is_one_S", test_history_syn_with_new_isn_is_one_S);
    g_test_add_func("/zeek/history/syn_after_own_rst_with_new_isn_is_S_again",
                    test_history_syn_after_own_rst_with_new_isn_is_S_again);
    g_test_add_func("/zeek/history/synack_then_syn_flips_roles", test_history_synack_then_syn_flips_roles);
    g_test_add_func("/zeek/history/midstream_ack_from_lower_server_port_flips",
                    test_history_midstream_ack_from_lower_server_port_flips);
    g_test_add_func("/zeek/history/synack_between_server_ports_not_flipped",
                    test_history_synack_between_server_ports_not_flipped);
    g_test_add_func("/zeek/history/many_acks_are_one_A_each_way", test_history_many_acks_are_one_A_each_way);
    g_test_add_func("/zeek/history/fin_ack_is_F_not_A", test_history_fin_ack_is_F_not_A);
    g_test_add_func("/zeek/history/fin_with_payload_is_F_not_D", test_history_fin_with_payload_is_F_not_D);
    g_test_add_func("/zeek/history/payload_from_responder_is_one_d", test_history_payload_from_responder_is_one_d);
    g_test_add_func("/zeek/history/fin_again_at_new_seq_is_second_F", test_history_fin_again_at_new_seq_is_second_F);
    g_test_add_func("/zeek/history/rst_at_new_seq_is_second_r", test_history_rst_at_new_seq_is_second_r);
    g_test_add_func("/zeek/history/fin_rst_is_I", test_history_fin_rst_is_I);
    g_test_add_func("/zeek/history/syn_fin_is_Q", test_history_syn_fin_is_Q);
    g_test_add_func("/zeek/history/syn_rst_from_responder_is_q", test_history_syn_rst_from_responder_is_q);
    g_test_add_func("/zeek/history/retransmissions_are_T_at_1_and_10",
                    test_history_retransmissions_are_T_at_1_and_10);
    g_test_add_func("/zeek/history/responder_retransmission_is_t", test_history_responder_retransmission_is_t);
    g_test_add_func("/zeek/history/zero_window_is_W_and_not_after_peer_fin",
                    test_history_zero_window_is_W_and_not_after_peer_fin);
    g_test_add_func("/zeek/history/bad_checksum_is_C_and_packet_dropped",
                    test_history_bad_checksum_is_C_and_packet_dropped);
    g_test_add_func("/zeek/history/ack_above_hole_is_G", test_history_ack_above_hole_is_G);
    g_test_add_func("/zeek/history/hole_filled_before_ack_is_no_G", test_history_hole_filled_before_ack_is_no_G);
    g_test_add_func("/zeek/history/fin_acking_missing_data_is_g", test_history_fin_acking_missing_data_is_g);
    g_test_add_func("/zeek/history/rst_acking_missing_data_is_no_g", test_history_rst_acking_missing_data_is_no_g);
    g_test_add_func("/zeek/history/truncated_payload_acked_is_G", test_history_truncated_payload_acked_is_G);
    g_test_add_func("/zeek/api/names_and_ports", test_api_names_and_ports);
    g_test_add_func("/zeek/api/history_buffer", test_api_history_buffer);
    return g_test_run();
}
