"""Starting the real app server (`grassroots serve`, gunicorn) for the tests that need one or several."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

GRASSROOTS = [sys.executable, "-m", "grassroots.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Node:
    """One running app server: its base URL and its gunicorn master, leader of a process group of its own."""

    base: str
    process: subprocess.Popen
    log_path: Path
    ready_path: str = "/healthz"
    timeout: float = 60

    def wait_ready(self) -> "Node":
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                urllib.request.urlopen(self.base + self.ready_path, timeout=2)
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("server did not start:\n" + self.log_path.read_text()[-3000:])
                time.sleep(0.3)

    def kill(self) -> None:
        """kill -9 of the gunicorn master and every worker it forked, as a machine that loses power."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


@contextmanager
def app_node(env: dict, log_path: Path, *, workers: int = 2, ready_path: str = "/healthz", timeout: float = 60,
             wait: bool = True):
    """Serve with ``env`` on a free loopback port until the block ends; yields a ``Node`` once ``ready_path``
    answers (with ``wait=False`` at once: call ``wait_ready`` when you need it, so that several nodes start side by
    side). The server runs in a session of its own, so ``Node.kill`` ends the master and its workers together.
    A server that does not come up fails the test with the end of its log."""
    port = free_port()
    with open(log_path, "w") as log:
        server = subprocess.Popen([*GRASSROOTS, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        node = Node(f"http://127.0.0.1:{port}", server, Path(log_path), ready_path, timeout)
        try:
            if wait:
                node.wait_ready()
            yield node
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    pass
            node.kill()  # whatever is left of the group


@contextmanager
def app_server(env: dict, log_path: Path, *, workers: int = 2, ready_path: str = "/healthz", timeout: float = 60):
    """Serve with ``env`` on a free loopback port until the block ends; yields the base URL once
    ``ready_path`` answers. A server that does not come up fails the test with the end of its log."""
    with app_node(env, log_path, workers=workers, ready_path=ready_path, timeout=timeout) as node:
        yield node.base
