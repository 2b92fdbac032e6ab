#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with Clang into build-fuzz/ (AddressSanitizer and
# UBSan, core instrumented too) and runs each for SECONDS (default 60) on a copy of its seed
# corpus, so the committed corpus does not grow. Prints the executions per target; exits
# non-zero on any finding (crash, failed check, sanitizer report, timeout, out of memory) and
# says where the input is. A finding is kept as tests/fuzz/regressions/<target>/<name> (then
# replayed by the test fuzz_regressions).
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }

source scripts/deps.sh
STREAMSCOPE_PACKAGES+=(clang)
streamscope_install_missing

build="build-fuzz"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Debug keeps Qt's and our assertions (Q_ASSERT) on; -O1 keeps the fuzzer fast.
cmake -S . -B "$build" -G Ninja "${launcher[@]}" -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_C_FLAGS_DEBUG="-O1 -g" -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
      -DSTREAMSCOPE_FUZZ=ON >/dev/null
# Only core and the fuzz targets: not the GUI, the apps or the tests.
cmake --build "$build" --parallel "$(nproc)" --target fuzz_targets

targets=$(sed -n 's/^set(fuzz_targets \(.*\))$/\1/p' tests/fuzz/CMakeLists.txt)
out="$build/fuzz-run"
rm -rf "$out"
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
failed=()
for target in $targets; do
    corpus="$out/corpus/$target" findings="$out/findings/$target" log="$out/$target.log"
    mkdir -p "$corpus" "$findings"
    # Seeds and past findings (so a fix that regresses shows up here first).
    cp tests/fuzz/corpus/"$target"/* "$corpus"/
    if compgen -G "tests/fuzz/regressions/$target/*" >/dev/null; then
        cp tests/fuzz/regressions/"$target"/* "$corpus"/
    fi
    dict=()
    [ -f tests/fuzz/dict/"$target".dict ] && dict=(-dict=tests/fuzz/dict/"$target".dict)
    status=0
    "$build/bin/fuzz_$target" "$corpus" "${dict[@]}" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/" \
        >"$log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    printf 'fuzz %-14s %12s executions in %ss' "$target" "${execs:-?}" "$seconds"
    inputs=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log")
    if [ "$status" -ne 0 ] || [ -n "$inputs" ]; then
        echo "   FINDING (exit $status)"
        failed+=("$target")
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*check failed|qFatal|ALARM)' "$log" | head -5 | sed 's/^/    /'
        grep -E '^    #[0-9]+ ' "$log" | head -12
        for input in $inputs; do
            # libFuzzer names an input by its SHA-1: say when it is a finding already kept.
            known=$(sha1sum tests/fuzz/regressions/"$target"/* 2>/dev/null |
                    awk -v h="${input##*-}" '$1 == h { print $2 }')
            echo "    input: $input${known:+ (known: $known)}"
        done
        echo "    log: $log"
        echo "    replay: $build/bin/fuzz_$target <input> (ASAN_OPTIONS=fast_unwind_on_malloc=0 for"
        echo "    whole allocation stacks); keep it: cp <input> tests/fuzz/regressions/$target/<name>.open"
    else
        echo
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: findings in ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: no findings"
