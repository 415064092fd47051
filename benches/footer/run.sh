#!/usr/bin/env bash
# Long documents that all carry one 300-word footer (issue 7): does neardup's
# wall time grow about linearly with the number K of documents carrying it, and
# how does the whole scan compare with gaoya's whole-document MinHash+LSH on a
# corpus of ~3,000 documents of 10-300 KB? Not run in CI.
#
#   bash benches/footer/run.sh [--ks "500 1000 2000"] [--words 8000] [--seed 11]
#                              [--target-docs 3000] [--target-words 5000] [--target-spread 6]
#                              [--no-target] [--no-gaoya] [--before BIN] [--before-max-k K]
#                              [--out DIR] [--python python3] [--no-build]
#
# Scratch (corpora, reports, the peers' venv) goes to DIR, default target/footer.
set -euo pipefail

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'EOF'

Options:
  --ks "K1 K2 ..."     corpus sizes of the scaling runs (500 1000 2000)
  --words N            mean words per document of the scaling runs (8000, ~60 KB;
                       lengths vary 0.5x-1.5x)
  --seed N             corpus seed (11)
  --footer-words N     words of the shared footer (300)
  --target-docs N      documents of the target run (3000)
  --target-words N     geometric-mean words per document of the target run (5000)
  --target-spread S    lengths from W/S to W*S words, log-uniform (6: ~6-230 KB,
                       ~60 KB mean, ~180 MB for 3,000 documents)
  --no-target          skip the target run (neardup vs gaoya)
  --no-gaoya           target run without gaoya (no venv)
  --before BIN         also time this neardup binary (e.g. an older build) in the
                       scaling runs, for K <= --before-max-k
  --before-max-k K     largest K to run --before on (1000)
  --out DIR            scratch folder (target/footer)
  --python EXE         interpreter for the gaoya venv (python3)
  --no-build           use target/release/neardup and examples/planted as they are
EOF
}

say() { printf '\n==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

KS="500 1000 2000"
WORDS=8000
SEED=11
FOOTER=300
TDOCS=3000
TWORDS=5000
TSPREAD=6
TARGET=1
GAOYA=1
BEFORE=""
BEFORE_MAX_K=1000
OUT="$ROOT/target/footer"
PYTHON=python3
BUILD=1

while [[ $# -gt 0 ]]; do
    case "$1" in
        --ks) KS="${2?--ks needs a value}"; shift 2 ;;
        --words) WORDS="${2:?--words needs a value}"; shift 2 ;;
        --seed) SEED="${2:?--seed needs a value}"; shift 2 ;;
        --footer-words) FOOTER="${2:?--footer-words needs a value}"; shift 2 ;;
        --target-docs) TDOCS="${2:?--target-docs needs a value}"; shift 2 ;;
        --target-words) TWORDS="${2:?--target-words needs a value}"; shift 2 ;;
        --target-spread) TSPREAD="${2:?--target-spread needs a value}"; shift 2 ;;
        --no-target) TARGET=0; shift ;;
        --no-gaoya) GAOYA=0; shift ;;
        --before) BEFORE="${2:?--before needs a binary}"; shift 2 ;;
        --before-max-k) BEFORE_MAX_K="${2:?--before-max-k needs a value}"; shift 2 ;;
        --out) OUT="${2:?--out needs a value}"; shift 2 ;;
        --python) PYTHON="${2:?--python needs a value}"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
for v in $KS "$WORDS" "$SEED" "$FOOTER" "$TDOCS" "$TWORDS" "$TSPREAD" "$BEFORE_MAX_K"; do
    [[ "$v" =~ ^[0-9]+$ ]] || die "not a non-negative integer: $v"
done
[[ -z "$BEFORE" || -x "$BEFORE" ]] || die "--before: $BEFORE is not an executable"

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
NEARDUP="$ROOT/target/release/neardup"
PLANTED="$ROOT/target/release/examples/planted"

