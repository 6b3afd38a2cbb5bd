"""What every app's tests share besides fixtures: the test accounts' password, making an account with one
role, a client signed in as a user. (grassroots/conftest.py imports this module before Django's app
registry is ready, so it imports nothing that loads models at the top.)"""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.test import Client

from grassroots.rules.divisions import Division

PASSWORD = "Grass#2026"

# The small region every test builds: one banner, two townships, a village in each.
DIVISIONS = [
    Division("150000000000", "内蒙古自治区", "region", ""),
    Division("150400000000", "赤峰市", "prefecture", "150000000000"),
    Division("150426000000", "翁牛特旗", "county", "150400000000"),
    Division("150426100000", "乌丹镇", "township", "150426000000"),
    Division("150426100223", "赛沁塔拉嘎查", "village", "150426100000"),
    Division("150426104000", "广德公镇", "township", "150426000000"),
    Division("150426104204", "官井子村", "village", "150426104000"),
]


def make_account(username: str, role: str, area, system_actor):
    """An account holding ``role`` on ``area``, created through the service as the system."""
    # access.services loads models: only once the app registry is ready (see the module docstring).
    from grassroots.access import services  # noqa: PLC0415

    return services.create_account(actor=system_actor, username=username, password=PASSWORD,
                                   display_name=username, roles=[(role, area)])


def client_for(user) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


def database_url(settings_dict: dict) -> str:
    """The URL of the (test) database described by ``settings_dict``, for a process started by a test."""
    db = settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def task_worker(env: dict, log_path: Path):
    """`grassroots worker` (the task queue's worker and its scheduler) in a process group of its own, until the
    block ends. ``kill_worker`` ends it as a crash would."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "grassroots.cli", "worker"], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    kill_worker(process)
            _reap(process)


def kill_worker(process: subprocess.Popen) -> None:
    """kill -9 of the worker and every process it forked."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    _reap(process)


def _reap(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)  # children left behind by a parent that ended first
    except ProcessLookupError:
        pass


def wait_until(condition, *, what: str, timeout: float = 120, every: float = 0.2, log_path: Path | None = None):
    """Poll ``condition`` until it returns something true and return that. ``timeout`` guards against a hang;
    it is not a speed the test asserts."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            tail = log_path.read_text(errors="replace")[-3000:] if log_path and log_path.exists() else ""
            raise AssertionError(f"gave up waiting for {what}\n{tail}")
        time.sleep(every)
