#!/usr/bin/env bash
# The Python package's benchmarks (BENCHMARKS.md, "Python and Spark"); not
# run in CI:
#   1. the Spark job (neardup.spark.find_repeats) on local[2] against the CLI
#      on the same planted corpus: wall time and peak memory (the CLI's RSS;
#      the JVM's, the Python workers' and the driver's), and whether the
#      findings are the same;
#   2. neardup.scan against rensa's and datasketch's Python APIs on the same
#      documents, each in its own process: wall time, peak RSS, pairs.
#
#   bash benches/python/run.sh [--docs 20000] [--footer-words 300] [--syndicated 40]
#                              [--out DIR] [--python python3] [--skip-spark]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DOCS=20000 FOOTER=300 SYND=40 OUT="$ROOT/target/bench-python" PY=python3 SPARK=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --docs) DOCS="$2"; shift 2 ;;
        --footer-words) FOOTER="$2"; shift 2 ;;
        --syndicated) SYND="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --python) PY="$2"; shift 2 ;;
        --skip-spark) SPARK=0; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
say() { printf '\n==> %s\n' "$*" >&2; }
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
[[ -x /usr/bin/time ]] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

say "building the CLI and the generator (release)"
(cd "$ROOT" && cargo build -q --release --bin neardup --example planted)
say "corpus: $DOCS documents, footer $FOOTER words, article syndicated into $SYND"
rm -rf "$OUT/corpus"
"$ROOT/target/release/examples/planted" generate --out "$OUT/corpus" --docs "$DOCS" \
    --footer-words "$FOOTER" --syndicated "$SYND" >/dev/null
du -sh "$OUT/corpus/docs" | cut -f1

say "venv: neardup (pip install ./python), pyspark, rensa, datasketch"
[[ -x "$OUT/venv/bin/python" ]] || "$PY" -m venv "$OUT/venv"
V="$OUT/venv/bin/python"
"$V" -m pip install -q ./python -r "$ROOT/python/requirements-ci.txt" \
    -r <(grep -E '^(datasketch|numpy|scipy|rensa)==' "$ROOT/benches/peers/requirements.txt")

cd "$OUT/corpus"
say "CLI: neardup scan docs"
/usr/bin/time -v -o "$OUT/cli.time" "$ROOT/target/release/neardup" scan docs --format json \
    -o "$OUT/cli.json" -q || [[ $? -eq 1 ]]
grep -E "Elapsed|Maximum resident" "$OUT/cli.time"

if [[ $SPARK -eq 1 ]]; then
    say "Spark: find_repeats on local[2]"
    PYSPARK_PYTHON="$V" /usr/bin/time -v -o "$OUT/spark.time" "$V" "$HERE/bench.py" spark docs "$OUT/spark.json"
    grep -E "Elapsed|Maximum resident" "$OUT/spark.time"
    "$V" - "$OUT/cli.json" "$OUT/spark.json" <<'PY'
import json, sys
cli, sp = (json.load(open(p)) for p in sys.argv[1:3])
def strip(x):
    if isinstance(x, dict): return {k: strip(v) for k, v in x.items() if v is not None}
    if isinstance(x, list): return [strip(v) for v in x]
    return x
print("same pairs and spans as the CLI:", strip(sp["pairs"]) == cli["pairs"],
      "| same clusters:", sp["clusters"] == cli["clusters"],
      "| pairs", len(cli["pairs"]), "| verified", cli["summary"]["verified"], sp["summary"]["verified"])
PY
fi

say "Python APIs on the same documents (each in its own process)"
for lib in neardup rensa datasketch; do
    "$V" "$HERE/bench.py" lib "$lib" docs "$OUT/lib-$lib.json"
done
uptime
