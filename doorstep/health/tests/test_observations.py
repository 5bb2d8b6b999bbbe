"""Plausible ranges, codes and units of observations (pure)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from doorstep.health.observations import KINDS, InvalidObservation, check


def code(kind: str, value: str, value2: str | None = None) -> str:
    with pytest.raises(InvalidObservation) as info:
        check(kind, D(value), None if value2 is None else D(value2))
    return info.value.code


def test_every_kind_has_a_loinc_code_and_ucum_unit() -> None:
    assert {k: (s.loinc, s.unit) for k, s in KINDS.items()} == {
        "blood_pressure": ("85354-9", "mm[Hg]"),
        "heart_rate": ("8867-4", "/min"),
        "glucose": ("15074-8", "mmol/L"),
        "spo2": ("59408-5", "%"),
        "temperature": ("8310-5", "Cel"),
        "weight": ("29463-7", "kg"),
        "pain": ("72514-3", "{score}"),
    }
    assert KINDS["blood_pressure"].loinc2 == "8462-4"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_range_bounds_are_inclusive(kind: str) -> None:
    spec = KINDS[kind]
    second = None if spec.range2 is None else spec.range2.low
    assert (
        check(kind, spec.range.low + 1 if second else spec.range.low, second)[0] >= spec.range.low
    )
    assert check(kind, spec.range.high, second)[0] == spec.range.high
    step = D(1).scaleb(-spec.decimals)
    below, above = str(spec.range.low - step), str(spec.range.high + step)
    assert code(kind, below, None if second is None else str(second)) == "observation_out_of_range"
    assert code(kind, above, None if second is None else str(second)) == "observation_out_of_range"


def test_blood_pressure_needs_a_lower_diastolic() -> None:
    assert check("blood_pressure", D(142), D(88)) == (D(142), D(88))
    assert code("blood_pressure", "142") == "observation_value_missing"
    assert code("blood_pressure", "90", "95") == "observation_bp_inverted"
    assert code("blood_pressure", "142", "170") == "observation_out_of_range"
    assert code("heart_rate", "72", "60") == "observation_value_invalid"


def test_precision_and_nonsense() -> None:
    assert check("glucose", D("6.8"))[0] == D("6.8")
    assert code("glucose", "6.85") == "observation_precision"
    assert code("heart_rate", "72.5") == "observation_precision"
    assert code("temperature", "NaN") == "observation_value_invalid"
    assert code("cholesterol", "5") == "observation_kind_unknown"
    assert code("spo2", "101") == "observation_out_of_range"
    assert code("pain", "11") == "observation_out_of_range"
