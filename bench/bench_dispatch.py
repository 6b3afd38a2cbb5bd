"""Smart dispatch (12345 智慧调度): accuracy on the held-out split and suggestion latency.

    .venv/bin/python bench/bench_dispatch.py            # held-out figures, 5-fold CV, latency
    .venv/bin/python bench/bench_dispatch.py --weights  # the train-split CV that chose GROUP_WEIGHTS

Pure Python, no database: the model is grassroots/demands/classifier.py, trained on the train split
of grassroots/demands/data/labelled_demands.csv and scored on its test split.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grassroots.demands import classifier as C  # noqa: E402


def accuracy(model: C.Model, examples, lead_units) -> dict[str, float]:
    hits: Counter = Counter()
    confidence = 0.0
    for text, category, unit in examples:
        suggestions = model.suggest(text, k=3)
        if not suggestions:
            continue
        hits["cat1"] += suggestions[0].category_code == category
        hits["cat3"] += category in {s.category_code for s in suggestions}
        hits["unit1"] += suggestions[0].unit_code == unit
        hits["unit3"] += unit in {s.unit_code for s in suggestions}
        hits["lead1"] += lead_units.get(suggestions[0].category_code) == unit
        confidence += suggestions[0].confidence
    n = len(examples)
    result = {key: hits[key] / n for key in ("cat1", "cat3", "unit1", "unit3", "lead1")}
    result["confidence"] = confidence / n
    return result


def stratified_folds(examples, folds: int):
    """Deterministic stratified folds: the i-th example of each category goes to fold i % folds."""
    seen: Counter = Counter()
    assignment = []
    for _, category, _ in examples:
        assignment.append(seen[category] % folds)
        seen[category] += 1
    for fold in range(folds):
        yield ([e for e, f in zip(examples, assignment, strict=True) if f != fold],
               [e for e, f in zip(examples, assignment, strict=True) if f == fold])


def percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1)]


def row(label: str, r: dict[str, float]) -> str:
    return (f"  {label:<34} category top-1 {r['cat1']:6.1%}  top-3 {r['cat3']:6.1%}   "
            f"lead unit top-1 {r['unit1']:6.1%}  top-3 {r['unit3']:6.1%}   "
            f"(unit = category's default lead: top-1 {r['lead1']:6.1%})")


def weight_grid(train) -> None:
    """5-fold CV on the train split for a few feature-group weightings (how GROUP_WEIGHTS was chosen)."""
    grid = [
        {"w": 1.0, "c": 0.0, "b": 1.0},  # the textbook words + bigrams
        {"w": 1.0, "c": 1.0, "b": 1.0},
        {"w": 1.0, "c": 1.0, "b": 0.0},
        {"w": 0.0, "c": 1.0, "b": 1.0},
        {"w": 1.0, "c": 1.0, "b": 0.5},
        {"w": 1.0, "c": 2.0, "b": 0.5},
        {"w": 0.5, "c": 1.0, "b": 0.0},
    ]
    chosen = dict(C.GROUP_WEIGHTS)
    print("5-fold CV on the train split only, by feature-group weights (w words, c characters, b bigrams):")
    try:
        for weights in grid:
            C.GROUP_WEIGHTS.clear()
            C.GROUP_WEIGHTS.update(weights)
            folds = [accuracy(C.train(tr), te, {}) for tr, te in stratified_folds(train, 5)]
            mean = {k: statistics.mean(f[k] for f in folds) for k in folds[0]}
            mark = "  <- chosen" if weights == chosen else ""
            print(f"  w={weights['w']:.1f} c={weights['c']:.1f} b={weights['b']:.1f}   category top-1 {mean['cat1']:6.1%}"
                  f"  top-3 {mean['cat3']:6.1%}   unit top-1 {mean['unit1']:6.1%}  top-3 {mean['unit3']:6.1%}{mark}")
    finally:
        C.GROUP_WEIGHTS.clear()
        C.GROUP_WEIGHTS.update(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="latency passes over the held-out texts")
    parser.add_argument("--weights", action="store_true", help="also print the train-split CV weight grid")
    args = parser.parse_args()

    everything = C.load_examples()
    train = C.load_examples("train")
    test = C.load_examples("test")
    lead_units = C.load_lead_units()
    print(f"labelled demands: {len(everything)} ({len(train)} train, {len(test)} test), "
          f"{len({c for _, c, _ in everything})} categories, {len({u for _, _, u in everything})} units")

    started = time.perf_counter()
    C._jieba()
    jieba_s = time.perf_counter() - started
    started = time.perf_counter()
    model = C.train(train, lead_units=lead_units)
    train_s = time.perf_counter() - started
    print(f"jieba dictionary load {jieba_s:.2f} s (once per process); training {train_s * 1000:.0f} ms; "
          f"softmax temperature {model.temperature} (category), {model.unit_temperature} (unit)")

    print("\naccuracy")
    held_out = accuracy(model, test, lead_units)
    print(row(f"held-out test split (n={len(test)})", held_out))
    folds = [accuracy(C.train(tr, lead_units=lead_units), te, lead_units)
             for tr, te in stratified_folds(everything, 5)]
    cv = {k: statistics.mean(f[k] for f in folds) for k in folds[0]}
    print(row(f"5-fold CV, all {len(everything)} examples", cv))
    se = math.sqrt(held_out["cat1"] * (1 - held_out["cat1"]) / len(test))
    print(f"  (one standard error on the held-out top-1 is ±{se:.1%}; "
          f"chance is {1 / len(model.categories):.1%} top-1, {3 / len(model.categories):.1%} top-3)")
    print(f"  calibration: mean top-1 confidence {held_out['confidence']:.1%} vs top-1 accuracy {held_out['cat1']:.1%}")

    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for text, category, _ in test:
        per_category[category][1] += 1
        per_category[category][0] += model.suggest(text, k=1)[0].category_code == category
    print("  held-out top-1 by category: " + ", ".join(
        f"{c} {h}/{n}" for c, (h, n) in sorted(per_category.items())))

    if args.weights:
        print()
        weight_grid(train)

    print("\nlatency of Model.suggest(text, k=3), after warm-up")
    for text, _, _ in test:
        model.suggest(text)
    timings, cpu = [], []
    for _ in range(args.repeat):
        for text, _, _ in test:
            started, started_cpu = time.perf_counter(), time.process_time()
            model.suggest(text)
            cpu.append((time.process_time() - started_cpu) * 1000)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    cpu.sort()
    print(f"  {len(timings)} calls (mean text {statistics.mean(len(t) for t, _, _ in test):.0f} chars)")
    print(f"  wall time: p50 {percentile(timings, 50):.2f} ms  p99 {percentile(timings, 99):.2f} ms"
          f"  max {timings[-1]:.2f} ms")
    print(f"  CPU time:  p50 {percentile(cpu, 50):.2f} ms  p99 {percentile(cpu, 99):.2f} ms  max {cpu[-1]:.2f} ms"
          "  (what the call itself costs; wall time adds waiting for a core on a busy machine)")
    huge = ("牧民反映草场上的水井干了牲口没水喝，" * 6000)[:100_000]
    started = time.perf_counter()
    model.suggest(huge)
    print(f"  a 100,000-character text: {(time.perf_counter() - started) * 1000:.1f} ms "
          f"(only the first {C.MAX_CHARS} characters are read)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  load average while measuring: {load:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
