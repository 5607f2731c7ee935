"""Real Redis deployments for the tests: a 6-node Cluster and Sentinel,
each a set of ``redis-server``/``redis-sentinel`` processes on free
loopback ports, their output in files in the test's folder."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

DEADLINE = 60  # seconds a start or a failover may take on a busy machine


def free_ports(count: int) -> list[int]:
    sockets = []
    for _ in range(count):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        sockets.append(probe)
    ports = [probe.getsockname()[1] for probe in sockets]
    for probe in sockets:
        probe.close()
    return ports


def free_cluster_ports(count: int) -> list[int]:
    """Free ports whose cluster bus ports (10,000 higher) are free too."""
    import random

    ports: list[int] = []
    while len(ports) < count:
        port = random.randrange(20_000, 55_535)
        probes = []
        try:
            for candidate in (port, port + 10_000):
                probe = socket.socket()
                probes.append(probe)
                probe.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
        if port not in ports:
            ports.append(port)
    return ports


def wait_for(check: Any, what: str, deadline: float = DEADLINE) -> Any:
    """Poll *check* until it returns a true value (exceptions count as
    not yet), within *deadline* seconds."""
    end = time.monotonic() + deadline
    while True:
        try:
            result = check()
            if result:
                return result
        except Exception:
            pass
        if time.monotonic() > end:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _executable(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (apt-get install {name})")
    return path


class Process:
    """One server process, its output in a file."""

    def __init__(self, command: list[str], folder: Path, name: str) -> None:
        self.command, self.folder, self.name = command, folder, name
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        log = open(self.folder / f"{self.name}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            self.process = None


def redis_command(port: int, *extra: str) -> list[str]:
    return [
        _executable("redis-server"),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        *extra,
    ]  # fmt: skip


class Cluster:
    """3 masters and 3 replicas, created with ``redis-cli --cluster``."""

    def __init__(self, folder: Path) -> None:
        cli = _executable("redis-cli")
        self.folder = folder
        self.ports = free_cluster_ports(6)
        self.nodes: dict[int, Process] = {}
        for port in self.ports:
            node = folder / str(port)
            node.mkdir()
            command = redis_command(
                port,
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", "2000",
                "--dir", str(node),
            )  # fmt: skip
            self.nodes[port] = Process(command, node, "redis")
        try:
            self._create(cli)
        except BaseException:
            self.stop()
            raise

    def _create(self, cli: str) -> None:
        folder = self.folder
        for port in self.ports:
            wait_for(lambda port=port: self.node(port).ping(), f"node {port}")
        with open(folder / "create.log", "wb") as log:
            subprocess.run(
                [cli, "--cluster", "create"]
                + [f"127.0.0.1:{port}" for port in self.ports]
                + ["--cluster-replicas", "1", "--cluster-yes"],
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=DEADLINE,
            )
        wait_for(self.healthy, "the cluster to be ok")

    def node(self, port: int) -> Any:
        import redis

        return redis.Redis(port=port, socket_timeout=5)

    def healthy(self) -> bool:
        for port, process in self.nodes.items():
            if process.process is None:
                continue
            info = self.node(port).cluster("info")
            if info["cluster_state"] != "ok" or int(info["cluster_slots_ok"]) != 16384:
                return False
        return True

    def client(self, **kwargs: Any) -> Any:
        from redis.cluster import RedisCluster

        options = {"socket_timeout": 5, "socket_connect_timeout": 5, **kwargs}
        return RedisCluster(host="127.0.0.1", port=self.ports[0], **options)

    def masters(self) -> list[int]:
        ports = []
        for port, process in self.nodes.items():
            live = process.process is not None
            if live and self.node(port).info("replication")["role"] == "master":
                ports.append(port)
        return ports

    def replica_of(self, master: int) -> int:
        for port, process in self.nodes.items():
            if process.process is None or port == master:
                continue
            info = self.node(port).info("replication")
            if info["role"] == "slave" and int(info["master_port"]) == master:
                return port
        raise LookupError(master)

    def stop(self) -> None:
        for process in self.nodes.values():
            process.stop()


class Sentinel:
    """A master, a replica and three sentinels watching ``mymaster``."""

    name = "mymaster"

    def __init__(self, folder: Path) -> None:
        sentinel = _executable("redis-sentinel")
        self.folder = folder
        master, replica, *sentinels = free_ports(5)
        self.sentinel_ports = sentinels
        self.servers = {
            master: Process(redis_command(master, "--dir", str(folder)), folder, "m"),
            replica: Process(
                redis_command(
                    replica,
                    "--dir",
                    str(folder),
                    "--replicaof",
                    "127.0.0.1",
                    str(master),
                ),
                folder,
                "r",
            ),
        }
        self.sentinels = []
        for port in sentinels:
            conf = folder / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {folder}\n"
                f"sentinel monitor {self.name} 127.0.0.1 {master} 2\n"
                f"sentinel down-after-milliseconds {self.name} 1000\n"
                f"sentinel failover-timeout {self.name} 10000\n"
            )
            self.sentinels.append(
                Process([sentinel, str(conf)], folder, f"sentinel-{port}")
            )
        try:
            self._wait(replica)
        except BaseException:
            self.stop()
            raise

    def _wait(self, replica: int) -> None:
        import redis

        wait_for(
            lambda: (
                redis.Redis(port=replica).info("replication")["master_link_status"]
                == "up"
            ),
            "the replica to sync",
        )
        wait_for(lambda: self.sentinel().discover_slaves(self.name), "sentinels")

    def sentinel(self) -> Any:
        from redis.sentinel import Sentinel as Client

        return Client(
            [("127.0.0.1", port) for port in self.sentinel_ports],
            socket_timeout=5,
            sentinel_kwargs={"socket_timeout": 5},
        )

    def master_port(self) -> int:
        return int(self.sentinel().discover_master(self.name)[1])

    def stop(self) -> None:
        for process in [*self.sentinels, *self.servers.values()]:
            process.stop()
