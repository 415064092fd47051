#!/usr/bin/env bash
# Growth curve (issue 9): for corpora of N generated documents of ~400 words,
# the wall time, docs/s, MB/s and peak RSS of a full `scan`, an `index build`,
# and a `check` of a 1,000-document drop against the index (and the same
# check told what changed, `--changed-from LIST --no-walk`: row `listed`),
# so that how each grows with N is visible. Writes DIR/scale.tsv and, with
# --plot, DIR/scale.png (matplotlib in a venv under DIR). Not run in CI
# (the 1M run takes a while).
#
#   bash benches/scale/run.sh [--sizes "10000 100000 1000000"] [--drop 1000]
#                             [--words 400] [--out DIR] [--plot] [--no-build]
#
# Every line printed says the load average when the run started; the machine
# line says the cores and memory. Each corpus is read once (into the page
# cache) right before its timed scan, so every size is timed warm: a corpus
# idle for a while is partly evicted here, and reading 1,000,000 files from
# storage added up to 40 s to a 1 M scan (BENCHMARKS.md, "Linear time,
# session 9"). The scan's stages (NEARDUP_STAGE_TIMES) go to
# DIR/stages-N.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

sizes="10000 100000" drop=1000 words=400 out=$ROOT/target/scale plot=0 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=${2:?--sizes needs a value}; shift 2 ;;
    --drop) drop=${2:?--drop needs a value}; shift 2 ;;
    --words) words=${2:?--words needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    --plot) plot=1; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 2; }
if [ "$build" = 1 ]; then
  cargo build --release --quiet --bin neardup --example planted
fi
nd=$ROOT/target/release/neardup
planted=$ROOT/target/release/examples/planted
mkdir -p "$out"
tsv=$out/scale.tsv
printf 'docs\tcommand\twall_s\tdocs_per_s\tmb_per_s\tpeak_rss_mb\tcorpus_mb\tload1\n' >"$tsv"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -m)"

# run LABEL DOCS BYTES CMD...: one timed run, appended to the table. Every
# MB is 10^6 bytes, the peak RSS's too (GNU time's KiB x 1024 / 10^6), so
# that it compares with the corpus's size (it was KiB / 1024 before
# session 9: MiB, 4.9% less, under the same label).

run() {
  local label=$1 n=$2 bytes=$3; shift 3
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f '%e %M' -o "$out/time.txt" "$@" >/dev/null 2>"$out/stderr.txt" || {
    local rc=$?; [ $rc -eq 1 ] || { echo "$label failed ($rc):" >&2; tail -5 "$out/stderr.txt" >&2; exit 1; }
  }
  read -r wall rss < <(tail -1 "$out/time.txt")
  awk -v n="$n" -v l="$label" -v w="$wall" -v r="$rss" -v b="$bytes" -v ld="$load" 'BEGIN {
    if (w < 0.005) w = 0.005
    printf "%d\t%s\t%.2f\t%.0f\t%.1f\t%.1f\t%.1f\t%s\n", n, l, w, n / w, b / 1e6 / w, r * 1024 / 1e6, b / 1e6, ld }' >>"$tsv"
  tail -1 "$tsv" | awk -F'\t' '{ printf "%8d docs  %-7s %8.2f s  %8.0f docs/s  %6.1f MB/s  %6.1f MB peak RSS  (corpus %.0f MB, load %s)\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
}

for n in $sizes; do
  dir=$out/corpus-$n
  total=$((n + drop))
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    "$planted" generate --out "$dir" --docs "$total" --words "$words" --seed 21 >/dev/null
    mkdir -p "$dir/drop"
    # The drop: the last $drop documents by name (they carry planted copies of
    # indexed ones, as a real drop would).
    find "$dir/docs" -name '*.txt' | sort | tail -n "$drop" | xargs mv -t "$dir/drop/"
    touch "$dir/.done"
  fi
  bytes=$(du -sb "$dir/docs" | cut -f1)
  dbytes=$(du -sb "$dir/drop" | cut -f1)
  cd "$dir"
  rm -rf .neardup
  find docs -type f -print0 | xargs -0 cat >/dev/null
  NEARDUP_STAGE_TIMES=1 run scan "$n" "$bytes" "$nd" scan docs --format json -o "$out/scan-$n.json"
  grep '^neardup: stage ' "$out/stderr.txt" >"$out/stages-$n.txt" || true
  run index "$n" "$bytes" "$nd" index build docs
  run check "$drop" "$dbytes" "$nd" check docs drop --format json -o "$out/check-$n.json"
  # The same check told what changed, without a walk: the same report.
  ls drop | sed 's|^|drop/|' >"$out/changed-$n.txt"
  run listed "$drop" "$dbytes" "$nd" check docs drop --changed-from "$out/changed-$n.txt" \
    --no-walk --format json -o "$out/listed-$n.json"
  cmp -s "$out/check-$n.json" "$out/listed-$n.json" || {
    echo "check --no-walk at $n gave another report than the check" >&2; exit 1; }
  cd "$ROOT"
done

if [ "$plot" = 1 ]; then
  venv=$out/venv
  [ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q matplotlib; }
  "$venv/bin/python" benches/scale/plot.py "$tsv" "$out/scale.png"
  echo "plot: $out/scale.png"
fi
echo "table: $tsv"
