#!/usr/bin/env bash
# Installs what is missing, builds into build/ and runs every test (CTest). Exits non-zero
# on any failure. Tests start their own redis-server instances; GUI tests render offscreen.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
streamscope_install_missing
streamscope_build
export QT_QPA_PLATFORM=offscreen
cd build
# Two tests per core: most of their time is spent waiting on the servers they start (on 2 cores
# 154 s instead of 295 s, every test passing).
ctest --output-on-failure --parallel "$(( $(nproc) * 2 ))" --timeout 300
# The package as a user gets it: built, installed with apt-get, run from /usr, purged
# (tests/package/test_installed.sh; about 55 s on 2 cores with the build up to date: packaging
# 17 s, apt-get install 17 s, the checks and the demo 10 s, the purge 10 s).
cd ..
if [ "$(id -u)" -eq 0 ]; then
    tests/package/test_installed.sh
else
    echo "test.sh: the installed-package test (tests/package/test_installed.sh) did NOT run: it" \
         "needs root for apt-get install" >&2
fi
