"""execute code generation and the mapping of results/errors back to each call."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from evosync.vk import errors as E
from evosync.vk.batch import execute_code, map_execute_response


def test_code_is_one_return_of_api_calls_with_json_objects():
    calls = [
        ("market.edit", {"owner_id": -5, "item_id": 7, "name": "Морс «Клюква»", "price": Decimal("149.90")}),
        ("market.add", {"owner_id": -5, "name": "Ёлка", "deleted": False, "skip": None}),
        ("market.addToAlbum", {"owner_id": -5, "item_ids": [1, 2], "album_ids": [3]}),
    ]
    code = execute_code(calls)
    assert code.startswith("return [API.market.edit({") and code.endswith("})];")
    parts = re.findall(r"API\.([a-zA-Z.]+)\((\{.*?\})\)", code)
    assert [m for m, _ in parts] == ["market.edit", "market.add", "market.addToAlbum"]
    assert json.loads(parts[0][1]) == {"owner_id": -5, "item_id": 7, "name": "Морс «Клюква»", "price": 149.9}
    assert "«" in code  # ensure_ascii=False: Cyrillic stays readable
    assert json.loads(parts[1][1]) == {"owner_id": -5, "name": "Ёлка", "deleted": 0}
    assert json.loads(parts[2][1])["item_ids"] == "1,2"


def test_limits_of_one_execute():
    with pytest.raises(ValueError):
        execute_code([])
    with pytest.raises(ValueError):
        execute_code([("users.get", {})] * 26)


def test_falses_take_execute_errors_in_order():
    calls = [("market.edit", {"item_id": i}) for i in range(4)]
    body = {
        "response": [1, False, 1, False],
        "execute_errors": [
            {"method": "market.edit", "error_code": 1403, "error_msg": "Item not found"},
            {"method": "market.edit", "error_code": 1408, "error_msg": "bad links"},
        ],
    }
    results = map_execute_response(calls, body)
    assert [r.ok for r in results] == [True, False, True, False]
    assert isinstance(results[1].error, E.ItemError) and results[1].error.code == 1403
    assert results[1].params == {"item_id": 1}
    assert results[3].error.code == 1408 and results[3].error.hint_ru
    assert results[2].unwrap() == 1
    with pytest.raises(E.ItemError):
        results[3].unwrap()


def test_response_length_mismatch_is_a_bad_response():
    with pytest.raises(E.BadResponse):
        map_execute_response([("users.get", {})], {"response": [1, 2]})
