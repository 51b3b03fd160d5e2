"""Checks that `homeostat demo` wrote a summary with the expected keys and sane values."""

import json
import math
import sys

EXPECTED_STATUSES = {"not_available", "ok"}


def check_simulation(figures: dict) -> None:
    """The simulation stage of a --quick run: 6 h of the mixed-faults cluster at 10 s."""
    for key in ("simulated_hours", "scrapes", "metrics", "missing_fraction", "faults_injected",
                "labelled_intervals", "requests", "error_rate", "oom_kills", "crashes"):
        assert key in figures, f"simulation figures lack {key!r}"
        assert math.isfinite(figures[key]) and figures[key] >= 0, f"{key} = {figures[key]}"
    assert figures["simulated_hours"] == 6, figures
    assert figures["scrapes"] == 6 * 360, figures
    assert figures["labelled_intervals"] >= 1, figures
    assert figures["metrics"] == 20 * 5 + 15 * 4 + 5 * 5, figures
    assert 0 < figures["missing_fraction"] < 0.05, figures
    assert figures["requests"] > 1e6, figures
    assert figures["error_rate"] < 0.5, figures


def check_features(figures: dict) -> None:
    """The metrics stage of a --quick run: 6 h on a 1-minute grid."""
    for key in ("series", "counters_as_rates", "rows", "feature_columns", "missing_fraction_before",
                "missing_fraction_after", "labelled_rows", "positive_rows", "train_rows", "test_rows"):
        assert key in figures, f"feature figures lack {key!r}"
        assert math.isfinite(figures[key]) and figures[key] >= 0, f"{key} = {figures[key]}"
    assert figures["rows"] == 6 * 60, figures
    assert figures["series"] == 185 and 0 < figures["counters_as_rates"] < 185, figures
    assert figures["missing_fraction_after"] <= figures["missing_fraction_before"], figures
    assert 0 < figures["positive_rows"] < figures["labelled_rows"] <= figures["rows"], figures
    assert figures["train_rows"] + figures["test_rows"] < figures["labelled_rows"], "the split purges rows"


def check_balance(figures: dict) -> None:
    """The balancing stage: the slow-backend incident with a 1 s timeout, per strategy."""
    for name in ("rr", "swrr", "p2c", "maglev", "peak_ewma", "peak_ewma_ejection"):
        for suffix in ("success_rate", "p99_secs"):
            key = f"{name}_{suffix}"
            assert key in figures, f"balance figures lack {key!r}"
            assert math.isfinite(figures[key]) and figures[key] > 0, f"{key} = {figures[key]}"
        assert figures[f"{name}_success_rate"] <= 1, figures
    assert 0.93 < figures["rr_success_rate"] < 0.97, "round robin feeds the slow backend 1/11 of requests"
    assert figures["peak_ewma_success_rate"] > figures["rr_success_rate"], figures
    assert figures["peak_ewma_ejection_success_rate"] >= 0.999, figures
    assert figures["peak_ewma_ejection_p99_ratio"] <= 1.5, figures


def check_tune(figures: dict) -> None:
    """The concurrency-limit stage of a --quick run: 30 s of overload at twice the capacity."""
    for limiter in ("static50", "aimd", "vegas", "gradient2", "homeostat"):
        for measure in ("goodput_share", "p99_ms", "mean_limit"):
            key = f"{limiter}_{measure}"
            assert key in figures, f"tune figures lack {key!r}"
            assert math.isfinite(figures[key]) and figures[key] >= 0, f"{key} = {figures[key]}"
    assert figures["homeostat_goodput_share"] >= 0.95, figures
    assert figures["homeostat_p99_over_unloaded"] <= 2.0, figures
    assert figures["homeostat_convergence_secs"] <= 10.0, figures
    assert figures["aimd_mean_limit"] > figures["homeostat_mean_limit"], "AIMD runs to its maximum"


def check_predictions(figures: dict) -> None:
    """The fault-prediction stage of a --quick run: a forest scored on the later 30 %."""
    for key in ("trees", "feature_columns", "fit_rows", "validation_rows", "test_rows",
                "test_positive_rows", "threshold", "test_faults", "predicted_faults", "event_recall",
                "false_alarms", "false_alarms_per_day", "mean_lead_minutes"):
        assert key in figures, f"prediction figures lack {key!r}"
        assert math.isfinite(figures[key]) and figures[key] >= 0, f"{key} = {figures[key]}"
    assert figures["trees"] == 40, figures
    assert 0 <= figures["threshold"] <= 1, figures
    assert figures["predicted_faults"] <= figures["test_faults"], figures
    assert 0 <= figures["event_recall"] <= 1, figures
    for key in ("roc_auc", "pr_auc"):
        if key in figures:
            assert 0 <= figures[key] <= 1, figures


