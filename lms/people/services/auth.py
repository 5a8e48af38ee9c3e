"""Signing in: credential check and the failed-login throttle.

Failures are counted per account and per address in a store every worker shares: Redis when
REDIS_URL is set (through the `limits` library), otherwise the database.
"""

import secrets
from datetime import timedelta

from flask_babel import gettext as _
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from lms.core import clock
from lms.core.errors import DomainError
from lms.people import models
from lms.people.models import LoginFailure, Person
from lms.people.services.invitations import password_allowed


class LoginThrottled(DomainError):
    """Too many failed sign-ins for this account or address."""


class FailureCounter:
    """Counts failed sign-ins per key within a moving window."""

    def __init__(self, session, redis_url: str, window_seconds: int):
        self.session = session
        self.window = window_seconds
        self._limiter = None
        if redis_url:
            self._limiter = MovingWindowRateLimiter(storage_from_string(redis_url))

    def count(self, key: str, limit: int) -> bool:
        """True while `key` has fewer than `limit` failures in the window."""
        if self._limiter is not None:
            return self._limiter.test(RateLimitItemPerSecond(limit, self.window), "login", key)
        since = clock.now() - timedelta(seconds=self.window)
        failures = self.session.scalar(
            select(func.count()).where(LoginFailure.key == key, LoginFailure.at >= since)
        )
        return failures < limit

    def add(self, key: str, limit: int) -> None:
        if self._limiter is not None:
            self._limiter.hit(RateLimitItemPerSecond(limit, self.window), "login", key)
            return
        self.session.add(LoginFailure(key=key, at=clock.now()))
        # Old rows are useless to the throttle; trim them as we go.
        self.session.execute(
            delete(LoginFailure).where(
                LoginFailure.at < clock.now() - timedelta(seconds=self.window * 2)
            )
        )


def _dummy_hash() -> str:
    """A hash of a random password, made with the current method, for the unknown-account path:
    checking it costs what checking a real one costs, so timing does not tell them apart."""
    method = models.PASSWORD_HASH_METHOD
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _DUMMY_HASHES[method]


_DUMMY_HASHES: dict[str, str] = {}


def authenticate(session, config, login: str, password: str, address: str) -> Person:
    """The active person with this email or employee ID and password.

    Leaks nothing about the account: failures are counted per person whatever identifier was
    typed (email or employee ID), an unknown login or a deactivated account costs one password
    hash like a real check and gets the same message as a wrong password. The caller commits
    so failures are counted even when this raises."""
    counter = FailureCounter(session, config["REDIS_URL"], config["LOGIN_FAILURE_WINDOW_SECONDS"])
    login = login.strip()
    person = session.scalar(
        select(Person).where(or_(func.lower(Person.email) == login.lower(),
                                 Person.employee_id == login))
    ) if login else None
    # One counter per person, so the employee ID does not give five more guesses than the
    # email; typed text that names nobody is counted as typed.
    account_key = f"person:{person.id}" if person is not None else f"account:{login.lower()}"
    address_key = f"address:{address}"
    per_account = config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    per_address = config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    if not counter.count(account_key, per_account) or not counter.count(address_key, per_address):
        raise LoginThrottled(
            _("Too many failed sign-ins. Wait %(minutes)d minutes and try again.",
              minutes=config["LOGIN_FAILURE_WINDOW_SECONDS"] // 60)
        )
    usable = person is not None and person.active and bool(person.password_hash)
    # A deactivated account is refused before its password is looked at, and a wrong
    # password and an unknown login cost the same hash, so neither answer nor timing tells.
    stored = person.password_hash if usable else _dummy_hash()
    if not check_password_hash(stored, password) or not usable:
        counter.add(account_key, per_account)
        counter.add(address_key, per_address)
        raise DomainError(_("Email/employee ID or password is not correct."))
    if not password_allowed(session, person):
        # Said only to someone who knew the password, so it tells a guesser nothing.
        raise DomainError(_("Password sign-in is turned off for your organisation: sign in "
                            "with your company account."))
    return person
