"""Smoke test of the demo as each role a newcomer is handed: every account README.md lists logs in to the
real server (gunicorn, DEBUG off, the demo loaded by `grassroots demo`), opens its home page and every
same-origin link of its menu and of its home page, one level deep. Nothing offered may answer an error
(status >= 400) or an English error page. Plain HTTP (requests), no Chromium: it checks answers, not layout.

Fixtures and data, not the accounts people use, let a whole role get "Server Error (500)" on its first
page unnoticed (issue #10, item 1): this test uses the accounts themselves.
"""

import re
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import requests

from grassroots.demands.demo import UNIT_ACCOUNTS
from grassroots.demo import DEMO_ACCOUNTS
from grassroots.pairing.demo import PAIRING_ACCOUNTS
from grassroots.volunteers.demo import VOLUNTEER_ACCOUNTS

README = Path(__file__).resolve().parents[2] / "README.md"
PASSWORD = "Demo#2026"
ENGLISH_ERRORS = ("Server Error", "Not Found", "Bad Request", "Forbidden", "CSRF verification failed")
TIMEOUT = 30


def readme_accounts() -> list[str]:
    """The logins README.md hands a newcomer: the backticked names of the paragraph after "`make demo`"."""
    text = README.read_text(encoding="utf-8")
    start = text.index("`make demo` prints one login per role")
    paragraph = text[start:text.index("\n\n", start)].split("Try the search")[0]
    return list(dict.fromkeys(re.findall(r"`([a-z][a-z0-9_]*)`", paragraph)))


def test_readme_lists_every_demo_account():
    """The list below is README's; it must be the demo's own (grassroots demo prints the same logins)."""
    demo = [u for u, *_ in DEMO_ACCOUNTS] + [u for u, *_ in UNIT_ACCOUNTS] + ["xinyong"] + [
        u for u, *_ in PAIRING_ACCOUNTS] + [u for u, *_ in VOLUNTEER_ACCOUNTS]
    assert sorted(readme_accounts()) == sorted(demo)


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _links(html: str, base: str, page_url: str) -> list[str]:
    """Same-origin GET links of the menu and of <main> (the header's and the page's own)."""
    parts = [m.group(0) for m in re.finditer(r"<nav\b.*?</nav>|<main\b.*?</main>", html, re.S)]
    host = urlparse(base).netloc
    found = []
    for href in re.findall(r"""<a\b[^>]*\bhref=["']([^"'#]+)""", " ".join(parts)):
        url = urljoin(page_url, unescape(href))
        parsed = urlparse(url)
        if parsed.scheme in ("http", "https") and parsed.netloc == host and not parsed.path.startswith("/static/"):
            found.append(url)
    return list(dict.fromkeys(found))


def _problem(response) -> str | None:
    if response.status_code >= 400:
        return f"HTTP {response.status_code}"
    if "text/html" in response.headers.get("Content-Type", ""):
        english = [w for w in ENGLISH_ERRORS if w in _visible_text(response.text)]
        if english:
            return f"English error page ({', '.join(english)})"
    return None


def _log_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/login/", timeout=TIMEOUT).raise_for_status()
    response = session.post(f"{base}/login/", timeout=TIMEOUT, allow_redirects=False, headers={"Referer": f"{base}/login/"},
                            data={"identifier": username, "password": PASSWORD,
                                  "csrfmiddlewaretoken": session.cookies["csrftoken"]})
    assert response.status_code == 302, f"{username} could not log in: HTTP {response.status_code}"
    return session


def _accounts_to_visit():
    return readme_accounts()


@pytest.mark.parametrize("username", _accounts_to_visit())
def test_every_demo_account_opens_its_home_and_every_link_it_is_offered(live_app, username):
    session = _log_in(live_app, username)
    home = session.get(f"{live_app}/", timeout=TIMEOUT)
    problem = _problem(home)
    assert problem is None, f"{username}: home page: {problem}"
    assert urlparse(home.url).path == "/", f"{username}: home sent to {home.url}"
    links = _links(home.text, live_app, home.url)
    assert links, f"{username}: the home page offers nothing to open"
    failures = []
    for url in links:
        response = session.get(url, timeout=TIMEOUT)
        problem = _problem(response)
        if problem:
            failures.append(f"{url[len(live_app):]} → {problem}")
        if "/login/" in urlparse(response.url).path:
            failures.append(f"{url[len(live_app):]} → sent back to log in")
    assert failures == [], f"{username}: " + "; ".join(failures)


@pytest.mark.parametrize("username", [u for u, *_ in VOLUNTEER_ACCOUNTS])
def test_the_volunteer_accounts_reach_their_volunteer_service(live_app, username):
    """A volunteer and a team leader with no role on any area: the home page leads to 志愿服务, which opens."""
    session = _log_in(live_app, username)
    home = session.get(f"{live_app}/", timeout=TIMEOUT)
    assert any(urlparse(url).path.startswith("/volunteers/") for url in _links(home.text, live_app, home.url)), (
        f"{username}: the home page offers no way to the volunteer service")
    page = session.get(f"{live_app}/volunteers/", timeout=TIMEOUT)
    assert _problem(page) is None, f"{username}: /volunteers/: {_problem(page)}"
    assert "/login/" not in urlparse(page.url).path


@pytest.mark.parametrize("username", _accounts_to_visit())
def test_every_demo_account_signs_in_to_the_api_as_readme_shows(live_app, username):
    """README's curl lines: the account and a device name give a token; the token opens /api/auth/me/ as that
    account, then signing out revokes it on the next request."""
    signed_in = requests.post(f"{live_app}/api/auth/tokens/", timeout=TIMEOUT,
                              json={"username": username, "password": PASSWORD, "device_name": "演示设备"})
    assert signed_in.status_code == 201, f"{username}: sign-in answered {signed_in.status_code} {signed_in.text}"
    token = signed_in.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = requests.get(f"{live_app}/api/auth/me/", headers=headers, timeout=TIMEOUT)
    assert me.status_code == 200 and me.json()["username"] == username
    assert requests.delete(f"{live_app}/api/auth/tokens/current/", headers=headers, timeout=TIMEOUT).status_code == 204
    again = requests.get(f"{live_app}/api/auth/me/", headers=headers, timeout=TIMEOUT)
    assert again.status_code == 401 and again.json()["code"] == "unauthenticated"
