"""Voiding a redemption whose points were already given back is a refusal the service checks and
the API answers 409 in its documented shape (``detail`` and ``errors``), never a database error
surfacing (issue #11, item 10)."""

import pytest

from grassroots.core.testing import client_for
from grassroots.ledger import services as ledger_services
from grassroots.ledger.models import LedgerEntry
from grassroots.shop.models import Redemption
from grassroots.shop.testing import actor
from grassroots.shop.tests.test_api import key, post, redeem_body


@pytest.fixture
def counter(stocked, credited, shop, households):
    return {"shop": shop, "products": stocked, "homes": credited, "outside": households["outside"]}


def _redeem(counter, cashier) -> Redemption:
    receipt = post(client_for(cashier), f"/shops/{counter['shop'].pk}/redemptions/", redeem_body(counter),
                   key=key()).json()
    return Redemption.objects.get(pk=receipt["id"])


def _refused_409(response, number: str):
    body = response.json()
    assert response.status_code == 409, body
    assert body["errors"]["redemption"] and number in body["detail"]


def test_voiding_twice_is_refused_with_the_documented_errors(counter, cashier, committee):
    redemption = _redeem(counter, cashier)
    url = f"/redemptions/{redemption.pk}/void/"
    assert post(client_for(committee), url, {"reason": "收银员点错"}, key=key()).status_code == 200
    again = post(client_for(committee), url, {"reason": "再作废一次"}, key=key())
    _refused_409(again, redemption.number)
    assert "已作废" in again.json()["detail"]
    assert LedgerEntry.objects.filter(reverses=redemption.entry).count() == 1


def test_voiding_a_redemption_whose_entry_was_reversed_is_refused_not_a_database_error(
        counter, cashier, committee, secretary):
    redemption = _redeem(counter, cashier)
    ledger_services.reverse_entry(actor=actor(secretary), entry=redemption.entry, reason="录错户，冲正")
    response = post(client_for(committee), f"/redemptions/{redemption.pk}/void/", {"reason": "收银员点错"},
                    key=key())
    _refused_409(response, redemption.number)
    assert "已冲正" in response.json()["detail"]
    redemption.refresh_from_db()
    assert redemption.voided_at is None and LedgerEntry.objects.filter(reverses=redemption.entry).count() == 1


def test_the_void_route_declares_its_409_with_errors(client):
    responses = client.get("/api/openapi.json").json()["paths"]["/api/shop/redemptions/{redemption_id}/void/"]["post"]
    assert responses["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorOut")  # the one error body (docs/api.md "Errors"), with its ``errors``
