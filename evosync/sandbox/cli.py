"""``python -m evosync.sandbox``: serve the sandbox, or drive a running one's admin API (or a state file)."""

from __future__ import annotations

import argparse
import json
import os
import sys

import requests

from . import faults as fault_kinds
from .urls import SANDBOX_DEFAULT_URL


class _Admin:
    """Calls admin endpoints over HTTP, or in-process on a state file when ``--state`` is given."""

    def __init__(self, url: str, state: str | None):
        """Pick the transport."""
        self.url, self.client = url.rstrip("/"), None
        if state:
            from .app import create_sandbox_app

            self.client = create_sandbox_app({"STATE_PATH": state}).test_client()

    def call(self, http_method: str, path: str, body: dict | None = None, params: dict | None = None) -> dict:
        """Call one admin endpoint and return its JSON answer."""
        if self.client is not None:
            resp = self.client.open(f"/_admin{path}", method=http_method, json=body, query_string=params)
            return resp.get_json()
        resp = requests.request(http_method, f"{self.url}/_admin{path}", json=body, params=params, timeout=30)
        return resp.json()


def _serve(args) -> None:
    from .server import serve_forever

    settings = {
        "STATE_PATH": args.state or os.path.join("instance", "sandbox.sqlite3"),
        "PUBLIC_URL": args.public_url or f"http://{args.host}:{args.port}",
        "CLIENTS": {
            "vk": {
                "client_id": os.environ.get("SANDBOX_VK_CLIENT_ID"),
                "client_secret": os.environ.get("SANDBOX_VK_CLIENT_SECRET"),
            },
            "evotor": {
                "client_id": os.environ.get("SANDBOX_EVOTOR_CLIENT_ID"),
                "client_secret": os.environ.get("SANDBOX_EVOTOR_CLIENT_SECRET"),
            },
        },
    }
    if args.products:
        settings["CATALOG_PRODUCTS"] = args.products
    if args.vk_rps:
        settings["VK_RPS"] = args.vk_rps
    if args.vk_fleet:
        settings["VK_FLEET"] = args.vk_fleet
    serve_forever(settings, args.host, args.port)


def _fault(args, admin: _Admin) -> dict:
    if args.action == "list":
        return admin.call("GET", "/faults")
    if args.action == "clear":
        return admin.call("DELETE", f"/faults/{args.id}" if args.id else "/faults")
    spec = json.loads(args.spec) if args.spec else {}
    spec["kind"] = args.kind
    return admin.call("POST", "/faults", spec)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the sandbox CLI."""
    parser = argparse.ArgumentParser(prog="python -m evosync.sandbox", description=__doc__)
    parser.add_argument(
        "--url",
        default=os.environ.get("SANDBOX_URL", SANDBOX_DEFAULT_URL),
        help="base URL of a running sandbox (admin subcommands)",
    )
    parser.add_argument("--state", help="work on this state file directly instead of a running sandbox")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the sandbox on a threaded HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5001)
    serve.add_argument("--state", dest="state", help="SQLite state file (default instance/sandbox.sqlite3)")
    serve.add_argument("--products", type=int, help="catalog size for a fresh state")
    serve.add_argument("--public-url", help="base URL clients reach the sandbox at")
    serve.add_argument("--vk-rps", type=int, help="VK requests per second per token (default 3)")
    serve.add_argument(
        "--vk-fleet",
        type=int,
        help="communities of the chain-store VK user (default 32; benchmarks want more)",
    )
    reset = sub.add_parser("reset", help="fresh demo state")
    reset.add_argument("--products", type=int)
    reset.add_argument("--seed", type=int)
    sub.add_parser("info", help="demo credentials and ids")
    kinds = "\n".join(f"  {kind:<24} {text}" for kind, text in fault_kinds.KINDS.items())
    faults = sub.add_parser(
        "faults",
        help="list, add or clear faults",
        description="List, add or clear faults.",
        epilog=f"fault kinds:\n{kinds}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    faults.add_argument("action", choices=["list", "add", "clear"])
    faults.add_argument("kind", nargs="?", help="fault kind for add (vk_error, http_error, slow, hang, …)")
    faults.add_argument("--spec", help='extra JSON, e.g. \'{"code": 9, "count": 2}\'')
    faults.add_argument("--id", type=int, help="clear only this fault")
    sub.add_parser("counters", help="per-method call counts and token endpoint counts")
    sub.add_parser("requests", help="the request log (no token values)")
    revoke = sub.add_parser("revoke", help="revoke a token or all tokens of a user")
    revoke.add_argument("--token")
    revoke.add_argument("--user-id")
    sub.add_parser("mint-evotor-token", help="mint an Evotor cloud token")
    mint_vk = sub.add_parser("mint-vk-tokens", help="mint a VK access/refresh pair for the demo user")
    mint_vk.add_argument("--user-id", type=int)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI."""
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        _serve(args)
        return 0
    admin = _Admin(args.url, args.state)
    if args.command == "reset":
        out = admin.call("POST", "/reset", {"products": args.products, "seed": args.seed})
    elif args.command == "info":
        out = admin.call("GET", "/info")
    elif args.command == "faults":
        if args.action == "add" and not args.kind:
            print("faults add needs a kind", file=sys.stderr)
            return 2
        if args.action == "add" and args.kind not in fault_kinds.KINDS:
            print(f"unknown fault kind {args.kind!r}; known: {', '.join(fault_kinds.KINDS)}", file=sys.stderr)
            return 1
        out = _fault(args, admin)
    elif args.command == "counters":
        out = admin.call("GET", "/counters")
    elif args.command == "requests":
        out = admin.call("GET", "/requests")
    elif args.command == "revoke":
        out = admin.call("POST", "/revoke", {"token": args.token, "user_id": args.user_id})
    elif args.command == "mint-evotor-token":
        out = admin.call("POST", "/tokens/evotor", {})
    else:
        out = admin.call("POST", "/tokens/vk", {"user_id": args.user_id})
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0
