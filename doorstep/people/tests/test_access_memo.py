"""Family access is remembered per process between changes (ADR 0018). Outside a test
transaction the memo is on: the consent and link flows must still cut access at once."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.people.models import Elder

from . import test_family_consent as flows

pytestmark = pytest.mark.django_db(transaction=True)


def test_withdrawn_consent_cuts_remembered_access(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    flows.test_confirmed_and_consented_link_gives_access_and_withdrawal_cuts_it(
        api_as, personas, elder_a
    )


def test_revoked_link_cuts_remembered_access(api_as: Any, personas: Any, elder_a: Elder) -> None:
    flows.test_revoked_link_gives_no_access(api_as, personas, elder_a)
