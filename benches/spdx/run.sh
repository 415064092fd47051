#!/usr/bin/env bash
# Scan the SPDX license texts (npm package spdx-license-list, CC0) with neardup
# and print a short summary. Not run in CI.
#
#   bash benches/spdx/run.sh [--out DIR] [--no-build]
#                                             install, write DIR/licenses/*.txt, scan, summarize
#                                             (--no-build: use target/release/neardup as it is)
#   bash benches/spdx/run.sh --summary FILE   only summarize an existing neardup JSON report
#
# Scratch (node_modules, license files, reports) goes to DIR, default target/spdx.
set -euo pipefail

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
say() { printf '\n==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/target/spdx"
SUMMARY_ONLY=""
BUILD=1

while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) OUT="${2:?--out needs a value}"; shift 2 ;;
        --summary) SUMMARY_ONLY="${2:?--summary needs a file}"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done

# Summary of a neardup JSON report: $1 = report, $2 = folder holding the scanned files.
summarize() {
    python3 - "$1" "$2" <<'PY'
import collections, json, os, re, sys

report_path, licenses_dir = sys.argv[1], sys.argv[2]
with open(report_path, encoding="utf-8") as f:
    rep = json.load(f)
docs, pairs, clusters = rep.get("documents", []), rep.get("pairs", []), rep.get("clusters", [])
name = lambda p: os.path.basename(p)[:-4] if p.endswith(".txt") else os.path.basename(p)

kinds = collections.Counter(p.get("kind", "?") for p in pairs)
spans = [s for p in pairs for s in p.get("spans", [])]
boiler = sum(1 for s in spans if s.get("boilerplate"))
boiler_only = sum(1 for p in pairs if p.get("spans") and all(s.get("boilerplate") for s in p["spans"]))
dropped = sum(len(c.get("drop", [])) for c in clusters)

print(f"documents:        {len(docs)} ({sum(d.get('bytes', 0) for d in docs):,} bytes)")
print(f"pairs flagged:    {len(pairs)}" + ("  (" + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + ")" if pairs else ""))
print(f"clusters:         {len(clusters)} (keep one, drop {dropped} documents in all)")
print(f"spans:            {len(spans)}, {boiler} marked boilerplate; {boiler_only} pairs have only boilerplate spans")
if clusters:
    big = sorted(clusters, key=lambda c: -len(c.get("drop", [])))[:5]
    print("largest clusters: " + "; ".join(
        f"{name(c['keep'])} + {len(c.get('drop', []))}" for c in big))
if pairs:
    top = sorted(pairs, key=lambda p: -(p.get("jaccard") or 0))
    print("a few pairs:      " + "; ".join(
        f"{name(p['a'])} ~ {name(p['b'])} ({p.get('kind')}, J {p.get('jaccard') or 0:.2f})"
        for p in top[:3]))

def read(path):
    for cand in (path, os.path.join(licenses_dir, os.path.basename(path))):
        if os.path.exists(cand):
            with open(cand, "rb") as f:
                return f.read()
    return None

def pos(r):
    return (f"bytes {r['start']}-{r['end']} (line {r.get('line_start', '?')}:{r.get('col_start', '?')}"
            f" - line {r.get('line_end', '?')}:{r.get('col_end', '?')})")

print("\nBSD-2-Clause vs BSD-3-Clause:")
want = {"BSD-2-Clause", "BSD-3-Clause"}
pair = next((p for p in pairs if {name(p["a"]), name(p["b"])} == want), None)
if pair is None:
    present = {name(d["path"]) for d in docs}
    missing = sorted(want - present)
    print("  not flagged" + (f" (missing from the scan: {', '.join(missing)})" if missing else ""))
    for w in sorted(want - set(missing)):
        mine = [p for p in pairs if w in (name(p["a"]), name(p["b"]))]
        others = sorted(name(p["b"]) if name(p["a"]) == w else name(p["a"]) for p in mine)
        print(f"  {w} is in {len(mine)} flagged pairs" + (f": {', '.join(others[:8])}"
              + (" ..." if len(others) > 8 else "") if others else ""))
    print("  (one reason a pair is missing: neardup leaves out pairs whose shared text is all boilerplate, text in at least"
          " --boilerplate-df documents, default 1% and at least 10)")
    sys.exit(0)
cont = pair.get("containment")
print(f"  flagged: kind {pair.get('kind')}, jaccard {pair.get('jaccard')}, containment {cont}")
side3 = "a" if name(pair["a"]) == "BSD-3-Clause" else "b"
if not pair.get("spans"):
    print("  (the pair has no spans)")
    sys.exit(0)
for i, s in enumerate(pair.get("spans", []), 1):
    print(f"  span {i}: {s.get('words', '?')} words, similarity {s.get('similarity')}, "
          f"boilerplate {s.get('boilerplate')}")
    for side in ("a", "b"):
        print(f"    {name(pair[side]):<13} {pos(s[side])}")
text3 = read(pair[side3])
if text3 is None:
    print(f"  (cannot read {pair[side3]} to locate clause 3)")
    sys.exit(0)
m = re.search(rb"3\.\s*Neither the name", text3)
if m is None:
    print("  (clause 3 'Neither the name ...' not found in BSD-3-Clause)")
    sys.exit(0)
end = text3.find(b"permission.", m.start())
end = len(text3) if end < 0 else end + len(b"permission.")
inside = [i for i, s in enumerate(pair.get("spans", []), 1)
          if s[side3]["start"] < end and m.start() < s[side3]["end"]]
print(f"  BSD-3-Clause clause 3 ('Neither the name ...') is at bytes {m.start()}-{end}: "
      + ("OUTSIDE every span" if not inside else f"overlaps span(s) {inside}"))
covered = sorted((s[side3]["start"], s[side3]["end"]) for s in pair.get("spans", []))
gaps, at = [], 0
for lo, hi in covered + [(len(text3), len(text3))]:
    if lo > at and text3[at:lo].strip():
        gaps.append((at, lo))
    at = max(at, hi)
for lo, hi in gaps:
    snippet = " ".join(text3[lo:hi].decode("utf-8", "replace").split())
    print(f"  BSD-3-Clause text outside the spans, bytes {lo}-{hi}: "
          f"{snippet[:100]}{' ...' if len(snippet) > 100 else ''}")
PY
}

