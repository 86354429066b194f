# SPDX-License-Identifier: GPL-2.0-or-later
# packaging/deb.cmake - `cpack -G DEB` (or just `cpack`) in a build folder
# makes tcpwave_<version>_<arch>.deb for the Wireshark that folder was
# configured against:
#
#   * tcpwave.so goes into that distribution's global plugin folder,
#     <Wireshark prefix>/<Wireshark_PLUGIN_LIBDIR>/epan, e.g.
#     /usr/lib/x86_64-linux-gnu/wireshark/plugins/4.4/epan on Debian 13;
#   * it depends on the package that ships the libwireshark it was linked
#     against, within that minor version only (a plugin built for 4.4 is
#     refused by 4.6):  libwireshark18 (>= 4.4), libwireshark18 (<< 4.5);
#   * the profiles tcpwave and tcpwave-fast (build/profiles) go into its
#     global profiles folder, /usr/share/wireshark/profiles on Debian;
#   * it recommends tshark | wireshark, so that `apt-get install
#     ./tcpwave_*.deb` on a fresh system also brings something that loads it.
#
# Included from CMakeLists.txt after the tcpwave target exists.  Only the
# "deb" install component goes into the package, never the personal or
# global folder that `cmake --install` picks for whoever runs it.

# The library behind Wireshark's epan target, and its soname number.
get_target_property(_tw_configs epan IMPORTED_CONFIGURATIONS)
set(_tw_epan_lib "")
foreach(_tw_config IN LISTS _tw_configs)
  get_target_property(_tw_epan_lib epan IMPORTED_LOCATION_${_tw_config})
  if(_tw_epan_lib)
    break()
  endif()
endforeach()
if(NOT _tw_epan_lib)
  get_target_property(_tw_epan_lib epan IMPORTED_LOCATION)
endif()
get_filename_component(_tw_epan_real "${_tw_epan_lib}" REALPATH)
get_filename_component(_tw_epan_dir "${_tw_epan_real}" DIRECTORY)
string(REGEX MATCH "\\.so\\.([0-9]+)" _tw_match "${_tw_epan_real}")
set(_tw_soversion "${CMAKE_MATCH_1}")

# The Debian package that owns it (libwireshark16 on Debian 12, 18 on 13, 19
# on unstable today); the Debian convention libwireshark<soname> otherwise.
set(TCPWAVE_LIBWIRESHARK_PACKAGE "" CACHE STRING
    "Package providing libwireshark, for the .deb's Depends (default: the dpkg owner of the library linked)")
if(NOT TCPWAVE_LIBWIRESHARK_PACKAGE)
  find_program(TCPWAVE_DPKG_QUERY dpkg-query)
  mark_as_advanced(TCPWAVE_DPKG_QUERY)
  set(_tw_owner "")
  if(TCPWAVE_DPKG_QUERY AND _tw_soversion)
    execute_process(COMMAND "${TCPWAVE_DPKG_QUERY}" -S "${_tw_epan_dir}/libwireshark.so.${_tw_soversion}"
                    OUTPUT_VARIABLE _tw_owner ERROR_QUIET RESULT_VARIABLE _tw_rc)
    if(_tw_rc EQUAL 0)
      string(REGEX REPLACE "^([^:,]+).*" "\\1" _tw_owner "${_tw_owner}")
    else()
      set(_tw_owner "")
    endif()
  endif()
  if(NOT _tw_owner)
    set(_tw_owner "libwireshark${_tw_soversion}")
  endif()
  set(TCPWAVE_LIBWIRESHARK_PACKAGE "${_tw_owner}")
endif()

# The plugin folder below Wireshark's prefix (WiresharkConfig.cmake gives both).
if(NOT Wireshark_PLUGIN_LIBDIR)
  file(RELATIVE_PATH Wireshark_PLUGIN_LIBDIR "${Wireshark_INSTALL_PREFIX}" "${Wireshark_PLUGIN_INSTALL_DIR}")
