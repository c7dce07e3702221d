"""Throttling of sign-ins and reset requests, counted in the database so every worker agrees.

Each rule counts attempts per key: the account (e-mail) or the client address, kept apart so
that an office behind one address is not locked by one person's typos, and a stranger cannot
lock somebody's account. After `free` attempts the next one waits, and each further attempt
doubles the wait up to `cap`: growing delays, never a lock. A key left alone for `window`
starts again from zero.

An attempt is *taken* before the password is checked, with a compare-and-swap UPDATE on the
counter (`… SET count = n + 1 WHERE key = k AND count = n`): of several parallel requests
only one wins each slot, so parallel guesses get no more checks than sequential ones. The
caller commits right after taking, before the slow password check.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import ThrottleCounter

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
KEEP = timedelta(days=30)     # counters and known devices untouched this long are dropped


def address_block(address: str) -> str:
    """The unit an address rule counts: an IPv4 address, or an IPv6 address's /64.

    One IPv6 subscriber is given a whole /64 (RFC 6177), so counting single IPv6 addresses
    would let one guesser rotate through 2⁶⁴ of them; an IPv4-mapped address counts as its
    IPv4 address. Anything unreadable is counted as it is."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


@dataclass(frozen=True)
class Rule:
    name: str
    free: int              # attempts within the window before any wait
    first_wait: timedelta  # the wait after the last free attempt; doubled after each further one
    cap: timedelta         # the longest wait
    window: timedelta      # left alone this long, the count starts again (≥ cap)

    def wait_after(self, count: int) -> timedelta:
        if count < self.free:
            return timedelta(0)
        return min(self.first_wait * 2 ** min(count - self.free, 30), self.cap)


# One account from any address: 5 tries, then 30 s, 1, 2, 4 min, then 5 min between tries.
LOGIN_ACCOUNT = Rule("login-account", 5, timedelta(seconds=30), timedelta(minutes=5),
                     timedelta(minutes=15))
# One address, any accounts: 20 failures (successes are given back), then growing waits.
LOGIN_ADDRESS = Rule("login-address", 20, timedelta(seconds=30), timedelta(minutes=15),
                     timedelta(hours=1))
# Reset links: 5 requests an hour from one address, 3 an hour for one e-mail.
FORGOT_ADDRESS = Rule("forgot-address", 5, timedelta(minutes=1), timedelta(hours=1),
                      timedelta(hours=1))
FORGOT_EMAIL = Rule("forgot-email", 3, timedelta(minutes=5), timedelta(hours=1),
                    timedelta(hours=1))
_KNOWN = "login-known"


def _key(name: str, subject: str) -> str:
    return f"{name}:{subject}"[:400]


def _dialect_insert():
    """INSERT with ON CONFLICT, in the session's database's own dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _ensure(key: str, now: datetime) -> None:
    insert = _dialect_insert()
    db.session.execute(insert(ThrottleCounter).values(
        key=key, count=0, not_before=EPOCH, updated_at=now).on_conflict_do_nothing())


def take(rule: Rule, subject: str, now: datetime) -> timedelta | None:
    """Take one attempt under `rule` for `subject`; if it must wait instead, how long (and
    nothing is taken)."""
    key = _key(rule.name, subject)
    _ensure(key, now)
    table = ThrottleCounter.__table__
    for _ in range(50):
        row = db.session.execute(sa.select(table.c.count, table.c.not_before, table.c.updated_at)
                                 .where(table.c.key == key)).one()
        fresh = now - row.updated_at > rule.window
        if not fresh and row.not_before > now:
            return row.not_before - now
        count = 1 if fresh else row.count + 1
        wait = rule.wait_after(count)
        # A free attempt leaves the mark where it was: set to this `now`, it made a parallel
        # attempt that began a moment earlier wait (a 429 for a sign-in behind the same
        # address, seen by bench/load_test.py).
        not_before = now + wait if wait else row.not_before
        won = db.session.execute(
            sa.update(table).where(table.c.key == key, table.c.count == row.count)
            .values(count=count, not_before=not_before, updated_at=now))
        if won.rowcount == 1:
            return None
    return rule.first_wait    # lost 50 races in a row: a flood; let this one wait


def give_back(rule: Rule, subject: str) -> None:
    """Return the attempt just taken (a sign-in that succeeded does not count against its
    address)."""
    table = ThrottleCounter.__table__
    db.session.execute(sa.update(table).where(table.c.key == _key(rule.name, subject),
                                              table.c.count > 0)
                       .values(count=table.c.count - 1))


def clear(rule: Rule, subject: str) -> None:
    """Start the count again (an account's, after its right password)."""
    db.session.execute(sa.delete(ThrottleCounter).where(
        ThrottleCounter.key == _key(rule.name, subject)))


def remember_device(email: str, address: str, now: datetime) -> None:
    """This address signed in to this account: its own tries skip the account's waits."""
    key = _key(_KNOWN, f"{email}|{address}")
    _ensure(key, now)
    db.session.execute(sa.update(ThrottleCounter).where(ThrottleCounter.key == key)
                       .values(updated_at=now))


def known_device(email: str, address: str, now: datetime) -> bool:
    updated = db.session.scalar(sa.select(ThrottleCounter.updated_at).where(
        ThrottleCounter.key == _key(_KNOWN, f"{email}|{address}")))
    return updated is not None and now - updated < KEEP


def forget_old(now: datetime) -> None:
    """Counters left alone for KEEP count for nothing; drop them."""
    db.session.execute(sa.delete(ThrottleCounter).where(ThrottleCounter.updated_at < now - KEEP))


@dataclass(frozen=True)
class RateLimit:
    """At most `requests` per `window` for one key (an API token): a fixed window counted in
    the same table and with the same compare-and-swap as the sign-in rules. The counter's
    `updated_at` is where the current window began."""

    name: str
    requests: int
    window: timedelta


def take_in_window(limit: RateLimit, subject: str, now: datetime) -> timedelta | None:
    """Count one request under `limit`; past it, how long until the window ends (and nothing
    is counted).

    One statement on both databases (an API call pays for it on every request): the upsert
    starts a counter, starts a new window when the old one has ended, or counts one more
    while there is room; when there is none its WHERE leaves the row alone and RETURNING
    gives nothing. The row's lock (PostgreSQL) or the write lock (SQLite) makes parallel
    requests count one after another."""
    key = _key(limit.name, subject)
    table = ThrottleCounter.__table__
    insert = _dialect_insert()
    ended = table.c.updated_at <= now - limit.window
    statement = insert(table).values(key=key, count=1, not_before=EPOCH, updated_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"count": sa.case((ended, 1), else_=table.c.count + 1),
              "updated_at": sa.case((ended, now), else_=table.c.updated_at)},
        where=sa.or_(ended, table.c.count < limit.requests),
    ).returning(table.c.count)
    if db.session.execute(statement).first() is not None:
        return None
    began = db.session.scalar(sa.select(table.c.updated_at).where(table.c.key == key))
    return max(began + limit.window - now, timedelta(seconds=1))
