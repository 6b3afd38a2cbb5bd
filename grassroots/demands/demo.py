"""Demo data of demands for 翁牛特旗: the units, the category tree, the responsibility list (主体/配合责任),
unit staff accounts and a few hundred demands at every step of the lifecycle.

The category and unit codes are those of the smart-dispatch data (data/categories.csv, data/units.csv), so
the classifier's suggestions name real rows. Units that exist once per township (兽医站, 卫生院, 司法所,
人民政府) are made for each township of the banner, with the township's code in their own code.

``load_demo_demands(actor=…)`` runs once; a second call only adds the units, categories and responsibility lines
that the CSVs gained since (nothing when there are none) and lists the accounts again.
"""

from __future__ import annotations

import csv
import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from grassroots.access.models import User
from grassroots.access.services import create_account
from grassroots.areas.models import Area, Level
from grassroots.audit.context import Actor
from grassroots.core.demo import COUNTY, DEMO_PASSWORD, GUANJING, SAIQIN, WUDAN
from grassroots.demands import services
from grassroots.demands.models import Category, Demand, Responsibility, Unit

DATA = services.__file__.rsplit("/", 1)[0] + "/data"

PER_TOWNSHIP = {"vet_station": "兽医站", "health_center": "卫生院", "township_office": "人民政府",
                "justice_office": "司法所", "police_station": "派出所"}
DEADLINES = {  # (respond, resolve) working days where the default (1, 7) does not fit
    "livestock_health": (1, 3), "medical": (1, 3), "heating_housing": (1, 3), "power": (1, 3),
    "roads": (1, 15), "water": (1, 10), "policy": (1, 3),
}
WISHES = [
    "想给上小学的孙子买一个新书包", "老伴腿脚不好，想要一副助行器", "想要一台收音机听评书",
    "希望有人帮忙把冬天的煤拉回家", "想学用智能手机和孩子视频", "家里的旧电视坏了，想要一台能看新闻的",
    "想给孩子买几本课外书", "想请人帮忙修一修漏风的窗户", "希望过年能写一副春联", "想要一双冬天的棉鞋",
]
# (username, unit code, display name)
UNIT_ACCOUNTS = [
    ("nongmuju", "agriculture_bureau", "旗农牧局 王海"),
    ("gongxiaoshe", "supply_coop", "旗供销合作社 刘芳"),
    ("wudanzf", f"township_office-{WUDAN}", "乌丹镇人民政府 陈刚"),
]


