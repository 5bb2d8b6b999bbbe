"""Workforce fixtures: provider profiles for the shared personas, on a fixed day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from doorstep.core import clock
from doorstep.workforce.enums import NurseTitle, ProviderKind
from doorstep.workforce.models import Provider

from .helpers import TODAY


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@dataclass
class Staff:
    """Provider rows for the personas: nurse_chen and caregiver_zhao at institution A,
    nurse_b at institution B. All start as drafts."""

    nurse: Provider
    caregiver: Provider
    other_nurse: Provider


@pytest.fixture
def staff(personas: Any, world: Any, today: dt.date) -> Staff:
    nurse = Provider.objects.create(
        user=personas.nurse,
        kind=ProviderKind.NURSE,
        institution=world.inst_a,
        licence_number="NUR-A-0001",
        title=NurseTitle.SENIOR_NURSE,
        practice_start_date=dt.date(2015, 3, 1),
        home_lat=29.861234,
        home_lng=121.543210,
        home_region=world.community1,
    )
    caregiver = Provider.objects.create(
        user=personas.caregiver,
        kind=ProviderKind.CAREGIVER,
        institution=world.inst_a,
    )
    other = Provider.objects.create(
        user=personas.other_nurse,
        kind=ProviderKind.NURSE,
        institution=world.inst_b,
        licence_number="NUR-B-0001",
        title=NurseTitle.SUPERVISING_NURSE,
        practice_start_date=dt.date(2010, 1, 1),
    )
    return Staff(nurse=nurse, caregiver=caregiver, other_nurse=other)
