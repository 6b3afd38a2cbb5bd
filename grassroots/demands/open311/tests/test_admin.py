"""Open311 API keys in the back office (issue #18 item 3): issued in the admin and shown once, revoked by an
admin action (refused on the very next request), both audited through open311.services, only by those who
configure demands, only in their own areas."""

from __future__ import annotations

import re

import pytest

from grassroots.access.models import User
from grassroots.audit.models import AuditEntry
from grassroots.core.testing import client_for, make_account
from grassroots.demands.open311 import services
from grassroots.demands.open311.models import Open311Client
from grassroots.demands.open311.tests.test_open311 import filing, post

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/open311/open311client/"
ADD = f"{CHANGELIST}add/"
KEY = re.compile(r'<code id="open311-key"[^>]*>([^<]+)</code>')


def staff(user):
    User.objects.filter(pk=user.pk).update(is_staff=True)
    return client_for(User.objects.get(pk=user.pk))


@pytest.fixture
def admin_client(county_admin):
    return staff(county_admin)


def issue(admin_client, area, name="翁牛特旗12345热线"):
    response = admin_client.post(ADD, {"name": name, "area": area.pk})
    assert response.status_code == 200, response.content.decode()[:2000]
    match = KEY.search(response.content.decode())
    assert match, response.content.decode()[:2000]
    return response, match.group(1)


def test_a_key_is_issued_in_the_admin_and_shown_once(admin_client, county_admin, region, catalogue, client):
    assert admin_client.get(ADD).status_code == 200
    response, key = issue(admin_client, region["翁牛特旗"])
    assert "no-store" in response["Cache-Control"]
    opened = Open311Client.objects.get()
    assert opened.name == "翁牛特旗12345热线" and opened.area == region["翁牛特旗"] and opened.is_active
    assert services.authenticate(key) == opened and opened.key_prefix == key[:8]
    assert key not in opened.key_digest  # only the digest is kept
    entry = AuditEntry.objects.get(action="open311.client.create", object_id=str(opened.pk))
    assert entry.actor_id == county_admin.pk and key not in str(entry.data)
    # Never again: not on the list, not on the client's page, not in the admin's log.
    for url in (CHANGELIST, f"{CHANGELIST}{opened.pk}/change/", "/admin/"):
        page = admin_client.get(url)
        assert page.status_code == 200 and key not in page.content.decode()
        assert opened.key_prefix in page.content.decode() or url == "/admin/"
    # The key works.
    assert post(client, filing(key)).status_code == 201


def test_a_bad_issue_form_shows_its_errors_and_makes_no_key(admin_client, region):
    response = admin_client.post(ADD, {"name": "  ", "area": region["翁牛特旗"].pk})
    assert response.status_code == 200 and not KEY.search(response.content.decode())
    assert Open311Client.objects.count() == 0


def test_a_key_revoked_in_the_admin_is_refused_on_its_next_request(admin_client, county_admin, region, catalogue,
                                                                    client):
    _, key = issue(admin_client, region["翁牛特旗"])
    _, other_key = issue(admin_client, region["赛沁塔拉嘎查"], name="赛沁塔拉嘎查便民服务站")
    assert post(client, filing(key)).status_code == 201
    revoked = Open311Client.objects.get(name="翁牛特旗12345热线")
    response = admin_client.post(CHANGELIST, {"action": "revoke", "_selected_action": [revoked.pk]})
    assert response.status_code == 302
    revoked.refresh_from_db()
    assert not revoked.is_active
    refused = post(client, filing(key))
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403
    assert client.get("/open311/v2/requests.json", {"api_key": key}).status_code == 403
    assert post(client, filing(other_key)).status_code == 201  # the other key is untouched
    entry = AuditEntry.objects.get(action="open311.client.deactivate", object_id=str(revoked.pk))
    assert entry.actor_id == county_admin.pk
    # Revoking again records nothing more; the management command still sees it as revoked.
    admin_client.post(CHANGELIST, {"action": "revoke", "_selected_action": [revoked.pk]})
    assert AuditEntry.objects.filter(action="open311.client.deactivate").count() == 1


def test_only_those_who_configure_demands_manage_keys(region, system_actor, as_insider):
    township = staff(make_account("wd-admin", "township_staff", region["乌丹镇"], system_actor))
    assert township.get(ADD).status_code == 403
    assert township.get(CHANGELIST).status_code == 403
    assert township.post(ADD, {"name": "x", "area": region["赛沁塔拉嘎查"].pk}).status_code == 403
    assert as_insider.get(ADD).status_code == 302  # not staff: to the log-in
    assert Open311Client.objects.count() == 0


def test_a_key_cannot_be_issued_or_revoked_beyond_ones_areas(region, system_actor):
    """County staff of another banner see neither the keys nor the areas of this one."""
    services.create_client(actor=system_actor, name="翁牛特旗12345热线", area=region["翁牛特旗"])
    village_admin = staff(make_account("gjz-admin", "county_staff", region["官井子村"], system_actor))
    page = village_admin.get(CHANGELIST)
    assert page.status_code == 200 and "翁牛特旗12345热线" not in page.content.decode()
    theirs = Open311Client.objects.get()
    village_admin.post(CHANGELIST, {"action": "revoke", "_selected_action": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.is_active
    refused = village_admin.post(ADD, {"name": "越界", "area": region["赛沁塔拉嘎查"].pk})
    assert refused.status_code == 200 and not KEY.search(refused.content.decode())
    assert Open311Client.objects.count() == 1
