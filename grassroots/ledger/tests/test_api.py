"""The ledger in the API: entries by household and village, an entry's origin, reversals."""



from grassroots.ledger import services as ledger_services
from grassroots.points.api_testing import BASE, VILLAGE, key, post
from grassroots.points.testing import actor

# --- the ledger -----------------------------------------------------------------------------


def test_entries_by_household_and_village(points_world, as_insider, as_outsider, people):
    by_household = as_insider.get(f"{BASE}/entries/", {"household_id": points_world["household"].pk}).json()["items"]
    assert len(by_household) == 2 and {e["household_number"] for e in by_household} == {"SQ-0001"}
    by_village = as_insider.get(f"{BASE}/entries/", {"area_code": VILLAGE}).json()["items"]
    assert [e["seq"] for e in by_village] == [2, 1]
    assert by_village[1]["prev_hash"] == "0" * 64 and by_village[0]["prev_hash"] == by_village[1]["hash"]
    outside_household = people["单国强"].household
    assert as_insider.get(f"{BASE}/entries/", {"household_id": outside_household.pk}).status_code == 404
    assert as_outsider.get(f"{BASE}/entries/", {"household_id": outside_household.pk}).json()["items"] == []


def test_entry_origin_shows_rule_version_recorder_reviewers_notice_and_objections(points_world, as_cashier):
    body = as_cashier.get(f"{BASE}/entries/{points_world['entry'].pk}/origin/").json()
    assert body["entry"]["id"] == points_world["entry"].pk and body["entry"]["kind_label"] == "加分"
    assert body["rule_version"]["title"] == "人居环境整治义务劳动" and body["rule_version"]["version"] == 1
    assert body["claim"]["recorder"] == "insider"
    assert [d["reviewer"] for d in body["decisions"]] == ["reader", "committee", "secretary"]
    assert body["notice"]["token"] == points_world["posted"].token and body["notice"]["chain"]["seq"] == 2
    assert body["objections"] == [] and body["reverses"] is None and body["reversed_by"] is None


def test_origin_of_a_reversal_and_of_what_it_reversed(points_world, secretary, as_secretary):
    reversal = ledger_services.reverse_entry(actor=actor(secretary), entry=points_world["entry"], reason="重复记分")
    original = as_secretary.get(f"{BASE}/entries/{points_world['entry'].pk}/origin/").json()
    assert original["reversed_by"]["id"] == reversal.pk
    body = as_secretary.get(f"{BASE}/entries/{reversal.pk}/origin/").json()
    assert body["entry"]["reason"] == "重复记分" and body["reverses"]["id"] == points_world["entry"].pk
    assert body["claim"] is None and body["notice"] is None and body["decisions"] == []


def test_reversal_needs_a_key_and_a_second_one_is_refused_409(points_world, as_secretary, as_cashier, as_outsider):
    url = f"{BASE}/entries/{points_world['entry'].pk}/reversal/"
    without_key = post(as_secretary, url, {"reason": "重复记分"})
    assert without_key.status_code == 422 and "Idempotency-Key" in without_key.json()["errors"]
    assert post(as_cashier, url, {"reason": "重复记分"}, key=key()).status_code == 403
    assert post(as_outsider, url, {"reason": "重复记分"}, key=key()).status_code == 404
    k = key()
    first, replay = post(as_secretary, url, {"reason": "重复记分"}, key=k), post(as_secretary, url,
                                                                              {"reason": "重复记分"}, key=k)
    assert first.status_code == replay.status_code == 201 and first.content == replay.content
    again = post(as_secretary, url, {"reason": "重复记分"}, key=key())
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert "已冲正" in again.json()["errors"]["entry"][0]
    of_reversal = post(as_secretary, f"{BASE}/entries/{first.json()['id']}/reversal/", {"reason": "再冲"}, key=key())
    assert of_reversal.status_code == 409


def test_entries_page_with_the_cursor(points_world, as_insider):
    first = as_insider.get(f"{BASE}/entries/", {"area_code": VILLAGE, "limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    rest = as_insider.get(f"{BASE}/entries/", {"area_code": VILLAGE, "limit": 1, "cursor": first["next_cursor"]}).json()
    assert [e["seq"] for e in first["items"] + rest["items"]] == [2, 1] and rest["next_cursor"] is None
    bad = as_insider.get(f"{BASE}/entries/", {"cursor": "!!"})
    assert bad.status_code == 422 and "cursor" in bad.json()["errors"]
