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
ctest --output-on-failure --parallel "$(nproc)" --timeout 300
