"""最强党支部: the department publishes the checklist, a branch submits evidence with a photo (kept privately and
served only through a view that checks access), the department accepts or returns it, and a branch with every
item accepted shows as the year's 最强党支部."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grassroots.demands.testing import jpeg_bytes
from grassroots.party.models import ModelBranchEvidence, ModelBranchItem
from grassroots.party.services import publish_model_items

pytestmark = pytest.mark.django_db
YEAR = 2026


@pytest.fixture
def items(party_world, system_actor):
    return publish_model_items(actor=system_actor, year=YEAR)


def submit(client, org, item, note="召开支部党员大会", photo=None):
    data = {f"i{item.pk}-note": note}
    if photo:
        data[f"i{item.pk}-photo"] = SimpleUploadedFile("p.jpg", photo, content_type="image/jpeg")
    return client.post(reverse("party-evidence-submit", args=[org.pk, item.pk]), data)


def test_publishing_is_the_departments(party_world, as_org_staff, as_secretary, as_insider):
    target = reverse("party-model-branch-publish", args=[YEAR])
    assert as_secretary.post(target, {"texts": "一\n二"}).status_code == 403
    assert as_insider.post(target, {"texts": "一\n二"}).status_code == 404
    assert not ModelBranchItem.objects.exists()
    assert as_org_staff.post(target, {"texts": "三会一课\n阵地建设\n"}).status_code == 302
    assert list(ModelBranchItem.objects.values_list("number", "text")) == [(1, "三会一课"), (2, "阵地建设")]
    page = as_secretary.get(reverse("party-model-branch"), {"year": YEAR}).content.decode()
    assert "阵地建设" in page and "中共赛沁塔拉嘎查支部委员会" in page and "官井子村" not in page


def test_evidence_with_a_photo_is_private_and_scoped(party_world, items, as_secretary, as_reader, as_outsider,
                                                     as_insider, as_township_staff):
    w = party_world
    assert submit(as_reader, w.saiqin, items[0]).status_code == 403
    assert submit(as_outsider, w.saiqin, items[0]).status_code == 404
    assert submit(as_insider, w.saiqin, items[0]).status_code == 404
    assert not ModelBranchEvidence.objects.exists()
    assert submit(as_secretary, w.saiqin, items[0], photo=jpeg_bytes()).status_code == 302
    evidence = ModelBranchEvidence.objects.get()
    stored = Path(evidence.photo.path)
    assert stored.is_relative_to(settings.PRIVATE_UPLOAD_ROOT) and not stored.is_relative_to(settings.MEDIA_ROOT)
    photo = reverse("party-evidence-photo", args=[evidence.pk])
    response = as_secretary.get(photo)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert as_township_staff.get(photo).status_code == 200
    assert as_outsider.get(photo).status_code == 404
    assert as_insider.get(photo).status_code == 404
    page = as_reader.get(reverse("party-evidence", args=[w.saiqin.pk]), {"year": YEAR}).content.decode()
    assert "召开支部党员大会" in page and photo in page and "提交佐证" not in page
    assert as_outsider.get(reverse("party-evidence", args=[w.saiqin.pk])).status_code == 404


def test_a_bad_photo_is_refused_and_nothing_is_written(party_world, items, as_secretary):
    response = as_secretary.post(reverse("party-evidence-submit", args=[party_world.saiqin.pk, items[0].pk]),
                                 {f"i{items[0].pk}-note": "x",
                                  f"i{items[0].pk}-photo": SimpleUploadedFile("p.jpg", b"not an image")})
    assert response.status_code == 400 and "照片" in response.content.decode()
    assert not ModelBranchEvidence.objects.exists()


def test_the_department_decides_and_all_accepted_is_the_model_branch(party_world, items, as_secretary,
                                                                    as_org_staff, as_township_staff):
    w = party_world
    for item in items:
        assert submit(as_secretary, w.saiqin, item, note=f"做法{item.number}").status_code == 302
    evidence = list(ModelBranchEvidence.objects.order_by("item__number"))
    decide = [reverse("party-evidence-decide", args=[e.pk]) for e in evidence]
    assert as_secretary.post(decide[0], {"verdict": "accepted"}).status_code == 403
    assert as_township_staff.post(decide[0], {"verdict": "accepted"}).status_code == 403
    as_org_staff.post(decide[0], {"verdict": "returned", "note": ""})
    assert ModelBranchEvidence.objects.get(pk=evidence[0].pk).verdict == "pending"  # a return needs a note
    for target in decide:
        as_org_staff.post(target, {"verdict": "accepted"})
    assert set(ModelBranchEvidence.objects.values_list("verdict", flat=True)) == {"accepted"}
    page = as_secretary.get(reverse("party-organisation", args=[w.saiqin.pk]), {"day": f"{YEAR}-12-01"}).content.decode()
    assert "最强党支部</span>" in page and f"{len(items)}/{len(items)}" in page
    home = as_secretary.get(reverse("party-home"), {"day": f"{YEAR}-12-01"}).content.decode()
    assert f"{YEAR}最强党支部" in home
