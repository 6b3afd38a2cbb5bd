"""Starting the real app server (`grassroots serve`, gunicorn) for the tests that need one or several, and
throwaway PostgreSQL clusters of a test's own (never the shared one of scripts/pg.sh, which other runs use)."""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

GRASSROOTS = [sys.executable, "-m", "grassroots.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def app_server(env: dict, log_path: Path, *, workers: int = 2, ready_path: str = "/healthz", timeout: float = 60):
    """Serve with ``env`` on a free loopback port until the block ends; yields the base URL once
    ``ready_path`` answers. A server that does not come up fails the test with the end of its log."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        server = subprocess.Popen([*GRASSROOTS, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(base + ready_path, timeout=2)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        pytest.fail("server did not start:\n" + Path(log_path).read_text()[-3000:])
                    time.sleep(0.3)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


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
