#!/usr/bin/env bash
# Tail throughput: how close `streamscope-cli tail` comes to a plain hiredis XREAD loop.
# Loads N small entries (default 1,000,000) into a private redis-server with pipelined XADD,
# drains them with plain hiredis (XREAD COUNT 1000) and with
# `streamscope-cli tail --from 0 --exit-at-end --format count`, 3 times each, and prints the
# median rates and their ratio (target: >= 0.8).
# Usage: tests/bench/tail_bench.sh [BUILD_DIR] [N]
set -euo pipefail
build=${1:-build}
n=${2:-1000000}
bin="$build/bin"
[ -x "$bin/hiredis_baseline" ] && [ -x "$bin/streamscope-cli" ] || { echo "build first: cmake --build $build" >&2; exit 2; }

dir=$(mktemp -d)
port=""
for p in $(shuf -i 20000-60000 -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no \
    --daemonize no --logfile "$dir/redis.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

now() { date +%s%N; }
t0=$(now); "$bin/hiredis_baseline" load "$port" bench "$n"; t1=$(now)
echo "loaded $n entries in $(( (t1 - t0) / 1000000 )) ms"

median() { sort -n | sed -n 2p; }
run_ms() { # prints elapsed ms; checks the count
    local t0 t1 got
    t0=$(now); got=$("$@"); t1=$(now)
    [ "$got" = "$n" ] || { echo "expected $n entries, got $got" >&2; exit 1; }
    echo $(( (t1 - t0) / 1000000 ))
}
base=$(for _ in 1 2 3; do run_ms "$bin/hiredis_baseline" drain "$port" bench; done | median)
ours=$(for _ in 1 2 3; do run_ms "$bin/streamscope-cli" -p "$port" tail bench --from 0 --exit-at-end --format count; done | median)
awk -v n="$n" -v b="$base" -v o="$ours" 'BEGIN {
    printf "hiredis XREAD COUNT 1000 loop:     %8.0f entries/s (%d ms)\n", n * 1000 / b, b
    printf "streamscope-cli tail --format count: %8.0f entries/s (%d ms, process start included)\n", n * 1000 / o, o
    printf "ratio (streamscope / hiredis):     %8.2f (target >= 0.80)\n", b / o
}'
