"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and a real in-process queue consumer."""

from __future__ import annotations

import email
import email.policy
import re
import signal
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from evosync.tasks.queue import huey

URL_RE = re.compile(r"https?://[^\s<>\"']+")


class Inbox:
    """Messages received by the loopback SMTP server, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._cond = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._cond:
            self.messages.append(message)
            self._cond.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 20) -> list[EmailMessage]:
        """Block until ``count`` messages arrived in total; return them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} mails, got {len(self.messages)}: {self.subjects()}"
                    )
                self._cond.wait(left)
            return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    def subjects(self) -> list[str]:
        return [subject_of(m) for m in self.messages]


def subject_of(message: EmailMessage) -> str:
    """The decoded subject (Flask-Mailman folds an encoded subject onto a continuation line; clients trim it)."""
    return str(message["Subject"]).strip()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def links(message: EmailMessage) -> list[str]:
    return URL_RE.findall(text_of(message))


class SmtpServer:
    """aiosmtpd on 127.0.0.1 with a free port."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        with socket.socket() as probe:  # aiosmtpd checks its server by connecting to the port it was given
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


class QueueConsumer:
    """Huey's own consumer with one worker thread, as `flask worker` runs it, inside the test process."""

    def __init__(self) -> None:
        self.consumer = huey.create_consumer(
            workers=1,
            worker_type="thread",
            periodic=False,
            check_worker_health=False,
            initial_delay=0.05,
            max_delay=0.2,
        )

    def __enter__(self) -> QueueConsumer:
        # start() installs the consumer's own SIGINT/SIGTERM handlers; pytest keeps its own.
        saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        self.consumer.start()
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        return self

    def __exit__(self, *exc) -> None:
        self.consumer.stop(graceful=True)
