#!/usr/bin/env bash
# What `streamscope-cli tail` costs the server at rest: bytes the server sends per second
# (INFO stats total_net_output_bytes) and commands per second, for a stream whose first and
# last entries are 16 MB and for one with 100-byte entries, side by side. Target: the same
# within 10 %, at most 2 commands a second.
# Usage: tests/bench/tail_rest_bench.sh [BUILD_DIR_OR_CLI_BINARY] [SECONDS]
set -euo pipefail
cli=${1:-build}
[ -d "$cli" ] && cli="$cli/bin/streamscope-cli"
secs=${2:-40}
[ -x "$cli" ] || { echo "build first: cmake --build build --target streamscope-cli" >&2; exit 2; }

measure() { # $1: entry size in bytes; prints "bytes/s commands/s"
    local size=$1 dir port srv tail o1 o2 c1 c2
    dir=$(mktemp -d)
    port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
    redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no \
        --daemonize no --logfile "$dir/redis.log" &
    srv=$!
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    python3 - "$port" "$size" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
value = b"x" * int(sys.argv[2])
def enc(*a): return b"*%d\r\n" % len(a) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in a)
s.sendall(enc(b"XADD", b"s", b"*", b"payload", value) * 2)
got = b""
while got.count(b"\r\n") < 4: got += s.recv(4096)  # two bulk replies
PY
    "$cli" -p "$port" tail s >/dev/null 2>"$dir/err" &
    tail=$!
    sleep 3
    stat() { redis-cli -p "$port" info stats | tr -d '\r' | grep "^$1:" | cut -d: -f2; }
    o1=$(stat total_net_output_bytes); c1=$(stat total_commands_processed)
    sleep "$secs"
    o2=$(stat total_net_output_bytes); c2=$(stat total_commands_processed)
    kill "$tail" "$srv"; wait "$tail" "$srv" 2>/dev/null || true
    rm -rf "$dir"
    # Our own INFO calls: one each, and their replies (about 1.5 KB) are in the bytes.
    python3 -c "print('%.0f B/s  %.2f commands/s' % (($o2 - $o1 - 1500) / $secs, ($c2 - $c1 - 2) / $secs))"
}

echo "tail at rest for $secs s ($cli)"
echo "  16 MB first and last entries: $(measure $((16 * 1024 * 1024)))"
echo "  100-byte entries:             $(measure 100)"
