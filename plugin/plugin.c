/* plugin.c - the symbols Wireshark looks for when it loads tcpwave.so.  They
 * tie the plugin to the Wireshark minor version it was built against: any
 * other refuses to load it. */
#define WS_BUILD_DLL
#include <epan/proto.h>
#include <ws_symbol_export.h>
#include <ws_version.h>

#include "tcpwave.h"
#include "tw_compat.h"

WS_DLL_PUBLIC_DEF const char plugin_version[] = TCPWAVE_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

void plugin_register(void)
{
    static const proto_plugin plug = {proto_register_tcpwave, proto_reg_handoff_tcpwave};
    proto_register_plugin(&plug);
}

/* A dissector: `tshark -G plugins` lists it as one on every version. */
TW_PLUGIN_DESCRIBE(WS_PLUGIN_DESC_DISSECTOR)
