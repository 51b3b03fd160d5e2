"""Side-by-side: the homeostat-metrics feature pipeline against pandas.

Both run the same pipeline on the same seeded data:

1. resample 10 s samples to 1 min means (buckets (t - 1 min, t], labelled t);
2. fill the gaps by linear interpolation (inside the data only);
3. z-score every column (population standard deviation, fitted on all rows);
4. rolling mean, std (population), min, max and 90th percentile (linear
   interpolation) over 5, 15 and 60 rows, computed on partial windows too.

The script generates the data with numpy, writes it as a wide CSV, runs the
release binary `metrics_pipeline` (from `benches/src/bin`) and pandas,
checks that every output agrees within 1e-9 (absolute, on z-scored data),
and reports the pipeline times (CSV reading excluded on both sides) and
their ratios, in wall time and in CPU time of the thread (the second does
not count time other processes of a busy machine held the core). pandas runs single-threaded, as do these operations in
Homeostat.

Usage, from the repository root:

    cargo build --release -p homeostat-benches --bin metrics_pipeline
    python3 benches/compare/metrics_vs_pandas.py [--metrics 50] [--rows 100000] [--repeats 3]

It creates benches/compare/.venv with pinned numpy and pandas.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv_support
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PINS = ["numpy==2.2.6", "pandas==2.2.3"]
WINDOWS = [5, 15, 60]
FEATURES = ["mean", "std", "min", "max", "p90"]


def ensure_deps() -> None:
    venv_support.ensure(["numpy", "pandas"], PINS)


def make_data(metrics: int, rows: int, seed: int, path: Path) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-05T00:00:00Z").value // 1_000_000
    # Jittered 10 s samples, strictly increasing.
    t = start + np.arange(rows) * 10_000 + rng.integers(0, 5_000, rows)
    values = np.cumsum(rng.normal(0, 1, (rows, metrics)), axis=0) + rng.normal(50, 10, metrics)
    values[rng.random((rows, metrics)) < 0.01] = np.nan  # missed scrapes
    for m in range(metrics):  # a few outages of three minutes per metric
        for s in rng.integers(0, rows - 20, 5):
            values[s:s + 18, m] = np.nan
    frame = pd.DataFrame(np.round(values, 4), columns=[f"m{m}" for m in range(metrics)])
    frame.insert(0, "timestamp", t)
    frame.to_csv(path, index=False, na_rep="")


def pandas_pipeline(path: Path):
    import pandas as pd

    raw = pd.read_csv(path)
    started, cpu_started = time.perf_counter(), time.thread_time()
    raw.index = pd.to_datetime(raw.pop("timestamp"), unit="ms", utc=True)
    resampled = raw.resample("1min", label="right", closed="right").mean()
    filled = resampled.interpolate(method="linear", limit_area="inside")
    scaled = (filled - filled.mean()) / filled.std(ddof=0)
    columns = {}
    for name in scaled.columns:
        col = scaled[name]
        for w in WINDOWS:
            roll = col.rolling(w, min_periods=1)
            columns[f"{name}:mean_{w}"] = roll.mean()
            columns[f"{name}:std_{w}"] = roll.std(ddof=0)
            columns[f"{name}:min_{w}"] = roll.min()
            columns[f"{name}:max_{w}"] = roll.max()
            columns[f"{name}:p90_{w}"] = roll.quantile(0.9, interpolation="linear")
    features = pd.DataFrame(columns, index=scaled.index)
    return time.perf_counter() - started, time.thread_time() - cpu_started, features


def homeostat_pipeline(binary: Path, path: Path, out: Path):
    result = subprocess.run([str(binary), str(path), str(out)], check=True, capture_output=True, text=True)
    timing = json.loads(result.stdout)
    return timing["pipeline_secs"], timing["pipeline_cpu_secs"], timing


def compare(ours_path: Path, theirs) -> float:
    import numpy as np
    import pandas as pd

    ours = pd.read_csv(ours_path)
    ours.index = pd.to_datetime(ours.pop("timestamp_ms"), unit="ms", utc=True)
    assert list(ours.index) == list(theirs.index), "the grids differ"
    worst = 0.0
    for name in theirs.columns:
        a, b = ours[name].to_numpy(), theirs[name].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b)), f"missing values differ in {name}"
        mask = ~np.isnan(a)
        if mask.any():
            worst = max(worst, float(np.max(np.abs(a[mask] - b[mask]))))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--metrics", type=int, default=50)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ensure_deps()
    import pandas as pd

    # Cargo's target directory: `CARGO_TARGET_DIR` when set, as cargo does.
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = target / "release" / "metrics_pipeline"
    if not binary.exists():
        sys.exit(f"{binary} is missing: run `cargo build --release -p homeostat-benches --bin metrics_pipeline`")
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "data.csv", Path(tmp) / "ours.csv"
        make_data(args.metrics, args.rows, 20261123, data)
        ours_times, theirs_times, ours_cpu, theirs_cpu = [], [], [], []
        for _ in range(args.repeats):
            seconds, cpu, timing = homeostat_pipeline(binary, data, out)
            ours_times.append(seconds)
            ours_cpu.append(cpu)
            seconds, cpu, theirs = pandas_pipeline(data)
            theirs_times.append(seconds)
            theirs_cpu.append(cpu)
        worst = compare(out, theirs)
    ours_s, theirs_s = statistics.median(ours_times), statistics.median(theirs_times)
    ours_c, theirs_c = statistics.median(ours_cpu), statistics.median(theirs_cpu)
    print(f"data: {args.metrics} metrics x {args.rows} rows at ~10 s -> "
          f"{timing['output_rows']} x {timing['output_columns']} features; median of {args.repeats} runs")
    print(f"outputs agree: largest absolute difference {worst:.3e}")
    print(f"homeostat stages (resample, fill, z-score, window features), last run: {timing['stage_secs']} s")
    print(f"{'pipeline':<22} {'wall s':>8} {'CPU s':>8}")
    print(f"{'homeostat-metrics':<22} {ours_s:>8.3f} {ours_c:>8.3f}")
    print(f"{'pandas ' + pd.__version__:<22} {theirs_s:>8.3f} {theirs_c:>8.3f}")
    print(f"ratio: homeostat-metrics is {theirs_s / ours_s:.1f}x faster than pandas in wall time, "
          f"{theirs_c / ours_c:.1f}x in CPU time of the thread")
    assert worst < 1e-9, "the outputs disagree"


if __name__ == "__main__":
    main()
