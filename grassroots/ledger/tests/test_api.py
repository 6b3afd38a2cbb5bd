"""The ledger in the API: entries by household and village, an entry's origin, reversals."""



from grassroots.ledger import services as ledger_services
from grassroots.points.api_testing import BASE, VILLAGE
from grassroots.points.testing import actor

# --- the ledger -----------------------------------------------------------------------------


def test_entries_by_household_and_village(points_world, as_insider, as_outsider, people):
    by_household = as_insider.get(f"{BASE}/entries/", {"household_id": points_world["household"].pk}).json()["items"]
    assert len(by_household) == 2 and {e["household_number"] for e in by_household} == {"SQ-0001"}
    by_village = as_insider.get(f"{BASE}/entries/", {"village": VILLAGE}).json()["items"]
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
