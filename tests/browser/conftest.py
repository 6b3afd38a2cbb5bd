"""Browser tests drive Debian's Chromium against the real server (`grassroots serve`, gunicorn)
loaded with the demo region, on the same database engine as the rest of the run."""

import os
import subprocess
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from tests.servers import GRASSROOTS, app_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _database_url(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'e2e.sqlite3'}"
    import psycopg

    parts = urlparse(url)
    name = "grassroots_e2e"
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return urlunparse(parts._replace(path=f"/{name}"))


_LIVE: dict = {}  # what live_app set up, for fixtures that need it


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: scripts/test.sh installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed")
    tmp = tmp_path_factory.mktemp("e2e")
    env = {**os.environ, "DATABASE_URL": _database_url(tmp), "GRASSROOTS_VAR": str(tmp),
           "SECRET_KEY": "e2e-secret-key-not-for-production", "ALLOWED_HOSTS": "127.0.0.1"}
    _LIVE["env"] = env
    subprocess.run([*GRASSROOTS, "demo", "--no-serve", "--households", "400"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    with app_server(env, tmp / "server.log", workers=2) as base:
        yield base


@pytest.fixture(scope="session")
def live_env(live_app):
    """The environment the live server runs with (its DATABASE_URL, GRASSROOTS_VAR …), for running
    `python -m grassroots.cli …` against the same database in a test."""
    return dict(_LIVE["env"])


_CSP_VIOLATIONS: list = []  # what Chromium refused under the Content-Security-Policy, during the current test


def _watch_csp(new_context):
    """Every context a fixture or test opens reports the console's CSP refusals into _CSP_VIOLATIONS."""
    def watched(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on("console", lambda m: ("Content Security Policy" in m.text or "Refused to" in m.text)
                   and _CSP_VIOLATIONS.append(f"{m.page.url if m.page else '?'}: {m.text}"))
        return context
    return watched


@pytest.fixture(autouse=True)
def _no_csp_violations():
    _CSP_VIOLATIONS.clear()
    yield
    assert _CSP_VIOLATIONS == [], "blocked by the Content-Security-Policy:\n" + "\n".join(_CSP_VIOLATIONS)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        instance.new_context = _watch_csp(instance.new_context)
        yield instance
        instance.close()


@pytest.fixture
def phone(browser):
    """A cheap Android phone: 360 px wide."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()
