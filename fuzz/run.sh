#!/usr/bin/env bash
# Run each fuzz target for a given time (default 600 s), seeded from the
# shipped fixtures. Crashes are copied to fuzz/regressions/<target>/, which
# `cargo test --test suite fuzz_regressions` replays on every test run.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). The toolchain here is
# stable, so RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags, and the
# sanitizer is off (Rust code is memory-safe; we hunt panics, hangs and
# blow-ups).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(bundle_zip program_json)
export RUSTC_BOOTSTRAP=1

seed() {
  mkdir -p corpus/bundle_zip corpus/program_json
  for dir in ../fixtures/library/*/; do
    slug=$(basename "$dir")
    [ -f "corpus/bundle_zip/$slug.zip" ] || (cd "$dir" && zip -qr "../../../fuzz/corpus/bundle_zip/$slug.zip" .)
  done
  find ../fixtures -name program.json | while read -r f; do
    cp "$f" "corpus/program_json/$(echo "$f" | sha1sum | cut -c1-16).json"
  done
}

seed
for target in "${targets[@]}"; do
  mkdir -p "artifacts/$target" "regressions/$target"
  echo "== $target for ${seconds}s"
  cargo fuzz run --sanitizer none -O "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 \
    -artifact_prefix="artifacts/$target/" || status=$?
  for crash in artifacts/"$target"/*; do
    [ -f "$crash" ] && cp "$crash" "regressions/$target/" && echo "crash kept: regressions/$target/$(basename "$crash")"
  done
  [ "${status:-0}" -eq 0 ] || { echo "fuzzer $target stopped with status $status"; exit "$status"; }
done
