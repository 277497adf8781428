"""The queue task that delivers one mail through the configured Flask-Mailman backend."""

from __future__ import annotations

import logging

from flask_mailman import EmailMultiAlternatives

from evosync.tasks.queue import task

log = logging.getLogger(__name__)


@task(retries=3, retry_delay=60)
def send_mail(to: str, subject: str, text: str, html: str) -> None:
    """Send one message (plain text with an HTML alternative); retried when the server is unreachable."""
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()
    log.info("mail %r delivered", subject)
