"""Money, quantities and times as a Russian merchant reads them; the fault kinds on the sandbox CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from evosync.sandbox.cli import main as sandbox_cli
from evosync.ui.formats import amount, local_time, rub

NB = "\u00a0"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("350.5"), f"350,50{NB}₽"),
        (Decimal("2166.9"), f"2{NB}166,90{NB}₽"),
        (Decimal("1234567.005"), f"1{NB}234{NB}567,01{NB}₽"),
        (0, f"0,00{NB}₽"),
        (Decimal("-12"), f"−12,00{NB}₽"),
        (None, "—"),
        ("NaN", "—"),
    ],
)
def test_prices_in_roubles(value, text):
    assert rub(value) == text


def test_quantities_drop_trailing_zeros():
    assert amount(Decimal("1.2550")) == "1,255"
    assert amount(Decimal("1250.0000")) == f"1{NB}250"
    assert amount(None) == "—"


def test_times_in_moscow_or_the_chosen_zone(app):
    moment = datetime(2026, 11, 26, 21, 5, tzinfo=UTC)
    with app.test_request_context():
        assert str(local_time(moment)).endswith(f">27.11.2026 00:05{NB}МСК</time>")
        assert f"02:05{NB}МСК+2" in str(local_time(moment, zone="Asia/Yekaterinburg"))
        assert local_time(None, "никогда") == "никогда"


def test_sandbox_faults_help_lists_the_kinds_and_an_unknown_kind_exits_1(capsys):
    with pytest.raises(SystemExit):
        sandbox_cli(["faults", "--help"])
    out = capsys.readouterr().out
    assert "market_off" in out and "vk_error" in out
    assert sandbox_cli(["--url", "http://127.0.0.1:9", "faults", "add", "nonsense"]) == 1
    assert "unknown fault kind" in capsys.readouterr().err
