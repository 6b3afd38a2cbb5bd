"""The Content-Security-Policy: on every kind of page, strict for script, and no template brings inline script
back (the policy would block it in the browser, so the button or select would silently stop working)."""
import re
from pathlib import Path
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

import grassroots
from grassroots.core.testing import client_for
from grassroots.shop import services as shop_services


def directives(response):
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']} answered without a Content-Security-Policy"
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def staff_and_public_pages(as_insider, county_admin, region, households, system_actor):
    shop = shop_services.create_shop(actor=system_actor, area=region["赛沁塔拉嘎查"], name="赛沁塔拉嘎查爱心超市")
    grid = region["赛沁塔拉嘎查1"]
    today = timezone.localdate()
    home = households["inside"]
    county_admin.is_staff = county_admin.is_superuser = True
    county_admin.save()
    anonymous = Client()
    return [
        (as_insider, "/"),
        (as_insider, "/points/"),
        (as_insider, "/points/record/"),
        (as_insider, f"/points/households/{home.pk}/"),
        (as_insider, f"/points/grids/{grid.pk}/board/"),
        (as_insider, f"/points/households/{home.pk}/statement/{today.year}/{today.month}.pdf"),
        (client_for(county_admin), f"/shop/{shop.pk}/counter/"),
        (as_insider, "/demands/"),
        (anonymous, f"/board/grids/{grid.code}/"),
        (anonymous, f"/d/{region['赛沁塔拉嘎查'].code}/"),
        (anonymous, "/board/notices/no-such-notice/"),
        (anonymous, "/login/"),
        (anonymous, "/admin/login/"),
        (client_for(county_admin), "/admin/"),
    ]


def test_every_kind_of_page_carries_a_strict_policy_and_keeps_the_other_headers(staff_and_public_pages):
    for client, url in staff_and_public_pages:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        policy = directives(response)
        assert policy["script-src"] == ["'self'"], url  # no 'unsafe-inline', no 'unsafe-eval'
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"], url
        assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"], url
        assert policy["base-uri"] == ["'self'"], url
        # the headers that were there before stay
        assert response.headers["X-Frame-Options"] == "DENY", url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["Referrer-Policy"] == "same-origin", url


def test_the_pdf_still_opens_under_the_policy(as_insider, households):
    today = timezone.localdate()
    response = as_insider.get(f"/points/households/{households['inside'].pk}/statement/{today.year}/{today.month}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content if response.streaming else [response.content]).startswith(b"%PDF")
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def test_the_standalone_500_page_has_the_policy_and_no_inline_script(as_insider):
    as_insider.raise_request_exception = False
    with mock.patch("grassroots.areas.selectors.area_summary", side_effect=RuntimeError("boom")):
        response = as_insider.get("/")
    assert response.status_code == 500
    assert directives(response)["script-src"] == ["'self'"]
    body = response.content.decode()
    assert "<script" not in body and "onclick" not in body and "返回首页" in body  # nothing the policy would block


TEMPLATE_DIR = Path(grassroots.__file__).parent
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(href|action|src)\s*=\s*["']\s*javascript:""", re.I)


def test_no_template_has_inline_script_or_event_handlers():
    offenders = []
    for path in sorted(TEMPLATE_DIR.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, JS_URL):
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                offenders.append(f"{path.relative_to(TEMPLATE_DIR)}:{line}: {m.group(0)[:80]}")
    assert offenders == [], "inline script is blocked by the CSP; move it to a static .js file:\n" + "\n".join(offenders)
