"""Provider answers naming hostile URLs: strict local servers on 127.0.0.1 that drip, redirect to loopback,
send oversized bodies or page forever. Each must be refused or cut off within its bound."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evosync.evotor.client import EvotorClient
from evosync.evotor.errors import BadResponse, Unavailable
from evosync.http_guard import FetchPolicy, FetchRefused, check_url
from evosync.vk import errors as vk_errors
from evosync.vk.client import VkClient
from evosync.vk.ratelimit import SlidingWindowLimiter

MB = 1024 * 1024


class Hostile(BaseHTTPRequestHandler):
    """Routes: /drip-body, /drip-headers, /big, /big-declared, /redirect-loopback, /redirect-same,
    /evotor/api/stores (endless cursor), /evotor/api/stores/S/products/P/images (image URL from ``image``)."""

    server: HostileServer

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        path = self.path.split("?", 1)[0]
        route = {
            "/drip-body": self._drip_body,
            "/drip-headers": self._drip_headers,
            "/big": self._big,
            "/big-declared": self._big_declared,
            "/redirect-loopback": lambda: self._redirect(f"{self.server.other}/secret"),
            "/redirect-same": lambda: self._redirect("/small"),
            "/small": lambda: self._json({"response": {"ok": 1}}),
            "/evotor/api/stores": lambda: self._json(
                {
                    "items": [{"id": str(uuid.uuid4()), "name": "м"}],
                    "paging": {"next_cursor": str(uuid.uuid4())},
                }
            ),
        }.get(path)
        if route is None and path.endswith("/images"):
            route = lambda: self._json({"items": [{"id": "i", "url": self.server.image}]})  # noqa: E731
        (route or (lambda: self.send_error(404)))()

    do_POST = do_GET

    def _json(self, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, where: str) -> None:
        self.send_response(302)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _drip_body(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "40")
        self.end_headers()
        self._drip(b"x" * 40)

    def _drip_headers(self) -> None:
        self._drip(b"HTTP/1.0 200 OK\r\n" + b"X-Slow: " + b"y" * 40)

    def _drip(self, data: bytes) -> None:
        try:
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.4)
        except OSError:
            pass  # the client hung up: the point of the test

    def _big(self) -> None:
        self.send_response(200)
        self.end_headers()  # no Content-Length: read until the connection closes
        try:
            for _ in range(64):
                self.wfile.write(b"z" * MB)
        except OSError:
            pass

    def _big_declared(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(64 * MB))
        self.end_headers()


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Hostile)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.hits: list[str] = []
        self.other = ""
        self.image = ""


@pytest.fixture
def servers() -> Iterator[tuple[HostileServer, HostileServer]]:
    """The provider's server and an 'internal' one on another loopback port that must never be reached."""
    main, internal = HostileServer(), HostileServer()
    main.other = internal.url
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (main, internal)]
    for thread in threads:
        thread.start()
    yield main, internal
    for server in (main, internal):
        server.shutdown()
        server.server_close()


def _evotor(server: HostileServer, **kw) -> EvotorClient:
    return EvotorClient("t", f"{server.url}/evotor/api", max_retries=0, sleep=lambda _s: None, **kw)


def test_a_dripping_body_is_cut_off_at_the_total_deadline(servers):
    main, _ = servers
    client = _evotor(main, deadline=2.0, timeout=(2, 5))
    started = time.monotonic()
    with pytest.raises(Unavailable, match="too slow"):
        client._get(f"{main.url}/drip-body")
    assert time.monotonic() - started < 3.0  # 40 bytes at 0.4 s each would take 16 s


def test_dripping_headers_are_cut_off_at_the_total_deadline(servers):
    main, _ = servers
    vk = VkClient(
        "t", f"{main.url}/vk/method", limiter=SlidingWindowLimiter(100), max_retries=0, upload_deadline=2.0
    )
    started = time.monotonic()
    with pytest.raises(vk_errors.Unavailable):
        vk.post_upload(f"{main.url}/drip-headers", "p.jpg", b"img", "image/jpeg")
    assert time.monotonic() - started < 3.0


@pytest.mark.parametrize("path", ["/big", "/big-declared"])
def test_an_oversized_body_is_refused_not_read_whole(servers, path):
    main, _ = servers
    client = _evotor(main)
    with pytest.raises(BadResponse, match="too large"):
        client._get(f"{main.url}{path}", policy=client.image_policy)  # the 10 MB image cap


