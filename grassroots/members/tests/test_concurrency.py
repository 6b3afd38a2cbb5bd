"""Writes about one member at the same time, on PostgreSQL: each takes the member's row first, so racing sends,
receipts and withdrawals of one transfer end with one winner, a clear refusal for the others (never a 500) and
the member counted in exactly one organisation. Skipped on SQLite (one writer at a time anyway)."""

import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from grassroots.members import services
from grassroots.members.models import Membership, Transfer
from grassroots.rules.membership import chain_problems

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 6


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections need PostgreSQL")


def race(work) -> tuple[int, list[str], list[str]]:
    barrier = threading.Barrier(THREADS)
    won, refused, unexpected = [], [], []

    def body(i):
        try:
            barrier.wait(timeout=30)
            work(i)
            won.append(i)
        except ValidationError as e:
            refused.extend(e.messages)
        except Exception as e:  # a user would see a 500
            unexpected.append(repr(e))
        finally:
            connection.close()

    pool = [threading.Thread(target=body, args=(i,)) for i in range(THREADS)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in pool)
    return len(won), refused, unexpected


def test_racing_sends_of_one_member_leave_one_pending_transfer(pg, party_world, system_actor):
    batu = party_world.members["巴特尔"]
    targets = [party_world.guanjing, party_world.unit]
    won, refused, unexpected = race(lambda i: services.send_transfer(
        actor=system_actor, member=batu, sent_on=date(2026, 5, 1), to_organisation=targets[i % 2]))
    assert unexpected == [] and won == 1 and len(refused) == THREADS - 1
    assert all("尚未接收的转接" in m for m in refused)
    assert Transfer.objects.filter(member=batu, status="sent").count() == 1


def test_racing_receipts_and_withdrawals_of_one_transfer_have_one_winner(pg, party_world, system_actor):
    batu = party_world.members["巴特尔"]
    transfer = services.send_transfer(actor=system_actor, member=batu, sent_on=date(2026, 5, 1),
                                      to_organisation=party_world.guanjing)

    def work(i):
        if i % 2:
            services.withdraw_transfer(actor=system_actor, transfer=transfer)
        else:
            services.receive_transfer(actor=system_actor, transfer=transfer, received_on=date(2026, 5, 10) + timedelta(i))

    won, refused, unexpected = race(work)
    assert unexpected == [] and won == 1 and len(refused) == THREADS - 1
    spans = list(Membership.objects.filter(member=batu).values_list("started_on", "ended_on"))
    assert chain_problems(spans) == []
    assert Membership.objects.filter(member=batu, ended_on__isnull=True).count() == 1
