"""Market photo upload: the upload-server method, the upload server itself, single and bulk saves, saved photos.

An upload URL stays valid for any number of uploads (clients reuse one) until ``upload_url_expired`` makes the
server refuse it. A ``bulk=1`` URL takes up to ``MAX_BULK_FILES`` files in repeated ``file`` fields and answers one
blob for ``market.saveProductPhotoBulk``. The removed ``photos.getMarketUploadServer`` / ``photos.saveMarketPhoto``
pair is not emulated: VK answers error 3 for it, and so does the sandbox.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from flask import Blueprint, Response, abort, g, jsonify, request

from . import faults, images
from .runtime import settings, state
from .state import bump, now
from .vk_errors import VkError
from .vk_market import market_group
from .vk_registry import Caller, method

bp = Blueprint("sandbox_vk_files", __name__)

MIN_SIDE = 400
MAX_SIDES_SUM = 14000
MAX_BULK_FILES = 25
BAD_UPLOAD_RESPONSE = "One of the parameters specified was missing or invalid: upload_response is invalid"


def _sign(text: str) -> str:
    key = str(settings().get("SEED", 1)).encode() + settings()["STATE_PATH"].encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def _upload_url(caller: Caller, kind: str, group_id: int) -> str:
    # The nonce starts with the issue time (ms, hex) so an "expired" fault can refuse older URLs.
    nonce = f"{int(now() * 1000):x}-{secrets.token_hex(6)}"
    return f"{caller.base_url}/vk/upload/{kind}/{group_id}/{nonce}/{_sign(f'{kind}:{group_id}:{nonce}')}"


@method("market.getProductPhotoUploadServer")
def get_product_photo_upload_server(caller: Caller, params: dict) -> dict:
    """Return an upload URL for product photos (``bulk`` for several files per POST)."""
    group_id = market_group(caller, -params["group_id"])
    return {"upload_url": _upload_url(caller, "bulk" if params.get("bulk") else "product", group_id)}


def photo_object(base: str, row) -> dict:
    """Return a saved photo in VK's photos_photo shape."""
    url = f"{base}/vk/photo/{row['id']}.jpg"
    return {
        "id": row["id"],
        "owner_id": row["owner_id"],
        "album_id": -53,
        "date": int(row["created_at"]),
        "has_tags": False,
        "width": row["width"],
        "height": row["height"],
        "sizes": [{"type": "x", "url": url, "width": row["width"], "height": row["height"]}],
    }


def _save(caller: Caller, upload_id, digest, group_id: int | None):
    try:
        upload_id = int(upload_id)
    except (TypeError, ValueError):
        raise VkError(129) from None
    if not hmac.compare_digest(str(digest), _sign(f"upload:{upload_id}")):
        raise VkError(121)
    conn = caller.conn
    row = conn.execute("SELECT * FROM vk_uploads WHERE id = ?", (upload_id,)).fetchone()
    if row is None or (group_id is not None and row["group_id"] != group_id):
        raise VkError(129)
    market_group(caller, -row["group_id"])
    if row["width"] < MIN_SIDE or row["height"] < MIN_SIDE:
        raise VkError(129, "Invalid photo: photo is too small, the minimum is 400x400")
    if row["saved"]:
        # Saving the same upload twice returns the same photo, so a retried save does not duplicate it.
        return conn.execute("SELECT * FROM vk_photos WHERE id = ?", (row["saved"],)).fetchone()
    cur = conn.execute(
        "INSERT INTO vk_photos (owner_id, width, height, data, created_at) VALUES (?, ?, ?, ?, ?)",
        (-row["group_id"], row["width"], row["height"], row["data"], now()),
    )
    conn.execute("UPDATE vk_uploads SET saved = ? WHERE id = ?", (cur.lastrowid, upload_id))
    return conn.execute("SELECT * FROM vk_photos WHERE id = ?", (cur.lastrowid,)).fetchone()


def _blob(params: dict) -> dict:
    try:
        blob = json.loads(params["upload_response"])
    except ValueError:
        blob = None
    if not isinstance(blob, dict):
        raise VkError(100, BAD_UPLOAD_RESPONSE)
    return blob


@method("market.saveProductPhoto")
def save_product_photo(caller: Caller, params: dict) -> dict:
    """Save an uploaded product photo from the upload server's whole JSON answer."""
    blob = _blob(params)
    if "photo" not in blob or "hash" not in blob:
        raise VkError(100, BAD_UPLOAD_RESPONSE)
    row = _save(caller, blob["photo"], blob["hash"], None)
    return {"photo_id": row["id"], "photo": photo_object(caller.base_url, row)}


