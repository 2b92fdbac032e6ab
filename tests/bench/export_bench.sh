#!/usr/bin/env bash
# Export at the server's limit: `streamscope-cli export` (JSON Lines to /dev/null) of 1,000,000
# small entries against the redis-server's CPU in the same run (target: ratio >= 0.7), beside the
# plain hiredis XREAD loop. See tail_bench.sh, whose export mode this is.
# Usage: tests/bench/export_bench.sh [BUILD_DIR] [N] [RUNS]
set -euo pipefail
exec "$(dirname "$0")/tail_bench.sh" "${1:-build}" "${2:-1000000}" export "${3:-3}"