[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing: apt-get install -y time"
[[ "$(/usr/bin/time -v true 2>&1 || true)" == *"Maximum resident set size"* ]] \
    || die "/usr/bin/time does not support -v (need GNU time: apt-get install -y time)"

if [[ $BUILD -eq 1 ]]; then
    say "building neardup and the planted generator (release)"
    (cd "$ROOT" && cargo build --release --bin neardup --example planted) \
        || die "cargo build --release failed"
fi
[[ -x "$NEARDUP" ]] || die "no $NEARDUP (cargo build --release)"
[[ -x "$PLANTED" ]] || die "no $PLANTED (cargo build --release --example planted)"

# time_scan LABEL TIMEFILE REPORT BIN DOCS: neardup scan under /usr/bin/time -v
time_scan() {
    local label="$1" tfile="$2" report="$3" bin="$4" docs="$5" status
    say "$label: $bin scan $docs"
    set +e
    /usr/bin/time -v -o "$tfile" "$bin" scan "$docs" --format json --output "$report"
    status=$?
    set -e
    # 1 = something flagged; 2 = an error (the report is still written)
    [[ $status -le 1 && -s "$report" ]] || warn "$label: exit status $status"
}

# row LABEL K MB TIMEFILE REPORT: one table row (wall, RSS, pairs) as TSV
row() {
    python3 - "$@" <<'PY'
import json, sys
label, k, mb, tfile, report = sys.argv[1:6]
wall = rss = "?"
for line in open(tfile, encoding="utf-8", errors="replace"):
    key, _, val = line.strip().rpartition(": ")
    if key.startswith("Elapsed (wall clock) time"):
        parts = [float(p) for p in val.split(":")]
        wall = 0.0
        for p in parts:
            wall = wall * 60 + p
    elif key == "Maximum resident set size (kbytes)":
        rss = int(val) / 1024
s = {}
try:
    s = json.load(open(report, encoding="utf-8")).get("summary", {})
except (OSError, ValueError):
    pass
k = int(k)
per = f"{wall / k * 1000:.2f}" if isinstance(wall, float) else "?"
mbs = f"{float(mb) / wall:.1f}" if isinstance(wall, float) and wall > 0 else "?"
print("\t".join(str(x) for x in [
    label, k, mb, f"{wall:.2f}" if isinstance(wall, float) else wall, per, mbs,
    f"{rss:.0f}" if isinstance(rss, float) else rss,
    s.get("verified", "?"), s.get("pairs", "?"), s.get("boilerplate_only", "-"),
    s.get("passages", "-")]))
PY
}

header() {
    printf 'run\tK docs\tMB\twall s\tms/doc\tMB/s\tpeak RSS MB\tverified\tflagged\tboilerplate-only\tpassages\n'
}

corpus_mb() { du -sb "$1" | awk '{printf "%.1f", $1 / 1e6}'; }

TABLE="$OUT/scaling.tsv"
header >"$TABLE"
echo "load before the runs: $(uptime)" >&2
for k in $KS; do
    C="$OUT/k$k"
    say "generating K=$k documents x ~$WORDS words, $FOOTER-word footer, seed $SEED -> $C"
    "$PLANTED" generate --out "$C" --docs "$k" --words "$WORDS" --seed "$SEED" \
        --footer-words "$FOOTER" >/dev/null
    mb="$(corpus_mb "$C/docs")"
    time_scan "neardup K=$k" "$C/neardup.time" "$C/neardup.json" "$NEARDUP" "$C/docs"
    row "neardup" "$k" "$mb" "$C/neardup.time" "$C/neardup.json" >>"$TABLE"
    if [[ -n "$BEFORE" && $k -le $BEFORE_MAX_K ]]; then
        time_scan "before K=$k" "$C/before.time" "$C/before.json" "$BEFORE" "$C/docs"
        row "before" "$k" "$mb" "$C/before.time" "$C/before.json" >>"$TABLE"
    fi
    echo "load after K=$k: $(uptime)" >&2
done
say "K scaling (one footer in every document)"
column -t -s $'\t' "$TABLE"

[[ $TARGET -eq 1 ]] || exit 0

# ---------------------------------------------------------------- target run
T="$OUT/target"
say "generating the target corpus: $TDOCS documents, $TWORDS words x/÷ $TSPREAD, $FOOTER-word footer -> $T"
"$PLANTED" generate --out "$T" --docs "$TDOCS" --words "$TWORDS" --words-spread "$TSPREAD" \
    --seed "$SEED" --footer-words "$FOOTER" >/dev/null
mb="$(corpus_mb "$T/docs")"
python3 - "$T/docs" <<'PY' >&2
import os, sys
d = sys.argv[1]
sizes = sorted(os.path.getsize(os.path.join(d, n)) for n in os.listdir(d))
print(f"  {len(sizes)} documents, {sum(sizes) / 1e6:.1f} MB, sizes {sizes[0] / 1e3:.1f} KB "
      f"(min) / {sizes[len(sizes) // 2] / 1e3:.1f} KB (median) / {sizes[-1] / 1e3:.1f} KB (max)")
PY

TT="$OUT/target.tsv"
printf 'tool\tdocs\tMB\twall s\tpeak RSS MB\tflagged pairs\tplanted truth pairs found\n' >"$TT"
echo "load before the target run: $(uptime)" >&2
time_scan "neardup target" "$T/neardup.time" "$T/neardup.json" "$NEARDUP" "$T/docs"

if [[ $GAOYA -eq 1 ]]; then
    VENV="$OUT/venv"
    if [[ ! -x "$VENV/bin/python" ]]; then
        say "venv with gaoya in $VENV"
        "$PYTHON" -m venv "$VENV" || die "could not create a venv (apt-get install -y python3-venv)"
    fi
    if ! "$VENV/bin/python" "$ROOT/benches/peers/peers.py" probe gaoya >/dev/null 2>&1; then
        mapfile -t pins < <(grep -E '^gaoya==' "$ROOT/benches/peers/requirements.txt")
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}" \
            || die "pip install ${pins[*]} failed (or use --no-gaoya)"
    fi
    say "gaoya target: whole-document MinHash+LSH (benches/peers/peers.py run gaoya)"
    /usr/bin/time -v -o "$T/gaoya.time" "$VENV/bin/python" "$ROOT/benches/peers/peers.py" \
        run gaoya --docs "$T/docs" --out "$T/gaoya.json" || warn "gaoya failed"
