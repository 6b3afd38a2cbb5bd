"""The transfers page (/party/members/transfers/): pending in and out for the caller's organisations, the send form
(run once), receive and withdraw buttons for each end only."""

from datetime import date

import pytest
from django.urls import reverse

from grassroots.members import services
from grassroots.members.models import Transfer
from grassroots.members.testing import actor_for, counted_in

pytestmark = pytest.mark.django_db
URL = reverse("members-transfers")


def send(party_world, client, key="k-send-1", **extra):
    data = {"member": party_world.members["巴特尔"].pk, "to_organisation": party_world.guanjing.pk,
            "sent_on": "2026-05-01", "letter_number": "WNT-2026-9", "idempotency_key": key, **extra}
    return client.post(URL, data)


def test_sending_from_the_page_runs_once_and_shows_on_both_ends(party_world, as_secretary, as_outsider, as_reader):
    assert send(party_world, as_secretary).status_code == 302
    assert send(party_world, as_secretary).status_code == 302  # the same form again: nothing more
    assert Transfer.objects.count() == 1
    sender = as_secretary.get(URL).content.decode()
    assert "巴特尔" in sender and "撤回" in sender and "待接收（转入本组织）" in sender
    receiver = as_outsider.get(URL).content.decode()
    assert "巴特尔" in receiver and "接收</button>" in receiver and "撤回" not in receiver
    reader = as_reader.get(URL).content.decode()
    assert "巴特尔" in reader and "撤回" not in reader and "转出组织关系" not in reader


def test_receiving_from_the_page_moves_the_member(party_world, as_secretary, as_outsider):
    send(party_world, as_secretary)
    transfer = Transfer.objects.get()
    receive = reverse("members-transfer-receive", args=[transfer.pk])
    assert as_secretary.post(receive, {"received_on": "2026-05-10"}).status_code == 404  # not the receiver
    assert as_outsider.post(receive, {"received_on": "2026-05-10"}).status_code == 302
    batu = party_world.members["巴特尔"]
    assert counted_in(batu, date(2026, 5, 9)) == ["T-SQ"] and counted_in(batu, date(2026, 5, 10)) == ["T-GJ"]
    assert "没有待接收的转入" in as_outsider.get(URL).content.decode()


def test_withdrawing_is_the_senders(party_world, as_secretary, as_outsider, as_reader):
    send(party_world, as_secretary)
    withdraw = reverse("members-transfer-withdraw", args=[Transfer.objects.get().pk])
    assert as_outsider.post(withdraw).status_code == 404
    assert as_reader.post(withdraw).status_code == 403
    assert as_secretary.post(withdraw).status_code == 302
    assert Transfer.objects.get().status == "withdrawn"


def test_a_second_pending_transfer_is_refused_on_the_form(party_world, as_secretary):
    send(party_world, as_secretary)
    response = send(party_world, as_secretary, key="k-send-2", to_organisation=party_world.unit.pk)
    assert response.status_code == 422 and "尚未接收的转接" in response.content.decode()


def test_a_reader_cannot_send_and_strangers_see_nothing(party_world, as_reader, as_insider, secretary):
    assert send(party_world, as_reader).status_code == 403
    services.send_transfer(actor=actor_for(secretary), member=party_world.members["巴特尔"], sent_on=date(2026, 5, 1),
                           to_outside="赤峰市松山区")
    assert as_insider.get(URL).status_code == 404


def test_the_receipt_of_a_transfer_out_of_the_county_is_recorded_by_the_sender(party_world, as_secretary, secretary):
    transfer = services.send_transfer(actor=actor_for(secretary), member=party_world.members["巴特尔"],
                                      sent_on=date(2026, 5, 1), to_outside="赤峰市松山区某党支部")
    assert "登记回执" in as_secretary.get(URL).content.decode()
    response = as_secretary.post(reverse("members-transfer-receive", args=[transfer.pk]), {"received_on": "2026-05-20"})
    assert response.status_code == 302
    batu = party_world.members["巴特尔"]
    batu.refresh_from_db()
    assert batu.left_reason == "transferred_out" and counted_in(batu, date(2026, 5, 20)) == []
