"""neardup on a PySpark DataFrame: the scan's findings, spans included, at
cluster scale.

:func:`find_repeats` runs the scan's stages as DataFrame operations around
the engine's per-document and per-pair steps (``neardup._neardup``):

1. **sketch** each document where it is (``mapInArrow``: Arrow batches);
2. **chrome**: explode the passage fingerprints, count documents per
   fingerprint; a fingerprint in at least ``df`` documents (1% of the corpus,
   at least 10, or ``boilerplate_df``) is chrome, in a tenth of the corpus
   universal; one that two documents each repeat is chrome too (the scan's
   rule, :meth:`neardup.Options.thresholds`), except, when exactly two do,
   for the pair of those two if their shared passage repeats it the same
   way (``paired``, passed to verification);
3. **content fingerprints** per document, given its chrome;
4. **candidates**: documents sharing content fingerprints (a bucket of up to
   32 documents gives every pair, a larger one each document with the one
   before it by id; two shared fingerprints needed), and documents sharing
   an LSH band key (up to 128 every pair, else the chain), the band-only
   pairs filtered by the scan's rule;
5. **verify** every candidate pair with both texts joined in;
6. **clusters** by connected components (a large-star/small-star loop of
   joins, checkpointed; nothing of the graph is collected to the driver),
   keep/drop as the scan decides;
7. **passages**: stretches of frequent text grouped as the scan groups them
   (the driver holds only the passages' first stretches, fetched in batches).

The result equals ``neardup.scan`` (and the command line) on the same
documents: the same pairs, spans, clusters and passages.
"""

from __future__ import annotations

import bisect
import logging
import time
from typing import Any, Iterator, NamedTuple, Optional

import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from . import Options, _neardup, _options

_log = logging.getLogger("neardup.spark")

__all__ = ["find_repeats", "Repeats", "PAIR_TYPE", "PASSAGES_TYPE", "CLUSTERS_TYPE"]

_LONGS = T.ArrayType(T.LongType(), containsNull=False)
_PA_LONGS = pa.list_(pa.int64())

_LOCATION = T.StructType(
    [
        T.StructField(f, T.LongType())
        for f in ("start", "end", "line_start", "col_start", "line_end", "col_end")
    ]
)
_SPAN = T.StructType(
    [
        T.StructField("a", _LOCATION),
        T.StructField("b", _LOCATION),
        T.StructField("words", T.LongType()),
        T.StructField("similarity", T.DoubleType()),
        T.StructField("boilerplate", T.BooleanType()),
    ]
)
_MOVED = T.StructType(
    [
        T.StructField("blocks", T.LongType()),
        T.StructField("words", T.LongType()),
        T.StructField(
            "ranges",
            T.ArrayType(
                T.StructType(
                    [
                        T.StructField("a", T.ArrayType(T.LongType())),
                        T.StructField("b", T.ArrayType(T.LongType())),
                    ]
                )
            ),
        ),
    ]
)
#: One row of ``pairs_df``: the JSON report's pair (``moved`` null when absent).
PAIR_TYPE = T.StructType(
    [
        T.StructField("a", T.StringType()),
        T.StructField("b", T.StringType()),
        T.StructField("kind", T.StringType()),
        T.StructField("jaccard", T.DoubleType()),
        T.StructField("containment", T.ArrayType(T.DoubleType())),
        T.StructField("coverage", T.ArrayType(T.DoubleType())),
        T.StructField("spans", T.ArrayType(_SPAN)),
        T.StructField("moved", _MOVED),
    ]
)
#: One row of ``passages_df``: one place of a shared passage.
PASSAGES_TYPE = T.StructType(
    [
        T.StructField("passage", T.IntegerType()),
        T.StructField("words", T.IntegerType()),
        T.StructField("documents", T.LongType()),
        T.StructField("excerpt", T.StringType()),
        T.StructField("place", T.IntegerType()),
        T.StructField("id", T.StringType()),
    ]
    + list(_LOCATION.fields)
)
#: One row of ``clusters_df``.
CLUSTERS_TYPE = T.StructType(
    [
        T.StructField("keep", T.StringType()),
        T.StructField("drop", T.ArrayType(T.StringType())),
    ]
)


