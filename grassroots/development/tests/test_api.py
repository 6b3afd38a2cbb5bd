"""The API under /api/party: lists as of a day, one person's steps, creates with Idempotency-Key, the rule's reason
on a refused step, scoping on every route."""

import json
from datetime import date

import pytest

from grassroots.development.models import Development, Step
from grassroots.development.testing import develop
from grassroots.members.models import Member
from grassroots.rules.development import RULE_TRAINING

pytestmark = pytest.mark.django_db
API = "/api/party"


@pytest.fixture
def people(party_world, system_actor):
    return {
        "activist": develop(actor=system_actor, organisation=party_world.saiqin, name="其其格",
                            applied_on=date(2024, 1, 10), steps={"activist": date(2025, 3, 10)}),
        "candidate": develop(actor=system_actor, organisation=party_world.saiqin, name="宝音",
                             applied_on=date(2023, 1, 2),
                             steps={"activist": date(2023, 3, 1), "candidate": date(2024, 3, 1)}),
        "theirs": develop(actor=system_actor, organisation=party_world.guanjing, name="王磊",
                          applied_on=date(2026, 10, 1)),
    }


def post(client, path, body, key="k-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def test_the_list_answers_the_stage_on_a_day_paged(as_secretary, people):
    body = as_secretary.get(f"{API}/developments/?day=2025-01-01").json()
    assert {(i["name"], i["stage"]) for i in body["items"]} == {("其其格", "applicant"), ("宝音", "candidate")}
    body = as_secretary.get(f"{API}/developments/?stage=activist").json()
    assert [i["name"] for i in body["items"]] == ["其其格"]
    assert body["items"][0]["next"]["earliest"] == "2026-03-10"
    first = as_secretary.get(f"{API}/developments/?limit=1").json()
    assert len(first["items"]) == 1 and first["next_cursor"] and first["items"][0]["day"]
    rest = as_secretary.get(f"{API}/developments/", {"limit": 1, "cursor": first["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["items"][0]["id"] != first["items"][0]["id"]
    assert as_secretary.get(f"{API}/developments/?stage=nothing").status_code == 422


def test_one_development_with_its_steps(as_secretary, people):
    body = as_secretary.get(f"{API}/developments/{people['candidate'].pk}/").json()
    assert [s["stage"] for s in body["steps"]] == ["applicant", "activist", "candidate"]
    assert body["steps"][1]["decided_by"] == "支部委员会" and body["next"]["stage"] == "probationary"


def test_registering_and_recording_a_step_happen_once_per_key(as_secretary, party_world, people):
    body = {"organisation_id": party_world.saiqin.pk, "applied_on": "2026-11-02", "name": "阿拉坦", "gender": "M",
            "birth_date": "1999-01-01"}
    first = post(as_secretary, f"{API}/developments/", body)
    again = post(as_secretary, f"{API}/developments/", body)
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Development.objects.filter(name="阿拉坦").count() == 1
    assert post(as_secretary, f"{API}/developments/", body, key=None).status_code == 422
    d = people["candidate"]
    step = {"stage": "probationary", "decided_on": "2025-07-01", "decided_by": "中共乌丹镇委员会"}
    first = post(as_secretary, f"{API}/developments/{d.pk}/steps/", step, key="s-1")
    again = post(as_secretary, f"{API}/developments/{d.pk}/steps/", step, key="s-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["stage"] == "probationary" and first.json()["member_id"] is not None
    assert Member.objects.filter(name="宝音").count() == 1


def test_an_early_step_is_refused_with_the_rule_and_nothing_written(as_secretary, people):
    d = people["activist"]
    response = post(as_secretary, f"{API}/developments/{d.pk}/steps/",
                    {"stage": "candidate", "decided_on": "2026-03-09", "decided_by": "支部委员会"})
    assert response.status_code == 422
    assert RULE_TRAINING in response.json()["errors"]["decided_on"][0]
    assert Step.objects.filter(development=d).count() == 2


def test_the_reserve_register_as_of_a_day(as_secretary, people):
    body = as_secretary.get(f"{API}/reserve/?day=2025-01-01").json()
    assert [(i["name"], i["stage"]) for i in body["items"]] == [("宝音", "candidate")]
    body = as_secretary.get(f"{API}/reserve/?area_code=150426100223&day=2026-01-01").json()
    assert {i["name"] for i in body["items"]} == {"其其格", "宝音"}


def test_scoping_on_every_route(as_reader, as_outsider, as_insider, client, people, party_world):
    d = people["activist"]
    step = {"stage": "candidate", "decided_on": "2026-03-10", "decided_by": "支部委员会"}
    new = {"organisation_id": party_world.saiqin.pk, "applied_on": "2026-11-02", "name": "阿拉坦", "gender": "M",
           "birth_date": "1999-01-01"}
    # A reader looks, and may not write.
    assert as_reader.get(f"{API}/developments/{d.pk}/").status_code == 200
    assert post(as_reader, f"{API}/developments/{d.pk}/steps/", step).status_code == 403
    assert post(as_reader, f"{API}/developments/", new).status_code == 403
    # An outsider finds nothing of 赛沁塔拉嘎查's.
    assert as_outsider.get(f"{API}/developments/{d.pk}/").status_code == 404
    assert post(as_outsider, f"{API}/developments/{d.pk}/steps/", step).status_code == 404
    assert post(as_outsider, f"{API}/developments/", new).status_code == 404
    assert as_outsider.get(f"{API}/developments/?organisation_id={party_world.saiqin.pk}").status_code == 404
    assert as_outsider.get(f"{API}/reserve/?area_code=150426100223").status_code == 404
    assert [i["name"] for i in as_outsider.get(f"{API}/developments/").json()["items"]] == ["王磊"]
    # A grid worker never sees the pipeline; nor does anyone anonymous.
    for path in (f"{API}/developments/", f"{API}/developments/{d.pk}/", f"{API}/reserve/"):
        assert as_insider.get(path).status_code == 404, path
        assert client.get(path).status_code == 401, path
    assert post(as_insider, f"{API}/developments/{d.pk}/steps/", step).status_code == 404
    assert Step.objects.filter(development=d).count() == 2 and not Development.objects.filter(name="阿拉坦").exists()


def test_the_list_makes_a_constant_number_of_queries(as_secretary, people, party_world, system_actor,
                                                     django_assert_max_num_queries):
    as_secretary.get(f"{API}/developments/")
    with django_assert_max_num_queries(20) as few:
        as_secretary.get(f"{API}/developments/")
    for n in range(6):
        develop(actor=system_actor, organisation=party_world.saiqin, name=f"申请人{n}", applied_on=date(2025, 1, 1),
                steps={"activist": date(2025, 2, 1)})
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = as_secretary.get(f"{API}/developments/").json()
    assert len(body["items"]) == 8


def test_a_step_out_of_order_is_a_conflict(as_secretary, people):
    d = people["activist"]
    skipped = post(as_secretary, f"{API}/developments/{d.pk}/steps/",
                   {"stage": "probationary", "decided_on": "2026-04-01", "decided_by": "中共乌丹镇委员会"}, key="s-x")
    assert skipped.status_code == 409 and skipped.json()["code"] == "conflict"
    assert "下一步应为发展对象" in skipped.json()["detail"] and "decided_on" in skipped.json()["errors"]
    back = post(as_secretary, f"{API}/developments/{d.pk}/steps/",
                {"stage": "activist", "decided_on": "2026-04-01", "decided_by": "支部委员会"}, key="s-y")
    assert back.status_code == 409
    assert Step.objects.filter(development=d).count() == 2


def test_the_talk_is_recorded_once(as_secretary, as_reader, as_outsider, people):
    d = people["activist"]
    url = f"{API}/developments/{d.pk}/talk/"
    body = {"talked_on": "2024-01-20", "talked_by": "乌云毕力格"}
    assert post(as_reader, url, body).json()["code"] == "forbidden"
    assert post(as_outsider, url, body).json()["code"] == "not_found"
    early = post(as_secretary, url, {**body, "talked_on": "2024-01-01"}, key="t0")
    assert early.status_code == 422 and "talked_on" in early.json()["errors"]
    first = post(as_secretary, url, body, key="t1")
    again = post(as_secretary, url, body, key="t1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["talked_on"] == "2024-01-20"
    twice = post(as_secretary, url, body, key="t2")
    assert twice.status_code == 409 and "已于 2024-01-20 谈话" in twice.json()["detail"]


def test_probation_is_extended_once_and_only_for_the_probationary(as_secretary, as_reader, as_outsider, people,
                                                                  system_actor, party_world):
    probationary = develop(actor=system_actor, organisation=party_world.saiqin, name="萨仁", applied_on=date(2022, 1, 1),
                           steps={"activist": date(2022, 3, 1), "candidate": date(2023, 3, 1),
                                  "probationary": date(2024, 3, 1)})
    url = f"{API}/developments/{probationary.pk}/extend/"
    body = {"months": 6, "decided_on": "2025-03-01", "decided_by": "支部党员大会"}
    assert post(as_reader, url, body).status_code == 403
    assert post(as_outsider, url, body).status_code == 404
    assert post(as_secretary, url, {**body, "months": 3}).status_code == 422
    first = post(as_secretary, url, body, key="e1")
    assert first.status_code == 200, first.content
    assert first.json()["extension_months"] == 6
    assert post(as_secretary, url, body, key="e1").json() == first.json()
    assert post(as_secretary, url, body, key="e2").status_code == 409
    not_yet = post(as_secretary, f"{API}/developments/{people['activist'].pk}/extend/", body, key="e3")
    assert not_yet.status_code == 409 and "只有预备党员" in not_yet.json()["detail"]


def test_stopping_a_development(as_secretary, as_reader, as_outsider, people):
    d = people["activist"]
    url = f"{API}/developments/{d.pk}/stop/"
    body = {"decided_on": "2026-04-01", "decided_by": "支部委员会", "reason": "本人申请撤回"}
    assert post(as_reader, url, body).status_code == 403
    assert post(as_outsider, url, body).status_code == 404
    assert post(as_secretary, url, {**body, "reason": ""}).status_code == 422
    first = post(as_secretary, url, body, key="x1")
    assert first.status_code == 200 and first.json()["stage"] == "stopped"
    assert post(as_secretary, url, body, key="x1").json() == first.json()
    again = post(as_secretary, url, body, key="x2")
    assert again.status_code == 409 and "终止培养" in again.json()["detail"]


def test_a_422_names_the_requests_field_not_the_services(as_org_staff, party_world, homes):
    """register refuses a person who does not live in the organisation's area naming its argument ``person``; the
    answer names the request's ``person_id`` (api_errors' ``fields``)."""
    resident = homes["SQ-0002"].members.get()
    body = {"organisation_id": party_world.guanjing.pk, "applied_on": "2026-11-02", "person_id": resident.pk}
    refused = post(as_org_staff, f"{API}/developments/", body, key="k-field")
    assert refused.status_code == 422, refused.content
    assert list(refused.json()["errors"]) == ["person_id"]
    assert not Development.objects.filter(person=resident).exists()
