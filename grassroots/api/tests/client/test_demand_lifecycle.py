"""A client of the API, as a county's app would be: it signs in with a username and password
(``POST /api/auth/tokens/``), keeps the token, and drives a demand's whole life through /api/demands/ alone —
intake by a grid worker, dispatch by the village secretary, the bureau's staff accepting, reporting progress and
resolving it, a callback where the resident is dissatisfied (it reopens), resolved again, and the resident's own
rating on the board's public route (with the tracking code, no account) closing it; and a micro-wish claimed and
fulfilled. It asserts only on what the API answers.

The accounts are the fixtures' (grassroots/conftest.py): made through the service with the test password; the
client knows nothing else of the server."""

import uuid

import pytest
from django.test import Client

from grassroots.core.testing import PASSWORD

BASE = "/api/demands/"


class AppClient:
    """What a client app holds: a signed-in token, and a fresh Idempotency-Key per new submission."""

    def __init__(self, username: str, password: str):
        anonymous = Client()
        answer = anonymous.post("/api/auth/tokens/", {"username": username, "password": password,
                                                      "device_name": f"{username}的手机"},
                                content_type="application/json")
        assert answer.status_code == 201, answer.content
        self.account = answer.json()["account"]
        self.http = Client(headers={"Authorization": f"Bearer {answer.json()['token']}"})

    def get(self, path: str, **query) -> dict:
        answer = self.http.get(path, query)
        assert answer.status_code == 200, answer.content
        return answer.json()

    def submit(self, path: str, body: dict, *, expect: int = 201) -> dict:
        key = uuid.uuid4().hex
        answer = self.http.post(path, body, content_type="application/json", headers={"Idempotency-Key": key})
        assert answer.status_code == expect, answer.content
        # A retry on a weak signal with the same key: the same answer, nothing done twice.
        retry = self.http.post(path, body, content_type="application/json", headers={"Idempotency-Key": key})
        assert (retry.status_code, retry.json()) == (answer.status_code, answer.json())
        return answer.json()


@pytest.fixture
def world(insider, secretary, handler, responsibilities):
    """The accounts exist (with the fixtures' password); the categories and the responsibility list too."""


