"""One way in: the log-in page, the admin's log-in and authenticate() share the per-address throttle,
the account lock-out and the audit entries (access.services.sign_in)."""

from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from freezegun import freeze_time

from grassroots.access.models import User
from grassroots.audit.models import AuditEntry
from grassroots.core.testing import PASSWORD, client_for

WRONG = "wrong-Password1"


def _page(identifier, password, **extra):
    client = Client()
    return client, client.post("/login/", {"identifier": identifier, "password": password}, **extra)


def _admin(identifier, password, **extra):
    client = Client()
    return client, client.post("/admin/login/?next=/admin/", {"username": identifier, "password": password,
                                                              "next": "/admin/"}, **extra)


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def staff(county_admin):
    User.objects.filter(pk=county_admin.pk).update(is_staff=True)
    county_admin.refresh_from_db()
    return county_admin


def test_admin_login_lets_staff_in_and_audits_like_the_page(staff):
    client, response = _admin("countyadmin", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    entry = AuditEntry.objects.get(action="login.success")
    assert (entry.object_id, entry.actor_id, entry.ip, entry.data["entrance"]) == ("countyadmin", staff.pk,
                                                                                  "127.0.0.1", "admin")


def test_five_failures_on_the_page_lock_the_admin_login_too(staff):
    for _ in range(5):
        _page("countyadmin", WRONG)
    client, response = _admin("countyadmin", PASSWORD)
    assert response.status_code == 200 and "账号已锁定" in response.content.decode()
    assert not _signed_in(client) and client.get("/admin/").status_code == 302
    assert AuditEntry.objects.filter(action="login.locked", data__entrance="admin").count() == 1


def test_failures_on_the_admin_login_count_and_lock_the_page(staff):
    for _ in range(5):
        client, response = _admin("countyadmin", WRONG)
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    assert AuditEntry.objects.filter(action="login.failure", object_id="countyadmin",
                                     data__entrance="admin").count() == 5
    client, response = _page("countyadmin", PASSWORD)
    assert response.status_code == 401 and "账号已锁定" in response.content.decode()
    assert not _signed_in(client)
    # …and the admin itself refuses the right password now.
    client, response = _admin("countyadmin", PASSWORD)
    assert "账号已锁定" in response.content.decode() and client.get("/admin/").status_code == 302


def test_admin_login_by_mobile_counts_for_the_same_account(staff):
    User.objects.filter(pk=staff.pk).update(mobile="13904760009")
    for identifier in ("countyadmin", "13904760009", "139-0476-0009", "countyadmin", "13904760009"):
        _admin(identifier, WRONG)
    assert "账号已锁定" in _page("countyadmin", PASSWORD)[1].content.decode()


def test_admin_login_refuses_an_account_that_is_not_staff(insider):
    client, response = _admin("insider", PASSWORD)
    assert response.status_code == 200 and "该账号不能进入管理后台" in response.content.decode()
    assert not _signed_in(client)
    assert AuditEntry.objects.filter(action="login.refused", object_id="insider").count() == 1
    assert not AuditEntry.objects.filter(action="login.success").exists()


def test_authenticate_itself_counts_failures_and_refuses_a_locked_account(insider):
    for _ in range(5):
        assert authenticate(None, username="insider", password=WRONG) is None
    assert AuditEntry.objects.filter(action="login.failure", data__entrance="authenticate").count() == 5
    assert authenticate(None, username="insider", password=PASSWORD) is None
    assert "账号已锁定" in _page("insider", PASSWORD)[1].content.decode()


# --- one address, many accounts ---------------------------------------------------------------------


@pytest.fixture
def three_accounts(insider, reader, outsider):
    return ["insider", "reader", "outsider"]


def test_twelve_failures_over_three_accounts_block_the_address(three_accounts, staff):
    with freeze_time("2026-12-05 09:00:00") as clock:
        answers = []
        for i in range(12):  # four per account: none of them reaches the account lock-out
            answers.append(_page(three_accounts[i % 3], WRONG)[1].content.decode())
            clock.tick(timedelta(seconds=30))
        assert all("用户名或密码不正确" in a for a in answers[:10])
        assert all("该网络地址登录失败次数过多" in a for a in answers[10:])
        # Even the right password, for any account and through either door, is refused from there…
        client, response = _page("insider", PASSWORD)
        assert response.status_code == 401 and "该网络地址登录失败次数过多" in response.content.decode()
        assert "该网络地址登录失败次数过多" in _admin("countyadmin", PASSWORD)[1].content.decode()
        assert not _signed_in(client)
        # …while another address is unaffected.
        client, response = _page("insider", PASSWORD, REMOTE_ADDR="10.20.30.40")
        assert response.status_code == 302 and _signed_in(client)
        # The block ends fifteen minutes after the tenth failure.
        clock.tick(timedelta(minutes=15))
        client, response = _page("reader", PASSWORD)
        assert response.status_code == 302
    assert AuditEntry.objects.filter(action="login.throttled", ip="127.0.0.1").count() == 4
    assert not AuditEntry.objects.filter(action="login.locked").exists()


def test_behind_the_proxy_the_throttle_counts_the_real_client_address(three_accounts, settings):
    settings.TRUST_X_REAL_IP = True
    for i in range(10):
        _page(three_accounts[i % 3], WRONG, HTTP_X_REAL_IP="203.0.113.7")
    assert "该网络地址登录失败次数过多" in _page("insider", PASSWORD, HTTP_X_REAL_IP="203.0.113.7")[1].content.decode()
    # The proxy's own address (REMOTE_ADDR) is shared by everyone: another client behind it gets in.
    assert _page("insider", PASSWORD, HTTP_X_REAL_IP="203.0.113.8")[1].status_code == 302


def test_without_the_proxy_a_forged_x_real_ip_does_not_escape_the_throttle(three_accounts):
    for i in range(10):
        _page(three_accounts[i % 3], WRONG, HTTP_X_REAL_IP=f"198.51.100.{i}")
    response = _page("insider", PASSWORD, HTTP_X_REAL_IP="198.51.100.99")[1]
    assert response.status_code == 401 and "该网络地址登录失败次数过多" in response.content.decode()


# --- the admin's "change password" -------------------------------------------------------------------


def test_admin_password_change_keeps_the_rules_and_is_audited(staff):
    client = client_for(staff)
    assert client.get("/admin/password_change/").status_code == 200
    weak = client.post("/admin/password_change/", {"old_password": PASSWORD, "new_password1": "abcdefgh12",
                                                   "new_password2": "abcdefgh12"})
    assert weak.status_code == 200 and "三类" in weak.content.decode()
    response = client.post("/admin/password_change/", {"old_password": PASSWORD, "new_password1": "Caoyuan#2027",
                                                       "new_password2": "Caoyuan#2027"})
    assert response.status_code == 302 and response["Location"] == "/admin/password_change/done/"
    entry = AuditEntry.objects.get(action="account.change_password")
    assert (entry.actor_id, entry.object_id, entry.ip) == (staff.pk, str(staff.pk), "127.0.0.1")
    assert client.get("/admin/").status_code == 200  # the session survives the change
    assert _page("countyadmin", "Caoyuan#2027")[1].status_code == 302
