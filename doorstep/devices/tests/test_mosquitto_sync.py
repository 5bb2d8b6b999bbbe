"""``manage.py mosquitto_sync``: the broker's password file and ACL from the registry."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from doorstep.accounts.policy import Actor
from doorstep.devices import credentials, services


@pytest.mark.django_db
def test_sync_writes_active_devices_and_the_topic_acl(
    kit: Any, personas: Any, tmp_path: Path
) -> None:
    services.retire_device(actor=Actor.of(personas.inst_admin), device=kit.bp)
    out = StringIO()
    call_command(
        "mosquitto_sync",
        "--url",
        "mqtt://doorstep-platform:pl%40tform@127.0.0.1:1883",
        "--passwd",
        str(tmp_path / "passwd"),
        "--acl",
        str(tmp_path / "acl"),
        stdout=out,
    )
    assert "Wrote 1 devices" in out.getvalue()
    lines = dict(line.split(":", 1) for line in (tmp_path / "passwd").read_text().splitlines())
    assert sorted(lines) == sorted(["doorstep-platform", kit.watch.device_id])  # not retired
    assert lines[kit.watch.device_id] == kit.watch.secret_hash
    assert credentials.verify_secret("pl@tform", lines["doorstep-platform"])
    acl = (tmp_path / "acl").read_text()
    assert "user doorstep-platform\ntopic read doorstep/devices/+/events\n" in acl
    assert (
        "pattern write doorstep/devices/%u/events\npattern read doorstep/devices/%u/acks\n" in acl
    )
    assert oct((tmp_path / "passwd").stat().st_mode & 0o777) == "0o640"