class Repeats(tuple):
    """``(pairs_df, passages_df, clusters_df)``, with :attr:`summary`.

    * ``pairs_df``: one row per flagged pair, ordered by ``(a, b)``: ``a``,
      ``b`` (ids, ``a`` first), ``kind``, ``jaccard``, ``containment``,
      ``coverage``, ``spans`` (structs shaped like the JSON report's spans,
      ``boilerplate`` included) and ``moved`` (null when absent).
    * ``passages_df``: one row per place of a shared passage: ``passage``
      (its position in the report's ``passages``), ``words``, ``documents``,
      ``excerpt``, ``place`` (the position of this place in its passage),
      ``id`` and the place's ``start``, ``end``, ``line_start``,
      ``col_start``, ``line_end``, ``col_end``.
    * ``clusters_df``: ``keep`` and ``drop`` (ids), ordered by ``keep``.
    """

    summary: dict

    def __new__(
        cls, pairs: DataFrame, passages: DataFrame, clusters: DataFrame, summary: dict
    ) -> "Repeats":
        self = super().__new__(cls, (pairs, passages, clusters))
        self.summary = summary
        return self

    @property
    def pairs(self) -> DataFrame:
        return self[0]

    @property
    def passages(self) -> DataFrame:
        return self[1]

    @property
    def clusters(self) -> DataFrame:
        return self[2]


def _col(b: pa.RecordBatch, name: str, to: Optional[pa.DataType] = None) -> pa.Array:
    c = b.column(b.schema.get_field_index(name))
    return c if to is None or c.type == to else c.cast(to)


def _schema(st: T.StructType) -> pa.Schema:
    conv = {
        T.StringType: pa.string(),
        T.IntegerType: pa.int32(),
        T.LongType: pa.int64(),
        T.BooleanType: pa.bool_(),
    }

    def one(t: T.DataType) -> pa.DataType:
        if isinstance(t, T.ArrayType):
            return pa.list_(one(t.elementType))
        if isinstance(t, T.StructType):
            return pa.struct([pa.field(f.name, one(f.dataType)) for f in t.fields])
        return conv[type(t)]

    return pa.schema([pa.field(f.name, one(f.dataType)) for f in st.fields])


_SKETCH = T.StructType(
    [
        T.StructField("id", T.StringType()),
        T.StructField("words", T.IntegerType()),
        T.StructField("header_words", T.IntegerType()),
        T.StructField("band_keys", _LONGS),
        T.StructField("fingerprints", _LONGS),
        T.StructField("repeated", _LONGS),
        T.StructField("seq_h", _LONGS),
        T.StructField("seq_p", T.ArrayType(T.IntegerType(), containsNull=False)),
    ]
)

_STRETCH = T.StructType(
    [
        T.StructField("start", T.IntegerType()),
        T.StructField("end", T.IntegerType()),
        T.StructField("hashes", _LONGS),
    ]
)

_VIEW = T.StructType(
    [
        T.StructField("id", T.StringType()),
        T.StructField("words", T.IntegerType()),
        T.StructField("band_keys", _LONGS),
        T.StructField("fingerprints", _LONGS),
        T.StructField("content", _LONGS),
        T.StructField("chrome", _LONGS),
        T.StructField("universal", _LONGS),
        T.StructField("paired", _LONGS),
        T.StructField("stretches", T.ArrayType(_STRETCH)),
    ]
)


def _sketch_step(opts: Options):
    schema = _schema(_SKETCH)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        native = opts.native
        for b in batches:
            texts = ["" if t is None else t for t in _col(b, "text").to_pylist()]
            sk = _neardup.sketch_many(texts, native)
            yield pa.RecordBatch.from_arrays(
                [
                    _col(b, "id"),
                    pa.array([s[5] for s in sk], pa.int32()),
                    pa.array([s[6] for s in sk], pa.int32()),
                    pa.array([s[0] for s in sk], _PA_LONGS),
                    pa.array([s[1] for s in sk], _PA_LONGS),
                    pa.array([s[2] for s in sk], _PA_LONGS),
                    pa.array([s[3] for s in sk], _PA_LONGS),
                    pa.array([s[4] for s in sk], pa.list_(pa.int32())),
                ],
                schema=schema,
            )

    return run