endif()

math(EXPR _tw_next_minor "${Wireshark_MINOR_VERSION} + 1")
set(_tw_ws_next "${Wireshark_MAJOR_VERSION}.${_tw_next_minor}")

# What `cpack` packs: the "deb" component only, with the plugin at the
# distribution's global plugin folder, relative to Wireshark's own prefix.
install(TARGETS tcpwave LIBRARY DESTINATION "${Wireshark_PLUGIN_LIBDIR}/epan" COMPONENT deb EXCLUDE_FROM_ALL)
# The licence, where Debian policy wants it (GPL-2.0-or-later, as LICENSE).
install(FILES "${CMAKE_CURRENT_LIST_DIR}/copyright" DESTINATION share/doc/tcpwave COMPONENT deb EXCLUDE_FROM_ALL)
# The profiles tcpwave and tcpwave-fast into the global profiles folder
# (/usr/share/wireshark/profiles on Debian), where `wireshark -C` and
# `tshark -C` find them for every user.
if(TCPWAVE_PROFILES)
  file(RELATIVE_PATH _tw_profiles_rel "${Wireshark_INSTALL_PREFIX}" "${TCPWAVE_PROFILES_GLOBAL_DIR}")
  if(_tw_profiles_rel MATCHES "^\\.\\.")
    message(FATAL_ERROR "Wireshark's profiles folder ${TCPWAVE_PROFILES_GLOBAL_DIR} is not below its prefix "
                        "${Wireshark_INSTALL_PREFIX}: the .deb cannot place the profiles")
  endif()
  install(DIRECTORY "${TCPWAVE_PROFILES_OUT}/tcpwave" "${TCPWAVE_PROFILES_OUT}/tcpwave-fast"
          DESTINATION "${_tw_profiles_rel}" COMPONENT deb EXCLUDE_FROM_ALL)
endif()
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};deb;/")
set(CPACK_PACKAGING_INSTALL_PREFIX "${Wireshark_INSTALL_PREFIX}")
set(CPACK_SET_DESTDIR OFF)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tcpwave)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "tcpwave")
set(CPACK_RESOURCE_FILE_LICENSE "${CMAKE_SOURCE_DIR}/LICENSE")
set(TCPWAVE_PACKAGE_CONTACT "tcpwave maintainers <tcpwave@localhost>" CACHE STRING
    "Maintainer field of the .deb")
set(CPACK_PACKAGE_CONTACT "${TCPWAVE_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Wireshark plugin: TCP handshake and close states of both endpoints (Wireshark ${TCPWAVE_WS_MINOR})")
# The long description (CPack puts the summary above it and indents it).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "tcpwave is a post-dissector that annotates every TCP segment with the state
each endpoint is in after it (the Linux tcp_states.h names), its role in the
three-way handshake or in the close, and the kind of close: three-way,
four-way, simultaneous, reset or refused.  It adds the statistics
tshark -z tcpwave,stat, tcpwave,conv, tcpwave,states, tcpwave,phases,
tcpwave,hosts, tcpwave,tuning and tcpwave,ladder.

Built for Wireshark ${Wireshark_VERSION}: Wireshark and tshark ${TCPWAVE_WS_MINOR}.x load it,
no other version does.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)   # tcpwave_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "${TCPWAVE_LIBWIRESHARK_PACKAGE} (>= ${TCPWAVE_WS_MINOR}), ${TCPWAVE_LIBWIRESHARK_PACKAGE} (<< ${_tw_ws_next})")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "tshark | wireshark")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}")
include(CPack)

message(STATUS "tcpwave: cpack makes a .deb for ${Wireshark_INSTALL_PREFIX}/${Wireshark_PLUGIN_LIBDIR}/epan, "
               "Depends: ${CPACK_DEBIAN_PACKAGE_DEPENDS}")
