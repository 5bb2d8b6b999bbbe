"""Fixtures of the notifications tests. The rule for tests marked ``redis`` or ``postgres``
(deselected with a printed reason outside CI, never under ``CI=true``) is in the root conftest.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def channels(settings: Any) -> Any:
    """``channels("in_app", "...FailingChannel")`` configures the channel list for a test."""
    from doorstep.notifications.tests import fake_channels

    fake_channels.FailingChannel.calls = 0
    fake_channels.FlakyChannel.calls = 0
    fake_channels.RecordingChannel.calls = 0

    def use(*entries: str) -> None:
        settings.NOTIFICATION_CHANNELS = list(entries)

    return use
