"""Smart dispatch (12345 智慧调度): accuracy on the held-out split and suggestion latency.

    .venv/bin/python bench/bench_dispatch.py            # held-out figures, 5-fold CV, latency
    .venv/bin/python bench/bench_dispatch.py --weights  # the train-split CV that chose GROUP_WEIGHTS
    .venv/bin/python bench/bench_dispatch.py --baseline bc3dfce  # also the model and data of a commit,
                                                        # scored on today's held-out split
    .venv/bin/python bench/bench_dispatch.py --assign-split  # give new rows (empty split) their split

Pure Python, no database: the model is grassroots/demands/classifier.py, trained on the train split
of grassroots/demands/data/labelled_demands.csv and scored on its test split.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import math
import os
import statistics
import subprocess
import sys
import tempfile
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


def assign_split(rows: list[dict]) -> int:
    """Fill the empty ``split`` cells, deterministically: rows that have a split keep it; in each category
    the new rows are ranked by the SHA-1 of their text and the first ones go to ``test`` until the category
    holds round(n / 4) test rows. Returns how many rows were assigned."""
    by_category: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_category[r["category_code"]].append(r)
    assigned = 0
    for members in by_category.values():
        need = round(len(members) / 4) - sum(r["split"] == "test" for r in members)
        new = sorted((r for r in members if not r["split"]),
                     key=lambda r: hashlib.sha1(r["text"].encode()).hexdigest())
        for i, r in enumerate(new):
            r["split"] = "test" if i < need else "train"
            assigned += 1
    return assigned


def rewrite_split(path: Path = C.LABELLED_CSV) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    n = assign_split(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["text", "category_code", "unit_code", "split"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{path}: split assigned to {n} rows")


def baseline_model(rev: str):
    """The classifier module and bundled data of commit ``rev``: its model trained on its own train split."""
    root = Path(__file__).resolve().parent.parent
    tmp = Path(tempfile.mkdtemp(prefix="dispatch-baseline-"))
    (tmp / "data").mkdir()
    for name in ("classifier.py", "data/labelled_demands.csv", "data/categories.csv"):
        blob = subprocess.run(["git", "-C", str(root), "show", f"{rev}:grassroots/demands/{name}"],
                              check=True, capture_output=True).stdout
        (tmp / name).write_bytes(blob)
    spec = importlib.util.spec_from_file_location(f"baseline_classifier_{rev}", tmp / "classifier.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    old_train = module.load_examples("train", path=tmp / "data/labelled_demands.csv")
    model = module.train(old_train, lead_units=module.load_lead_units(tmp / "data/categories.csv"))
    return model, {t for t, _, _ in old_train}


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
    parser.add_argument("--baseline", metavar="REV", help="also score the classifier and data of git commit REV")
    parser.add_argument("--assign-split", action="store_true", help="fill empty split cells of the CSV and stop")
    args = parser.parse_args()
    if args.assign_split:
        rewrite_split()
        return

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
    if args.baseline:
        old, old_train_texts = baseline_model(args.baseline)
        leaked = sum(t in old_train_texts for t, _, _ in test)
        known = [e for e in test if e[1] in old.categories]
        print(row(f"{args.baseline}: same split (n={len(test)})", accuracy(old, test, lead_units)))
        print(row(f"{args.baseline}: its categories (n={len(known)})", accuracy(old, known, lead_units)))
        print(row(f"this model: the same {len(known)}", accuracy(model, known, lead_units)))
        print(f"  ({args.baseline} knows {len(old.categories)} categories; {leaked} held-out texts were in its "
              f"training data)")
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
