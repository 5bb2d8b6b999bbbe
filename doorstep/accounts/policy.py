"""The central access model (ADR 0002): who the acting user is and what they act for.

An ``Actor`` is built once per request from the user's active memberships. Every app's
``access.py`` scopes its querysets with these helpers, so a rule changes in one place.
The per-resource rules are the ``RULES`` table below; ``tests/test_access_matrix.py``
fails when an API route has no rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from doorstep.core import sql
from doorstep.core.errors import Forbidden

from .enums import INSTITUTION_ROLES, REGION_ROLES, Role


@dataclass(frozen=True)
class Grant:
    role: str
    institution_id: int | None
    region_id: int | None
    region_path: str | None


@dataclass
class Actor:
    user: Any
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, user: Any) -> Actor:
        """The actor for a user; cached on the user object for the request."""
        if user is None or not getattr(user, "is_authenticated", False):
            return cls(user=None)
        cached = getattr(user, "_doorstep_actor", None)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        grants = _grants_of(user)
        actor = cls(user=user, grants=grants)
        user._doorstep_actor = actor
        return actor

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_platform_admin(self) -> bool:
        return Role.PLATFORM_ADMIN in self.roles

    def institution_ids(self, *roles: str) -> set[int]:
        """Institutions the actor acts for in any of ``roles`` (all institution roles if none)."""
        wanted = set(roles) if roles else set(INSTITUTION_ROLES)
        return {g.institution_id for g in self.grants if g.role in wanted and g.institution_id}

    def region_paths(self, *roles: str) -> list[str]:
        """Region subtrees (materialised paths) the actor acts for in ``roles``.

        A region-scoped role held without a region node means the whole platform: it is
        returned as the empty path ``""`` which prefixes every path.
        """
        wanted = set(roles) if roles else set(REGION_ROLES)
        return sorted({g.region_path or "" for g in self.grants if g.role in wanted})

    def require(self, *roles: str) -> None:
        if not (self.is_platform_admin or self.has(*roles)):
            raise Forbidden()


#: What each role may do to each resource, and through which scope. Scopes:
#:   all        every row on the platform
#:   tenant     rows of the institutions named in the actor's memberships
#:   region     rows inside the region subtree of the membership
#:   linked     rows the actor is linked to (family with consent, elder: self)
#:   assigned   rows tied to the actor's assigned visits, in a window around the visit
#:   pool       a masked summary of open-pool orders the actor is eligible for
#:   self       the actor's own row
#: Missing role = no access (404 for reads of one object, empty lists).
RULES: dict[str, dict[str, dict[str, str]]] = {
    "region": {
        "view": {"*": "all"},
        "change": {Role.PLATFORM_ADMIN: "all"},
    },
    "institution": {
        "view": {"*": "all"},  # public directory: name, type, areas, status
        "change": {Role.PLATFORM_ADMIN: "all", Role.INSTITUTION_ADMIN: "tenant"},
        "view_contract": {
            Role.PLATFORM_ADMIN: "all",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.FINANCE_OFFICER: "tenant",
            Role.REGULATOR: "region",
        },
    },
    "elder": {
        "view": {
            Role.PLATFORM_ADMIN: "all",
            Role.OPERATOR: "region",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_REVIEWER: "tenant",
            Role.INSTITUTION_QUALITY: "tenant",
            Role.DISPATCHER: "tenant",
            Role.COMMUNITY_DOCTOR: "tenant",
            Role.REGULATOR: "region",
            Role.FAMILY: "linked",
            Role.ELDER: "self",
            Role.NURSE: "assigned",
            Role.CAREGIVER: "assigned",
            Role.VOLUNTEER: "assigned",
        },
        "change": {
            Role.PLATFORM_ADMIN: "all",
            Role.OPERATOR: "region",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_REVIEWER: "tenant",
            Role.FAMILY: "linked",
            Role.ELDER: "self",
        },
        "view_unmasked_id": {
            Role.PLATFORM_ADMIN: "all",
            Role.INSTITUTION_REVIEWER: "tenant",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.ELDER: "self",
        },
        # Full mobile phone (others see 138****5678). Regulators never see it.
        "view_unmasked_phone": {
            Role.PLATFORM_ADMIN: "all",
            Role.OPERATOR: "region",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_REVIEWER: "tenant",
            Role.DISPATCHER: "tenant",
            Role.COMMUNITY_DOCTOR: "tenant",
            Role.FAMILY: "linked",
            Role.ELDER: "self",
        },
        # Real name and street address; everyone else who may view (regulators) gets them
        # masked (mask_name, no address, coordinates rounded to ~1 km).
        "view_identity": {
            Role.PLATFORM_ADMIN: "all",
            Role.OPERATOR: "region",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_REVIEWER: "tenant",
            Role.INSTITUTION_QUALITY: "tenant",
            Role.DISPATCHER: "tenant",
            Role.COMMUNITY_DOCTOR: "tenant",
            Role.FAMILY: "linked",
            Role.ELDER: "self",
            Role.NURSE: "assigned",
            Role.CAREGIVER: "assigned",
            Role.VOLUNTEER: "assigned",
        },
        # Register a new elder (the elder: themself; the institution is linked as tenant).
        "create": {
            Role.PLATFORM_ADMIN: "all",
            Role.OPERATOR: "region",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_REVIEWER: "tenant",
            Role.ELDER: "self",
        },
        # Care level and status feed pricing and dispatch: staff only, never family/self.
        "change_assessment": {
            Role.PLATFORM_ADMIN: "all",
            Role.OPERATOR: "region",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_REVIEWER: "tenant",
        },
    },
    "provider": {
        "view": {
            Role.PLATFORM_ADMIN: "all",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_REVIEWER: "tenant",
            Role.INSTITUTION_QUALITY: "tenant",
            Role.DISPATCHER: "tenant",
            Role.REGULATOR: "region",
            Role.NURSE: "self",
            Role.CAREGIVER: "self",
            Role.VOLUNTEER: "self",
            Role.COMMUNITY_DOCTOR: "self",
        },
        "verify": {Role.INSTITUTION_ADMIN: "tenant", Role.INSTITUTION_REVIEWER: "tenant"},
        # create: anyone may also register themselves as a draft (self-registration).
        "create": {Role.PLATFORM_ADMIN: "all", Role.INSTITUTION_ADMIN: "tenant"},
        # change: profile, credentials, submit for verification. A provider changes only
        # their own non-credential fields once verified (services.update_provider).
        "change": {
            Role.PLATFORM_ADMIN: "all",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.NURSE: "self",
            Role.CAREGIVER: "self",
            Role.VOLUNTEER: "self",
            Role.COMMUNITY_DOCTOR: "self",
        },
    },
    # quality (ADR 0014): institution decisions about patients and providers. "region" is
    # the institution's region subtree; "self" for sanctions is the sanctioned provider.
    "blacklist": {
        "view": {
            Role.PLATFORM_ADMIN: "all",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_REVIEWER: "tenant",
            Role.INSTITUTION_QUALITY: "tenant",
            Role.DISPATCHER: "tenant",
            Role.REGULATOR: "region",  # without the reason
        },
        "change": {Role.INSTITUTION_ADMIN: "tenant", Role.INSTITUTION_QUALITY: "tenant"},
    },
    "sanction": {
        "view": {
            Role.PLATFORM_ADMIN: "all",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_REVIEWER: "tenant",
            Role.INSTITUTION_QUALITY: "tenant",
            Role.DISPATCHER: "tenant",
            Role.REGULATOR: "region",
            Role.NURSE: "self",
            Role.CAREGIVER: "self",
            Role.VOLUNTEER: "self",
            Role.COMMUNITY_DOCTOR: "self",
        },
        # removal also deactivates the provider: institution admins only (services).
        "change": {Role.INSTITUTION_ADMIN: "tenant", Role.INSTITUTION_QUALITY: "tenant"},
    },
    "complaint": {
        "view": {
            Role.PLATFORM_ADMIN: "all",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_QUALITY: "tenant",
            Role.REGULATOR: "region",
            Role.OPERATOR: "region",
            Role.FAMILY: "linked",
            Role.ELDER: "self",
        },
        "create": {
            Role.OPERATOR: "region",
            Role.FAMILY: "linked",
            Role.ELDER: "self",
        },
        "handle": {Role.INSTITUTION_ADMIN: "tenant", Role.INSTITUTION_QUALITY: "tenant"},
    },
    "rating": {
        "view": {
            Role.PLATFORM_ADMIN: "all",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_REVIEWER: "tenant",
            Role.INSTITUTION_QUALITY: "tenant",
            Role.DISPATCHER: "tenant",
            Role.REGULATOR: "region",
            Role.FAMILY: "linked",
            Role.ELDER: "self",
            Role.NURSE: "self",
            Role.CAREGIVER: "self",
            Role.VOLUNTEER: "self",
            Role.COMMUNITY_DOCTOR: "self",
        },
        "create": {Role.FAMILY: "linked", Role.ELDER: "self"},
    },
    "quality_review": {
        "view": {
            Role.PLATFORM_ADMIN: "all",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_QUALITY: "tenant",
        },
        "change": {Role.INSTITUTION_ADMIN: "tenant", Role.INSTITUTION_QUALITY: "tenant"},
    },
    # orders and their visits (ADR 0013); actions are checked by doorstep/orders/services.py
    "order": {
        "view": {
            Role.PLATFORM_ADMIN: "all",
            Role.OPERATOR: "region",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_REVIEWER: "tenant",
            Role.INSTITUTION_QUALITY: "tenant",
            Role.DISPATCHER: "tenant",
            Role.FINANCE_OFFICER: "tenant",
            Role.FAMILY: "linked",
            Role.ELDER: "self",
            Role.NURSE: "assigned",
            Role.CAREGIVER: "assigned",
            Role.VOLUNTEER: "assigned",
            Role.COMMUNITY_DOCTOR: "assigned",
        },
    },
    "audit": {"view": {Role.PLATFORM_ADMIN: "all"}},
    "region_stats": {"view": {Role.PLATFORM_ADMIN: "all", Role.REGULATOR: "region"}},
    "notification": {"view": {"*": "self"}},
    # catalog (ADR 0012): the catalogue, caps and policies are public to signed-in users;
    # offerings are managed by the offering institution's admins.
    "catalog": {"view": {"*": "all"}, "change": {Role.PLATFORM_ADMIN: "all"}},
    "offering": {
        "view": {Role.PLATFORM_ADMIN: "all", Role.INSTITUTION_ADMIN: "tenant"},
        "change": {Role.PLATFORM_ADMIN: "all", Role.INSTITUTION_ADMIN: "tenant"},
    },
    # dispatch (ADR 0019): day plans are operational drafts of the institution (no
    # regulator access); providers see their own shifts.
    "plan_run": {
        "view": {
            Role.PLATFORM_ADMIN: "all",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.DISPATCHER: "tenant",
        },
        "change": {
            Role.PLATFORM_ADMIN: "all",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.DISPATCHER: "tenant",
        },
    },
    "shift": {
        "view": {
            Role.PLATFORM_ADMIN: "all",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.DISPATCHER: "tenant",
            Role.NURSE: "self",
            Role.CAREGIVER: "self",
            Role.VOLUNTEER: "self",
            Role.COMMUNITY_DOCTOR: "self",
        },
        "change": {
            Role.PLATFORM_ADMIN: "all",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.DISPATCHER: "tenant",
        },
    },
    # matching (ADR 0020): dispatchers rank and offer; the offered provider answers.
    "matching": {
        "dispatch": {
            Role.PLATFORM_ADMIN: "all",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.DISPATCHER: "tenant",
        },
        "respond": {
            Role.NURSE: "self",
            Role.CAREGIVER: "self",
            Role.VOLUNTEER: "self",
            Role.COMMUNITY_DOCTOR: "self",
        },
    },
    # An elder's excluded providers; never shown to providers. Change: as the elder record.
    "exclusion": {
        "view": {
            Role.PLATFORM_ADMIN: "all",
            Role.OPERATOR: "region",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_REVIEWER: "tenant",
            Role.DISPATCHER: "tenant",
            Role.FAMILY: "linked",
            Role.ELDER: "self",
        },
        "change": {
            Role.PLATFORM_ADMIN: "all",
            Role.OPERATOR: "region",
            Role.INSTITUTION_ADMIN: "tenant",
            Role.INSTITUTION_REVIEWER: "tenant",
            Role.FAMILY: "linked",
            Role.ELDER: "self",
        },
    },
}


def scope_for(actor: Actor, resource: str, action: str) -> set[str]:
    """The scopes under which ``actor`` may do ``action`` on ``resource`` (empty: none)."""
    table = RULES.get(resource, {}).get(action, {})
    if "*" in table and actor.user is not None:
        return {table["*"]}
    return {table[r] for r in actor.roles if r in table}


def _grants_sql() -> str:
    """A user's active memberships with their region's path: one statement, the same text
    for every request (prepared once per database session, ADR 0036)."""
    from doorstep.regions.models import Region

    from .models import Membership

    def build() -> str:
        m = lambda name: sql.column(Membership, name, "m")  # noqa: E731
        return (
            f"SELECT {m('role')}, {m('institution')}, {m('region')}, "  # noqa: S608
            f"{sql.column(Region, 'path', 'r')} FROM {sql.table(Membership)} m "
            f"LEFT JOIN {sql.table(Region)} r ON {sql.column(Region, 'id', 'r')} = {m('region')} "
            f"WHERE {m('user')} = %s AND {m('is_active')} ORDER BY {m('id')}"
        )

    return sql.text("accounts.grants", build)


def _grants_of(user: Any) -> tuple[Grant, ...]:
    """The user's active role grants, remembered per process until a membership, user or
    region changes (``accounts.services.ACCESS``, ADR 0018)."""
    from .services import ACCESS

    def compute() -> tuple[Grant, ...]:
        rows = sql.fetchall(_grants_sql(), [user.pk])
        return tuple(
            Grant(role=role, institution_id=inst, region_id=region, region_path=path)
            for role, inst, region, path in rows
        )

    return ACCESS.remember(("grants", user.pk), compute)
