"""Tree ensembles side by side: `homeostat fit-eval` against scikit-learn on
identical CSVs.

Data: scikit-learn's make_classification, 100k rows x 20 features (10
informative), random_state 0; the first 80k rows train, the rest test.

- `--model forest` (the default): RandomForestClassifier; both fit 100 trees
  of depth <= 10 with max_features sqrt.
- `--model gbdt`: HistGradientBoostingClassifier; both run at most 100
  rounds, learning rate 0.1, 31 leaves, depth <= 10, 20 samples per leaf,
  255 bins, early stopping after 10 rounds without improvement of the loss
  on a 10 % validation split.
- `--model svm` (5k rows by default: both build an n x n kernel): a
  StandardScaler + SVC(probability=True) pipeline; both use an RBF kernel
  with gamma "scale" (1 / features on standardised data), C 1, tolerance
  1e-3, and fit Platt's sigmoid on 5-fold out-of-fold decision values
  before the final fit on all rows.
- `--model tree`: DecisionTreeClassifier(max_depth=10) against linfa-trees'
  DecisionTree (hard 0/1 probabilities on both sides of the comparison:
  scikit-learn's leaves are mostly pure at depth 10, ours are exactly 0/1).

Everything on one thread (n_jobs=1 or threadpoolctl's limit of 1;
RAYON_NUM_THREADS=1). Prints one JSON line per tool and the ratios.

Build the binary first:

    cargo build --release -p homeostat-cli
    python3 benches/compare/forest_vs_sklearn.py [--model gbdt|svm|tree] [--rows 100000] \
        [--binary target/release/homeostat]
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


def sklearn_model(args):
    """The scikit-learn estimator matching `homeostat fit-eval`'s settings."""
    if args.model == "forest":
        from sklearn.ensemble import RandomForestClassifier
        return RandomForestClassifier(n_estimators=args.trees, max_depth=args.max_depth,
                                      max_features="sqrt", n_jobs=1, random_state=0)
    if args.model == "svm":
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC
        return make_pipeline(StandardScaler(), SVC(kernel="rbf", C=args.c, gamma="scale",
                                                   tol=1e-3, probability=True, random_state=0))
    if args.model == "tree":
        from sklearn.tree import DecisionTreeClassifier
        return DecisionTreeClassifier(max_depth=args.max_depth, random_state=0)
    from sklearn.ensemble import HistGradientBoostingClassifier
    return HistGradientBoostingClassifier(
        max_iter=args.trees, learning_rate=args.learning_rate, max_leaf_nodes=31,
        max_depth=args.max_depth, min_samples_leaf=20, max_bins=255, early_stopping=True,
        validation_fraction=0.1, n_iter_no_change=10, random_state=0)


def homeostat_args(args):
    """Model flags of `homeostat fit-eval`."""
    if args.model == "svm":
        return ["--model", "svm", "--kernel", "rbf", "--c", str(args.c), "--seed", "0"]
    if args.model == "tree":
        return ["--model", "tree", "--max-depth", str(args.max_depth)]
    flags = ["--model", args.model, "--trees", str(args.trees),
             "--max-depth", str(args.max_depth), "--seed", "0"]
    if args.model == "forest":
        return flags + ["--max-features", "sqrt"]
    return flags + ["--learning-rate", str(args.learning_rate)]


def write_csvs(tmp, x, y, n_train):
    """The train and test CSVs both tools read."""
    import numpy as np
    header = ",".join([f"f{i}" for i in range(x.shape[1])] + ["label"])
    paths = {}
    for name, rows in (("train", slice(0, n_train)), ("test", slice(n_train, None))):
        path = Path(tmp) / f"{name}.csv"
        data = np.column_stack([x[rows], y[rows]])
        np.savetxt(path, data, delimiter=",", header=header, comments="",
                   fmt=["%.17g"] * x.shape[1] + ["%d"])
        paths[name] = path
    return paths


def main() -> None:
    venv_support.ensure(["numpy", "sklearn", "threadpoolctl"], PINS)
    from sklearn.datasets import make_classification
    from sklearn.metrics import accuracy_score, roc_auc_score
    from threadpoolctl import threadpool_limits

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["forest", "gbdt", "svm", "tree"], default="forest")
    parser.add_argument("--rows", type=int, default=None,
                        help="rows in all (default 100k; 5k for svm)")
    parser.add_argument("--c", type=float, default=1.0, help="C of the SVM")
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=10)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--binary", type=Path, default=ROOT / "target" / "release" / "homeostat")
    args = parser.parse_args()
    if args.rows is None:
        args.rows = 5_000 if args.model == "svm" else 100_000

    x, y = make_classification(n_samples=args.rows, n_features=20, n_informative=10,
                               n_redundant=4, random_state=0)
    n_train = args.rows * 4 // 5
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_csvs(tmp, x, y, n_train)

        model = sklearn_model(args)
        with threadpool_limits(limits=1):
            started = time.perf_counter()
            model.fit(x[:n_train], y[:n_train])
            fit_ms = (time.perf_counter() - started) * 1e3
            started = time.perf_counter()
            p = model.predict_proba(x[n_train:])[:, 1]
            predict_ms = (time.perf_counter() - started) * 1e3
        sk = {
            "tool": "scikit-learn", "model": type(model).__name__, "fit_ms": fit_ms,
            "predict_ms": predict_ms, "accuracy": accuracy_score(y[n_train:], p > 0.5),
            "roc_auc": roc_auc_score(y[n_train:], p),
        }
        if args.model == "gbdt":
            sk["rounds"] = model.n_iter_
        print(json.dumps(sk))

        env = dict(os.environ, RAYON_NUM_THREADS="1")
        out = subprocess.run(
            [str(args.binary), "fit-eval", "--train", str(paths["train"]), "--test",
             str(paths["test"]), "--target", "label", *homeostat_args(args), "--json"],
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
