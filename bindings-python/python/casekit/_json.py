"""The typed-record machinery: dataclasses built from casekit's JSON and back.

Every record class is a frozen dataclass whose fields are the core's JSON fields.
``from_json`` turns ids into ``uuid.UUID``, times into timezone-aware ``datetime``
(UTC), dates into ``date`` and nested objects into their record classes;
``to_dict`` gives back the core's JSON shape exactly (ids, times and dates as text,
optional fields left out where the core leaves them out).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import sys
import typing
from typing import Any, Callable, ClassVar, Dict, FrozenSet, List, Mapping, Optional, Tuple, Type, TypeVar
from uuid import UUID

_UTC = _dt.timezone.utc

T = TypeVar("T", bound="Record")


def parse_datetime(text: str) -> _dt.datetime:
    """Reads an RFC 3339 time as the core writes it (``...Z``) into an aware datetime."""
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    if sys.version_info < (3, 11):
        # Before 3.11, fromisoformat wants 0, 3 or 6 fraction digits.
        dot = text.find(".")
        if dot != -1:
            end = dot + 1
            while end < len(text) and text[end].isdigit():
                end += 1
            digits = text[dot + 1 : end]
            if len(digits) not in (3, 6):
                digits = (digits + "000000")[:6]
            text = text[: dot + 1] + digits + text[end:]
    value = _dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    return value.astimezone(_UTC)


def format_datetime(value: _dt.datetime) -> str:
    """Writes a time the way the core does: UTC, ``Z``, fraction only when needed."""
    if value.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    value = value.astimezone(_UTC)
    base = value.strftime("%Y-%m-%dT%H:%M:%S")
    micro = value.microsecond
    if micro == 0:
        return base + "Z"
    if micro % 1000 == 0:
        return "%s.%03dZ" % (base, micro // 1000)
    return "%s.%06dZ" % (base, micro)


def _identity(value: Any) -> Any:
    return value


def _json_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_copy(v) for v in value]
    return value


Conv = Callable[[Any], Any]


def _converters(tp: Any) -> Tuple[Conv, Conv]:
    """(from JSON, to JSON) for a field's type."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union:
        inner = [a for a in args if a is not type(None)]
        load, dump = _converters(inner[0]) if len(inner) == 1 else (_identity, _json_copy)
        return (lambda v: None if v is None else load(v)), (lambda v: None if v is None else dump(v))
    if origin in (list, List):
        load, dump = _converters(args[0]) if args else (_identity, _json_copy)
        return (lambda v: [load(x) for x in v]), (lambda v: [dump(x) for x in v])
    if origin in (dict, Dict):
        load, dump = _converters(args[1]) if len(args) == 2 else (_identity, _json_copy)
        return (lambda v: {k: load(x) for k, x in v.items()}), (lambda v: {k: dump(x) for k, x in v.items()})
    if tp is UUID:
        return (lambda v: v if isinstance(v, UUID) else UUID(v)), (lambda v: str(v))
    if tp is _dt.datetime:
        return (lambda v: v if isinstance(v, _dt.datetime) else parse_datetime(v)), format_datetime
    if tp is _dt.date:
        return (lambda v: v if isinstance(v, _dt.date) else _dt.date.fromisoformat(v)), (lambda v: v.isoformat())
    if isinstance(tp, type) and issubclass(tp, Record):
        cls = tp
        return (lambda v: v if isinstance(v, cls) else cls.from_json(v)), (lambda v: v.to_dict())
    return _identity, _json_copy


class Record:
    """Base of casekit's typed records (frozen dataclasses)."""

    # Fields the core leaves out of its JSON when they are None / empty.
    _omit_none: ClassVar[FrozenSet[str]] = frozenset()
    _omit_empty: ClassVar[FrozenSet[str]] = frozenset()
    _plan: ClassVar[Optional[List[Tuple[str, Conv, Conv]]]] = None

    @classmethod
    def _fields_plan(cls) -> List[Tuple[str, Conv, Conv]]:
        plan = cls.__dict__.get("_plan")
        if plan is None:
            namespace = vars(sys.modules[cls.__module__])
            plan = []
            for f in dataclasses.fields(cls):  # type: ignore[arg-type]
                # Annotations are strings (PEP 563); evaluate them in the record's module,
                # not the class (a field named `date` must not hide the type `date`).
                tp = eval(f.type, dict(namespace)) if isinstance(f.type, str) else f.type
                load, dump = _converters(tp)
                plan.append((f.name, load, dump))
            cls._plan = plan
        return plan

    @classmethod
    def from_json(cls: Type[T], data: Mapping[str, Any]) -> T:
        """Builds the record from its JSON form (as the core writes it)."""
        kwargs = {}
        for name, load, _ in cls._fields_plan():
            if name in data:
                kwargs[name] = load(data[name])
        return cls(**kwargs)

    def to_dict(self) -> Dict[str, Any]:
        """The record's JSON form, exactly as the core writes it."""
        out: Dict[str, Any] = {}
        for name, _, dump in type(self)._fields_plan():
            value = getattr(self, name)
            if value is None and name in self._omit_none:
                continue
            if name in self._omit_empty and not value:
                continue
            out[name] = dump(value)
        return out
