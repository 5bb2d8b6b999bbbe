"""Pure helpers: masking, geo, crypto, log redaction."""

from __future__ import annotations

import logging

import pytest

from doorstep.core import crypto, geo, masking
from doorstep.core.logging import RedactPersonalData, redact


def test_masking_keeps_first_three_and_last_four():
    assert masking.mask_id_number("11010519491231002X") == "110***********002X"
    assert masking.mask_phone("13812345678") == "138****5678"
    assert masking.mask_name("张三丰") == "张**"
    assert masking.mask_id_number("") == ""
    assert masking.mask_phone("12345") == "*****"


def test_haversine_known_distance():
    # Beijing Tiananmen (39.9087, 116.3975) to Shanghai People's Square (31.2304, 121.4737)
    km = geo.haversine_km(39.9087, 116.3975, 31.2304, 121.4737)
    assert 1065 < km < 1070
    assert geo.haversine_km(30.0, 120.0, 30.0, 120.0) == 0.0


def test_point_in_polygon_square():
    ring = [[120.0, 30.0], [121.0, 30.0], [121.0, 31.0], [120.0, 31.0], [120.0, 30.0]]
    assert geo.point_in_polygon(30.5, 120.5, ring)
    assert not geo.point_in_polygon(31.5, 120.5, ring)
    assert not geo.point_in_polygon(30.5, 119.9, ring)


def test_approximate_rounds_to_about_a_kilometre():
    assert geo.approximate(29.861234, 121.543219) == (29.86, 121.54)


def test_encryption_round_trip_and_ciphertext_hides_value():
    token = crypto.encrypt("11010519491231002X")
    assert "11010519491231002X" not in token
    assert crypto.decrypt(token) == "11010519491231002X"
    assert crypto.encrypt("11010519491231002X") != token  # random IV


def test_search_hash_is_keyed_normalised_and_stable(settings):
    h = crypto.search_hash("11010519491231002x ")
    assert h == crypto.search_hash("11010519491231002X")
    assert len(h) == 64
    settings.SEARCH_HASH_KEY = "another-key"
    assert crypto.search_hash("11010519491231002X") != h


def test_redaction_of_ids_and_phones():
    assert redact("id 11010519491231002X phone 13812345678 ok") == (
        "id [id-redacted] phone [phone-redacted] ok"
    )


def test_log_filter_redacts_formatted_arguments(caplog):
    logger = logging.getLogger("doorstep.test.redact")
    logger.addFilter(RedactPersonalData())
    with caplog.at_level(logging.INFO, logger="doorstep.test.redact"):
        logger.info("caller %s asked", "13812345678")
    assert "13812345678" not in caplog.text
    assert "[phone-redacted]" in caplog.text


@pytest.mark.parametrize("bad", ["", "abc"])
def test_mask_short_values(bad):
    assert masking.mask_id_number(bad) == "*" * len(bad)
