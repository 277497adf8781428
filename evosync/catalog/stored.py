"""The effective decision stored on every cached product, kept in step with the rules and the catalog.

The pure engine (``evosync.rules.engine``) stays the one definition: products without a rule of their own
decide per (store, group), so a recompute asks the engine once per store and per group and writes each
answer with one UPDATE over the matching rows — only rows whose stored decision differs are written.
A rule change touches only the products under the changed entity, unless it flips a type between «all /
exclude» and «include» (then every product may change). Small changes are recomputed in the request; big
ones go to the task queue, and until it has run the stored decisions are «stale» and the readers fall back
to evaluating the rules (docs/catalog.md).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import ColumnElement, String, case, event, func, literal_column, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from evosync.bulk import driver_rows, gc_paused
from evosync.catalog import queries
from evosync.catalog.decisions import _ANY, Snapshot, evaluate_catalog, load_snapshot
from evosync.catalog.models import CATALOG_HALF, CatalogProduct, CatalogState, new_snapshot_token
from evosync.extensions import db
from evosync.rules import Counts, Decision, Evaluation, ProductNode
from evosync.rules import service as rules_service
from evosync.rules.service import RuleChange
from evosync.tasks.queue import task

# A change that may alter more products than this is recomputed on the task queue, not in the request.
SYNC_LIMIT = 3000
_PENDING = "catalog_recompute_users"


def is_current(user_id: int) -> bool:
    """True when the stored decisions reflect the user's current rules and catalog."""
    state = queries.catalog_state(user_id)
    return state is not None and state.decided_version == state.rules_version


def _changed(decision: Decision) -> ColumnElement[bool]:
    p = CatalogProduct
    return or_(
        p.decision_code.is_distinct_from(decision.code),
        p.decision_source.is_distinct_from(decision.source_id),
    )