def _rows(name: str) -> list[dict]:
    with open(f"{DATA}/{name}", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _unit_for(code: str, township: Area | None, units: dict[str, Unit]) -> Unit:
    return units[f"{code}-{township.code}"] if code in PER_TOWNSHIP and township is not None else units[code]


def _configure(actor: Actor) -> int:
    """Units, categories and the banner's responsibility list from the bundled CSVs; only what is missing.

    On a fresh database that is everything. On a demo loaded before the catalogue grew (林草局, 派出所, 微心愿 …)
    it adds the new units, the new categories and a responsibility line for every category that has none, and
    leaves what exists (and any edits made to it) alone. Returns how many rows it added.
    """
    county = Area.objects.get(code=COUNTY)
    townships = list(Area.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("code"))
    units: dict[str, Unit] = {u.code: u for u in Unit.objects.all()}
    added = 0
    for row in _rows("units.csv"):
        if row["code"] in PER_TOWNSHIP:
            for t in townships:
                code = f"{row['code']}-{t.code}"
                if code not in units:
                    units[code] = services.create_unit(actor=actor, code=code, name=f"{t.name}{PER_TOWNSHIP[row['code']]}",
                                                       area=t, kind=row["kind"])
                    added += 1
        elif row["code"] not in units:
            name = row["name"] if row["code"] != "pairing_unit" else "旗直机关包联单位"
            units[row["code"]] = services.create_unit(actor=actor, code=row["code"], name=name, area=county,
                                                      kind=row["kind"])
            added += 1
    categories: dict[str, Category] = {c.code: c for c in Category.objects.all()}
    for i, row in enumerate(_rows("categories.csv")):
        if row["code"] in categories:
            continue
        respond, resolve = DEADLINES.get(row["code"], (None, None))
        categories[row["code"]] = services.create_category(
            actor=actor, code=row["code"], name=row["name"], parent=categories.get(row["parent_code"]),
            respond_working_days=respond, resolve_working_days=resolve, sort_order=i)
        added += 1
    routed = set(Responsibility.objects.values_list("category__code", flat=True))
    number = Responsibility.objects.count()
    for row in _rows("categories.csv"):
        if not row["lead_unit_code"] or row["code"] in routed:
            continue
        codes = [row["lead_unit_code"], *[c for c in row["supporting_unit_codes"].split(";") if c]]
        per_township = any(c in PER_TOWNSHIP for c in codes)
        for area in (townships if per_township else [county]):
            number += 1
            added += 1
            township = area if per_township else None
            services.set_responsibility(
                actor=actor, category=categories[row["code"]], area=area,
                lead_unit=_unit_for(codes[0], township, units),
                supporting_units=[_unit_for(c, township, units) for c in codes[1:]],
                item_number=f"{number:03d}", duty=f"{row['name']}方面的群众诉求")
    return added


def _accounts(actor: Actor) -> None:
    for username, unit_code, name in UNIT_ACCOUNTS:
        user = User.objects.filter(username=username).first() or create_account(
            actor=actor, username=username, password=DEMO_PASSWORD, display_name=name)
        services.add_unit_member(actor=actor, unit=Unit.objects.get(code=unit_code), user=user)


def _demands(actor: Actor, *, count: int, seed: int) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    wish_categories = {r["code"] for r in _rows("categories.csv") if r["parent_code"] == "wishes"}
    examples = [r for r in _rows("labelled_demands.csv") if r["category_code"] not in wish_categories]
    rng.shuffle(examples)
    categories = {c.code: c for c in Category.objects.all()}
    county = Area.objects.get(code=COUNTY)
    named = [a for a in Area.objects.filter(level=Level.GRID, path__startswith=county.path)
             if a.parent.code in (SAIQIN, GUANJING)]
    other = list(Area.objects.filter(level=Level.GRID, path__startswith=county.path)
                 .exclude(parent__code__in=[SAIQIN, GUANJING]).order_by("?")[:60])
    channels = [Demand.Channel.GRID_WORKER] * 5 + [Demand.Channel.PAIRING_CADRE] * 2 + [
        Demand.Channel.HOTLINE] * 2 + [Demand.Channel.MEETING, Demand.Channel.PUBLIC]
    for i in range(count):
        example = examples[i % len(examples)]
        grid = rng.choice(named) if i % 2 == 0 or not other else rng.choice(other)
        fate = rng.random()
        # Most of what is still open came in lately; a few are long overdue and escalated.
        age = rng.randint(0, 12) if fate < 0.25 and rng.random() < 0.8 else rng.randint(1, 120)
        received = now - timedelta(days=age, hours=rng.randint(0, 10))
        demand = services.create_demand(
            actor=actor, kind=rng.choice([Demand.Kind.DEMAND] * 8 + [Demand.Kind.COMPLAINT, Demand.Kind.SUGGESTION]),
            text=example["text"], area=grid, channel=rng.choice(channels),
            category=categories.get(example["category_code"]), urgent=rng.random() < 0.12, now=received,
            contact_name=rng.choice(["", "张桂兰", "王德胜", "其木格", "巴雅尔", "刘秀英"]),
            address=f"{grid.parent.name}{grid.name}")
        if demand.lead_unit_id is None or fate < 0.12:
            continue  # received, waiting
        step = received + timedelta(hours=rng.randint(2, 20))
        services.handle(actor=actor, demand=demand, action="accept", now=step)
        if fate < 0.25:
            continue  # in progress (some of these will be overdue)
        done = step + timedelta(days=rng.choice([1, 2, 3, 4, 6, 9, 14]))
        if done >= now:
            continue
        services.handle(actor=actor, demand=demand, action="resolve", now=done,
                        note="已联系群众并办结：" + rng.choice(["上门解决", "协调到位", "已送达", "已维修", "已答复政策"]))
        if fate < 0.35:
            continue  # resolved, waiting for the resident's rating
        rating = rng.choice([5, 5, 5, 5, 4, 4, 4, 3, 2])
        services.rate(actor=actor, demand=demand, rating=rating, now=min(done + timedelta(days=1), now))
    for i, text in enumerate(WISHES):
        grid = named[i % len(named)]
        services.create_demand(actor=actor, kind=Demand.Kind.WISH, text=text, area=grid,
                               channel=Demand.Channel.GRID_WORKER,
                               category=categories["wish_goods" if i % 3 else "wish_help"],
                               now=now - timedelta(days=rng.randint(1, 20)), contact_name=rng.choice(
                                   ["张桂兰", "王德胜", "其木格", "巴雅尔"]))
    claimant = User.objects.filter(username="xiaozu").first()
    if claimant is not None:
        wish = Demand.objects.filter(kind=Demand.Kind.WISH, path__startswith=Area.objects.get(code=SAIQIN).path,
                                     status=Demand.Status.RECEIVED).order_by("id").first()
        if wish is not None:
            services.claim_wish(actor=Actor.system("demo", user=claimant), demand=wish, now=now - timedelta(hours=6))
    services.tick(actor=actor, now=now)  # escalate what is overdue by now, as the scheduled job would have


def load_demo_demands(*, actor: Actor, count: int = 240, seed: int = 2026, progress=print) -> list[tuple[str, str, str]]:
    """Units, categories, the responsibility list, unit staff and ``count`` demands; once.

    Returns the unit staff accounts as (username, role label, unit name), like demo.load_demo's list.
    """
    if not Area.objects.filter(code=COUNTY).exists():
        raise RuntimeError("load the demo region (翁牛特旗) first")
    if not Unit.objects.filter(code="agriculture_bureau").exists():
        progress("载入责任单位、需求分类与翁牛特旗责任清单 …")
        with transaction.atomic():
            _configure(actor)
            _accounts(actor)
        progress(f"生成演示需求（{count} 件）…")
        with transaction.atomic():  # one commit: on SQLite a commit per step would dominate
            _demands(actor, count=count, seed=seed)
    else:
        with transaction.atomic():  # a demo loaded before the catalogue grew gets the new units and categories
            added = _configure(actor)
        if added:
            progress(f"补充责任单位、需求分类与责任清单（{added} 条）")
    units = {u.code: u.name for u in Unit.objects.filter(code__in=[c for _, c, _ in UNIT_ACCOUNTS])}
    return [(username, "单位工作人员", units.get(code, code)) for username, code, _ in UNIT_ACCOUNTS]
