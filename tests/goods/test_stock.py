"""Stock policy: by default nothing is sent and every item stays available."""

from decimal import Decimal

import pytest

from evosync.goods.stock import StockMode, decide, mostly_out_of_stock


@pytest.mark.parametrize("quantity", [None, Decimal(0), Decimal(-3), Decimal(5)])
def test_default_sends_no_stock_and_never_hides(quantity):
    d = decide(StockMode.NONE, quantity)
    assert d.stock_amount is None and not d.hide


def test_passing_stock_clamps_negatives_to_zero_and_floors_weights():
    assert decide("evotor", Decimal(-3)).stock_amount == 0
    assert decide("evotor", Decimal("1.255")).stock_amount == 1
    assert decide("evotor", Decimal(24)).stock_amount == 24
    assert decide("evotor", Decimal(10**7)).stock_amount == 999_999
    assert decide("evotor", None).stock_amount is None


def test_hide_at_or_below_threshold():
    assert decide("hide", Decimal(2), threshold=2).hide
    assert not decide("hide", Decimal(3), threshold=2).hide
    assert decide("hide", Decimal(-1)).hide and decide("hide", Decimal(0)).hide
    assert not decide("hide", None).hide
    assert decide("hide", Decimal(0)).stock_amount is None


def test_warning_when_at_least_half_have_no_stock():
    assert mostly_out_of_stock([Decimal(0), None, Decimal(5), Decimal(7)])
    assert not mostly_out_of_stock([Decimal(0), Decimal(1), Decimal(5)])
    assert not mostly_out_of_stock([])


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError):
        decide("sometimes", Decimal(1))
