#!/usr/bin/env bash
# Benchmark (spec 13): how much of Marketo's rate limit `pull` and `run
# --to marketo:` use, against the project's simulator answering each call
# after LATENCY_MS (default 600: a realistic latency for the Asset API),
# with Marketo's real limits (100 calls in any 20 s, 10 at once). Not part
# of `cargo test` (no timed assertions in tests). Takes about 15 minutes:
# a run of N programs is some 50 calls a program at 5 calls a second.
#
#   benches/marketo.sh [N]       (N programs, default 60; WORK=/tmp/mkimport-marketo-bench)
#
# 1. `mkimport generate` writes N bundles and a small target (its folder
#    "Imports" and the templates they share).
# 2. run: the simulator serves the target; `mkimport run --from bundles
#    --to marketo:URL` imports the N programs.
# 3. pull: the simulator serves what the run left (N programs with their
#    assets); `mkimport pull` reads it whole into a new directory.
#
# For each: the calls the simulator admitted, the seconds, calls a second,
# and the share of the limit (5 calls a second); and the simulator's
# rejections (606, 615), which must be 0.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-60}
latency=${LATENCY_MS:-600}
work=${WORK:-/tmp/mkimport-marketo-bench}
command -v jq >/dev/null || { echo "needs jq"; exit 1; }
cargo build --release --quiet
bin=$PWD/target/release/mkimport
sim_bin=$PWD/target/release/marketo-sim

rm -rf "$work"; mkdir -p "$work"
"$bin" generate --bundles "$n" --out "$work/gen" --seed 7 --target-assets 20 >/dev/null
export MARKETO_CLIENT_ID=sim-client-id MARKETO_CLIENT_SECRET=sim-client-secret
export XDG_STATE_HOME="$work/state"
unset MKIMPORT_MARKETO_LIMITS

sims=()
trap 'for p in "${sims[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# serve DIR with the latency; sets $url (the simulator keeps its
# counters in $work/NAME.stats)
serve() {
  local dir=$1 name=$2
  "$sim_bin" --from "$dir" --latency-ms "$latency" --url-file "$work/$name.url" \
    --stats-file "$work/$name.stats" >/dev/null &
  sims+=($!)
  while [ ! -s "$work/$name.url" ]; do sleep 0.1; done
  url=$(cat "$work/$name.url")
}

# calls SECONDS NAME: the line of one measurement
report() {
  local calls=$1 secs=$2 name=$3 stats=$4
  awk -v c="$calls" -v s="$secs" -v n="$name" -v st="$stats" 'BEGIN {
    rate = c / s; printf "%-5s %6d calls in %7.1f s = %5.2f calls/s = %.2f of the limit (5 calls/s); %s\n", n, c, s, rate, rate / 5, st }'
}

echo "machine: $(nproc) cores; simulator latency ${latency} ms a call; Marketo's limits"

# run
serve "$work/gen/target" target
start=$(date +%s.%N)
"$bin" run --from "$work/gen/source" --to "marketo:$url" --yes --json > "$work/run.json"
end=$(date +%s.%N)
calls=$(jq '.summary.calls' "$work/run.json")
estimate=$(jq '.summary.calls_estimate' "$work/run.json")
secs=$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')
sleep 0.5
report "$calls" "$secs" run "$(cat "$work/target.stats")"
echo "      estimate before the run: $estimate calls ($(jq '.summary.ok' "$work/run.json") programs imported)"

# pull: what the run left, served again (a directory import of the same
# bundles holds the same programs)
cp -r "$work/gen/target" "$work/imported"
"$bin" run --from "$work/gen/source" --to "$work/imported" --yes --json >/dev/null
serve "$work/imported" imported
start=$(date +%s.%N)
"$bin" pull --instance "$url" --out "$work/pulled" --json > "$work/pull.json"
end=$(date +%s.%N)
calls=$(jq '.calls' "$work/pull.json")
secs=$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')
sleep 0.5
report "$calls" "$secs" pull "$(cat "$work/imported.stats")"