def _view_step(opts: Options):
    schema = _schema(_VIEW)
    stretch_type = schema.field("stretches").type

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        native = opts.native
        for b in batches:
            seq_h = _col(b, "seq_h").to_pylist()
            seq_p = _col(b, "seq_p").to_pylist()
            rep = _col(b, "repeated").to_pylist()
            hdr = _col(b, "header_words").to_pylist()
            chrome = _col(b, "chrome").to_pylist()
            univ = _col(b, "universal").to_pylist()
            freq = _col(b, "frequent").to_pylist()
            content, stretches = [], []
            for i in range(b.num_rows):
                content.append(
                    _neardup.content_fingerprints(
                        seq_h[i], seq_p[i], rep[i], hdr[i], chrome[i], univ[i], native
                    )
                )
                stretches.append(
                    [
                        {"start": s, "end": e, "hashes": h}
                        for s, e, h in (
                            _neardup.frequent_stretches(seq_h[i], seq_p[i], freq[i], native)
                            if freq[i]
                            else ()
                        )
                    ]
                )
            yield pa.RecordBatch.from_arrays(
                [
                    _col(b, "id"),
                    _col(b, "words"),
                    _col(b, "band_keys", _PA_LONGS),
                    _col(b, "fingerprints", _PA_LONGS),
                    pa.array(content, _PA_LONGS),
                    _col(b, "chrome", _PA_LONGS),
                    _col(b, "universal", _PA_LONGS),
                    _col(b, "paired", _PA_LONGS),
                    pa.array(stretches, stretch_type),
                ],
                schema=schema,
            )

    return run


_AB = T.StructType([T.StructField("a", T.StringType()), T.StructField("b", T.StringType())])

_VERIFIED = T.StructType(
    [
        T.StructField("a", T.StringType()),
        T.StructField("b", T.StringType()),
        T.StructField("status", T.IntegerType()),
        T.StructField("pair", T.StringType()),
    ]
)


def _signature_step(opts: Options):
    schema = _schema(_AB)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        native = opts.native
        for b in batches:
            cols = {
                n: _col(b, n).to_pylist()
                for n in (
                    "a", "b", "fa", "ca", "xa", "ua", "fb", "cb", "xb", "ub",
                )
            }
            keep = [
                _neardup.keep_signature_pair(
                    cols["fa"][i],
                    cols["ca"][i],
                    cols["fb"][i],
                    cols["cb"][i],
                    cols["xa"][i] + cols["xb"][i],
                    cols["ua"][i] + cols["ub"][i],
                    native,
                )
                for i in range(b.num_rows)
            ]
            mask = pa.array(keep, pa.bool_())
            yield pa.RecordBatch.from_arrays(
                [_col(b, "a").filter(mask), _col(b, "b").filter(mask)], schema=schema
            )

    return run


def _verify_step(opts: Options):
    schema = _schema(_VERIFIED)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        native = opts.native
        for b in batches:
            a, b_ = _col(b, "a").to_pylist(), _col(b, "b").to_pylist()
            ta, tb = _col(b, "ta").to_pylist(), _col(b, "tb").to_pylist()
            xa, xb = _col(b, "xa").to_pylist(), _col(b, "xb").to_pylist()
            ua, ub = _col(b, "ua").to_pylist(), _col(b, "ub").to_pylist()
            pa_, pb = _col(b, "pa").to_pylist(), _col(b, "pb").to_pylist()
            status, pairs = [], []
            for i in range(b.num_rows):
                s, p = _neardup.verify(
                    a[i],
                    ta[i] or "",
                    b_[i],
                    tb[i] or "",
                    xa[i] + xb[i],
                    ua[i] + ub[i],
                    pa_[i] + pb[i],
                    native,
                )
                status.append(s)
                pairs.append(p)
            yield pa.RecordBatch.from_arrays(
                [
                    _col(b, "a"),
                    _col(b, "b"),
                    pa.array(status, pa.int32()),
                    pa.array(pairs, pa.string()),
                ],
                schema=schema,
            )

    return run


def _bucket_pairs(exploded: DataFrame, cap: int, exclusive: int = 0) -> DataFrame:
    """Pairs from documents sharing a hash ``h`` (columns ``id``, ``h``), as
    the scan emits them: a bucket of 2 to ``cap`` documents gives every
    pair, a larger one each document with the one before it by id. One
    row per emitted pair (a pair sharing several hashes recurs), with a
    weight ``w``: ``1 + exclusive`` for a bucket of two (a hash only the
    pair carries), else 1."""
    by_h = Window.partitionBy("h")
    x = exploded.withColumn("n", F.count(F.lit(1)).over(by_h)).withColumn(
        "prev", F.lag("id").over(by_h.orderBy("id"))
    )
    small = x.where((F.col("n") >= 2) & (F.col("n") <= cap)).select("h", "id", "n")
    full = (
        small.alias("l")
        .join(small.alias("r"), on="h")
        .where(F.col("l.id") < F.col("r.id"))
        .select(
            F.col("l.id").alias("a"),
            F.col("r.id").alias("b"),
            F.when(F.col("l.n") == 2, F.lit(1 + exclusive)).otherwise(F.lit(1)).alias("w"),
        )
    )
    chain = x.where((F.col("n") > cap) & F.col("prev").isNotNull()).select(
        F.col("prev").alias("a"), F.col("id").alias("b"), F.lit(1).alias("w")
    )
    return full.unionByName(chain)


