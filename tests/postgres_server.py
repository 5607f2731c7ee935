"""A real PostgreSQL server for the tests: Debian's ``postgresql``
binaries, a cluster made with ``initdb`` in a temporary folder and started
with ``pg_ctl`` on a free loopback port, as an unprivileged user when the
tests run as root (PostgreSQL refuses root), its log in that folder."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    return found


def _free_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


class PostgresServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = _free_port()
        self.log = folder / "postgres.log"
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(folder, "nobody")
            self.prefix = ["runuser", "-u", "nobody", "--"]
        self._run(
            _binary("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
        )
        options = f"-p {self.port} -k {folder} -c listen_addresses=127.0.0.1"
        self._run(
            _binary("pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-w", "-t", "60", "-o", f"{options} -c fsync=off", "start",
        )  # fmt: skip
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        with open(self.folder / "commands.log", "ab") as out:
            subprocess.run([*self.prefix, *command], stdout=out, stderr=out, check=True)

    def stop(self) -> None:
        """Stop the server, if it runs."""
        if (self.data / "postmaster.pid").exists():
            self._run(
                _binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
            )