if [[ -n "$SUMMARY_ONLY" ]]; then
    [[ -f "$SUMMARY_ONLY" ]] || die "no such file: $SUMMARY_ONLY"
    summarize "$SUMMARY_ONLY" "$(dirname "$SUMMARY_ONLY")/licenses"
    exit 0
fi

command -v node >/dev/null || die "node not found (Debian: apt-get install -y nodejs npm)"
command -v npm >/dev/null || die "npm not found (Debian: apt-get install -y npm)"
[[ $BUILD -eq 0 ]] || command -v cargo >/dev/null || die "cargo not found"
command -v python3 >/dev/null || die "python3 not found"

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
NPM_DIR="$OUT/npm"
LICENSES="$OUT/licenses"
NEARDUP="$ROOT/target/release/neardup"

# ---------------------------------------------------------------- license texts
say "installing spdx-license-list into $NPM_DIR"
mkdir -p "$NPM_DIR"
cp "$HERE/package.json" "$NPM_DIR/package.json"
if [[ -f "$HERE/package-lock.json" ]]; then
    cp "$HERE/package-lock.json" "$NPM_DIR/package-lock.json"
    (cd "$NPM_DIR" && npm ci --no-audit --no-fund --loglevel=error) \
        || die "npm ci failed in $NPM_DIR"
else
    (cd "$NPM_DIR" && npm install --no-audit --no-fund --loglevel=error) \
        || die "npm install failed in $NPM_DIR"
fi

say "writing one file per license to $LICENSES"
rm -rf "$LICENSES"
mkdir -p "$LICENSES"
(cd "$NPM_DIR" && node - "$LICENSES" <<'JS'
const fs = require('fs');
const path = require('path');
const out = process.argv[2];
const full = require('spdx-license-list/full');
const version = require('spdx-license-list/package.json').version;
let written = 0, empty = 0;
for (const [id, info] of Object.entries(full)) {
    if (!/^[A-Za-z0-9.+-]+$/.test(id)) { throw new Error(`unexpected SPDX id: ${id}`); }
    const text = info.licenseText || '';
    if (!text.trim()) { empty++; continue; }
    fs.writeFileSync(path.join(out, `${id}.txt`), text.endsWith('\n') ? text : text + '\n');
    written++;
}
console.log(`  spdx-license-list ${version}: ${written} license texts written` +
            (empty ? `, ${empty} without text skipped` : ''));
JS
) || die "writing the license files failed"

# ---------------------------------------------------------------- scan
if [[ $BUILD -eq 1 ]]; then
    say "building neardup (cargo build --release --bin neardup)"
    (cd "$ROOT" && cargo build --release --bin neardup) || die "cargo build --release failed (see above)"
fi
[[ -x "$NEARDUP" ]] || die "no $NEARDUP (run cargo build --release)"

# neardup exits 0 when nothing is flagged, 1 when something is, 2 on an error
# (a file it could not read; the rest is still scanned). A written report counts.
scan() {
    local what="$1" status=0
    shift
    "$@" || status=$?
    if [[ $status -gt 1 ]]; then
        [[ -s "$what" ]] || die "neardup scan failed with status $status (no $what)"
        warn "neardup exited with status $status (an error; see above) but wrote $what, going on"
    fi
    [[ -s "$what" ]] || die "neardup scan wrote no $what (status $status)"
}

say "neardup scan $LICENSES --format json"
rm -f "$OUT/spdx.json" "$OUT/spdx.txt"
scan "$OUT/spdx.json" "$NEARDUP" scan "$LICENSES" --format json --output "$OUT/spdx.json"
say "neardup scan $LICENSES --format text"
scan_text() { "$NEARDUP" scan "$LICENSES" --format text >"$OUT/spdx.txt"; }
scan "$OUT/spdx.txt" scan_text

say "summary (reports: $OUT/spdx.json, $OUT/spdx.txt)"
summarize "$OUT/spdx.json" "$LICENSES"
printf '\ntext report, last line: %s\n' "$(tail -n 1 "$OUT/spdx.txt")"