def test_a_demand_from_intake_to_closed_and_a_wish_fulfilled_through_the_api_alone(world, region):
    grid_worker = AppClient("insider", PASSWORD)
    village_secretary = AppClient("secretary", PASSWORD)
    bureau = AppClient("nmj-staff", PASSWORD)
    assert bureau.account["username"] == "nmj-staff"

    # What the app needs to fill its forms: the categories and, for the dispatcher, the units.
    categories = {c["code"]: c for c in grid_worker.get(f"{BASE}categories/")["items"]}
    village = region["赛沁塔拉嘎查"].code
    grid = region["赛沁塔拉嘎查1"].code

    # Intake: a grid worker files what a herder asked for, with no category (nothing routes it yet).
    demand = grid_worker.submit(BASE, {"text": "嘎查东头的水井坏了，二十户人家吃水困难", "area_code": grid,
                                       "urgent": True, "contact_name": "张建国", "contact_phone": "13912345678"})
    assert demand["status"] == "received" and demand["lead_unit_id"] is None and demand["tracking_code"]
    demand_url = f"{BASE}{demand['id']}/"

    # The village secretary finds it among the area's open demands and dispatches it.
    open_ones = village_secretary.get(BASE, area_code=village, status="open")["items"]
    assert [d["id"] for d in open_ones] == [demand["id"]]
    assert village_secretary.get(demand_url)["allowed_actions"] == ["route"]
    bureau_unit = next(u for u in bureau.get(f"{BASE}units/")["items"] if u["is_member"])
    routed = village_secretary.submit(f"{demand_url}route/", {"lead_unit_id": bureau_unit["id"],
                                                             "category_id": categories["agri"]["id"]})
    assert routed["kind"] == "routed" and routed["demand"]["lead_unit_id"] == bureau_unit["id"]

    # The bureau's queue has it; its staff accept it, report progress and resolve it.
    queue = bureau.get(BASE, unit_id=bureau_unit["id"])["items"]
    assert [d["id"] for d in queue] == [demand["id"]] and queue[0]["urgent"] is True
    assert bureau.get(demand_url)["contact_phone"] == "13912345678"
    assert bureau.submit(f"{demand_url}accept/", {"note": "已安排维修队"})["demand"]["status"] == "in_progress"
    assert bureau.submit(f"{demand_url}progress/", {"note": "水泵已采购"})["kind"] == "note"
    resolved = bureau.submit(f"{demand_url}resolve/", {"note": "水井已修好，恢复供水"})
    assert resolved["demand"]["status"] == "resolved"
    # Resolving twice is refused by the state of things, not by the input.
    refused = bureau.http.post(f"{demand_url}resolve/", {"note": "再办结一次"}, content_type="application/json",
                               headers={"Idempotency-Key": uuid.uuid4().hex})
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"

    # Callback (回访): the herder is not satisfied; the demand goes back to the bureau.
    assert "callback" in grid_worker.get(demand_url)["allowed_actions"]
    unhappy = grid_worker.submit(f"{demand_url}callback/", {"rating": 2, "comment": "水还是浑的"})
    assert unhappy["source"] == "callback" and unhappy["demand"]["status"] == "in_progress"
    assert unhappy["demand"]["reopen_count"] == 1
    assert bureau.submit(f"{demand_url}resolve/", {"note": "加装了过滤器"})["demand"]["status"] == "resolved"

    # Feedback: the herder follows it on the board's public route with the tracking code, and rates it.
    board = f"{BASE}public/{village}/tracking/{demand['tracking_code']}/"
    herder = Client()
    tracked = herder.get(board).json()
    assert tracked["status"] == "resolved" and tracked["can_rate"] is True and tracked["resident"] == "张*国"
    key = uuid.uuid4().hex
    rated = herder.post(f"{board}rating/", {"rating": 5, "comment": "满意"}, content_type="application/json",
                        headers={"Idempotency-Key": key})
    assert rated.status_code == 201 and rated.json()["demand"]["status"] == "closed"
    replayed = herder.post(f"{board}rating/", {"rating": 5, "comment": "满意"}, content_type="application/json",
                           headers={"Idempotency-Key": key})
    assert (replayed.status_code, replayed.json()) == (201, rated.json())
    detail = village_secretary.get(demand_url)
    assert [e["kind"] for e in detail["events"]] == [
        "received", "routed", "accepted", "note", "resolved", "feedback", "reopened", "resolved", "feedback", "closed"]
    assert [f["rating"] for f in detail["feedbacks"]] == [2, 5] and detail["allowed_actions"] == []
    assert all(e["at"].endswith("+08:00") for e in detail["events"])

    # The figures of the village count it: received, resolved, rated, nothing open.
    total = village_secretary.get(f"{BASE}numbers/", area_code=village)["total"]
    assert (total["received"], total["resolved"], total["rated"], total["open"]) == (1, 1, 1, 0)

    # A micro-wish: filed, claimed by the grid worker as a party member, fulfilled.
    wish = grid_worker.submit(BASE, {"kind": "wish", "text": "独居老人想要一台收音机", "area_code": grid,
                                     "category_id": categories["wish-life"]["id"]})
    assert wish["kind"] == "wish" and "claim" in wish["allowed_actions"]
    claim = grid_worker.submit(f"{BASE}{wish['id']}/claim/", {})
    assert claim["status"] == "held" and claim["demand"]["status"] == "in_progress"
    mine = grid_worker.get(f"{BASE}claims/", status="held")["items"]
    assert [c["id"] for c in mine] == [claim["id"]]
    fulfilled = grid_worker.submit(f"{BASE}claims/{claim['id']}/fulfil/", {"note": "收音机已送到老人家中"})
    assert fulfilled["kind"] == "fulfilled" and fulfilled["demand"]["status"] == "resolved"
    assert grid_worker.get(f"{BASE}claims/", status="fulfilled")["items"][0]["id"] == claim["id"]
