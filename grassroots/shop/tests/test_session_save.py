"""A session that cannot be saved never turns a committed sale into an error (access/middleware.py
IdleSessionMiddleware)."""

from datetime import timedelta
from unittest import mock

from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.urls import reverse
from freezegun import freeze_time

from grassroots.ledger.models import LedgerEntry
from grassroots.shop.models import Redemption, StockMovement


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
