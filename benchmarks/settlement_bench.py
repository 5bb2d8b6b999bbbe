"""Benchmark the monthly settlement on PostgreSQL (issue 5, item 8: 100,000 visits <= 60 s).

    su postgres -c "createdb -O doorstep doorstep_settlebench"     # from /
    DATABASE_URL=postgres://doorstep:doorstep@127.0.0.1:5432/doorstep_settlebench \\
        flock /tmp/cpu.lock .venv/bin/python benchmarks/settlement_bench.py --json var/settlement_bench.json

Set-up (not timed as settlement; bulk, with PostgreSQL ``COPY``): migrates the database,
empties the ledger, creates ``--institutions`` institutions with ``--providers`` providers'
payables each, then writes the journal of ``--visits`` completed visits in the month
(``--month``) and ``--prior`` visits in the month before (so statements have opening
balances): per visit the three entries the visit loop posts (``order_placed`` Dr patient /
Cr deferred; ``payment_captured`` Dr clearing / Cr patient; ``visit_completed`` Dr deferred /
Cr platform 10 %, institution, provider 60 %), every 50th order paid partly by a payer
(Dr payer receivable), every 40th visit a cancellation fee instead, and one payout per
provider in the month. Running balances are set from the lines, and ``check_ledger``
must find no drift.

Timed: ``statements.monthly_settlement(Period.month(...))``, every provider and institution
statement of the month (and the platform's), the entry point of the pages, the API and
``manage.py settlement``. Checks every statement ties out and the closing balances equal
the accounts' running balances. Exits 1 above ``--target`` seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def _copy(cur: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join("\\N" if v is None else str(v) for v in row))
        buf.write("\n")
    cols = ", ".join(columns)
    with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
        cp.write(buf.getvalue())


def build(month: str, visits: int, prior: int, n_inst: int, n_prov: int) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from doorstep.billing.enums import KIND_OF
    from doorstep.billing.models import Account, JournalEntry, JournalLine
    from doorstep.organizations.models import Institution
    from doorstep.regions.models import Region

    t0 = time.perf_counter()
    tz = timezone.get_current_timezone()
    year, mon = (int(x) for x in month.split("-"))
    start = dt.datetime(year, mon, 1, 8, tzinfo=tz)
    pstart = dt.datetime(year - (mon == 1), (mon - 2) % 12 + 1, 1, 8, tzinfo=tz)
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {JournalLine._meta.db_table}, {JournalEntry._meta.db_table} CASCADE")
        cur.execute(f"TRUNCATE {Account._meta.db_table} CASCADE")
    region = Region.objects.filter(level=1).first() or Region.objects.create(
        code="330000000000", level=1, path="330000000000", name_zh="浙江省", name_en="Zhejiang"
    )
    insts = []
    for i in range(n_inst):
        inst, _ = Institution.objects.get_or_create(
            licence_number=f"SETTLEBENCH-{i:03d}",
            defaults={
                "name_zh": f"结算测试机构{i}",
                "name_en": f"Settlement bench {i}",
                "type": "home_care_agency",
                "region": region,
            },
        )
        insts.append(inst.pk)
    now = timezone.now()
    accounts: dict[str, int] = {}
    acc_rows = []
    next_id = [1]

    def acc(code: str, type_: str, inst: int | None, owner: int | None) -> int:
        if code not in accounts:
            accounts[code] = next_id[0]
            acc_rows.append(
                (
                    next_id[0],
                    code,
                    type_,
                    KIND_OF[type_],
                    inst,
                    owner,
                    "",
                    0,
                    "CNY",
                    now.isoformat(),
                )
            )
            next_id[0] += 1
        return accounts[code]

    entries: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    eid = [0]
    lid = [0]

    def entry(
        event: str,
        key: str,
        at: dt.datetime,
        inst: int | None,
        order: int | None,
        ls: list[tuple[int, int]],
    ) -> None:
        assert sum(a for _, a in ls) == 0
        eid[0] += 1
        entries.append((eid[0], event, key, at.isoformat(), None, inst, order, "", None))
        for account, amount in ls:
            lid[0] += 1
            lines.append((lid[0], eid[0], account, amount))

    platform_acc = acc("platform", "platform", None, None)
    clearing = acc("clearing:online", "clearing", None, None)
    bank = acc("clearing:bank", "clearing", None, None)
    payer = acc("payer:long_term_care", "payer", None, None)
    earned: dict[int, int] = {}
    total = prior + visits
    for n in range(total):
        at = (pstart if n < prior else start) + dt.timedelta(
            seconds=(n % prior if n < prior else n - prior) * 20
        )
        inst_id = insts[n % n_inst]
        prov_no = (n // n_inst) % n_prov
        provider_id = inst_id * 10_000 + prov_no
        patient = acc(f"patient:{n % 20_000 + 1}", "patient", None, n % 20_000 + 1)
        deferred = acc(f"deferred:{inst_id}", "deferred", inst_id, inst_id)
        inst_acc = acc(f"institution:{inst_id}", "institution", inst_id, inst_id)
        prov = acc(f"provider:{provider_id}", "provider", inst_id, provider_id)
        price = 6000 + (n % 97) * 100
        order = n + 1
        by_payer = price * 7 // 10 if n % 50 == 0 else 0
        placed = [(deferred, -price), (patient, price - by_payer)]
        if by_payer:
            placed.append((payer, by_payer))
        entry("order_placed", f"order:{order}", at, inst_id, order, placed)
        entry("payment_captured", f"payment:{order}", at, inst_id, order,
              [(clearing, price - by_payer), (patient, -(price - by_payer))])  # fmt: skip
        done = at + dt.timedelta(hours=2)
        if n % 40 == 39:  # cancelled late: released, then a fee
            fee = price // 5
            entry(
                "visit_cancelled",
                f"visit:{order}",
                done,
                inst_id,
                order,
                [(deferred, price), (patient, -price)],
            )
            p, pr = fee // 10, fee * 6 // 10
            entry("cancellation_fee", f"visit:{order}", done, inst_id, order,
                  [(patient, fee), (platform_acc, -p), (prov, -pr), (inst_acc, -(fee - p - pr))])  # fmt: skip
            earned[prov] = earned.get(prov, 0) + pr
        else:
            p, pr = price // 10, price * 6 // 10
            entry("visit_completed", f"visit:{order}", done, inst_id, order,
                  [(deferred, price), (platform_acc, -p), (prov, -pr), (inst_acc, -(price - p - pr))])  # fmt: skip
            earned[prov] = earned.get(prov, 0) + pr
    pay_at = start + dt.timedelta(days=20)
    for k, (prov, amount) in enumerate(sorted(earned.items())):
        payout = amount // 2
        if payout:
            entry(
                "payout", f"payout:{k + 1}", pay_at, None, None, [(prov, payout), (bank, -payout)]
            )
    t_gen = time.perf_counter() - t0
    acc_table = Account._meta.db_table
    with connection.cursor() as cur:
        c = cur.cursor
        _copy(c, acc_table,
              ["id", "code", "type", "kind", "institution_id", "owner_id", "name", "balance_fen", "currency", "opened_at"],
              acc_rows)  # fmt: skip
        _copy(c, JournalEntry._meta.db_table,
              ["id", "event", "key", "posted_at", "posted_by_id", "institution_id", "order_id", "memo", "reverses_id"],
              entries)  # fmt: skip
        _copy(c, JournalLine._meta.db_table, ["id", "entry_id", "account_id", "amount_fen"], lines)
        for table in (acc_table, JournalEntry._meta.db_table, JournalLine._meta.db_table):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
        cur.execute(
            f"UPDATE {acc_table} a SET balance_fen = s.t FROM (SELECT account_id, sum(amount_fen) t "  # noqa: S608
            f"FROM {JournalLine._meta.db_table} GROUP BY account_id) s WHERE s.account_id = a.id"
        )
        cur.execute(
            f"ANALYZE {acc_table}; ANALYZE {JournalEntry._meta.db_table}; ANALYZE {JournalLine._meta.db_table}"
        )
    return {
        "accounts": len(acc_rows),
        "entries": len(entries),
        "lines": len(lines),
        "generate_s": round(t_gen, 2),
        "load_s": round(time.perf_counter() - t0 - t_gen, 2),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--month", default="2026-11")
    p.add_argument("--visits", type=int, default=100_000)
    p.add_argument("--prior", type=int, default=20_000, help="Visits of the month before.")
    p.add_argument("--institutions", type=int, default=10)
    p.add_argument("--providers", type=int, default=300, help="Per institution.")
    p.add_argument("--target", type=float, default=60.0)
    p.add_argument("--skip-build", action="store_true", help="Reuse the journal already there.")
    p.add_argument("--json", default="")
    args = p.parse_args(argv)
    _setup()
    from django.core.management import call_command
    from django.db import connection

    from doorstep.billing import selectors
    from doorstep.billing.models import Account
    from doorstep.billing.statements import Period, monthly_settlement

    if connection.vendor != "postgresql":
        print("run it on PostgreSQL (DATABASE_URL)", file=sys.stderr)
        return 2
    call_command("migrate", verbosity=0)
    built = (
        {}
        if args.skip_build
        else build(args.month, args.visits, args.prior, args.institutions, args.providers)
    )
    print("built", built, flush=True)
    check = selectors.check()
    assert check.ok, "the generated journal drifts"
    load = os.getloadavg()
    t0, c0 = time.perf_counter(), time.process_time()
    result = monthly_settlement(Period.month(args.month))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    balances = dict(Account.objects.values_list("pk", "balance_fen"))
    kinds = dict(Account.objects.values_list("pk", "kind"))
    from doorstep.billing.journal import shown

    ties = all(s.ties for s in result)
    closing_ok = all(
        s.closing_fen == shown(kinds[s.account_id], balances[s.account_id]) for s in result
    )
    visit_lines = sum(
        1
        for s in result
        if s.subject_type == "provider"
        for ln in s.lines
        if ln.section in ("visit", "fee")
    )
    out = {
        "month": args.month,
        "built": built,
        "statements": len(result),
        "lines": sum(len(s.lines) for s in result),
        "provider_visit_lines": visit_lines,
        "settlement_wall_s": round(wall, 2),
        "settlement_cpu_s": round(cpu, 2),
        "ties": ties,
        "closing_equals_balance": closing_ok,
        "ledger_entries": check.entries,
        "load_before": [round(x, 2) for x in load],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    print(json.dumps(out, indent=2))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=2))
    ok = ties and closing_ok and wall <= args.target
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
