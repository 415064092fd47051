"""neardup: which documents repeat each other, whole or in part, and where.

The engine of the ``neardup`` command line (Rust), for Python:

* :func:`scan` gives the report ``neardup scan --format json`` gives, as a
  dict: flagged pairs with their aligned spans (byte offsets into each text
  as UTF-8, lines and columns), clusters with the copy to keep, shared
  passages (page chrome) and a summary.
* :func:`sketch` and :func:`verify` are the per-document and per-pair steps
  a distributed job calls in parallel (``neardup.spark`` does, on PySpark).

Options are the command line's under their Python names (``min_words=80``,
``near_threshold=0.9``, ``boilerplate=[text]``, ``keep="longest"``...) and are
checked as the command line checks them: a bad value raises ``ValueError``
naming the option, an unknown option ``TypeError``.

Documents are named by ids (strings, by default their position as a string)
and ordered by id, as the command line orders files by path: a pair's ``a``
is the first by id. Hashes are 64-bit integers given signed (the bits of the
engine's unsigned hashes), so they fit Arrow ``int64`` and Spark ``LongType``.

The engine releases the GIL while it works.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, Optional, Union

from . import _neardup

__all__ = [
    "Options",
    "Sketch",
    "scan",
    "sketch",
    "verify",
    "OPTION_NAMES",
    "__version__",
]

__version__: str = _neardup.__version__

#: The options, by their Python names (the command line's with ``_``).
OPTION_NAMES = (
    "min_words",
    "near_threshold",
    "min_similarity",
    "max_gap",
    "boilerplate",
    "boilerplate_df",
    "keep",
    "cluster_partial",
    "shingle",
    "window",
    "num_perm",
    "lsh_threshold",
)


class Options:
    """Validated options, reusable across calls (and picklable).

    ``Options(min_words=80)`` raises ``ValueError`` naming the option when a
    value is out of its range (``min-words must be at least 1, got 0``) and
    ``TypeError`` for an unknown option or a value of the wrong type.
    ``boilerplate`` takes the text of known chrome (a string or a list of
    strings), as the files of ``--boilerplate`` hold it.
    """

    __slots__ = ("_given", "_native")

    def __init__(self, **options: Any) -> None:
        if isinstance(options.get("boilerplate"), str):
            options["boilerplate"] = [options["boilerplate"]]
        self._given = dict(options)
        self._native = _neardup.Options(self._given)

    @property
    def given(self) -> dict:
        """The options as given (``None`` values are defaults)."""
        return dict(self._given)

    @property
    def native(self) -> Any:
        """The engine's options object."""
        return self._native

    def thresholds(self, n_docs: int) -> tuple[int, int]:
        """``(df, universal_df)``: text in ``df`` documents of a corpus of
        ``n_docs`` is chrome, in ``universal_df`` site-wide chrome."""
        return tuple(self._native.thresholds(n_docs))  # type: ignore[return-value]

    def __reduce__(self) -> tuple:
        return (_options_from, (self._given,))

    def __repr__(self) -> str:
        given = ", ".join(f"{k}={v!r}" for k, v in sorted(self._given.items()))
        return f"Options({given})"


def _options_from(given: dict) -> Options:
    return Options(**given)


def _options(options: Union[Options, None], kwargs: dict) -> Options:
    if options is not None:
        if kwargs:
            raise TypeError("give options either as Options or as keywords, not both")
        if not isinstance(options, Options):
            raise TypeError(f"options must be neardup.Options, not {type(options).__name__}")
        return options
    return Options(**kwargs)


class Sketch(NamedTuple):
    """What the chrome, candidate and passage steps need of one document.

    Plain lists and ints (picklable, Arrow-friendly); hashes are signed
    64-bit integers.
    """

    #: One LSH key per signature band, in band order (empty: no words).
    band_keys: list[int]
    #: Distinct passage fingerprints (winnowed shingle hashes).
    fingerprints: list[int]
    #: Fingerprints the document carries at two places that do not overlap.
    repeated: list[int]
    #: Every selected fingerprint in position order (a hash may recur)...
    sequence_hashes: list[int]
    #: ...and the word each one starts at.
    sequence_positions: list[int]
    #: Words.
    words: int
    #: Words of a mail header block at the start.
    header_words: int
    #: xxh3-64 of the text's UTF-8 bytes (signed).
    content_hash: int
    #: Bytes of the text as UTF-8.
    bytes: int


