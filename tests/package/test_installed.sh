#!/usr/bin/env bash
# The installed package, as a user gets it: builds build/streamscope_*.deb (scripts/package.sh),
# installs it with apt-get (nothing is downloaded: every dependency is on the machine already,
# scripts/deps.sh installed them), then runs the programs from /usr only (a PATH and working
# directory without the build tree, an empty HOME): every executable's --version,
# streamscope --screenshot offscreen, streamscope --demo --screenshot (the services from
# /usr/libexec/streamscope, a private redis-server), man pages, bash completion; checks that
# each file is where the layout says (read from dpkg -L); then purges the package, leaving the
# machine as it was. Needs root (apt-get). Each failure names its step and why; exit 1.
#
# Run by scripts/test.sh after ctest. A clean Debian root (debootstrap) would be a stricter test
# of the dependencies, but it costs minutes CI does not have: dpkg-shlibdeps computes them, and
# apt-get here refuses to install if one is missing from the package's Depends only when that
# library is absent from this machine too.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
started=$(date +%s)

step=""
fail() {
    echo "test_installed: FAILED at step '$step': $*" >&2
    exit 1
}
run_step() { step=$1; echo "test_installed: $step"; }

[ "$(id -u)" -eq 0 ] || { echo "test_installed: needs root (apt-get install)" >&2; exit 1; }
if dpkg-query -W -f='${Status}' streamscope 2>/dev/null | grep -q "ok installed"; then
    echo "test_installed: a streamscope package ($(dpkg-query -W -f='${Version}' streamscope)) is" \
         "installed already; this test installs and purges its own: remove it first" >&2
    exit 1
fi

work=$(mktemp -d /tmp/streamscope-installed.XXXXXX)
installed=0
trap 'rm -rf "$work"' EXIT

run_step "build the package (scripts/package.sh)"
pkg_start=$(date +%s)
scripts/package.sh >"$work/package.log" 2>&1 \
    || { tail -n 40 "$work/package.log" >&2; fail "scripts/package.sh failed (its last lines above)"; }
deb=$(tail -n 1 "$work/package.log")
[ -f "$deb" ] || { tail -n 40 "$work/package.log" >&2; fail "scripts/package.sh printed no package path (got '$deb')"; }
pkg_seconds=$(( $(date +%s) - pkg_start ))
version=$(dpkg-deb --field "$deb" Version)
cleanup() {
    local code=$?
    if [ "$installed" -eq 1 ] && dpkg-query -W -f='${Status}' streamscope 2>/dev/null | grep -q " installed"; then
        echo "test_installed: purge streamscope"
        if ! apt-get purge -y -q -o DPkg::Lock::Timeout=300 streamscope >"$work/purge.log" 2>&1; then
            cat "$work/purge.log" >&2
            echo "test_installed: FAILED to purge streamscope: remove it by hand (apt-get purge streamscope)" >&2
            code=1
        elif dpkg-query -W -f='${Status}' streamscope 2>/dev/null | grep -q "ok installed"; then
            echo "test_installed: FAILED: streamscope is still installed after the purge" >&2
            code=1
        elif [ -e /usr/libexec/streamscope ] || [ -e /usr/bin/streamscope-cli ]; then
            echo "test_installed: FAILED: files left behind after the purge:" \
                 "$(ls -d /usr/libexec/streamscope /usr/bin/streamscope-cli 2>/dev/null)" >&2
            code=1
        fi
    fi
    rm -rf "$work"
    exit "$code"
}
trap cleanup EXIT

run_step "apt-get install $deb (nothing else to fetch)"
install_start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
# Nothing is downloaded: a dependency (or recommended package) missing from this machine fails
# the test instead of being fetched. (apt-get --no-download cannot install a local .deb.)
apt-get install -s -q "$deb" >"$work/simulate.log" 2>&1 \
    || { cat "$work/simulate.log" >&2; fail "apt-get cannot install the package (simulated, above)"; }
others=$(grep '^Inst ' "$work/simulate.log" | awk '$2 != "streamscope" { print $2 }' | paste -sd ' ')
[ -z "$others" ] || fail "apt-get would fetch and install $others too: run scripts/deps.sh," \
    "or the package's Depends/Recommends name something the build did not need"
installed=1 # from here on, cleanup purges (also a half-done install)
apt-get install -y -q -o DPkg::Lock::Timeout=300 "$deb" >"$work/install.log" 2>&1 \
    || { cat "$work/install.log" >&2; fail "apt-get install failed (log above)"; }
dpkg-query -W -f='${Status} ${Version}' streamscope | grep -q "install ok installed $version" \
    || fail "dpkg does not list streamscope $version as installed"
install_seconds=$(( $(date +%s) - install_start ))

# From here on: only the installed files. No build tree in PATH, the working directory or
# LD_LIBRARY_PATH; a HOME of its own (no saved connections, settings or Qt cache of the user).
mkdir -p "$work/home" "$work/run" "$work/cwd"
chmod 700 "$work/run"
cd "$work/cwd"
clean() {
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work/home" XDG_RUNTIME_DIR="$work/run" \
        LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen "$@"
}

run_step "the programs come from /usr"
for p in streamscope streamscope-cli; do
    where=$(clean sh -c "command -v $p") || fail "$p is not in PATH"
    [ "$where" = "/usr/bin/$p" ] || fail "$p is $where, not /usr/bin/$p"
