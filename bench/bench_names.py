"""Synthetic names per second (rules/person_names.py), beside a plain loop over the same number of
random.choice calls in the same run. Target: 200,000 people a second.

    .venv/bin/python bench/bench_names.py [--people 100000]
"""

import argparse
import random
import time

from grassroots.rules.person_names import NameGenerator


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    n = parser.parse_args().people
    person = NameGenerator(1).person
    started = time.perf_counter()
    for _ in range(n):
        person()
    names = n / (time.perf_counter() - started)
    pick, pool = random.Random(1).choice, list(range(100))
    started = time.perf_counter()
    for _ in range(n):
        pick(pool)
    plain = n / (time.perf_counter() - started)
    print(f"synthetic people: {names:,.0f}/s (target 200,000/s); plain random.choice: {plain:,.0f}/s; "
          f"ratio {names / plain:.2f}")


if __name__ == "__main__":
    main()
