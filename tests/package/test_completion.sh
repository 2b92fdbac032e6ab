#!/usr/bin/env bash
# The shell completion of streamscope-cli (resources/completion), run by CTest (completion):
# bash, through bash-completion's own framework (_init_completion), the way a TAB calls it:
# commands, a command's options, its verbs, files for FILE values, and stream names from a
# private redis-server (on a Unix socket of its own) when the command line names a connection,
# none when it does not. zsh: the script parses, and the same completions through compadd.
# Usage: test_completion.sh PATH/TO/streamscope-cli SOURCE_DIR
set -uo pipefail
cli=$1
src=$2
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

for f in /usr/share/bash-completion/bash_completion "$src/resources/completion/streamscope-cli.bash" \
         "$src/resources/completion/_streamscope-cli"; do
    [ -f "$f" ] || { echo "FAIL: $f is missing (bash-completion: scripts/deps.sh installs it)" >&2; exit 1; }
done
command -v redis-server >/dev/null || { echo "FAIL: no redis-server (scripts/deps.sh installs it)" >&2; exit 1; }

work=$(mktemp -d /tmp/streamscope-completion.XXXXXX)
redis_pid=""
cleanup() {
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# A private server on a socket of its own: no port to collide with.
sock=$work/redis.sock
redis-server --port 0 --unixsocket "$sock" --save '' --appendonly no --dir "$work" \
    >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 100); do
    [ -S "$sock" ] && redis-cli -s "$sock" ping >/dev/null 2>&1 && break
    sleep 0.05
done
redis-cli -s "$sock" ping >/dev/null 2>&1 || { cat "$work/redis.log" >&2; echo "FAIL: redis-server did not start" >&2; exit 1; }
for s in orders order-events payments payments:dlq "my stream"; do
    redis-cli -s "$sock" XADD "$s" '*' k v >/dev/null
done
redis-cli -s "$sock" SET order-total 5 >/dev/null # not a stream: never offered

# --- bash -----------------------------------------------------------------------------------
# complete WORD... : what a TAB after these words offers (the last word is the one completed),
# one a line, sorted.
bash_complete() {
    CLI=$cli SRC=$src bash -c '
        source /usr/share/bash-completion/bash_completion
        source "$SRC/resources/completion/streamscope-cli.bash"
        COMP_WORDS=("$CLI" "$@")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _streamscope_cli
        printf "%s\n" "${COMPREPLY[@]}" | sort' bash "$@"
}
expect() { # expect "WORDS" "EXPECTED (lines joined by |)"
    local got
    # shellcheck disable=SC2086
    got=$(bash_complete $1 | paste -sd '|')
    [ "$got" = "$2" ] || fail "bash: streamscope-cli $1<TAB> gave '$got', expected '$2'"
}
expect_words() { # like expect, but the words come as an array (spaces in a word)
    local want=$1
    shift
    local got
    got=$(bash_complete "$@" | paste -sd '|')
    [ "$got" = "$want" ] || fail "bash: streamscope-cli $*<TAB> gave '$got', expected '$want'"
}

expect "gr" "group|groups"
expect "tail --fr" "--from"
expect "export --out" "--output"
expect "--url redis://x:1 tail --exit" "--exit-at-end"
expect "group cr" "create"
expect "st" "streams"
# Global options before the command too.
expect "--jso" "--json"
# Files for a FILE value (--output FILE), in the working directory.
mkdir "$work/files" && touch "$work/files/capture.jsonl"
got=$(cd "$work/files" && bash_complete export orders --output cap | paste -sd '|')
[ "$got" = "capture.jsonl" ] || fail "bash: export orders --output cap<TAB> gave '$got', expected capture.jsonl"
# Stream names from the server named on the command line (a socket, a URL), by prefix; a key
# that is not a stream never; nothing without a connection (no server is asked).
expect_words "order-events|orders" -s "$sock" tail ord
expect_words "order-events|orders" -u "unix://$sock" tail or
expect_words "order-events|orders" "--url=unix://$sock" groups or
expect_words "payments|payments:dlq" -s "$sock" tail orders pay
# After a colon bash replaces only what follows it (: breaks words in readline): "dlq".
expect_words "dlq" -s "$sock" redrive payments:
expect_words 'my\ stream' -s "$sock" export my
expect_words "orders" -s "$sock" group create orders
expect_words "orders" -s "$sock" dead-letter --to orders
expect_words "" tail ord
expect_words "" -s "$sock" consumers orders gr # GROUP: not a stream

# --- zsh ------------------------------------------------------------------------------------
if command -v zsh >/dev/null; then
    zsh -n "$src/resources/completion/_streamscope-cli" || fail "zsh: _streamscope-cli does not parse"
    zsh_complete() {
        CLI=$cli SRC=$src zsh -f -c '
            compadd() { # records the candidates that match instead of offering them
                local -a all; local skip=0 a
                for a in "$@"; do
                    if (( skip )); then skip=0; continue; fi
                    case $a in
                        -[JVXxPSpsWFrRMDOAEIo]) skip=1 ;;
                        -Q|-q|-f|-e|-l|-1|-2|-n|-U|-a|-k|--) ;;
                        *) [[ $a == ${(b)PREFIX}* ]] && all+=("$a") ;; # zsh matches by prefix
                    esac
                done
                print -l -- $all >>"$ZOUT"
            }
            _files() { print -- "(files)" >>"$ZOUT"; }
            ZOUT=$(mktemp)
            words=("$CLI" "$@"); CURRENT=${#words}; PREFIX=${words[CURRENT]}
            fpath=("$SRC/resources/completion" $fpath)
            autoload -Uz _streamscope-cli # as compinit loads it
            _streamscope-cli
            sort -u "$ZOUT"; rm -f "$ZOUT"' zsh "$@" | paste -sd '|'
    }
    zexpect() {
        local want=$1
        shift
        local got
        got=$(zsh_complete "$@")
        [ "$got" = "$want" ] || fail "zsh: streamscope-cli $*<TAB> gave '$got', expected '$want'"
    }
    zexpect "group|groups" gr
    zexpect "--from" tail --fr
    zexpect "create" group cr
    zexpect "order-events|orders" -s "$sock" tail ord
    zexpect "(files)" export orders --output ""
    zexpect "" tail ord
else
    fail "zsh is not installed (scripts/deps.sh installs it): the zsh completion was not tested"
fi

if [ "$failures" -ne 0 ]; then
    echo "test_completion: $failures failure(s)" >&2
    exit 1
fi
echo "test_completion: PASSED (bash and zsh)"
