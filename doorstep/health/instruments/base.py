"""The shape of a standard assessment instrument and its scorer (pure, no Django).

An instrument is a list of items; each item offers fixed options, each worth some points.
Answers are ``{item_key: option_value}``; every item must be answered with one of its
options (no partial forms), unknown items are refused. The total is the sum of the
points; a band table turns it into an interpretation with English and Chinese labels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


class InvalidAnswers(ValueError):
    """Answers that cannot be scored. ``code`` is stable; ``item`` names the culprit."""

    def __init__(self, code: str, item: str = "", allowed: Sequence[Any] = ()) -> None:
        self.code = code
        self.item = item
        self.allowed = list(allowed)
        super().__init__(f"{code}: {item}")


@dataclass(frozen=True)
class Option:
    value: Any
    points: int
    label_en: str
    label_zh: str


@dataclass(frozen=True)
class Item:
    key: str
    label_en: str
    label_zh: str
    options: tuple[Option, ...]
    #: Items of one group are alternatives: exactly one of them must be answered
    #: (MNA-SF: BMI, or calf circumference when no BMI can be measured).
    group: str = ""

    @property
    def values(self) -> list[Any]:
        return [o.value for o in self.options]

    def points_for(self, value: Any) -> int:
        for option in self.options:
            if _same(option.value, value):
                return option.points
        raise InvalidAnswers("assessment_answer_invalid", self.key, self.values)


@dataclass(frozen=True)
class Band:
    """Scores ``low``..``high`` (inclusive) mean ``code``."""

    low: int
    high: int
    code: str
    label_en: str
    label_zh: str


@dataclass(frozen=True)
class Result:
    instrument: str
    score: int
    max_score: int
    band: str
    label_en: str
    label_zh: str
    points: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Instrument:
    code: str
    name_en: str
    name_zh: str
    version: str
    source: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    #: Optional answers that are not items (e.g. MMSE's education level) and their values.
    context: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    #: Custom interpretation (score, context) -> band code; default: the band table.
    interpret: Callable[[int, Mapping[str, Any]], str] | None = None

    @cached_property
    def min_score(self) -> int:
        return _total(self.items, min)

    @cached_property
    def max_score(self) -> int:
        return _total(self.items, max)

    def band(self, code: str) -> Band:
        return next(b for b in self.bands if b.code == code)

    def score(self, answers: Mapping[str, Any]) -> Result:
        """Score ``answers``; ``InvalidAnswers`` for a missing, unknown or invalid answer."""
        if not isinstance(answers, Mapping):
            raise InvalidAnswers("assessment_answers_invalid")
        known = {i.key for i in self.items} | set(self.context)
        unknown = sorted(str(k) for k in answers if k not in known)
        if unknown:
            raise InvalidAnswers("assessment_answer_unknown", unknown[0])
        points: dict[str, int] = {}
        groups: dict[str, list[str]] = {}
        for item in self.items:
            if item.group:
                groups.setdefault(item.group, [])
                if item.key in answers and answers[item.key] is not None:
                    groups[item.group].append(item.key)
                    points[item.key] = item.points_for(answers[item.key])
                continue
            if item.key not in answers or answers[item.key] is None:
                raise InvalidAnswers("assessment_answer_missing", item.key, item.values)
            points[item.key] = item.points_for(answers[item.key])
        for group, keys in sorted(groups.items()):
            if not keys:
                raise InvalidAnswers("assessment_answer_missing", group)
            if len(keys) > 1:
                raise InvalidAnswers("assessment_answers_conflict", keys[1])
        ctx: dict[str, Any] = {}
        for key, allowed in self.context.items():
            value = answers.get(key)
            if value is None or not any(_same(value, a) for a in allowed):
                raise InvalidAnswers("assessment_answer_invalid", key, allowed)
            ctx[key] = value
        total = sum(points.values())
        code = self.interpret(total, ctx) if self.interpret else self._band_code(total)
        band = self.band(code)
        return Result(
            instrument=self.code,
            score=total,
            max_score=self.max_score,
            band=band.code,
            label_en=band.label_en,
            label_zh=band.label_zh,
            points=points,
        )

    def _band_code(self, total: int) -> str:
        for band in self.bands:
            if band.low <= total <= band.high:
                return band.code
        raise AssertionError(f"{self.code}: no band for {total}")  # bands cover the range


def _same(a: Any, b: Any) -> bool:
    """Option values compare by value and type (``True`` is not ``1``, ``"5"`` not ``5``)."""
    return type(a) is type(b) and a == b


def _total(items: Sequence[Item], pick: Callable[..., int]) -> int:
    total = 0
    seen: set[str] = set()
    for item in items:
        if item.group:
            if item.group in seen:
                continue
            seen.add(item.group)
            alternatives = [i for i in items if i.group == item.group]
            total += pick(pick(o.points for o in i.options) for i in alternatives)
        else:
            total += pick(o.points for o in item.options)
    return total


def yes_no(yes_points: int, no_points: int) -> tuple[Option, ...]:
    return (
        Option("yes", yes_points, "Yes", "是"),
        Option("no", no_points, "No", "否"),
    )
