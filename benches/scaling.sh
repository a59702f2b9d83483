#!/usr/bin/env bash
# Scaling with the number of zip entries (issue 9, item 4): `mkimport
# preview` of one zip holding N tiny external/images/* entries, at each N
# given (default 25000 50000 100000), in two shapes:
#   unused: the program uses none of the images (the hostile zip of the issue)
#   used:   one email uses every image (each is planned: N report rows)
# Prints the median of REPS runs (default 3) and the ratio of each time to
# the previous N's: about 2 for linear work (N doubling), 4 for quadratic.
# Not part of `cargo test` (no timed assertions in tests: tests/suite/scaling.rs
# counts allocations instead).
#
#   benches/scaling.sh [N...]        (REPS=3; WORK=/tmp/mkimport-scaling; needs python3, GNU time)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(25000 50000 100000)
reps=${REPS:-3}
work=${WORK:-/tmp/mkimport-scaling}
command -v python3 >/dev/null || { echo "needs python3"; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)"; exit 1; }
cargo build --release --quiet
bin=${BIN:-$PWD/target/release/mkimport}

mkdir -p "$work/target/marketing-activities/Inbox"
echo '{"format": 1, "name": "Scaling Target"}' > "$work/target/subscription.json"

make_zip() { # N SHAPE OUT
  python3 - "$@" <<'PY'
import json, sys, zipfile
n, shape, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
images = [f"img{i}.png" for i in range(n)]
program = {"format": 1, "program": {"name": "Many Entries", "folder": "Inbox"},
           "emails": [{"name": "Invite", "images": images if shape == "used" else []}]}
with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
    z.writestr("program.json", json.dumps(program))
    for i, name in enumerate(images):
        z.writestr(f"external/images/{name}", b"x%d" % i)
PY
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "machine: $(nproc) cores, $(uname -sr); binary: $bin"
for shape in unused used; do
  previous=""
  for n in "${sizes[@]}"; do
    zip="$work/$shape-$n.zip"
    [ -f "$zip" ] || make_zip "$n" "$shape" "$zip"
    times=()
    for _ in $(seq "$reps"); do
      log=$(mktemp)
      /usr/bin/time -o "$log" -f '%e %M' "$bin" preview --from "$zip" --to "$work/target" --json >/dev/null || true
      times+=("$(tail -1 "$log")"); rm -f "$log"
    done
    t=$(printf '%s\n' "${times[@]}" | cut -d' ' -f1 | median)
    rss=$(printf '%s\n' "${times[@]}" | cut -d' ' -f2 | median)
    ratio=""
    [ -n "$previous" ] && ratio=$(awk -v a="$t" -v b="$previous" -v n="$n" -v m="$prev_n" 'BEGIN { if (b > 0) printf "  (x%.2f for x%.2f entries)", a / b, n / m }')
    printf '%-7s N=%-7s %6ss  %6s MB%s\n' "$shape" "$n" "$t" "$((rss / 1024))" "$ratio"
    previous=$t; prev_n=$n
  done
done
