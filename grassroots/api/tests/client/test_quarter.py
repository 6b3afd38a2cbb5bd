"""A whole quarter of the points process driven by an app through the API alone (issue #18): each member signs
in with a token (POST /api/auth/tokens/), then records claims → reviews at the three stages → a notice opens → a
resident objects through the public route and the committee decides → the notice is posted into the ledger → the
quarter's settlement is computed and published → the annual summary. Only API answers are asserted on.

One step has no API, by design: posting a notice whose period is over is the scheduled job's
(``claims.services.post_due_notices``, run every 5 minutes by core/tasks.py); the test runs that job itself
between two requests, as the scheduler would. The clock is frozen (freezegun) at each step, in China Standard
Time, so the test never depends on the real date."""

import json
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django.test import Client
from freezegun import freeze_time

from grassroots.audit.context import Actor
from grassroots.claims.services import post_due_notices
from grassroots.core.testing import PASSWORD

TZ = ZoneInfo("Asia/Shanghai")
POINTS = "/api/points"
RESULTS = "/api/points/results"
VILLAGE = "150426100223"  # 赛沁塔拉嘎查


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


class App:
    """What a phone app does: sign in once for a token, then send it on every request."""

    def __init__(self, username: str, password: str = PASSWORD):
        self.client = Client()
        response = self.client.post("/api/auth/tokens/", json.dumps(
            {"username": username, "password": password, "device_name": f"{username}的手机"}),
            content_type="application/json")
        assert response.status_code == 201, response.content
        self.token = response.json()["token"]
        assert response.json()["account"]["username"] == username

    def get(self, url, **params):
        response = self.client.get(url, params, headers={"Authorization": f"Bearer {self.token}"})
        assert response.status_code == 200, (url, response.content)
        return response.json()

    def send(self, method, url, body=None, *, expect=(201,)):
        response = getattr(self.client, method)(
            url, json.dumps(body or {}), content_type="application/json",
            headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": uuid.uuid4().hex})
        assert response.status_code in expect, (url, response.status_code, response.content)
        return response


def test_a_quarter_through_the_api_alone(insider, reader, committee, secretary, rules, people):
    a01 = rules["A01"]  # 人居环境整治义务劳动, 10 points a time
    wuyun, zhang = people["乌云毕力格"], people["张秀兰"]
    resident = Client(REMOTE_ADDR="10.1.2.3")

    with freeze_time(at(2026, 3, 10, 9, 0)):
        grid_worker, leader, member, party_secretary = (App(u.username) for u in (insider, reader, committee,
                                                                                    secretary))
        # 1. The grid worker records: 乌云毕力格 nine times, 张秀兰 once.
        recorded = [grid_worker.send("post", f"{POINTS}/claims/", {
            "person_ids": [person.pk], "rule_id": a01.pk, "quantity": quantity, "deed_date": "2026-03-08",
            "note": "清理村道垃圾"}, expect=(201,)).json() for person, quantity in ((wuyun, 9), (zhang, 1))]
        claim_ids = [claim["id"] for batch in recorded for claim in batch["claims"]]
        assert [claim["points"] for batch in recorded for claim in batch["claims"]] == [90, 10]

        # 2. Three stages of review: the party group leader, the committee, the secretary. The last opens a notice.
        # (docs/api.md: a review decision is created, 201; the route answered 200 before issue #18.)
        for reviewer in (leader, member):
            reviewed = reviewer.send("post", f"{POINTS}/reviews/", {"claim_ids": claim_ids, "approve": True}).json()
            assert reviewed["notices"] == []
        last = party_secretary.send("post", f"{POINTS}/reviews/", {"claim_ids": claim_ids, "approve": True}).json()
        [notice] = last["notices"]

    # 3. A resident finds the village's open notice (no account), reads it and objects to 张秀兰's line.
    with freeze_time(at(2026, 3, 11, 20, 0)):
        open_now = resident.get(f"{POINTS}/public/villages/{VILLAGE}/notices/")
        assert open_now.status_code == 200
        assert [n["token"] for n in open_now.json()["items"]] == [notice["token"]]
        board = resident.get(f"{POINTS}/public/notices/{notice['token']}/")
        assert board.status_code == 200
        lines = {line["name"]: line for line in board.json()["lines"]}
        assert set(lines) == {"乌***格", "张*兰"} and board.json()["open_for_objections"]
        objected = resident.post(f"{POINTS}/public/notices/{notice['token']}/objections/", json.dumps({
            "line_id": lines["张*兰"]["id"], "reason": "那天她在旗里住院，没有参加劳动"}),
            content_type="application/json", headers={"Idempotency-Key": uuid.uuid4().hex})
        assert objected.status_code == 201, objected.content

        reference = objected.json()["reference"]

    # 4. The committee finds the objection in its list and upholds it: that line is withdrawn and never reaches
    # the ledger; the resident looks the decision up by the reference.
    with freeze_time(at(2026, 3, 12, 10, 0)):
        [listed] = member.get(f"{POINTS}/objections/")["items"]
        assert listed["reference"] == reference
        decided = member.send("post", f"{POINTS}/objections/{listed['id']}/decision/",
                              {"uphold": True, "reason": "经核实当天不在村里"}).json()
        assert decided["status"] != "open"
        looked_up = resident.get(f"{POINTS}/public/objections/{reference}/")
        assert looked_up.status_code == 200 and looked_up.json()["status"] == "upheld"
        assert looked_up.json()["decision_reason"] == "经核实当天不在村里"

    # 5. The period is over: the scheduled job posts the notice (no API: the job's own service, as the scheduler runs it).
    with freeze_time(at(2026, 3, 20, 8, 0)):
        assert post_due_notices(actor=Actor.system("tasks:post-notices"))
        entries = party_secretary.get(f"{POINTS}/entries/", village=VILLAGE)["items"]
        assert [(e["points"], e["kind"], e["household_id"]) for e in entries] == [(90, "award", wuyun.household_id)]
        origin = leader.get(f"{POINTS}/entries/{entries[0]['id']}/origin/")
        assert [d["reviewer"] for d in origin["decisions"]] == ["reader", "committee", "secretary"]
        balance = grid_worker.get(f"{RESULTS}/households/{wuyun.household_id}/balance/")
        assert (balance["score"], balance["balance"], balance["may_redeem"]) == (90, 0, False)

    # 6. After the quarter: the committee computes the settlement, the secretary publishes it.
    with freeze_time(at(2026, 4, 2, 9, 0)):
        draft = member.send("post", f"{RESULTS}/settlements/", {"area_code": VILLAGE, "year": 2026, "quarter": 1},
                            expect=(201,)).json()
        assert (draft["status"], draft["households"], draft["granted_total"]) == ("draft", 1, 90)
        published = party_secretary.send("post", f"{RESULTS}/settlements/{draft['id']}/publish/", expect=(200,)).json()
        assert published["status"] == "published" and published["published_by"] == "secretary"
        again = party_secretary.send("post", f"{RESULTS}/settlements/{draft['id']}/publish/", expect=(409,))
        assert again.json()["code"] == "conflict"
        balance = grid_worker.get(f"{RESULTS}/households/{wuyun.household_id}/balance/")
        assert (balance["balance"], balance["balance_fen"], balance["balance_text"], balance["may_redeem"]) == \
            (90, 1800, "18元", True)
        public = resident.get(f"/api/points/public/settlements/{published['token']}/").json()
        assert [(line["name"], line["granted"]) for line in public["lines"]] == [("乌***格", 90)]

    # 7. The annual summary and the ranking show the household's year.
    with freeze_time(at(2026, 4, 3, 9, 0)):
        annual = leader.get(f"{RESULTS}/villages/{VILLAGE}/annual/", year=2026)
        top = annual["rows"][0]
        assert (top["household_id"], top["score"], top["village_rank"], top["vetoed"]) == \
            (wuyun.household_id, 90, 1, False)
        ranking = grid_worker.get(f"{RESULTS}/villages/{VILLAGE}/ranking/", year=2026)["items"]
        assert ranking[0]["household_id"] == wuyun.household_id and ranking[0]["score"] == 90
