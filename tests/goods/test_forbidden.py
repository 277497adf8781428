"""Forbidden goods: Evotor types are certain, names are guesses the merchant may override."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evosync.goods import forbidden
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


def _reference_guess(name: str) -> str | None:
    """The name guess as first written: every pattern searched case-insensitively on the ё-folded name."""
    text = name.replace("ё", "е").replace("Ё", "Е")
    if not text or re.search(forbidden._HARMLESS.pattern, text, re.IGNORECASE):
        return None
    return next((what for p, what in forbidden.NAME_PATTERNS if re.search(p, text, re.IGNORECASE)), None)


_WORDS = ["вейп", "VAPE", "Кальян", "снюс", "никотин", "СИГАРЕТЫ", "табак", "водка", "Пиво", "эль", "ром",
          "ромашка", "безалкогольное", "шоколадные сигары", "жидкость для вейпа", "чай", "Ёлка", "iqos"]  # fmt: skip


@given(
    st.lists(
        st.one_of(
            st.sampled_from(_WORDS),
            st.text("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЁЯabcXYZ019 %,.-", max_size=8),
        ),
        max_size=6,
    )
)
def test_the_name_guess_equals_the_case_insensitive_patterns(parts):
    # Lower-casing once then one combined search must change no verdict (Cyrillic and Latin names).
    name = " ".join(parts)
    guess = by_name(name)
    assert (guess.what if guess else None) == _reference_guess(name)


@given(
    st.sampled_from(["NORMAL", "SERVICE", "ALCOHOL_MARKED", "TOBACCO_MARKED", "", None]),
    st.lists(st.one_of(st.sampled_from(_WORDS), st.text(max_size=8)), max_size=6).map(" ".join),
    st.booleans(),
)
def test_the_stored_guess_gives_the_verdict_classify_gives_the_name(kind, name, override):
    # The catalog stores stored_guess(name) at refresh time; the export and the page read it back.
    stored = forbidden.stored_guess(name)
    assert forbidden.classify_stored(kind, stored, override) == classify(kind, name, override)
