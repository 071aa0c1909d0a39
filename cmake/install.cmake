# Install layout and the Debian package (CPack), included from the top
# CMakeLists.txt after the targets.  The programs (/usr/sbin/outreachd,
# /usr/bin/outreachctl) and the channel plugins (${OD_PLUGIN_INSTALL_DIR})
# are installed where they are defined; this adds the rest:
#
#   /etc/outreachd/outreachd.yaml          config/outreachd-production.yaml
#   /etc/outreachd/{policy,templates,jurisdictions,holidays}/
#   /lib/systemd/system/outreachd.service
#   /usr/lib/tmpfiles.d/outreachd.conf
#   <prefix>/share/man/man{1,5,8}/         outreachctl.1, outreachd.yaml.5, outreachd.8
#   <prefix>/share/doc/outreachd/          docs/*.md, the Grafana dashboard
#
# /etc and the systemd paths are absolute: the daemon reads
# /etc/outreachd/outreachd.yaml whatever the prefix, and Debian 12 keeps
# units in /lib/systemd/system.  Build packages with
# -DCMAKE_INSTALL_PREFIX=/usr so the plugin directory compiled into the
# daemon is /usr/lib/outreachd/channels.

set(OD_ETC_DIR /etc/outreachd)

install(FILES ${CMAKE_SOURCE_DIR}/config/outreachd-production.yaml
        DESTINATION ${OD_ETC_DIR} RENAME outreachd.yaml)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/policy/ DESTINATION ${OD_ETC_DIR}/policy
        FILES_MATCHING PATTERN "*.yaml")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/templates/ DESTINATION ${OD_ETC_DIR}/templates)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/config/jurisdictions/ DESTINATION ${OD_ETC_DIR}/jurisdictions
        FILES_MATCHING PATTERN "*.yaml")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/config/holidays/ DESTINATION ${OD_ETC_DIR}/holidays
        FILES_MATCHING PATTERN "*.yaml")

install(FILES ${CMAKE_SOURCE_DIR}/systemd/outreachd.service DESTINATION /lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/outreachd.tmpfiles
        DESTINATION /usr/lib/tmpfiles.d RENAME outreachd.conf)

# The man pages carry the one version (project() in CMakeLists.txt) and its
# release date, filled in here.
foreach(page outreachd.8 outreachctl.1 outreachd.yaml.5)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  configure_file(${CMAKE_SOURCE_DIR}/man/${page} ${CMAKE_BINARY_DIR}/man/${page} @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/man/${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()

file(GLOB OD_DOCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${OD_DOCS} ${CMAKE_SOURCE_DIR}/config/grafana-dashboard.json
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "outreachd: CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}; "
                 "use -DCMAKE_INSTALL_PREFIX=/usr to build a .deb")
endif()

# --- Debian package --------------------------------------------------------
# Every file under /etc/outreachd is a conffile: an upgrade keeps the
# administrator's edits (dpkg asks).
set(OD_CONFFILES "${OD_ETC_DIR}/outreachd.yaml\n")
foreach(sub policy templates jurisdictions holidays)
  if(sub STREQUAL "policy")
    set(src ${CMAKE_SOURCE_DIR}/policy)
  elseif(sub STREQUAL "templates")
    set(src ${CMAKE_SOURCE_DIR}/templates)
  else()
    set(src ${CMAKE_SOURCE_DIR}/config/${sub})
  endif()
  if(sub STREQUAL "templates")
    file(GLOB_RECURSE files CONFIGURE_DEPENDS RELATIVE ${src} ${src}/*)
  else()
    file(GLOB files CONFIGURE_DEPENDS RELATIVE ${src} ${src}/*.yaml)
  endif()
  list(SORT files)
  foreach(f ${files})
    string(APPEND OD_CONFFILES "${OD_ETC_DIR}/${sub}/${f}\n")
  endforeach()
endforeach()
set(OD_DEB_DIR ${CMAKE_BINARY_DIR}/debian)
file(WRITE ${OD_DEB_DIR}/conffiles "${OD_CONFFILES}")
# The unit is not enabled on install: the configuration must name real
# gateways first.  tmpfiles makes /etc/outreachd/credentials.
file(WRITE ${OD_DEB_DIR}/postinst "#!/bin/sh
set -e
if [ \"$1\" = configure ]; then
	if command -v systemd-tmpfiles >/dev/null 2>&1; then
		systemd-tmpfiles --create outreachd.conf || true
	fi
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
		if systemctl is-active --quiet outreachd.service; then
			systemctl try-restart outreachd.service || true
		fi
	fi
fi
exit 0
")
file(WRITE ${OD_DEB_DIR}/prerm "#!/bin/sh
set -e
if [ \"$1\" = remove ] && [ -d /run/systemd/system ]; then
	systemctl stop outreachd.service >/dev/null 2>&1 || true
fi
exit 0
")
file(WRITE ${OD_DEB_DIR}/postrm "#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
exit 0
")
file(CHMOD ${OD_DEB_DIR}/postinst ${OD_DEB_DIR}/prerm ${OD_DEB_DIR}/postrm
     PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                 WORLD_READ WORLD_EXECUTE)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME outreachd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "outreachd")
set(CPACK_PACKAGE_CONTACT "outreachd maintainers <outreachd@example.pe>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "collection-outreach dispatcher daemon")
set(CPACK_PACKAGE_DESCRIPTION "outreachd sends payment reminders, notices, offers and final
notices to debtors over SMS, email and WhatsApp, following escalation
policies and the contact rules of each jurisdiction (hours, holidays,
caps).  Work is queued in Redis; outreachctl is the operator's tool.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Debian 12 (bookworm) runtime libraries of what the build links: libevent,
# hiredis 0.14, libcurl, libyaml, jansson.  Redis itself may run elsewhere,
# so the server is only recommended.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6 (>= 2.34), libevent-2.1-7 (>= 2.1.12), libhiredis0.14 (>= 0.14.1), libcurl4 (>= 7.74.0), libyaml-0-2, libjansson4 (>= 2.14), libssl3 (>= 3.0.0)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "redis-server")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${OD_DEB_DIR}/conffiles ${OD_DEB_DIR}/postinst ${OD_DEB_DIR}/prerm ${OD_DEB_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
