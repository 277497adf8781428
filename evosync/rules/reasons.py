"""Stable decision codes and the short Russian reasons the catalog UI shows for them."""

from __future__ import annotations

from .types import EntityType

OK = "ok"
INCLUDED = "included"
STORE_EXCLUDED = "store_excluded"
STORE_NOT_INCLUDED = "store_not_included"
GROUP_EXCLUDED = "group_excluded"
GROUP_NOT_INCLUDED = "group_not_included"
PRODUCT_EXCLUDED = "product_excluded"
PRODUCT_NOT_INCLUDED = "product_not_included"

PASSING_CODES = frozenset({OK, INCLUDED})
# The row's own status word agrees in gender with the row: магазин/товар (m), группа (f).
_STATUS = {
    "store": {"ok": "синхронизируется", "included": "включён", "excluded": "исключён", "not": "не выбран"},
    "group": {"ok": "синхронизируется", "included": "включена", "excluded": "исключена", "not": "не выбрана"},
    "product": {"ok": "синхронизируется", "included": "включён", "excluded": "исключён", "not": "не выбран"},
}

_NOT_INCLUDED_CAUSE = {
    STORE_NOT_INCLUDED: "включены только отдельные магазины",
    GROUP_NOT_INCLUDED: "включены только отдельные группы",
    PRODUCT_NOT_INCLUDED: "включены только отдельные товары",
}


def reason_text(row: EntityType, code: str, subject: str | None = None) -> str:
    """Russian reason for `code` shown on a `row` of the given type.

    `subject` names the store or group whose exclusion decided; None when the row's own rule decided
    (then the cause is worded without a name: «исключён: товар исключён»).
    """
    status = _STATUS[row]
    if code == OK:
        return status["ok"]
    if code == INCLUDED:
        return status["included"]
    if code in _NOT_INCLUDED_CAUSE:
        return f"{status['not']}: {_NOT_INCLUDED_CAUSE[code]}"
    named = f" «{subject}»" if subject is not None else ""
    if code == STORE_EXCLUDED:
        return f"{status['excluded']}: магазин{named} исключён"
    if code == GROUP_EXCLUDED:
        return f"{status['excluded']}: группа{named} исключена"
    if code == PRODUCT_EXCLUDED:
        return f"{status['excluded']}: товар исключён"
    raise ValueError(f"unknown decision code {code!r}")


# Why a user with no rules (or no selected store) never syncs, and what to do: said the same way in the
# catalog, the «Сбросить все» dialog, /sync and the runner's skipped-run line.
NOT_CONFIGURED = "Не настроено: нужно хотя бы одно правило и один выбранный магазин."
# A product row's reason while there are no rules (the catalog page and the CSV export).
NO_RULES_ROW = "правил нет: ничего не синхронизируется"
NOT_CONFIGURED_TODO = "Откройте «Каталог» и нажмите «Включить» у магазина, группы или товара, которые должны попасть во ВКонтакте."
