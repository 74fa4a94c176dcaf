"""Frames: cases, events, goals, assessments and notes as pandas and polars DataFrames
(Arrow built in Rust). The test command installs the frames extra, so these run there;
without pandas or polars they are skipped with the reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import casekit
from helpers import AVA, IRIS, MAYA, SAM, book, open_active_case


@pytest.fixture(scope="module")
def filled() -> casekit.Casebook:
    b = book()
    for name in ["Dolores Ortega", "Luis Herrera", "Amina Yusuf"]:
        open_active_case(b, name)
    closed = open_active_case(b, "Chen Wei")
    b.close(MAYA, closed.case_id, reason="goals_achieved", summary="Arrears paid; SNAP active.")
    b.open_case(IRIS, program="housing", client={"name": "New Client"})
    return b


def test_pandas_cases_frame(filled: casekit.Casebook) -> None:
    pd = pytest.importorskip("pandas", reason="pandas is not installed (pip install 'casekit[pandas]')")
    pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install 'casekit[pandas]')")
    df = filled.cases_frame(SAM)
    assert isinstance(df, pd.DataFrame)
    assert len(df) == 5
    assert list(df["phase"].value_counts().sort_index().items()) == [("active", 3), ("closed", 1), ("intake", 1)]
    assert str(df["opened_at"].dtype).startswith("datetime64") and "UTC" in str(df["opened_at"].dtype)
    assert df["client_household_size"].max() == 3
    closed = df[df["phase"] == "closed"].iloc[0]
    assert closed["closure_reason"] == "goals_achieved"
    assert list(closed["assignees"]) == ["maya"]
    only_closed = filled.cases_frame(SAM, phase="closed")
    assert list(only_closed["client_name"]) == ["Chen Wei"]


def test_polars_frames(filled: casekit.Casebook) -> None:
    pl = pytest.importorskip("polars", reason="polars is not installed (pip install 'casekit[polars]')")
    df = filled.cases_frame(SAM, backend="polars")
    assert isinstance(df, pl.DataFrame)
    assert df.height == 5
    assert df.schema["opened_at"] == pl.Datetime("us", "UTC")
    assert df.schema["tags"] == pl.List(pl.String)
    events = filled.events_frame(SAM, backend="polars")
    assert events.height == sum(len(filled.history(SAM, c)) for c in df["case_id"].to_list())
    by_type = dict(events.group_by("type").len().iter_rows())
    assert by_type["case_opened"] == 5 and by_type["case_closed"] == 1
    goals = filled.goals_frame(SAM, backend="polars")
    assert goals.height == 8
    measured = goals.filter(pl.col("measurements") > 0)
    assert measured["last_value"].to_list() == [1450.0] * 4
    assert goals.schema["due"] == pl.Date


def test_assessments_frame_has_a_column_per_score(filled: casekit.Casebook) -> None:
    pd = pytest.importorskip("pandas", reason="pandas is not installed")
    pytest.importorskip("pyarrow", reason="pyarrow is not installed")
    df = filled.assessments_frame(SAM)
    assert isinstance(df, pd.DataFrame)
    assert {"score_total", "band_total", "instrument", "cycle"} <= set(df.columns)
    assert set(df["score_total"]) == {13.0}
    assert set(df["band_total"]) == {"moderate"}


def test_notes_frames_never_carry_confidential_text(filled: casekit.Casebook) -> None:
    pytest.importorskip("pandas", reason="pandas is not installed")
    pytest.importorskip("pyarrow", reason="pyarrow is not installed")
    for actor in (SAM, MAYA, AVA):
        notes = filled.notes_frame(actor)
        assert "Safety concern disclosed." not in set(notes["text"]) if len(notes) else True
        events = filled.events_frame(actor)
        assert not events["payload"].str.contains("Safety concern").any()
    notes = filled.notes_frame(SAM)
    assert len(notes) == 4 and set(notes["kind"]) == {"contact"}
    events = filled.events_frame(SAM)
    assert events["redacted"].sum() == 4


def test_arrow_backend_and_empty_frames(filled: casekit.Casebook) -> None:
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed")
    table = filled.cases_frame(SAM, backend="arrow")
    assert isinstance(table, pa.Table)
    assert table.schema.field("opened_at").type == pa.timestamp("us", tz="UTC")
    outsider = casekit.Actor("leo", roles=["supervisor"], programs=["employment"])
    empty = filled.cases_frame(outsider, backend="arrow")
    assert empty.num_rows == 0 and empty.schema.names == table.schema.names


def test_missing_backend_says_what_to_install(monkeypatch: Any, filled: casekit.Casebook) -> None:
    import sys

    # A None entry in sys.modules makes `import polars` fail as if it were not installed.
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(ImportError, match=r"pip install 'casekit\[polars\]'"):
        filled.cases_frame(SAM, backend="polars")


def test_frame_times_are_utc(filled: casekit.Casebook) -> None:
    pytest.importorskip("pandas", reason="pandas is not installed")
    pytest.importorskip("pyarrow", reason="pyarrow is not installed")
    df = filled.events_frame(SAM)
    first = df["recorded_at"].min().to_pydatetime()
    assert first.tzinfo is not None and first.utcoffset() == dt.timedelta(0)
