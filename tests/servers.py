"""Starting the real app server (`grassroots serve`, gunicorn) for the tests that need one or several, and
throwaway PostgreSQL clusters of a test's own (never the shared one of scripts/pg.sh, which other runs use)."""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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


def pg_bin() -> Path:
    """The PostgreSQL server binaries' folder; skips without them (fails in CI, where scripts/pg.sh installs
    them)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing: scripts/pg.sh installs Debian's postgresql")
        pytest.skip("PostgreSQL server binaries are not installed")
    return Path(found[-1]).parent


def cluster_root(prefix: str) -> Path:
    """A temporary folder the postgres user may use (not under pytest's 0700 tmp: postgres reads it)."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    return root


class Cluster:
    """A PostgreSQL cluster in ``root``/data on loopback ``port``. As root (CI), every server command runs as
    the postgres OS user, as scripts/pg.sh does."""

    def __init__(self, bin_dir: Path, root: Path, port: int, *, name: str = "data"):
        self.bin, self.root, self.port = bin_dir, root, port
        self.data = root / name
        self.log = root / f"{name}.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def run(self, *argv):
        as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_owner, *map(str, argv)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self):
        self.run(self.bin / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--locale=C.UTF-8")

    def start(self, *options: str):
        self.run(self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-o",
                 " ".join([f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}", *options]), "start")

    def stop(self):
        self.run(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
