"""Objects of the dispatch app for the access matrix (``tests/test_access_matrix.py``).

* ``run_id``: a finished plan run of institution A with an empty plan (accepting it
  assigns nothing), created by the dispatcher;
* ``shift_id``: nurse_chen's shift on ``day`` (a Monday in 2030);
* ``plan_day``: a day two days ahead (plans are for today or later).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from doorstep.core import clock
from doorstep.dispatch.enums import RunStatus
from doorstep.dispatch.models import PlanRun, Shift
from doorstep.dispatch.problem import local_zone


def build(*, world: Any, personas: Any, nurse: Any) -> dict[str, Any]:
    now = clock.now()
    # plan days are local (Asia/Shanghai) dates: after 16:00 UTC it is already tomorrow there
    local_day = timezone.localtime(now, local_zone()).date()
    run = PlanRun.objects.create(
        institution=world.inst_a,
        day=local_day + dt.timedelta(days=2),
        status=RunStatus.DONE,
        progress=100,
        best_cost=0,
        time_limit_s=1,
        created_by=personas.dispatcher,
        created_at=now,
        finished_at=now,
        result={"routes": [], "unassigned": [], "changes": [], "figures": {}},
    )
    shift = Shift.objects.create(
        provider=nurse,
        day=dt.date(2030, 1, 7),
        start=dt.time(8, 0),
        end=dt.time(16, 0),
        updated_by=personas.dispatcher,
        updated_at=now,
    )
    return {
        "run_id": run.pk,
        "shift_id": shift.pk,
        "day": "2030-01-07",
        "plan_day": (local_day + dt.timedelta(days=2)).isoformat(),
    }
