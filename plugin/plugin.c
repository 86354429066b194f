/* plugin.c - the symbols Wireshark looks for when it loads tcpwave.so. */
#define WS_BUILD_DLL
#include <epan/proto.h>
#include <ws_symbol_export.h>
#include <ws_version.h>

#include "tcpwave.h"

WS_DLL_PUBLIC_DEF const char plugin_version[] = TCPWAVE_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

void plugin_register(void)
{
    static const proto_plugin plug = {proto_register_tcpwave, proto_reg_handoff_tcpwave};
    proto_register_plugin(&plug);
}
