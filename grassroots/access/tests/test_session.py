"""The session (access/middleware.py IdleSessionMiddleware): the 30-minute idle rule holds without a write
on every request (a session that cannot be saved after a sale: shop/tests/test_session_save.py)."""

from datetime import timedelta
from unittest import mock

from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from grassroots.core.testing import PASSWORD


def expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_the_session_is_written_at_most_once_a_minute(as_insider):
    with freeze_time() as clock:
        clock.tick(timedelta(minutes=2))
        as_insider.get("/")  # two minutes after logging in: this request renews the clock
        first = expiry(as_insider)
        assert first == timezone.now() + timedelta(minutes=30)
        with mock.patch.object(Session, "save", autospec=True, side_effect=Session.save) as save:
            for _ in range(5):
                clock.tick(timedelta(seconds=10))
                assert as_insider.get("/").status_code == 200
            assert save.call_count == 0  # five requests within the minute: no write
            clock.tick(timedelta(seconds=15))  # 65 s after the last write
            assert as_insider.get("/").status_code == 200
            assert save.call_count == 1
        assert expiry(as_insider) == first + timedelta(seconds=65)


def test_logging_in_starts_the_clock_so_the_next_requests_write_nothing(insider):
    client = Client()
    with freeze_time() as clock:
        assert client.post("/login/", {"identifier": "insider", "password": PASSWORD}).status_code == 302
        with mock.patch.object(Session, "save", autospec=True, side_effect=Session.save) as save:
            clock.tick(timedelta(seconds=20))
            assert client.get("/").status_code == 200
            assert save.call_count == 0


def test_idle_for_thirty_minutes_after_quiet_requests_logs_out(as_insider):
    with freeze_time() as clock:
        as_insider.get("/")
        clock.tick(timedelta(seconds=30))
        assert as_insider.get("/").status_code == 200  # not written: the clock runs from 30 s ago
        clock.tick(timedelta(minutes=29, seconds=31))
        response = as_insider.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
