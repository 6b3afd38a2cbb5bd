"""我的账号: the caller's API tokens (devices), made and revoked on the page; the back office's token list and its
"吊销所选令牌" action. Both revoke through access.services.revoke_token (audited; 401 on the next request)."""

import re

import pytest
from django.test import Client

from grassroots.access import services
from grassroots.access.models import ApiToken, User
from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry
from grassroots.core.testing import PASSWORD, client_for

ME = "/api/auth/me/"


def _token(user, name="手机"):
    return services.issue_token(actor=Actor.system("测试"), user=user, name=name)


def _bearer_ok(secret) -> bool:
    return Client(headers={"Authorization": f"Bearer {secret}"}).get(ME).status_code == 200


def test_the_page_lists_the_callers_own_tokens_only(secretary, insider):
    _token(secretary, "书记的手机")
    _token(insider, "网格员的平板")
    page = client_for(secretary).get("/account/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "书记的手机" in text and "网格员的平板" not in text
    assert "<script" not in text.split('<main class="page">')[1]  # no inline scripts
    # the menu leads there on every page
    assert 'href="/account/"' in client_for(secretary).get("/").content.decode()


def test_creating_a_token_shows_its_secret_once(secretary):
    client = client_for(secretary)
    response = client.post("/account/", {"device_name": "村部电脑"})
    assert response.status_code == 200
    [secret] = re.findall(r'value="(gr_[^"]+)"', response.content.decode())
    token = ApiToken.objects.get(user=secretary)
    assert token.name == "村部电脑" and secret.startswith(token.prefix)
    assert _bearer_ok(secret)
    assert secret not in client.get("/account/").content.decode()  # shown once, never again


def test_a_token_needs_a_device_name(secretary):
    response = client_for(secretary).post("/account/", {"device_name": "  "})
    assert response.status_code == 422 and "设备名称" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_on_the_page_stops_the_token(secretary):
    token, secret = _token(secretary)
    client = client_for(secretary)
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert not _bearer_ok(secret)
    assert AuditEntry.objects.filter(action="access.token.revoke", data__token=token.pk, actor=secretary).exists()
    assert "已吊销" in client.get("/account/").content.decode()


def test_anothers_token_is_404_and_stays_alive(secretary, insider):
    theirs, secret = _token(insider)
    response = client_for(secretary).post(f"/account/tokens/{theirs.pk}/revoke/")
    assert response.status_code == 404
    assert _bearer_ok(secret)


def test_revoking_needs_post_and_csrf(secretary):
    token, secret = _token(secretary)
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretary)
    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 403
    assert _bearer_ok(secret)


def test_the_page_needs_a_login(db):
    response = Client().get("/account/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- the back office --------------------------------------------------------------------------------------


@pytest.fixture
def village_admin(region, system_actor):
    user = services.create_account(actor=system_actor, username="villageadmin", password=PASSWORD,
                                   display_name="villageadmin", roles=[("system_admin", region["赛沁塔拉嘎查"])])
    User.objects.filter(pk=user.pk).update(is_staff=True)
    user.refresh_from_db()
    return user


CHANGELIST = "/admin/access/apitoken/"


def test_the_admin_lists_tokens_of_managed_accounts_without_secrets(village_admin, insider, outsider):
    mine, secret = _token(insider, "网格员的手机")
    _token(outsider, "官井子村的手机")
    client = client_for(village_admin)
    page = client.get(CHANGELIST).content.decode()
    assert "网格员的手机" in page and "官井子村的手机" not in page
    detail = client.get(f"{CHANGELIST}{mine.pk}/change/")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert mine.secret_hash not in text and secret not in text
    assert 'name="name"' not in text and 'name="revoked_at"' not in text  # read-only: no field to edit


def test_the_admin_action_revokes_through_the_service(village_admin, insider, outsider):
    first, first_secret = _token(insider, "一")
    second, second_secret = _token(insider, "二")
    _, outside_secret = _token(outsider, "官井子村")
    response = client_for(village_admin).post(CHANGELIST, {"action": "revoke_selected",
                                                          "_selected_action": [first.pk, second.pk]}, follow=True)
    assert response.status_code == 200 and "已吊销 2 个令牌" in response.content.decode()
    assert not _bearer_ok(first_secret) and not _bearer_ok(second_secret)
    assert _bearer_ok(outside_secret)
    entries = AuditEntry.objects.filter(action="access.token.revoke", actor=village_admin)
    assert sorted(e.data["token"] for e in entries) == sorted([first.pk, second.pk])
    first.refresh_from_db()
    assert first.revoked_by == village_admin


def test_the_admin_cannot_reach_a_token_outside_its_accounts(village_admin, outsider):
    theirs, secret = _token(outsider)
    client = client_for(village_admin)
    assert client.get(f"{CHANGELIST}{theirs.pk}/change/").status_code == 404
    client.post(CHANGELIST, {"action": "revoke_selected", "_selected_action": [theirs.pk]})
    assert _bearer_ok(secret)