def _checkpoint(df: DataFrame) -> DataFrame:
    sc = df.sparkSession.sparkContext
    if sc.getCheckpointDir():
        return df.checkpoint(eager=True)
    return df.localCheckpoint(eager=True)


def _components(edges: DataFrame) -> DataFrame:
    """Connected components of undirected ``edges`` (``a``, ``b``): ``id``,
    ``root`` (the smallest id of its component) for every node in an edge,
    by alternating large-star and small-star rounds (Kiveris et al. 2014)
    until the edges form one star per component."""
    e = _checkpoint(
        edges.select(
            F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v")
        ).distinct()
    )
    while True:
        # Large star: each node's larger neighbours go to the smallest of
        # its neighbourhood (itself included).
        both = e.unionByName(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
        m = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
        large = (
            both.where(F.col("v") > F.col("u"))
            .join(m, "u")
            .select(F.col("v").alias("u"), F.col("m").alias("v"))
            .distinct()
        )
        # Small star: each node and its smaller neighbours go to the
        # smallest of them.
        m2 = large.groupBy("u").agg(F.min("v").alias("m"))
        small = (
            large.join(m2, "u")
            .select(F.col("v").alias("u"), F.col("m").alias("v"))
            .where(F.col("u") != F.col("v"))
            .unionByName(m2.select("u", F.col("m").alias("v")))
            .distinct()
        )
        small = _checkpoint(small)
        if small.exceptAll(e).isEmpty() and e.exceptAll(small).isEmpty():
            break
        e = small
    return e.select(F.col("u").alias("id"), F.col("v").alias("root")).unionByName(
        e.select(F.col("v").alias("id"), F.col("v").alias("root"))
    ).distinct()


class _Clock:
    """Logs (``neardup.spark``, INFO) the seconds each stage took."""

    def __init__(self) -> None:
        self.t = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        _log.info("%s: %.2f s", stage, now - self.t)
        self.t = now


class _Founder(NamedTuple):
    id: str
    start: int
    end: int
    hashes: list


_FOUNDER = T.StructType(
    [
        T.StructField("id", T.StringType()),
        T.StructField("start", T.IntegerType()),
        T.StructField("end", T.IntegerType()),
        T.StructField("hashes", _LONGS),
    ]
)


def _founder_step(founders: list):
    schema = _schema(_FOUNDER)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        groups = _neardup.PassageGroups(founders)
        for b in batches:
            hashes = _col(b, "hashes").to_pylist()
            mask = pa.array([groups.best(h) is None for h in hashes], pa.bool_())
            yield pa.RecordBatch.from_arrays(
                [_col(b, n, t).filter(mask) for n, t in
                 (("id", None), ("start", None), ("end", None), ("hashes", _PA_LONGS))],
                schema=schema,
            )

    return run


_PLACED = T.StructType(
    [
        T.StructField("passage", T.IntegerType()),
        T.StructField("first", T.BooleanType()),
        T.StructField("id", T.StringType()),
        T.StructField("start", T.IntegerType()),
        T.StructField("end", T.IntegerType()),
    ]
)

_LOCATED = T.StructType(
    [
        T.StructField("passage", T.IntegerType()),
        T.StructField("first", T.BooleanType()),
        T.StructField("id", T.StringType()),
        T.StructField("wstart", T.IntegerType()),
    ]
    + list(_LOCATION.fields)
    + [T.StructField("excerpt", T.StringType())]
)


def _place_step(founders: list, times: list):
    schema = _schema(_PLACED)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        groups = _neardup.PassageGroups(founders)
        for b in batches:
            ids, starts = _col(b, "id").to_pylist(), _col(b, "start").to_pylist()
            hashes = _col(b, "hashes").to_pylist()
            out, first = [], []
            for i in range(b.num_rows):
                before = bisect.bisect_left(times, (ids[i], starts[i]))
                p = groups.best(hashes[i], before)
                if p is None:
                    # Founded no earlier passage: it is the founder itself.
                    assert times[before] == (ids[i], starts[i]), "a founder was missed"
                    p = before
                out.append(p)
                first.append(p == before and times[before] == (ids[i], starts[i]))
            yield pa.RecordBatch.from_arrays(
                [
                    pa.array(out, pa.int32()),
                    pa.array(first, pa.bool_()),
                    _col(b, "id"),
                    _col(b, "start"),
                    _col(b, "end"),
                ],
                schema=schema,
            )

    return run


def _locate_step():
    schema = _schema(_LOCATED)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            texts = _col(b, "text").to_pylist()
            starts, ends = _col(b, "start").to_pylist(), _col(b, "end").to_pylist()
            first = _col(b, "first").to_pylist()
            cols: list[list] = [[] for _ in range(7)]
            for i in range(b.num_rows):
                loc = _neardup.passage_places(texts[i] or "", [(starts[i], ends[i])])[0]
                for c, v in zip(cols, loc):
                    c.append(v)
                if not first[i]:
                    cols[6][-1] = None
            yield pa.RecordBatch.from_arrays(
                [_col(b, "passage"), _col(b, "first"), _col(b, "id"), _col(b, "start")]
                + [pa.array(c, pa.int64()) for c in cols[:6]]
                + [pa.array(cols[6], pa.string())],
                schema=schema,
            )

    return run


def _passages(spark, view: DataFrame, docs: DataFrame, df_threshold: int, batch: int):
    stretches = (
        view.select("id", F.explode("stretches").alias("s"))
        .select("id", "s.start", "s.end", "s.hashes")
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    # The founders, in id then position order. A stretch founds a passage
    # only if no passage founded before it takes it, so the stretches that
    # no known founder takes include every founder still to come: fetch
    # them in order, a batch at a time, and decide them on the driver.
    founders: list[_Founder] = []
    groups = _neardup.PassageGroups()
    after: Optional[tuple] = None
    while True:
        rest = stretches
        if after is not None:
            rest = rest.where(
                (F.col("id") > after[0])
                | ((F.col("id") == after[0]) & (F.col("start") > after[1]))
            )
        rows = (
            rest.mapInArrow(_founder_step([f.hashes for f in founders]), _FOUNDER)
            .orderBy("id", "start")
            .limit(batch)
            .collect()
        )
        for r in rows:
            _, founded = groups.place(list(r.hashes))
            if founded:
                founders.append(_Founder(r.id, r.start, r.end, list(r.hashes)))
        if len(rows) < batch:
            break
        after = (rows[-1].id, rows[-1].start)
    placed = stretches.mapInArrow(
        _place_step([f.hashes for f in founders], [(f.id, f.start) for f in founders]),
        _PLACED,
    ).persist(StorageLevel.MEMORY_AND_DISK)
    counts = {
        r.passage: r.documents
        for r in placed.groupBy("passage").agg(F.countDistinct("id").alias("documents")).collect()
    }
    min_docs = max(df_threshold, 2)
    kept = [p for p in range(len(founders)) if counts.get(p, 0) >= min_docs]
    kept.sort(
        key=lambda p: (
            -counts[p],
            -(founders[p].end - founders[p].start),
            (founders[p].id, founders[p].start, founders[p].end),
        )
    )
    ranks = spark.createDataFrame(
        [(p, i, founders[p].end - founders[p].start, counts[p]) for i, p in enumerate(kept)],
        "passage int, rank int, words int, documents long",
    )
    located = (
        placed.join(F.broadcast(ranks), "passage")
        .select(F.col("rank").alias("passage"), "first", "id", "start", "end")
        .join(docs, "id")
        .mapInArrow(_locate_step(), _LOCATED)
    )
    excerpts = located.where("first").select("passage", "excerpt")
    by_place = Window.partitionBy("passage").orderBy("id", "wstart")
    passages = (
        located.drop("excerpt", "first")
        .join(excerpts, "passage")
        .join(
            ranks.select(F.col("rank").alias("passage"), "words", "documents"), "passage"
        )
        .withColumn("place", (F.row_number().over(by_place) - 1).cast("int"))
        .select(*PASSAGES_TYPE.fieldNames())
    )
    return passages, [stretches, placed]


def find_repeats(
    df: DataFrame,
    text_col: str = "text",
    id_col: str = "id",
    *,
    output: Optional[str] = None,
    mode: str = "errorifexists",
    passage_batch: int = 1000,
    options: Optional[Options] = None,
    **kwargs: Any,
) -> Repeats:
    """Finds the documents of ``df`` that repeat each other, whole or in part.

    ``df`` has one document per row: its text in ``text_col`` (a string) and
    its id in ``id_col`` (cast to a string; unique, not null). Options are
    those of :func:`neardup.scan` (``min_words=80``, ``boilerplate_df=50``,
    ...), checked the same way. Returns :class:`Repeats` ``(pairs_df,
    passages_df, clusters_df)``, the same findings ``neardup.scan`` gives on
    the same documents; with ``output`` (a directory path), the three are
    also written as Parquet (``output/pairs``, ``output/passages``,
    ``output/clusters``, with ``mode``) and returned as read back.
    """
    opts = _options(options, kwargs)
    spark = df.sparkSession
    clock = _Clock()
    fields = {f.name: f.dataType for f in df.schema.fields}
    for c in (text_col, id_col):
        if c not in fields:
            raise ValueError(f"no column {c!r} (columns: {', '.join(fields)})")
    if not isinstance(fields[text_col], T.StringType):
        raise TypeError(f"{text_col!r} must be a string column, not {fields[text_col].simpleString()}")
    level = StorageLevel.MEMORY_AND_DISK
    docs = df.select(
        F.col(id_col).cast("string").alias("id"), F.col(text_col).alias("text")
    ).persist(level)
    held = [docs]
    if docs.where(F.col("id").isNull()).limit(1).count():
        raise ValueError(f"{id_col!r} has a null id")
    dup = docs.groupBy("id").count().where("count > 1").limit(1).collect()
    if dup:
        raise ValueError(f"duplicate document id {dup[0]['id']!r}")

    # 1. Sketch.
    sk = docs.mapInArrow(_sketch_step(opts), _SKETCH).persist(level)
    held.append(sk)
    n = sk.count()
    df_t, uni_t = opts.thresholds(n)
    clock(f"sketch ({n} documents)")

    # 2. Chrome by document frequency, and fingerprints two documents repeat.
    fp = sk.select("id", F.explode("fingerprints").alias("h"))
    freq = fp.groupBy("h").agg(F.count(F.lit(1)).alias("df")).where(F.col("df") >= df_t)
    rep = (
        sk.select("id", F.explode("repeated").alias("h"))
        .groupBy("h")
        .agg(F.count(F.lit(1)).alias("rep"))
        .where(F.col("rep") >= 2)
    )
    chrome = freq.join(rep, "h", "full_outer").select(
        "h",
        F.col("df").isNotNull().alias("frequent"),
        (F.coalesce(F.col("df"), F.lit(0)) >= uni_t).alias("universal"),
        # Chrome only because exactly two documents repeat it: for their
        # pair, verification may find it their shared passage's own repeat.
        (F.col("df").isNull() & (F.col("rep") == 2)).alias("paired"),
    )
    per_doc = (
        fp.join(chrome, "h")
        .groupBy("id")
        .agg(
            F.collect_list("h").alias("chrome"),
            F.collect_list(F.when(F.col("universal"), F.col("h"))).alias("universal"),
            F.collect_list(F.when(F.col("frequent"), F.col("h"))).alias("frequent"),
            F.collect_list(F.when(F.col("paired"), F.col("h"))).alias("paired"),
        )
    )
    empty = F.array().cast(_LONGS)
    joined = sk.join(per_doc, "id", "left").select(
        *[c for c in sk.columns],
        *[
            F.coalesce(F.col(c), empty).alias(c)
            for c in ("chrome", "universal", "frequent", "paired")
        ],
    )

    # 3. Content fingerprints and stretches of frequent text.
    view = joined.mapInArrow(_view_step(opts), _VIEW).persist(level)
    held.append(view)
    view.count()
    clock("chrome and content fingerprints")

    # 4. Candidates.
    content = view.select("id", F.explode("content").alias("h"))
    by_fp = (
        _bucket_pairs(
            content, opts.native.max_full_bucket, max(opts.native.min_shared - 1, 0)
        )
        .groupBy("a", "b")
        .agg(F.sum("w").alias("shared"))
        .where(F.col("shared") >= opts.native.min_shared)
        .select("a", "b")
    )
    keys = view.select("id", F.explode("band_keys").alias("h"))
    by_band = _bucket_pairs(keys, opts.native.max_full_band_bucket).select("a", "b").distinct()
    band_only = by_band.join(by_fp, ["a", "b"], "left_anti")
    side = view.select("id", "fingerprints", "content", "chrome", "universal")

    def sides(pairs: DataFrame, cols: dict) -> DataFrame:
        out = pairs
        for key, suffix in (("a", "a"), ("b", "b")):
            s = side.select(
                F.col("id").alias(key),
                *[F.col(src).alias(dst + suffix) for src, dst in cols.items()],
            )
            out = out.join(s, key)
        return out

    kept = sides(
        band_only, {"fingerprints": "f", "content": "c", "chrome": "x", "universal": "u"}
    ).mapInArrow(_signature_step(opts), _AB)
    candidates = by_fp.unionByName(kept).persist(level)
    held.append(candidates)
    clock(f"candidates ({candidates.count()})")

    # 5. Verify each candidate with both texts.
    texts = docs.join(view.select("id", "chrome", "universal", "paired"), "id")
    both = candidates
    for key, suffix in (("a", "a"), ("b", "b")):
        both = both.join(
            texts.select(
                F.col("id").alias(key),
                F.col("text").alias("t" + suffix),
                F.col("chrome").alias("x" + suffix),
                F.col("universal").alias("u" + suffix),
                F.col("paired").alias("p" + suffix),
            ),
            key,
        )
    verified = both.mapInArrow(_verify_step(opts), _VERIFIED).persist(level)
    held.append(verified)
    verified.count()
    clock("verify")
    pairs = (
        verified.where(F.col("status") == 2)
        .select(F.from_json("pair", PAIR_TYPE).alias("p"))
        .select("p.*")
        .orderBy("a", "b")
    )

    # 6. Clusters.
    linking = pairs if opts.native.cluster_partial else pairs.where(F.col("kind") == "near_duplicate")
    edges = linking.select("a", "b")
    if edges.isEmpty():
        clusters = spark.createDataFrame([], CLUSTERS_TYPE)
    else:
        comp = _components(edges)
        if opts.native.keep == "longest":
            ranked = comp.join(view.select("id", "words"), "id").withColumn(
                "r",
                F.row_number().over(
                    Window.partitionBy("root").orderBy(F.col("words").desc(), F.col("id"))
                ),
            )
            keeper = ranked.where(F.col("r") == 1).select("root", F.col("id").alias("keep"))
        else:
            keeper = comp.select("root", F.col("root").alias("keep")).distinct()
        clusters = (
            comp.join(keeper, "root")
            .groupBy("keep")
            .agg(
                F.array_sort(
                    F.collect_list(F.when(F.col("id") != F.col("keep"), F.col("id")))
                ).alias("drop")
            )
            .orderBy("keep")
        )

    clusters = clusters.persist(level)
    clock(f"clusters ({clusters.count()})")

    # 7. Shared passages.
    passages, more = _passages(spark, view, docs, df_t, passage_batch)
    held.extend(more)
    passages = passages.orderBy("passage", "place").persist(level)
    clock(f"passages ({passages.count()} places)")

    if output is not None:
        base = output.rstrip("/")
        for name, frame in (("pairs", pairs), ("passages", passages), ("clusters", clusters)):
            frame.write.mode(mode).parquet(f"{base}/{name}")
        pairs = spark.read.parquet(f"{base}/pairs").orderBy("a", "b")
        passages = spark.read.parquet(f"{base}/passages").orderBy("passage", "place")
        clusters = spark.read.parquet(f"{base}/clusters").orderBy("keep")
    else:
        pairs = pairs.persist(level)

    kinds = {r.kind: r["count"] for r in pairs.groupBy("kind").count().collect()}
    summary = {
        "documents": n,
        "pairs": sum(kinds.values()),
        "near_duplicate": kinds.get("near_duplicate", 0),
        "partial": kinds.get("partial", 0),
        "clusters": clusters.count(),
        "passages": passages.select("passage").distinct().count(),
        "verified": verified.count(),
        "boilerplate_only": verified.where(F.col("status") == 1).count(),
    }
    for h in held:
        h.unpersist()
    clock("summary")
    return Repeats(pairs, passages, clusters, summary)
