"""Every conformance scenario, replayed through the typed Python methods, must give the
same step results and the same final case views and histories as the Rust runner — on
every store: in memory, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import Callable, Optional

import pytest

import casekit
from scenario_runner import EXPECTED, Runner, compare, load, scenario_paths

PATHS = scenario_paths()
STORES = ["memory", "sqlite", "postgres"]


def test_there_are_scenarios() -> None:
    assert len(PATHS) >= 10, "tests/scenarios holds the conformance scenarios"


def _opener(store: str, name: str, tmp_path: Path) -> Optional[Callable[[casekit.ManualClock], casekit.Casebook]]:
    if store == "memory":
        return None
    if store == "sqlite":
        path = tmp_path / (name + ".db")
        return lambda clock: casekit.Casebook.open(path, clock=clock, ids="sequential")
    url = os.environ.get("DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("DATABASE_URL is not set: in CI the PostgreSQL scenarios must run (scripts/test-all sets it)")
        pytest.skip("DATABASE_URL is not set (scripts/test-all starts a throwaway cluster and sets it)")
    schema = "py_%s_%s" % (re.sub(r"[^a-z0-9_]", "_", name)[:24], uuid.uuid4().hex[:8])
    return lambda clock: casekit.Casebook.open(url, clock=clock, ids="sequential", schema=schema)


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_scenario(path: Path, store: str, tmp_path: Path) -> None:
    scenario = load(path)
    result = Runner(scenario, _opener(store, path.stem, tmp_path)).run()
    expected_path = EXPECTED / (path.stem + ".json")
    assert expected_path.exists(), "missing %s (the Rust runner writes it)" % expected_path
    expected = load(expected_path)
    err = compare(expected, result, subset=False)
    assert err is None, "%s on %s: final snapshot differs from the Rust runner's: %s" % (path.stem, store, err)