def test_a_redirect_to_another_loopback_port_is_not_followed(servers):
    main, internal = servers
    vk = VkClient("t", f"{main.url}/vk/method", limiter=SlidingWindowLimiter(100), max_retries=0)
    with pytest.raises(vk_errors.BadResponse, match="redirect to another host"):
        vk.post_upload(f"{main.url}/redirect-loopback", "p.jpg", b"img", "image/jpeg")
    assert vk.post_upload(f"{main.url}/redirect-same", "p.jpg", b"img", "image/jpeg") == {
        "response": {"ok": 1}
    }
    assert internal.hits == []


def test_an_upload_url_outside_vk_is_never_contacted(servers):
    main, internal = servers
    vk = VkClient("t", f"{main.url}/vk/method", limiter=SlidingWindowLimiter(100), upload_hosts="localhost")
    for url in (f"{internal.url}/upload", f"http://localhost:{internal.server_address[1]}/upload"):
        with pytest.raises(vk_errors.BadResponse, match="refused upload URL"):
            vk.post_upload(url, "p.jpg", b"img", "image/jpeg")
    assert internal.hits == []


def test_an_image_url_naming_an_internal_address_is_refused(servers):
    main, internal = servers
    client = _evotor(main, image_hosts="localhost")
    for image in (f"{internal.url}/secret", f"http://localhost:{internal.server_address[1]}/secret"):
        main.image = image
        with pytest.raises(BadResponse, match="refused"):
            client.product_image("S", "P")
    assert internal.hits == []


def test_an_endless_cursor_chain_stops_at_the_page_cap(servers):
    main, _ = servers
    client = _evotor(main, max_pages=7)
    with pytest.raises(BadResponse, match="past 7 pages"):
        client.stores()
    assert len(main.hits) == 7


def _resolver(address: str):
    return lambda host, port, **kw: [(2, 1, 6, "", (address, port))]


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("10.0.0.5", False),
        ("169.254.169.254", False),
        ("127.0.0.1", False),
        ("::1", False),
        ("87.240.137.164", True),
    ],
)
def test_allowed_hosts_must_resolve_to_public_addresses(address, allowed):
    policy = FetchPolicy.build(["https://api.vk.com/method"], ".userapi.com", https_only=True)
    url = "https://pu.userapi.com/c1/upload.php"
    if allowed:
        check_url(url, policy, _resolver(address))
    else:
        with pytest.raises(FetchRefused, match="private"):
            check_url(url, policy, _resolver(address))


def test_production_policy_refuses_plain_http_and_foreign_hosts():
    policy = FetchPolicy.build(["https://api.evotor.ru"], ".evotor.ru", https_only=True)
    with pytest.raises(FetchRefused, match="plain http"):
        check_url("http://api.evotor.ru/images/1.png", policy, _resolver("87.240.137.164"))
    with pytest.raises(FetchRefused, match="not in the allowed list"):
        check_url("https://evotor.ru.evil.example/1.png", policy, _resolver("87.240.137.164"))
    check_url("https://api.evotor.ru/images/1.png", policy)  # the API origin itself is trusted as configured


def test_a_thumbnail_whose_image_url_is_internal_is_refused_and_the_card_stands_in(
    servers, app, db, make_user
):
    from sqlalchemy import select

    from evosync.catalog.models import CatalogProduct
    from evosync.thumbs.models import ProductThumb
    from evosync.thumbs.service import store_evotor_thumbs

    main, internal = servers
    main.image = f"{internal.url}/secret.png"
    owner = make_user(email="thumbs@example.ru")
    db.session.add(
        CatalogProduct(
            user_id=owner.id, evotor_id="P", store_id="S", name="Плед", price=100, content_hash="h"
        )
    )
    db.session.commit()
    assert store_evotor_thumbs(owner.id, _evotor(main)) is None
    row = db.session.scalar(select(ProductThumb).where(ProductThumb.user_id == owner.id))
    assert (row.product_id, row.note, row.data) == ("P", "refused", None)
    assert internal.hits == []
    web = app.test_client()
    web.post("/login", data={"email": owner.email, "password": "correct horse battery"})
    assert web.get("/catalog/thumb/P").mimetype == "image/webp"
