"""The scoped admin: only supervising staff get in, they see only their areas, and writes are audited."""

from datetime import date

import pytest

from grassroots.access import services
from grassroots.access.models import RoleAssignment, User
from grassroots.areas.models import Area, Household, Person, Tag
from grassroots.audit.models import AuditEntry
from grassroots.core.models import IdempotencyKey
from grassroots.core.testing import PASSWORD, client_for
from grassroots.rules.idnumber import make_id_number

HEAD_ID_NUMBER = make_id_number("150426", date(1968, 3, 5), 11)


def _staff(username, role, area, system_actor, *, is_staff=True):
    user = services.create_account(actor=system_actor, username=username, password=PASSWORD, display_name=username,
                                   roles=[(role, area)])
    # No service grants staff status yet; the test sets it directly.
    User.objects.filter(pk=user.pk).update(is_staff=is_staff)
    user.refresh_from_db()
    return user


@pytest.fixture
def village_admin(region, system_actor):
    """Staff: system admin of 赛沁塔拉嘎查 only."""
    return _staff("villageadmin", "system_admin", region["赛沁塔拉嘎查"], system_actor)


@pytest.fixture
def township_staff(region, system_actor):
    """Staff: township cadre of 乌丹镇 (which holds 赛沁塔拉嘎查): reads, never writes."""
    return _staff("townshipstaff", "township_staff", region["乌丹镇"], system_actor)


@pytest.fixture
def as_village_admin(village_admin):
    return client_for(village_admin)


@pytest.fixture
def as_township_staff(township_staff):
    return client_for(township_staff)


def changelist(model):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/"


def change_url(obj):
    return f"{changelist(type(obj))}{obj.pk}/change/"


# --- who gets in -----------------------------------------------------------------------------------


def test_non_staff_are_sent_to_the_admin_login(as_county_admin, as_insider, households):
    for client in (as_county_admin, as_insider):
        response = client.get(changelist(Household))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_a_supervising_role_see_nothing(region, system_actor, households):
    secretary = _staff("staffsecretary", "village_secretary", region["赛沁塔拉嘎查"], system_actor)
    client = client_for(secretary)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert changelist(Household) not in index.content.decode()
    for model in (Area, Household, Person, User, RoleAssignment, AuditEntry, IdempotencyKey):
        assert client.get(changelist(model)).status_code == 403, model
    assert client.get(change_url(households["inside"])).status_code == 404


def test_index_lists_what_the_staff_member_may_see(as_village_admin, as_township_staff, households):
    village = as_village_admin.get("/admin/").content.decode()
    for model in (Area, Household, Person, User, RoleAssignment, AuditEntry):
        assert changelist(model) in village, model
    township = as_township_staff.get("/admin/").content.decode()
    assert changelist(Household) in township
    assert changelist(AuditEntry) not in township  # township staff lack audit.view
    assert changelist(User) not in township  # nor accounts.manage


# --- scoping -----------------------------------------------------------------------------------------


def test_changelist_shows_only_the_staff_members_village(as_village_admin, households):
    response = as_village_admin.get(changelist(Household))
    assert response.status_code == 200
    assert [h.number for h in response.context["cl"].result_list] == ["SQ-0001"]
    assert "GJ-0001" not in response.content.decode()


def test_search_does_not_reach_another_village(as_village_admin, households):
    response = as_village_admin.get(changelist(Household), {"q": "GJ"})
    assert list(response.context["cl"].result_list) == []
    response = as_village_admin.get(changelist(Person), {"q": "单国强"})
    assert list(response.context["cl"].result_list) == []


def test_another_villages_household_is_404_on_every_url(as_village_admin, households):
    outside = households["outside"]
    base = f"{changelist(Household)}{outside.pk}"
    for url in (f"{base}/change/", f"{base}/history/", f"{base}/delete/"):
        assert as_village_admin.get(url).status_code == 404, url
    assert as_village_admin.post(f"{base}/change/", {"number": "X"}).status_code == 404
    missing = as_village_admin.get(f"{changelist(Household)}999999/change/")
    assert missing.status_code == 404


@pytest.mark.parametrize("model, expected", [
    (Area, {"赛沁塔拉嘎查", "第1网格", "第2网格"}),
    (Person, {"乌云毕力格", "张秀兰"}),
])
def test_areas_and_people_are_scoped(as_village_admin, households, model, expected):
    response = as_village_admin.get(changelist(model))
    assert response.status_code == 200
    assert {str(o) for o in response.context["cl"].result_list} == expected


