#!/usr/bin/env bash
# Run neardup and its MinHash-LSH peers (datasketch, rensa, gaoya) side by side
# on neardup's planted corpus and print one table. Not run in CI.
#
#   bash benches/peers/run.sh [--docs 20000] [--words 400] [--seed 42] [--out DIR]
#                             [--ensemble-docs 5000] [--python python3] [--no-build]
#
# Scratch (venv, corpus, results) goes to DIR, default target/peers.
set -euo pipefail

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'EOF'

Options:
  --docs N            documents in the planted corpus (20000)
  --words N           words per document (400)
  --seed N            corpus seed (42)
  --out DIR           scratch folder (target/peers)
  --ensemble-docs N   run datasketch MinHashLSHEnsemble on the first N docs
                      (5000; 0 skips it)
  --python EXE        interpreter for the venv (python3)
  --no-build          use the binaries already in target/release (neardup and
                      examples/planted) instead of running cargo
EOF
}

say() { printf '\n==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

DOCS=20000
WORDS=400
SEED=42
OUT="$ROOT/target/peers"
ENSEMBLE_DOCS=5000
PYTHON=python3
BUILD=1

while [[ $# -gt 0 ]]; do
    case "$1" in
        --docs) DOCS="${2:?--docs needs a value}"; shift 2 ;;
        --words) WORDS="${2:?--words needs a value}"; shift 2 ;;
        --seed) SEED="${2:?--seed needs a value}"; shift 2 ;;
        --out) OUT="${2:?--out needs a value}"; shift 2 ;;
        --ensemble-docs) ENSEMBLE_DOCS="${2:?--ensemble-docs needs a value}"; shift 2 ;;
        --python) PYTHON="${2:?--python needs a value}"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
for v in "$DOCS" "$WORDS" "$SEED" "$ENSEMBLE_DOCS"; do
    [[ "$v" =~ ^[0-9]+$ ]] || die "not a non-negative integer: $v"
done

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
RUNS="$OUT/runs"
VENV="$OUT/venv"
PEERS_PY="$HERE/peers.py"
NEARDUP="$ROOT/target/release/neardup"
PLANTED="$ROOT/target/release/examples/planted"

[[ $BUILD -eq 0 ]] || command -v cargo >/dev/null || die "cargo not found"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (use --python)"

# ---------------------------------------------------------------- /usr/bin/time
if [[ ! -x /usr/bin/time ]]; then
    if [[ "$(id -u)" -eq 0 ]]; then
        say "installing GNU time (apt-get install -y time)"
        apt-get update -qq && apt-get install -y -qq time >/dev/null
    else
        die "/usr/bin/time is missing: run 'sudo apt-get install -y time' (Debian/Ubuntu) and retry"
    fi
fi
time_probe="$(/usr/bin/time -v true 2>&1 || true)"
[[ "$time_probe" == *"Maximum resident set size"* ]] \
    || die "/usr/bin/time does not support -v (need GNU time: apt-get install -y time)"

# ---------------------------------------------------------------- venv + peers
say "Python venv with the peers in $VENV"
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV" || die "could not create a venv with $PYTHON (Debian: apt-get install -y python3-venv)"
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip || warn "could not upgrade pip; going on"

REQ="$HERE/requirements.txt"
if ! "$PY" -m pip install --quiet --disable-pip-version-check -r "$REQ"; then
    warn "installing all of $REQ failed; installing each peer on its own"
    for group in 'datasketch|numpy|scipy' 'rensa' 'gaoya'; do
        mapfile -t pins < <(grep -E "^($group)==" "$REQ")
        "$PY" -m pip install --quiet --disable-pip-version-check "${pins[@]}" \
            || warn "pip install ${pins[*]} failed"
    done
fi

