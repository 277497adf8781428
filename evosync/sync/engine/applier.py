"""Carry out a plan against VK: albums, creates, edits, hides/deletes, album additions, in execute batches.

Every write follows the same recovery-point pattern (docs/sync.md, «Exactly once»): record the intent on the
mapping rows and commit; send one ``execute`` of ≤ 25 calls; record each call's result and commit. A crash
between the two commits leaves ``intent`` set, which the next run's reconciliation resolves by sku.
Per-item errors are recorded with VK's Russian hint and the run goes on; run-level errors (flood, captcha,
rate limit, token) are raised after the results that did arrive have been recorded.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

from evosync.db import utcnow
from evosync.extensions import db
from evosync.sync.engine.context import RunContext
from evosync.sync.engine.items import SourceProduct, VkItem
from evosync.sync.engine.models import SyncAlbum, SyncVkItem
from evosync.sync.engine.photos import PhotoProblem, Photos
from evosync.sync.engine.planner import ACTIVE, DELETED, FAILED, HIDDEN, MISSING, PENDING, Plan
from evosync.sync.runs.models import SyncRunError
from evosync.vk import params as P
from evosync.vk.batch import MAX_CALLS_PER_EXECUTE, CallResult
from evosync.vk.errors import Captcha, Flood, ItemError, MarketDisabled, RateLimit, TokenInvalid, VkError
from evosync.vk.upload import PhotoUploader

# Errors that concern the whole run even when VK reports them for one call inside execute.
RUN_LEVEL = (Flood, RateLimit, Captcha, TokenInvalid, MarketDisabled)
ALBUM_ITEMS_PER_CALL = 100
NOT_FOUND = 1403
ALREADY_IN_ALBUM = 1404


def chunks(seq: list, size: int = MAX_CALLS_PER_EXECUTE) -> list[list]:
    """``seq`` cut into lists of ``size``."""
    return [seq[i : i + size] for i in range(0, len(seq), size)]


class Applier:
    """Applies one plan for one run."""

    def __init__(self, ctx: RunContext, photos: Photos, products: dict[str, SourceProduct]):
        self.ctx = ctx
        self.photos = photos
        self.products = products
        self.run = ctx.run
        self.rows: dict[str, SyncVkItem] = {
            r.sku: r
            for r in db.session.scalars(
                select(SyncVkItem).where(
                    SyncVkItem.user_id == ctx.user_id, SyncVkItem.vk_group_id == ctx.group_id
                )
            )
        }
        self.albums: dict[str, int] = {}
        self.uploader: PhotoUploader | None = None
        self.pending_album_adds: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.done = 0
        self.total = 1
        self._raise: VkError | None = None

    # -- bookkeeping -------------------------------------------------------------------------------------
    def _progress(self, what: str) -> None:
        percent = min(99, self.done * 100 // max(self.total, 1))
        self.ctx.checkpoint(f"{what}: {self.done} из {self.total}", percent)

    def _error(self, sku: str, operation: str, exc: VkError) -> None:
        product = self.products.get(sku)
        self.run.failed += 1
        db.session.add(
            SyncRunError(
                run_id=self.run.id,
                user_id=self.ctx.user_id,
                sku=sku[:64],
                product_name=(product.name if product else sku)[:255],
                operation=operation,
                code=exc.code,
                message=(exc.msg or "")[:500],
                hint_ru=exc.hint_ru[:500],
            )
        )

    def _photo_notes(self, operation: str) -> None:
        """Items whose Evotor image was refused went up with their card: say so on /sync, per item."""
        for sku, why in self.photos.notes:
            hint = f"Картинка товара в Эвоторе не подошла ({why.rstrip('.')}) — во ВКонтакте показана карточка товара."
            self._error(
                sku, operation, PhotoProblem(None, "the Evotor image was refused", "upload", hint_ru=hint)
            )
        self.photos.notes.clear()

    def _check(self, result: CallResult) -> VkError | None:
        """The call's error if it is per-item; a run-level one is kept to raise after recording."""
        if result.ok:
            return None
        if isinstance(result.error, RUN_LEVEL):
            self._raise = self._raise or result.error
            return None
        return result.error

    def _flush_raise(self) -> None:
        if self._raise is not None:
            exc, self._raise = self._raise, None
            raise exc

    def _row(self, sku: str) -> SyncVkItem:
        row = self.rows.get(sku)
        if row is None:
            row = SyncVkItem(user_id=self.ctx.user_id, vk_group_id=self.ctx.group_id, sku=sku, sent_json="{}")
            db.session.add(row)
            self.rows[sku] = row
        return row

    # -- steps -------------------------------------------------------------------------------------------
    def apply(self, plan: Plan, albums: dict[str, int], duplicates: list[tuple[str, int]]) -> None:
        """Run every step of ``plan``; ``albums`` are the albums already in VK."""
        self.albums = dict(albums)
        self.total = max(1, plan.write_calls + len(duplicates))
        self.run.unchanged = plan.unchanged
        self.run.skipped = len(plan.skips)
        self.create_albums(plan.albums_needed)
        self.delete_duplicates(duplicates)
        self.create_items(plan.creates)
        self.update_items(plan)
        self.leave_items(plan)
        self.remove_from_albums(plan.album_removes)
        for sku, item_id, key in plan.album_adds:
            self.pending_album_adds[key].append((sku, item_id))
        self.add_to_albums()

    def create_albums(self, needed: dict[str, str]) -> None:
        """``market.addAlbum`` for every Evotor group that has none yet (intent rows first)."""
        rows = {
            r.group_key: r
            for r in db.session.scalars(
                select(SyncAlbum).where(
                    SyncAlbum.user_id == self.ctx.user_id, SyncAlbum.vk_group_id == self.ctx.group_id
                )
            )
        }
        for part in chunks(sorted(needed.items())):
            for key, title in part:
                if key not in rows:
                    rows[key] = SyncAlbum(
                        user_id=self.ctx.user_id, vk_group_id=self.ctx.group_id, group_key=key, title=title
                    )
                    db.session.add(rows[key])
            self.ctx.commit()
            calls = [P.market_add_album(self.ctx.owner_id, rows[key].title) for key, _ in part]
            for (key, _), result in zip(part, self.ctx.execute(calls), strict=True):
                if self._check(result) is None and result.ok:
                    rows[key].vk_album_id = int(result.result["market_album_id"])
                    self.albums[key] = rows[key].vk_album_id
            self.done += len(part)
            self._progress("Подборки")
            self._flush_raise()

    def delete_duplicates(self, duplicates: list[tuple[str, int]]) -> None:
        """Delete the extra VK items that share one of our skus."""
        for part in chunks(duplicates):
            results = self.ctx.execute([P.market_delete(self.ctx.owner_id, item_id) for _, item_id in part])
            for result in results:
                error = self._check(result)
                if result.ok or (error is not None and error.code == NOT_FOUND):
                    self.run.deleted += 1
            self.done += len(part)
            self._progress("Удаляем дубликаты")
            self._flush_raise()

    def _upload(self, data: bytes, filename: str, content_type: str) -> dict:
        """POST one file to the run's upload server (fetched once, renewed when VK refuses it)."""

        def post(client):
            if self.uploader is None:
                self.uploader = PhotoUploader(client, self.ctx.group_id)
            self.uploader.client = client  # the client is replaced after a token refresh
            return self.uploader.upload(data, filename, content_type)

        return self.ctx.vk(post)

    def upload_photos(self, items: Iterable[VkItem], operation: str) -> dict[str, tuple[int, str]]:
        """One photo per item: upload each file, then save them ≤ 25 per execute → sku: (photo id, source).

        Items whose image fails get a per-item error and no entry; a run-level error is raised after the
        saves that did succeed are known (their photos are simply unused).
        """
        files = []
        for item in items:
            try:
                photo = self.photos.file_for(item, self.products[item.sku])
                files.append((item, photo, self._upload(photo.data, photo.filename, photo.content_type)))
            except ItemError as exc:
                self._error(item.sku, operation, exc)
        self._photo_notes(operation)
        if not files:
            return {}
        results = self.ctx.vk(lambda c: self.uploader.save([answer for _, _, answer in files]))
        out: dict[str, tuple[int, str]] = {}
        for (item, photo, _), result in zip(files, results, strict=True):
            error = self._check(result)
            if result.ok:
                out[item.sku] = (result.result.id, photo.source)
            elif error is not None:
                self._error(item.sku, operation, error)
        self._flush_raise()
        return out

    def create_items(self, creates: list[VkItem]) -> None:
        """``market.add`` in batches: photos uploaded first, intent committed, then the execute."""
        for part in chunks(creates):
            photos = self.upload_photos(part, "create")
            ready = [(item, photos[item.sku]) for item in part if item.sku in photos]
            now = utcnow()
            for item, (photo_id, photo_source) in ready:
                row = self._row(item.sku)
                row.state, row.intent, row.vk_item_id, row.intent_at = PENDING, "create", None, now
                row.sent_json = json.dumps(item.fields, ensure_ascii=False)
                row.content_hash, row.photo_id, row.photo_source = (
                    item.content_hash,
                    photo_id,
                    photo_source,
                )
            self.ctx.commit()
            calls = [
                P.market_add(self.ctx.owner_id, main_photo_id=photo[0], **item.fields)
                for item, photo in ready
            ]
            results = self.ctx.execute(calls) if calls else []
            for (item, _), result in zip(ready, results, strict=True):
                row = self.rows[item.sku]
                error = self._check(result)
                if result.ok:
                    row.vk_item_id = int(result.result["market_item_id"])
                    row.state, row.intent, row.album_id = ACTIVE, None, None
                    self.run.created += 1
                    if item.album_key:
                        self.pending_album_adds[item.album_key].append((item.sku, row.vk_item_id))
                elif error is not None:
                    row.state, row.intent = FAILED, None
                    self._error(item.sku, "create", error)
            self.done += len(part)
            self._progress("Создаём товары")
            self._flush_raise()

    def update_items(self, plan: Plan) -> None:
        """``market.edit`` with only the changed fields (and a new photo when its source changed)."""
        for part in chunks(plan.updates):
            calls = []
            photos = self.upload_photos([u.item for u in part if u.new_photo], "update")
            for update in part:
                changes = dict(update.changes)
                if update.new_photo:
                    if update.item.sku not in photos:
                        continue  # its photo failed: the error is recorded, the item keeps its old one
                    changes["main_photo_id"], source = photos[update.item.sku]
                    calls.append((update, changes, source))
                else:
                    calls.append((update, changes, None))
                self.rows[update.item.sku].intent = "edit"
            self.ctx.commit()
            results = (
                self.ctx.execute([P.market_edit(self.ctx.owner_id, u.vk_item_id, **ch) for u, ch, _ in calls])
                if calls
                else []
            )
            for (update, changes, source), result in zip(calls, results, strict=True):
                row = self.rows[update.item.sku]
                row.intent = None
                error = self._check(result)
                if result.ok:
                    row.sent_json = json.dumps(update.item.fields, ensure_ascii=False)
                    row.content_hash = update.item.content_hash
                    if source is not None:
                        row.photo_source, row.photo_id = source, changes["main_photo_id"]
                    row.state = ACTIVE
                    self.run.updated += 1
                elif error is not None and error.code == NOT_FOUND:
                    row.state, row.vk_item_id = MISSING, None  # deleted by hand meanwhile: recreated next run
                    self._error(update.item.sku, "update", error)
                elif error is not None:
                    self._error(update.item.sku, "update", error)
            self.done += len(part)
            self._progress("Обновляем товары")
            self._flush_raise()

    def leave_items(self, plan: Plan) -> None:
        """Hide (``market.edit deleted=1``) or delete the items whose products left the selection."""
        for part in chunks(plan.leaves):
            for leave in part:
                self.rows[leave.sku].intent = leave.action
            self.ctx.commit()
            calls = [
                P.market_delete(self.ctx.owner_id, x.vk_item_id)
                if x.action == "delete"
                else P.market_edit(self.ctx.owner_id, x.vk_item_id, deleted=True)
                for x in part
            ]
            for leave, result in zip(part, self.ctx.execute(calls), strict=True):
                row = self.rows[leave.sku]
                row.intent = None
                error = self._check(result)
                gone = error is not None and error.code == NOT_FOUND
                if result.ok or gone:
                    if leave.action == "delete" or gone:
                        row.state, row.vk_item_id, row.album_id = DELETED, None, None
                        self.run.deleted += 1 if leave.action == "delete" else 0
                        self.run.hidden += 0 if leave.action == "delete" else 1
                    else:
                        row.state = HIDDEN
                        self.run.hidden += 1
                elif error is not None:
                    self._error(leave.sku, leave.action, error)
            self.done += len(part)
            self._progress("Скрываем товары" if part[0].action == "hide" else "Удаляем товары")
            self._flush_raise()

    def remove_from_albums(self, removes: list[tuple[str, int, int]]) -> None:
        """``market.removeFromAlbum``: an item whose product moved to another Evotor group leaves the old album."""
        for part in chunks(removes):
            calls = [
                P.market_remove_from_album(self.ctx.owner_id, item_id, [album]) for _, item_id, album in part
            ]
            for (sku, _, album), result in zip(part, self.ctx.execute(calls), strict=True):
                error = self._check(result)
                if result.ok or (error is not None and error.code == NOT_FOUND):
                    if self.rows[sku].album_id == album:
                        self.rows[sku].album_id = None
                elif error is not None:
                    self._error(sku, "album", error)
            self.done += len(part)
            self._progress("Раскладываем по подборкам")
            self._flush_raise()

    def add_to_albums(self) -> None:
        """``market.addToAlbum``: one call per album for up to 100 items, calls batched by 25."""
        calls: list[tuple[list[tuple[str, int]], int, tuple]] = []
        for key, entries in sorted(self.pending_album_adds.items()):
            album_id = self.albums.get(key)
            if album_id is None:
                continue
            for part in chunks(entries, ALBUM_ITEMS_PER_CALL):
                call = P.market_add_to_album(self.ctx.owner_id, [i for _, i in part], [album_id])
                calls.append((part, album_id, call))
        for batch in chunks(calls):
            results = self.ctx.execute([c for _, _, c in batch])
            for (entries, album_id, _), result in zip(batch, results, strict=True):
                error = self._check(result)
                if result.ok or (error is not None and error.code == ALREADY_IN_ALBUM):
                    for sku, _ in entries:
                        self.rows[sku].album_id = album_id
                elif error is not None:
                    for sku, _ in entries:
                        self._error(sku, "album", error)
            self.done += len(batch)
            self._progress("Раскладываем по подборкам")
            self._flush_raise()
