"""The client's JSON decoding of a provider answer: the fast reader and the stdlib one agree on what is read."""

from __future__ import annotations

import json

import pytest
import requests

from evosync.evotor.client import BadResponse, _decode
from evosync.evotor.schemas import parse_decimal


def _answer(body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code, response._content = 200, body
    return response


@pytest.mark.parametrize(
    "body",
    [
        # orjson refuses these; the stdlib reads them, as the client always did.
        b'{"items": [{"id": "1", "name": "\\ud800 broken surrogate", "price": 1.5}]}',
        b'{"items": [{"id": "2", "name": "x", "price": NaN}]}',
    ],
)
def test_what_orjson_refuses_is_read_as_the_stdlib_reads_it(body):
    assert _decode(_answer(body), "/products", float) == json.loads(body, parse_float=float)


def test_fractions_read_as_floats_give_their_written_decimals():
    body = b'{"price": 1234567.89, "quantity": 0.001, "cost": 100.123, "whole": 5}'
    decoded = _decode(_answer(body), "/products", float)
    exact = json.loads(body, parse_float=str)
    assert {k: parse_decimal(v) for k, v in decoded.items()} == {
        k: parse_decimal(v) for k, v in exact.items()
    }


def test_non_json_is_a_bad_response():
    with pytest.raises(BadResponse):
        _decode(_answer(b"<html>busy</html>"), "/products", float)
