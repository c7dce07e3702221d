"""Load test: simulated users against the production layout (issue 10, "Load test in the
repository"). Run on demand, never by the test suite:

    DATABASE_URL=postgresql+psycopg://tracker:…@127.0.0.1:5432/<empty database> make load-test
    LOAD_MINUTES=1 LOAD_USERS=10 DATABASE_URL=… make load-test         # a short run

On an EMPTY PostgreSQL database (refused otherwise): `flask db upgrade`, the demo
(`seed-demo --today-relative`), then 8 lead agencies with a plan of LOAD_ITEMS (125) items
each, one account per simulated user (4 officers for 1 manager; known passwords, in
accounts.json of the run's folder) and the day's reminder planning set a minute or so
after the start. Then the stack of tests/stack.py: nginx (TLS, self-signed) → gunicorn
(LOAD_WEB_CONCURRENCY sync workers; the production default, 3) → PostgreSQL, and `flask
worker` sending to a local SMTP sink (aiosmtpd).
Locust (bench/locustfile.py) runs LOAD_USERS (50) users for LOAD_MINUTES (5), spawning
LOAD_SPAWN_RATE (1) a second, a morning's arrivals (LOAD_SPAWN_RATE=10, all 50 signed in
within 6 s, is the sign-in storm the README reports apart); then the outbox is left to drain.

Prints requests/s and p50/p95/p99 per request, the errors, and the mail verdict; exits 1
if a target is missed: every page's p95 ≤ 300 ms, no failed request, no error in the
server logs, and no mail twice (each Message-ID received once at the sink, exactly the
messages the outbox marked sent, one digest per recipient and day, no event mailed twice).
"""
from __future__ import annotations

import csv
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from smtp_server import SMTPServer  # noqa: E402
from stack import (  # noqa: E402
    FLASK,
    Ports,
    base_env,
    example_env,
    find_nginx,
    migrate,
    production_env,
    running,
)

from tracker import create_app  # noqa: E402
from tracker.agencies import AgencyDirectory  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import Item, MessageStatus, OutboxMessage, Plan, Role, SchedulerRun, User  # noqa: E402
from tracker.notify.service import reminder_settings  # noqa: E402
from tracker.periods import format_date, quarter_label  # noqa: E402
from tracker.plans.service import ItemFields, add_item, create_plan  # noqa: E402
from tracker.statuses import ENDED  # noqa: E402

MINUTES = float(os.environ.get("LOAD_MINUTES", "5"))
USERS = int(os.environ.get("LOAD_USERS", "50"))
# New users a second. A sign-in checks a scrypt hash (~130 ms of CPU by design), so 2 cores
# take about 15 a second with nothing else to do: 10 a second queues every page behind them.
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", "1"))
ITEMS = int(os.environ.get("LOAD_ITEMS", "125"))
# gunicorn's sync workers: the production default (deploy/tracker.env.example), not the
# 2 of tests/stack.py (the item page's throughput target is set for 2).
WEB_CONCURRENCY = os.environ.get("LOAD_WEB_CONCURRENCY") or example_env()["WEB_CONCURRENCY"]
PAGE_P95_MS = 300
OFFICE = "Văn phòng UBND tỉnh"   # the demo's consolidating office
LEADS = ("Sở Công Thương", "Sở Tài chính", "Sở Kế hoạch và Đầu tư", "Sở Tư pháp", "Sở Xây dựng",
         "Sở Nội vụ", "Sở Y tế", "Sở Giáo dục và Đào tạo")
KINDS = ("Đề án", "Kế hoạch", "Quy định", "Chương trình", "Báo cáo", "Quyết định ban hành")
SUBJECTS = ("phát triển hạ tầng thương mại", "chuyển đổi số trong cơ quan nhà nước",
            "quản lý chất thải rắn sinh hoạt", "hỗ trợ doanh nghiệp nhỏ và vừa",
            "nâng cao chất lượng nguồn nhân lực", "cải cách thủ tục hành chính",
            "phát triển nhà ở xã hội", "bảo đảm an toàn thực phẩm",
            "phòng, chống thiên tai và tìm kiếm cứu nạn", "xây dựng nông thôn mới nâng cao")
