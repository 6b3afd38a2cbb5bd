"""Signing in for apps (docs/api.md "Signing in"): personal access tokens that are their account, no more, and
stop on the very next request once revoked; CSRF for cookie sessions only."""

import pytest
from django.conf import settings
from django.test import Client

from grassroots.access import services
from grassroots.access.models import ApiToken, User
from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry
from grassroots.core.errors import CSRF_MESSAGE
from grassroots.core.testing import PASSWORD, client_for
from grassroots.points.api_testing import record_today
from grassroots.rules.roles import ROLE_LABELS, Role

WRONG = "wrong-Password1"
TOKENS = "/api/auth/tokens/"


def _sign_in(username, password=PASSWORD, device="张三的手机", client=None):
    return (client or Client()).post(TOKENS, {"username": username, "password": password, "device_name": device},
                                     content_type="application/json")


def _bearer(secret: str, **kwargs) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"}, **kwargs)


def _error(response, status: int, code: str) -> dict:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"code", "detail", "errors"} and body["code"] == code and body["detail"], body
    return body


def _token(user, name="测试设备") -> tuple[ApiToken, str]:
    return services.issue_token(actor=Actor.system("测试"), user=user, name=name)


@pytest.fixture
def mobile_user(region, system_actor):
    return services.create_account(actor=system_actor, username="mobileuser", password=PASSWORD,
                                   display_name="手机用户", mobile="13904761111",
                                   roles=[("grid_worker", region["赛沁塔拉嘎查1"])])


# --- signing in --------------------------------------------------------------------------------------------


def test_sign_in_with_the_username_gives_a_token_that_works_as_bearer(secretary):
    response = _sign_in("secretary")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["token"].startswith("gr_") and body["token_info"]["name"] == "张三的手机"
    assert body["token_info"]["prefix"] == body["token"][:10]
    assert body["account"]["username"] == "secretary"
    me = _bearer(body["token"]).get("/api/auth/me/")
    assert me.status_code == 200 and me.json()["id"] == secretary.pk
    # only the hash is kept
    assert not ApiToken.objects.filter(secret_hash=body["token"]).exists()


def test_sign_in_with_the_mobile_number_is_the_same_account(mobile_user):
    response = _sign_in("13904761111")
    assert response.status_code == 201, response.json()
    assert response.json()["account"]["id"] == mobile_user.pk
    assert _bearer(response.json()["token"]).get("/api/auth/me/").json()["username"] == "mobileuser"


def test_a_wrong_password_is_401_login_refused_and_audited_as_the_api_entrance(secretary):
    response = _sign_in("secretary", WRONG)
    body = _error(response, 401, "login_refused")
    assert body["detail"] == "用户名或密码不正确" and body["errors"] == {}
    assert not ApiToken.objects.filter(user=secretary).exists()
    entry = AuditEntry.objects.get(action="login.failure")
    assert (entry.object_id, entry.data["entrance"]) == ("secretary", "api")


def test_the_pages_lock_out_applies_and_locks_the_page_too(secretary):
    failures = settings.LOGIN_LOCKOUT_FAILURES
    for _ in range(failures):
        _error(_sign_in("secretary", WRONG), 401, "login_refused")
    locked = _sign_in("secretary")  # the right password, too late
    body = _error(locked, 429, "login_locked")
    assert int(locked["Retry-After"]) > 0 and "锁定" in body["detail"]
    assert not ApiToken.objects.filter(user=secretary).exists()
    # the same rule on the log-in page: the account is locked there too
    page = Client().post("/login/", {"identifier": "secretary", "password": PASSWORD})
    assert page.status_code == 401 and "锁定" in page.content.decode()
    assert AuditEntry.objects.filter(action="login.locked", data__entrance="api").exists()


def test_failures_on_the_page_lock_the_api_sign_in(secretary):
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        Client().post("/login/", {"identifier": "secretary", "password": WRONG})
    _error(_sign_in("secretary"), 429, "login_locked")


# --- a token is its account, no more ----------------------------------------------------------------------


def test_me_lists_the_accounts_roles(secretary):
    _, secret = _token(secretary)
    body = _bearer(secret).get("/api/auth/me/").json()
    assert body["username"] == "secretary"
    assert [(r["role"], r["area"]["name"]) for r in body["roles"]] == [("village_secretary", "赛沁塔拉嘎查")]
    assert body["roles"][0]["role_label"] == ROLE_LABELS[Role.VILLAGE_SECRETARY]


