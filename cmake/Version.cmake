# The version every executable prints (--version) and the package carries: the project version
# and the git commit it was built from, in one place (core/Version.cpp, streamscopeVersion()).
#
# The commit is read at build time, not only when CMake configures: a rebuild after a commit
# says the new one. cmake/WriteCommit.cmake rewrites build/generated/StreamScopeCommit.h only
# when its text changes, so a build at the same commit recompiles nothing. Without git or a
# .git (a source tarball), the commit is "unknown".
#
# The install layout the code needs to know (where --demo finds the shop's services relative
# to the installed streamscope) is in build/generated/StreamScopeLayout.h, made here.

set(STREAMSCOPE_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated)
find_package(Git QUIET)
add_custom_target(streamscope_commit
    COMMAND ${CMAKE_COMMAND} -DGIT_EXECUTABLE=${GIT_EXECUTABLE}
            -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
            -DOUTPUT=${STREAMSCOPE_GENERATED_DIR}/StreamScopeCommit.h
            -P ${PROJECT_SOURCE_DIR}/cmake/WriteCommit.cmake
    BYPRODUCTS ${STREAMSCOPE_GENERATED_DIR}/StreamScopeCommit.h
    COMMENT "Reading the git commit"
    VERBATIM)

# The commit as CMake knows it now (configure time): the package's version (cmake/Packaging.cmake;
# scripts/package.sh configures again right before it builds the package, so both agree).
include(${PROJECT_SOURCE_DIR}/cmake/GitCommit.cmake)
streamscope_git_commit(STREAMSCOPE_GIT_COMMIT ${PROJECT_SOURCE_DIR} "${GIT_EXECUTABLE}")

# streamscope finds the services in <bindir>/<this>: ../libexec/streamscope with the usual
# prefixes; computed so that another CMAKE_INSTALL_LIBEXECDIR still works.
file(RELATIVE_PATH STREAMSCOPE_SERVICES_FROM_BIN ${CMAKE_INSTALL_FULL_BINDIR}
     ${CMAKE_INSTALL_FULL_LIBEXECDIR}/streamscope)
configure_file(${PROJECT_SOURCE_DIR}/cmake/StreamScopeLayout.h.in
               ${STREAMSCOPE_GENERATED_DIR}/StreamScopeLayout.h @ONLY)

# core/Version.* belong to streamscope_core (made in core/): added here, next to what they need.
target_sources(streamscope_core PRIVATE ${PROJECT_SOURCE_DIR}/core/Version.cpp
                                        ${PROJECT_SOURCE_DIR}/core/Version.h)
target_include_directories(streamscope_core PRIVATE ${STREAMSCOPE_GENERATED_DIR})
add_dependencies(streamscope_core streamscope_commit)