LEVELS = ("UBND tỉnh", "Chủ tịch UBND tỉnh", "HĐND tỉnh")


def refuse(message: str) -> None:
    print(f"load test refused: {message}", file=sys.stderr)
    sys.exit(2)


def check_database(url: str) -> None:
    """PostgreSQL, and empty: the run migrates it and fills it, so it must be fresh."""
    engine = sa.create_engine(url)
    try:
        if engine.dialect.name != "postgresql":
            refuse("DATABASE_URL must name a PostgreSQL database (the production layout)")
        tables = sa.inspect(engine).get_table_names()
    except sa.exc.OperationalError as error:
        refuse(f"cannot reach the database: {error.orig}")
    finally:
        engine.dispose()
    if tables:
        refuse(f"the database is not empty ({len(tables)} tables); create an empty one, e.g. "
               "su postgres -c 'createdb -O tracker load_t'")


# ---- the data -------------------------------------------------------------------------------

def build(tz: ZoneInfo) -> dict:
    """The lead agencies' plans, the accounts, the day's planning shortly; returns what the
    simulated users need (accounts.json)."""
    today = datetime.now(tz).date()
    rng = random.Random(10)
    directory = AgencyDirectory.load()
    office = directory.find(OFFICE)
    agencies = [directory.find_or_create(name) for name in LEADS]
    for agency in agencies:
        plan = create_plan(f"DANH MỤC ĐỀ ÁN TRÌNH UBND TỈNH NĂM {today.year} "
                           f"CỦA {agency.name.upper()}", agency,
                           f"Báo cáo số {rng.randint(10, 400)}/BC ngày "
                           f"{format_date(today - timedelta(days=60))} của {agency.name}")
        others = [name for name in LEADS if name != agency.name]
        for position in range(1, ITEMS + 1):
            add_item(plan, ItemFields(
                title=f"{rng.choice(KINDS)} {rng.choice(SUBJECTS)} trên địa bàn tỉnh "
                      f"giai đoạn {today.year + 1}-{today.year + 5} (mục {position})",
                lead_agency_name=agency.name,
                coordination=", ".join(rng.sample(others, rng.randint(1, 2))),
                due_period=due_period(rng, today), approving_level=rng.choice(LEVELS),
                position=position), directory)
    db.session.flush()

    officers_wanted = max(1, round(USERS * 0.8))
    officers, by_agency = [], {agency.id: [] for agency in agencies}
    for n in range(1, officers_wanted + 1):
        agency = agencies[(n - 1) % len(agencies)]
        account = dict(email=f"chuyenvien{n}@taithu.example.vn",
                       password=f"chuyenvien-{n}-thu-tai", items=[], plans=[])
        add_user(account, f"Chuyên viên thử tải {n}", Role.OFFICER, agency.id)
        officers.append(account)
        by_agency[agency.id].append(account)
    open_items = db.session.execute(
        sa.select(Item.id, Item.lead_agency_id, Item.plan_id)
        .where(Item.lead_agency_id.in_(by_agency),
               Item.status.not_in([s.value for s in ENDED]))
        .order_by(Item.id)).all()
    shares = Counter()
    for item_id, agency_id, plan_id in open_items:   # each item to one officer of its agency
        account = by_agency[agency_id][shares[agency_id] % len(by_agency[agency_id])]
        shares[agency_id] += 1
        account["items"].append(item_id)
        if plan_id not in account["plans"]:
            account["plans"].append(plan_id)

    managers = []
    order = [office, *agencies]
    seen = Counter()
    for n in range(1, max(1, USERS - officers_wanted) + 1):
        agency = order[(n - 1) % len(order)]
        account = dict(email=f"lanhdao{n}@taithu.example.vn", password=f"lanhdao-{n}-thu-tai",
                       decides=None, agency=agency.id, turn=seen[agency.id])
        seen[agency.id] += 1
        add_user(account, f"Lãnh đạo thử tải {n}", Role.MANAGER, agency.id)
        managers.append(account)
    owned = db.session.execute(sa.select(Plan.owner_agency_id, Plan.id)).all()
    for account in managers:   # an agency's managers share out the requests of its plans
        if account["agency"] != office.id:
            account["decides"] = dict(
                plans=[plan_id for owner, plan_id in owned if owner == account["agency"]],
                modulo=seen[account["agency"]], index=account["turn"])

    # The day's planning (and its digests) while the users work: at the first full minute
    # after the stack's start-up (≈ 20 s) and the first half of the run (less 30 s).
    planning = datetime.now(tz) + timedelta(seconds=20 + max(0.0, MINUTES * 30 - 30))
    planning = planning.replace(second=0, microsecond=0) + timedelta(minutes=1)
    settings = reminder_settings()
    settings.send_time = planning.strftime("%H:%M")
    db.session.commit()
    return dict(year=today.year, officers=officers, managers=managers,
                planning_at=settings.send_time, items=len(open_items))


