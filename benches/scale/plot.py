"""Plot benches/scale/run.sh's table: wall time and peak RSS against corpus size."""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
fig, (t, m) = plt.subplots(1, 2, figsize=(10, 4))
for cmd in ("scan", "index", "check"):
    pts = [r for r in rows if r["command"] == cmd]
    # A check is of a fixed drop: plot it against the index size (the scan's N
    # of the same block, which is the row before it).
    xs = [int(rows[rows.index(r) - 2]["docs"]) if cmd == "check" else int(r["docs"]) for r in pts]
    t.plot(xs, [float(r["wall_s"]) for r in pts], marker="o", label=cmd)
    m.plot(xs, [float(r["peak_rss_mb"]) for r in pts], marker="o", label=cmd)
for ax, label in ((t, "wall time (s)"), (m, "peak RSS (MB)")):
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("indexed documents (400 words each)")
    ax.set_ylabel(label)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
fig.suptitle("neardup growth curve (benches/scale/run.sh)")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
