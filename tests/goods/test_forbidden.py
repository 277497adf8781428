"""Forbidden goods: Evotor types are certain, names are guesses the merchant may override."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evosync.goods.forbidden import by_name, classify

TYPES = [
    "ALCOHOL_MARKED",
    "ALCOHOL_NOT_MARKED",
    "BEER_MARKED",
    "BEER_MARKED_KEG",
    "TOBACCO_MARKED",
    "TOBACCO_PRODUCTS_MARKED",
]


@pytest.mark.parametrize("kind", TYPES)
def test_every_listed_evotor_type_is_refused_with_a_reason(kind):
    verdict = classify(kind, "Товар без подозрительного имени")
    assert verdict is not None and verdict.certain
    assert verdict.reason.startswith("не публикуется: ") and verdict.reason.endswith("во ВКонтакте")


def test_reasons_read_as_russian():
    assert classify("ALCOHOL_NOT_MARKED", "Сидр").reason == "не публикуется: алкоголь запрещён во ВКонтакте"
    assert classify("BEER_MARKED", "Пиво").reason == "не публикуется: пиво запрещено во ВКонтакте"
    assert classify("TOBACCO_MARKED", "x").reason == "не публикуется: табак запрещён во ВКонтакте"


@given(st.sampled_from(["ALCOHOL_", "BEER_", "TOBACCO_"]), st.from_regex(r"[A-Z_]{0,20}", fullmatch=True))
def test_any_newer_type_with_a_forbidden_prefix_is_refused(prefix, rest):
    assert classify(prefix + rest, "Кофе").certain


@given(st.text(max_size=60))
def test_normal_and_service_types_are_never_refused_by_type(name):
    for kind in ("NORMAL", "SERVICE", "", None):
        verdict = classify(kind, name)
        assert verdict is None or not verdict.certain


@pytest.mark.parametrize(
    "name",
    [
        "Жидкость для вейпа «Манго» 30 мл",
        "Вейп одноразовый 1500 затяжек",
        "Электронная сигарета Juul",
        "Кальян Khalil Mamoon",
        "Снюс Siberia",
        "Никотиновые паучи",
        "Сигареты «Ява» 20 шт",
        "Табак трубочный",
        "ПИВО светлое 0,5 л",
        "Вино красное сухое",
    ],
)
def test_obvious_names_are_caught_as_a_guess(name):
    verdict = classify("NORMAL", name)
    assert verdict is not None and not verdict.certain
    assert verdict.reason.startswith("не публикуется: похоже на запрещённый товар")


@pytest.mark.parametrize(
    "name",
    [
        "Кофе Арабика 250 г",
        "Ромашковый чай",
        "Винегрет",
        "Пиво безалкогольное",
        "Шоколадные сигареты",
        "Круассан миндальный",
        "Лимонад 0,5 л",
        "Сок вишнёвый",
    ],
)
def test_ordinary_goods_are_not_flagged(name):
    assert by_name(name) is None


def test_merchant_override_drops_the_name_guess_but_not_the_type():
    assert classify("NORMAL", "Кальянная смесь", name_override=True) is None
    assert classify("TOBACCO_MARKED", "Кальянная смесь", name_override=True).certain
