"""Type stubs of the compiled engine module (``neardup._neardup``).

Hashes are signed 64-bit integers (the bits of the engine's unsigned
hashes). Every function releases the GIL while it works.
"""

from typing import Optional

__version__: str

class Options:
    """Validated options; raises ValueError (bad value, naming the option)
    or TypeError (unknown option, wrong type)."""

    def __init__(self, options: Optional[dict] = None) -> None: ...
    @property
    def min_shared(self) -> int: ...
    @property
    def cluster_partial(self) -> bool: ...
    @property
    def keep(self) -> str: ...
    @property
    def max_full_bucket(self) -> int: ...
    @property
    def max_full_band_bucket(self) -> int: ...
    def thresholds(self, n: int) -> tuple[int, int]: ...

class PassageGroups:
    """Shared passages founded stretch by stretch (the scan's rule)."""

    def __init__(self, founders: list[list[int]] = ...) -> None: ...
    def __len__(self) -> int: ...
    def best(self, hashes: list[int], before: Optional[int] = None) -> Optional[int]: ...
    def place(self, hashes: list[int]) -> tuple[int, bool]: ...

SketchTuple = tuple[list[int], list[int], list[int], list[int], list[int], int, int, int, int]

def scan(texts: list[str], ids: list[str], options: Options) -> str: ...
def sketch(text: str, options: Options) -> SketchTuple: ...
def sketch_many(texts: list[str], options: Options) -> list[SketchTuple]: ...
def content_fingerprints(
    sequence_hashes: list[int],
    sequence_positions: list[int],
    repeated: list[int],
    header_words: int,
    chrome: list[int],
    universal: list[int],
    options: Options,
) -> list[int]: ...
def frequent_stretches(
    sequence_hashes: list[int],
    sequence_positions: list[int],
    frequent: list[int],
    options: Options,
) -> list[tuple[int, int, list[int]]]: ...
def keep_signature_pair(
    fingerprints_a: list[int],
    content_a: list[int],
    fingerprints_b: list[int],
    content_b: list[int],
    chrome: list[int],
    universal: list[int],
    options: Options,
) -> bool: ...
def verify(
    id_a: str,
    text_a: str,
    id_b: str,
    text_b: str,
    chrome: list[int],
    universal: list[int],
    paired: list[int],
    options: Options,
) -> tuple[int, Optional[str]]: ...
def passage_places(
    text: str, ranges: list[tuple[int, int]]
) -> list[tuple[int, int, int, int, int, int, str]]: ...
