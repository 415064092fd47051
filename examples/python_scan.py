#!/usr/bin/env python3
"""neardup from Python: scan the example corpus in memory and print what
repeats where (the same report as `neardup scan examples/corpus --format json`).

    pip install ./python
    python examples/python_scan.py [DIR]
"""

import sys
from pathlib import Path

import neardup

root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "corpus")
files = sorted(p for p in root.iterdir() if p.is_file())
texts = [p.read_text(encoding="utf-8") for p in files]
report = neardup.scan(texts, ids=[p.name for p in files], min_words=50)

for pair in report["pairs"]:
    print(f"{pair['a']} ~ {pair['b']}: {pair['kind']}, jaccard {pair['jaccard']}")
    for span in pair["spans"]:
        if span["boilerplate"]:
            continue
        a, b = span["a"], span["b"]
        print(f"  lines {a['line_start']}-{a['line_end']} ~ {b['line_start']}-{b['line_end']}"
              f" ({span['words']} words, similarity {span['similarity']})")
for c in report["clusters"]:
    print(f"keep {c['keep']}, drop {', '.join(c['drop'])}")
for p in report["passages"]:
    print(f"shared passage in {p['documents']} documents: {p['excerpt'][:60]}...")
print(report["summary"])
