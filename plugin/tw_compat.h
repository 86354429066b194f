/* tw_compat.h - every difference between the Wireshark versions tcpwave
 * builds against (4.0, 4.2, 4.4, 4.6), in one place.  The rest of the plugin
 * uses these names and never tests the version itself.
 *
 * Checked by building and running the whole suite against 4.0 (Debian 12),
 * 4.4 (Debian 13) and 4.6 (Debian unstable): scripts/matrix.sh.  4.2 takes
 * the branch of the release each change appeared in, as far as Wireshark's
 * public sources tell; it was not compiled (no Debian suite ships it). */
#ifndef TW_COMPAT_H
#define TW_COMPAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <epan/conversation.h>
#include <epan/packet_info.h>
#include <epan/prefs.h>
#include <epan/proto.h>
#include <ws_symbol_export.h>
#include <ws_version.h>

/* Building against Wireshark major.minor or later. */
#define TW_WS_AT_LEAST(major, minor)                                                                                \
    (WIRESHARK_VERSION_MAJOR > (major) || (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

/* Protocol, field and subtree ids before registration: -1 up to 4.4, 0 from
 * 4.6 on (where expert.h's EI_INIT became {0, 0} too). */
#if TW_WS_AT_LEAST(4, 6)
#define TW_HF_INIT 0
#define TW_ETT_INIT 0
#else
#define TW_HF_INIT (-1)
#define TW_ETT_INIT (-1)
#endif

/* Big-endian reads from a pointer (wsutil/pint.h): pntoh16/pntoh32 up to
 * 4.4, pntohu16/pntohu32 from 4.6 on (Debian unstable's 4.6 has only the
 * latter). */
#if TW_WS_AT_LEAST(4, 6)
#define tw_pntoh16 pntohu16
#define tw_pntoh32 pntohu32
#else
#define tw_pntoh16 pntoh16
#define tw_pntoh32 pntoh32
#endif

/* How many bytes of a TCP header TCP reads before it assigns tcp.stream (its
 * conversation lookup): up to the window (16) until 4.4, up to the flags (14)
 * from 4.6 on.  With fewer captured, TCP throws first and the segment has no
 * stream.  Checked on 4.0, 4.4 and 4.6 by tests/test_hook.py (hostile/
 * header-cuts.pcap: a tcpwave record exactly where Wireshark gives tcp.stream). */
#if TW_WS_AT_LEAST(4, 6)
#define TW_TCP_STREAM_BYTES 14
#else
#define TW_TCP_STREAM_BYTES 16
#endif

/* Are TCP's conversations keyed by the link-layer conversation too (the
 * preference protocols.conversation_deinterlacing_key, 4.4 on)? */
static inline bool tw_conversations_deinterlaced(void)
{
#if TW_WS_AT_LEAST(4, 4)
    return prefs.conversation_deinterlacing_key > 0;
#else
    return false;
#endif
}

/* The conversation TCP used for a segment of frame `frame`: what TCP's own
 * lookup (find_conversation_pinfo() up to 4.2, find_conversation_strat() from
 * 4.4 on) returns for these addresses and ports.  From 4.4 on, with the
 * preference protocols.conversation_deinterlacing_key set, TCP's
 * conversations are keyed by the link-layer conversation too: the lookup
 * then goes through find_conversation_strat() on a copy of pinfo carrying
 * the segment's addresses and ports. */
static inline conversation_t *tw_find_tcp_conversation(const packet_info *pinfo, uint32_t frame, const address *src,
                                                       const address *dst, uint32_t sport, uint32_t dport)
{
#if TW_WS_AT_LEAST(4, 4)
    if (prefs.conversation_deinterlacing_key > 0) {
        packet_info as_tcp = *pinfo;
        as_tcp.num = frame;
        copy_address_shallow(&as_tcp.src, src);
        copy_address_shallow(&as_tcp.dst, dst);
        as_tcp.ptype = PT_TCP;
        as_tcp.srcport = sport;
        as_tcp.destport = dport;
#if TW_WS_AT_LEAST(4, 6)
        return find_conversation_strat(&as_tcp, CONVERSATION_TCP, 0, false);
#else
        return find_conversation_strat(&as_tcp, CONVERSATION_TCP, 0);
#endif
    }
#else
    (void)pinfo;
#endif
    return find_conversation(frame, src, dst, CONVERSATION_TCP, sport, dport, 0);
}

/* The variable behind a boolean preference: a gboolean in 4.0, a C bool from
 * 4.2 on (prefs_register_bool_preference()'s last argument). */
#if TW_WS_AT_LEAST(4, 2)
typedef bool tw_pref_bool;
#else
typedef gboolean tw_pref_bool;
#endif

/* What a funnel text window's button callback (funnel_bt_cb_t) returns:
 * gboolean in 4.0, bool from 4.2 on (with the rest of epan/funnel.h). */
#if TW_WS_AT_LEAST(4, 2)
#define TW_FUNNEL_BOOL bool
#else
#define TW_FUNNEL_BOOL gboolean
#endif

/* The init callback of a tshark -z statistic (stat_tap_ui.tap_init_cb):
 * void up to 4.4, where a statistic that cannot start exits tshark itself;
 * bool from 4.6 on, where false makes tshark fail.  TW_STAT_TAP_INIT(name,
 * start) defines the callback `name` around
 * `static gboolean start(const char *opt_arg, void *userdata)`. */
#if TW_WS_AT_LEAST(4, 6)
#define TW_STAT_TAP_INIT(name, start)                                                                               \
    static bool name(const char *opt_arg, void *userdata) { return start(opt_arg, userdata); }
#else
#define TW_STAT_TAP_INIT(name, start)                                                                               \
    static void name(const char *opt_arg, void *userdata)                                                           \
    {                                                                                                               \
        if (!start(opt_arg, userdata))                                                                              \
            exit(1);                                                                                                \
    }
#endif

/* The plugin's own description: from 4.2 on the loader calls the plugin's
 * plugin_describe() (optional; without it `tshark -G plugins` says
 * "unknown") for WS_PLUGIN_DESC_* flags; 4.0 tells the type from what the
 * plugin registers.  TW_PLUGIN_DESCRIBE(flags) defines it where it exists.
 * The flags are in wsutil/plugins.h where that is installed (4.4 on). */
#if TW_WS_AT_LEAST(4, 2)
#if defined(__has_include)
#if __has_include(<wsutil/plugins.h>)
#include <wsutil/plugins.h>
#endif
#endif
#ifndef WS_PLUGIN_DESC_DISSECTOR
#define WS_PLUGIN_DESC_DISSECTOR (1UL << 0)
#endif
#define TW_PLUGIN_DESCRIBE(flags)                                                                                   \
    WS_DLL_PUBLIC uint32_t plugin_describe(void);                                                                   \
    uint32_t plugin_describe(void) { return (flags); }
#else
#define TW_PLUGIN_DESCRIBE(flags)
#endif

/* Is a field asked for by a display filter or a column (primed), not merely
 * shown in a visible tree, which shows every field? */
static inline bool tw_field_primed(int hf)
{
    header_field_info *h = hf > 0 ? proto_registrar_get_nth(hf) : NULL;
    return h && h->ref_type != HF_REF_TYPE_NONE;
}

#endif /* TW_COMPAT_H */
