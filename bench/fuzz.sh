#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for SECONDS each (default 60) and prints, per target,
# how long it ran, how many inputs it tried and whether it found anything.
#
# Usage: bench/fuzz.sh [SECONDS] [TARGET...]
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). New inputs go to
# bench/.work/fuzz/<target> (the seeds in fuzz/corpus/<target> are read, never written);
# crashes to fuzz/artifacts/<target>/, to be turned into tests and fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^den-fuzz$')
fi
cargo +nightly fuzz build -O --fuzz-dir fuzz >/dev/null
printf '| target | seconds | inputs tried | result |\n|---|---:|---:|---|\n'
status=0
for target in "${targets[@]}"; do
    work="bench/.work/fuzz/$target"
    mkdir -p "$work"
    log="$work.log"
    if cargo +nightly fuzz run -O --fuzz-dir fuzz "$target" "$work" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 >"$log" 2>&1; then
        result="nothing found"
    else
        result="FOUND: see $log and fuzz/artifacts/$target/"
        status=1
    fi
    runs="$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')"
    printf '| %s | %s | %s | %s |\n' "$target" "$seconds" "${runs:-?}" "$result"
done
exit "$status"