def check_alloc(figures: dict) -> None:
    """The placement stage: replicas of the simulated services packed on its 20 nodes."""
    for key in ("replicas", "nodes_available", "nodes_used", "nodes_lower_bound", "gap", "unplaced",
                "nodes_used_ffd", "nodes_used_least_allocated", "peak_utilisation_balanced",
                "peak_utilisation_bound"):
        assert key in figures, f"alloc figures lack {key!r}"
        assert math.isfinite(figures[key]) and figures[key] >= 0, f"{key} = {figures[key]}"
    assert figures["nodes_available"] == 20, figures
    assert figures["unplaced"] == 0, figures
    assert 1 <= figures["nodes_lower_bound"] <= figures["nodes_used"] <= figures["nodes_available"], figures
    assert figures["nodes_used"] <= figures["nodes_used_ffd"] <= figures["nodes_available"], figures
    assert figures["nodes_used"] <= figures["nodes_used_least_allocated"], figures
    assert 0 <= figures["gap"] < 1, figures
    assert 0 < figures["peak_utilisation_bound"] <= figures["peak_utilisation_balanced"] <= 1, figures


def check_forecast(figures: dict) -> None:
    """The forecast and detection stage of a --quick run: 6 h at one minute, 20 nodes."""
    for key in ("forecast_minutes", "forecast_mae_gib", "auto_forecast_mae_gib",
                "naive_mae_gib", "interval_coverage",
                "nodes_scored", "faults", "faults_found", "fault_recall", "false_alarm_minutes",
                "faults_found_ewma_mad", "faults_found_windowed_gaussian"):
        assert key in figures, f"forecast figures lack {key!r}"
        assert math.isfinite(figures[key]) and figures[key] >= 0, f"{key} = {figures[key]}"
    assert figures["forecast_minutes"] == 30, figures
    assert figures["nodes_scored"] == 20, figures
    assert 0 <= figures["interval_coverage"] <= 1, figures
    assert figures["faults_found"] <= figures["faults"], figures
    assert max(figures["faults_found"], figures["faults_found_ewma_mad"]) >= 1, figures


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        summary = json.load(f)
    for key in ("homeostat_version", "seed", "quick", "stages"):
        assert key in summary, f"summary.json lacks {key!r}"
    assert summary["quick"] is True, "the smoke test runs --quick"
    assert isinstance(summary["seed"], int)
    stages = summary["stages"]
    assert len(stages) == 7, f"expected 7 stages, found {len(stages)}"
    for stage in stages:
        assert stage["status"] in EXPECTED_STATUSES, f"unexpected status in {stage}"
        if stage["status"] == "ok":
            assert stage.get("figures"), f"a stage that ran reports figures: {stage}"
    simulation = stages[0]
    assert simulation["provided_by"] == "homeostat-sim" and simulation["status"] == "ok", simulation
    check_simulation(simulation["figures"])
    features = stages[1]
    assert features["provided_by"] == "homeostat-metrics" and features["status"] == "ok", features
    check_features(features["figures"])
    balance = stages[5]
    assert balance["provided_by"] == "homeostat-balance", balance
    if balance["status"] == "ok":
        check_balance(balance["figures"])
    tune = stages[6]
    if tune["status"] == "ok":
        assert tune["provided_by"] == "homeostat-tune", tune
        check_tune(tune["figures"])
    predictions = stages[2]
    if predictions["status"] == "ok":
        assert predictions["provided_by"] == "homeostat-predict", predictions
        check_predictions(predictions["figures"])
    alloc = stages[4]
    if alloc["status"] == "ok":
        assert alloc["provided_by"] == "homeostat-alloc", alloc
        check_alloc(alloc["figures"])
    forecast = stages[3]
    if forecast["status"] == "ok":
        check_forecast(forecast["figures"])
    ran = sum(s["status"] == "ok" for s in stages)
    print(f"summary.json ok: {len(stages)} stages, {ran} ran")


if __name__ == "__main__":
    main(sys.argv[1])
