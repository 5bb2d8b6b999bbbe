"""The provider's earnings page: the month's visits with price and own share, the total,
months to move between; only providers, each seeing their own."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.billing import payments
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import first_visit, place
from doorstep.organizations.models import Contract
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

from ...billing.tests.test_settlement import _complete

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def login_as(client: Any, login_as: Any) -> Any:
    def do(user: Any, lang: str = "en") -> Any:
        client.logout()
        return login_as(user, lang)

    return do


def test_nurse_sees_the_month_and_her_share(
    login_as, personas, world, elder_a, catalog, providers, frozen
):
    Contract.objects.create(
        institution=world.inst_a,
        effective_from=frozen.now.date().replace(month=1, day=1),
        platform_bp=1000,
        institution_bp=3000,
        provider_bp=6000,
    )
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    payments.request_payment(
        actor=Actor.of(personas.elder),
        order=order,
        channel="cash",
        amount_fen=order.total_fen,
        idempotency_key="earn-page-0001",
    )
    visit = first_visit(order)
    _complete(personas, visit, providers.nurse, frozen)
    share = order.total_fen * 6000 // 10000
    html = login_as(personas.nurse).get("/earnings/?month=2026-06").content.decode()
    assert f'data-testid="earning-{visit.pk}"' in html
    assert f"¥{share // 100}.{share % 100:02d}" in html
    assert 'data-testid="earnings-total"' in html
    assert "Companionship visit" in html
    other = login_as(personas.nurse).get("/earnings/?month=2026-05").content.decode()
    assert f'data-testid="earning-{visit.pk}"' not in other
    assert "No earnings this month." in other
    zh = login_as(personas.nurse, "zh-hans").get("/earnings/?month=2026-06").content.decode()
    assert "我的收入" in zh
    assert "陪伴探访" in zh


def test_only_providers_see_earnings(login_as, personas, providers, frozen):
    for user in (personas.elder, personas.inst_admin, personas.dispatcher):
        assert login_as(user).get("/earnings/").status_code == 404
    assert login_as(personas.caregiver).get("/earnings/?month=nonsense").status_code == 200


def test_the_incentive_is_its_own_line_with_its_reason(
    login_as, personas, world, elder_a, catalog, providers, frozen
):
    """A night visit under a contract with a night incentive: the page shows the contract
    share, the incentive line with its reason, the nurse's total, in both languages."""
    from doorstep.orders.tests.conftest import NOW

    Contract.objects.create(
        institution=world.inst_a,
        effective_from=frozen.now.date().replace(month=1, day=1),
        platform_bp=1000,
        institution_bp=3000,
        provider_bp=6000,
        night_incentive_fen=800,
    )
    order = place(
        personas.elder, elder_a, world.inst_a, catalog.companion, start=NOW.replace(hour=22)
    )
    payments.request_payment(
        actor=Actor.of(personas.elder),
        order=order,
        channel="cash",
        amount_fen=order.total_fen,
        idempotency_key="earn-page-0002",
    )
    visit = first_visit(order)
    _complete(personas, visit, providers.nurse, frozen)
    share = order.total_fen * 6000 // 10000

    def yuan(fen: int) -> str:
        return f"¥{fen // 100}.{fen % 100:02d}"

    html = login_as(personas.nurse).get("/earnings/?month=2026-06").content.decode()
    assert f'data-testid="share">{yuan(share)}<' in html
    assert "Incentive: Night visit" in html
    assert f'data-testid="incentive-night">+{yuan(800)}<' in html
    assert f'data-testid="earned">{yuan(share + 800)}<' in html
    assert f'data-testid="incentive-total">{yuan(800)}<' in html
    zh = login_as(personas.nurse, "zh-hans").get("/earnings/?month=2026-06").content.decode()
    assert "激励: 夜间服务" in zh
    assert "其中激励" in zh
    assert "合同分成" in zh