@method("market.saveProductPhotoBulk")
def save_product_photo_bulk(caller: Caller, params: dict) -> list[dict]:
    """Save every photo of a bulk upload answer; returns one ``{photo_id, photo}`` per file, in order."""
    photos = _blob(params).get("photos")
    if not isinstance(photos, list) or not photos or not all(isinstance(p, dict) for p in photos):
        raise VkError(100, BAD_UPLOAD_RESPONSE)
    rows = [_save(caller, p.get("photo"), p.get("hash"), None) for p in photos]
    return [{"photo_id": row["id"], "photo": photo_object(caller.base_url, row)} for row in rows]


def _upload_error(message: str) -> Response:
    # The upload server reports problems in its JSON body with HTTP 200, as VK's does.
    return jsonify({"error": message})


def _issued_at(nonce: str) -> float:
    try:
        return int(nonce.split("-", 1)[0], 16) / 1000
    except ValueError:
        return 0.0


def _expired(conn, nonce: str) -> bool:
    rows = conn.execute("SELECT created_at FROM faults WHERE kind = 'upload_url_expired'").fetchall()
    return any(_issued_at(nonce) <= row["created_at"] for row in rows)


def _read_image(file) -> tuple[bytes, int, int] | str:
    """The file's bytes and size, or the upload server's error text for it."""
    limit = int(settings()["VK_UPLOAD_MAX_BYTES"])
    data = file.read(limit + 1)
    if len(data) > limit:
        return f"ERR_UPLOAD_FILE_TOO_BIG: file is larger than {limit} bytes"
    size = images.size_of(data)
    if size is None:
        return "ERR_UPLOAD_BAD_IMAGE: not an image (JPG, PNG or GIF expected)"
    width, height = size
    if width < MIN_SIDE or height < MIN_SIDE:
        return f"ERR_UPLOAD_BAD_IMAGE_SIZE: market photo min size 400x400, got {width}x{height}"
    if width + height > MAX_SIDES_SUM:
        return "ERR_UPLOAD_BAD_IMAGE_SIZE: width + height must not exceed 14000"
    return data, width, height


def _store(conn, group_id: int, kind: str, image: tuple[bytes, int, int]) -> dict:
    data, width, height = image
    cur = conn.execute(
        "INSERT INTO vk_uploads (group_id, kind, width, height, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (group_id, kind, width, height, data, now()),
    )
    return {"photo": str(cur.lastrowid), "hash": _sign(f"upload:{cur.lastrowid}")}


@bp.post("/vk/upload/<kind>/<int:group_id>/<nonce>/<sig>")
def upload(kind: str, group_id: int, nonce: str, sig: str):
    """Accept multipart ``file`` field(s), check them like VK's upload server and answer the blob to save."""
    g.sandbox_service = "upload"
    status = faults.delay(state(), "upload")
    if status:
        return Response("Internal Server Error", status=status)
    if kind not in ("product", "bulk") or not hmac.compare_digest(sig, _sign(f"{kind}:{group_id}:{nonce}")):
        return _upload_error("ERR_UPLOAD_BAD_SIGNATURE: invalid upload url")
    files = request.files.getlist("file")
    if not files:
        return _upload_error("ERR_UPLOAD_FILE_NOT_UPLOADED: file not uploaded")
    if len(files) > (MAX_BULK_FILES if kind == "bulk" else 1):
        return _upload_error("ERR_UPLOAD_TOO_MANY_FILES: too many files in one upload")
    read = [_read_image(f) for f in files]
    bad = next((r for r in read if isinstance(r, str)), None)
    if bad:
        return _upload_error(bad)
    with state().connect() as conn:
        if _expired(conn, nonce):
            return _upload_error("ERR_UPLOAD_URL_EXPIRED: upload url expired, get a new one")
        bump(conn, f"upload:{kind}", len(read))
        stored = [_store(conn, group_id, kind, image) for image in read]
    if kind == "bulk":
        return jsonify({"server": 1, "group_id": group_id, "photos": stored})
    return jsonify({"server": 1, **stored[0], "group_id": group_id})


@bp.get("/vk/photo/<int:photo_id>.jpg")
def photo(photo_id: int):
    """Serve a saved photo so the Market page can show it."""
    with state().connect() as conn:
        row = conn.execute("SELECT data FROM vk_photos WHERE id = ?", (photo_id,)).fetchone()
    if row is None:
        abort(404)
    return Response(bytes(row["data"]), content_type="image/jpeg")


@bp.get("/vk/static/avatar/<key>.jpg")
def avatar(key: str):
    """Serve a generated avatar of a demo user or community."""
    return Response(images.avatar(key[:40]), content_type="image/jpeg")


@bp.get("/vk/static/captcha.jpg")
def captcha():
    """Serve the captcha picture an error 14 points at."""
    return Response(images.jpeg(130, 50, "captcha"), content_type="image/jpeg")