def _texts_and_ids(
    items: Iterable[Any],
    ids: Optional[Sequence[Any]],
    text_field: str,
    id_field: str,
) -> tuple[list[str], list[str]]:
    if isinstance(items, (str, bytes)):
        raise TypeError("scan takes a list of texts or records, not one string")
    texts: list[str] = []
    found_ids: list[Optional[str]] = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            texts.append(item)
            found_ids.append(None)
        elif isinstance(item, Mapping):
            if text_field not in item:
                raise ValueError(f"record {i} has no {text_field!r} field")
            text = item[text_field]
            if not isinstance(text, str):
                raise TypeError(
                    f"record {i}: {text_field!r} must be a string, not {type(text).__name__}"
                )
            texts.append(text)
            rid = item.get(id_field)
            found_ids.append(None if rid is None else _id(rid, i))
        else:
            raise TypeError(
                f"item {i}: a text (str) or a record (mapping), not {type(item).__name__}"
            )
    if ids is not None:
        ids = list(ids)
        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
        return texts, [_id(x, i) for i, x in enumerate(ids)]
    return texts, [str(i) if x is None else x for i, x in enumerate(found_ids)]


def _id(x: Any, i: int) -> str:
    if isinstance(x, str):
        return x
    if isinstance(x, int) and not isinstance(x, bool):
        return str(x)
    raise TypeError(f"id {i}: a string or an int, not {type(x).__name__}")


def scan(
    texts_or_records: Iterable[Union[str, Mapping[str, Any]]],
    *,
    ids: Optional[Sequence[Union[str, int]]] = None,
    text_field: str = "text",
    id_field: str = "id",
    options: Optional[Options] = None,
    **kwargs: Any,
) -> dict:
    """Scans texts in memory; returns the JSON report of ``neardup scan``.

    ``texts_or_records`` holds strings, or mappings with the text in
    ``text_field`` and, optionally, the id in ``id_field``. Documents are
    named by ``ids`` (strings or ints; by default the record's id, else the
    position as a string) and ordered by id; two equal ids are a
    ``ValueError``. Spans are byte offsets into each text as UTF-8.

    >>> r = neardup.scan(["a b c ...", "a b c ..."], min_words=20)
    >>> r["summary"]["pairs"], r["pairs"][0]["kind"]
    """
    opts = _options(options, kwargs)
    texts, names = _texts_and_ids(texts_or_records, ids, text_field, id_field)
    return json.loads(_neardup.scan(texts, names, opts.native))


def sketch(text: str, *, options: Optional[Options] = None, **kwargs: Any) -> Sketch:
    """The sketch of one text: band keys, passage fingerprints, the
    fingerprints it repeats, its fingerprint sequence, words and content
    hash (see :class:`Sketch`). A pure function of the text and options."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, not {type(text).__name__}")
    opts = _options(options, kwargs)
    return Sketch(*_neardup.sketch(text, opts.native))


def verify(
    text_a: str,
    text_b: str,
    *,
    chrome: Iterable[int] = (),
    universal: Iterable[int] = (),
    paired: Iterable[int] = (),
    ids: tuple[str, str] = ("a", "b"),
    options: Optional[Options] = None,
    **kwargs: Any,
) -> Optional[dict]:
    """Verifies one pair as a scan does; the flagged pair, or ``None``.

    Returns the pair as the JSON report has it (``a``, ``b`` from ``ids``,
    ``kind``, exact ``jaccard`` and ``containment``, ``coverage``, ``spans``
    with ``boilerplate`` marks, ``moved``), or ``None`` when nothing is
    flagged (no span, or only boilerplate spans). ``a`` should be the first
    by id, as in a scan.

    ``chrome`` is the corpus's chrome among the two documents' fingerprints
    (in at least the chrome threshold of documents, or repeated inside two
    documents) and ``universal`` the site-wide part of it (see
    :meth:`Options.thresholds`); with neither, only the ``boilerplate``
    option's text and what the two repeat inside themselves count as chrome.
    ``paired`` is the part of ``chrome`` that is chrome only because exactly
    two documents each repeat it (not in the chrome threshold of documents):
    for the pair of those two, a phrase their shared passage says twice is
    not chrome, as in a scan.
    """
    return _verify(
        text_a, text_b, chrome, universal, ids, _options(options, kwargs), paired
    )[1]


def _verify(
    text_a: str,
    text_b: str,
    chrome: Iterable[int],
    universal: Iterable[int],
    ids: tuple[str, str],
    opts: Options,
    paired: Iterable[int] = (),
) -> tuple[int, Optional[dict]]:
    for name, t in (("text_a", text_a), ("text_b", text_b)):
        if not isinstance(t, str):
            raise TypeError(f"{name} must be a string, not {type(t).__name__}")
    status, pair = _neardup.verify(
        str(ids[0]),
        text_a,
        str(ids[1]),
        text_b,
        list(chrome),
        list(universal),
        list(paired),
        opts.native,
    )
    return status, (json.loads(pair) if pair is not None else None)
