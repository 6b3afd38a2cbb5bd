"""Smart dispatch: the bundled data set and the classifier. Pure pytest, no database."""

import csv
import dataclasses
import importlib.util
from collections import Counter

import pytest

from grassroots.demands import classifier as C

DATA = C.DATA_DIR
UNIT_KINDS = {"department", "township_office", "pairing_unit", "company", "cooperative"}


def read(name):
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def model():
    return C.default_model()


@pytest.fixture(scope="module")
def test_split():
    return C.load_examples("test")


# --- the data set ---------------------------------------------------------------------------------


def test_dataset_is_large_distinct_and_split_by_category():
    rows = read("labelled_demands.csv")
    assert list(rows[0]) == ["text", "category_code", "unit_code", "split"]
    assert len(rows) >= 300
    texts = [r["text"] for r in rows]
    assert len(set(texts)) == len(texts), "no repeated demand"
    assert {r["split"] for r in rows} == {"train", "test"}
    by_category = Counter(r["category_code"] for r in rows)
    test_by_category = Counter(r["category_code"] for r in rows if r["split"] == "test")
    for category, n in by_category.items():
        assert n >= 20, category
        assert abs(test_by_category[category] - n / 4) <= 1, f"{category}: held-out share is not ~25%"


def test_codes_in_the_dataset_are_declared():
    categories = {r["code"]: r for r in read("categories.csv")}
    units = {r["code"]: r for r in read("units.csv")}
    assert all(r["kind"] in UNIT_KINDS for r in units.values())
    assert {r["kind"] for r in units.values()} == UNIT_KINDS, "every kind of unit appears"
    for code, r in categories.items():
        assert code.isascii() and code == code.lower() and " " not in code
        assert not r["parent_code"] or r["parent_code"] in categories
        if r["parent_code"]:  # a leaf: routed to a lead unit, perhaps with supporting units
            assert r["lead_unit_code"] in units
            supporting = [u for u in r["supporting_unit_codes"].split(";") if u]
            assert all(u in units for u in supporting) and r["lead_unit_code"] not in supporting
        else:
            assert not r["lead_unit_code"]
    leaves = {c for c, r in categories.items() if r["parent_code"]}
    rows = read("labelled_demands.csv")
    assert {r["category_code"] for r in rows} == leaves
    assert {r["unit_code"] for r in rows} <= set(units)
    assert 24 <= len(leaves) <= 30 and 24 <= len(units) <= 30


NEW_CATEGORIES = {  # issue #10, item 11: what residents here ask most, with the unit the catalogue routes it to
    "grassland": "forestry_grassland_bureau", "produce_sales": "commerce_bureau",
    "property_management": "housing_bureau", "household_registration": "police_station",
    "market_regulation": "market_regulation_bureau", "unpaid_wages": "labour_inspection",
    "social_insurance": "hrss_bureau", "medical_insurance": "medical_insurance_bureau",
    "wish_goods": "pairing_unit", "wish_help": "pairing_unit",
}


def test_the_new_categories_have_a_lead_unit_and_several_dozen_examples():
    categories = {r["code"]: r for r in read("categories.csv")}
    rows = read("labelled_demands.csv")
    for code, lead in NEW_CATEGORIES.items():
        assert categories[code]["lead_unit_code"] == lead, code
        assert sum(r["category_code"] == code for r in rows) >= 30, code
    assert categories["wish_goods"]["parent_code"] == categories["wish_help"]["parent_code"] == "wishes"


def test_existing_codes_are_kept():
    """Demands already filed point at these codes: the catalogue only grew."""
    before = {"production", "livelihood", "infrastructure", "governance", "farm_inputs", "livestock_health",
              "finance", "employment", "medical", "elderly_care", "social_assistance", "education", "roads",
              "water", "power", "heating_housing", "telecom", "environment", "disputes", "policy",
              "wishes", "wish_goods", "wish_help"}
    assert before <= {r["code"] for r in read("categories.csv")}
    units_before = {"agriculture_bureau", "supply_coop", "vet_station", "credit_coop", "employment_center",
                    "health_center", "civil_affairs_bureau", "disabled_federation", "education_bureau",
                    "transport_bureau", "water_bureau", "power_company", "housing_bureau", "heating_company",
                    "telecom_company", "township_office", "justice_office", "pairing_unit"}
    assert units_before <= {r["code"] for r in read("units.csv")}


