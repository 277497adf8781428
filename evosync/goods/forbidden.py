"""Goods that may not be sold through VK Market: alcohol, beer, tobacco, nicotine products and vapes.

Two kinds of verdict: by Evotor ``type`` (certain: the product is excise-marked alcohol/beer/tobacco, including
any newer ``ALCOHOL_*``, ``BEER_*``, ``TOBACCO_*`` type) and by name (a guess: «похоже на запрещённый товар»,
which the merchant may override per product). The name guess of a cached catalog product is stored at
refresh time (``catalog_products.name_guess``, read back by ``classify_stored``). See docs/forbidden-goods.md.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

# Evotor type prefix → what it is, for the reason shown to the merchant.
TYPE_PREFIXES = (
    ("ALCOHOL_", "алкоголь"),
    ("BEER_", "пиво"),
    ("TOBACCO_", "табак"),
)
# «… запрещён/запрещено во ВКонтакте» agrees with the noun.
_NEUTER = frozenset({"пиво"})
# Word stems (lower case, ё folded to е) that make a name look like a forbidden product.
NAME_PATTERNS = (
    (r"\bвейп|\bvape\b|\bвейпер", "вейп"),
    (r"электронн\w*\s+сигарет|\bэлектронк|\bпод[- ]?систем|\bpod\b", "электронная сигарета"),
    (r"жидкост\w*\s+для\s+(вейп|электронн|под)", "жидкость для вейпа"),
    (r"\bкальян", "кальян"),
    (r"\bснюс|\bsnus\b|никотинов\w*\s+(паучи|подушечк|пластин)", "снюс"),
    (r"\bникотин", "никотин"),
    (r"\bсигарет|\bсигар(а|ы|илл)|\bпапирос|\bтабак|\biqos\b", "табак"),
    (
        r"\bводк|\bконьяк|\bвиски\b|\bром\b|\bджин\b|\bтекил|\bликер|\bнастойк\w*\s+\d|\bвино\b|\bвина\b"
        r"|\bшампанск|\bигрист|\bпортвейн|\bбренди|\bкальвадос|\bабсент|\bсидр|\bмедовух",
        "алкоголь",
    ),
    (r"\bпиво\b|\bпива\b|\bпивн\w*\s+напит|\bэль\b|\bлагер\b|\bстаут\b", "пиво"),
)
# The patterns run on the lower-cased name (faster than IGNORECASE, which folds every character it tries);
# one alternation of them all rules out the many harmless names in one search.
_COMPILED = tuple((re.compile(p), what) for p, what in NAME_PATTERNS)
_ANY = re.compile("|".join(f"(?:{p})" for p, _ in NAME_PATTERNS))
# Names that contain a pattern word but are not the forbidden thing.
_HARMLESS = re.compile(
    r"безалкогольн|\b0[,.]0\s*%|кальянн\w*\s+уголь\s+кокос|шоколадн\w*\s+сигар|сигарет\w*\s+шоколад"
    r"|винегрет|ромашк|\bромб"
)


def rules_fingerprint(patterns: tuple[tuple[str, str], ...], harmless: str) -> str:
    """A short digest of the name rules' text: it changes whenever a pattern, its label or the exceptions do."""
    return hashlib.blake2b(repr((patterns, harmless)).encode(), digest_size=8).hexdigest()


# Part of the refresh's product hash (evosync/catalog/refresh.py): a release that changes the name rules
# makes the next refresh rewrite every product and so recompute every stored name guess. A change to how
# by_name() applies the patterns (not their text) needs a HASH_VERSION bump there instead.
NAME_RULES_VERSION = rules_fingerprint(NAME_PATTERNS, _HARMLESS.pattern)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a product is not published: ``certain`` (by Evotor type) or a name guess the merchant may override."""

    what: str
    certain: bool

    @property
    def reason(self) -> str:
        """The Russian reason for the catalog row, the CSV and the plan."""
        if self.certain:
            banned = "запрещено" if self.what in _NEUTER else "запрещён"
            return f"не публикуется: {self.what} {banned} во ВКонтакте"
        return f"не публикуется: похоже на запрещённый товар ({self.what})"


@lru_cache(maxsize=256)
def by_type(evotor_type: str | None) -> Verdict | None:
    """The verdict for an Evotor product type, or None when the type may be sold."""
    kind = (evotor_type or "").strip().upper()
    for prefix, what in TYPE_PREFIXES:
        if kind.startswith(prefix):
            return Verdict(what, certain=True)
    return None


def by_name(name: str | None) -> Verdict | None:
    """A guess from the product name (вейп, кальян, снюс, никотин, табак, алкоголь, пиво), or None."""
    text = (name or "").lower().replace("ё", "е")
    if not text or not _ANY.search(text) or _HARMLESS.search(text):
        return None
    for pattern, what in _COMPILED:
        if pattern.search(text):
            return Verdict(what, certain=False)
    return None


def classify(evotor_type: str | None, name: str | None, name_override: bool = False) -> Verdict | None:
    """The verdict for a product; ``name_override`` (the merchant's «это не запрещённый товар») drops the guess.

    The type verdict cannot be overridden: an excise-marked product is what Evotor says it is.
    """
    verdict = by_type(evotor_type)
    if verdict is not None:
        return verdict
    return None if name_override else by_name(name)


def stored_guess(name: str | None) -> str | None:
    """What a cached product stores as its name guess (``catalog_products.name_guess``): by_name's ``what``."""
    verdict = by_name(name)
    return verdict.what if verdict is not None else None


@lru_cache(maxsize=64)
def _guess(what: str) -> Verdict:
    return Verdict(what, certain=False)


def classify_stored(
    evotor_type: str | None, name_guess: str | None, name_override: bool = False
) -> Verdict | None:
    """``classify`` for a cached catalog product from its stored guess (``by_name(name).what`` or None).

    Same semantics, without running the name patterns: the type verdict first (cannot be overridden), then
    the stored guess unless the merchant overrode it.
    """
    verdict = by_type(evotor_type)
    if verdict is not None:
        return verdict
    return None if name_override or not name_guess else _guess(name_guess)