rm -rf "$RUNS"
mkdir -p "$RUNS"
PEERS=(datasketch rensa gaoya)
[[ "$ENSEMBLE_DOCS" -gt 0 ]] && PEERS+=(datasketch-ensemble)
OK_PEERS=()
for peer in "${PEERS[@]}"; do
    if msg="$("$PY" "$PEERS_PY" probe "$peer" 2>&1)"; then
        echo "  $msg"
        OK_PEERS+=("$peer")
    else
        warn "skipping $peer: $msg"
        printf 'install/import failed: %s\n' "$(tail -n 1 <<<"$msg")" >"$RUNS/$peer.skip"
    fi
done

# ---------------------------------------------------------------- build + corpus
if [[ $BUILD -eq 1 ]]; then
    say "building neardup (cargo build --release --bin neardup --example planted)"
    (cd "$ROOT" && cargo build --release --bin neardup --example planted) \
        || die "cargo build --release failed (see above): the planted generator and neardup are needed"
    generate() { (cd "$ROOT" && cargo run --quiet --release --example planted -- generate "$@"); }
else
    [[ -x "$NEARDUP" ]] || die "--no-build: no $NEARDUP (run cargo build --release)"
    [[ -x "$PLANTED" ]] || die "--no-build: no $PLANTED (run cargo build --release --example planted)"
    generate() { "$PLANTED" generate "$@"; }
fi

CORPUS="$OUT/corpus"
say "generating the planted corpus: $DOCS docs x $WORDS words, seed $SEED -> $CORPUS"
rm -rf "$CORPUS"
generate --out "$CORPUS" --docs "$DOCS" --words "$WORDS" --seed "$SEED" \
    || die "the planted generator failed"
[[ -f "$CORPUS/truth.json" ]] || die "no $CORPUS/truth.json after generating"
[[ -d "$CORPUS/docs" ]] || die "no $CORPUS/docs after generating"
ndocs="$(find "$CORPUS/docs" -maxdepth 1 -type f | wc -l)"
echo "  $ndocs documents, $(du -sh "$CORPUS/docs" | cut -f1)"

# ---------------------------------------------------------------- runs
for peer in "${OK_PEERS[@]}"; do
    args=()
    label="$peer"
    if [[ "$peer" == datasketch-ensemble ]]; then
        args=(--subset "$ENSEMBLE_DOCS")
        label="$peer (first $ENSEMBLE_DOCS docs)"
    fi
    say "running $label"
    if ! /usr/bin/time -v -o "$RUNS/$peer.time" \
        "$PY" "$PEERS_PY" run "$peer" --docs "$CORPUS/docs" --out "$RUNS/$peer.json" "${args[@]}"; then
        warn "$peer failed (see above); it is left out of the table"
        rm -f "$RUNS/$peer.json"
        echo "run failed (exit status $(grep -o 'Exit status: [0-9]*' "$RUNS/$peer.time" || echo '?'))" >"$RUNS/$peer.skip"
    fi
done

say "running neardup scan"
NEARDUP_JSON="$OUT/neardup.json"
rm -f "$NEARDUP_JSON"
set +e
/usr/bin/time -v -o "$RUNS/neardup.time" \
    "$NEARDUP" scan "$CORPUS/docs" --format json --output "$NEARDUP_JSON"
status=$?
set -e
# neardup exits 1 when it flagged something, 2 on an error (the rest is still scanned)
if [[ $status -gt 1 || ! -s "$NEARDUP_JSON" ]]; then
    if [[ -s "$NEARDUP_JSON" ]]; then
        warn "neardup exited with status $status but wrote its report; scoring it"
    else
        warn "neardup scan failed with status $status; it is left out of the table"
        echo "scan failed with exit status $status" >"$RUNS/neardup.skip"
    fi
fi
NEARDUP_VERSION="$("$NEARDUP" --version 2>/dev/null | awk '{print $NF}' || true)"

# ---------------------------------------------------------------- table
say "results"
python3 "$PEERS_PY" report --truth "$CORPUS/truth.json" --runs "$RUNS" \
    --neardup "$NEARDUP_JSON" --neardup-time "$RUNS/neardup.time" \
    --neardup-version "$NEARDUP_VERSION" \
    --corpus-note "mean $WORDS words per document, from 'planted generate'" \
    --md "$OUT/peers.md"