def test_the_held_out_split_is_fixed():
    """The split is a column of the CSV: rows keep theirs; bench_dispatch.assign_split gives new rows theirs by
    a hash of the text, so re-running it changes nothing."""
    spec = importlib.util.spec_from_file_location("bench_dispatch", DATA.parents[2] / "bench" / "bench_dispatch.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = read("labelled_demands.csv")
    assert bench.assign_split(rows) == 0
    blanked = [dict(r, split="") if r["category_code"] == "grassland" and i % 2 else r for i, r in enumerate(rows)]
    bench.assign_split(blanked)
    again = [dict(r, split="") if r["category_code"] == "grassland" and i % 2 else r for i, r in enumerate(rows)]
    bench.assign_split(again)
    assert [r["split"] for r in blanked] == [r["split"] for r in again]
    grassland = [r for r in blanked if r["category_code"] == "grassland"]
    assert sum(r["split"] == "test" for r in grassland) == round(len(grassland) / 4)


# --- accuracy -------------------------------------------------------------------------------------
# Floors, with why. On the 221 held-out demands (26 categories) the model scores ~72% top-1 and ~90% top-3
# category, ~90% top-3 lead unit (bench/bench_dispatch.py; the model before issue #10 item 11, which knew 16
# categories, scores 44% / 55% on the same split). One standard error is ~3 points on top-1 and ~2 on top-3;
# chance is 4% top-1, 12% top-3. The floors sit about three standard errors under the measured figures: an edit
# to the data or the model that merely reshuffles a few texts passes, while a real regression fails (dropping
# the new categories' examples falls to ~55% top-3, a broken segmenter towards chance).
TOP3_FLOOR = 0.84
TOP1_FLOOR = 0.63
UNIT_TOP3_FLOOR = 0.83


def test_top3_accuracy_on_the_held_out_split(model, test_split):
    top1 = top3 = unit3 = 0
    for text, category, unit in test_split:
        suggestions = model.suggest(text, k=3)
        top1 += suggestions[0].category_code == category
        top3 += category in {s.category_code for s in suggestions}
        unit3 += unit in {s.unit_code for s in suggestions}
    n = len(test_split)
    assert top3 / n >= TOP3_FLOOR
    assert top1 / n >= TOP1_FLOOR
    assert unit3 / n >= UNIT_TOP3_FLOOR


# Typical phrasings of the new categories, written for these tests (none is in the labelled data), each with
# the category the classifier must put first.
TYPICAL = [
    ("俺家的草原补奖今年咋还没到账", "grassland"),
    ("禁牧区有人偷着放羊 林草局管不管", "grassland"),
    ("想把草场流转出去 合同在哪签", "grassland"),
    ("合作社能不能帮俺们把牛肉干放到网上卖", "produce_sales"),
    ("今年的小米卖不出去 有没有人收", "produce_sales"),
    ("想学直播带货卖羊肉", "produce_sales"),
    ("楼道里堆的杂物太多了 物业也不清理", "property_management"),
    ("小区电梯老是坏 物业费白交了", "property_management"),
    ("楼顶的水箱漏了 找物业没人管", "property_management"),
    ("户口本丢了去哪补办", "household_registration"),
    ("孩子刚出生咋上户口", "household_registration"),
    ("身份证过期了在哪换", "household_registration"),
    ("集市上卖菜的秤不准 缺斤短两", "market_regulation"),
    ("买到假化肥了去哪投诉", "market_regulation"),
    ("包工头拖欠俺们工钱半年了", "unpaid_wages"),
    ("老板不发工资 去哪告", "unpaid_wages"),
    ("打工的工钱讨不回来咋整", "unpaid_wages"),
    ("养老金这个月没到账 咋回事", "social_insurance"),
    ("养老保险能补交不", "social_insurance"),
    ("去外地住院医保能报销不 要备案吗", "medical_insurance"),
    ("居民医保在哪交 一年多少钱", "medical_insurance"),
    ("医保卡刷不了 说参保异常", "medical_insurance"),
    ("微心愿：独居老人想要一个暖水袋", "wish_goods"),
    ("微心愿 孩子想要一个新书包和文具", "wish_goods"),
    ("微心愿：请人帮老人把院里的雪扫一扫", "wish_help"),
    ("微心愿 老人想有人帮着去银行办事", "wish_help"),
]
# Harder ones the model gets only in its top 3 (a 卖 of 过期酸奶 pulls towards produce sales; 社保卡 also
# carries 医保): shown to the person typing as second choice, not first.
TYPICAL_TOP3 = [("超市卖的酸奶过期了还在卖", "market_regulation"), ("社保卡丢了咋补", "social_insurance")]


def test_typical_phrasings_are_not_in_the_labelled_data():
    texts = {t for t, _, _ in C.load_examples()}
    assert not texts & {t for t, _ in TYPICAL + TYPICAL_TOP3}
    assert {c for _, c in TYPICAL} == set(NEW_CATEGORIES)


@pytest.mark.parametrize(("text", "category"), TYPICAL)
def test_a_typical_phrasing_of_a_new_category_is_suggested_first_with_its_unit(model, text, category):
    best = model.suggest(text, k=3)[0]
    assert best.category_code == category
    assert best.unit_code in model.units_for(category)


@pytest.mark.parametrize(("text", "category"), TYPICAL_TOP3)
def test_harder_phrasings_are_in_the_top_3(model, text, category):
    assert category in {s.category_code for s in model.suggest(text, k=3)}


def test_every_leaf_category_can_be_suggested(model):
    """微心愿 included: a category the model has never seen can never be suggested."""
    leaves = {r["code"] for r in read("categories.csv") if r["parent_code"]}
    assert set(model.categories) == leaves
    assert {"wish_goods", "wish_help"} <= set(model.categories)


def test_held_out_texts_are_not_in_training(model, test_split):
    train_texts = {t for t, _, _ in C.load_examples("train")}
    assert not train_texts & {t for t, _, _ in test_split}
    assert model.size == len(train_texts)


# --- the API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "。。。！！", "asdkjh qwe", None])
def test_a_text_without_anything_known_gets_no_suggestion(model, text):
    assert model.suggest(text) == []
    assert model.category_confidences(text) == {}


def test_a_100000_character_text_is_read_only_as_far_as_the_cut(model):
    """What bounds the time of a huge text is the cut at MAX_CHARS (bench/bench_dispatch.py prints the time)."""
    huge = ("我家的羊这两天不吃草，肚子胀得厉害，请兽医站来看看。" * 4000)[:100_000]
    assert len(huge) == 100_000
    suggestions = model.suggest(huge)
    assert suggestions == model.suggest(huge[:C.MAX_CHARS])
    assert suggestions[0].category_code == "livestock_health"
    # Text past the cut changes nothing, however much of it there is.
    assert model.suggest(huge[:C.MAX_CHARS] + "路灯不亮" * 20_000) == suggestions


def test_suggestions_are_ranked_confidences_that_sum_to_at_most_one(model, test_split):
    for text, _, _ in test_split[:30]:
        suggestions = model.suggest(text, k=3)
        assert len(suggestions) == 3
        confidences = [s.confidence for s in suggestions]
        assert all(0.0 <= c <= 1.0 for c in confidences)
        assert confidences == sorted(confidences, reverse=True)
        assert sum(confidences) <= 1.0 + 1e-9
        assert len({s.category_code for s in suggestions}) == 3
        assert sum(model.category_confidences(text).values()) == pytest.approx(1.0)


def test_k(model):
    text = "暖气不热，屋里才十二度"
    assert model.suggest(text, k=0) == []
    assert len(model.suggest(text, k=1)) == 1
    everything = model.suggest(text, k=100)
    assert [s.category_code for s in everything] == sorted(
        model.categories, key=lambda c: (-model.category_confidences(text)[c], c))


def test_suggestion_is_frozen(model):
    suggestion = model.suggest("自来水停了三天了")[0]
    assert isinstance(suggestion, C.Suggestion)
    with pytest.raises(dataclasses.FrozenInstanceError):
        suggestion.category_code = "power"


def test_deterministic(test_split):
    examples = C.load_examples("train")
    a = C.train(examples, lead_units=C.load_lead_units())
    b = C.train(list(examples), lead_units=C.load_lead_units())
    for text, _, _ in test_split:
        assert a.suggest(text) == b.suggest(text) == a.suggest(text)
    assert C.default_model() is C.default_model()


def test_lead_unit_follows_the_text_within_a_category(model):
    """化肥 (fertiliser) goes to the supply co-op, 种子补贴 (seed subsidy) to the banner bureau; both farm_inputs."""
    fertiliser = model.suggest("想订两吨复合肥和尿素，社里能送到嘎查不")[0]
    seeds = model.suggest("良种补贴今年咋没发，技术员也不来地里指导")[0]
    assert fertiliser.category_code == seeds.category_code == "farm_inputs"
    assert fertiliser.unit_code == "supply_coop"
    assert seeds.unit_code == "agriculture_bureau"
    assert set(model.units_for("farm_inputs")) == {"agriculture_bureau", "supply_coop"}


def test_a_unit_is_only_suggested_for_categories_it_handles(model, test_split):
    for text, _, _ in test_split:
        for s in model.suggest(text):
            assert s.unit_code in model.units_for(s.category_code)


def test_train_from_past_routed_demands():
    """The app may retrain from its own routed demands; a declared lead unit is a candidate too."""
    past = [
        ("路灯坏了一整条街，晚上黑漆漆的", "street_lights", "urban_management"),
        ("小区门口的路灯不亮好几天了", "street_lights", "urban_management"),
        ("快递柜坏了取不出件", "parcels", "post_office"),
        ("快递总是放在门口丢件", "parcels", "post_office"),
        ("", "parcels", "post_office"),  # ignored: nothing to learn from
    ]
    model = C.train(past, lead_units={"street_lights": "township_office"})
    assert model.size == 4
    assert model.categories == ("parcels", "street_lights")
    assert model.units_for("street_lights") == {"township_office": 1, "urban_management": 2}
    best = model.suggest("路灯不亮", k=3)
    assert [s.category_code for s in best] == ["street_lights", "parcels"]
    assert best[0].unit_code == "urban_management"
    with pytest.raises(ValueError):
        C.train([("", "x", "y")])


def test_module_level_suggest_uses_the_default_model():
    text = "低保咋突然给停了，也没人通知"
    assert C.suggest(text, k=2) == C.default_model().suggest(text, k=2)
