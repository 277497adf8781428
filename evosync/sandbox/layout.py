"""The shared HTML frame of the sandbox's Russian pages (consent screens, Market page, home page)."""

from __future__ import annotations

from flask import render_template_string

BASE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>{{ title }} — песочница EvoSync</title>
<style>
body{font-family:system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;color:#222}
.card{border:1px solid #ddd;border-radius:8px;padding:1rem;margin:.8rem 0;background:#fafafa}
.btn{padding:.5rem 1.2rem;border-radius:6px;border:1px solid #888;background:#fff;cursor:pointer;font-size:1rem}
.btn-primary{background:#0077ff;color:#fff;border-color:#0077ff}
.items{display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:.8rem}
.item{border:1px solid #ddd;border-radius:8px;padding:.6rem;background:#fff}
.item img{width:100%;aspect-ratio:1;object-fit:cover;border-radius:6px;background:#eee}
.hidden{opacity:.55;border-style:dashed}.removed{opacity:.4;background:#fee}
.badge{display:inline-block;font-size:.8rem;padding:0 .4rem;border-radius:4px;background:#eee;margin:.1rem}
.mail{white-space:pre-wrap;font-family:inherit;margin:.4rem 0}
code{background:#eee;padding:.1rem .3rem;border-radius:4px;word-break:break-all}
</style></head><body>
<p><a href="{{ url_for('sandbox_pages.home') }}">Песочница EvoSync</a> ·
<a href="{{ url_for('sandbox_pages.market') }}">Товары сообщества</a> ·
<a href="{{ url_for('sandbox_outbox.page') }}">Почта</a></p>
{{ body|safe }}
</body></html>"""


def page(title: str, body_template: str, status: int = 200, **context):
    """Render a Russian page: ``body_template`` (Jinja) inside the shared frame."""
    body = render_template_string(body_template, **context)
    return render_template_string(BASE, title=title, body=body), status
