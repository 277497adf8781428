"""Pytest plugin: the Evotor + VK sandbox served over real HTTP on a free loopback port.

Fixtures:
- ``sandbox_server`` (session): a running :class:`evosync.sandbox.server.SandboxServer` with a temp state file.
- ``sandbox`` (function): resets the sandbox before the test and returns a :class:`SandboxHelper`.
"""

from __future__ import annotations

import hashlib

import pytest
import requests

from evosync.sandbox import catalog, vk_demo
from evosync.sandbox.server import SandboxServer
from evosync.sandbox.urls import provider_urls


class SandboxHelper:
    """Thin wrapper over the sandbox's ``/_admin`` API, plus the demo ids tests need.

    Attributes: ``url`` (base URL), ``store_ids`` (the two demo stores), ``vk_user_id`` / ``vk_other_user_id``
    (demo VK users), ``vk_group_id`` (the demo shop community, Market on), ``vk_market_off_group_id``,
    ``vk_member_group_id`` (a community the demo user is only a member of), ``vk_fleet_user_id`` and
    ``vk_fleet_group_ids`` (one VK user administering 32 communities with Market on — one per EvoSync user in
    multi-user tests), ``evotor_token`` (the demo Evotor cloud token after the last reset).
    """

    store_ids = (catalog.STORE_1, catalog.STORE_2)
    vk_user_id = vk_demo.DEMO_USER_ID
    vk_other_user_id = vk_demo.OTHER_USER_ID
    vk_group_id = vk_demo.SHOP_GROUP_ID
    vk_market_off_group_id = vk_demo.MARKET_OFF_GROUP_ID
    vk_member_group_id = vk_demo.MEMBER_GROUP_ID
    vk_fleet_user_id = vk_demo.FLEET_USER_ID
    vk_fleet_group_ids = vk_demo.FLEET_GROUP_IDS

    def __init__(self, server: SandboxServer):
        """Wrap a running sandbox server."""
        self.server = server
        self.url = server.url
        self.evotor_token: str | None = None
        self._http = requests.Session()

    def close(self) -> None:
        """Close the helper's HTTP session."""
        self._http.close()

    def _call(self, method: str, path: str, json: dict | None = None, params: dict | None = None) -> dict:
        resp = self._http.request(method, f"{self.url}/_admin{path}", json=json, params=params, timeout=30)
        resp.raise_for_status()
        return resp.json()

    def config(self) -> dict:
        """Return EvoSync app config keys pointing at this sandbox (provider URLs and client ids/secrets)."""
        clients = self.server.app.config["SANDBOX"]["CLIENTS"]
        return {
            **provider_urls(self.url),
            "EVOTOR_CLIENT_ID": clients["evotor"]["client_id"],
            "EVOTOR_CLIENT_SECRET": clients["evotor"]["client_secret"],
            "VK_CLIENT_ID": clients["vk"]["client_id"],
            "VK_CLIENT_SECRET": clients["vk"]["client_secret"],
        }

    def reset(self, products: int | None = None, seed: int | None = None, vk_rps: int | None = None) -> dict:
        """Fresh demo state: ``products`` products from ``seed``, VK limit ``vk_rps`` per token (default 3).

        Returns products, seed, vk_rps and the demo ``evotor_token``.
        """
        info = self._call("POST", "/reset", {"products": products, "seed": seed, "vk_rps": vk_rps})
        self.evotor_token = info["evotor_token"]
        return info

    def info(self) -> dict:
        """Return catalog size, seed, demo credentials and demo ids."""
        return self._call("GET", "/info")

    def fault(self, kind: str, **spec) -> int:
        """Switch on a fault and return its id. Kinds and their options:

        - ``vk_error``: ``code`` (9 flood, 14 captcha, 29 rate limit, 10, 5, …), ``methods=[…]`` to limit it
          (inside ``execute`` a method-limited fault fails just that call), ``message``;
        - ``http_error``: ``status`` (default 500) on ``service`` (vk, vkid, evotor, evotor_oauth, upload, any);
        - ``slow``: ``seconds`` of delay on ``service``; ``hang``: no answer on ``service`` until cleared;
        - ``market_off``: ``group_id`` (default the demo shop) answers 1438;
        - ``evotor_error``: ``status`` 401/403/429/5xx (``reset`` seconds for 429);
        - ``upload_methods_unknown``: the 2024 upload methods answer error 3 (legacy ones keep working).

        Every kind takes ``count`` (fire for the next N matching requests only) or ``probability`` (0..1).
        """
        return self._call("POST", "/faults", {"kind": kind, **spec})["id"]

    def faults(self) -> list[dict]:
        """Return the active faults."""
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self) -> None:
        """Switch every fault off (also frees requests held by a ``hang`` fault)."""
        self._call("DELETE", "/faults")

    def counters(self) -> dict:
        """Return ``{"methods": {vk method: calls}, "token_endpoint": {…}, "all": {…}, "vk_token_timestamps"}``.

        ``token_endpoint`` has ``token`` (every request to /vkid/oauth2/auth), ``token:authorization_code``,
        ``token:refresh_token``, ``user_info`` and ``revoke``. Calls inside ``execute`` count per method too.
        ``vk_token_timestamps`` maps :meth:`token_key` of each VK token to its request arrival times.
        """
        return self._call("GET", "/counters")

    def method_calls(self, method: str) -> int:
        """Return how many times a VK method was called (directly or inside execute)."""
        return self.counters()["methods"].get(method, 0)

    def refresh_requests(self) -> int:
        """Return how many refresh-token requests reached the VK ID token endpoint."""
        return self.counters()["token_endpoint"].get("token:refresh_token", 0)

    def requests(self, service: str | None = None, since_id: int = 0) -> list[dict]:
        """Return the request log: service, http_method, path, method, params (secrets as ``***``),
        ``token_in_query``, ``auth`` (bearer/basic/none), ``token_key``, status, ts."""
        params = {"since_id": since_id, **({"service": service} if service else {})}
        return self._call("GET", "/requests", params=params)["requests"]

    def clear_log(self) -> None:
        """Empty the request log and the counters."""
        self._call("DELETE", "/requests")

    @staticmethod
    def token_key(token: str) -> str:
        """Return the key the sandbox logs a token under (never the token itself)."""
        return hashlib.sha256(token.encode()).hexdigest()[:16]

    def mint_evotor_token(self, scope: str | None = None) -> str:
        """Mint an Evotor cloud token (all read scopes unless ``scope`` says otherwise)."""
        return self._call("POST", "/tokens/evotor", {"scope": scope})["token"]

    def mint_vk_tokens(
        self, user_id: int | None = None, scope: str | None = None, expires_in: int | None = None
    ) -> dict:
        """Mint a VK ID pair without clicking: access_token, refresh_token, device_id, user_id, expires_in."""
        return self._call(
            "POST", "/tokens/vk", {"user_id": user_id, "scope": scope, "expires_in": expires_in}
        )

    def revoke(
        self, token: str | None = None, user_id: int | str | None = None, kind: str | None = None
    ) -> int:
        """Revoke one token or every token of a user (``kind``: evotor, vk_access, vk_refresh)."""
        return self._call("POST", "/revoke", {"token": token, "user_id": user_id, "kind": kind})["revoked"]

    def expire_vk_tokens(self, token: str | None = None, user_id: int | None = None) -> int:
        """Make VK access tokens expired now (refresh tokens still work)."""
        return self._call("POST", "/expire", {"token": token, "user_id": user_id})["expired"]

    def set_product(self, product_id: str, **fields) -> dict:
        """Change a product's fields in the Evotor catalog (``None`` removes a field, e.g. quantity)."""
        return self._call("POST", f"/evotor/products/{product_id}", fields)["product"]

    def delete_product(self, product_id: str) -> None:
        """Delete a product from the Evotor catalog."""
        self._call("DELETE", f"/evotor/products/{product_id}")

    def add_product(self, store_id: str | None = None, **fields) -> dict:
        """Add a product (``name`` required; ``price``, ``parent_id``, ``quantity``, ``image=True`` …)."""
        return self._call("POST", "/evotor/products", {"store_id": store_id or catalog.STORE_1, **fields})[
            "product"
        ]

    def product_id(self, index: int, store_id: str | None = None) -> str:
        """Return the id of the ``index``-th (1-based) product of a store (store 1 by default)."""
        return catalog.product_id(store_id or catalog.STORE_1, index)

    def vk_items(self, group_id: int | None = None) -> list[dict]:
        """List the community's VK items, hidden and deleted ones included (flags ``hidden``, ``deleted``)."""
        return self._call("GET", "/vk/items", params={"group_id": group_id or self.vk_group_id})["items"]

    def vk_albums(self, group_id: int | None = None) -> list[dict]:
        """List the community's VK Market albums."""
        return self._call("GET", "/vk/items", params={"group_id": group_id or self.vk_group_id})["albums"]

    def delete_vk_item(self, item_id: int) -> None:
        """Delete a VK item "by hand", outside EvoSync."""
        self._call("DELETE", f"/vk/items/{item_id}")

    def vk(self, method: str, token: str | None, v: str = "5.199", **params) -> dict:
        """POST one VK API call (token in the form body) and return the decoded envelope."""
        data = {"v": v, **params}
        if token is not None:
            data["access_token"] = token
        return self._http.post(f"{self.url}/vk/method/{method}", data=data, timeout=30).json()

    def evotor(self, path: str, token: str | None = None, **params) -> requests.Response:
        """GET an Evotor API path (``/stores`` …) with ``Authorization: Bearer`` (the demo token by default)."""
        headers = {"Accept": "application/vnd.evotor.v2+json"}
        token = token or self.evotor_token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self._http.get(f"{self.url}/evotor/api{path}", headers=headers, params=params, timeout=30)

    def set_market(self, enabled: bool, group_id: int | None = None) -> None:
        """Switch a community's Market on or off (default: the demo shop)."""
        self._call("POST", f"/vk/groups/{group_id or self.vk_group_id}/market", {"enabled": enabled})


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory):
    """Serve the sandbox on a free 127.0.0.1 port for the whole session, with a temp state file."""
    state = tmp_path_factory.mktemp("sandbox") / "state.sqlite3"
    server = SandboxServer({"STATE_PATH": str(state)}).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server):
    """Reset the sandbox and return a :class:`SandboxHelper` for it; faults are cleared afterwards."""
    helper = SandboxHelper(sandbox_server)
    helper.reset()
    yield helper
    helper.clear_faults()
    helper.close()
