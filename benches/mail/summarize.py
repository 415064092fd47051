#!/usr/bin/env python3
"""Summary of a neardup JSON report of the SpamAssassin mail corpus.

    python3 benches/mail/summarize.py REPORT.json [TIME.txt]

Prints documents, errors, warnings, pairs by kind, boilerplate-only pairs,
wall time and peak RSS (from `/usr/bin/time -v` output, when given), how many
flagged pairs share text only inside the header blocks of both messages (the
header block is the bytes before the first blank line), the top shared
passages when the report has a `passages` section, and a fixed-seed sample of
10 flagged pairs with excerpts of both sides, for reading by eye. Python 3.11
standard library only; files are read from the paths in the report (relative
to the current directory, as neardup was run).
"""

import collections
import json
import os
import random
import re
import sys

SEED = 7
SAMPLE = 10


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        rep = json.load(f)
    docs = rep.get("documents", [])
    pairs = rep.get("pairs", [])
    summary = rep.get("summary", {})
    kinds = collections.Counter(p.get("kind", "?") for p in pairs)
    size = sum(d.get("bytes", 0) for d in docs)

    print(f"documents:         {len(docs)} ({size / 1e6:.1f} MB)")
    print(f"errors:            {len(rep.get('errors', []))}")
    warnings = rep.get("warnings", [])
    why = collections.Counter(
        re.sub(r"bytes? read", "bytes read", re.sub(r"(?<= )\d+", "N", w.get("reason", "")))
        for w in warnings)
    print(f"warnings:          {len(warnings)}"
          + "".join(f"\n  {n:>5} x {r}" for r, n in why.most_common(4)))
    print(f"skipped:           {len(rep.get('skipped', []))}")
    print(f"pairs flagged:     {len(pairs)}"
          + (" (" + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + ")" if pairs else ""))
    print(f"verified:          {summary.get('verified', '?')}")
    print(f"boilerplate_only:  {summary.get('boilerplate_only', '?')} (verified, not flagged)")
    print(f"clusters:          {len(rep.get('clusters', []))}")
    if len(sys.argv) == 3:
        timing(sys.argv[2])

    headers = HeaderBlocks()
    header_only = [p for p in pairs if headers.only_in_headers(p)]
    share = 100 * len(header_only) / len(pairs) if pairs else 0.0
    print(f"\nheader-only pairs: {len(header_only)} of {len(pairs)} flagged ({share:.1f}%): every"
          " non-boilerplate span inside the header blocks (before the first blank line) of both messages")
    if headers.unreadable:
        print(f"  ({headers.unreadable} files could not be read to find their header block)")

    passages = rep.get("passages")
    if passages:
        def ndocs(p):
            d = p.get("documents", 0)
            return len(d) if isinstance(d, list) else int(d or 0)
        print(f"\npassages:          {len(passages)}; top 10 by documents:")
        for p in sorted(passages, key=lambda p: (-ndocs(p), -(p.get("words") or 0)))[:10]:
            print(f"  {ndocs(p):>5} docs, {p.get('words', '?'):>4} words: {clip(p.get('excerpt', ''), 110)}")

    if pairs:
        rng = random.Random(SEED)
        sample = rng.sample(range(len(pairs)), min(SAMPLE, len(pairs)))
        print(f"\nsample of {len(sample)} flagged pairs (seed {SEED}):")
        for n, i in enumerate(sorted(sample), 1):
            show(n, pairs[i], headers)


def timing(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        print(f"time:              ({e})")
        return
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    cpu = [re.search(rf"{k} time \(seconds\): (\S+)", text) for k in ("User", "System")]
    if wall:
        parts = [float(x) for x in wall.group(1).split(":")]
        secs = sum(x * 60 ** i for i, x in enumerate(reversed(parts)))
        line = f"wall time:         {secs:.2f} s"
        if all(cpu):
            line += f" (user {cpu[0].group(1)} s, system {cpu[1].group(1)} s)"
        print(line)
    if rss:
        print(f"peak RSS:          {int(rss.group(1)) / 1024:.0f} MiB")


class HeaderBlocks:
    """The header block of each message: bytes before the first blank line."""

    def __init__(self):
        self.ends = {}
        self.texts = {}
        self.unreadable = 0

    def read(self, path):
        if path not in self.texts:
            try:
                with open(path, "rb") as f:
                    self.texts[path] = f.read()
            except OSError:
                self.texts[path] = None
                self.unreadable += 1
        return self.texts[path]

    def end(self, path):
        if path not in self.ends:
            data = self.read(path)
            if data is None:
                self.ends[path] = -1
            else:
                m = re.search(rb"\r?\n\r?\n", data)
                self.ends[path] = m.start() + 1 if m else len(data)
        return self.ends[path]

    def only_in_headers(self, pair):
        spans = [s for s in pair.get("spans", []) if not s.get("boilerplate")]
        ea, eb = self.end(pair["a"]), self.end(pair["b"])
        return bool(spans) and all(s["a"]["end"] <= ea and s["b"]["end"] <= eb for s in spans)


def clip(text, n):
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def excerpt(data, loc):
    if data is None:
        return "(unreadable)"
    raw = data[loc["start"]: loc["end"]]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", "replace")
    return clip(text, 150)


def show(n, pair, headers):
    name = lambda p: "/".join(p.split("/")[-2:])
    print(f"\n[{n}] {name(pair['a'])} ~ {name(pair['b'])}: {pair.get('kind')}, "
          f"jaccard {pair.get('jaccard')}, coverage {pair.get('coverage')}")
    ea, eb = headers.end(pair["a"]), headers.end(pair["b"])
    for j, s in enumerate(pair.get("spans", [])[:4], 1):
        if s["a"]["end"] <= ea and s["b"]["end"] <= eb:
            where = "headers"
        elif s["a"]["start"] >= ea and s["b"]["start"] >= eb:
            where = "body"
        else:
            where = "headers and body"
        tag = ", boilerplate" if s.get("boilerplate") else ""
        print(f"  span {j}: {s.get('words')} words, similarity {s.get('similarity')}, in {where}{tag}; "
              f"a lines {s['a']['line_start']}-{s['a']['line_end']}, b lines {s['b']['line_start']}-{s['b']['line_end']}")
        print(f"    a: {excerpt(headers.read(pair['a']), s['a'])}")
        print(f"    b: {excerpt(headers.read(pair['b']), s['b'])}")
    if len(pair.get("spans", [])) > 4:
        print(f"  ... {len(pair['spans']) - 4} more spans")


if __name__ == "__main__":
    main()
