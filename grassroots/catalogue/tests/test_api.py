"""The rule catalogue in the API: a grid worker reads the village's catalogue; paging; naming the village; the
catalogue itself (three actors)."""

from datetime import timedelta

from grassroots.catalogue import services as catalogue_services
from grassroots.points.api_testing import BASE, GRID1, OTHER_VILLAGE, VILLAGE, today

# --- the rule catalogue -----------------------------------------------------------------------


def test_grid_worker_sees_the_catalogue_of_the_grids_village(as_insider, rules, system_actor):
    v2 = catalogue_services.revise_rule(actor=system_actor, rule=rules["A01"], effective_from=today() - timedelta(days=10),
                              points=15)
    response = as_insider.get(f"{BASE}/rules/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None
    catalogue = as_insider.get(f"{BASE}/villages/{GRID1[:-3]}/catalogue/").json()
    assert catalogue["village"] == {"code": VILLAGE, "name": "赛沁塔拉嘎查"}
    assert catalogue["catalogue"]["adoptions"][0]["votes_for"] == 41
    a01 = next(r for r in body["items"] if r["code"] == "A01")
    assert a01["in_force"]["id"] == v2.pk and a01["in_force"]["points"] == 15
    assert [v["version"] for v in a01["versions"]] == [2, 1]
    earlier = as_insider.get(f"{BASE}/rules/", {"date": (today() - timedelta(days=11)).isoformat()}).json()
    assert next(r for r in earlier["items"] if r["code"] == "A01")["in_force"]["points"] == 10
    detail = as_insider.get(f"{BASE}/rules/{rules['A01'].pk}/").json()
    assert detail["in_force"]["version"] == 2 and detail["catalogue"]["copied_from"] == "翁牛特旗积分细则模板"


def test_rules_paging_and_village_by_grid_code(as_cashier, rules):
    first = as_cashier.get(f"{BASE}/rules/", {"limit": 5}).json()
    assert len(first["items"]) == 5 and first["next_cursor"]
    rest = as_cashier.get(f"{BASE}/rules/", {"limit": 200, "cursor": first["next_cursor"], "area_code": GRID1}).json()
    assert len(rest["items"]) == len(rules) - 5 and rest["next_cursor"] is None
    codes = [r["code"] for r in first["items"] + rest["items"]]
    assert codes == sorted(codes) and len(set(codes)) == len(rules)


def test_rules_of_a_village_without_catalogue(as_outsider):
    assert as_outsider.get(f"{BASE}/rules/").json() == {"items": [], "next_cursor": None}
    body = as_outsider.get(f"{BASE}/villages/{OTHER_VILLAGE}/catalogue/").json()
    assert body["village"]["code"] == OTHER_VILLAGE and body["catalogue"] is None


def test_the_catalogue_insider_read_only_outsider(as_insider, as_cashier, as_outsider, rules):
    url = f"{BASE}/villages/{VILLAGE}/catalogue/"
    assert as_insider.get(url).status_code == 200
    seen = as_cashier.get(url)
    assert seen.status_code == 200 and seen.json()["catalogue"]["copied_from"] == "翁牛特旗积分细则模板"
    outside = as_outsider.get(url)
    assert outside.status_code == 404 and outside.json() == {"code": "not_found", "detail": "未找到", "errors": {}}
    unknown = as_insider.get(f"{BASE}/villages/999999999999/catalogue/")
    assert unknown.status_code == 404 and unknown.json() == outside.json()


def test_caller_above_village_level_must_name_the_village(as_county_admin, rules):
    response = as_county_admin.get(f"{BASE}/rules/")
    assert response.status_code == 422
    assert response.json()["errors"] == {"area_code": ["您负责多个嘎查村社区，请用 area_code（区划代码）指明嘎查村社区"]}
    assert as_county_admin.get(f"{BASE}/rules/", {"village": VILLAGE}).status_code == 422  # the old name is no alias
    assert as_county_admin.get(f"{BASE}/rules/", {"area_code": VILLAGE}).json()["items"]
