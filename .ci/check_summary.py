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


def check_forecast(figures: dict) -> None:
    """The forecast and detection stage of a --quick run: 6 h at one minute, 20 nodes."""
    for key in ("forecast_minutes", "forecast_mae_gib", "naive_mae_gib", "interval_coverage",
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
    forecast = stages[3]
    if forecast["status"] == "ok":
        check_forecast(forecast["figures"])
    ran = sum(s["status"] == "ok" for s in stages)
    print(f"summary.json ok: {len(stages)} stages, {ran} ran")


if __name__ == "__main__":
    main(sys.argv[1])
