from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from grassroots.areas import services
from grassroots.areas.models import Area, Household, Person
from grassroots.audit.models import AuditEntry
from grassroots.core.protect import unseal
from grassroots.core.testing import DIVISIONS
from grassroots.rules.idnumber import make_id_number


def test_loading_divisions_builds_paths_and_is_idempotent(region, system_actor):
    village = Area.objects.get(code="150426100223")
    assert village.path == "150000000000/150400000000/150426000000/150426100000/150426100223/"
    assert [a.name for a in village.ancestors()][-2:] == ["乌丹镇", "赛沁塔拉嘎查"]
    before = Area.objects.count()
    assert services.load_divisions(actor=system_actor, divisions=DIVISIONS) == {"created": 0, "renamed": 0}
    assert Area.objects.count() == before


def test_id_number_is_stored_sealed_and_shown_masked(households):
    person = Person.objects.get(name="乌云毕力格")
    number = make_id_number("150426", date(1968, 3, 5), 11)
    assert number not in person.id_number_sealed
    assert unseal(person.id_number_sealed) == number
    assert person.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert person.birth_date == date(1968, 3, 5)
    assert person.name_initials == "wyblg"


def test_same_id_number_twice_is_refused_and_nothing_written(households, system_actor):
    count = Person.objects.count()
    with pytest.raises(ValidationError) as e:
        services.add_person(actor=system_actor, household=households["outside"], name="冒名",
                            id_number=make_id_number("150426", date(1968, 3, 5), 11))
    assert "已登记" in str(e.value)
    assert Person.objects.count() == count


def test_bad_fields_are_named(households, system_actor):
    with pytest.raises(ValidationError) as e:
        services.add_person(actor=system_actor, household=households["outside"], name="",
                            id_number="150426196803051234", mobile="123")
    assert set(e.value.message_dict) >= {"name", "id_number", "mobile"}


def test_every_write_leaves_an_audit_entry(households):
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"areas.load_divisions", "areas.create_grid", "household.create", "person.create"} <= actions


@pytest.mark.django_db(transaction=False)
def test_audit_entries_cannot_be_changed_or_deleted_at_the_database(households):
    entry = AuditEntry.objects.first()
    for sql in (f"UPDATE audit_auditentry SET action='x' WHERE id={entry.id}",
                f"DELETE FROM audit_auditentry WHERE id={entry.id}"):
        with pytest.raises(Exception) as e, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        assert "append-only" in str(e.value)
    assert AuditEntry.objects.filter(pk=entry.pk, action=entry.action).exists()


def test_household_number_unique_within_village(households, region, system_actor):
    with pytest.raises(ValidationError):
        services.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查2"], number="SQ-0001", address="x")
    # Another village may reuse the number.
    services.create_household(actor=system_actor, grid=region["官井子村2"], number="SQ-0001", address="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.create(grid=region["官井子村2"], village=region["官井子村"], path="x", number="SQ-0001",
                                 address="y")
