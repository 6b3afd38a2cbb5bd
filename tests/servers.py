"""Starting the real app server (`grassroots serve`, gunicorn) for the tests that need one or several."""

import socket
import subprocess
import sys
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