def test_accounts_and_roles_are_scoped(as_village_admin, insider, reader, outsider, village_admin):
    users = as_village_admin.get(changelist(User)).context["cl"].result_list
    assert {u.username for u in users} == {"insider", "reader", "villageadmin"}
    roles = as_village_admin.get(changelist(RoleAssignment)).context["cl"].result_list
    assert {r.user.username for r in roles} == {"insider", "reader", "villageadmin"}
    assert as_village_admin.get(change_url(outsider)).status_code == 404
    page = as_village_admin.get(change_url(insider)).content.decode()
    assert "pbkdf2" not in page and "password" not in page.lower().replace("password_change", "")


def test_audit_list_is_scoped_and_searchable(as_village_admin, households):
    response = as_village_admin.get(changelist(AuditEntry), {"q": "household.create"})
    assert response.status_code == 200
    entries = list(response.context["cl"].result_list)
    assert [e.data["number"] for e in entries] == ["SQ-0001"]
    filtered = as_village_admin.get(changelist(AuditEntry), {"action": "household.create"})
    assert [e.data["number"] for e in filtered.context["cl"].result_list] == ["SQ-0001"]
    outside = AuditEntry.objects.get(action="household.create", data__number="GJ-0001")
    assert as_village_admin.get(change_url(outside)).status_code == 404


def test_idempotency_keys_are_the_callers_own(as_village_admin, village_admin, insider, households):
    IdempotencyKey.objects.create(user=insider, key="k1", action="household.create", result={})
    own = IdempotencyKey.objects.create(user=village_admin, key="k2", action="household.create", result={})
    keys = as_village_admin.get(changelist(IdempotencyKey)).context["cl"].result_list
    assert [k.pk for k in keys] == [own.pk]


# --- the audit log cannot be changed --------------------------------------------------------------------


