#!/usr/bin/env python3
"""Run neardup's MinHash-LSH peers on a planted corpus and score them.

Subcommands
-----------
probe PEER          import PEER's library, print its version (exit 1 if it fails)
run PEER            sketch + index + query every document of --docs, write the
                    flagged pairs (file-name pairs) as JSON to --out
report              score every run in --runs (and neardup's JSON report)
                    against the planted truth.json, print a table, write markdown

Every peer uses the same features and the same LSH layout: 5-word shingles of
lowercased word tokens (punctuation stripped), 128 permutations, 32 bands x 4
rows, and a pair is flagged when the sketches' estimated Jaccard similarity is
>= 0.5 (gaoya checks that inside its query; for datasketch and rensa the LSH
candidates are checked here, which is what each library's own dedup helpers do).
The containment peer (datasketch MinHashLSHEnsemble) flags a pair when the
estimated containment of the query in the other document is >= 0.5.

`run` uses only its peer's library; `report` uses only the standard library.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from importlib import metadata

PEERS = ("datasketch", "rensa", "gaoya", "datasketch-ensemble")
KINDS = ("whole", "near_light", "near_heavy", "partial", "partial_edited", "concat", "transitive")
LABELS = {
    "datasketch": "datasketch MinHashLSH",
    "rensa": "rensa RMinHashLSH",
    "gaoya": "gaoya MinHashStringIndex",
    "datasketch-ensemble": "datasketch MinHashLSHEnsemble (containment)",
    "neardup": "neardup scan",
}
PACKAGES = {"datasketch": "datasketch", "rensa": "rensa", "gaoya": "gaoya",
            "datasketch-ensemble": "datasketch"}

WORD_RE = re.compile(r"\w+")


# --------------------------------------------------------------------------- features

def tokens(text: str) -> list[str]:
    """Lowercased word tokens, punctuation stripped."""
    return WORD_RE.findall(text.lower())


def shingles(text: str, k: int) -> set[str]:
    toks = tokens(text)
    if not toks:
        return set()
    if len(toks) < k:
        return {" ".join(toks)}
    return {" ".join(toks[i:i + k]) for i in range(len(toks) - k + 1)}


def list_docs(docs_dir: str, limit: int | None) -> list[str]:
    names = sorted(n for n in os.listdir(docs_dir)
                   if os.path.isfile(os.path.join(docs_dir, n)))
    if limit:
        names = names[:limit]
    return names


def read_docs(docs_dir: str, names: list[str]) -> list[str]:
    out = []
    for n in names:
        with open(os.path.join(docs_dir, n), encoding="utf-8", errors="replace") as f:
            out.append(f.read())
    return out


def version_of(peer: str) -> str:
    try:
        return metadata.version(PACKAGES[peer])
    except metadata.PackageNotFoundError:
        return "?"


# --------------------------------------------------------------------------- peers

def run_datasketch(texts, a):
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    sketches = []
    for text in texts:
        m = MinHash(num_perm=a.perms, seed=a.seed)
        m.update_batch([s.encode("utf-8") for s in shingles(text, a.shingle)])
        sketches.append(m)
    t1 = time.perf_counter()
    lsh = MinHashLSH(threshold=a.threshold, num_perm=a.perms,
                     params=(a.bands, a.perms // a.bands))
    with lsh.insertion_session() as session:
        for i, m in enumerate(sketches):
            session.insert(i, m, check_duplication=False)
    t2 = time.perf_counter()
    candidates, flagged = set(), set()
    for i, m in enumerate(sketches):
        for j in lsh.query(m):
            if j == i:
                continue
            p = (min(i, j), max(i, j))
            if p in candidates:
                continue
            candidates.add(p)
            if m.jaccard(sketches[j]) >= a.threshold:
                flagged.add(p)
    t3 = time.perf_counter()
    return candidates, flagged, {"sketch": t1 - t0, "index": t2 - t1, "query": t3 - t2}


def run_rensa(texts, a):
    from rensa import RMinHash, RMinHashLSH

    t0 = time.perf_counter()
    sketches = RMinHash.from_token_sets((shingles(t, a.shingle) for t in texts),
                                        num_perm=a.perms, seed=a.seed)
    t1 = time.perf_counter()
    lsh = RMinHashLSH(threshold=a.threshold, num_perm=a.perms, num_bands=a.bands)
    lsh.insert_many(sketches)
    t2 = time.perf_counter()
    candidates, flagged = set(), set()
    for i, hits in enumerate(lsh.query_all(sketches)):
        for j in hits:
            if j == i:
                continue
            p = (min(i, j), max(i, j))
            if p in candidates:
                continue
            candidates.add(p)
            if sketches[i].jaccard(sketches[j]) >= a.threshold:
                flagged.add(p)
    t3 = time.perf_counter()
    return candidates, flagged, {"sketch": t1 - t0, "index": t2 - t1, "query": t3 - t2}


def run_gaoya(texts, a):
    from gaoya.minhash import MinHashStringIndex

    # gaoya sketches inside insert: "sketch" and "index" are one phase here.
    t0 = time.perf_counter()
    index = MinHashStringIndex(hash_size=32, jaccard_threshold=a.threshold,
                               num_bands=a.bands, band_size=a.perms // a.bands,
                               analyzer="word", lowercase=True,
                               ngram_range=(a.shingle, a.shingle))
    index.par_bulk_insert_docs(list(range(len(texts))), texts)
    t1 = time.perf_counter()
    flagged = set()
    for i, hits in enumerate(index.par_bulk_query(texts)):
        for j in hits:
            if j != i:
                flagged.add((min(i, j), max(i, j)))
    t2 = time.perf_counter()
    # gaoya filters on estimated Jaccard inside query: candidates == flagged.
    return flagged, flagged, {"sketch+index": t1 - t0, "query": t2 - t1}


def run_ensemble(texts, a):
    from datasketch import MinHash, MinHashLSHEnsemble

    t0 = time.perf_counter()
    sketches, sizes = [], []
    for text in texts:
        sh = shingles(text, a.shingle)
        m = MinHash(num_perm=a.perms, seed=a.seed)
        m.update_batch([s.encode("utf-8") for s in sh])
        sketches.append(m)
        sizes.append(max(len(sh), 1))
    t1 = time.perf_counter()
    ens = MinHashLSHEnsemble(threshold=a.threshold, num_perm=a.perms, num_part=16)
    ens.index((i, m, sizes[i]) for i, m in enumerate(sketches))
    t2 = time.perf_counter()
    candidates, flagged = set(), set()
    for i, m in enumerate(sketches):
        for j in ens.query(m, sizes[i]):
            if j == i:
                continue
            p = (min(i, j), max(i, j))
            if p in flagged:
                continue
            candidates.add(p)
            # estimated containment of doc i in doc j from the Jaccard estimate
            jac = m.jaccard(sketches[j])
            inter = jac * (sizes[i] + sizes[j]) / (1.0 + jac)
            if inter / sizes[i] >= a.threshold:
                flagged.add(p)
    t3 = time.perf_counter()
    return candidates, flagged, {"sketch": t1 - t0, "index": t2 - t1, "query": t3 - t2}


RUNNERS = {"datasketch": run_datasketch, "rensa": run_rensa, "gaoya": run_gaoya,
           "datasketch-ensemble": run_ensemble}


def cmd_probe(a) -> int:
    mod = {"datasketch-ensemble": "datasketch"}.get(a.peer, a.peer)
    try:
        __import__(mod)
        if a.peer == "gaoya":
            __import__("gaoya.minhash")
    except Exception as e:  # noqa: BLE001 - any import failure means "skip"
        print(f"{a.peer}: import failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(f"{a.peer} {version_of(a.peer)}")
    return 0


def cmd_run(a) -> int:
    if a.perms % a.bands:
        sys.exit(f"--perms {a.perms} is not a multiple of --bands {a.bands}")
    t0 = time.perf_counter()
    names = list_docs(a.docs, a.subset)
    texts = read_docs(a.docs, names)
    t_read = time.perf_counter() - t0
    candidates, flagged, phases = RUNNERS[a.peer](texts, a)
    phases = {"read": t_read, **phases}
    result = {
        "tool": a.peer,
        "label": LABELS[a.peer],
        "version": version_of(a.peer),
        "params": {"shingle_words": a.shingle, "perms": a.perms, "bands": a.bands,
                   "rows": a.perms // a.bands, "threshold": a.threshold, "seed": a.seed},
        "documents": len(names),
        "subset": bool(a.subset),
        "names": names if a.subset else None,
        "candidates": len(candidates),
        "phases_s": {k: round(v, 3) for k, v in phases.items()},
        "pairs": sorted([names[i], names[j]] for i, j in flagged),
    }
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(result, f)
    print(f"{a.peer}: {len(names)} docs, {len(candidates)} LSH candidates, "
          f"{len(flagged)} pairs flagged; " +
          ", ".join(f"{k} {v:.2f}s" for k, v in phases.items()))
    return 0


# --------------------------------------------------------------------------- report

def pair_key(a: str, b: str) -> tuple[str, str]:
    a, b = os.path.basename(a), os.path.basename(b)
    return (a, b) if a <= b else (b, a)


def parse_time_v(path: str) -> dict:
    """Parse GNU time -v output: wall seconds, peak RSS in MB, CPU percent."""
    out: dict = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            key, _, val = line.strip().rpartition(": ")
            val = val.strip()
            if key.startswith("Elapsed (wall clock) time"):
                secs = 0.0
                for part in val.split(":"):
                    secs = secs * 60 + float(part)
                out["wall_s"] = secs
            elif key.startswith("Maximum resident set size"):
                out["rss_mb"] = int(val) / 1024.0
            elif key.startswith("Percent of CPU this job got"):
                out["cpu_pct"] = val
            elif key.startswith("Exit status"):
                out["exit"] = int(val)
    return out


def load_truth(path: str):
    with open(path, encoding="utf-8") as f:
        truth = json.load(f)
    by_kind: dict[str, set] = {}
    every: set = set()
    for p in truth.get("pairs", []):
        k = pair_key(p["a"], p["b"])
        by_kind.setdefault(p.get("kind", "?"), set()).add(k)
        every.add(k)
    negatives = {pair_key(n["a"], n["b"]) for n in truth.get("negatives", [])}
    return truth, by_kind, every, negatives


def load_neardup(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        rep = json.load(f)
    pairs, boiler_only = [], 0
    for p in rep.get("pairs", []):
        pairs.append(list(pair_key(p["a"], p["b"])))
        spans = p.get("spans") or []
        if spans and all(s.get("boilerplate") for s in spans):
            boiler_only += 1
    return {"tool": "neardup", "label": LABELS["neardup"], "version": "",
            "documents": len(rep.get("documents", [])), "subset": False, "names": None,
            "candidates": None, "pairs": pairs, "boilerplate_only_pairs": boiler_only}


def score(run: dict, by_kind: dict, every: set, negatives: set) -> dict:
    flagged = {tuple(p) for p in run["pairs"]}
    if run.get("subset") and run.get("names"):
        keep = set(run["names"])
        inside = lambda s: {p for p in s if p[0] in keep and p[1] in keep}  # noqa: E731
        by_kind = {k: inside(v) for k, v in by_kind.items()}
        every, negatives = inside(every), inside(negatives)
    recall = {}
    for kind in list(KINDS) + sorted(set(by_kind) - set(KINDS)):
        want = by_kind.get(kind, set())
        recall[kind] = (len(want & flagged) / len(want), len(want)) if want else (None, 0)
    hits = len(flagged & every)
    return {
        "flagged": len(flagged),
        "precision": hits / len(flagged) if flagged else None,
        "recall": recall,
        "truth_pairs": len(every),
        "negatives_flagged": len(flagged & negatives),
    }


def fmt(v, spec: str, none: str = "–") -> str:
    return none if v is None else format(v, spec)


def machine_line() -> str:
    cpu, mem = "?", "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    try:
        with open("/proc/loadavg", encoding="utf-8") as f:
            load = f"; load average {' '.join(f.read().split()[:3])} when the table was made"
    except OSError:
        load = ""
    return (f"nproc {len(os.sched_getaffinity(0))} ({os.cpu_count()} CPUs), {mem} RAM, "
            f"{cpu}{load}")


def cmd_report(a) -> int:
    truth, by_kind, every, negatives = load_truth(a.truth)
    kinds = list(KINDS) + sorted(set(by_kind) - set(KINDS))
    runs, skipped = [], []
    order = {p: i for i, p in enumerate(PEERS + ("neardup",))}
    names = sorted((n for n in os.listdir(a.runs) if n.endswith((".json", ".skip"))),
                   key=lambda n: order.get(n.rsplit(".", 1)[0], 99))
    for n in names:
        tool, ext = n.rsplit(".", 1)
        path = os.path.join(a.runs, n)
        if ext == "skip":
            with open(path, encoding="utf-8") as f:
                skipped.append((tool, f.read().strip()))
            continue
        if not n.endswith(".json") or n.endswith(".time.json"):
            continue
        with open(path, encoding="utf-8") as f:
            run = json.load(f)
        run["time"] = parse_time_v(os.path.join(a.runs, tool + ".time"))
        runs.append(run)
    if a.neardup:
        if os.path.exists(a.neardup):
            run = load_neardup(a.neardup)
            if not run["documents"] and not run["subset"]:
                run["documents"] = int(truth.get("documents") or 0)
            run["version"] = a.neardup_version or ""
            run["time"] = parse_time_v(a.neardup_time) if a.neardup_time else {}
            runs.append(run)
        elif not any(t == "neardup" for t, _ in skipped):
            skipped.append(("neardup", f"no report at {a.neardup}"))

    head = (["tool", "docs", "wall s", "docs/s", "peak RSS MB", "CPU", "pairs flagged", "precision"]
            + [f"R {k}" for k in kinds] + ["neg. flagged"])
    rows = []
    for run in runs:
        s = score(run, by_kind, every, negatives)
        t = run.get("time", {})
        wall = t.get("wall_s")
        label = run.get("label", run["tool"])
        if run.get("version"):
            label += f" {run['version']}"
        row = [label, str(run["documents"]), fmt(wall, ".2f"),
               fmt(run["documents"] / wall if wall else None, ",.0f"),
               fmt(t.get("rss_mb"), ",.0f"), t.get("cpu_pct", "–"),
               f"{s['flagged']:,}", fmt(s["precision"], ".3f")]
        for k in kinds:
            r, n = s["recall"][k]
            row.append(f"{r:.3f} ({n})" if r is not None else "– (0)")
        row.append(str(s["negatives_flagged"]))
        rows.append(row)

    notes = []
    p0 = runs[0].get("params", {}) if runs and runs[0].get("params") else {}
    if p0:
        notes.append(f"Peers: {p0['shingle_words']}-word shingles of lowercased word tokens, "
                     f"{p0['perms']} permutations, LSH {p0['bands']} bands x {p0['rows']} rows, "
                     f"a pair is flagged at estimated Jaccard >= {p0['threshold']} "
                     f"(the ensemble: estimated containment >= {p0['threshold']}).")
    for run in runs:
        if run.get("subset"):
            notes.append(f"{run['label']} ran on the first {run['documents']} documents only; "
                         "its recall and precision count only truth pairs inside that subset.")
        if run.get("candidates") is not None and run["candidates"] != len(run["pairs"]):
            notes.append(f"{run['label']}: {run['candidates']:,} LSH candidates before the "
                         "similarity check.")
        if run.get("boilerplate_only_pairs"):
            notes.append(f"neardup: {run['boilerplate_only_pairs']:,} of its pairs have only "
                         "spans marked boilerplate (counted as flagged).")
    notes.append("Recall columns: share of planted pairs of that kind flagged (number of "
                 "planted pairs in brackets). Precision: flagged pairs that are planted pairs "
                 "/ flagged pairs. neg. flagged: planted negatives flagged. "
                 "Wall time, peak RSS and CPU from /usr/bin/time -v, whole process "
                 "(interpreter start, reading files, sketching, indexing, querying).")
    for tool, why in skipped:
        notes.append(f"skipped {LABELS.get(tool, tool)}: {why}")

    corpus = (f"{truth.get('documents', '?')} documents, seed "
              f"{truth.get('seed', '?')}, {len(every)} planted pairs, "
              f"{len(negatives)} planted negatives")
    if a.corpus_note:
        corpus += f" ({a.corpus_note})"
    machine = machine_line()

    # terminal table
    widths = [max(len(head[i]), *(len(r[i]) for r in rows)) if rows else len(head[i])
              for i in range(len(head))]
    print(f"\nplanted corpus: {corpus}\nmachine: {machine}\n")
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    print()
    for n in notes:
        print(f"- {n}")

    if a.md:
        with open(a.md, "w", encoding="utf-8") as f:
            f.write(f"Machine: {machine}.\n\nPlanted corpus: {corpus}.\n\n")
            f.write("| " + " | ".join(head) + " |\n")
            f.write("|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|\n")
            for r in rows:
                f.write("| " + " | ".join(r) + " |\n")
            f.write("\n" + "".join(f"- {n}\n" for n in notes))
        print(f"\nmarkdown table written to {a.md}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("probe", help="check that a peer's library imports")
    p.add_argument("peer", choices=PEERS)

    p = sub.add_parser("run", help="run one peer on a folder of documents")
    p.add_argument("peer", choices=PEERS)
    p.add_argument("--docs", required=True, help="folder of .txt documents")
    p.add_argument("--out", required=True, help="JSON file to write")
    p.add_argument("--shingle", type=int, default=5, help="words per shingle (5)")
    p.add_argument("--perms", type=int, default=128, help="MinHash permutations (128)")
    p.add_argument("--bands", type=int, default=32, help="LSH bands (32; rows = perms/bands)")
    p.add_argument("--threshold", type=float, default=0.5, help="similarity threshold (0.5)")
    p.add_argument("--seed", type=int, default=1, help="MinHash seed (1)")
    p.add_argument("--subset", type=int, default=0,
                   help="only the first N documents by name (0 = all)")

    p = sub.add_parser("report", help="score runs against truth.json")
    p.add_argument("--truth", required=True)
    p.add_argument("--runs", required=True, help="folder with PEER.json/.time/.skip files")
    p.add_argument("--neardup", help="neardup's JSON report")
    p.add_argument("--neardup-time", help="/usr/bin/time -v output of the neardup run")
    p.add_argument("--neardup-version", default="")
    p.add_argument("--corpus-note", default="", help="extra text for the corpus line")
    p.add_argument("--md", help="write the table as markdown here")

    a = ap.parse_args()
    return {"probe": cmd_probe, "run": cmd_run, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
