#!/usr/bin/env bash
# The Python package and its Spark job (issue 10), from a clean machine:
# a venv, `pip install ./python` (maturin builds the engine from source),
# the one-line check from a fresh venv, then the pytest suite, whose Spark
# tests run on local[2] and compare with the CLI on the example corpus and
# a generated 3,000-document corpus. Called by .ci/run after `cargo test`
# (its target/debug/neardup is the CLI the tests compare with).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
VENV="$ROOT/target/ci-python"
PY="${PYTHON:-python3}"

step() { printf '\n==> %s\n' "$*"; }

step "python crate: cargo clippy -p neardup-python -- -D warnings"
cargo clippy -p neardup-python -- -D warnings

step "fresh venv: pip install ./python, then import it"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q ./python
# From elsewhere, so that the installed package is what is imported.
(cd /tmp && "$VENV/bin/python" -c "import neardup; print(neardup.scan(['...','...'])['summary'])")

step "test dependencies (pyspark, pyarrow, pandas, pytest)"
"$VENV/bin/python" -m pip install -q -r python/requirements-ci.txt
java -version 2>&1 | head -1

step "pytest python/tests (Spark on local[2])"
export NEARDUP_BIN="$ROOT/target/debug/neardup"
[ -x "$NEARDUP_BIN" ] || cargo build -q --bin neardup
export NEARDUP_REQUIRE_SPARK=1 PYSPARK_PYTHON="$VENV/bin/python"
cd python/tests
"$VENV/bin/python" -m pytest -q -p no:cacheprovider -W ignore::FutureWarning .
