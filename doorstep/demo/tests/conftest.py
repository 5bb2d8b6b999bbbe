"""A small demo city (5 % of scale 1: 150 elders, 15 providers, one month of visit history)
seeded per test; `test_history.py` covers the history itself."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.demo.seed import SeedResult, seed_demo

SMALL = 0.05


@pytest.fixture
def seeded(db: Any) -> SeedResult:
    return seed_demo(scale=SMALL, seed=7, history_months=1)