def test_a_grid_workers_token_reaches_no_further_than_the_grid_worker(insider, households, rules, people):
    _, secret = _token(insider)
    client = _bearer(secret)
    own = client.get(f"/api/households/{households['inside'].pk}/")
    assert own.status_code == 200
    _error(client.get(f"/api/households/{households['outside'].pk}/"), 404, "not_found")
    # the grid worker sees the claims of the grid but is no reviewer: 403, as on the page
    claims = record_today(insider, rules, people)
    assert client.get(f"/api/points/claims/{claims[0].pk}/").status_code == 200
    refused = client.post("/api/points/reviews/", {"claim_ids": [c.pk for c in claims], "approve": True},
                          content_type="application/json", headers={"Idempotency-Key": "k-review"})
    _error(refused, 403, "forbidden")


# --- revocation -------------------------------------------------------------------------------------------


def test_revoking_a_token_by_id_stops_it_on_the_next_request(secretary):
    phone, phone_secret = _token(secretary, "手机")
    _, tablet_secret = _token(secretary, "平板")
    assert _bearer(phone_secret).get("/api/auth/me/").status_code == 200
    response = _bearer(tablet_secret).delete(f"{TOKENS}{phone.pk}/")
    assert response.status_code == 204 and response.content == b""
    after = _bearer(phone_secret).get("/api/auth/me/")
    _error(after, 401, "unauthenticated")
    assert after["WWW-Authenticate"].startswith("Bearer")
    assert _bearer(tablet_secret).get("/api/auth/me/").status_code == 200
    assert AuditEntry.objects.filter(action="access.token.revoke", data__token=phone.pk).exists()


def test_signing_out_revokes_the_current_token_on_the_next_request(secretary):
    _, secret = _token(secretary)
    client = _bearer(secret)
    assert client.delete(f"{TOKENS}current/").status_code == 204
    _error(client.get("/api/auth/me/"), 401, "unauthenticated")
    _error(client.delete(f"{TOKENS}current/"), 401, "unauthenticated")


def test_a_deactivated_accounts_token_is_refused(secretary):
    _, secret = _token(secretary)
    assert _bearer(secret).get("/api/auth/me/").status_code == 200
    User.objects.filter(pk=secretary.pk).update(is_active=False)
    _error(_bearer(secret).get("/api/auth/me/"), 401, "unauthenticated")


def test_one_users_token_cannot_list_or_revoke_anothers(secretary, insider):
    theirs, their_secret = _token(insider, "网格员的手机")
    _, secret = _token(secretary)
    client = _bearer(secret)
    listed = client.get(TOKENS).json()
    assert [t["name"] for t in listed["items"]] == ["测试设备"] and listed["next_cursor"] is None
    assert listed["items"][0]["current"] is True
    _error(client.delete(f"{TOKENS}{theirs.pk}/"), 404, "not_found")
    assert _bearer(their_secret).get("/api/auth/me/").status_code == 200


# --- CSRF and sessions ------------------------------------------------------------------------------------


def test_a_bearer_write_needs_no_csrf(secretary):
    other, _ = _token(secretary, "旧手机")
    _, secret = _token(secretary)
    client = _bearer(secret, enforce_csrf_checks=True)
    assert client.delete(f"{TOKENS}{other.pk}/").status_code == 204


def test_a_session_write_without_the_csrf_header_is_403_in_chinese(secretary):
    token, _ = _token(secretary)
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretary)
    assert client.get("/api/auth/me/").status_code == 200  # reads need no CSRF
    body = _error(client.delete(f"{TOKENS}{token.pk}/"), 403, "forbidden")
    assert body["detail"] == CSRF_MESSAGE
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_bad_bearer_is_not_rescued_by_a_valid_session_cookie(secretary):
    client = client_for(secretary)
    assert client.get("/api/auth/me/").status_code == 200
    _error(client.get("/api/auth/me/", headers={"Authorization": "Bearer gr_not-a-token"}), 401, "unauthenticated")
    revoked, secret = _token(secretary)
    services.revoke_token(actor=Actor.system("测试"), token=revoked)
    _error(client.get("/api/auth/me/", headers={"Authorization": f"Bearer {secret}"}), 401, "unauthenticated")
