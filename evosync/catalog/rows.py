"""The products table's rows, built in Python.

A page is 50 rows. As a Jinja macro each row called a dozen template functions and three more macros (the
rule label, the decision badge, the buttons), and that call machinery cost more than the database. Here a
row is one format string: the thumbnail URL is built once per request, every variable part is escaped with
markupsafe (as autoescape does), and the rare parts — a forbidden-goods line, a toggle's effect — still
come from their templates (docs/catalog.md).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from flask import current_app, render_template, url_for
from markupsafe import Markup, escape

from evosync.catalog.buttons import filter_url, rule_buttons
from evosync.rules import reasons as R
from evosync.ui.formats import amount, group_label, rub

_RULE_LABELS = {
    "include": '<span class="text-success">включён</span>',
    "exclude": '<span class="text-danger">исключён</span>',
    None: '<span class="text-muted">нет</span>',
}
# The path segment as the URL map's default converter quotes it.
_SEGMENT_SAFE = "!$&'()*+,/:;=@"
_ROW = (
    '<tr id="product-{id}" data-entity="product" data-id="{evotor_id}"{oob}>\n'
    '  <td><div class="d-flex gap-2 align-items-start">\n'
    '    <img class="product-thumb" src="{thumb}" width="48" height="48" loading="lazy" alt=""'
    ' data-testid="thumb">\n'
    "    <div>{name}\n"
    '    <div class="small text-muted">{where}</div>\n'
    "    {verdict}\n"
    "    {effect}</div></div></td>\n"
    '  <td class="text-end text-nowrap" data-testid="price">{price}</td>\n'
    '  <td class="text-end text-nowrap">{quantity} {measure}</td>\n'
    "  <td>{rule}</td>\n"
    "  <td>{decision}</td>\n"
    '  <td class="text-end">{buttons}</td>\n'
    "</tr>"
)


def rule_label(own: str | None) -> Markup:
    """«включён» / «исключён» / «нет»: a row's own rule."""
    return Markup(_RULE_LABELS.get(own, _RULE_LABELS[None]))  # noqa: S704 -- constant HTML


def decision_badge(decision, no_rules: bool = False) -> Markup:
    """«да» / «нет» and the reason. With no rules at all nothing syncs (the summary says «Не настроено»),
    whatever the filters would pass."""
    syncs = decision.syncs and not no_rules
    reason = R.NO_RULES_ROW if no_rules else decision.reason
    return Markup(  # noqa: S704 -- the one variable part, the reason, is escaped
        f'<span class="badge text-bg-{"success" if syncs else "secondary"}"'
        f' data-syncs="{"yes" if syncs else "no"}">{"да" if syncs else "нет"}</span>\n'
        f'<span class="small decision-reason">{escape(reason)}</span>'
    )


def _urls() -> tuple[str, str]:
    """(thumbnail URL prefix, toggle URL) of this request, built once."""
    return url_for("thumbs.thumb", product_id="-").removesuffix("-"), filter_url()


def _where(snap, product) -> str:
    parts = [escape(group_label(snap, product.group_id) or "без группы")]
    if product.article_number:
        parts.append(f" · арт. {escape(product.article_number)}")
    if product.barcodes:
        parts.append(f" · {escape(product.barcodes)}")
    return "".join(parts)


def product_row(
    product, snap, verdicts: Callable, effect=None, oob_row: bool = False, urls: tuple[str, str] | None = None
) -> Markup:
    """One row of the products table; ``verdicts(product)`` gives its (forbidden-goods verdict, name
    guess), ``effect`` a toggle's «было → станет» note, ``oob_row`` marks it for an out-of-band swap;
    ``urls`` is ``_urls()`` when the caller holds it."""
    thumbs, toggle = urls or _urls()
    own = snap.own_rule("product", product.evotor_id)
    verdict, guess = verdicts(product)
    note = ""
    if verdict or guess:
        note = render_template("goods/_verdict.html", verdict=verdict, guess=guess, product=product)
    if effect:
        note_effect = current_app.jinja_env.get_template("catalog/_macros.html").module.effect_note(effect)
    else:
        note_effect = ""
    html = _ROW.format(
        id=product.id,
        evotor_id=escape(product.evotor_id),
        oob=' hx-swap-oob="true"' if oob_row else "",
        thumb=escape(thumbs + quote(product.evotor_id, safe=_SEGMENT_SAFE)),
        name=escape(product.name),
        where=_where(snap, product),
        verdict=note,
        effect=note_effect,
        price=escape(rub(product.price)),
        quantity=escape(amount(product.quantity)),
        # An unknown stock reads «—», not «— шт».
        measure=escape(product.measure_name or "") if product.quantity is not None else "",
        rule=rule_label(own),
        decision=decision_badge(snap.row_decision(product), not snap.rules),
        buttons=rule_buttons("product", product.evotor_id, own, toggle),
    )
    return Markup(html)  # noqa: S704 -- every variable part is escaped above


def product_rows(products, snap, verdicts: Callable) -> Markup:
    """The rows of one products page."""
    urls = _urls()
    return Markup("".join(product_row(p, snap, verdicts, urls=urls) for p in products))  # noqa: S704 -- rows above
