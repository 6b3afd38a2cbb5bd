"""One organisation's page and the organisation department's forms: create (once per form key), edit, move,
dissolve; scoped like everything else (looker 403 on a write, outsider and grid worker 404)."""

from datetime import date

import pytest
from django.urls import reverse

from grassroots.party.models import Organisation
from grassroots.party.services import open_rectification, publish_model_items, submit_evidence

pytestmark = pytest.mark.django_db


def url(name, org):
    return reverse(name, args=[org.pk])


def test_the_page_shows_details_children_and_is_scoped(party_world, as_secretary, as_reader, as_outsider,
                                                        as_insider, as_unit_secretary, as_township_staff):
    w = party_world
    page = as_secretary.get(url("party-organisation", w.saiqin)).content.decode()
    assert "T-SQ" in page and "赛沁塔拉嘎查第1网格党小组" in page and "中共乌丹镇委员会" in page
    assert "调整隶属关系" not in page  # a secretary does not shape the tree
    assert as_reader.get(url("party-organisation", w.saiqin)).status_code == 200
    assert as_township_staff.get(url("party-organisation", w.saiqin)).status_code == 200
    for client in (as_outsider, as_insider, as_unit_secretary):
        assert client.get(url("party-organisation", w.saiqin)).status_code == 404


def test_org_staff_create_an_organisation_once_per_form(party_world, as_org_staff):
    w = party_world
    form = {"name": "赛沁塔拉嘎查第2网格党小组", "code": "T-SQ2", "kind": "group", "host": "area", "host_name": "",
            "area": "", "founded_on": "2026-07-01", "idempotency_key": "k-create-1"}
    target = reverse("party-organisation-new") + f"?parent={w.saiqin.pk}"
    first = as_org_staff.post(target, form)
    again = as_org_staff.post(target, form)
    made = Organisation.objects.get(code="T-SQ2")
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert made.parent == w.saiqin and made.path == f"{w.saiqin.path}o{made.pk}/"
    assert Organisation.objects.filter(name=form["name"]).count() == 1
    bad = as_org_staff.post(target, {**form, "kind": "committee", "code": "T-X", "idempotency_key": "k-2"})
    assert bad.status_code == 400 and "党委不能设在党支部" in bad.content.decode()


def test_writes_are_refused_to_lookers_and_strangers(party_world, as_secretary, as_township_staff, as_outsider,
                                                     as_insider):
    w = party_world
    for name in ("party-organisation-edit", "party-organisation-move", "party-organisation-dissolve",
                 "party-rectification-open"):
        assert as_secretary.get(url(name, w.saiqin)).status_code == 403
        assert as_township_staff.post(url(name, w.saiqin), {}).status_code == 403
        assert as_outsider.get(url(name, w.saiqin)).status_code == 404
        assert as_insider.get(url(name, w.saiqin)).status_code == 404
    assert as_secretary.get(reverse("party-organisation-new")).status_code == 403
    assert as_insider.get(reverse("party-organisation-new")).status_code == 404
    assert Organisation.objects.get(pk=w.saiqin.pk).name == "中共赛沁塔拉嘎查支部委员会"


def test_edit_move_and_dissolve(party_world, as_org_staff, as_guangde_secretary):
    w = party_world
    response = as_org_staff.post(url("party-organisation-edit", w.saiqin_group),
                                 {"name": "赛沁塔拉嘎查第一网格党小组", "code": "T-SQ1", "host_name": ""})
    assert response.status_code == 302
    assert Organisation.objects.get(pk=w.saiqin_group.pk).name == "赛沁塔拉嘎查第一网格党小组"

    page = as_org_staff.get(url("party-organisation-move", w.saiqin)).content.decode()
    assert "中共广德公镇委员会" in page and "赛沁塔拉嘎查第1网格党小组" not in page  # no cycle offered
    assert as_guangde_secretary.get(url("party-organisation", w.saiqin_group)).status_code == 404
    assert as_org_staff.post(url("party-organisation-move", w.saiqin), {"parent": w.guangde.pk}).status_code == 302
    assert as_guangde_secretary.get(url("party-organisation", w.saiqin_group)).status_code == 200

    refused = as_org_staff.post(url("party-organisation-dissolve", w.saiqin), {"dissolved_on": "2026-12-01"})
    assert refused.status_code == 400 and "乌云毕力格" in refused.content.decode()
    done = as_org_staff.post(url("party-organisation-dissolve", w.saiqin_group), {"dissolved_on": "2026-12-01"})
    assert done.status_code == 302
    group = Organisation.objects.get(pk=w.saiqin_group.pk)
    assert group.status == "dissolved" and group.dissolved_on == date(2026, 12, 1)


def test_every_page_is_404_to_a_grid_worker_and_a_cashier(party_world, system_actor, as_insider, as_cashier):
    w = party_world
    r = open_rectification(actor=system_actor, organisation=w.saiqin, identified_on=date(2026, 3, 1), reasons="x")
    [item] = publish_model_items(actor=system_actor, year=2026, texts=["三会一课"])
    e = submit_evidence(actor=system_actor, organisation=w.saiqin, item=item, note="x")
    pages = [reverse("party-home"), reverse("party-rectifications"), reverse("party-model-branch"),
             reverse("party-organisations-xlsx"), reverse("party-organisations-import"),
             reverse("party-organisations-template"), reverse("party-organisation-new"),
             *(url(name, w.saiqin) for name in ("party-organisation", "party-organisation-edit",
                                                "party-organisation-move", "party-organisation-dissolve",
                                                "party-rectification-open", "party-evidence")),
             reverse("party-rectification-complete", args=[r.pk]), reverse("party-evidence-photo", args=[e.pk])]
    for client in (as_insider, as_cashier):
        for page in pages:
            assert client.get(page).status_code == 404, page
        assert client.post(reverse("party-evidence-decide", args=[e.pk]), {"verdict": "accepted"}).status_code == 404
