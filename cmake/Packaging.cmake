# The Debian package: scripts/package.sh runs `cpack -G DEB` in the build tree and leaves
# build/streamscope_<version>_<arch>.deb. Everything installed (app/CMakeLists.txt,
# cmake/ManPages.cmake, resources/) goes in under /usr.
#
# The version is the project's plus the commit: 0.1.0+git5279a67 (git: read when CMake
# configures, which scripts/package.sh does right before packaging). Dependencies are read from
# the binaries by dpkg-shlibdeps, plus the Qt plugins they load; redis-server is recommended:
# `streamscope --demo` starts one.

set(STREAMSCOPE_MAINTAINER "StreamScope maintainers <maintainers@users.noreply.b-seed-51f972bf.example>"
    CACHE STRING "The package's Maintainer field")
set(STREAMSCOPE_HOMEPAGE "https://github.com/streamscope/streamscope"
    CACHE STRING "The package's Homepage field")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME streamscope)
set(CPACK_PACKAGE_VENDOR StreamScope)
if(STREAMSCOPE_GIT_COMMIT STREQUAL "unknown")
    set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
else()
    set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION}+git${STREAMSCOPE_GIT_COMMIT})
endif()
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "${STREAMSCOPE_MAINTAINER}")
set(CPACK_STRIP_FILES ON) # the debug info stays in the build tree
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Live dashboard and CLI for Redis Streams")
# The extended description (CPack puts the summary above it and indents it by one space:
# lines of at most 78 characters here).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "StreamScope watches and debugs event-driven systems built on Redis
Streams: the live tail of streams, the flow of events between them,
consumer groups with their lag, pending entries and health (dead consumers,
stuck and poison entries), history, charts, publishing and export.
.
The package holds the desktop application (streamscope), the command-line
tool (streamscope-cli: tail, groups, doctor, repairs, export, Prometheus
metrics and alerts with serve) and a reference shop of services that
`streamscope --demo` starts.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # streamscope_0.1.0+git5279a67_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${STREAMSCOPE_HOMEPAGE}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Plugins, which dpkg-shlibdeps cannot see: Qt's platform plugins (xcb, wayland: a window on a
# desktop) and SQLite for the shop's databases.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins, libqt6sql6-sqlite")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS redis-server)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# What Debian wants of every package in /usr/share/doc/streamscope: the copyright (the tree
# states no license yet: the file says so) and a changelog, here one entry for this build
# (gzipped -9n, as dpkg-deb and lintian expect).
set(doc_dir ${CMAKE_BINARY_DIR}/debian-doc)
string(TIMESTAMP build_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(WRITE ${doc_dir}/changelog.Debian
     "streamscope (${CPACK_PACKAGE_VERSION}) unstable; urgency=medium\n\n"
     "  * Built from the StreamScope source tree, git commit ${STREAMSCOPE_GIT_COMMIT}.\n\n"
     " -- ${STREAMSCOPE_MAINTAINER}  ${build_date}\n")
find_program(GZIP_EXECUTABLE gzip)
execute_process(COMMAND ${GZIP_EXECUTABLE} -9nf ${doc_dir}/changelog.Debian)
# Not CMAKE_INSTALL_DOCDIR: that is named after the project, StreamScope, not the package.
set(package_doc_dir ${CMAKE_INSTALL_DATAROOTDIR}/doc/streamscope)
install(FILES ${doc_dir}/changelog.Debian.gz DESTINATION ${package_doc_dir} RENAME changelog.gz)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/debian/copyright DESTINATION ${package_doc_dir})

include(CPack)
