import pytest

from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry
from grassroots.audit.services import record


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record(actor=Actor.system("test"), action="x")


def test_entries_cannot_be_saved_twice_or_deleted_through_the_model(households):
    entry = AuditEntry.objects.first()
    entry.action = "tampered"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_actor_from_request_keeps_ip_and_device(rf, insider):
    request = rf.get("/", HTTP_USER_AGENT="Redmi 9A", REMOTE_ADDR="10.1.2.3")
    request.user = insider
    actor = Actor.from_request(request)
    assert (actor.user, actor.ip, actor.user_agent) == (insider, "10.1.2.3", "Redmi 9A")
