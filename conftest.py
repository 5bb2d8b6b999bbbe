"""Shared fixtures: named personas over a small region tree and two institutions.

The personas are the people the issues speak of: an elder, a family proxy, a nurse, an
institution admin, a reviewer, an operator, a regulator and a platform admin, plus a second
institution (``other_*``) for isolation tests.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings

from doorstep.accounts.enums import Role
from doorstep.accounts.models import Membership, User
from doorstep.organizations.enums import InstitutionStatus, InstitutionType
from doorstep.organizations.models import Institution, ServiceArea
from doorstep.regions.models import Region

PASSWORD = "correct-horse-42"  # noqa: S105 - test fixture password


def make_region(
    code: str, level: int, parent: Region | None, zh: str, en: str, **kw: Any
) -> Region:
    path = (parent.path if parent else "/") + code + "/"
    return Region.objects.create(
        code=code, level=level, parent=parent, path=path, name_zh=zh, name_en=en, **kw
    )


@dataclass
class World:
    """A small region tree: one province, one city, two districts, a street and a
    community in each; institution A serves district 1, institution B district 2."""

    province: Region
    city: Region
    district1: Region
    district2: Region
    street1: Region
    street2: Region
    community1: Region
    community2: Region
    inst_a: Institution
    inst_b: Institution


@pytest.fixture(autouse=True)
def _fresh_catalog_memo() -> None:
    """Each test starts with empty process memos: a flushed database reuses ids."""
    from doorstep.core import memo

    memo.bump_all()


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Each test starts in the default language: a test (or a live-server thread) that
    activated Chinese must not change what the next one reads."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


_DB_FIXTURES = frozenset({"db", "transactional_db", "django_db_reset_sequences"})


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    """The rows data migrations load (the ICD-10 subset, ``health`` 0002) are there for every
    test that uses the database. A transactional test (live server, concurrency) ends with a
    flush that empties every table, so a later test in the same process would otherwise find
    none, depending on which tests ran before it in that process (pytest-xdist shares files
    out differently from run to run)."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & _DB_FIXTURES:
        return
    transactional = "transactional_db" in names or bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    from doorstep.health.data import load_condition_codes
    from doorstep.health.models import ConditionCode

    if not ConditionCode.objects.exists():
        load_condition_codes()


@pytest.fixture
def world(db: Any) -> World:
    p = make_region("330000", 1, None, "浙江省", "Zhejiang")
    c = make_region("330200", 2, p, "宁波市", "Ningbo")
    d1 = make_region("330203", 3, c, "海曙区", "Haishu")
    d2 = make_region("330212", 3, c, "鄞州区", "Yinzhou")
    s1 = make_region("330203001", 4, d1, "南门街道", "Nanmen Street")
    s2 = make_region("330212101", 4, d2, "姜山镇", "Jiangshan Town", is_urban=False)
    m1 = make_region(
        "330203001001",
        5,
        s1,
        "尹江社区",
        "Yinjiang Community",
        centroid_lat=29.86,
        centroid_lng=121.54,
    )
    m2 = make_region(
        "330212101201",
        5,
        s2,
        "陈家团村",
        "Chenjiatuan Village",
        is_urban=False,
        centroid_lat=29.70,
        centroid_lng=121.55,
    )
    a = Institution.objects.create(
        name_zh="海曙社区卫生服务中心",
        name_en="Haishu Community Health Centre",
        type=InstitutionType.COMMUNITY_HEALTH_CENTRE,
        licence_number="PDY-A-001",
        status=InstitutionStatus.ACTIVE,
        region=d1,
    )
    b = Institution.objects.create(
        name_zh="鄞州第二医院",
        name_en="Yinzhou No.2 Hospital",
        type=InstitutionType.SECONDARY_HOSPITAL,
        licence_number="PDY-B-002",
        status=InstitutionStatus.ACTIVE,
        region=d2,
    )
    ServiceArea.objects.create(institution=a, region=d1)
    ServiceArea.objects.create(institution=b, region=d2)
    return World(p, c, d1, d2, s1, s2, m1, m2, a, b)


def make_user(
    username: str, *grants: tuple[str, Institution | None, Region | None], phone: str | None = None
) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        phone=phone,
        display_name=username.replace("_", " ").title(),
    )
    for role, inst, region in grants:
        Membership.objects.create(user=user, role=role, institution=inst, region=region)
    return user


@dataclass
class Personas:
    elder: User
    family: User
    nurse: User
    caregiver: User
    inst_admin: User
    reviewer: User
    dispatcher: User
    operator: User
    regulator: User
    platform_admin: User
    payer_officer: User
    other_admin: User
    other_nurse: User
    other_regulator: User
    nobody: User


