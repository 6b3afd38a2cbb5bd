from grassroots.access.services import create_account
from grassroots.audit.models import AuditEntry
from grassroots.core.testing import PASSWORD, client_for


def test_county_admin_searches_the_audit_log(as_county_admin, households):
    body = as_county_admin.get("/audit/?action=household.create").content.decode()
    assert "household.create" in body and "SQ-0001" not in body  # object ids, not household numbers
    assert AuditEntry.objects.filter(action="household.create").count() == 2


def test_audit_search_by_actor_and_date(as_county_admin, households):
    assert "共 0 条" in as_county_admin.get("/audit/?since=2000-01-01&until=2000-01-02").content.decode()
    assert "account.create" in as_county_admin.get("/audit/?q=test").content.decode()


def test_audit_log_is_scoped_to_the_admins_area(region, households, system_actor):
    village_admin = create_account(actor=system_actor, username="gjadmin", password=PASSWORD,
                                   roles=[("system_admin", region["官井子村"])])
    body = client_for(village_admin).get("/audit/?action=household.create").content.decode()
    assert "共 1 条" in body


def test_others_may_not_read_the_audit_log(as_insider, as_reader, households):
    assert as_insider.get("/audit/").status_code == 403
    assert as_reader.get("/audit/").status_code == 403
