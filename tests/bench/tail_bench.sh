#!/usr/bin/env bash
# Catch-up at the server's limit: how close `streamscope-cli tail` (and `export`) come to what
# the redis-server could serve them.
#
# Loads N small entries (default 1,000,000) into a private redis-server with pipelined XADD,
# then drains them, RUNS times each (default 3):
#   - plain hiredis, XREAD COUNT 1000 in a loop (the old reference point, no StreamScope code);
#   - `streamscope-cli tail bench --from 0 --exit-at-end --format count` (mode tail), or
#     `streamscope-cli export bench > /dev/null` (JSON Lines; mode export).
# Around each drain it reads the server's CPU time (utime + stime of /proc/PID/stat, all its
# threads) and the wall time (process start included), and prints per run:
#   entries/s, the server's CPU seconds, the limit = entries / server CPU seconds (what the
#   server could serve a client that kept it busy all the time), the ratio figure / limit (the
#   share of the drain the server was busy), and that ratio against the target (0.8 for tail,
#   0.7 for export). The ratio of the median run decides. The client's CPU (user + system, all
#   its threads) is printed too: when server CPU + client CPU is about the wall time, the two
#   did not run side by side (a machine busy with other work gives them one core between them).
#
# Usage: tests/bench/tail_bench.sh [BUILD_DIR] [N] [tail|export] [RUNS]
set -euo pipefail
build=${1:-build}
n=${2:-1000000}
mode=${3:-tail}
runs=${4:-3}
bin="$build/bin"
[ -x "$bin/hiredis_baseline" ] && [ -x "$bin/streamscope-cli" ] || { echo "build first: cmake --build $build --target streamscope-cli hiredis_baseline" >&2; exit 2; }
case "$mode" in
tail) target=0.8 ;;
export) target=0.7 ;;
*) echo "mode: tail or export, not $mode" >&2; exit 2 ;;
esac

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
tck=$(getconf CLK_TCK)
# The server's CPU time so far, in clock ticks: utime + stime (fields 14 and 15 of
# /proc/PID/stat; the name in field 2 holds no spaces for redis-server).
server_ticks() { awk '{ print $14 + $15 }' "/proc/$server/stat"; }

t0=$(now); "$bin/hiredis_baseline" load "$port" bench "$n"; t1=$(now)
echo "loaded $n entries in $(( (t1 - t0) / 1000000 )) ms; $(redis-server --version | cut -d' ' -f3); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# Runs a drain; prints "wall_ms server_ticks"; checks the count it prints (stdout, or the
# export's "wrote exactly N entries" on stderr).
run() {
    local t0 t1 c0 c1 got
    c0=$(server_ticks); t0=$(now)
    # The client's own CPU (user + system, all its threads) goes to $dir/client.
    if [ "$1" = export ]; then
        got=$(/usr/bin/time -f "%U %S" -o "$dir/client" "$bin/streamscope-cli" -p "$port" export bench 2>&1 >/dev/null | sed -n 's/^wrote exactly \([0-9]*\) entries.*/\1/p')
    elif [ "$1" = tail ]; then
        got=$(/usr/bin/time -f "%U %S" -o "$dir/client" "$bin/streamscope-cli" -p "$port" tail bench --from 0 --exit-at-end --format count)
    else
        got=$(/usr/bin/time -f "%U %S" -o "$dir/client" "$bin/hiredis_baseline" drain "$port" bench)
    fi
    t1=$(now); c1=$(server_ticks)
    [ "$got" = "$n" ] || { echo "$1: expected $n entries, got '$got'" >&2; exit 1; }
    echo "$(( (t1 - t0) / 1000000 )) $(( c1 - c0 )) $(awk '{ print $1 + $2 }' "$dir/client")"
}

report() { # name, target (0: none), then lines "wall_ms ticks" on stdin
    local lines
    lines=$(awk -v n="$n" -v tck="$tck" '{ cpu = $2 / tck; printf "%.4f %.0f %d %.3f %.2f\n", cpu / ($1 / 1000), n * 1000 / $1, $1, cpu, $3 }')
    echo "$lines" | awk -v n="$n" -v name="$1" -v target="$2" '{
        printf "  %-8s %9.0f entries/s  %6d ms  server CPU %5.3f s  client CPU %4.2f s  limit %9.0f entries/s  ratio %.2f%s\n",
            name, $2, $3, $4, $5, ($4 > 0 ? n / $4 : 0), $1,
            (target > 0 ? sprintf(" (target >= %.1f: %s)", target, ($1 >= target ? "met" : "NOT met")) : "")
    }'
    echo "$lines" | sort -n | awk -v name="$1" '{ r[NR] = $1; e[NR] = $2 }
        END { m = int((NR + 1) / 2); printf "  %-8s ratio median %.2f (range %.2f-%.2f)\n", name, r[m], r[1], r[NR] }'
}

echo "hiredis XREAD COUNT 1000 loop (reference, no target):"
base=$(for _ in $(seq "$runs"); do run hiredis; done)
echo "$base" | report hiredis 0
if [ "$mode" = export ]; then
    echo "streamscope-cli -p PORT export bench > /dev/null (JSON Lines):"
else
    echo "streamscope-cli -p PORT tail bench --from 0 --exit-at-end --format count:"
fi
ours=$(for _ in $(seq "$runs"); do run "$mode"; done)
echo "$ours" | report "$mode" "$target"
# Beside the reference: how our rate compares with the hiredis loop's (medians).
paste <(echo "$base" | sort -n | cut -d' ' -f1) <(echo "$ours" | sort -n | cut -d' ' -f1) |
    awk -v r="$runs" 'NR == int((r + 1) / 2) { printf "  %s / hiredis (median rates): %.2f\n", "'"$mode"'", $1 / $2 }'