fi
echo "load after the target run: $(uptime)" >&2

python3 - "$T" "$mb" "$TDOCS" "$GAOYA" <<'PY' >>"$TT"
import json, os, sys
t, mb, docs, gaoya = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
truth = json.load(open(os.path.join(t, "truth.json")))
want = {tuple(sorted((p["a"], p["b"]))) for p in truth["pairs"]}

def time_v(path):
    wall = rss = None
    for line in open(path, encoding="utf-8", errors="replace"):
        key, _, val = line.strip().rpartition(": ")
        if key.startswith("Elapsed (wall clock) time"):
            wall = 0.0
            for p in val.split(":"):
                wall = wall * 60 + float(p)
        elif key == "Maximum resident set size (kbytes)":
            rss = int(val) / 1024
    return wall, rss

def base(p):
    return os.path.basename(p)

rows = []
try:
    rep = json.load(open(os.path.join(t, "neardup.json")))
    got = {tuple(sorted((base(p["a"]), base(p["b"])))) for p in rep["pairs"]}
    rows.append(("neardup scan", *time_v(os.path.join(t, "neardup.time")), len(got), len(got & want)))
except (OSError, ValueError, KeyError) as e:
    print(f"neardup report unreadable: {e}", file=sys.stderr)
if gaoya:
    try:
        g = json.load(open(os.path.join(t, "gaoya.json")))
        got = {tuple(sorted(p)) for p in g["pairs"]}
        rows.append(("gaoya MinHashStringIndex", *time_v(os.path.join(t, "gaoya.time")), len(got), len(got & want)))
    except (OSError, ValueError, KeyError) as e:
        print(f"gaoya report unreadable: {e}", file=sys.stderr)
for name, wall, rss, n, hit in rows:
    print(f"{name}\t{docs}\t{mb}\t{wall:.2f}\t{rss:.0f}\t{n}\t{hit} of {len(want)}")
PY
say "target: neardup vs gaoya on the same files"
column -t -s $'\t' "$TT"