done
for p in order-service payment-service notification-service; do
    [ ! -e "/usr/bin/$p" ] || fail "/usr/bin/$p exists: the shop's services belong in /usr/libexec/streamscope"
done

run_step "--version of every executable names the package's version and commit"
upstream=${version%%+git*}
commit=${version#*+git}
[ "$commit" != "$version" ] || commit=unknown
for exe in /usr/bin/streamscope /usr/bin/streamscope-cli /usr/libexec/streamscope/order-service \
           /usr/libexec/streamscope/payment-service /usr/libexec/streamscope/notification-service; do
    out=$(clean "$exe" --version 2>/dev/null) || fail "$exe --version exited $?"
    case "$out" in
        "$(basename "$exe") $upstream (git $commit"*) ;;
        *) fail "$exe --version said '$out', expected '$(basename "$exe") $upstream (git $commit...)' (package $version)" ;;
    esac
done

run_step "the files are where the layout says (dpkg -L streamscope)"
dpkg -L streamscope >"$work/files"
expect() { grep -qx "$1" "$work/files" || fail "the package has no $1"; [ -e "$1" ] || fail "$1 is listed but absent"; }
expect_match() { grep -q "$1" "$work/files" || fail "the package has nothing matching $1 ($2)"; }
for f in /usr/bin/streamscope /usr/bin/streamscope-cli \
         /usr/libexec/streamscope/order-service /usr/libexec/streamscope/payment-service \
         /usr/libexec/streamscope/notification-service \
         /usr/share/man/man1/streamscope.1.gz /usr/share/man/man1/streamscope-cli.1.gz \
         /usr/share/bash-completion/completions/streamscope-cli \
         /usr/share/zsh/vendor-completions/_streamscope-cli \
         /usr/share/streamscope/templates/order.created.json \
         /usr/share/streamscope/templates/payment.completed.json \
         /usr/share/streamscope/grafana/streamscope.json \
         /usr/share/doc/streamscope/copyright /usr/share/doc/streamscope/changelog.gz; do
    expect "$f"
done
expect_match '^/usr/share/applications/.*\.desktop$' "the desktop file"
# The icon and AppStream metainfo, when the package has them (their names are the icon's work).
icons=$(grep -c '^/usr/share/icons/hicolor/.*/apps/.*\.\(png\|svg\)$' "$work/files" || true)
metainfo=$(grep -c '^/usr/share/metainfo/.*\.xml$' "$work/files" || true)
while read -r f; do [ -d "$f" ] || [ -e "$f" ] || fail "$f is listed but absent"; done <"$work/files"

run_step "man pages (man streamscope, man streamscope-cli)"
for page in streamscope streamscope-cli; do
    [ "$(clean man -w "$page")" = "/usr/share/man/man1/$page.1.gz" ] \
        || fail "man -w $page finds '$(clean man -w "$page" 2>&1)'"
    warnings=$(zcat "/usr/share/man/man1/$page.1.gz" | groff -man -Tutf8 -ww -z 2>&1)
    [ -z "$warnings" ] || fail "groff warns about $page(1): $warnings"
    clean sh -c "MANWIDTH=80 man $page 2>/dev/null" | grep -q -- "--version" \
        || fail "man $page does not show --version"
done
clean sh -c 'MANWIDTH=80 man streamscope-cli' 2>/dev/null | grep -q "group rewind" \
    || fail "streamscope-cli(1) lacks the commands' own help (group rewind)"

run_step "bash completion is loaded by bash-completion (no sourcing by hand)"
out=$(clean bash -c 'source /usr/share/bash-completion/bash_completion
    _completion_loader streamscope-cli 2>/dev/null; complete -p streamscope-cli' 2>&1) \
    || fail "bash-completion did not load a completion for streamscope-cli: $out"

run_step "streamscope --screenshot (offscreen, no server)"
clean streamscope --url redis://127.0.0.1:1 --screenshot "$work/plain.png" --screenshot-after 500 \
    >"$work/plain.log" 2>&1 || { cat "$work/plain.log" >&2; fail "streamscope --screenshot exited $?"; }
[ "$(head -c 8 "$work/plain.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] \
    || fail "$work/plain.png is not a PNG"

run_step "streamscope --demo --screenshot (services from /usr/libexec/streamscope, a private redis-server)"
clean streamscope --demo --screenshot "$work/demo.png" --screenshot-after 4000 \
    >"$work/demo.log" 2>&1 || { cat "$work/demo.log" >&2; fail "streamscope --demo --screenshot exited $?"; }
[ "$(head -c 8 "$work/demo.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] \
    || fail "$work/demo.png is not a PNG"
grep -q "private redis-server at" "$work/demo.log" \
    || { cat "$work/demo.log" >&2; fail "the demo did not say it started its redis-server"; }
# Each service says so once it consumes or generates: all four ran, from /usr/libexec/streamscope.
for line in "order-service: generating" "payment-service\[payments-1\]: consuming" \
            "payment-service\[payments-2\]: consuming" "notification-service\[notifier-1\]: consuming"; do
    grep -q "$line" "$work/demo.log" \
        || { cat "$work/demo.log" >&2; fail "the demo's log (above) lacks '$line': that service did not run"; }
done

echo "test_installed: PASSED: streamscope $version installed, run and checked from /usr only" \
     "(icon files: $icons, metainfo files: $metainfo); package built in ${pkg_seconds} s, installed" \
     "in ${install_seconds} s, $(( $(date +%s) - started )) s in all"
