"""Serving the sandbox over real HTTP: a threaded werkzeug server that starts and stops cleanly."""

from __future__ import annotations

import signal
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import create_sandbox_app


class QuietHandler(WSGIRequestHandler):
    """Request handler that logs method and path only: a query string might carry a token."""

    quiet = False

    def log_request(self, code="-", size="-"):
        """Log one line without the query string (or nothing when quiet)."""
        if not self.quiet:
            path = self.path.split("?", 1)[0]
            self.log("info", '"%s %s" %s', self.command, path, code)


class SilentHandler(QuietHandler):
    """Request handler for tests: no access log at all."""

    quiet = True


class SandboxServer:
    """A sandbox app served on a background thread; ``url`` is its base URL, ``stop()`` ends it."""

    def __init__(
        self, settings: dict | None = None, host: str = "127.0.0.1", port: int = 0, quiet: bool = True
    ):
        """Bind the port (0 = any free one) and build the app; PUBLIC_URL defaults to the bound address."""
        settings = dict(settings or {})
        handler = SilentHandler if quiet else QuietHandler
        self._server = make_server(host, port, None, threaded=True, request_handler=handler)
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        settings.setdefault("PUBLIC_URL", self.url)
        self.app = create_sandbox_app(settings)
        self._server.app = self.app
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-server", daemon=True)

    def start(self) -> SandboxServer:
        """Start serving in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting requests, wait for the serving loop and close the socket."""
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()


def serve_forever(settings: dict, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT, then shut down cleanly (used by ``python -m evosync.sandbox serve``)."""
    server = SandboxServer(settings, host, port, quiet=False)
    stop = threading.Event()

    def _on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    server.start()
    print(f"EvoSync sandbox on {server.url} (state {server.app.config['SANDBOX']['STATE_PATH']})", flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    print("EvoSync sandbox stopped", flush=True)
