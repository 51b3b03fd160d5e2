#!/usr/bin/env python3
"""Compare two builds of `homeostat assign` on every GAP instance with a
known optimum, by user CPU time (robust to a busy shared machine, unlike
wall time): the minimum of RUNS alternating runs per instance.

    python3 benches/compare/gap_cpu_ab.py RUNS OLD_BINARY NEW_BINARY [DATA_DIR]

DATA_DIR defaults to ../shared/data/gap (relative to the repository). The
script also checks that both builds return the same assignment.
"""
import csv
import json
import os
import statistics
import subprocess
import sys


def run(binary, instance):
    proc = subprocess.Popen(
        [binary, "assign", "--gap", instance, "--solver", "heuristic", "--json"],
        stdout=subprocess.PIPE,
    )
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit(f"{binary} failed on {instance}")
    return usage.ru_utime * 1000, json.loads(out)["assignment"]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    runs, old, new = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    data = sys.argv[4] if len(sys.argv) > 4 else os.path.join(root, "..", "shared", "data", "gap")
    rows = list(csv.DictReader(open(os.path.join(data, "optima.csv"))))
    times = {}
    same = True
    for row in rows:
        path = os.path.join(data, row["Path"])
        a, b = [], []
        for _ in range(runs):
            (ta, xa), (tb, xb) = run(old, path), run(new, path)
            a.append(ta)
            b.append(tb)
            same &= xa == xb
        times[row["Path"]] = (min(a), min(b))
    for prefix in ("cattrysse1994", "chu1997"):
        pairs = [v for k, v in times.items() if k.startswith(prefix)]
        if not pairs:
            continue
        total_a, total_b = sum(a for a, _ in pairs), sum(b for _, b in pairs)
        # Instances under 5 ms are below the clock's useful resolution.
        ratios = [b / a for a, b in pairs if a >= 5]
        print(
            f"{prefix}: {len(pairs)} instances, CPU {total_a:.0f} -> {total_b:.0f} ms "
            f"({total_b / total_a:.3f}x); per instance median "
            f"{statistics.median(ratios):.3f}x; max {max(a for a, _ in pairs):.0f} -> "
            f"{max(b for _, b in pairs):.0f} ms"
        )
    print("same assignments on every instance" if same else "ASSIGNMENTS DIFFER")


if __name__ == "__main__":
    main()
