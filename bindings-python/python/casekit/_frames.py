"""Frames: Arrow data built in Rust, handed to pandas, polars or pyarrow.

pandas, polars and pyarrow are optional (``pip install casekit[pandas]``,
``casekit[polars]``, ``casekit[frames]``); asking for a backend that is not installed
raises ``ImportError`` saying what to install.
"""

from __future__ import annotations

import importlib
from typing import Any, Literal

Backend = Literal["pandas", "polars", "arrow"]

_EXTRA = {"pandas": "pandas", "polars": "polars", "pyarrow": "frames"}


def _require(module: str, backend: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            "casekit frames with backend=%r need %s: pip install 'casekit[%s]'" % (backend, module, _EXTRA[module])
        ) from exc


def to_backend(stream: Any, backend: str) -> Any:
    """Turns the native Arrow stream into a DataFrame (or a ``pyarrow.Table``)."""
    if backend == "polars":
        pl = _require("polars", backend)
        try:
            # polars reads the Arrow PyCapsule stream directly, without pyarrow.
            return pl.DataFrame(stream)
        except TypeError:  # pragma: no cover - polars without PyCapsule support
            pa = _require("pyarrow", backend)
            return pl.from_arrow(pa.table(stream))
    if backend == "pandas":
        _require("pandas", backend)
        pa = _require("pyarrow", backend)
        return pa.table(stream).to_pandas()
    if backend == "arrow":
        pa = _require("pyarrow", backend)
        return pa.table(stream)
    from . import _native

    err = _native.ValidationError("invalid backend: expected 'pandas', 'polars' or 'arrow'")
    err.field = "backend"
    raise err
