"""The session (access/middleware.py IdleSessionMiddleware): the 30-minute idle rule holds without a write
on every request, and a session that cannot be saved never turns a committed write into an error."""
# ruff: noqa: F811 - the shop's fixtures, imported below, are parameters here

from datetime import timedelta
from unittest import mock

from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from grassroots.conftest import PASSWORD
from grassroots.ledger.models import LedgerEntry

# The love supermarket's fixtures: a stocked shop and households with points to redeem.
from grassroots.shop.models import Redemption, StockMovement
from grassroots.shop.tests.conftest import credited, products, shop, stocked  # noqa: F401


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


def test_a_sale_whose_session_save_fails_is_answered_as_done_and_written_once(as_cashier, shop, stocked, credited):
    """The database restarts just after the redemption commits: the session write fails. The cashier must
    see the receipt (not "400 Bad Request", which makes them ring the sale up again)."""
    home, tissue = credited["SQ-0001"], stocked["抽纸"]
    with freeze_time() as clock:
        as_cashier.get("/")
        clock.tick(timedelta(minutes=2))  # the idle clock is due for renewal on the next request
        before = (Redemption.objects.count(), LedgerEntry.objects.count())
        # "confirmed": the second tap, after the cashier and the household checked the lines together.
        data = {"household": home.pk, "idempotency_key": "sale-1", f"qty_{tissue.pk}": 2, "confirmed": "1"}
        with mock.patch.object(Session, "save", autospec=True,
                               side_effect=OperationalError("server closed the connection unexpectedly")) as save:
            response = as_cashier.post(reverse("shop-counter", args=[shop.pk]), data)
        assert save.called  # the session write was attempted, after the sale, and failed
    [redemption] = Redemption.objects.all()
    assert response.status_code == 302
    assert response["Location"] == reverse("shop-redemption", args=[redemption.pk]) + "?done=1"
    assert Redemption.objects.count() == before[0] + 1 and LedgerEntry.objects.count() == before[1] + 1
    assert StockMovement.objects.filter(redemption=redemption).count() == 1
    # Still logged in: the receipt opens.
    receipt = as_cashier.get(response["Location"])
    assert receipt.status_code == 200 and redemption.number in receipt.content.decode()
