"""Emulated ``users.get``, ``groups.get``, ``groups.getById`` and ``account.getAppPermissions``."""

from __future__ import annotations

from . import vk_demo
from .vk_errors import VkError
from .vk_market import market_enabled
from .vk_registry import Caller, method

ADMIN_LEVELS = {"moder": 1, "editor": 2, "admin": 3}


def _fields(params: dict) -> list[str]:
    return [f for f in params.get("fields", []) if f]


@method("users.get")
def users_get(caller: Caller, params: dict) -> list[dict]:
    """Return the caller (or the named users) with the requested fields."""
    wanted = params.get("user_ids") or [caller.user_id]
    out = []
    for ref in wanted:
        user_id = next(
            (uid for uid, u in vk_demo.USERS.items() if ref in (uid, str(uid), u["screen_name"])), None
        )
        if user_id is None:
            raise VkError(113)
        out.append(vk_demo.user_object(user_id, caller.base_url, _fields(params)))
    return out


@method("groups.get")
def groups_get(caller: Caller, params: dict) -> dict:
    """List the communities of the caller, optionally only those they administer."""
    user_id = params.get("user_id", caller.user_id)
    if user_id != caller.user_id:
        raise VkError(260, "Access to the groups list is denied due to the user's privacy settings")
    filters = set(params.get("filter", []))
    need = min((ADMIN_LEVELS[f] for f in filters if f in ADMIN_LEVELS), default=None)
    ids = []
    for group_id, group in vk_demo.GROUPS.items():
        level = group["members"].get(user_id)
        if level is None or (need is not None and level < need):
            continue
        ids.append(group_id)
    offset, count = params.get("offset", 0), params.get("count", 1000)
    page = ids[offset : offset + count]
    if not params.get("extended"):
        return {"count": len(ids), "items": page}
    fields = _fields(params)
    items = [
        vk_demo.group_object(gid, user_id, caller.base_url, fields, market_enabled(caller.conn, gid))
        for gid in page
    ]
    return {"count": len(ids), "items": items}


@method("groups.getById")
def groups_get_by_id(caller: Caller, params: dict) -> dict:
    """Return communities by id or screen name (5.199 shape: ``{groups, profiles}``)."""
    refs = list(params.get("group_ids", []))
    if "group_id" in params:
        refs.append(params["group_id"])
    if not refs:
        raise VkError(100, "One of the parameters specified was missing or invalid: group_ids is undefined")
    groups = []
    for ref in refs:
        group_id = next(
            (
                gid
                for gid, g in vk_demo.GROUPS.items()
                if ref in (gid, str(gid), g["screen_name"], f"club{gid}")
            ),
            None,
        )
        if group_id is None:
            raise VkError(100, "One of the parameters specified was missing or invalid: group_ids is invalid")
        groups.append(
            vk_demo.group_object(
                group_id,
                caller.user_id,
                caller.base_url,
                _fields(params),
                market_enabled(caller.conn, group_id),
            )
        )
    return {"groups": groups, "profiles": []}


@method("account.getAppPermissions")
def get_app_permissions(caller: Caller, params: dict) -> int:
    """Return the legacy permissions bitmask of the token's scope."""
    user_id = params.get("user_id", caller.user_id)
    if user_id != caller.user_id:
        raise VkError(15)
    return vk_demo.scope_mask(" ".join(caller.scope))
