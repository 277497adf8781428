"""`flask sync-config`: the JSON contract of docs/sync-config.md (key order, modes, rule objects, `resolved`, errors)."""

from __future__ import annotations

import json

import pytest

KEYS = [
    "user_id",
    "email",
    "enabled",
    "confirmed_at",
    "ready",
    "vk_group_id",
    "stores",
    "groups",
    "products",
    "resolved",
]
RESOLVED_KEYS = [
    "store_ids",
    "group_ids",
    "product_ids",
    "include_group_names",
    "exclude_group_names",
    "exclude_product_ids",
]


def sync_config(runner, *args):
    """Run the command; return (exit code, parsed stdout or None, stderr)."""
    result = runner.invoke(args=["sync-config", *args])
    data = json.loads(result.stdout) if result.exit_code == 0 else None
    return result.exit_code, data, result.stderr


def test_fresh_user_before_any_refresh(runner, user):
    code, data, _ = sync_config(runner, "--user", str(user.id))
    assert code == 0
    assert list(data) == KEYS
    assert data == {
        "user_id": user.id,
        "email": "shop@example.ru",
        "enabled": False,
        "confirmed_at": None,
        "ready": False,
        "vk_group_id": None,
        "stores": {"mode": "all", "include": [], "exclude": []},
        "groups": {"mode": "all", "include": [], "exclude": []},
        "products": {"mode": "all", "include": [], "exclude": []},
        "resolved": None,
    }


def test_user_by_email_and_key_order_of_blocks(runner, ready_shop):
    code, data, _ = sync_config(runner, "--user", "SHOP@example.ru")
    assert code == 0
    assert data["user_id"] == ready_shop.id
    assert list(data["stores"]) == ["mode", "include", "exclude"]
    assert list(data["resolved"]) == RESOLVED_KEYS
    assert data["enabled"] is True and data["ready"] is True
    assert data["vk_group_id"] == 123456
    assert data["confirmed_at"].endswith("Z") and len(data["confirmed_at"]) == len("2026-11-26T21:00:00Z")


def test_every_mode_and_rule_objects(runner, user, seed_catalog, add_rule):
    seed_catalog(user)
    add_rule(user, "store", "S1", "include", 'Магазин "Центр"')
    add_rule(user, "group", "B", "exclude", 'Чай "Листовой"', parent="S1")
    add_rule(user, "product", "a1", "include", "Товар\na1 ☕", parent="A")
    add_rule(user, "product", "r", "exclude", "Товар r", parent=None)
    _, data, _ = sync_config(runner, "--user", str(user.id))
    assert data["stores"] == {"mode": "include", "include": ["S1"], "exclude": []}
    assert data["groups"] == {
        "mode": "exclude",
        "include": [],
        "exclude": [{"id": "B", "name": 'Чай "Листовой"', "store_id": "S1"}],
    }
    assert data["products"] == {
        "mode": "include",
        "include": [{"id": "a1", "name": "Товар\na1 ☕", "group_id": "A"}],
        "exclude": [{"id": "r", "name": "Товар r", "group_id": None}],
    }
    assert list(data["groups"]["exclude"][0]) == ["id", "name", "store_id"]
    assert data["resolved"]["exclude_group_names"] == ['Чай "Листовой"']
    assert data["resolved"]["include_group_names"] == []
    assert data["resolved"]["exclude_product_ids"] == ["r"]
    assert data["resolved"]["product_ids"] == ["a1"]


def test_output_is_utf8_not_escaped_and_valid_for_awkward_names(runner, user, seed_catalog, add_rule):
    seed_catalog(user)
    add_rule(user, "group", "B1", "include", 'Улун "🍵"\nновинка\\', parent="S1")
    result = runner.invoke(args=["sync-config", "--user", str(user.id)])
    assert result.exit_code == 0
    assert "🍵" in result.stdout and "\\u" not in result.stdout
    assert result.stdout.count("\n") == 1  # one line: the newline inside the name is escaped
    data = json.loads(result.stdout)
    assert data["resolved"]["include_group_names"] == ['Улун "🍵"\nновинка\\']


# The worked examples of docs/filters.md on the nested catalog (B1 is B's child); S2 holds product s2p.
@pytest.mark.parametrize(
    ("rules", "stores", "groups", "products"),
    [
        ([], ["S1", "S2"], ["A", "B", "B1"], ["a1", "b1", "r", "s2p"]),
        ([("store", "S1", "include")], ["S1"], ["A", "B", "B1"], ["a1", "b1", "r"]),
        ([("store", "S2", "exclude")], ["S1"], ["A", "B", "B1"], ["a1", "b1", "r"]),
        ([("group", "A", "include")], ["S1", "S2"], ["A"], ["a1"]),
        ([("group", "B", "include")], ["S1", "S2"], ["B", "B1"], ["b1"]),
        ([("group", "B", "exclude")], ["S1", "S2"], ["A"], ["a1", "r", "s2p"]),
        ([("group", "B", "include"), ("group", "B1", "exclude")], ["S1", "S2"], ["B"], []),
        ([("product", "a1", "include")], ["S1", "S2"], ["A", "B", "B1"], ["a1"]),
        ([("product", "r", "exclude")], ["S1", "S2"], ["A", "B", "B1"], ["a1", "b1", "s2p"]),
        ([("store", "S1", "exclude"), ("product", "a1", "include")], ["S2"], [], []),
    ],
)
def test_resolved_follows_the_worked_examples(
    runner, user, seed_catalog, add_rule, rules, stores, groups, products
):
    seed_catalog(user)
    for entity_type, entity_id, mode in rules:
        add_rule(user, entity_type, entity_id, mode)
    _, data, _ = sync_config(runner, "--user", str(user.id))
    resolved = data["resolved"]
    assert resolved["store_ids"] == stores
    assert resolved["group_ids"] == groups
    assert sorted(resolved["product_ids"]) == sorted(products)


def test_resolved_matches_the_catalog_decisions(app, runner, user, seed_catalog, add_rule):
    from evosync.catalog.decisions import evaluate_catalog

    seed_catalog(user)
    add_rule(user, "group", "B", "include")
    add_rule(user, "product", "b1", "exclude")
    _, data, _ = sync_config(runner, "--user", str(user.id))
    with app.app_context():
        expected = evaluate_catalog(user.id).synced_product_ids()
    assert data["resolved"]["product_ids"] == expected == []


@pytest.mark.parametrize("ref", ["nobody@example.ru", "999999", "99999999999999999999", " ", "²", "1²"])
def test_unknown_user_exits_1_with_a_message(runner, user, ref):
    result = runner.invoke(args=["sync-config", "--user", ref])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no user" in result.stderr


@pytest.mark.parametrize("args", [[], ["--all", "--user", "1"]])
def test_needs_exactly_one_of_user_or_all(runner, args):
    result = runner.invoke(args=["sync-config", *args])
    assert result.exit_code == 2
    assert "exactly one" in result.stderr
