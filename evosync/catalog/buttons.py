"""The include / exclude / clear button group of a catalog row, built in Python.

A products page shows 50 rows with three buttons each; as a Jinja macro the group cost more than the rest
of the row (a loop, a URL build and a JSON dump per button). Here the URL is built once per request and
the JSON once per row, with plain string formatting; the HTML is the same the macro made (docs/catalog.md).
"""

from __future__ import annotations

import json

from flask import g, url_for
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

MODES = (
    ("include", "Включить", "success"),
    ("exclude", "Исключить", "danger"),
    ("clear", "Сбросить", "secondary"),
)
_PRESSED = ' aria-pressed="true"'


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=True, sort_keys=True)


def filter_url() -> str:
    """The toggle URL the buttons post to, escaped for an attribute (built once per request)."""
    url = g.get("catalog_filter_url")
    if url is None:
        url = g.catalog_filter_url = str(escape(url_for("catalog.set_filter")))
    return url


def rule_buttons(entity_type: str, entity_id: str, own: str | None, url: str | None = None) -> Markup:
    """The button group; the button of the row's own rule (or «Сбросить» without one) is pressed. ``url``
    is ``filter_url()`` when the caller holds it (a table of rows)."""
    # HTML-safe JSON (no ' < > & left) with its keys sorted as the tojson filter sorts them (Flask's default
    # JSON: ASCII, sorted keys); "mode" sorts last, so each button's value is this object reopened with it.
    ids = htmlsafe_json_dumps({"entity_id": entity_id, "entity_type": entity_type}, dumps=_dumps)
    head, url = str(ids)[:-1], url or filter_url()
    buttons = []
    for mode, label, style in MODES:
        active = own == mode or (mode == "clear" and own is None)
        buttons.append(
            f'<button type="button" class="btn btn-{"" if active else "outline-"}{style}" name="mode"'
            f' value="{mode}" data-mode="{mode}"{_PRESSED if active else ""} hx-post="{url}"'
            f""" hx-vals='{head}, "mode": "{mode}"}}'>{label}</button>"""
        )
    html = (
        '<div class="btn-group btn-group-sm" role="group" aria-label="Правило">' + "".join(buttons) + "</div>"
    )
    return Markup(html)  # noqa: S704 -- every variable part is escaped above (the URL, the HTML-safe JSON)
