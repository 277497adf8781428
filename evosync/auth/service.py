"""Account actions: register, authenticate, create from the CLI. Services flush; callers commit."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from evosync.auth.models import User
from evosync.auth.passwords import dummy_hash, hash_password, password_problem, verify_password
from evosync.db import utcnow
from evosync.extensions import db
from evosync.refusals import Refusal
from evosync.routing import DB_INT_MAX

_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,252}\.[^@\s.]{2,63}$")


class AccountError(Refusal):
    """A user-facing problem with account input; ``message_ru`` for the page, ``english`` for the CLI."""

    def __init__(self, message_ru: str, english: str) -> None:
        super().__init__(message_ru)
        self.english = english


def normalize_email(email: str) -> str:
    """Trim and lower-case an email so one mailbox is one account."""
    return (email or "").strip().lower()


def email_problem(email: str) -> str | None:
    """Return a Russian explanation of why ``email`` is not acceptable, or None."""
    if not email:
        return "Укажите электронную почту."
    if len(email) > 254 or not _EMAIL_RE.match(email) or any(ord(c) < 32 for c in email):
        return "Похоже, в адресе почты ошибка."
    return None


def find_user(identifier: str) -> User | None:
    """Find a user by numeric id or email."""
    identifier = (identifier or "").strip()
    if identifier.isascii() and identifier.isdigit():
        # An id beyond a database INTEGER names nobody (and PostgreSQL would reject the query).
        return db.session.get(User, int(identifier)) if int(identifier) <= DB_INT_MAX else None
    return db.session.scalar(select(User).where(User.email == normalize_email(identifier)))


def account_input_problem(email: str, password: str) -> AccountError | None:
    """The problem with a registration's email or password (never whether the email is taken), or None."""
    problem = email_problem(normalize_email(email))
    if problem:
        return AccountError(problem, "invalid email address")
    problem = password_problem(password)
    if problem:
        return AccountError(problem, "password rejected: " + _RULES_HINT_EN)
    return None


def create_user(email: str, password: str, *, confirmed: bool = True, is_admin: bool = False) -> User:
    """Create an account, or raise AccountError; flushes, never commits.

    ``confirmed`` is for accounts an operator creates (CLI, tests); the registration form passes False and
    mails a confirmation link.
    """
    email = normalize_email(email)
    problem = account_input_problem(email, password)
    if problem:
        raise problem
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(
            "Пользователь с такой почтой уже зарегистрирован.", "a user with this email exists"
        )
    user = User(
        email=email,
        password_hash=hash_password(password),
        email_confirmed_at=utcnow() if confirmed else None,
        is_admin=is_admin,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as exc:  # lost a race with a concurrent registration of the same email
        raise AccountError(
            "Пользователь с такой почтой уже зарегистрирован.", "a user with this email exists"
        ) from exc
    return user


_RULES_HINT_EN = "at least 8 and at most 256 characters, not a well-known password"


def authenticate(email: str, password: str) -> User | None:
    """Return the user whose email and password match, else None (in constant-ish time)."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        verify_password(dummy_hash(), password or "")
        return None
    return user if verify_password(user.password_hash, password or "") else None


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Check the current password, then set the new one; raises AccountError (flush only)."""
    if not verify_password(user.password_hash, current_password or ""):
        raise AccountError("Текущий пароль указан неверно.", "current password is wrong")
    set_password(user, new_password)


def set_password(user: User, new_password: str) -> None:
    """Set a new password after the rules allow it (a reset link already proved the mailbox); flush only."""
    problem = password_problem(new_password or "")
    if problem:
        raise AccountError(problem, "password rejected: " + _RULES_HINT_EN)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    db.session.flush()


def find_by_email(email: str) -> User | None:
    """The account of ``email`` (normalised), or None."""
    email = normalize_email(email)
    if "\x00" in email:
        return None  # no stored address holds NUL (and PostgreSQL refuses it in a query)
    return db.session.scalar(select(User).where(User.email == email))


def confirm_email(user: User) -> bool:
    """Mark the email confirmed; False when it already was (flush only)."""
    if user.email_confirmed_at is not None:
        return False
    user.email_confirmed_at = utcnow()
    db.session.flush()
    return True


UNCONFIRMED_RU = "почта не подтверждена"
SUSPENDED_RU = "аккаунт приостановлен"


def sync_blocker(user_id: int) -> str | None:
    """Russian reason the account itself keeps this user from syncing (suspended, email unconfirmed), or None."""
    user = db.session.get(User, user_id)
    if user is None:
        return "аккаунт не найден"
    if user.suspended_at is not None:
        return SUSPENDED_RU
    if user.email_confirmed_at is None:
        return UNCONFIRMED_RU
    return None
