#!/usr/bin/env bash
# Runs every libFuzzer target of a FERRY_FUZZ build for a bounded time on its committed corpus.
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET] [TARGET...]
# New interesting inputs go to BUILD_DIR/fuzz/corpus/<target> (not the committed corpus; copy
# the useful ones over by hand); a crash, leak, timeout or sanitizer report stops that target
# and leaves its input in BUILD_DIR/fuzz/artifacts/<target>/. Exit status 1 if any target failed.
set -uo pipefail
build=${1:?usage: run.sh BUILD_DIR [SECONDS] [TARGET...]}
seconds=${2:-20}
shift $(( $# < 2 ? $# : 2 ))
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in "$here"/corpus/*/; do targets+=("$(basename "$d")"); done
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/fuzz_$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin missing (build the ferry_fuzzers target of a FERRY_FUZZ=ON build)" >&2
    failed+=("$t"); continue
  fi
  out="$build/fuzz/corpus/$t" art="$build/fuzz/artifacts/$t"
  mkdir -p "$out" "$art"
  start=$(date +%s)
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: unbounded memory is a bug.
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$art/" "$out" "$here/corpus/$t" \
    >"$build/fuzz/$t.log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz/$t.log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$build/fuzz/$t.log" | tail -1)
  echo "fuzz: $t rc=$rc runs=${runs:-?} ${cov:-} in $(( $(date +%s) - start ))s"
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    grep -m3 -E 'ERROR|SUMMARY|runtime error|deadly signal' "$build/fuzz/$t.log" | sed 's/^/  /'
    ls "$art" | sed 's/^/  artifact: /'
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (logs in $build/fuzz/)"; exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s without a finding"
