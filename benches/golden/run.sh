#!/usr/bin/env bash
# Byte-identical reports before and after a change that must not change
# behaviour (a refactor): builds the binary of REV (default: the merge base
# with main's first parent, or HEAD~1) in a worktree under target/golden/,
# runs it and the working tree's binary on the same inputs, and compares
# every output byte for byte.
#
#   bash benches/golden/run.sh [REV]
#
# Inputs: ../shared/seeds (when present), examples/corpus in every format,
# a check and a dedupe of examples/corpus, and two planted corpora (2,000
# documents; the normal and the footer mode) generated once by the working
# tree's generator. Exit status 1 on any difference, with the diff's head.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
rev=${1:-HEAD~1}
sha=$(git rev-parse --short "$rev")
out=$root/target/golden
mkdir -p "$out"

old=$out/bin-$sha
if [ ! -x "$old/neardup" ]; then
  wt=$out/wt-$sha
  rm -rf "$wt"; git worktree prune
  git worktree add --detach "$wt" "$sha" >/dev/null
  (cd "$wt" && cargo build --release --quiet --bin neardup)
  mkdir -p "$old"; cp "$wt/target/release/neardup" "$old/"
  git worktree remove --force "$wt"
fi
cargo build --release --quiet --bin neardup --example planted
new=$root/target/release
planted=$root/target/release/examples/planted

gen=$out/corpora
if [ ! -f "$gen/normal/truth.json" ]; then
  "$planted" generate --out "$gen/normal" --docs 2000 --seed 7 >/dev/null
  "$planted" generate --out "$gen/footer" --docs 2000 --seed 7 --footer-words 300 --syndicated 40 >/dev/null
fi

run_all() { # BIN_DIR OUT_DIR
  local bin=$1/neardup dst=$2
  rm -rf "$dst"; mkdir -p "$dst"
  if [ -d ../shared/seeds ]; then
    "$bin" scan ../shared/seeds --format json >"$dst/seeds.json" || true
    "$bin" scan ../shared/seeds >"$dst/seeds.txt" || true
  fi
  for f in json text sarif github html; do
    "$bin" scan examples/corpus --format $f >"$dst/examples.$f" 2>"$dst/examples.$f.err" || true
  done
  "$bin" scan "$gen/normal/docs" --format json >"$dst/planted.json" || true
  "$bin" scan "$gen/footer/docs" --format json >"$dst/footer.json" || true
  local ix; ix=$(mktemp -d)
  cp -r examples/corpus "$ix/c"
  (cd "$ix" && "$bin" index build c >/dev/null 2>&1 \
    && printf '\nadded\n' >>c/01_council_budget.txt \
    && "$bin" check c --format json >"$dst/check.json" 2>/dev/null || true)
  (cd "$ix" && "$bin" dedupe c --drop-list "$dst/drop.txt" >/dev/null 2>&1 || true)
  rm -rf "$ix"
}

run_all "$old" "$out/old"
run_all "$new" "$out/new"
if diff -r "$out/old" "$out/new" >"$out/diff.txt"; then
  echo "golden: byte-identical to $sha ($(ls "$out/new" | wc -l) outputs)"
else
  echo "golden: outputs differ from $sha:"; head -40 "$out/diff.txt"; exit 1
fi