def _write(where: list, decision: Decision, ask_first: bool = False) -> int:
    """Store ``decision`` on the products matching ``where`` whose stored one differs; return rows written.

    ``ask_first`` asks first whether any row differs: on PostgreSQL that question is an index-only scan of the
    group index (it holds the decision), while an UPDATE reads every candidate row from the table even when
    it writes none (docs/catalog.md)."""
    p = CatalogProduct
    if ask_first:
        # «SELECT 1»: no column the index lacks, so PostgreSQL can answer from the index alone.
        any_row = select(literal_column("1")).select_from(p).where(*where, _changed(decision)).limit(1)
        if db.session.execute(any_row).first() is None:
            return 0
    stmt = (
        update(p)
        .where(*where, _changed(decision))
        .values(syncs=decision.syncs, decision_code=decision.code, decision_source=decision.source_id)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(stmt).rowcount or 0


def _as_written(obj, **values) -> None:
    """Give a loaded row the column values this transaction just wrote with Core, as if read again."""
    for key, value in values.items():
        set_committed_value(obj, key, value)


def _show_state(loaded: CatalogState | None, rules_version: int, decided_version: int, token: str) -> None:
    """Give the loaded state row (if any) the versions and token this transaction wrote."""
    if loaded is not None:
        _as_written(
            loaded, rules_version=rules_version, decided_version=decided_version, snapshot_token=token
        )


def _show_loaded(user_id: int, product_id: str, decision: Decision) -> None:
    """Give a loaded row of this product (a toggle's own) the decision just written."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, CatalogProduct) and obj.user_id == user_id and obj.evotor_id == product_id:
            _as_written(
                obj, syncs=decision.syncs, decision_code=decision.code, decision_source=decision.source_id
            )


def _by_decision(items: Iterable[tuple[str, Decision]]) -> dict[Decision, list[str]]:
    grouped: dict[Decision, list[str]] = defaultdict(list)
    for key, decision in items:
        grouped[decision].append(key)
    return grouped


def recompute(user_id: int, scope: list | None = None, snapshot: Snapshot | None = None) -> int:
    """Store the engine's decision on every product (within ``scope``, SQL conditions); return rows written."""
    snap = snapshot or load_snapshot(user_id)
    resolver = snap.resolver
    p = CatalogProduct
    ruled = [r.entity_id for r in snap.rules if r.entity_type == "product"]
    base = [p.user_id == user_id, *(scope or [])]
    if ruled:
        base.append(p.evotor_id.not_in(ruled))
    written = 0
    # A full recompute mostly finds nothing to change (a refresh, the queued task): each UPDATE asks first.
    ask_first = scope is None
    # A store that fails decides all its products, whatever their group.
    failing = [s for s in resolver.stores if not resolver.store(s).syncs]
    store_decisions = ((s, resolver.product(ProductNode(_ANY, s, None))) for s in failing)
    for decision, stores in _by_decision(store_decisions).items():
        written += _write([*base, p.store_id.in_(stores)], decision, ask_first)
    passing = [s for s in resolver.stores if s not in failing]
    if passing:
        # In a passing store the decision depends on the group alone.
        probe = passing[0]
        in_passing = [*base, p.store_id.not_in(failing)] if failing else base
        known = list(resolver.groups)
        group_decisions = ((g, resolver.product(ProductNode(_ANY, probe, g))) for g in known)
        for decision, groups in _by_decision(group_decisions).items():
            written += _write([*in_passing, p.group_id.in_(groups)], decision, ask_first)
        outside = or_(p.group_id.is_(None), p.group_id.not_in(known)) if known else p.group_id.is_(None)
        written += _write([*in_passing, outside], resolver.product(ProductNode(_ANY, probe, None)), ask_first)
    # The products with a rule of their own, one UPDATE per decision they share (within the scope).
    for decision, ids in _by_decision((n.id, resolver.product(n)) for n in snap.ruled_nodes).items():
        written += _write([p.user_id == user_id, *(scope or []), p.evotor_id.in_(ids)], decision, ask_first)
    return written


def recompute_all(user_id: int) -> int:
    """Recompute every stored decision and mark them current (the refresh, the task); return rows written."""
    state = queries.catalog_state(user_id)
    if state is None:
        return 0
    version = state.rules_version
    written = recompute(user_id)
    db.session.execute(
        update(CatalogState)
        .where(CatalogState.user_id == user_id, CatalogState.rules_version == version)
        .values(decided_version=version)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(state)
    return written


@task()
def recompute_task(user_id: int) -> int:
    """The queued full recompute for a big change; an edge, so it commits."""
    written = recompute_all(user_id)
    db.session.commit()
    return written


def _scope(snap: Snapshot, change: RuleChange) -> tuple[list | None, int]:
    """(SQL conditions limiting the products a change can alter — None for all, how many at most)."""
    kind = change.entity_type
    includes = sum(1 for r in snap.rules if r.entity_type == kind and r.filter_mode == "include")
    before = includes - (change.new_mode == "include") + (change.old_mode == "include")
    if (before > 0) != (includes > 0):
        # The type switched between «include» and «all / exclude» mode: every product may change.
        return None, snap.total.total
    p = CatalogProduct
    if kind == "store":
        return [p.store_id == change.entity_id], snap.store_count(change.entity_id).total
    if kind == "group":
        if change.entity_id not in snap.resolver.groups:
            return [p.group_id == change.entity_id], 0
        return [p.group_id.in_(snap.subtree(change.entity_id))], snap.group_count(change.entity_id).total
    return [p.evotor_id == change.entity_id], 1


def on_rules_changed(user_id: int, change: RuleChange | None) -> None:
    """Keep the stored decisions in step with a rule change (``None``: any number of rules changed)."""
    s = CatalogState
    fresh = new_snapshot_token()
    # A new rules half; the catalog half stays, so the kept stores and groups still serve (docs/catalog.md).
    token = (
        func.substr(func.coalesce(s.snapshot_token, fresh), 1, CATALOG_HALF, type_=String)
        + fresh[CATALOG_HALF:]
    )
    # Decisions current before this change stay marked current: this request writes what the change alters
    # (one transaction), unless the change is big and goes to the queue — then the mark is taken back.
    still_decided = case((s.decided_version == s.rules_version, s.rules_version + 1), else_=s.decided_version)
    state = db.session.execute(
        update(s)
        .where(s.user_id == user_id)
        .values(rules_version=s.rules_version + 1, snapshot_token=token, decided_version=still_decided)
        .returning(s.id, s.rules_version, s.decided_version, s.snapshot_token)
        .execution_options(synchronize_session=False)
    ).first()
    if state is None:
        return
    # A loaded state row takes the values just written (the UPDATE holds the row until the commit), so a
    # snapshot loaded from it after this change needs no read (the toggle's answer: docs/catalog.md).
    loaded = db.session.identity_map.get(identity_key(CatalogState, state.id))
    _show_state(loaded, state.rules_version, state.decided_version, state.snapshot_token)
    snap = load_snapshot(user_id, state)
    scope, size = _scope(snap, change) if change is not None else (None, snap.total.total)
    if not snap.decided or size > SYNC_LIMIT:
        if snap.decided:
            db.session.execute(
                update(s)
                .where(s.user_id == user_id, s.rules_version == state.rules_version)
                .values(decided_version=state.rules_version - 1)
                .execution_options(synchronize_session=False)
            )
            _show_state(loaded, state.rules_version, state.rules_version - 1, state.snapshot_token)
        # Queued once the request commits, so the task never reads the rules before this change.
        db.session.info.setdefault(_PENDING, set()).add(user_id)
        return
    if scope is not None and change.entity_type == "product":
        # One product's own rule: only its decision can change, and the engine gives it from its node.
        node = snap.product_node(change.entity_id)
        if node is not None:
            p = CatalogProduct
            decision = snap.resolver.product(node)
            _write([p.user_id == user_id, p.evotor_id == node.id], decision)
            _show_loaded(user_id, node.id, decision)
    else:
        recompute(user_id, scope, snap)


def product_decisions(snapshot: Snapshot) -> dict[str, Decision]:
    """Every product's stored decision by Evotor id, grouped by decision (only meaningful when current).

    One row per distinct (code, deciding id) with the ids of its products as one JSON array, read from a
    covering index: no row per product crosses the driver, and each Decision is rebuilt once and shared by
    all the products it decides (docs/catalog.md)."""
    p = CatalogProduct
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    ids = func.json_agg(p.evotor_id) if postgresql else func.json_group_array(p.evotor_id)
    stmt = (
        select(p.decision_code, p.decision_source, ids)
        .where(p.user_id == snapshot.user_id)
        .group_by(p.decision_code, p.decision_source)
    )
    rebuild = snapshot.resolver.stored_product
    decisions: dict[str, Decision] = {}
    with gc_paused():
        for code, source, members in driver_rows(db.session, stmt):
            # psycopg gives PostgreSQL's json as a list already; SQLite's is text.
            listed = json.loads(members) if isinstance(members, str) else members
            decisions.update(dict.fromkeys(listed, rebuild(code, source)))
    return decisions


def catalog_evaluation(user_id: int) -> Evaluation:
    """Every store's, group's and product's decision, as ``evaluate_catalog`` gives them: read from the
    stored decisions when they are current (what the sync reads), else evaluated by the engine."""
    snap = load_snapshot(user_id)
    if not snap.decided:
        return evaluate_catalog(user_id)
    resolver = snap.resolver
    return Evaluation(
        modes=dict(resolver.rules.modes),
        stores={store_id: resolver.store(store_id) for store_id in resolver.stores},
        groups={group_id: resolver.group(group_id) for group_id in resolver.groups},
        products=product_decisions(snap),
        store_counts={**{store_id: Counts() for store_id in resolver.stores}, **snap.store_counts},
        group_counts={group_id: snap.group_count(group_id) for group_id in resolver.groups},
    )


def synced_condition(snapshot: Snapshot) -> ColumnElement[bool]:
    """«Syncs» as a SQL condition: the stored column when current, else the rules evaluated in SQL."""
    if snapshot.decided:
        return CatalogProduct.syncs.is_(True)
    return snapshot.synced_clause()


@event.listens_for(Session, "after_commit")
def _queue_pending(session: Session) -> None:
    for user_id in session.info.pop(_PENDING, ()):
        recompute_task(user_id)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


rules_service.on_change(on_rules_changed)
