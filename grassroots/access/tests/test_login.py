from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from freezegun import freeze_time

from grassroots.audit.models import AuditEntry
from grassroots.core.testing import PASSWORD


def _login(client, identifier, password):
    return client.post("/login/", {"identifier": identifier, "password": password})


def test_login_with_username_or_mobile(insider):
    insider.mobile = "13904760001"
    insider.save()
    assert _login(Client(), "insider", PASSWORD).status_code == 302
    response = _login(Client(), "+86 139-0476-0001", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEntry.objects.filter(action="login.success", object_id="insider").count() == 2


def test_wrong_password_is_refused_and_logged(insider):
    response = _login(Client(), "insider", "wrong-Password1")
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.content.decode()
    entry = AuditEntry.objects.get(action="login.failure")
    assert entry.object_id == "insider" and entry.ip == "127.0.0.1"


def test_five_failures_lock_the_account_for_fifteen_minutes(insider):
    with freeze_time("2026-11-22 09:00:00") as clock:
        for _ in range(5):
            _login(Client(), "insider", "wrong-Password1")
        response = _login(Client(), "insider", PASSWORD)
        assert response.status_code == 401
        assert "已锁定" in response.content.decode()
        clock.tick(timedelta(minutes=14))
        assert "已锁定" in _login(Client(), "insider", PASSWORD).content.decode()
        clock.tick(timedelta(minutes=1, seconds=1))
        assert _login(Client(), "insider", PASSWORD).status_code == 302


def test_lockout_counts_mobile_and_username_together(insider):
    insider.mobile = "13904760001"
    insider.save()
    for identifier in ("insider", "13904760001", "insider", "13904760001", "insider"):
        _login(Client(), identifier, "wrong-Password1")
    assert "已锁定" in _login(Client(), "13904760001", PASSWORD).content.decode()


def test_unknown_account_gets_the_same_message(db):
    response = _login(Client(), "nobody", "whatever-Pass1")
    assert "用户名或密码不正确" in response.content.decode()


@pytest.mark.parametrize("password", ["Ab1!", "abcdefgh", "abcdefg1", "ABCDEFG1"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_strong_password_accepted():
    validate_password("Caoyuan#2026")


def test_idle_session_ends_after_thirty_minutes(as_insider):
    assert settings.SESSION_COOKIE_AGE == 30 * 60  # renewed by IdleSessionMiddleware, at most once a minute
    with freeze_time() as clock:
        assert as_insider.get("/").status_code == 200
        clock.tick(timedelta(minutes=29))
        assert as_insider.get("/").status_code == 200  # activity renews the session
        clock.tick(timedelta(minutes=31))
        response = as_insider.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_logout_needs_post(as_insider):
    assert as_insider.get("/logout/").status_code == 405
    assert as_insider.post("/logout/").status_code == 302
    assert as_insider.get("/").status_code == 302
