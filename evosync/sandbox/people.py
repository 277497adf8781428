"""«Управление песочницей»: buttons a person uses to change the demo catalog and switch faults by name.

The same changes the tests make through the JSON admin API (``admin_data``, ``admin``), as Russian forms:
change a price, delete or add a product, and switch each fault on or off. Forms post back here; a request
from another site is refused (the sandbox has no accounts, so a foreign page must not drive it).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, request, url_for

from . import catalog, faults
from .admin_data import add_product, change_product
from .evotor_api import find_product
from .layout import page
from .runtime import state
from .state import get_meta

bp = Blueprint("sandbox_people", __name__)
SHOWN = 40

# name → (Russian label, the fault spec switched on); each carries its name so «выключить» finds it.
FAULTS = {
    "vk_token": ("Отозвать токен ВКонтакте (ошибка 5)", {"kind": "vk_error", "code": 5}),
    "flood": ("Флуд-контроль ВКонтакте (ошибка 9)", {"kind": "vk_error", "code": 9}),
    "captcha": ("Капча ВКонтакте (ошибка 14)", {"kind": "vk_error", "code": 14}),
    "vk_down": ("ВКонтакте не отвечает (ошибка 500)", {"kind": "http_error", "service": "vk", "status": 500}),
    "vk_slow": ("ВКонтакте отвечает медленно (3 с)", {"kind": "slow", "service": "vk", "seconds": 3}),
    "market_off": ("Товары выключены в сообществе", {"kind": "market_off"}),
    "evotor_token": ("Токен Эвотора отозван (401)", {"kind": "evotor_error", "status": 401}),
    "evotor_down": ("Эвотор недоступен (503)", {"kind": "evotor_error", "status": 503}),
}

PAGE = """
<h1>Управление песочницей</h1>
{% if message %}<p class="card">{{ message }}</p>{% endif %}
<div class="card"><h2>Сбои</h2>
<p>Включите сбой, запустите синхронизацию или проверку подключения в EvoSync и посмотрите, что он покажет.</p>
<table>{% for name, (label, on) in fault_rows %}<tr><td>{{ label }}</td>
<td>{% if on %}<b>включён</b>{% else %}выключен{% endif %}</td><td>
<form method="post" action="{{ url_for('sandbox_people.fault', name=name) }}">
<button class="btn" name="switch" value="{{ 'off' if on else 'on' }}">{{ 'Выключить' if on else 'Включить' }}</button>
</form></td></tr>{% endfor %}</table></div>
<div class="card"><h2>Добавить товар</h2>
<form method="post" action="{{ url_for('sandbox_people.add') }}">
<select name="store_id">{% for s in stores %}<option value="{{ s.id }}">{{ s.name }}</option>{% endfor %}</select>
<input name="name" placeholder="Название" required maxlength="120">
<input name="price" placeholder="Цена, ₽" required inputmode="decimal" size="8">
<button class="btn btn-primary">Добавить</button></form></div>
<div class="card"><h2>Товары каталога Эвотор</h2>
<form method="get"><input name="q" value="{{ q }}" placeholder="Поиск по названию"> <button class="btn">Найти</button></form>
<p>Показаны первые {{ products|length }} из {{ total }}.</p>
<table>{% for p in products %}<tr><td>{{ p.name }}</td><td>{{ p.price }} ₽</td><td>
<form method="post" action="{{ url_for('sandbox_people.price', product_id=p.id) }}">
<input name="price" value="{{ p.price }}" size="8" inputmode="decimal"> <button class="btn">Изменить цену</button></form></td><td>
<form method="post" action="{{ url_for('sandbox_people.delete', product_id=p.id) }}">
<button class="btn">Удалить</button></form></td></tr>{% endfor %}</table></div>
"""


@bp.before_request
def _same_site_only():
    if request.method == "POST":
        origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
        if origin and urlsplit(origin).netloc != request.host:
            abort(403)


def _products(query: str) -> tuple[list[dict], int]:
    """The catalog's current products whose name contains ``query`` (first SHOWN), and how many match."""
    with state().connect() as conn:
        seed, sizes = get_meta(conn, "seed", 1), catalog.store_sizes(get_meta(conn, "products", 300))
        overrides = {s["id"]: catalog.load_overrides(conn, s["id"]) for s in catalog.STORES}
    found: list[dict] = []
    for store in catalog.STORES:
        changes, added = overrides[store["id"]]
        generated = (
            catalog.apply_change(
                catalog.generate(seed, store["id"], i), changes.get(catalog.product_id(store["id"], i))
            )
            for i in range(1, sizes[store["id"]] + 1)
        )
        for product in [*generated, *(a for a in added if not a.get("_deleted"))]:
            if product is not None and query.casefold() in str(product.get("name", "")).casefold():
                found.append(product)
    return found[:SHOWN], len(found)


def _active_faults() -> set[str]:
    with state().connect() as conn:
        return {f["people"] for f in faults.listing(conn) if f.get("people")}


def _price(raw: str | None) -> float | None:
    try:
        value = round(float((raw or "").replace(",", ".").replace(" ", "")), 2)
    except ValueError:
        return None
    return value if 0 <= value <= 10_000_000 else None


def _back(message: str):
    return redirect(url_for("sandbox_people.controls", message=message), 303)


@bp.get("/controls")
def controls():
    """The page with the buttons."""
    query = request.args.get("q", "").strip()
    products, total = _products(query)
    active = _active_faults()
    rows = [(name, (label, name in active)) for name, (label, _) in FAULTS.items()]
    context = {"products": products, "total": total, "q": query, "stores": catalog.STORES}
    return page("Управление", PAGE, message=request.args.get("message"), fault_rows=rows, **context)


@bp.post("/controls/faults/<name>")
def fault(name: str):
    """Switch one named fault on or off."""
    if name not in FAULTS:
        abort(404)
    label, spec = FAULTS[name]
    with state().connect() as conn:
        for active in faults.listing(conn):
            if active.get("people") == name:
                faults.clear(conn, active["id"])
        if request.form.get("switch") == "on":
            faults.add(conn, {**spec, "people": name})
    return _back(f"«{label}»: {'включён' if request.form.get('switch') == 'on' else 'выключен'}.")


@bp.post("/controls/products/<product_id>/price")
def price(product_id: str):
    """Change one product's price."""
    value = _price(request.form.get("price"))
    if value is None:
        return _back("Цена должна быть числом от 0 до 10 000 000.")
    product = change_product(product_id, {"price": value})
    return _back(f"Цена «{product['name']}» теперь {value} ₽." if product else "Такого товара нет.")


@bp.post("/controls/products/<product_id>/delete")
def delete(product_id: str):
    """Delete one product from the Evotor catalog."""
    store_id = (catalog.parse_product_id(product_id) or (None,))[0]
    known = find_product(store_id, product_id) if store_id else None
    deleted = change_product(product_id, {}, delete=True)
    return _back(
        f"Товар «{known['name'] if known else product_id}» удалён."
        if deleted is not None
        else "Такого товара нет."
    )


@bp.post("/controls/products")
def add():
    """Add a product to a store."""
    value = _price(request.form.get("price"))
    name = (request.form.get("name") or "").strip()
    if value is None or not name:
        return _back("Укажите название и цену товара.")
    product = add_product({"store_id": request.form.get("store_id"), "name": name[:120], "price": value})
    return _back(f"Добавлен товар «{product['name']}»." if product else "Выберите магазин из списка.")
