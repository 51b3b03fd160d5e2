"""Forecasting side by side: homeostat-predict's seasonal ARIMA and
Holt-Winters (through the `forecast_fit` example) against statsmodels on the
same series.

Series (train, then a held-out horizon):
- airline: log of the monthly airline passengers 1949-1960 (Box & Jenkins
  series G), m = 12, last 12 months held out;
- sarima: a generated (1,0,0)(1,0,0)[12] series, 600 values, seed 0;
- taxi: NAB realKnownCause/nyc_taxi.csv summed to hours, m = 24, 28 days
  train, 1 day held out;
- temperature: NAB realKnownCause/ambient_temperature_system_failure.csv,
  first 720 hourly values, m = 24, 24 held out;
- cpu: NAB realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv, first 1000
  five-minute values, 12 held out.

Checks:
1. Fixed-order ARIMA by exact ML (ours `ml`) against statsmodels'
   `ARIMA(...).fit()` (state space, exact likelihood): coefficients agree
   within COEF_TOL absolute and the forecasts within FC_TOL of the
   training series' standard deviation.
2. Automatic choice: our auto-ARIMA, auto-ETS and auto against statsmodels'
   fixed ARIMA and the best-AICc `ETSModel` (additive error; trend none /
   add / damped x season none / add / mul): MASE and sMAPE on the held-out
   values, and fit time, as ratios.

Needs the NAB data in ../shared/data/nab-dev (the NAB series are skipped
with a message otherwise). Build the example first:

    cargo build --release -p homeostat-examples --bin forecast_fit
    python3 benches/compare/forecast_vs_statsmodels.py [--binary PATH]
"""

import argparse
import json
import math
import subprocess
import sys
import time
import warnings
from pathlib import Path

import venv_support

PINS = ["numpy==2.3.5", "pandas==2.2.3", "statsmodels==0.14.5"]
venv_support.ensure(["numpy", "pandas", "statsmodels"], PINS)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from statsmodels.tsa.arima.model import ARIMA  # noqa: E402
from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
NAB = ROOT.parent / "shared" / "data" / "nab-dev" / "data"
COEF_TOL = 0.02
FC_TOL = 0.02

AIRLINE = [
    112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118,
    115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140,
    145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166,
    171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194,
    196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201,
    204, 188, 235, 227, 234, 264, 302, 293, 259, 229, 203, 229,
    242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278,
    284, 277, 317, 313, 318, 374, 413, 405, 355, 306, 271, 306,
    315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336,
    340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337,
    360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405,
    417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432,
]


def series():
    """(name, values, period, horizon, fixed ARIMA order, seasonal order, mean)."""
    out = [("airline", np.log(np.array(AIRLINE, float)), 12, 12, (0, 1, 1), (0, 1, 1), False)]
    rng = np.random.default_rng(0)
    e = rng.standard_normal(600)
    y = np.zeros(600)
    for t in range(600):
        y[t] = e[t] + 10.0
        for lag, c in ((1, 0.5), (12, 0.6), (13, -0.3)):
            if t >= lag:
                y[t] += c * (y[t - lag] - 10.0)
    out.append(("sarima", y, 12, 12, (1, 0, 0), (1, 0, 0), True))
    if NAB.exists():
        taxi = pd.read_csv(NAB / "realKnownCause" / "nyc_taxi.csv", parse_dates=["timestamp"])
        hourly = taxi.set_index("timestamp")["value"].resample("1h").sum().to_numpy()
        out.append(("taxi", hourly[: 29 * 24] / 1000.0, 24, 24, (1, 0, 1), (1, 1, 0), False))
        temp = pd.read_csv(NAB / "realKnownCause" / "ambient_temperature_system_failure.csv")
        out.append(("temperature", temp["value"].to_numpy()[:744], 24, 24, (2, 0, 1), (0, 0, 0), True))
        cpu = pd.read_csv(NAB / "realAWSCloudwatch" / "ec2_cpu_utilization_24ae8d.csv")
        out.append(("cpu", cpu["value"].to_numpy()[:1012], 1, 12, (1, 0, 0), (0, 0, 0), True))
    else:
        print(f"NAB data not found under {NAB}: NAB series skipped", file=sys.stderr)
    return out


def ours(binary, args, train, horizon):
    text = "\n".join(repr(float(v)) for v in train)
    run = subprocess.run(
        [binary, args[0], str(horizon), *map(str, args[1:])],
        input=text, capture_output=True, text=True, check=True,
    )
    line = run.stdout.strip().replace("inf", "Infinity").replace("NaN", "NaN")
    return json.loads(line)


def mase(train, test, forecast, m):
    m = m if m > 1 and len(train) > m else 1
    scale = np.mean(np.abs(train[m:] - train[:-m]))
    return float(np.mean(np.abs(test - forecast)) / scale)


