#!/usr/bin/env bash
# Installs what is missing, builds, and runs `streamscope --demo` (a private redis-server and
# the reference shop). Extra arguments go to streamscope, e.g.
#   scripts/demo.sh --screenshot demo.png
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
streamscope_install_missing
streamscope_build
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [[ " $* " != *" --screenshot "* ]]; then
    echo "demo: no display found. Run it on a desktop, under xvfb-run, or with" >&2
    echo "      scripts/demo.sh --screenshot demo.png   (renders offscreen and exits)" >&2
    exit 1
fi
exec build/bin/streamscope --demo "$@"
