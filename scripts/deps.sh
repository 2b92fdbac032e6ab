#!/usr/bin/env bash
# Installs the Debian 12 packages StreamScope needs that are missing, and says which.
# Sourced by scripts/test.sh and scripts/demo.sh; safe to run again (installs nothing then).
set -euo pipefail

STREAMSCOPE_PACKAGES=(
    g++ cmake ninja-build pkg-config            # toolchain
    qt6-base-dev qt6-charts-dev libgl-dev       # Qt 6.4 Widgets, Network, Test, Charts
    libqt6opengl6-dev                           # needed by Qt Charts' CMake package
    qt6-qpa-plugins fonts-dejavu-core           # windows on X11/Wayland, text offscreen
    libhiredis-dev                              # RESP formatting and parsing
    redis-server redis-tools                    # the server tests and --demo start
    qt6-httpserver-dev qt6-websockets-dev       # the shop's order service HTTP API
    libqt6sql6-sqlite                           # the shop services' own databases
    qtkeychain-qt6-dev                          # saved connections' passwords: the keychain
    libmsgpack-dev                              # MessagePack values decoded in the browser
    libssh-dev                                  # SSH tunnels to servers behind a bastion
    openssh-server                              # the sshd the SSH tunnel tests start
    openssl                                     # the certificates the TLS tests make
    prometheus                                  # promtool and the server that scrapes serve
    desktop-file-utils                          # desktop-file-validate (tst_desktopfiles)
    appstream                                   # appstreamcli validate (tst_desktopfiles)
    librsvg2-bin                                # rsvg-convert: resources/icons/render.sh
    libjemalloc-dev                             # streamscope-cli's allocator (app/CMakeLists.txt)
    help2man                                    # man pages from --help (cmake/ManPages.cmake)
    dpkg-dev                                    # dpkg-shlibdeps: the package's dependencies
    file                                        # cpack finds the binaries for dpkg-shlibdeps with it
    man-db groff-base                           # man -w and groff check the installed man pages
    bash-completion                             # the completion test and the installed package test
    zsh                                         # the zsh completion's syntax test
)

streamscope_install_missing() {
    local missing=()
    for p in "${STREAMSCOPE_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "deps: all ${#STREAMSCOPE_PACKAGES[@]} packages present"
        return 0
    fi
    echo "deps: installing ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "deps: not root; run as root or install them with: sudo apt-get install ${missing[*]}" >&2
        return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

streamscope_build() {
    local root build generator=()
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    build="$root/build"
    command -v ninja >/dev/null && generator=(-G Ninja)
    # A build dir made with another generator cannot be reused.
    if [ -f "$build/CMakeCache.txt" ] && ! grep -q "CMAKE_GENERATOR:INTERNAL=${generator[1]:-Unix Makefiles}" "$build/CMakeCache.txt"; then
        rm -rf "$build"
    fi
    local launcher=()
    # ccache, where installed, makes rebuilds in other clones of the tree cheap; not required.
    command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    # In CI (CI set) the same optimised code without debug info: a quarter less compile time on
    # CI's 2 cores (5.4 s -> 3.9 s for a Qt view), which a fresh clone pays for every file.
    local flags=()
    # Nor the benchmarks, run on demand only (a tenth of the compile time).
    [ -n "${CI:-}" ] && flags=("-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -DNDEBUG"
                               "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -DNDEBUG"
                               "-DSTREAMSCOPE_BENCHMARKS=OFF")
    cmake -S "$root" -B "$build" "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        "${flags[@]}"
    cmake --build "$build" --parallel "$(nproc)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    streamscope_install_missing
fi
