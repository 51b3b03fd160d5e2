"""Side-by-side: homeostat-sim's request mode against SimPy on the same job.

The job is the "slow backend" experiment stretched to a longer run: 11
backends with 256 FCFS workers each, log-normal service times (mean 167 ms,
cv 0.5), Poisson arrivals at 1000 requests/s, round robin, and backend 0
pinned at 2 s per request for requests starting service between 15 s and
45 s. Both simulators produce per-request latencies; we time the whole job
(for homeostat: the release `homeostat simulate` process, including start-up
and writing its CSV and JSON; for SimPy: building and running the model in
this process) and check that both agree on the latency quantiles.

Usage (from the repository root, after `cargo build --release -p homeostat-cli`):

    python3 benches/compare/sim_requests_vs_simpy.py [--duration 600] [--repeats 3]

It creates a virtual environment in benches/compare/.venv with simpy pinned.
"""

import argparse
import json
import math
import random
import statistics
import subprocess
import sys
import tempfile
import time
import venv_support
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SIMPY_VERSION = "4.1.2"


def ensure_simpy() -> None:
    venv_support.ensure(["simpy"], [f"simpy=={SIMPY_VERSION}"])


def quantile(sorted_values, q):
    """Nearest-rank quantile, as homeostat's summary computes it."""
    if not sorted_values:
        return math.nan
    k = max(0, math.ceil(q * len(sorted_values)) - 1)
    return sorted_values[k]


def run_simpy(duration: float, seed: int):
    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    backends = [simpy.Resource(env, capacity=256) for _ in range(11)]
    sigma2 = math.log(1 + 0.5 ** 2)
    mu = math.log(0.167) - sigma2 / 2
    sigma = math.sqrt(sigma2)
    latencies = []

    def request(backend: int):
        arrival = env.now
        with backends[backend].request() as slot:
            yield slot
            start = env.now
            if backend == 0 and 15.0 <= start < 45.0:
                service = 2.0
            else:
                service = rng.lognormvariate(mu, sigma)
            yield env.timeout(service)
        latencies.append(env.now - arrival)

    def arrivals():
        next_backend = 0
        while True:
            yield env.timeout(rng.expovariate(1000.0))
            if env.now >= duration:
                return
            env.process(request(next_backend))
            next_backend = (next_backend + 1) % 11

    env.process(arrivals())
    env.run()
    latencies.sort()
    return len(latencies), quantile(latencies, 0.5), quantile(latencies, 0.99)


def run_homeostat(duration: float, seed: int, binary: Path):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "series.csv"
        subprocess.run(
            [str(binary), "simulate", "--scenario", "slow-backend", "--duration", f"{int(duration)}s",
             "--seed", str(seed), "--out", str(out), "--labels", str(Path(tmp) / "labels.json")],
            check=True, stdout=subprocess.DEVNULL)
        summary = json.loads((Path(tmp) / "series.summary.json").read_text())
    latency = summary["latency"]
    return summary["requests"], latency["p50_secs"], latency["p99_secs"]


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="simulated seconds")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ensure_simpy()
    import simpy

    binary = ROOT / "target" / "release" / "homeostat"
    if not binary.exists():
        sys.exit(f"{binary} is missing: run `cargo build --release -p homeostat-cli` first")

    rows = {"homeostat-sim": [], f"SimPy {simpy.__version__}": []}
    results = {}
    for repeat in range(args.repeats):
        seed = 7 + repeat
        for name, fn, extra in (("homeostat-sim", run_homeostat, (binary,)),
                                (f"SimPy {simpy.__version__}", run_simpy, ())):
            seconds, result = timed(fn, args.duration, seed, *extra)
            rows[name].append(seconds)
            results[name] = result

    print(f"job: slow backend, 11 x 256 workers, 1000 req/s for {args.duration:.0f} s simulated, "
          f"round robin; median of {args.repeats} runs")
    print(f"{'simulator':<16} {'wall s':>8} {'requests':>10} {'req/s (wall)':>14} {'p50 s':>7} {'p99 s':>7}")
    medians = {}
    for name, times in rows.items():
        medians[name] = statistics.median(times)
        requests, p50, p99 = results[name]
        print(f"{name:<16} {medians[name]:>8.3f} {requests:>10} {requests / medians[name]:>14,.0f} "
              f"{p50:>7.3f} {p99:>7.3f}")
    simpy_name = next(n for n in rows if n.startswith("SimPy"))
    print(f"ratio: homeostat-sim is {medians[simpy_name] / medians['homeostat-sim']:.1f}x faster than {simpy_name}")


if __name__ == "__main__":
    main()
