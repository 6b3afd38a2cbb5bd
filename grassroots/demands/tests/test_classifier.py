"""Smart dispatch: the bundled data set and the classifier. Pure pytest, no database."""

import csv
import dataclasses
import time
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
    assert 12 <= len(leaves) <= 16 and 12 <= len(units) <= 18


# --- accuracy -------------------------------------------------------------------------------------
# Floors, with why. On the 112 held-out demands the model scores ~90% top-3 and ~67% top-1 category, ~88%
# top-3 lead unit (bench/bench_dispatch.py); one standard error is ~3 points on top-3 and ~4.5 on top-1, and
# chance is 19% top-3, 6% top-1. The floors sit about three standard errors under the measured figures: an edit
# to the data or the model that merely reshuffles a few texts passes, while a real regression fails (the
# textbook words + bigrams without characters falls to ~68% top-3, a broken segmenter towards chance).
TOP3_FLOOR = 0.82
TOP1_FLOOR = 0.55
UNIT_TOP3_FLOOR = 0.79


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


def test_held_out_texts_are_not_in_training(model, test_split):
    train_texts = {t for t, _, _ in C.load_examples("train")}
    assert not train_texts & {t for t, _, _ in test_split}
    assert model.size == len(train_texts)


# --- the API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "。。。！！", "asdkjh qwe", None])
def test_a_text_without_anything_known_gets_no_suggestion(model, text):
    assert model.suggest(text) == []
    assert model.category_confidences(text) == {}


def test_a_100000_character_text_returns_quickly(model):
    huge = ("我家的羊这两天不吃草，肚子胀得厉害，请兽医站来看看。" * 4000)[:100_000]
    assert len(huge) == 100_000
    model.suggest("预热")
    started = time.perf_counter()
    suggestions = model.suggest(huge)
    assert time.perf_counter() - started < 0.5
    assert suggestions[0].category_code == "livestock_health"


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


def test_latency_after_warm_up(model, test_split):
    for text, _, _ in test_split:
        model.suggest(text)
    timings = []
    for text, _, _ in test_split:
        started = time.perf_counter()
        model.suggest(text)
        timings.append(time.perf_counter() - started)
    timings.sort()
    assert timings[len(timings) // 2] < 0.005  # the median: robust to a busy CI machine


def test_module_level_suggest_uses_the_default_model():
    text = "低保咋突然给停了，也没人通知"
    assert C.suggest(text, k=2) == C.default_model().suggest(text, k=2)
