"""neardup.scan, sketch and verify: the engine's answers, its checks, its
errors, and the same report as the command line."""

from __future__ import annotations

import pickle
import random
import threading
import time

import pytest

import neardup


def words(n: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(f"w{rng.randrange(50_000)}" for _ in range(n))


ARTICLE = words(300, 1)


def test_summary_of_two_short_texts():
    s = neardup.scan(["...", "..."])["summary"]
    assert s["documents"] == 2 and s["pairs"] == 0


def test_finds_whole_and_partial_copies_by_id():
    texts = [ARTICLE, words(200, 2) + "\n" + ARTICLE + "\n" + words(200, 3), words(300, 4), ARTICLE]
    r = neardup.scan(texts, ids=["d", "c", "b", "a"])
    assert [d["path"] for d in r["documents"]] == ["a", "b", "c", "d"], "ordered by id"
    got = [(p["a"], p["b"], p["kind"]) for p in r["pairs"]]
    assert got == [("a", "c", "partial"), ("a", "d", "near_duplicate"), ("c", "d", "partial")]
    assert r["clusters"] == [{"keep": "a", "drop": ["d"]}]
    # Spans are byte offsets into the text as UTF-8.
    span = r["pairs"][0]["spans"][0]
    text_c = texts[1]
    assert text_c.encode()[span["b"]["start"]:span["b"]["end"]].decode() == ARTICLE
    assert span["b"]["line_start"] == 2
    # Default ids are positions; records name themselves.
    assert [d["path"] for d in neardup.scan(texts)["documents"]] == ["0", "1", "2", "3"]
    recs = [{"id": f"r{i}", "body": t} for i, t in enumerate(texts)]
    r2 = neardup.scan(recs, text_field="body")
    assert [(p["a"], p["b"]) for p in r2["pairs"]] == [("r0", "r1"), ("r0", "r3"), ("r1", "r3")]


def test_byte_offsets_count_utf8():
    head = "Überschrift – ein Vorspann mit Umlauten äöü\n"
    r = neardup.scan([ARTICLE, head + ARTICLE], ids=["a", "b"])
    span = r["pairs"][0]["spans"][0]
    assert span["b"]["start"] == len(head.encode()), "bytes, not characters"
    assert span["b"]["line_start"] == 2 and span["b"]["col_start"] == 1


@pytest.mark.parametrize(
    "options, message",
    [
        ({"min_words": 0}, "min-words must be at least 1, got 0"),
        ({"min_words": -5}, "min-words must be at least 1, got -5"),
        ({"max_gap": 200_000}, "max-gap must be within 0..=100000, got 200000"),
        ({"shingle": 0}, "shingle must be within 1..=16, got 0"),
        ({"boilerplate_df": 1}, "boilerplate-df must be at least 2, got 1"),
        ({"near_threshold": 1.5}, "near-threshold must be within 0..=1, got 1.5"),
        ({"lsh_threshold": float("nan")}, "lsh-threshold must be within 0..=1"),
        ({"keep": "last"}, "keep must be 'first' or 'longest'"),
    ],
)
def test_bad_values_raise_value_error_naming_the_option(options, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("(", r"\(")):
        neardup.scan(["a b c"], **options)
    with pytest.raises(ValueError):
        neardup.Options(**options)


def test_unknown_options_and_wrong_types_raise_type_error():
    with pytest.raises(TypeError, match="unknown option"):
        neardup.scan(["x"], min_wrds=10)
    with pytest.raises(TypeError, match="min-words must be an integer"):
        neardup.scan(["x"], min_words="ten")
    with pytest.raises(TypeError):
        neardup.scan("one string")
    with pytest.raises(TypeError):
        neardup.scan([b"bytes"])
    with pytest.raises(TypeError):
        neardup.sketch(None)


def test_bad_inputs_raise_value_error():
    with pytest.raises(ValueError, match='duplicate document id "x"'):
        neardup.scan(["a", "b"], ids=["x", "x"])
    with pytest.raises(ValueError, match="2 ids for 1 texts"):
        neardup.scan(["a"], ids=["x", "y"])
    with pytest.raises(ValueError, match="no 'text' field"):
        neardup.scan([{"id": 1}])


def test_options_change_the_answer_and_are_checked_once():
    texts = [ARTICLE, ARTICLE + " " + words(40, 5)]
    assert neardup.scan(texts)["pairs"][0]["kind"] == "near_duplicate"
    assert neardup.scan(texts, near_threshold=0.95)["pairs"][0]["kind"] == "partial"
    opts = neardup.Options(min_words=400)
    assert neardup.scan(texts, options=opts)["pairs"][0]["kind"] == "near_duplicate"
    partial = [ARTICLE, words(200, 6) + " " + ARTICLE[: len(ARTICLE) // 2]]
    assert neardup.scan(partial)["pairs"][0]["kind"] == "partial"
    assert neardup.scan(partial, options=opts)["pairs"] == [], "a span of 150 words < 400"
    again = pickle.loads(pickle.dumps(opts))
    assert again.given == {"min_words": 400}
    with pytest.raises(TypeError, match="not both"):
        neardup.scan(texts, options=opts, min_words=3)


def test_known_boilerplate_text_is_chrome():
    footer = words(120, 9)
    texts = [words(200, 10) + "\n" + footer, words(200, 11) + "\n" + footer]
    assert neardup.scan(texts)["pairs"], "a shared footer alone is a finding between two"
    r = neardup.scan(texts, boilerplate=footer)
    assert r["pairs"] == [], "known chrome proposes no pair"


def test_sketch_is_plain_data():
    s = neardup.sketch(ARTICLE)
    assert isinstance(s, neardup.Sketch)
    assert len(s.band_keys) == 25 and s.words == 300 and s.bytes == len(ARTICLE)
    assert s.fingerprints == sorted(set(s.fingerprints), key=lambda h: h % (1 << 64))
    assert all(-(1 << 63) <= h < (1 << 63) for h in s.fingerprints + s.band_keys)
    assert len(s.sequence_hashes) == len(s.sequence_positions)
    assert set(s.sequence_hashes) == set(s.fingerprints)
    assert pickle.loads(pickle.dumps(s)) == s
    assert neardup.sketch(ARTICLE) == s, "a pure function"
    assert neardup.sketch(ARTICLE, num_perm=64).band_keys != s.band_keys
    assert neardup.sketch("").band_keys == []


def test_verify_is_the_scans_pair():
    texts = [ARTICLE, words(150, 2) + "\n" + ARTICLE[: len(ARTICLE) // 2]]
    r = neardup.scan(texts, ids=["a", "b"])
    assert neardup.verify(texts[0], texts[1]) == r["pairs"][0]
    assert neardup.verify(texts[0], texts[1], ids=("x", "y"))["a"] == "x"
    assert neardup.verify(ARTICLE, words(300, 3)) is None
    # Chrome as the corpus decided it makes a span boilerplate.
    footer = words(120, 9)
    a, b = words(200, 10) + "\n" + footer, words(200, 11) + "\n" + footer
    assert neardup.verify(a, b)["spans"][0]["boilerplate"] is False
    fps = neardup.sketch(footer).fingerprints
    assert neardup.verify(a, b, chrome=fps, universal=fps) is None
    opts = neardup.Options()
    assert neardup._verify(a, b, fps, fps, ("a", "b"), opts)[0] == 1, "boilerplate only"


def test_a_phrase_only_the_pair_repeats_is_not_chrome_for_it():
    # A passage that says a phrase twice, in two pages: the scan finds that
    # only these two repeat it, and verify does too when told so (paired).
    phrase = words(8, 20)
    passage = f"{words(20, 21)} {phrase} {words(24, 22)} {phrase} {words(10, 23)}"
    a = f"{words(100, 24)} {passage} {words(90, 25)}"
    b = f"{words(80, 26)} {passage} {words(110, 27)}"
    pair = neardup.scan([a, b], ids=["a", "b"])["pairs"][0]
    assert pair["spans"][0]["boilerplate"] is False
    rep = neardup.sketch(a).repeated
    assert rep, "the phrase repeats"
    assert neardup.verify(a, b, chrome=rep, paired=rep) == pair
    # Told only that it is chrome (a third page repeats it), the passage is
    # boilerplate: nothing is flagged.
    assert neardup.verify(a, b, chrome=rep) is None


def test_the_gil_is_released_while_scanning():
    long = words(5000, 77)
    texts = [words(3000, i) + " " + long for i in range(40)] + [long] * 30
    ticks = 0
    done = threading.Event()

    def work():
        t0 = time.perf_counter()
        neardup.scan(texts)
        work.elapsed = time.perf_counter() - t0
        done.set()

    t = threading.Thread(target=work)
    t.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    t.join()
    # With the GIL held for the whole scan, this loop would not run at all
    # until the scan returned.
    assert work.elapsed > 0.05
    assert ticks >= 5, (ticks, work.elapsed)


def test_same_report_as_the_cli_on_the_example_corpus(example_corpus, neardup_bin):
    cli = example_corpus.cli(neardup_bin)
    py = neardup.scan(example_corpus.texts, ids=example_corpus.ids)
    assert py == cli
    assert cli["summary"]["pairs"] > 0 and cli["summary"]["passages"] > 0
    flags = {"--keep": "longest", "--min-words": "30", "--cluster-partial": None}
    cli = example_corpus.cli(neardup_bin, "--keep", "longest", "--min-words", "30", "--cluster-partial")
    py = neardup.scan(example_corpus.texts, ids=example_corpus.ids,
                      keep="longest", min_words=30, cluster_partial=True)
    assert py == cli, flags


def test_same_report_as_the_cli_on_a_planted_corpus(planted_corpus, neardup_bin):
    cli = planted_corpus.cli(neardup_bin)
    py = neardup.scan(planted_corpus.texts, ids=planted_corpus.ids)
    assert py["summary"] == cli["summary"]
    assert py == cli
    s = cli["summary"]
    assert s["partial"] > 100 and s["near_duplicate"] > 100 and s["passages"] > 0
