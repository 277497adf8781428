"""A Flask-Mailman backend that hands every message to the sandbox's outbox over HTTP (bin/run, demos)."""

from __future__ import annotations

import requests
from flask import current_app
from flask_mailman.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    """POST each message to ``SANDBOX_URL/_outbox/messages``: a demo needs no mail server to click a link."""

    def send_messages(self, email_messages) -> int:
        url = current_app.config["SANDBOX_URL"].rstrip("/") + "/_outbox/messages"
        sent = 0
        for message in email_messages:
            html = next(
                (body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"), ""
            )
            payload = {
                "sender": message.from_email,
                "recipients": list(message.recipients()),
                "subject": message.subject,
                "text": message.body,
                "html": html,
            }
            try:
                requests.post(url, json=payload, timeout=10).raise_for_status()
            except requests.RequestException:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent
