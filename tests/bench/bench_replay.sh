#!/usr/bin/env bash
# Replay throughput: `streamscope-cli replay --speed max` of a capture beside `import` of the
# same file (both: the same two-pass reader, XADD * in pipelines of 1,000).
# Makes N entries (default 100,000; three fields, ~100 bytes) in a private redis-server,
# exports them with `streamscope-cli export` (the capture), then replays the capture into a new
# stream and imports it into another, 3 times each, and prints the median rates.
# Usage: tests/bench/bench_replay.sh [BUILD_DIR] [N]
set -euo pipefail
build=${1:-build}
n=${2:-100000}
bin="$build/bin"
[ -x "$bin/streamscope-cli" ] || { echo "build first: cmake --build $build --target streamscope-cli" >&2; exit 2; }
cli="$bin/streamscope-cli"

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

# The source stream: N entries 1 ms apart in ID time, loaded with import --keep-ids.
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++)
    printf "{\"stream\":\"src\",\"id\":\"%.0f-0\",\"fields\":{\"type\":\"order.created\",\"orderId\":\"%d\",\"payload\":\"%s\"}}\n",
        1764150400000 + i, i, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" }' > "$dir/gen.jsonl"
"$cli" -p "$port" import src --input "$dir/gen.jsonl" --keep-ids 2>/dev/null
"$cli" -p "$port" export src --output "$dir/capture.jsonl" 2>/dev/null
echo "capture: $n entries, $(( $(stat -c %s "$dir/capture.jsonl") / 1024 )) KiB (streamscope-cli export)"

now() { date +%s%N; }
median() { sort -n | sed -n 2p; }
run_ms() { # elapsed ms of the command; checks that the target got n entries
    local target=$1; shift
    local t0 t1
    t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
    got=$(redis-cli -p "$port" xlen "$target")
    [ "$got" = "$n" ] || { echo "expected $n entries in $target, got $got" >&2; exit 1; }
    echo $(( (t1 - t0) / 1000000 ))
}
replay=$(for k in 1 2 3; do run_ms "r$k" "$cli" -p "$port" replay "$dir/capture.jsonl" --to "r$k" --speed max; done | median)
import=$(for k in 1 2 3; do run_ms "i$k" "$cli" -p "$port" import "i$k" --input "$dir/capture.jsonl"; done | median)
awk -v n="$n" -v r="$replay" -v i="$import" 'BEGIN {
    printf "replay --speed max: %8.0f entries/s (%d ms, process start included)\n", n * 1000 / r, r
    printf "import:             %8.0f entries/s (%d ms, process start included)\n", n * 1000 / i, i
    printf "ratio (replay / import): %.2f\n", i / r
}'
