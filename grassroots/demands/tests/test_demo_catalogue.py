"""The demo's catalogue (units, categories, the banner's responsibility list) from data/*.csv: every category
routes to a unit, a demo loaded before the catalogue grew gets the new rows, and the intake page's suggestions
name the unit that will handle the demand (issue #10, item 11)."""

import pytest

from grassroots.demands import demo, selectors, suggestions
from grassroots.demands.models import Category, Responsibility, Unit

NEW_CATEGORIES = {"grassland", "produce_sales", "property_management", "household_registration",
                  "market_regulation", "unpaid_wages", "social_insurance", "medical_insurance"}
NEW_UNITS = {"forestry_grassland_bureau", "commerce_bureau", "hrss_bureau", "labour_inspection",
             "medical_insurance_bureau", "property_company", "police_station", "market_regulation_bureau"}


_REAL_ROWS = demo._rows


def _old_rows(name):
    """The CSVs as they were before the catalogue grew: no new categories or units; the 微心愿 categories
    existed (the demo made them) but had no line in the responsibility list."""
    rows = _REAL_ROWS(name)
    if name == "units.csv":
        return [r for r in rows if r["code"] not in NEW_UNITS]
    if name == "categories.csv":
        rows = [r for r in rows if r["code"] not in NEW_CATEGORIES]
        return [dict(r, lead_unit_code="") if r["parent_code"] == "wishes" else r for r in rows]
    return rows


@pytest.fixture
def catalogue(region, system_actor):
    demo._configure(system_actor)
    return region


def test_every_category_routes_to_its_lead_unit(catalogue):
    grid = catalogue["赛沁塔拉嘎查1"]
    wudan = catalogue["乌丹镇"]
    for row in demo._rows("categories.csv"):
        if not row["lead_unit_code"]:
            continue
        route = selectors.find_route(category=Category.objects.get(code=row["code"]), area=grid)
        assert route is not None, row["code"]
        assert route.lead_unit.code in (row["lead_unit_code"], f"{row['lead_unit_code']}-{wudan.code}"), row["code"]
    registration = selectors.find_route(category=Category.objects.get(code="household_registration"), area=grid)
    assert registration.lead_unit.name == "乌丹镇派出所"
    assert registration.area == wudan
    grassland = selectors.find_route(category=Category.objects.get(code="grassland"), area=grid)
    assert grassland.lead_unit.name == "旗林业和草原局"
    assert [u.name for u in grassland.supporting_units.all()] == ["乌丹镇人民政府"]


def test_a_demo_loaded_before_the_catalogue_grew_gets_the_new_rows(region, system_actor, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(demo, "_rows", _old_rows)
        demo._configure(system_actor)
    assert not Category.objects.filter(code__in=NEW_CATEGORIES).exists()
    assert not Responsibility.objects.filter(category__code="wish_goods").exists()
    old_lines = {(r.category_id, r.area_id): (r.lead_unit_id, r.item_number) for r in Responsibility.objects.all()}

    added = demo._configure(system_actor)

    assert added > 0
    assert set(Category.objects.filter(code__in=NEW_CATEGORIES).values_list("code", flat=True)) == NEW_CATEGORIES
    assert Unit.objects.filter(code__startswith="police_station-").count() == 2  # one per township of the banner
    grid = region["官井子村1"]
    wish = selectors.find_route(category=Category.objects.get(code="wish_goods"), area=grid)
    assert wish.lead_unit.name == "旗直机关包联单位"
    wages = selectors.find_route(category=Category.objects.get(code="unpaid_wages"), area=grid)
    assert wages.lead_unit.name == "旗劳动保障监察大队"
    # What was there is left as it was; item numbers go on from the last one.
    assert {(r.category_id, r.area_id): (r.lead_unit_id, r.item_number)
            for r in Responsibility.objects.all() if (r.category_id, r.area_id) in old_lines} == old_lines
    numbers = list(Responsibility.objects.values_list("item_number", flat=True))
    assert len(numbers) == len(set(numbers))
    assert demo._configure(system_actor) == 0  # and once is enough


def test_intake_suggestions_name_the_township_police_station(catalogue):
    shown = suggestions.suggest("俺家户口本丢了 去哪补办啊", area=catalogue["赛沁塔拉嘎查1"])
    assert shown[0].category.code == "household_registration"
    assert shown[0].unit.name == "乌丹镇派出所"


def test_intake_suggests_a_micro_wish(catalogue):
    shown = suggestions.suggest("微心愿：独居老人想要一个暖水袋", area=catalogue["官井子村1"])
    assert shown[0].category.code == "wish_goods"
    assert shown[0].category.parent.code == "wishes"
    assert shown[0].unit.name == "旗直机关包联单位"
