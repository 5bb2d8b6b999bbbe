"""Fixtures of the day-planning tests (the tiny city of ``plan_scene``)."""

from doorstep.dispatch.tests.plan_scene import (  # noqa: F401
    catalog,
    city,
    elder_a,
    elder_b,
    frozen,
    providers,
    staff,
    today,
)
