from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
import waitress


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """Serve a WSGI app with waitress on 127.0.0.1 and an ephemeral port;
    returns its base URL. Every server is closed after the test."""
    servers = []

    def start(app, threads: int = 8) -> str:
        server = waitress.create_server(
            app, host="127.0.0.1", port=0, threads=threads, ident="test"
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.effective_port}"

    yield start
    for server, thread in servers:
        server.close()
        thread.join(timeout=5)
