"""Registering a home device in Chromium on a phone: the institution admin picks the elder
and the type, sees the device id and secret once, finds it in the list and retires it.
Screenshot: ``test-artifacts/devices-registered.png``."""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from doorstep.devices.models import Device

from .test_browser import PHONE, browser, log_in, shot  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_registers_a_watch_and_retires_it(
    browser: Any,  # noqa: F811
    live_server: Any,
    personas: Any,
    elder_a: Any,
) -> None:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(30_000)
    try:
        _register_and_retire(context.new_page(), personas, elder_a)
    finally:
        context.close()


def _register_and_retire(page: Any, personas: Any, elder_a: Any) -> None:
    log_in(page, personas.inst_admin, language="zh-hans")
    page.get_by_role("link", name="居家设备").first.click()
    expect(page.get_by_test_id("no-devices")).to_be_visible()
    page.locator("#id_elder").select_option(str(elder_a.pk))
    page.locator("#id_type").select_option("watch")
    page.locator("#id_label").fill("卧室")
    page.get_by_test_id("register-submit").click()
    expect(page.get_by_test_id("device-secret")).to_contain_text("密钥只显示这一次")
    device = Device.objects.get()
    expect(page.get_by_test_id("new-device-id")).to_have_text(device.device_id)
    shot(page, "devices-registered")
    row = page.get_by_test_id(f"device-{device.pk}")
    expect(row).to_contain_text("智能手表")
    expect(row).to_contain_text("王秀英")
    page.get_by_test_id(f"retire-{device.pk}").click()
    expect(page.locator(".msg.success")).to_contain_text("设备已停用")
    expect(page.get_by_test_id(f"device-{device.pk}")).to_contain_text("已停用")
    device.refresh_from_db()
    assert device.status == "retired"
