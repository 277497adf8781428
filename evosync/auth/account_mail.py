"""Mail about the account itself: confirmation link, reset link, «someone tried to register». Flush only.

Each function issues its token in the caller's transaction and queues the mail; the queue task delivers
it after the caller commits.
"""

from __future__ import annotations

from evosync.auth import mail_tokens
from evosync.auth.models import User
from evosync.mail.service import link, queue_mail


def send_confirmation(user: User) -> None:
    """A link that confirms the email (valid 24 hours)."""
    token = mail_tokens.issue(user, "confirm")
    queue_mail(user.email, "confirm", confirm_url=link("confirm.confirm", token=token))


def send_reset(user: User) -> None:
    """A one-time link to set a new password (valid 1 hour)."""
    token = mail_tokens.issue(user, "reset")
    queue_mail(user.email, "reset", reset_url=link("password.reset_password", token=token))


def send_register_attempt(user: User) -> None:
    """Tell the owner someone registered with their address; offer a reset link in case it was them."""
    token = mail_tokens.issue(user, "reset")
    queue_mail(
        user.email,
        "register_existing",
        reset_url=link("password.reset_password", token=token),
        login_url=link("auth.login"),
    )
