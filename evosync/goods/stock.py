"""Stock policy: what ``stock_amount`` to send VK for an Evotor quantity, and whether to hide the item.

On VK ``stock_amount`` 0 shows «нет в наличии» and -1 (or none) means unlimited. Most small shops keep no stock in
Evotor (quantities stay 0 or go negative), so the default sends nothing and items stay available.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

VK_STOCK_MAX = 999_999


class StockMode(StrEnum):
    """The merchant's choice on /sync."""

    NONE = "none"  # «не передавать остатки» (default): no stock_amount, the item is available
    FROM_EVOTOR = (
        "evotor"  # «передавать остатки из Эвотора»: stock_amount = quantity (≤ 0 → 0, «нет в наличии»)
    )
    HIDE_AT_OR_BELOW = "hide"  # «скрывать товары с остатком не больше N»: hide, no stock_amount otherwise


LABELS_RU = {
    StockMode.NONE: "не передавать остатки",
    StockMode.FROM_EVOTOR: "передавать остатки из Эвотора",
    StockMode.HIDE_AT_OR_BELOW: "скрывать товары с остатком не больше N",
}


@dataclass(frozen=True, slots=True)
class StockDecision:
    """``stock_amount`` to send (None: send nothing) and whether the item is hidden for its stock."""

    stock_amount: int | None
    hide: bool = False


def decide(mode: StockMode | str, quantity: Decimal | None, threshold: int = 0) -> StockDecision:
    """Apply the policy to one product. ``quantity`` None means Evotor sent none (service, no stock right).

    With «скрывать» a product without a quantity is kept visible: nothing says it ran out.
    """
    mode = StockMode(mode)
    if mode is StockMode.NONE:
        return StockDecision(None)
    if mode is StockMode.HIDE_AT_OR_BELOW:
        return StockDecision(None, hide=quantity is not None and quantity <= threshold)
    if quantity is None:
        return StockDecision(None)
    # Weighed goods have fractional quantities; VK counts whole pieces, so 1.255 kg → 1.
    whole = int(Decimal(quantity).to_integral_value(rounding=ROUND_FLOOR))
    return StockDecision(min(max(whole, 0), VK_STOCK_MAX))


def mostly_out_of_stock(quantities: list[Decimal | None]) -> bool:
    """True when at least half of the products have a quantity ≤ 0 or none (the /sync warning)."""
    if not quantities:
        return False
    empty = sum(1 for q in quantities if q is None or q <= 0)
    return empty * 2 >= len(quantities)
