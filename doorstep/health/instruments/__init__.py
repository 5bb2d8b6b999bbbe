"""Standard assessment instruments, scored by pure functions (no Django; ADR 0026).

``INSTRUMENTS[code].score(answers)`` returns the total, the band and its English and
Chinese labels, or raises ``InvalidAnswers`` (stable ``code``, the offending ``item``).
``ltc.derive`` turns a Barthel score and a cognition band into the suggested long-term-care
disability level.
"""

from __future__ import annotations

from .ad8 import AD8
from .barthel import BARTHEL
from .base import Band, Instrument, InvalidAnswers, Item, Option, Result
from .braden import BRADEN
from .gds15 import GDS15
from .mmse import MMSE
from .mna_sf import MNA_SF
from .morse import MORSE

INSTRUMENTS: dict[str, Instrument] = {
    i.code: i for i in (BARTHEL, MORSE, BRADEN, AD8, MMSE, MNA_SF, GDS15)
}
#: Derived, not answered: the suggested long-term-care disability level (``ltc.derive``).
LTC_LEVEL = "ltc_level"

__all__ = [
    "INSTRUMENTS",
    "LTC_LEVEL",
    "Band",
    "Instrument",
    "InvalidAnswers",
    "Item",
    "Option",
    "Result",
]
