"""`grassroots demo` (what `make demo` runs) starts the web server AND the task queue's worker: a register
uploaded on the demo's import page is imported with no extra step, and Ctrl+C stops both (issue #13)."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from grassroots.core.testing import wait_until
from grassroots.spreadsheets.tests.helpers import VILLAGE, household_rows, xlsx
from tests.servers import free_port

pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="the demo is the embedded default (SQLite); the SQLite run covers it")


def _csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.text[-500:]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_the_demo_imports_an_upload_and_stops_whole(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(GRASSROOTS_VAR=str(tmp_path), SECRET_KEY="demo-test-secret-key", TASK_POLL_SECONDS="0.2")
    log = tmp_path / "demo.log"
    with open(log, "wb") as out:
        demo = subprocess.Popen([sys.executable, "-m", "grassroots.cli", "demo", "--households", "60",
                                 "--port", str(port), "--workers", "1"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def up():
            assert demo.poll() is None, log.read_text(errors="replace")[-3000:]
            try:
                return requests.get(base + "/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_until(up, what="the demo's web server", timeout=600, every=0.5, log_path=log)
        session = requests.Session()
        token = _csrf(session, base + "/login/")
        signed_in = session.post(base + "/login/", {"identifier": "shuji", "password": "Demo#2026",
                                                    "csrfmiddlewaretoken": token}, timeout=30, allow_redirects=False)
        assert signed_in.status_code == 302, signed_in.text[-500:]
        token = _csrf(session, base + "/imports/")
        sent = session.post(base + "/imports/", {"village": VILLAGE, "key": "demo-upload", "csrfmiddlewaretoken": token},
                            files={"file": ("户籍.xlsx", xlsx(household_rows("D-001", first_id=901)))}, timeout=60)
        assert sent.status_code == 200 and re.search(r"/imports/\d+/$", sent.url), sent.text[-500:]

        def imported():
            page = session.get(sent.url, timeout=30).text
            assert "导入失败" not in page and "未通过检查" not in page, page[-2000:]
            return "已完成" in page

        wait_until(imported, what="the worker to import the upload", timeout=180, every=0.5, log_path=log)
    finally:
        demo.send_signal(signal.SIGINT)  # Ctrl+C
        try:
            demo.wait(timeout=60)
        finally:
            stopped = time.monotonic() + 30
            while time.monotonic() < stopped:
                try:
                    os.killpg(demo.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.2)
            else:
                os.killpg(demo.pid, signal.SIGKILL)
                pytest.fail("Ctrl+C left a process of the demo running:\n" + log.read_text(errors="replace")[-2000:])
