"""Every conformance scenario, replayed through the typed Python methods, must give the
same step results and the same final case views and histories as the Rust runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenario_runner import EXPECTED, Runner, compare, load, scenario_paths

PATHS = scenario_paths()


def test_there_are_scenarios() -> None:
    assert len(PATHS) >= 10, "tests/scenarios holds the conformance scenarios"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_scenario(path: Path) -> None:
    scenario = load(path)
    result = Runner(scenario).run()
    expected_path = EXPECTED / (path.stem + ".json")
    if not expected_path.exists():
        if not any(EXPECTED.glob("*.json")):
            pytest.skip("tests/scenarios/expected holds no snapshots yet (the Rust runner writes them)")
        pytest.fail("missing %s" % expected_path)
    expected = load(expected_path)
    err = compare(expected, result, subset=False)
    assert err is None, "%s: final snapshot differs from the Rust runner's: %s" % (path.stem, err)