def due_period(rng: random.Random, today) -> str:
    """Deadlines around today (some late, some due soon) or a coming quarter."""
    if rng.random() < 0.6:
        return format_date(today + timedelta(days=rng.randint(-45, 75)))
    quarter = (today.month - 1) // 3 + rng.randint(0, 4)
    return quarter_label(today.year + quarter // 4, quarter % 4 + 1)


def add_user(account: dict, name: str, role: Role, agency_id: int) -> None:
    user = User(email=account["email"], name=name, role=role.value, agency_id=agency_id)
    user.set_password(account["password"])
    db.session.add(user)


# ---- the run --------------------------------------------------------------------------------

def run_locust(base: str, accounts: Path, prefix: Path, users: int) -> None:
    """Locust headless; its CSV under `prefix`, each request in <folder>/requests.csv."""
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/locustfile.py"),
               "--headless", "-u", str(users), "-r", str(SPAWN_RATE),
               "-t", f"{round(MINUTES * 60)}s", "--host", base, "--csv", str(prefix),
               "--only-summary", "--stop-timeout", "15", "--loglevel", "WARNING"]
    print("$", " ".join(command[1:]), flush=True)
    log = prefix.with_suffix(".out")   # locust's own summary and messages
    env = base_env(LOAD_ACCOUNTS=str(accounts), LOAD_REQUESTS=str(prefix.parent / "requests.csv"))
    with open(log, "w") as output:
        done = subprocess.run(command, cwd=ROOT, env=env, stdout=output,
                              stderr=subprocess.STDOUT, check=False)
    if done.returncode not in (0, 1):   # 1: some request failed, reported below
        print(log.read_text(encoding="utf-8")[-3000:])
        sys.exit(f"locust stopped with status {done.returncode}")


