"""Sign-in and reset-link throttling: per account and per client address, growing waits
rather than a lock, counted atomically, the client address read through trusted proxies."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import PASSWORD

from tracker import register_proxies
from tracker.auth.throttle import (
    LOGIN_ACCOUNT,
    LOGIN_ADDRESS,
    RateLimit,
    address_block,
    take,
    take_in_window,
)
from tracker.extensions import db
from tracker.models import OutboxMessage, ThrottleCounter

WRONG = "sai-mat-khau-roi"


def login(client, email: str, password: str, address: str = "127.0.0.1", forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def wait_over() -> None:
    """Let every wait end now (as if its time had passed)."""
    db.session.execute(sa.update(ThrottleCounter).values(
        not_before=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()


def test_waits_grow_and_are_capped():
    """Five free attempts for an account, then 30 s, 1, 2, 4 minutes, then 5 minutes at most."""
    assert [LOGIN_ACCOUNT.wait_after(n).total_seconds() for n in range(1, 11)] == [
        0, 0, 0, 0, 30, 60, 120, 240, 300, 300]
    assert LOGIN_ACCOUNT.wait_after(10_000) == timedelta(minutes=5)
    assert LOGIN_ADDRESS.wait_after(19) == timedelta(0) and LOGIN_ADDRESS.cap <= LOGIN_ADDRESS.window


@pytest.mark.parametrize("address, block", [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
    ("::ffff:203.0.113.7", "203.0.113.7"),
    ("fe80::1%eth0", "fe80::/64"),
    ("-", "-"),
    ("not an address", "not an address"),
])
def test_an_ipv6_client_is_counted_by_its_64(address, block):
    """An IPv6 client is counted by its /64, an IPv4 one (mapped or not) by its address; other
    text as it is."""
    assert address_block(address) == block


def test_rotating_ipv6_addresses_within_a_64_share_one_count(client, make_user, seed_plan):
    """One subscriber holds a whole /64: a guesser changing address on every try is still
    counted as one client."""
    user = make_user("officer")
    answers = [login(client, f"ai{i}@x.vn", WRONG, address=f"2001:db8:7:7::{i + 1:x}").status_code
               for i in range(21)]
    assert answers[-1] == 429 and 429 not in answers[:20]
    # Another /64 is another client.
    assert login(client, user.email, PASSWORD, address="2001:db8:7:8::1").status_code == 302
    keys = set(db.session.scalars(sa.select(ThrottleCounter.key)))
    assert "login-address:2001:db8:7:7::/64" in keys


def test_failures_behind_one_proxy_do_not_lock_everyone_behind_it(app, client, make_user,
                                                                  seed_plan):
    """Behind nginx every request comes from the proxy: with TRUSTED_PROXIES=1 the client's
    own address is counted, so one person's failures do not lock the others out."""
    app.config["TRUSTED_PROXIES"] = 1
    register_proxies(app)
    careless, colleague = make_user("officer"), make_user("officer")
    for _ in range(8):
        login(client, careless.email, WRONG, address="10.0.0.1", forwarded="203.0.113.7")
    assert login(client, colleague.email, PASSWORD, address="10.0.0.1",
                 forwarded="203.0.113.8").status_code == 302
    keys = set(db.session.scalars(sa.select(ThrottleCounter.key)))
    assert "login-address:203.0.113.7" in keys and "login-address:10.0.0.1" not in keys


def test_without_trusted_proxies_a_forged_forwarded_header_is_ignored(app, client, make_user,
                                                                      seed_plan):
    """TRUSTED_PROXIES=0 (the default): X-Forwarded-For is the client's own words; a new
    value on every try does not escape the address's count."""
    user = make_user("officer")
    for i in range(20):
        assert login(client, f"khach{i}@x.vn", WRONG, forwarded=f"198.51.100.{i}"
                     ).status_code == 400
    assert login(client, user.email, PASSWORD, forwarded="198.51.100.99").status_code == 429


def test_a_stranger_cannot_keep_the_admin_out(app, client, make_user, seed_plan):
    """Forty failures against the admin's account from elsewhere: from an address the admin
    signed in from before, the admin signs in at once; from a new one the wait is growing
    and capped at five minutes, not a lock."""
    admin = make_user("admin")
    assert login(app.test_client(), admin.email, PASSWORD, address="192.0.2.10").status_code == 302
    attacker = app.test_client()
    for _ in range(40):
        wait_over()     # the attacker waits out every delay
        login(attacker, admin.email, WRONG, address="198.51.100.66")
    response = login(app.test_client(), admin.email, PASSWORD, address="192.0.2.20")
    assert response.status_code == 429 and "5 phút" in response.get_data(as_text=True)
    assert login(app.test_client(), admin.email, PASSWORD, address="192.0.2.10").status_code == 302


