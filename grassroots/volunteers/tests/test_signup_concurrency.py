"""Eight phones sign up for the last places of one activity at the same moment, through the API, on PostgreSQL:
each sign-up locks the activity's row (docs/locking.md), so exactly ``slots`` volunteers hold a place, the rest
wait in order, nobody is overbooked and nobody sees a 500. Skipped on SQLite (one writer at a time anyway)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from grassroots.access.services import create_account
from grassroots.core.testing import PASSWORD
from grassroots.volunteers import services
from grassroots.volunteers.models import SignUp

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CLIENTS = 8


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections need PostgreSQL")


def test_eight_phones_race_for_the_last_places_and_none_is_overbooked(pg, volunteer_world, system_actor):
    w = volunteer_world
    tomorrow = timezone.now() + timedelta(days=1)  # the threads' requests run at the real time: no frozen clock
    activity = services.create_activity(actor=system_actor, team=w.team, title="义务植树", place="南山",
                                        starts_at=tomorrow, ends_at=tomorrow + timedelta(hours=2), slots=3)
    services.sign_up(actor=system_actor, activity=activity, volunteer=w.leader)  # one place already taken
    phones = []
    for i in range(CLIENTS):
        user = create_account(actor=system_actor, username=f"racer{i}", password=PASSWORD, display_name=f"队员{i}",
                              roles=[])
        services.register_volunteer(actor=system_actor, name=f"队员{i}", area=w.team.area, consent=True, user=user)
        phone = Client()
        phone.force_login(user)
        phones.append(phone)

    barrier = threading.Barrier(CLIENTS)
    answers, unexpected = [None] * CLIENTS, []

    def body(i):
        try:
            barrier.wait(timeout=30)
            reply = phones[i].post(f"/api/volunteers/activities/{activity.pk}/signups/", "{}",
                                   content_type="application/json", headers={"Idempotency-Key": f"race-{i}"})
            answers[i] = (reply.status_code, reply.json())
        except Exception as e:  # a user would see a 500
            unexpected.append(repr(e))
        finally:
            connection.close()

    pool = [threading.Thread(target=body, args=(i,)) for i in range(CLIENTS)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in pool)

    assert unexpected == []
    assert [status for status, _ in answers] == [201] * CLIENTS
    statuses = sorted(body["status"] for _, body in answers)
    assert statuses == ["signed"] * 2 + ["waiting"] * (CLIENTS - 2)
    assert SignUp.objects.filter(activity=activity, status="signed").count() == activity.slots == 3
    positions = sorted(body["position"] for _, body in answers if body["status"] == "waiting")
    assert positions == list(range(1, CLIENTS - 1))  # one waiting list, in the order they were taken
    # A phone that retries after the race gets its first answer, and nothing moves.
    retry = phones[0].post(f"/api/volunteers/activities/{activity.pk}/signups/", "{}",
                           content_type="application/json", headers={"Idempotency-Key": "race-0"})
    assert retry.json() == answers[0][1] and retry["Idempotent-Replayed"] == "true"
    assert SignUp.objects.filter(activity=activity).exclude(status="cancelled").count() == CLIENTS + 1
