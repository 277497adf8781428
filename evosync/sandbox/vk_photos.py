"""Market photo upload: the upload-server methods (new and legacy), the upload server itself, saved photos."""

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


def _sign(text: str) -> str:
    key = str(settings().get("SEED", 1)).encode() + settings()["STATE_PATH"].encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def _upload_url(caller: Caller, kind: str, group_id: int) -> str:
    nonce = secrets.token_hex(6)
    return f"{caller.base_url}/vk/upload/{kind}/{group_id}/{nonce}/{_sign(f'{kind}:{group_id}:{nonce}')}"


@method("market.getProductPhotoUploadServer")
def get_product_photo_upload_server(caller: Caller, params: dict) -> dict:
    """Return an upload URL for a product photo (the 2024 flow)."""
    group_id = market_group(caller, -params["group_id"])
    return {"upload_url": _upload_url(caller, "product", group_id)}


@method("photos.getMarketUploadServer")
def get_market_upload_server(caller: Caller, params: dict) -> dict:
    """Return an upload URL for a product photo (the legacy flow)."""
    group_id = market_group(caller, -params["group_id"])
    return {"upload_url": _upload_url(caller, "market", group_id)}


def photo_object(base: str, row) -> dict:
    """Return a saved photo in VK's photos_photo shape."""
    url = f"{base}/vk/photo/{row['id']}.jpg"
    return {
        "id": row["id"],
        "owner_id": row["owner_id"],
        "album_id": -53,
        "date": int(row["created_at"]),
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


@method("market.saveProductPhoto")
def save_product_photo(caller: Caller, params: dict) -> dict:
    """Save an uploaded product photo from the upload server's whole JSON answer."""
    try:
        blob = json.loads(params["upload_response"])
    except ValueError:
        raise VkError(
            100, "One of the parameters specified was missing or invalid: upload_response is invalid"
        ) from None
    if not isinstance(blob, dict) or "photo" not in blob or "hash" not in blob:
        raise VkError(
            100, "One of the parameters specified was missing or invalid: upload_response is invalid"
        )
    row = _save(caller, blob["photo"], blob["hash"], None)
    return {"photo_id": row["id"], "photo": photo_object(caller.base_url, row)}


@method("photos.saveMarketPhoto")
def save_market_photo(caller: Caller, params: dict) -> list[dict]:
    """Save an uploaded product photo (legacy flow); returns a one-element list of photos."""
    row = _save(caller, params["photo"], params["hash"], params.get("group_id"))
    return [photo_object(caller.base_url, row)]


def _upload_error(message: str) -> Response:
    # The upload server reports problems in its JSON body with HTTP 200, as VK's does.
    return jsonify({"error": message})


@bp.post("/vk/upload/<kind>/<int:group_id>/<nonce>/<sig>")
def upload(kind: str, group_id: int, nonce: str, sig: str):
    """Accept a multipart ``file``, check it like VK's upload server and answer the blob to save."""
    g.sandbox_service = "upload"
    bump_key = f"upload:{kind}"
    status = faults.delay(state(), "upload")
    if status:
        return Response("Internal Server Error", status=status)
    if kind not in ("product", "market") or not hmac.compare_digest(sig, _sign(f"{kind}:{group_id}:{nonce}")):
        return _upload_error("ERR_UPLOAD_BAD_SIGNATURE: invalid upload url")
    file = request.files.get("file")
    if file is None:
        return _upload_error("ERR_UPLOAD_FILE_NOT_UPLOADED: file not uploaded")
    limit = int(settings()["VK_UPLOAD_MAX_BYTES"])
    data = file.read(limit + 1)
    if len(data) > limit:
        return _upload_error(f"ERR_UPLOAD_FILE_TOO_BIG: file is larger than {limit} bytes")
    size = images.size_of(data)
    if size is None:
        return _upload_error("ERR_UPLOAD_BAD_IMAGE: not an image (JPG, PNG or GIF expected)")
    width, height = size
    if width < MIN_SIDE or height < MIN_SIDE:
        return _upload_error(
            f"ERR_UPLOAD_BAD_IMAGE_SIZE: market photo min size 400x400, got {width}x{height}"
        )
    if width + height > MAX_SIDES_SUM:
        return _upload_error("ERR_UPLOAD_BAD_IMAGE_SIZE: width + height must not exceed 14000")
    with state().connect() as conn:
        bump(conn, bump_key)
        cur = conn.execute(
            "INSERT INTO vk_uploads (group_id, kind, width, height, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (group_id, kind, width, height, data, now()),
        )
        upload_id = cur.lastrowid
    blob = {"server": 1, "photo": str(upload_id), "hash": _sign(f"upload:{upload_id}"), "group_id": group_id}
    if kind == "market":
        blob.update({"crop_data": "", "crop_hash": ""})
    return jsonify(blob)


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