def test_audit_entries_cannot_be_added_changed_or_deleted(as_village_admin, households):
    entry = AuditEntry.objects.get(action="household.create", data__number="SQ-0001")
    assert as_village_admin.get(change_url(entry)).status_code == 200  # view only
    assert as_village_admin.post(change_url(entry), {"action": "x"}).status_code == 403
    assert as_village_admin.get(f"{changelist(AuditEntry)}{entry.pk}/delete/").status_code == 403
    assert as_village_admin.post(f"{changelist(AuditEntry)}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert as_village_admin.get(f"{changelist(AuditEntry)}add/").status_code == 403
    response = as_village_admin.post(changelist(AuditEntry), {"action": "delete_selected", "_selected_action": [entry.pk]})
    assert AuditEntry.objects.filter(pk=entry.pk, action="household.create").exists()
    assert response.status_code in (200, 302)


def test_nothing_can_be_deleted_in_the_admin(as_village_admin, households):
    inside = households["inside"]
    assert as_village_admin.get(f"{changelist(Household)}{inside.pk}/delete/").status_code == 403
    assert as_village_admin.post(f"{changelist(Household)}{inside.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Household.objects.filter(pk=inside.pk).exists()


# --- persons: masked ID numbers, never the sealed form -------------------------------------------------------


def test_person_pages_show_the_masked_id_number_only(as_village_admin, households):
    head = Person.objects.get(name="乌云毕力格")
    for url in (change_url(head), changelist(Person)):
        page = as_village_admin.get(url).content.decode()
        assert head.id_number_masked in page
        assert HEAD_ID_NUMBER not in page
        assert head.id_number_sealed not in page and head.id_number_digest not in page
        assert "id_number_sealed" not in page and "id_number_digest" not in page


def test_township_staff_view_people_read_only_with_masked_mobile(as_township_staff, households):
    head = Person.objects.get(name="乌云毕力格")
    response = as_township_staff.get(change_url(head))
    assert response.status_code == 200
    page = response.content.decode()
    assert "139****1234" in page and "13904761234" not in page
    assert "低保" in page  # township staff hold residents.view_sensitive
    assert as_township_staff.post(change_url(head), {"mobile": "13904760000"}).status_code == 403
    head.refresh_from_db()
    assert head.mobile == "13904761234"
    assert as_township_staff.get(f"{changelist(Household)}add/").status_code == 403


# --- writes go through the services ---------------------------------------------------------------------


def test_adding_a_household_goes_through_the_service(as_village_admin, village_admin, region, households):
    grid = region["赛沁塔拉嘎查2"]
    response = as_village_admin.post(f"{changelist(Household)}add/",
                                     {"grid": grid.pk, "number": "SQ-0100", "address": "二组1号"})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    household = Household.objects.get(number="SQ-0100")
    assert household.village == region["赛沁塔拉嘎查"] and household.path == grid.path
    entry = AuditEntry.objects.get(action="household.create", object_id=str(household.pk))
    assert entry.actor_id == village_admin.pk


def test_duplicate_household_number_is_a_form_error_and_writes_nothing(as_village_admin, region, households):
    before, audit = Household.objects.count(), AuditEntry.objects.count()
    response = as_village_admin.post(f"{changelist(Household)}add/",
                                     {"grid": region["赛沁塔拉嘎查2"].pk, "number": "SQ-0001", "address": "x"})
    assert response.status_code == 200
    assert "number" in response.context["adminform"].form.errors
    assert Household.objects.count() == before and AuditEntry.objects.count() == audit


def test_cannot_add_a_household_to_another_villages_grid(as_village_admin, region, households):
    response = as_village_admin.post(f"{changelist(Household)}add/",
                                     {"grid": region["官井子村2"].pk, "number": "X-1", "address": "x"})
    assert response.status_code == 200
    assert "grid" in response.context["adminform"].form.errors
    assert not Household.objects.filter(number="X-1").exists()


def test_households_are_read_only_once_created(as_village_admin, households):
    inside = households["inside"]
    assert as_village_admin.get(change_url(inside)).status_code == 200
    assert as_village_admin.post(change_url(inside), {"number": "SQ-9", "address": "x"}).status_code == 403
    inside.refresh_from_db()
    assert inside.number == "SQ-0001"


def test_adding_a_person_goes_through_the_service(as_village_admin, households):
    data = {"household": households["inside"].pk, "name": "乌云其其格", "relation": "child",
            "id_number": make_id_number("150426", date(1995, 6, 1), 22), "gender": "", "birth_date": "",
            "ethnicity": "蒙古族", "mobile": "", "party_status": "", "tags": [], "mongolian_name": "on"}
    response = as_village_admin.post(f"{changelist(Person)}add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    person = Person.objects.get(name="乌云其其格")
    assert person.gender == "F" and person.id_number_masked and person.id_number_digest
    assert AuditEntry.objects.filter(action="person.create", object_id=str(person.pk)).count() == 1


def test_bad_id_number_in_admin_is_a_form_error(as_village_admin, households):
    before = Person.objects.count()
    data = {"household": households["inside"].pk, "name": "冒名", "relation": "child",
            "id_number": HEAD_ID_NUMBER, "gender": "", "ethnicity": "", "mobile": "", "party_status": ""}
    response = as_village_admin.post(f"{changelist(Person)}add/", data)
    assert response.status_code == 200
    assert "id_number" in response.context["adminform"].form.errors
    assert Person.objects.count() == before


def test_changing_a_person_goes_through_the_service(as_village_admin, households):
    head = Person.objects.get(name="乌云毕力格")
    page = as_village_admin.get(change_url(head)).content.decode()
    assert "13904761234" in page  # an editor sees the full number
    tags = list(Tag.objects.filter(code__in=["herder", "subsistence"]).values_list("pk", flat=True))
    response = as_village_admin.post(change_url(head), {"mobile": "13904760000", "party_status": "full",
                                                        "is_mobile_member": "on", "tags": tags})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    head.refresh_from_db()
    assert head.mobile == "13904760000" and head.is_mobile_member
    entry = AuditEntry.objects.get(action="person.update", object_id=str(head.pk))
    assert set(entry.data) == {"mobile", "is_mobile_member"}


def test_bad_mobile_in_admin_is_a_form_error(as_village_admin, households):
    head = Person.objects.get(name="乌云毕力格")
    tags = list(head.tags.values_list("pk", flat=True))
    response = as_village_admin.post(change_url(head), {"mobile": "12345678901", "party_status": "full",
                                                        "tags": tags})
    assert response.status_code == 200
    assert "mobile" in response.context["adminform"].form.errors
    head.refresh_from_db()
    assert head.mobile == "13904761234"
    assert not AuditEntry.objects.filter(action="person.update").exists()


def test_adding_a_grid_goes_through_the_service(as_village_admin, region):
    response = as_village_admin.post(f"{changelist(Area)}add/",
                                     {"parent": region["赛沁塔拉嘎查"].pk, "name": "第3网格", "number": 3})
    assert response.status_code == 302
    grid = Area.objects.get(code="150426100223003")
    assert grid.path == region["赛沁塔拉嘎查"].path + "150426100223003/"
    assert AuditEntry.objects.filter(action="areas.create_grid", object_id=str(grid.pk)).exists()
    again = as_village_admin.post(f"{changelist(Area)}add/",
                                  {"parent": region["赛沁塔拉嘎查"].pk, "name": "重复", "number": 3})
    assert again.status_code == 200 and "number" in again.context["adminform"].form.errors


# --- accounts -------------------------------------------------------------------------------------------


def test_creating_an_account_goes_through_the_service(as_village_admin, region):
    response = as_village_admin.post(f"{changelist(User)}add/", {
        "username": "newworker", "display_name": "新网格员", "mobile": "13904769999",
        "password1": "Worker#2026x", "password2": "Worker#2026x",
        "role": "grid_worker", "area": region["赛沁塔拉嘎查2"].pk})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    user = User.objects.get(username="newworker")
    assert user.check_password("Worker#2026x") and not user.is_staff
    assert list(user.assignments.values_list("role", "area__code")) == [("grid_worker", "150426100223002")]
    assert AuditEntry.objects.filter(action="account.create", object_id=str(user.pk)).exists()


def test_account_in_another_village_cannot_be_created(as_village_admin, region):
    response = as_village_admin.post(f"{changelist(User)}add/", {
        "username": "sneaky", "display_name": "x", "mobile": "", "password1": "Worker#2026x",
        "password2": "Worker#2026x", "role": "village_secretary", "area": region["官井子村"].pk})
    assert response.status_code == 200 and "area" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="sneaky").exists()


def test_weak_password_is_a_form_error(as_village_admin, region):
    response = as_village_admin.post(f"{changelist(User)}add/", {
        "username": "weak", "display_name": "x", "mobile": "", "password1": "12345678", "password2": "12345678",
        "role": "grid_worker", "area": region["赛沁塔拉嘎查2"].pk})
    assert response.status_code == 200 and "password1" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="weak").exists()


def test_roles_beyond_the_granters_own_are_refused(region, system_actor, reader, households):
    # A township cadre who may also manage accounts still cannot hand out audit.view there.
    manager = _staff("townshipmanager", "township_staff", region["乌丹镇"], system_actor)
    RoleAssignment.objects.create(user=manager, role="village_secretary", area=region["赛沁塔拉嘎查"])
    client = client_for(manager)
    response = client.post(f"{changelist(RoleAssignment)}add/",
                           {"user": reader.pk, "role": "system_admin", "area": region["赛沁塔拉嘎查"].pk})
    assert response.status_code == 200 and "role" in response.context["adminform"].form.errors
    assert not reader.assignments.filter(role="system_admin").exists()
    ok = client.post(f"{changelist(RoleAssignment)}add/",
                     {"user": reader.pk, "role": "grid_worker", "area": region["赛沁塔拉嘎查1"].pk})
    assert ok.status_code == 302
    assert AuditEntry.objects.filter(action="account.assign_role", object_id=str(reader.pk)).exists()


def test_role_assignments_are_read_only_once_made(as_village_admin, insider):
    assignment = insider.assignments.get()
    assert as_village_admin.get(change_url(assignment)).status_code == 200
    assert as_village_admin.post(change_url(assignment), {"role": "system_admin"}).status_code == 403
    assert as_village_admin.get(f"{changelist(RoleAssignment)}{assignment.pk}/delete/").status_code == 403
    assignment.refresh_from_db()
    assert assignment.role == "grid_worker"


@pytest.mark.parametrize("model", [Area, Household, Person, User, RoleAssignment])
def test_add_forms_render_with_scoped_choices(as_village_admin, households, model):
    response = as_village_admin.get(f"{changelist(model)}add/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "官井子村" not in page and "GJ-0001" not in page
    assert "id_number_sealed" not in page


def test_every_registered_page_renders(as_village_admin, households, insider):
    head = Person.objects.get(name="乌云毕力格")
    entry = AuditEntry.objects.filter(area_path__startswith=households["inside"].path).first()
    for url in [changelist(m) for m in (Area, Household, Person, User, RoleAssignment, AuditEntry, IdempotencyKey)] + [
        change_url(households["inside"]), change_url(head), change_url(insider), change_url(entry),
        change_url(households["inside"].grid), change_url(insider.assignments.get()),
        "/admin/areas/tag/",
    ]:
        assert as_village_admin.get(url).status_code == 200, url


def test_autocomplete_offers_only_the_callers_households(as_village_admin, households):
    response = as_village_admin.get("/admin/autocomplete/", {
        "app_label": "areas", "model_name": "person", "field_name": "household", "term": ""})
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["SQ-0001"]
    response = as_village_admin.get("/admin/autocomplete/", {
        "app_label": "areas", "model_name": "household", "field_name": "grid", "term": ""})
    assert {r["text"] for r in response.json()["results"]} == {"第1网格", "第2网格"}
