"""The pure ledger core: an entry balances or is refused; reversals undo; drift is found."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.billing import journal
from doorstep.billing.journal import Line, UnbalancedEntry, credit, debit


def test_check_merges_lines_per_account_and_sorts() -> None:
    lines = journal.check([debit("b", 500), debit("b", 300), credit("a", 800)])
    assert lines == (Line("a", -800), Line("b", 800))


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([debit("a", 500), credit("b", 400)], "sum to 100"),
        ([debit("a", 500)], "sum to 500"),
        ([debit("a", 0), credit("b", 0)], "zero line"),
        ([debit("a", 500), credit("a", 500)], "at least two accounts"),
        ([], "at least two accounts"),
        ([Line("a", 1.5), Line("b", -1.5)], "not an integer"),  # type: ignore[arg-type]
        ([Line("a", True), Line("b", -1)], "not an integer"),
    ],
)
def test_check_refuses(lines: list[Line], message: str) -> None:
    with pytest.raises(UnbalancedEntry, match=message):
        journal.check(lines)


def test_reversal_undoes_an_entry() -> None:
    entry = journal.check([debit("clearing:cash", 12000), credit("patient:1", 12000)])
    assert journal.balances([entry, journal.reversal(entry)]) == {
        "clearing:cash": 0,
        "patient:1": 0,
    }


def test_shown_uses_the_normal_side() -> None:
    assert journal.shown("asset", 500) == 500
    assert journal.shown("liability", -500) == 500
    assert journal.shown("revenue", -1) == 1
    with pytest.raises(ValueError, match="unknown account kind"):
        journal.shown("cash", 1)


def test_drift_lists_only_differences() -> None:
    assert journal.drift({"a": 5, "b": 0}, {"a": 5, "c": 0}) == {}
    assert journal.drift({"a": 5}, {"a": 7, "b": -7}) == {"a": (5, 7), "b": (0, -7)}


ACCOUNTS = st.sampled_from(["patient:1", "payer:ltci", "provider:3", "platform", "clearing:pos"])


@st.composite
def entries(draw: st.DrawFn) -> list[Line]:
    """A random balanced entry: random debits, then one credit that balances them."""
    debits = draw(st.lists(st.tuples(ACCOUNTS, st.integers(1, 10**7)), min_size=1, max_size=4))
    against = draw(ACCOUNTS.filter(lambda a: a not in {d[0] for d in debits}))
    total = sum(v for _, v in debits)
    return [debit(a, v) for a, v in debits] + [credit(against, total)]


@given(st.lists(entries(), max_size=30))
def test_any_sequence_of_entries_sums_to_zero(es: list[list[Line]]) -> None:
    checked = [journal.check(e) for e in es]
    assert sum(journal.balances(checked).values()) == 0
    for e in checked:
        assert sum(ln.amount_fen for ln in e) == 0


@given(entries(), st.integers(1, 10**6))
def test_tampered_entry_is_refused(e: list[Line], extra: int) -> None:
    tampered = [*e[:-1], Line(e[-1].account, e[-1].amount_fen + extra)]
    with pytest.raises(UnbalancedEntry):
        journal.check(tampered)
