"""What one rule change did: the synced count before and after, the toggled row's own change, and which
other rows of the same table changed with it — so the answer to a toggle can say «было 207 → станет 28 из
300», warn when the change did nothing for its row or dropped more than half of the selection, and swap
exactly the rows that changed (docs/ui.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evosync.catalog.decisions import Snapshot

# More changed rows than this in one table: ask the merchant to refresh the list instead of swapping them.
MAX_OOB_ROWS = 30


@dataclass(frozen=True)
class RowState:
    """What a row shows that a rule can change: decision, reason and synced count."""

    syncs: bool
    reason: str
    synced: int


def row_state(snap: Snapshot, entity_type: str, entity) -> RowState:
    """The state of one store, group or product row in ``snap``."""
    if entity_type == "store":
        d, c = snap.store_decision(entity.evotor_id), snap.store_count(entity.evotor_id).synced
    elif entity_type == "group":
        d, c = snap.group_decision(entity.evotor_id), snap.group_count(entity.evotor_id).synced
    else:
        d = snap.product(entity.evotor_id, entity.store_id, entity.group_id)
        c = int(d.syncs)
    return RowState(d.syncs, d.reason, c)


@dataclass
class Effect:
    """The effect of one toggle, read by the row and the summary templates."""

    mode: str
    before: int
    after: int
    total: int
    row_before: RowState
    row_after: RowState
    stale: list = field(default_factory=list)  # other entities of the same table to swap out of band
    refresh_needed: bool = False  # other rows changed but are not swapped: «обновите список»

    @property
    def no_effect(self) -> bool:
        """A rule was set but its row syncs exactly as before."""
        return self.mode != "clear" and self.row_before == self.row_after

    @property
    def big_drop(self) -> bool:
        """The change took more than half of the synced products out of the selection."""
        return self.before > 0 and self.after < self.before / 2


def selected(snap: Snapshot) -> int:
    """How many products the rules select; with no rules nothing syncs (the setup is not configured)."""
    return snap.total.synced if snap.rules else 0


def measure(before: Snapshot, after: Snapshot, entity_type: str, entity, mode: str) -> Effect:
    """Compare two snapshots around one change of ``entity``'s rule."""
    effect = Effect(
        mode,
        selected(before),
        selected(after),
        after.total.total,
        row_state(before, entity_type, entity),
        row_state(after, entity_type, entity),
    )
    if entity_type == "product":
        row_delta = effect.row_after.synced - effect.row_before.synced
        effect.refresh_needed = (effect.after - effect.before) != row_delta
        return effect
    peers = after.stores if entity_type == "store" else [g for g, _ in after.tree(entity.store_id)]
    changed = [
        p
        for p in peers
        if p.evotor_id != entity.evotor_id
        and row_state(before, entity_type, p) != row_state(after, entity_type, p)
    ]
    if len(changed) > MAX_OOB_ROWS:
        effect.refresh_needed = True
    else:
        effect.stale = changed
    return effect
