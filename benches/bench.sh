#!/usr/bin/env bash
# Benchmark: mkimport preview and run against the baseline of plain
# Info-ZIP `unzip -qq` of the same bundles, measured in the same run,
# alternating, at each N given (default 2000 4000). Not part of `cargo test`.
#
#   benches/bench.sh [N...]          (REPS=3 by default; WORK=/tmp/mkimport-bench)
#
# Prints one line per measurement and a summary of ratios (median of REPS)
# and peak RSS, ready for docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2000 4000)
reps=${REPS:-3}
work=${WORK:-/tmp/mkimport-bench}
command -v unzip >/dev/null || { echo "needs unzip (apt-get install unzip)"; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)"; exit 1; }
cargo build --release --quiet
bin=$PWD/target/release/mkimport

# seconds and peak RSS (KiB) of a command: prints "SECONDS KIB"
measure() {
  local log
  log=$(mktemp)
  /usr/bin/time -o "$log" -f '%e %M' "$@" >/dev/null 2>/dev/null || true
  tail -1 "$log"; rm -f "$log"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

unzip_all() { # decompress and write every bundle, one unzip per bundle
  local src=$1 dest=$2
  for f in "$src"/*.zip; do unzip -qq -o "$f" -d "$dest/$(basename "$f" .zip)"; done
}
export -f unzip_all

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "disk: $(df -h "$(dirname "$work")" | tail -1 | awk '{print $1" "$2}')"
for n in "${sizes[@]}"; do
  dir=$work/n$n
  if [ ! -d "$dir/source" ]; then
    rm -rf "$dir"; "$bin" generate --bundles "$n" --out "$dir" --seed 42 >/dev/null
  fi
  echo "== N=$n ($(du -sh "$dir/source" | cut -f1) of bundles, $(find "$dir/target/design-studio" -type f | wc -l) target assets)"
  : > "$dir/unzip.t"; : > "$dir/preview.t"; : > "$dir/run.t"; : > "$dir/preview.rss"; : > "$dir/run.rss"
  for rep in $(seq "$reps"); do
    rm -rf "$dir/unzipped"; mkdir -p "$dir/unzipped"; sync
    read -r t _ < <(measure bash -c "unzip_all '$dir/source' '$dir/unzipped'")
    echo "$t" >> "$dir/unzip.t"; echo "  unzip   rep $rep: ${t}s"
    read -r t rss < <(measure "$bin" preview --from "$dir/source" --to "$dir/target" --json)
    echo "$t" >> "$dir/preview.t"; echo "$rss" >> "$dir/preview.rss"; echo "  preview rep $rep: ${t}s, ${rss} KiB"
    rm -rf "$dir/t-run"; cp -r "$dir/target" "$dir/t-run"; sync
    read -r t rss < <(measure "$bin" run --from "$dir/source" --to "$dir/t-run" --yes --json)
    echo "$t" >> "$dir/run.t"; echo "$rss" >> "$dir/run.rss"; echo "  run     rep $rep: ${t}s, ${rss} KiB"
  done
  u=$(median < "$dir/unzip.t"); p=$(median < "$dir/preview.t"); r=$(median < "$dir/run.t")
  prss=$(sort -n "$dir/preview.rss" | tail -1); rrss=$(sort -n "$dir/run.rss" | tail -1)
  echo "$n $u $p $r $prss $rrss" >> "$work/summary.$$"
  awk -v n="$n" -v u="$u" -v p="$p" -v r="$r" -v pr="$prss" -v rr="$rrss" 'BEGIN {
    printf "N=%s: unzip %.2fs | preview %.2fs = %.3fx | run %.2fs = %.3fx | peak RSS preview %.0f MB, run %.0f MB\n",
      n, u, p, p/u, r, r/u, pr/1024, rr/1024 }'
done
if [ "$(wc -l < "$work/summary.$$")" -ge 2 ]; then
  awk 'NR==1 {p1=$3; r1=$4; n1=$1} NR==2 {printf "scaling N=%s/N=%s: preview %.2fx, run %.2fx\n", $1, n1, $3/p1, $4/r1}' "$work/summary.$$"
fi
rm -f "$work/summary.$$"
