"""Compose mail from templates and queue it; links are built from PUBLIC_URL, not from a request.

Each mail is ``templates/mail/<name>.txt`` (block ``subject`` + the plain text) and ``mail/<name>.html``.
Rendering happens where the mail is asked for (a view, the sync); the queue task only delivers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, render_template

from evosync.mail.tasks import send_mail

DEV_PUBLIC_URL = "http://127.0.0.1:5000"


def public_base() -> str:
    """PUBLIC_URL, else (outside production, which refuses to start without it) bin/run's address."""
    return str(current_app.config.get("PUBLIC_URL") or DEV_PUBLIC_URL).rstrip("/")


def link(endpoint: str, **values) -> str:
    """An absolute URL of ``endpoint`` on the public site, usable in mail sent from a worker."""
    parts = urlsplit(public_base())
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def render_mail(name: str, **context) -> dict[str, str]:
    """Subject, plain text and HTML of mail ``name`` (Russian), with ``link``/``site`` available to it."""
    context = {"link": link, "site": public_base(), **context}
    text = render_template(f"mail/{name}.txt", **context)
    subject, _, body = text.partition("\n")
    return {
        "subject": subject.strip(),
        "text": body.strip() + "\n",
        "html": render_template(f"mail/{name}.html", subject=subject.strip(), **context),
    }


def queue_mail(to: str, name: str, **context) -> None:
    """Render mail ``name`` for ``to`` and put it on the task queue (delivered by `flask worker`)."""
    send_mail(to, **render_mail(name, **context))
