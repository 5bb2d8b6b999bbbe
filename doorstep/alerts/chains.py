"""Escalation chains: who is told, in which order, after how long (ADR 0031). Pure.

A chain is a list of ``(step, delay_seconds)``: the step is taken ``delay`` seconds after the
previous one (the first at once, when the alert is raised). Which chain an alert follows
depends on what it is; how fast it moves on its severity. ``settings.ALERTS_CHAINS`` may
replace any entry (same shape), e.g. to slow the chain down in a pilot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings

Chain = Sequence[tuple[str, int]]

#: chain name -> severity -> steps. Elder alerts: family, then the call centre, then the
#: nearest available nurse or volunteer, then a prompt to call 120. A nurse's alarm goes to
#: the security office and the call centre at once, then the prompt to call 110/120. An
#: overdue check-out first asks the nurse, then the security office and the call centre.
DEFAULT_CHAINS: dict[str, dict[str, list[tuple[str, int]]]] = {
    "elder": {
        "critical": [("family", 0), ("operator", 60), ("responder", 120), ("emergency", 180)],
        "warning": [("family", 0), ("operator", 900)],
        "info": [("family", 0)],
    },
    "nurse_alarm": {"critical": [("safety", 0), ("emergency", 120)]},
    "overdue": {
        "warning": [("nurse", 0), ("safety", 600), ("emergency", 300)],
        "critical": [("nurse", 0), ("safety", 600), ("emergency", 300)],
    },
}


def chains() -> Mapping[str, Mapping[str, Chain]]:
    configured = getattr(settings, "ALERTS_CHAINS", None) or {}
    merged: dict[str, dict[str, Chain]] = {k: dict(v) for k, v in DEFAULT_CHAINS.items()}
    for name, by_severity in configured.items():
        merged.setdefault(name, {}).update(by_severity)
    return merged


def chain_name(kind: str) -> str:
    if kind == "nurse_alarm":
        return "nurse_alarm"
    if kind == "checkout_overdue":
        return "overdue"
    return "elder"


def chain_for(kind: str, severity: str) -> Chain:
    by_severity = chains()[chain_name(kind)]
    return by_severity.get(severity) or next(iter(by_severity.values()))


def step_at(chain: Chain, index: int) -> tuple[str, int] | None:
    return tuple(chain[index]) if 0 <= index < len(chain) else None  # type: ignore[return-value]
