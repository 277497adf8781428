"""The include / exclude / clear button group of a catalog row, built in Python.

A products page shows 50 rows with three buttons each; as a Jinja macro the group cost more than the rest
of the row (a loop, a URL build and a JSON dump per button). Here the URL is built once per request and
the JSON once per row; the HTML is the same the macro made (docs/catalog.md).
"""

from __future__ import annotations

from flask import current_app, g, url_for
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

MODES = (
    ("include", "Включить", "success"),
    ("exclude", "Исключить", "danger"),
    ("clear", "Сбросить", "secondary"),
)
_GROUP = Markup('<div class="btn-group btn-group-sm" role="group" aria-label="Правило">{}</div>')
_BUTTON = Markup(
    '<button type="button" class="btn btn-{}{}" name="mode" value="{}" data-mode="{}"{}'
    " hx-post=\"{}\" hx-vals='{}'>{}</button>"
)
_PRESSED = Markup(' aria-pressed="true"')
# Keys sorted as the tojson filter sorts them; "mode" sorts last, so it closes the object.
_VALS = Markup('{}, "mode": "{}"}}')


def _filter_url() -> str:
    url = g.get("catalog_filter_url")
    if url is None:
        url = g.catalog_filter_url = url_for("catalog.set_filter")
    return url


def rule_buttons(entity_type: str, entity_id: str, own: str | None) -> Markup:
    """The button group; the button of the row's own rule (or «Сбросить» without one) is pressed."""
    ids = htmlsafe_json_dumps(
        {"entity_id": entity_id, "entity_type": entity_type}, dumps=current_app.json.dumps
    )
    url = _filter_url()
    buttons = []
    for mode, label, style in MODES:
        active = own == mode or (mode == "clear" and own is None)
        outline = "" if active else "outline-"
        pressed = _PRESSED if active else ""
        vals = _VALS.format(ids[:-1], mode)
        buttons.append(_BUTTON.format(outline, style, mode, mode, pressed, url, vals, label))
    return _GROUP.format(Markup("").join(buttons))
