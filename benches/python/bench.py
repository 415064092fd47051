#!/usr/bin/env python3
"""Benchmarks of the Python package (benches/python/run.sh runs them).

  bench.py spark DOCS_DIR OUT.json [--master local[2]]
      neardup.spark.find_repeats on a folder of documents; samples the memory
      of the driver JVM (in local mode also the executors), of the Python
      workers and of the driver's Python process every 0.2 s; writes the
      summary, timings and peak memory, and the findings as the JSON report.
  bench.py lib NAME DOCS_DIR OUT.json
      one library's Python API on the same documents: NAME is neardup
      (neardup.scan), rensa (RMinHash + RMinHashLSH) or datasketch
      (MinHash + MinHashLSH), the last two as benches/peers/peers.py runs
      them (5-word shingles, 128 permutations, 32 bands, Jaccard >= 0.5).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read(docs: str) -> tuple[list[str], list[str]]:
    names = sorted(n for n in os.listdir(docs) if os.path.isfile(os.path.join(docs, n)))
    texts = [Path(docs, n).read_text(encoding="utf-8") for n in names]
    return names, texts


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class Sampler(threading.Thread):
    """Peak RSS of the JVM (driver, and the executors in local mode) and of
    all Python workers together (the pyspark daemon's children)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_jvm = self.peak_workers = 0
        self.stop = False

    def run(self) -> None:
        me = os.getpid()
        while not self.stop:
            tree, todo = [], children(me)
            while todo:
                p = todo.pop()
                tree.append(p)
                todo += children(p)
            jvm = sum(rss_kib(p) for p in tree if "java" in cmdline(p).split(" ")[0])
            workers = sum(rss_kib(p) for p in tree if "python" in cmdline(p).split(" ")[0])
            self.peak_jvm = max(self.peak_jvm, jvm)
            self.peak_workers = max(self.peak_workers, workers)
            time.sleep(0.2)


def spark(a) -> None:
    import logging

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    import neardup.spark as ns

    timings: dict[str, float] = {}

    class Collect(logging.Handler):
        def emit(self, record):
            stage, secs = record.getMessage().rsplit(": ", 1)
            timings[stage] = float(secs.split()[0])

    logging.getLogger("neardup.spark").addHandler(Collect())
    logging.getLogger("neardup.spark").setLevel(logging.INFO)
    sampler = Sampler()
    sampler.start()
    t0 = time.perf_counter()
    session = (
        SparkSession.builder.master(a.master)
        .config("spark.driver.memory", a.driver_memory)
        .config("spark.sql.shuffle.partitions", str(a.partitions))
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    names, texts = read(a.docs)
    ids = [f"docs/{n}" for n in names]
    df = session.createDataFrame(list(zip(ids, texts)), "id string, text string").repartition(
        a.partitions
    )
    del texts
    t1 = time.perf_counter()
    r = ns.find_repeats(df)
    pairs = [p.asDict(recursive=True) for p in r.pairs.collect()]
    clusters = [c.asDict() for c in r.clusters.collect()]
    t2 = time.perf_counter()
    session.stop()
    sampler.stop = True
    sampler.join()
    out = {
        "summary": r.summary,
        "seconds": {"session_and_load": round(t1 - t0, 2), "find_repeats": round(t2 - t1, 2)},
        "stages": timings,
        "peak_rss_mib": {
            "jvm_driver_and_executors": sampler.peak_jvm // 1024,
            "python_workers": sampler.peak_workers // 1024,
            "python_driver": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        },
        "pairs": pairs,
        "clusters": clusters,
    }
    Path(a.out).write_text(json.dumps(out))
    print(json.dumps({k: v for k, v in out.items() if k not in ("pairs", "clusters")}, indent=1))


def lib(a) -> None:
    names, texts = read(a.docs)
    t0 = time.perf_counter()
    if a.name == "neardup":
        import neardup

        r = neardup.scan(texts, ids=names)
        flagged = {(p["a"], p["b"]) for p in r["pairs"]}
        phases = {}
    else:
        sys.path.insert(0, str(HERE.parent / "peers"))
        import peers

        ns = argparse.Namespace(shingle=5, perms=128, bands=32, threshold=0.5, seed=1)
        run = {"rensa": peers.run_rensa, "datasketch": peers.run_datasketch}[a.name]
        _, pairs, phases = run(texts, ns)
        flagged = {(names[i], names[j]) for i, j in pairs}
    secs = time.perf_counter() - t0
    out = {
        "name": a.name,
        "seconds": round(secs, 2),
        "phases": {k: round(v, 2) for k, v in phases.items()},
        "flagged": len(flagged),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "pairs": sorted(flagged),
    }
    Path(a.out).write_text(json.dumps(out))
    print(json.dumps({k: v for k, v in out.items() if k != "pairs"}))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("spark")
    s.add_argument("docs")
    s.add_argument("out")
    s.add_argument("--master", default="local[2]")
    s.add_argument("--driver-memory", default="4g")
    s.add_argument("--partitions", type=int, default=8)
    lp = sub.add_parser("lib")
    lp.add_argument("name", choices=["neardup", "rensa", "datasketch"])
    lp.add_argument("docs")
    lp.add_argument("out")
    a = p.parse_args()
    {"spark": spark, "lib": lib}[a.cmd](a)


if __name__ == "__main__":
    main()