def smape(test, forecast):
    return float(np.mean(2 * np.abs(test - forecast) / (np.abs(test) + np.abs(forecast))) * 100)


def sm_arima(train, order, seasonal, m, mean, horizon):
    start = time.perf_counter()
    so = (*seasonal, m) if sum(seasonal) > 0 else (0, 0, 0, 0)
    fit = ARIMA(train, order=order, seasonal_order=so, trend="c" if mean else "n").fit()
    seconds = time.perf_counter() - start
    names = fit.model.param_names
    params = dict(zip(names, fit.params))
    coef = {
        "ar": [params[f"ar.L{i}"] for i in range(1, order[0] + 1)],
        "ma": [params[f"ma.L{i}"] for i in range(1, order[2] + 1)],
        "sar": [params[f"ar.S.L{m * i}"] for i in range(1, seasonal[0] + 1)],
        "sma": [params[f"ma.S.L{m * i}"] for i in range(1, seasonal[2] + 1)],
    }
    if mean:
        coef["mean"] = [params["const"]]
    return coef, fit.forecast(horizon), seconds, fit.llf


def sm_ets(train, m, horizon):
    start = time.perf_counter()
    best = None
    seasons = [None]
    if m > 1:
        seasons.append("add")
        if np.all(train > 0):
            seasons.append("mul")
    for season in seasons:
        for trend, damped in ((None, False), ("add", False), ("add", True)):
            try:
                fit = ETSModel(train, error="add", trend=trend, damped_trend=damped,
                               seasonal=season, seasonal_periods=m if season else None).fit(disp=False)
            except Exception:  # a variant that does not fit is skipped, as ours
                continue
            if best is None or fit.aicc < best.aicc:
                best = fit
    seconds = time.perf_counter() - start
    return best, np.asarray(best.forecast(horizon)), seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(ROOT.parent / "target-shared" / "release" / "forecast_fit"))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rows, failures = [], 0
    for name, y, m, h, order, seasonal, mean in series():
        train, test = y[:-h], y[-h:]
        sd = float(np.std(train))
        # 1. Fixed order, exact ML on both sides.
        r = ours(args.binary, ["arima", *order, *seasonal, m, "ml", int(mean)], train, h)
        coef, fc, sm_seconds, llf = sm_arima(train, order, seasonal, m, mean, h)
        worst = 0.0
        for key, values in coef.items():
            got = [r["mean"]] if key == "mean" else r[key]
            scale = sd if key == "mean" else 1.0
            for a, b in zip(got, values):
                worst = max(worst, abs(a - b) / scale)
        fc_gap = float(np.max(np.abs(np.array(r["forecast"]) - np.asarray(fc)))) / sd
        ok = worst <= COEF_TOL and fc_gap <= FC_TOL
        failures += not ok
        print(json.dumps({
            "series": name, "check": "arima-ml", "order": [order, seasonal, m],
            "ours": {k: (r[k] if k != "mean" else [r["mean"]]) for k in coef},
            "statsmodels": {k: list(map(float, v)) for k, v in coef.items()},
            "loglik": [r["loglik"], float(llf)],
            "max_coef_gap": worst, "max_forecast_gap_sd": fc_gap, "agree": ok,
            "fit_time_ratio_sm_over_ours": sm_seconds / max(r["fit_seconds"], 1e-9),
        }))
        # 2. Automatic choices: accuracy and time.
        acc = {}
        for label, spec in (("auto-arima", ["auto-arima", m]), ("auto-ets", ["auto-ets", m]), ("auto", ["auto", m])):
            r = ours(args.binary, spec, train, h)
            f = np.array(r["forecast"])
            acc[label] = (mase(train, test, f, m), smape(test, f), r["fit_seconds"], r.get("order"), r.get("seasonal"))
        acc["sm-arima"] = (mase(train, test, np.asarray(fc), m), smape(test, np.asarray(fc)), sm_seconds, None, None)
        best, fc_ets, ets_seconds = sm_ets(train, m, h)
        acc["sm-ets"] = (mase(train, test, fc_ets, m), smape(test, fc_ets), ets_seconds, None, None)
        row = {"series": name, "check": "accuracy"}
        for k, (a, s, sec, o, so) in acc.items():
            row[k] = {"mase": round(a, 4), "smape": round(s, 3), "fit_s": round(sec, 4)}
            if o is not None:
                row[k]["order"] = [o, so]
        row["ratios"] = {
            "mase_auto_arima_over_sm_arima": acc["auto-arima"][0] / acc["sm-arima"][0],
            "mase_auto_ets_over_sm_ets": acc["auto-ets"][0] / acc["sm-ets"][0],
            "time_sm_ets_over_auto_ets": acc["sm-ets"][2] / max(acc["auto-ets"][2], 1e-9),
        }
        print(json.dumps(row))
        rows.append(row)
    print(json.dumps({"arima_ml_disagreements": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
