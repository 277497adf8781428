"""Human pages (Russian): the sandbox home with demo credentials, and the community's Market."""

from __future__ import annotations

import json

from flask import Blueprint, request

from . import demo, vk_demo
from .layout import page
from .runtime import public_url, settings, state
from .urls import provider_urls
from .vk_market import item_object, market_enabled

bp = Blueprint("sandbox_pages", __name__)

HOME = """
<h1>Песочница EvoSync</h1>
<p>Локальная копия облака Эвотор и ВКонтакте для демонстрации и тестов. Настоящие сервисы не затрагиваются.</p>
<div class="card"><h2>Эвотор</h2>
<p>Токен облака Эвотор для вставки в EvoSync («Подключить по токену»):</p>
<p><code id="evotor-token">{{ info.evotor_token }}</code></p>
<p>Каталог: 2 магазина, {{ info.products }} товаров (seed {{ info.seed }}).</p></div>
<div class="card"><h2>ВКонтакте</h2>
<p>Демо-пользователь: <b>{{ user.first_name }} {{ user.last_name }}</b> (@{{ user.screen_name }}).
Вход через VK ID — кнопка «Разрешить» на странице согласия.</p>
<ul>{% for gid, g in groups %}<li>{{ g.name }} (id {{ gid }}) —
{% if g.members.get(uid) %}администратор{% else %}участник{% endif %},
товары {% if g.on %}включены{% else %}выключены{% endif %}
{% if g.on %} — <a href="{{ url_for('sandbox_pages.market', group_id=gid) }}">смотреть товары</a>{% endif %}
</li>{% endfor %}</ul></div>
<div class="card"><h2>Почта</h2>
<p>Письма EvoSync (подтверждение почты, сброс пароля, уведомления) не уходят наружу, а попадают
в <a href="{{ url_for('sandbox_outbox.page') }}">почтовый ящик песочницы</a>.</p></div>
<div class="card"><h2>Адреса для настроек приложения</h2>
<ul>{% for k, v in urls.items() %}<li><code>EVOSYNC_{{ k }}={{ v }}</code></li>{% endfor %}</ul></div>
"""

MARKET = """
<h1>Товары сообщества «{{ group.name }}»</h1>
{% if not enabled %}<p class="card">В этом сообществе товары выключены (ошибка 1438 для любых вызовов).</p>{% endif %}
<p>Всего: {{ items|length }} · видимых: {{ visible }} · скрытых: {{ hidden }} · удалённых: {{ removed }}</p>
<h2>Подборки</h2>
{% if albums %}<ul>{% for a in albums %}<li>{{ a.title }} — {{ a.count }} тов.{% if a.is_hidden %} (скрыта){% endif %}
</li>{% endfor %}</ul>{% else %}<p>Подборок нет.</p>{% endif %}
<h2>Товары</h2>
{% if not items %}<p>Товаров пока нет. Запустите синхронизацию в EvoSync.</p>{% endif %}
<div class="items">
{% for it in items %}
<div class="item {% if it.is_removed %}removed{% elif it.availability == 1 %}hidden{% endif %}" data-sku="{{ it.sku }}">
{% if it.thumb_photo %}<img src="{{ it.thumb_photo }}" alt="">{% else %}<div style="aspect-ratio:1;background:#eee"></div>{% endif %}
<div><b>{{ it.title }}</b></div>
<div>{{ it.price.text }}</div>
<div>{% if it.is_removed %}<span class="badge">удалён</span>{% elif it.availability == 1 %}<span class="badge">скрыт</span>
{% elif it.availability == 2 %}<span class="badge">нет в наличии</span>{% endif %}
{% if it.sku %}<span class="badge">арт. {{ it.sku }}</span>{% endif %}
{% for a in it.albums_ids %}<span class="badge">{{ album_titles.get(a, a) }}</span>{% endfor %}</div>
<div style="font-size:.85rem;color:#555">{{ it.description[:160] }}</div>
</div>{% endfor %}</div>
"""


@bp.get("/")
def home():
    """Show the demo credentials, communities and the config keys that point EvoSync here."""
    with state().connect() as conn:
        info = demo.info(conn)
        groups = [(gid, {**g, "on": market_enabled(conn, gid)}) for gid, g in vk_demo.GROUPS.items()]
    uid = vk_demo.DEMO_USER_ID
    groups = [(gid, g) for gid, g in groups if uid in g["members"]]
    return page(
        "Песочница",
        HOME,
        info=info,
        user=vk_demo.USERS[uid],
        uid=uid,
        groups=groups,
        urls=provider_urls(public_url()),
        settings=settings(),
    )


@bp.get("/market")
def market():
    """Show a community's Market as a person would see it, plus hidden and deleted items."""
    group_id = request.args.get("group_id", type=int) or vk_demo.SHOP_GROUP_ID
    if group_id not in vk_demo.GROUPS:
        return page("Нет такого сообщества", "<p>Нет такого сообщества.</p>", 404)
    base = public_url()
    with state().connect() as conn:
        rows = conn.execute(
            "SELECT * FROM vk_items WHERE owner_id = ? ORDER BY id DESC", (-group_id,)
        ).fetchall()
        items = [{**item_object(base, conn, r), "is_removed": r["removed_at"] is not None} for r in rows]
        album_rows = conn.execute(
            "SELECT * FROM vk_albums WHERE owner_id = ? ORDER BY id", (-group_id,)
        ).fetchall()
        enabled = market_enabled(conn, group_id)
    album_titles = {a["id"]: a["title"] for a in album_rows}
    albums = [
        {
            "title": a["title"],
            "is_hidden": a["is_hidden"],
            "count": sum(1 for it in items if a["id"] in it["albums_ids"] and not it["is_removed"]),
        }
        for a in album_rows
    ]
    removed = sum(1 for it in items if it["is_removed"])
    hidden = sum(1 for it in items if not it["is_removed"] and it["availability"] == 1)
    return page(
        "Товары",
        MARKET,
        group=vk_demo.GROUPS[group_id],
        enabled=enabled,
        items=items,
        albums=albums,
        album_titles=album_titles,
        removed=removed,
        hidden=hidden,
        visible=len(items) - removed - hidden,
        dumps=json.dumps,
    )
