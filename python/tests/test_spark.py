"""neardup.spark.find_repeats on a local Spark session: the same pairs,
spans, passages and clusters as the command line and neardup.scan."""

from __future__ import annotations

import random

import pytest

import neardup
from conftest import spark_report



@pytest.fixture(scope="module")
def spark_mod(spark):
    import neardup.spark as mod

    return mod


def frame(spark, ids, texts):
    return spark.createDataFrame(list(zip(ids, texts)), "id string, text string")


def same(repeats, report):
    got = spark_report(repeats)
    assert got["pairs"] == report["pairs"]
    assert got["clusters"] == report["clusters"]
    assert got["passages"] == report["passages"]
    for k, v in repeats.summary.items():
        assert v == report["summary"][k], k


def test_example_corpus_equals_cli_and_scan(spark, spark_mod, example_corpus, neardup_bin):
    cli = example_corpus.cli(neardup_bin)
    assert neardup.scan(example_corpus.texts, ids=example_corpus.ids) == cli
    r = spark_mod.find_repeats(frame(spark, example_corpus.ids, example_corpus.texts))
    same(r, cli)
    assert cli["summary"]["partial"] and cli["summary"]["near_duplicate"] and cli["passages"]
    assert r.summary["boilerplate_only"] > 0


def test_options_reach_every_stage(spark, spark_mod, example_corpus, neardup_bin):
    flags = ["--keep", "longest", "--cluster-partial", "--min-words", "30", "--boilerplate-df", "3"]
    cli = example_corpus.cli(neardup_bin, *flags)
    r = spark_mod.find_repeats(
        frame(spark, example_corpus.ids, example_corpus.texts),
        keep="longest", cluster_partial=True, min_words=30, boilerplate_df=3,
    )
    same(r, cli)
    assert cli != example_corpus.cli(neardup_bin)


def test_planted_corpus_equals_cli(spark, spark_mod, planted_corpus, neardup_bin):
    cli = planted_corpus.cli(neardup_bin)
    df = frame(spark, planted_corpus.ids, planted_corpus.texts).repartition(8)
    r = spark_mod.find_repeats(df)
    same(r, cli)
    s = cli["summary"]
    # The corpus exercises every stage: partial and whole copies, the chrome
    # rule (pairs sharing only the footer are boilerplate), passages, and a
    # cluster of the 40 pages carrying the syndicated article.
    assert s["partial"] > 100 and s["near_duplicate"] > 100
    assert s["boilerplate_only"] > 0 and s["passages"] > 0
    assert max(len(c["drop"]) for c in cli["clusters"]) + 1 >= 40


def test_bucket_caps_as_the_scan(spark, spark_mod):
    """A fingerprint carried by more than 32 documents, and a band key by
    more than 128, pair each document with the one before it only."""
    rng = random.Random(11)

    def words(n):
        return " ".join(f"w{rng.randrange(50_000)}" for _ in range(n))

    article, page = words(300), words(400)
    texts = [words(250) + "\n" + article for _ in range(40)]  # content bucket of 40
    texts += [page] * 130  # band and fingerprint buckets of 130
    texts += [words(300) for _ in range(30)]
    ids = [f"d{i:03}" for i in range(len(texts))]
    rng.shuffle(ids)
    py = neardup.scan(texts, ids=ids, boilerplate_df=1000)
    r = spark_mod.find_repeats(frame(spark, ids, texts).repartition(3), boilerplate_df=1000)
    same(r, py)
    kinds = [p["kind"] for p in py["pairs"]]
    assert kinds.count("near_duplicate") == 129, "the chain of 130 copies"
    # The 40 pages: the chain, and the pairs their band keys propose.
    assert 39 <= kinds.count("partial") < 40 * 39 // 2


def test_records_named_by_a_numeric_id_column_and_parquet(spark, spark_mod, tmp_path):
    rng = random.Random(3)
    article = " ".join(f"w{rng.randrange(50_000)}" for _ in range(300))
    texts = [article, "intro words here\n" + article, " ".join(f"v{i}" for i in range(300))]
    df = spark.createDataFrame([(10, texts[0]), (2, texts[1]), (3, texts[2])], "doc long, body string")
    r = spark_mod.find_repeats(df, text_col="body", id_col="doc", output=str(tmp_path / "out"))
    py = neardup.scan(texts, ids=[10, 2, 3])
    same(r, py)
    assert [(p["a"], p["b"]) for p in py["pairs"]] == [("10", "2")], "ids compare as strings"
    assert (tmp_path / "out" / "pairs").is_dir() and (tmp_path / "out" / "clusters").is_dir()
    assert spark.read.parquet(str(tmp_path / "out" / "pairs")).count() == 1


def test_bad_input_and_options_raise(spark, spark_mod):
    df = frame(spark, ["a", "a"], ["x y z", "x y"])
    with pytest.raises(ValueError, match="duplicate document id 'a'"):
        spark_mod.find_repeats(df)
    with pytest.raises(ValueError, match="min-words must be at least 1, got 0"):
        spark_mod.find_repeats(frame(spark, ["a"], ["x"]), min_words=0)
    with pytest.raises(ValueError, match="no column 'text'"):
        spark_mod.find_repeats(spark.createDataFrame([("a", "x")], "id string, body string"))
    with pytest.raises(TypeError, match="must be a string column"):
        spark_mod.find_repeats(spark.createDataFrame([("a", 1)], "id string, text int"))


def test_components_match_union_find(spark, spark_mod):
    rng = random.Random(7)
    nodes = [f"n{i:03}" for i in range(300)]
    edges = set()
    for _ in range(260):
        a, b = rng.sample(nodes, 2)
        edges.add((min(a, b), max(a, b)))
    # A long path, the worst case for label propagation.
    edges |= {(f"p{i:03}", f"p{i + 1:03}") for i in range(120)}
    parent: dict[str, str] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    want = {x: find(x) for e in edges for x in e}
    # Roots are the smallest member: union by smaller root keeps that.
    df = spark.createDataFrame(sorted(edges), "a string, b string")
    got = {r.id: r.root for r in spark_mod._components(df).collect()}
    assert got == want
