/* tw_compat.h - every difference between the Wireshark versions tcpwave
 * builds against, in one place.  The rest of the plugin uses these names and
 * never tests the version itself. */
#ifndef TW_COMPAT_H
#define TW_COMPAT_H

#include <epan/proto.h>
#include <ws_version.h>

/* Field, subtree and expert ids start unregistered. */
#define TW_HF_INIT (-1)
#define TW_ETT_INIT (-1)

/* field_info.value: embedded in 4.0, a pointer from 4.2 on. */
#if WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR < 2
#define TW_FI_VALUE(fi) (&(fi)->value)
#else
#define TW_FI_VALUE(fi) ((fi)->value)
#endif

#define TW_FI_UINT(fi) fvalue_get_uinteger(TW_FI_VALUE(fi))

#endif /* TW_COMPAT_H */
