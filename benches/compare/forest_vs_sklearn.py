"""Random forest side by side: `homeostat fit-eval` against scikit-learn's
RandomForestClassifier on identical CSVs.

Data: scikit-learn's make_classification, 100k rows x 20 features (10
informative), random_state 0; the first 80k rows train, the rest test.
Both fit 100 trees of depth <= 10 with max_features sqrt on one thread
(n_jobs=1; RAYON_NUM_THREADS=1). Prints one JSON line per tool and the
ratios.

Build the binary first:

    cargo build --release -p homeostat-cli
    python3 benches/compare/forest_vs_sklearn.py [--rows 100000]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import venv_support

PINS = ["numpy==2.3.5", "scikit-learn==1.7.2"]
ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    venv_support.ensure(["numpy", "sklearn"], PINS)
    import numpy as np
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import accuracy_score, roc_auc_score

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=10)
    args = parser.parse_args()

    x, y = make_classification(n_samples=args.rows, n_features=20, n_informative=10,
                               n_redundant=4, random_state=0)
    n_train = args.rows * 4 // 5
    with tempfile.TemporaryDirectory() as tmp:
        header = ",".join([f"f{i}" for i in range(20)] + ["label"])
        paths = {}
        for name, rows in (("train", slice(0, n_train)), ("test", slice(n_train, None))):
            path = Path(tmp) / f"{name}.csv"
            data = np.column_stack([x[rows], y[rows]])
            np.savetxt(path, data, delimiter=",", header=header, comments="",
                       fmt=["%.17g"] * 20 + ["%d"])
            paths[name] = path

        forest = RandomForestClassifier(n_estimators=args.trees, max_depth=args.max_depth,
                                        max_features="sqrt", n_jobs=1, random_state=0)
        started = time.perf_counter()
        forest.fit(x[:n_train], y[:n_train])
        fit_ms = (time.perf_counter() - started) * 1e3
        started = time.perf_counter()
        p = forest.predict_proba(x[n_train:])[:, 1]
        predict_ms = (time.perf_counter() - started) * 1e3
        sk = {
            "tool": "scikit-learn", "fit_ms": fit_ms, "predict_ms": predict_ms,
            "accuracy": accuracy_score(y[n_train:], p > 0.5),
            "roc_auc": roc_auc_score(y[n_train:], p),
        }
        print(json.dumps(sk))

        binary = ROOT / "target" / "release" / "homeostat"
        env = dict(os.environ, RAYON_NUM_THREADS="1")
        out = subprocess.run(
            [str(binary), "fit-eval", "--train", str(paths["train"]), "--test", str(paths["test"]),
             "--target", "label", "--model", "forest", "--trees", str(args.trees),
             "--max-depth", str(args.max_depth), "--max-features", "sqrt", "--seed", "0", "--json"],
            check=True, capture_output=True, text=True, env=env)
        ours = json.loads(out.stdout)
        ours["tool"] = "homeostat"
        print(json.dumps(ours))
        print(json.dumps({
            "fit_time_ratio": ours["fit_ms"] / sk["fit_ms"],
            "predict_time_ratio": ours["predict_ms"] / sk["predict_ms"],
            "accuracy_diff": ours["accuracy"] - sk["accuracy"],
            "roc_auc_diff": ours["roc_auc"] - sk["roc_auc"],
        }))


if __name__ == "__main__":
    sys.exit(main())