def test_the_account_wait_grows_with_each_failure(app, client, make_user, seed_plan):
    """After the free attempts each failure doubles the wait; the right password, once the
    wait is over, signs in and starts the count again."""
    user = make_user("officer")
    for _ in range(5):
        assert login(client, user.email, WRONG).status_code == 400
    seen = []
    for _ in range(3):
        refused = login(client, user.email, WRONG)
        assert refused.status_code == 429
        counter = db.session.get(ThrottleCounter, f"login-account:{user.email}")
        seen.append(round((counter.not_before - counter.updated_at).total_seconds()))
        wait_over()
        assert login(client, user.email, WRONG).status_code == 400
    assert seen == [30, 60, 120]
    wait_over()
    assert login(client, user.email, PASSWORD).status_code == 302
    assert db.session.get(ThrottleCounter, f"login-account:{user.email}") is None


def test_parallel_guesses_get_no_more_checks_than_allowed(app, make_user, seed_plan):
    """Forty guesses at once for one account: five passwords are checked, the rest wait."""
    email = make_user("officer").email     # read here: the test's session is not threads'
    statuses: list[int] = []

    def guess(number: int) -> None:
        with app.app_context():
            statuses.append(login(app.test_client(), email, f"{WRONG}-{number}",
                                  address=f"203.0.113.{number}").status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(statuses) == 40
    assert statuses.count(400) == LOGIN_ACCOUNT.free and statuses.count(429) == 35


def test_a_sign_in_begun_a_moment_earlier_is_not_told_to_wait(app):
    """Two people behind one address sign in at once: the one whose request began first but
    takes its attempt second is not told to wait by the other's free attempt (found by the
    load test, bench/load_test.py: a 429 "too many failed sign-ins" among 10 first sign-ins)."""
    later = datetime.now(UTC)
    assert take(LOGIN_ADDRESS, "198.51.100.9", later) is None
    assert take(LOGIN_ADDRESS, "198.51.100.9", later - timedelta(milliseconds=5)) is None
    assert take(LOGIN_ACCOUNT, "ai@x.vn", later) is None
    assert take(LOGIN_ACCOUNT, "ai@x.vn", later - timedelta(milliseconds=5)) is None
    db.session.rollback()


def reset_mails() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "password_reset"))


def forgot(client, email: str, address: str = "127.0.0.1"):
    return client.post("/password/forgot", data={"email": email},
                       environ_base={"REMOTE_ADDR": address})


def test_reset_requests_are_limited_per_address(client, make_user, seed_plan):
    """Twenty requests from one address used to queue twenty mails: five, then a wait."""
    user = make_user("officer")
    answers = [forgot(client, user.email if i == 0 else f"ai{i}@x.vn").status_code
               for i in range(6)]
    assert answers == [302] * 5 + [429]
    assert "Có quá nhiều yêu cầu" in forgot(client, user.email).get_data(as_text=True)
    assert reset_mails() == 1


def test_reset_mails_for_one_email_are_limited_whatever_the_address(client, make_user,
                                                                    seed_plan):
    """Three mails an hour for one e-mail; further requests get the same answer (nothing
    tells whether the account exists) and no mail."""
    user = make_user("officer")
    answers = [forgot(client, user.email, address=f"192.0.2.{i}") for i in range(6)]
    assert [a.status_code for a in answers] == [302] * 6
    assert len({a.location for a in answers}) == 1
    assert reset_mails() == 3
    unknown = [forgot(client, "khong-co@x.vn", address=f"192.0.2.{i}") for i in range(6)]
    assert [a.status_code for a in unknown] == [302] * 6


@pytest.mark.parametrize("setting,expected", [(0, "10.0.0.1"), (1, "203.0.113.5"),
                                              (2, "198.51.100.4")])
def test_trusted_proxies_setting_picks_the_address(app, client, make_user, seed_plan, setting,
                                                   expected):
    """With N trusted proxies the address is the N-th from the right of X-Forwarded-For."""
    app.config["TRUSTED_PROXIES"] = setting
    register_proxies(app)
    login(client, "ai@x.vn", WRONG, address="10.0.0.1",
          forwarded="192.0.2.1, 198.51.100.4, 203.0.113.5")
    assert db.session.get(ThrottleCounter, f"login-address:{expected}") is not None


def test_a_request_window_counts_to_its_limit_then_starts_again(app):
    """An API token's window: three requests pass, the fourth waits until the window ends,
    and once it has ended the count starts again from one."""
    limit = RateLimit("test-window", 3, timedelta(minutes=1))
    began = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    answers = [take_in_window(limit, "token-1", began + timedelta(seconds=n)) for n in range(3)]
    refused = take_in_window(limit, "token-1", began + timedelta(seconds=20))
    again = take_in_window(limit, "token-1", began + timedelta(minutes=1, seconds=1))
    other = take_in_window(limit, "token-2", began + timedelta(seconds=20))
    db.session.commit()
    assert answers == [None, None, None] and refused == timedelta(seconds=40)
    assert again is None and other is None
    assert db.session.get(ThrottleCounter, "test-window:token-1").count == 1


def test_parallel_requests_count_exactly_once_each(app):
    """Thirty requests of one token at once under a limit of ten: exactly ten pass."""
    limit = RateLimit("test-parallel", 10, timedelta(minutes=1))
    now = datetime.now(UTC)
    passed: list[bool] = []

    def request() -> None:
        with app.app_context():
            passed.append(take_in_window(limit, "token", now) is None)
            db.session.commit()

    threads = [threading.Thread(target=request) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(passed) == 30 and passed.count(True) == 10
