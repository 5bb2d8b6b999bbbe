"""The demo logins, one per role, all with one shared password (ADR 0010).

Static so ``manage.py serve`` can print them without a database query; ``seed_demo``
creates exactly these users. Never used outside a demo database.
"""

from __future__ import annotations

from doorstep.accounts.enums import Role

#: The shared password of every seeded account. Documented in the README; demo only.
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published demo password

#: (role, username) of each demo account, in the order they are printed.
DEMO_USERS: list[tuple[str, str]] = [
    (Role.ELDER, "demo_elder"),
    (Role.FAMILY, "demo_family"),
    (Role.NURSE, "demo_nurse"),
    (Role.CAREGIVER, "demo_caregiver"),
    (Role.VOLUNTEER, "demo_volunteer"),
    (Role.COMMUNITY_DOCTOR, "demo_doctor"),
    (Role.INSTITUTION_ADMIN, "demo_inst_admin"),
    (Role.INSTITUTION_REVIEWER, "demo_reviewer"),
    (Role.INSTITUTION_QUALITY, "demo_quality"),
    (Role.OPERATOR, "demo_operator"),
    (Role.DISPATCHER, "demo_dispatcher"),
    (Role.PLATFORM_ADMIN, "demo_platform_admin"),
    (Role.FINANCE_OFFICER, "demo_finance"),
    (Role.REGULATOR, "demo_regulator"),
    (Role.PAYER_OFFICER, "demo_payer"),
]

_LABELS: dict[str, str] = {
    Role.ELDER: "Elder",
    Role.FAMILY: "Family member",
    Role.NURSE: "Nurse",
    Role.CAREGIVER: "Caregiver",
    Role.VOLUNTEER: "Volunteer",
    Role.COMMUNITY_DOCTOR: "Community doctor",
    Role.INSTITUTION_ADMIN: "Institution admin",
    Role.INSTITUTION_REVIEWER: "Institution reviewer",
    Role.INSTITUTION_QUALITY: "Quality officer",
    Role.OPERATOR: "Call-centre operator",
    Role.DISPATCHER: "Dispatcher",
    Role.PLATFORM_ADMIN: "Platform admin",
    Role.FINANCE_OFFICER: "Finance officer",
    Role.REGULATOR: "Regulator",
    Role.PAYER_OFFICER: "Payer officer",
}

#: (role label, username, password) for every role; printed by ``serve`` and ``seed_demo``.
DEMO_LOGINS: list[tuple[str, str, str]] = [
    (_LABELS[role], username, DEMO_PASSWORD) for role, username in DEMO_USERS
]


def format_logins() -> str:
    """The demo logins as an aligned plain-text table (command output stays English)."""
    width = max(len(label) for label, _, _ in DEMO_LOGINS)
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    lines += [f"  {label:<{width}}  {username}" for label, username, _ in DEMO_LOGINS]
    return "\n".join(lines)
