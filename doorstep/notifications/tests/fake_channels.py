"""Channels for tests: one that always fails, one that fails twice then succeeds, one that
always succeeds (all three sent in the background, unlike the immediate in-app inbox)."""

from __future__ import annotations

from typing import ClassVar

from doorstep.notifications.models import Notification


class GatewayDown(Exception):
    pass


class FailingChannel:
    name = "failing"
    calls: ClassVar[int] = 0

    def send(self, notification: Notification) -> None:
        type(self).calls += 1
        # The message carries a phone number on purpose: it must not reach the delivery row.
        raise GatewayDown("gateway refused 13900000003")


class FlakyChannel:
    name = "flaky"
    calls: ClassVar[int] = 0

    def send(self, notification: Notification) -> None:
        type(self).calls += 1
        if type(self).calls <= 2:
            raise GatewayDown("timeout")


class RecordingChannel:
    """Always succeeds; counts its sends (a stand-in for an SMS gateway that works)."""

    name = "recording"
    calls: ClassVar[int] = 0

    def send(self, notification: Notification) -> None:
        type(self).calls += 1
