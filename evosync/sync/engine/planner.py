"""Pure sync planner: the wanted VK items vs what EvoSync already put in VK → the writes to make.

Input: the user's selected products (already filtered by the rules), the user's settings, the mapping rows
(one per sku EvoSync knows about in this community) and the albums already made. Output: a ``Plan`` with
creates, updates (only the fields that changed), album additions, hides or deletes for items that left the
selection, and skips with reasons. No Flask, no database: the applier feeds it and carries it out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from evosync.sync.engine.items import ItemSettings, Skip, SourceProduct, VkItem, build_item

# Mapping states: what EvoSync believes VK holds for a sku.
ACTIVE, HIDDEN, DELETED, PENDING, MISSING, FAILED = (
    "active",
    "hidden",
    "deleted",
    "pending",
    "missing",
    "failed",
)
# States with a live VK item behind them.
LIVE = (ACTIVE, HIDDEN)


@dataclass(frozen=True, slots=True)
class Mapped:
    """What EvoSync knows about one sku in VK (a row of ``sync_vk_items``)."""

    sku: str
    vk_item_id: int | None
    state: str
    content_hash: str | None = None
    sent: dict = field(default_factory=dict, hash=False)  # the fields last written
    album_id: int | None = None  # the VK album it was last added to
    photo_source: str | None = None


@dataclass(frozen=True, slots=True)
class Update:
    """A ``market.edit`` of an existing item: only ``changes``; ``new_photo`` when the photo must change."""

    item: VkItem
    vk_item_id: int
    changes: dict
    new_photo: bool = False


@dataclass(frozen=True, slots=True)
class Leave:
    """An item whose product left the selection (or became invalid): hide or delete it."""

    sku: str
    vk_item_id: int
    action: str  # "hide" | "delete"
    reason_ru: str


@dataclass
class Plan:
    """Everything one run should do, plus counts for the preview and the run record."""

    creates: list[VkItem] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    album_adds: list[tuple[str, int, str]] = field(default_factory=list)  # (sku, vk item id, album key)
    leaves: list[Leave] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    albums_needed: dict[str, str] = field(default_factory=dict)  # album key → title, not yet in VK
    unchanged: int = 0
    wanted: dict[str, VkItem] = field(default_factory=dict)

    @property
    def hides(self) -> int:
        """How many items will be hidden."""
        return sum(1 for x in self.leaves if x.action == "hide")

    @property
    def deletes(self) -> int:
        """How many items will be deleted."""
        return sum(1 for x in self.leaves if x.action == "delete")

    @property
    def write_calls(self) -> int:
        """VK write calls the plan needs (album additions grouped per album, as the applier sends them)."""
        album_calls = len({key for _, _, key in self.album_adds}) + len(
            {i.album_key for i in self.creates if i.album_key}
        )
        return (
            len(self.creates) + len(self.updates) + len(self.leaves) + len(self.albums_needed) + album_calls
        )

    def counts(self) -> dict[str, int]:
        """Counts for the preview: create / update / hide / delete / unchanged / skip."""
        return {
            "create": len(self.creates),
            "update": len(self.updates),
            "hide": self.hides,
            "delete": self.deletes,
            "unchanged": self.unchanged,
            "skip": len(self.skips),
            "albums": len(self.albums_needed),
        }


LEFT_REASON_RU = "Товар больше не выбран для синхронизации или удалён в Эвоторе."


def album_titles(groups: dict[str, tuple[str, str]], store_names: dict[str, str]) -> dict[str, str]:
    """One VK album title per Evotor group (``groups``: id → (name, store id)); same names get the store."""
    by_name: dict[str, list[str]] = {}
    for group_id, (name, _) in groups.items():
        by_name.setdefault(name.strip().casefold(), []).append(group_id)
    titles: dict[str, str] = {}
    for group_id, (name, store_id) in groups.items():
        title = name.strip() or "Без названия"
        if len(by_name[name.strip().casefold()]) > 1:
            title = f"{title} — {store_names.get(store_id, store_id)}"
        titles[group_id] = title[:128]
    return titles


def make_plan(
    products: Iterable[SourceProduct],
    settings: ItemSettings,
    mapped: dict[str, Mapped],
    albums: dict[str, int],
    leave_action: str = "hide",
    album_title: dict[str, str] | None = None,
    only: set[str] | None = None,
) -> Plan:
    """Compare the selection with the mapping and return the plan.

    ``albums`` maps album key (Evotor group id) → VK album id for albums already made; ``album_title`` gives
    titles for the ones to make. ``only`` restricts the writes to those skus (retrying failed items).
    """
    plan = Plan()
    album_title = album_title or {}
    for product in products:
        built = build_item(product, settings)
        if isinstance(built, Skip):
            plan.skips.append(built)
            continue
        plan.wanted[built.sku] = built
        if only is not None and built.sku not in only:
            continue
        row = mapped.get(built.sku)
        if built.album_key and built.album_key not in albums:
            plan.albums_needed.setdefault(built.album_key, album_title.get(built.album_key, built.album_key))
        if row is None or row.vk_item_id is None or row.state not in LIVE:
            plan.creates.append(built)
            continue
        changes = {k: v for k, v in built.fields.items() if row.sent.get(k) != v}
        # 'auto' (image unknown) keeps the item's photo; a known change of source replaces it.
        new_photo = built.photo_source != "auto" and row.photo_source != built.photo_source
        if row.state == HIDDEN:
            changes["deleted"] = False
        if changes or new_photo:
            plan.updates.append(Update(built, row.vk_item_id, changes, new_photo))
        else:
            plan.unchanged += 1
        target = albums.get(built.album_key) if built.album_key else None
        if built.album_key and (target is None or row.album_id != target):
            plan.album_adds.append((built.sku, row.vk_item_id, built.album_key))
    skipped = {s.sku: s for s in plan.skips}
    for sku, row in mapped.items():
        if sku in plan.wanted or row.vk_item_id is None or row.state not in LIVE:
            continue
        if only is not None and sku not in only:
            continue
        reason = skipped[sku].reason_ru if sku in skipped else LEFT_REASON_RU
        if leave_action == "delete":
            plan.leaves.append(Leave(sku, row.vk_item_id, "delete", reason))
        elif row.state != HIDDEN:
            plan.leaves.append(Leave(sku, row.vk_item_id, "hide", reason))
    return plan
