"""The sandbox's mailbox: EvoSync delivers its mail here when it runs against the sandbox.

``POST /_outbox/messages`` (JSON: sender, recipients, subject, text, html) stores a message;
``GET /_outbox/messages`` lists them as JSON (tests); ``GET /outbox`` is the Russian page a demo clicks through.
"""

from __future__ import annotations

import re
import time

from flask import Blueprint, jsonify, request
from markupsafe import Markup, escape

from .layout import page
from .runtime import state
from .state import now

bp = Blueprint("sandbox_outbox", __name__)

_URL_RE = re.compile(r"https?://[^\s<>\"']+")

OUTBOX = """
<h1>Почта песочницы</h1>
<p>Все письма, которые EvoSync отправил, пока работает с песочницей. Новые — сверху.
Ссылки в письмах можно открыть прямо отсюда.</p>
{% if not messages %}<p class="card">Писем пока нет.</p>{% endif %}
{% for m in messages %}
<div class="card mail-message" data-id="{{ m.id }}">
<h2>{{ m.subject }}</h2>
<p>Кому: <b>{{ m.recipients }}</b> · от {{ m.sender }} · {{ m.when }}</p>
{% if m.links %}<p>Ссылки: {% for link in m.links %}<a class="mail-link" href="{{ link }}">{{ link }}</a>
{% endfor %}</p>{% endif %}
<div class="mail">{{ m.body }}</div>
</div>{% endfor %}
"""


def _linkify(text: str) -> Markup:
    out, last = [], 0
    for match in _URL_RE.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(Markup('<a href="{0}">{0}</a>').format(match.group(0)))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _rows(limit: int = 200) -> list[dict]:
    with state().connect() as conn:
        rows = conn.execute("SELECT * FROM outbox ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [dict(row) for row in rows]


@bp.post("/_outbox/messages")
def receive():
    """Store one message (what EvoSync's sandbox mail backend posts)."""
    body = request.get_json(silent=True) or {}
    fields = {k: str(body.get(k) or "") for k in ("sender", "subject", "text", "html")}
    recipients = body.get("recipients") or []
    if not recipients or not fields["subject"]:
        return jsonify(error="recipients and subject are required"), 400
    with state().connect() as conn:
        cur = conn.execute(
            "INSERT INTO outbox (ts, sender, recipients, subject, text, html) VALUES (?, ?, ?, ?, ?, ?)",
            (
                now(),
                fields["sender"],
                ", ".join(map(str, recipients)),
                fields["subject"],
                fields["text"],
                fields["html"],
            ),
        )
    return jsonify(id=cur.lastrowid), 201


@bp.get("/_outbox/messages")
def listing():
    """Every stored message, newest first (JSON)."""
    return jsonify(messages=_rows())


@bp.get("/outbox", endpoint="page")
def mailbox():
    """The Russian mailbox page: subject, recipient, clickable links, the text body."""
    messages = [
        {
            **row,
            "when": time.strftime("%d.%m.%Y %H:%M:%S", time.localtime(row["ts"])),
            "links": _URL_RE.findall(row["text"]),
            "body": _linkify(row["text"]),
        }
        for row in _rows()
    ]
    return page("Почта", OUTBOX, messages=messages)
