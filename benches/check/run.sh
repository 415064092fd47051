#!/usr/bin/env bash
# Drop check vs full scan: index N documents, then check a drop of M new
# ones against the index; compare with a full scan of all N + M documents.
#
#   bash benches/check/run.sh [--docs 100000] [--drop 1000] [--out DIR] [--no-build]
#                             [--hyperfine] [--load-against INDEX...]
#
# Prints wall time, user+system CPU and peak RSS of each step (GNU time) and
# the index size per document; with --hyperfine, also times the check (with
# and without --changed-from) and the scan with hyperfine. --load-against
# times opening each INDEX and looking the drop's hashes up in it
# (`neardup check DROP --index INDEX`: only the drop is walked, so every
# indexed document is stale and nothing is verified), to compare index
# sizes for a fixed drop. Not run in CI.
set -euo pipefail
cd "$(dirname "$0")/../.."

docs=100000 drop=1000 out=target/check-bench build=1 hf=0 load=()
while [ $# -gt 0 ]; do
  case "$1" in
    --docs) docs=$2; shift 2 ;;
    --drop) drop=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --hyperfine) hf=1; shift ;;
    --load-against) shift; while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do load+=("$(realpath "$1")"); shift; done ;;
    *) echo "usage: $0 [--docs N] [--drop M] [--out DIR] [--no-build] [--hyperfine] [--load-against INDEX...]" >&2; exit 2 ;;
  esac
done
if [ ! -x /usr/bin/time ]; then
  echo "needs GNU time: apt-get install -y time" >&2
  exit 2
fi
if [ "$build" = 1 ]; then
  cargo build --release --bin neardup --example planted
fi
nd=$PWD/target/release/neardup

mkdir -p "$out"
cd "$out"
total=$((docs + drop))
if [ ! -f corpus/.done-$total ]; then
  rm -rf corpus
  "$OLDPWD/target/release/examples/planted" generate --out corpus --docs "$total" --seed 9 >/dev/null
  mkdir -p corpus/drop
  # The drop: the last M documents by name (planted copies land anywhere, so
  # the drop repeats some of the corpus and some of itself).
  find corpus/docs -name '*.txt' | sort | tail -n "$drop" | xargs -I{} mv {} corpus/drop/
  touch corpus/.done-$total
fi
rm -rf .neardup

timed() {
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %U+%S s user+sys, %M KB peak RSS, %P CPU" "$@" >/dev/null 2>time.err || true
  grep "$label" time.err
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "corpus: $docs indexed documents + $drop in the drop"
timed "index build ($docs docs)" "$nd" index build corpus/docs
ls -l .neardup/index | awk -v n="$docs" '{printf "index size: %.1f MB, %.0f bytes per document\n", $5/1e6, $5/n}'
timed "check ($drop new vs $docs indexed)" "$nd" check corpus/docs corpus/drop --format json -o check.json
timed "check again, warm cache" "$nd" check corpus/docs corpus/drop --format json -o check.json
# What git would list: the drop's files.
find corpus/drop -name '*.txt' | sort > changed.txt
timed "check --changed-from (the drop listed)" "$nd" check corpus/docs corpus/drop --changed-from changed.txt --format json -o check-listed.json
cmp -s check.json check-listed.json && echo "check --changed-from: the same report"
timed "full scan ($total docs)" "$nd" scan corpus/docs corpus/drop --format json -o scan.json
if [ "$hf" = 1 ] && command -v hyperfine >/dev/null; then
  hyperfine -i --warmup 1 --runs 10 -N \
    "$nd check corpus/docs corpus/drop --format json -o check.json" \
    "$nd check corpus/docs corpus/drop --changed-from changed.txt --format json -o check.json"
  hyperfine -i --warmup 1 --runs 3 -N "$nd scan corpus/docs corpus/drop --format json -o scan.json"
fi
for ix in "${load[@]}"; do
  n=$("$nd" --version >/dev/null; ls -l "$ix" | awk '{printf "%.0f MB", $5/1e6}')
  timed "open + look up the drop in $ix ($n)" "$nd" check corpus/drop --index "$ix" --format json -o load.json
  if command -v hyperfine >/dev/null; then
    hyperfine -i --warmup 2 --runs 20 -N "$nd check corpus/drop --index $ix --format json -o load.json"
  fi
done
python3 - <<'PY'
import json
c = json.load(open("check.json")); s = json.load(open("scan.json"))
new = {d["path"] for d in c["documents"] if d.get("new")}
involving = [p for p in s["pairs"] if p["a"] in new or p["b"] in new]
print(f"check flagged {len(c['pairs'])} pairs; the full scan flagged {len(s['pairs'])}, "
      f"{len(involving)} of them involving a drop document")
PY