def wait_for_mail(app, stack, started: datetime, timeout: float = 300) -> None:
    """Until the day's planning has run and the outbox has nothing left to send (the worker
    flushes every minute)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.processes["worker"].poll() is not None:
            return
        with app.app_context():
            planned = db.session.scalar(sa.select(sa.func.count()).select_from(SchedulerRun)
                                        .where(SchedulerRun.job == "plan",
                                               SchedulerRun.started_at >= started))
            pending = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                        .where(OutboxMessage.status == MessageStatus.PENDING))
        if planned and not pending:
            return
        print(f"  waiting for the worker: planning {'done' if planned else 'not yet run'}, "
              f"{pending} messages to send", flush=True)
        time.sleep(10)


def mail_verdict(app, received: list) -> tuple[list[str], str]:
    """No mail twice, checked at the sink and in the outbox; returns (problems, summary)."""
    with app.app_context():
        rows = db.session.execute(sa.select(
            OutboxMessage.kind, OutboxMessage.status, OutboxMessage.recipient,
            OutboxMessage.dedupe_key, OutboxMessage.message_id_header,
            OutboxMessage.body_text)).all()
    sent = [row for row in rows if row.status == MessageStatus.SENT]
    at_sink = Counter(str(message.message["Message-ID"]).strip() for message in received)
    recorded = Counter(row.message_id_header for row in sent)
    digests = Counter(row.dedupe_key for row in sent if row.kind == "digest")
    per_day = Counter(tuple(row.dedupe_key.split(":", 2)[1:]) for row in sent
                      if row.kind == "digest")
    events = Counter((row.kind, row.recipient, row.body_text) for row in sent
                     if row.kind != "digest")
    problems = []
    twice = {mid: n for mid, n in at_sink.items() if n > 1}
    if twice:
        problems.append(f"{len(twice)} Message-IDs received more than once at the sink")
    if any(n > 1 for n in recorded.values()):
        problems.append("two outbox rows sent with one Message-ID")
    if set(at_sink) - set(recorded):
        problems.append(f"{len(set(at_sink) - set(recorded))} received but not marked sent "
                        "(a restart would send them again)")
    if set(recorded) - set(at_sink):
        problems.append(f"{len(set(recorded) - set(at_sink))} marked sent, never received")
    if any(n > 1 for n in per_day.values()) or any(n > 1 for n in digests.values()):
        problems.append("a recipient got two digests on one day")
    if any(n > 1 for n in events.values()):
        problems.append(f"{sum(n > 1 for n in events.values())} events mailed twice "
                        "(same kind, recipient and text)")
    left = Counter(row.status for row in rows if row.status not in
                   (MessageStatus.SENT, MessageStatus.CANCELLED))
    if left:
        problems.append(f"outbox not drained: {dict(left)}")
    kinds = Counter(row.kind for row in sent)
    summary = (f"{len(received)} messages received at the sink, {len(at_sink)} Message-IDs; "
               f"{len(sent)} marked sent in the outbox ("
               + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) + ")")
    return problems, summary


# ---- the report -----------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def is_page(kind: str, name: str) -> bool:
    """An HTML page (the p95 target's subject): a GET that is not a file download."""
    return kind == "GET" and "/appendix." not in name


def report(folder: Path) -> list[str]:
    """The table of requests (exact percentiles, from the users' own record); the problems
    against the targets. "After sign-in": the requests begun once the last user was signed
    in, i.e. without the burst of password checks (scrypt) of the start."""
    with open(folder / "requests.csv", newline="", encoding="utf-8") as file:
        rows = [(r["type"], r["name"], float(r["start"]), float(r["ms"]), r["failed"] == "1")
                for r in csv.DictReader(file)]
    conflicts = Counter(name for kind, name, *_ in rows if kind == "CONFLICT")
    rows = [row for row in rows if row[0] != "CONFLICT"]
    if not rows:
        return ["no request was made"]
    first, last = min(r[2] for r in rows), max(r[2] + r[3] / 1000 for r in rows)
    seconds = last - first
    signed_in = max((start + ms / 1000 for kind, name, start, ms, _ in rows
                     if (kind, name) == ("POST", "/login")), default=first)
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for row in rows:
        groups[row[:2]].append(row)
    groups[("", "all pages")] = [row for row in rows if is_page(*row[:2])]
    print(f"\n{seconds:.0f} s of load, the users all signed in after {signed_in - first:.0f} s")
    print(f"{'request':42} {'count':>6} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} "
          f"{'fail':>5} {'p95 after sign-in':>18}  (ms)")
    problems = []
    for (kind, name), found in sorted(groups.items(), key=lambda g: (g[0][0] == "", g[0])):
        times = [ms for *_, ms, _ in found]
        after = [ms for _, _, start, ms, _ in found if start >= signed_in]
        p95 = percentile(times, 0.95)
        page = is_page(kind, name) or name == "all pages"
        missed = page and p95 > PAGE_P95_MS
        print(f"{kind + ' ' + name:42} {len(found):>6} {len(found) / seconds:6.2f} "
              f"{percentile(times, 0.5):6.0f} {p95:6.0f} {percentile(times, 0.99):6.0f} "
              f"{max(times):6.0f} {sum(r[4] for r in found):>5} "
              f"{percentile(after, 0.95) if after else float('nan'):18.0f}"
              f"{'  page' if page else ''}{'  > target' if missed else ''}")
        if missed and name != "all pages":
            problems.append(f"{kind} {name}: p95 {p95:.0f} ms > {PAGE_P95_MS} ms")
    failed = sum(row[4] for row in rows)
    print(f"{'all requests':42} {len(rows):>6} {len(rows) / seconds:6.2f}   ({failed} failed; "
          f"{sum(conflicts.values())} conflicts, 409 on a stale page: {dict(conflicts) or 'none'})")
    if failed:
        problems.append(f"{failed} failed requests")
        with open(folder / "locust_failures.csv", newline="", encoding="utf-8") as file:
            for row in list(csv.DictReader(file))[:10]:
                print(f"  failure ×{row['Occurrences']}: {row['Method']} {row['Name']}: "
                      f"{row['Error'][:200]}")
    with open(folder / "locust_exceptions.csv", newline="", encoding="utf-8") as file:
        exceptions = list(csv.DictReader(file))
    if exceptions:
        problems.append(f"{sum(int(r['Count']) for r in exceptions)} exceptions in the users")
        for row in exceptions[:5]:
            print(f"  exception ×{row['Count']}: {row['Message'][:200]}")
    return problems


def server_errors(stack) -> list[str]:
    """ERROR and CRITICAL lines of gunicorn (the app's and its own) and of the worker."""
    found = []
    for name in ("gunicorn", "worker"):
        for line in stack.log(name).splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("level") in ("ERROR", "CRITICAL"):
                found.append(f"{name}: {entry.get('message', '')[:200]}")
    return found


def main() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        refuse("set DATABASE_URL to an EMPTY PostgreSQL database")
    check_database(url)
    nginx = find_nginx()
    if nginx is None:
        refuse("nginx is not installed (Debian package nginx)")
    folder = Path(tempfile.mkdtemp(prefix="tracker-load-"))
    ports = Ports.free()
    print(f"{USERS} users for {MINUTES:g} min; logs and results in {folder}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start; "
          f"gunicorn: {WEB_CONCURRENCY} sync workers")

    with SMTPServer() as sink:
        env = production_env(folder, ports, DATABASE_URL=url, MAIL_SERVER="127.0.0.1",
                             MAIL_PORT=str(sink.port), MAIL_USE_TLS="0", MAIL_USE_SSL="0",
                             WEB_CONCURRENCY=WEB_CONCURRENCY)
        migrate(env)
        subprocess.run([*FLASK, "seed-demo", "--today-relative"], cwd=ROOT, check=True,
                       env={**env, "TRACKER_ENV": "development"}, capture_output=True, timeout=300)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_AUTOSTART": False,
                          "LOG_FORMAT": "none"})
        started = datetime.now(UTC)
        with app.app_context():
            data = build(ZoneInfo(app.config["TRACKER_TIMEZONE"]))
        accounts = folder / "accounts.json"
        accounts.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        users = len(data["officers"]) + len(data["managers"])
        print(f"data: {data['items']} open items of {len(LEADS)} lead agencies; "
              f"{len(data['officers'])} officers, {len(data['managers'])} managers; "
              f"reminder planning at {data['planning_at']}; built in "
              f"{(datetime.now(UTC) - started).total_seconds():.0f} s", flush=True)

        with running(folder, env, ports, nginx, connections=max(64, 4 * users)) as stack:
            run_locust(stack.base, accounts, folder / "locust", users)
            load_after = os.getloadavg()[0]
            wait_for_mail(app, stack, started)
            errors = server_errors(stack)
        received = list(sink.mailbox.messages)

    print(f"machine: load average {load_after:.2f} at the end of the load")
    problems = report(folder)
    if errors:
        problems.append(f"{len(errors)} errors in the server logs")
        for line in errors[:10]:
            print(f"  {line}")
    mail_problems, summary = mail_verdict(app, received)
    print(f"\nmail: {summary}")
    print("mail twice: " + ("none" if not mail_problems else "; ".join(mail_problems)))
    problems += mail_problems
    print("\n" + ("all targets met" if not problems else "targets missed:\n  "
                  + "\n  ".join(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
