"""Checks that `homeostat demo` wrote a summary with the expected keys and sane values."""

import json
import sys

EXPECTED_STATUSES = {"not_available", "ok"}


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
    print(f"summary.json ok: {len(stages)} stages, "
          f"{sum(s['status'] == 'ok' for s in stages)} ran")


if __name__ == "__main__":
    main(sys.argv[1])