@pytest.fixture
def personas(world: World) -> Personas:
    w = world
    return Personas(
        elder=make_user("elder_wang", (Role.ELDER, None, None), phone="13900000001"),
        family=make_user("family_li", (Role.FAMILY, None, None), phone="13900000002"),
        nurse=make_user("nurse_chen", (Role.NURSE, w.inst_a, None), phone="13900000003"),
        caregiver=make_user("caregiver_zhao", (Role.CAREGIVER, w.inst_a, None)),
        inst_admin=make_user("admin_a", (Role.INSTITUTION_ADMIN, w.inst_a, None)),
        reviewer=make_user("reviewer_a", (Role.INSTITUTION_REVIEWER, w.inst_a, None)),
        dispatcher=make_user("dispatcher_a", (Role.DISPATCHER, w.inst_a, None)),
        operator=make_user("operator_1", (Role.OPERATOR, None, w.city)),
        regulator=make_user("regulator_d1", (Role.REGULATOR, None, w.district1)),
        platform_admin=make_user("platform_admin", (Role.PLATFORM_ADMIN, None, None)),
        payer_officer=make_user("payer_ningbo", (Role.PAYER_OFFICER, None, w.city)),
        other_admin=make_user("admin_b", (Role.INSTITUTION_ADMIN, w.inst_b, None)),
        other_nurse=make_user("nurse_b", (Role.NURSE, w.inst_b, None)),
        other_regulator=make_user("regulator_d2", (Role.REGULATOR, None, w.district2)),
        nobody=make_user("no_roles"),
    )


class ApiClient:
    """Real HTTP-shaped calls through Django's test client with a bearer token."""

    def __init__(self, client: Any, user: User | None = None, lang: str = "en") -> None:
        from doorstep.accounts.services import issue_token

        self.client = client
        self.lang = lang
        self.headers: dict[str, str] = {"HTTP_ACCEPT_LANGUAGE": lang}
        if user is not None:
            _, key = issue_token(user=user)
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"

    def _call(self, method: str, path: str, data: Any = None) -> Any:
        fn = getattr(self.client, method)
        if method in ("post", "put", "patch"):
            return fn(path, data=data or {}, content_type="application/json", **self.headers)
        return fn(path, data, **self.headers) if data else fn(path, **self.headers)

    def get(self, path: str, params: Any = None) -> Any:
        return self._call("get", path, params)

    def post(self, path: str, data: Any = None) -> Any:
        return self._call("post", path, data)

    def patch(self, path: str, data: Any = None) -> Any:
        return self._call("patch", path, data)

    def put(self, path: str, data: Any = None) -> Any:
        return self._call("put", path, data)

    def delete(self, path: str) -> Any:
        return self._call("delete", path)


@pytest.fixture
def api_as(client: Any) -> Any:
    """``api_as(user, lang="en")`` -> an API client authenticated as ``user``."""

    def make(user: User | None, lang: str = "en") -> ApiClient:
        return ApiClient(client, user, lang)

    return make


# --- tests that need a real service -------------------------------------------------
# ``@pytest.mark.redis`` tests need ``REDIS_URL``; ``@pytest.mark.postgres`` tests need the
# test database on PostgreSQL (real concurrency, or a worker process that must see it).
# Outside CI a test whose service is missing is deselected and the reason printed at the end
# of the run; under ``CI=true`` nothing is deselected, so a missing service fails loudly.

_DESELECTED: list[str] = []
MOSQUITTO = "/usr/sbin/mosquitto"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def on_postgres() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"))


def _missing(item: pytest.Item) -> str | None:
    if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        return "REDIS_URL is not set (export REDIS_URL=redis://127.0.0.1:6379/0)"
    if item.get_closest_marker("postgres") and not on_postgres():
        return "the test database is not PostgreSQL (set DATABASE_URL=postgres://...)"
    if item.get_closest_marker("mqtt") and not os.path.exists(MOSQUITTO):
        return f"Mosquitto is not installed ({MOSQUITTO}; apt-get install mosquitto)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if in_ci():
        return
    keep, drop = [], []
    for item in items:
        reason = _missing(item)
        if reason:
            drop.append(item)
            _DESELECTED.append(f"{item.nodeid}: {reason}")
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _DESELECTED:
        terminalreporter.section("deselected: service not available (runs in CI)")
        for line in _DESELECTED:
            terminalreporter.write_line(line)
