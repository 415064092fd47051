"""Fixtures: the repository's CLI and corpora, and a local Spark session.

Environment:
  NEARDUP_BIN            the neardup binary (default: cargo build, target/debug/neardup)
  NEARDUP_PLANTED_DOCS   planted corpus size for the equality tests (default 3000)
  NEARDUP_REQUIRE_SPARK  1: fail, not skip, when pyspark cannot be imported (CI)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _cargo(*args: str) -> None:
    subprocess.run(["cargo", *args], cwd=ROOT, check=True)


@pytest.fixture(scope="session")
def neardup_bin() -> Path:
    given = os.environ.get("NEARDUP_BIN")
    if given:
        return Path(given)
    _cargo("build", "-q", "--bin", "neardup")
    return ROOT / "target" / "debug" / "neardup"


class Corpus:
    """Files under ``base / name``, named as the CLI names them when run
    from ``base`` (``name/<file>``)."""

    def __init__(self, base: Path, name: str) -> None:
        self.base, self.name = base, name
        files = sorted(p for p in (base / name).iterdir() if p.is_file())
        self.ids = [f"{name}/{p.name}" for p in files]
        self.texts = [p.read_text(encoding="utf-8") for p in files]

    def cli(self, neardup_bin: Path, *flags: str) -> dict:
        out = subprocess.run(
            [str(neardup_bin), "scan", self.name, "--format", "json", "-q", *flags],
            cwd=self.base,
            capture_output=True,
            text=True,
        )
        assert out.returncode in (0, 1), out.stderr
        return json.loads(out.stdout)


@pytest.fixture(scope="session")
def example_corpus() -> Corpus:
    return Corpus(ROOT / "examples", "corpus")


@pytest.fixture(scope="session")
def planted_corpus(tmp_path_factory) -> Corpus:
    """A generated corpus with planted whole and partial copies, a 300-word
    footer (with a varying year) on every document and an article
    syndicated into 40."""
    docs = os.environ.get("NEARDUP_PLANTED_DOCS", "3000")
    out = tmp_path_factory.mktemp("planted")
    _cargo(
        "run", "-q", "--example", "planted", "--", "generate", "--out", str(out),
        "--docs", docs, "--footer-words", "300", "--syndicated", "40",
    )
    return Corpus(out, "docs")


@pytest.fixture(scope="session")
def spark():
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        if os.environ.get("NEARDUP_REQUIRE_SPARK") == "1":
            raise
        pytest.skip("pyspark is not installed")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("neardup-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def strip_none(x):
    """A Spark row as the JSON report has it: absent fields, not nulls."""
    if isinstance(x, dict):
        return {k: strip_none(v) for k, v in x.items() if v is not None}
    if isinstance(x, list):
        return [strip_none(v) for v in x]
    return x


def spark_report(repeats) -> dict:
    """pairs, passages and clusters of a Spark job, shaped as the JSON report."""
    pairs_df, passages_df, clusters_df = repeats
    pairs = [strip_none(r.asDict(recursive=True)) for r in pairs_df.collect()]
    passages: dict[int, dict] = {}
    for r in passages_df.collect():
        p = passages.setdefault(
            r.passage,
            {"words": r.words, "documents": r.documents, "excerpt": r.excerpt, "spans": []},
        )
        assert r.place == len(p["spans"]), "places in order"
        p["spans"].append(
            {"path": r.id, **{f: r[f] for f in
                              ("start", "end", "line_start", "col_start", "line_end", "col_end")}}
        )
    assert sorted(passages) == list(range(len(passages)))
    clusters = [r.asDict() for r in clusters_df.collect()]
    return {"pairs": pairs, "passages": [passages[i] for i in range(len(passages))],
            "clusters": clusters}
