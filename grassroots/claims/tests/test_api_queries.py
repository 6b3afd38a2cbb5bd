"""What one API request costs the database (issue 13; speeds: bench/bench_claims_api.py). Pinned here so that
per-request work that is not the claim cannot come back unnoticed: a session write on every request, a look-up
per row, the idempotency key read before it is claimed, the duplicates read again after recording."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from grassroots.claims.models import Claim
from grassroots.points.api_testing import BASE, claim_body, key, post

# What every authenticated API request reads before its own work: the session, the user, the user's roles.
PER_REQUEST = 3


def _session_statements(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]


def test_api_requests_within_a_minute_read_the_session_and_never_write_it(points_world, as_insider, rules, people):
    with freeze_time():
        as_insider.get(f"{BASE}/claims/")  # renews the idle clock if the log-in was a minute ago or more
        with CaptureQueriesContext(connection) as captured:
            assert as_insider.get(f"{BASE}/claims/", {"limit": 1}).status_code == 200
            assert as_insider.get(f"{BASE}/claims/{points_world['claim'].pk}/").status_code == 200
            body = claim_body(rules, people, allow_duplicate=True)
            assert post(as_insider, f"{BASE}/claims/", body, key=key()).status_code == 201
    statements = _session_statements(captured)
    assert len(statements) == 3 and all(s.lstrip().upper().startswith("SELECT") for s in statements), statements


def test_a_page_of_claims_costs_the_same_statements_as_one_claim(points_world, as_insider, as_reader,
                                                                 django_assert_max_num_queries):
    # The page, its areas, the villages' review stages, the possible duplicates: one query each; the recorder
    # is the caller, already loaded.
    with django_assert_max_num_queries(PER_REQUEST + 4):
        items = as_insider.get(f"{BASE}/claims/", {"limit": 50}).json()["items"]
    assert len(items) >= 5 and len({c["person"]["name"] for c in items}) > 1
    assert all(c["village"]["name"] == "赛沁塔拉嘎查" and c["recorder"] == "insider" for c in items)
    with django_assert_max_num_queries(PER_REQUEST + 4):
        [one] = as_insider.get(f"{BASE}/claims/", {"limit": 1}).json()["items"]
    assert one == items[0]
    # Someone else's list: the recorders are read, in one query.
    with django_assert_max_num_queries(PER_REQUEST + 5):
        seen = as_reader.get(f"{BASE}/claims/", {"limit": 50}).json()["items"]
    assert len(seen) >= 5 and all(c["recorder"] == "insider" for c in seen)


def test_the_claim_page_costs_a_fixed_number_of_statements(points_world, as_cashier, django_assert_max_num_queries):
    claim = points_world["open_notice"].lines.order_by("id").first().claim
    # The claim, its areas and recorder, stages, notice line, ledger entry, duplicates, decisions.
    with django_assert_max_num_queries(PER_REQUEST + 8):
        body = as_cashier.get(f"{BASE}/claims/{claim.pk}/").json()
    assert len(body["decisions"]) == 3 and body["notice"] is not None


def test_recording_a_claim_costs_a_fixed_number_of_statements_and_shows_the_duplicates_its_page_shows(
        points_world, as_insider, rules, people, django_assert_max_num_queries):
    existing = points_world["claim"]  # 乌云毕力格, A01, today, in review
    body = claim_body(rules, people, allow_duplicate=True)
    # The key claimed (savepoint, INSERT) and its reply stored (UPDATE, release); the rule and its version; the
    # people locked and read with their tags; the same deed looked for; the claim and its audit record in the
    # service's own savepoint; the village's review stages. The duplicates are not read again.
    with django_assert_max_num_queries(PER_REQUEST + 14):
        response = post(as_insider, f"{BASE}/claims/", body, key=key())
    assert response.status_code == 201
    [claim] = response.json()["claims"]
    assert existing.pk in [d["id"] for d in claim["possible_duplicates"]]
    page = as_insider.get(f"{BASE}/claims/{claim['id']}/").json()
    assert claim["possible_duplicates"] == page["possible_duplicates"]


def test_a_retried_claim_is_recorded_once_and_answered_alike(points_world, as_insider, rules, people):
    body, same_key = claim_body(rules, people, names=("张秀兰",), allow_duplicate=True), key()
    before = Claim.objects.count()
    first = post(as_insider, f"{BASE}/claims/", body, key=same_key)
    again = post(as_insider, f"{BASE}/claims/", body, key=same_key)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true" and Claim.objects.count() == before + 1
