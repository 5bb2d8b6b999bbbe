"""Fixtures of the apps, reused by the cross-cutting tests in this folder."""

from doorstep.people.tests.conftest import elder_a, elder_b  # noqa: F401
from doorstep.workforce.tests.conftest import staff, today  # noqa: F401
