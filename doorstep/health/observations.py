"""What each observation kind is: its LOINC code, UCUM unit and plausible range (pure).

A value outside the plausible range is refused (``observation_out_of_range``): such a
reading is a typing or device error, not a clinical finding. The ranges are wider than
any alarm threshold: they bound what a living elder at home can show.
Blood pressure is one observation (the LOINC panel 85354-9) with two components:
``value`` is the systolic (8480-6) and ``value2`` the diastolic (8462-4) pressure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Range:
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class KindSpec:
    kind: str
    loinc: str
    unit: str
    label_en: str
    label_zh: str
    range: Range
    decimals: int
    #: The second component (blood pressure: diastolic), if any.
    loinc2: str = ""
    label2_en: str = ""
    label2_zh: str = ""
    range2: Range | None = None


def _r(low: str, high: str) -> Range:
    return Range(Decimal(low), Decimal(high))


KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            "blood_pressure",
            "85354-9",
            "mm[Hg]",
            "Systolic blood pressure",
            "收缩压",
            _r("50", "260"),
            0,
            loinc2="8462-4",
            label2_en="Diastolic blood pressure",
            label2_zh="舒张压",
            range2=_r("30", "160"),
        ),
        KindSpec("heart_rate", "8867-4", "/min", "Heart rate", "心率", _r("20", "220"), 0),
        KindSpec("glucose", "15074-8", "mmol/L", "Blood glucose", "血糖", _r("1", "35"), 1),
        KindSpec("spo2", "59408-5", "%", "Oxygen saturation", "血氧饱和度", _r("50", "100"), 0),
        KindSpec("temperature", "8310-5", "Cel", "Body temperature", "体温", _r("34", "43"), 1),
        KindSpec("weight", "29463-7", "kg", "Body weight", "体重", _r("20", "200"), 1),
        KindSpec(
            "pain", "72514-3", "{score}", "Pain score (0-10)", "疼痛评分（0-10）", _r("0", "10"), 0
        ),
    )
}
SYSTOLIC_LOINC = "8480-6"


class InvalidObservation(ValueError):
    def __init__(
        self, code: str, field: str, low: Decimal | None = None, high: Decimal | None = None
    ):
        self.code = code
        self.field = field
        self.low = low
        self.high = high
        super().__init__(f"{code}: {field}")


def _in_range(value: Decimal, bounds: Range, decimals: int, field: str) -> Decimal:
    if not value.is_finite():
        raise InvalidObservation("observation_value_invalid", field)
    if value.as_tuple().exponent < -decimals:  # type: ignore[operator]
        raise InvalidObservation("observation_precision", field)
    if not bounds.low <= value <= bounds.high:
        raise InvalidObservation("observation_out_of_range", field, bounds.low, bounds.high)
    return value


def check(
    kind: str, value: Decimal, value2: Decimal | None = None
) -> tuple[Decimal, Decimal | None]:
    """The validated (value, value2) of one reading, or ``InvalidObservation``."""
    spec = KINDS.get(kind)
    if spec is None:
        raise InvalidObservation("observation_kind_unknown", "kind")
    first = _in_range(value, spec.range, spec.decimals, "value")
    if spec.range2 is None:
        if value2 is not None:
            raise InvalidObservation("observation_value_invalid", "value2")
        return first, None
    if value2 is None:
        raise InvalidObservation("observation_value_missing", "value2")
    second = _in_range(value2, spec.range2, spec.decimals, "value2")
    if second >= first:
        raise InvalidObservation("observation_bp_inverted", "value2")
    return first, second
