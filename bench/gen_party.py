"""A region-sized party register for bench_party.py: Inner Mongolia's organisation tree, 1.5 million members with
ten years of history, a year of meetings and the 两新 census.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        .venv/bin/python bench/gen_party.py --members 1500000 --db grassroots_partybench

PostgreSQL only. What it writes (ids assigned here, rows written with COPY in text format, into the tables as
the migrations make them: every index, check and deferred foreign key in place):

1. Drops and creates the database (``--db``), migrates it, and loads the whole area tree of Inner Mongolia
   (``areas.services.load_divisions`` with ``rules.divisions.read_divisions()``: 15,938 divisions; no grids).
2. The organisation tree, in every county of the chosen leagues (default all 12), as party/models.py documents
   (``path`` = the parent's path + ``o<id>/``, the county committee's = its county's path + ``o<id>/``;
   ``area_path`` = the area's path): a 旗委 per county; a township 党委 per township; a 党支部 per village or
   community with one or two 党小组 (groups sit in the village; grids are not made); 6–12 unit branches per
   county (a few of them 党总支); and the 两新 branches the census below needs (about 0.76 per covered 两新
   organisation: joint branches cover several).
3. Members (``--members``, default 1,500,000): joining dates spread over six decades (1958 → 2026, more of
   them recent), full members a year after joining, ``person`` left NULL. Each member's first membership
   starts on the later of their joining day and their organisation's founding. Over 2016-12-01 … 2026-12-01:
   about 5 % are transferred at least once (a tenth of those twice): a Transfer row with both ends (sent 1–20
   days before it is received), the old span ends the day the new one starts, both rows point at the
   transfer; the new organisation is in the same township for 60 %, the same county for 25 %, anywhere for
   15 %. About 3 % leave (death, transfer out of the region with a Transfer to an outside place, expulsion …):
   ``left_on`` and ``left_reason`` set, the open membership ended that day with reason "left".
4. Meetings of 2026-01 … 2026-11 for every branch and group (rules/meetings.py's rhythm: a branch holds a 支委会
   and a 主题党日 monthly, a 支部党员大会 and a 党课 quarterly; a group a 党小组会 monthly; committees with no
   members of their own owe nothing). Each organisation has a diligence drawn once (half miss 2 % of periods,
   three in ten 8 %, one in five 30 %: about 10 % missed overall); the fourth quarter, current on 2026-12-01,
   is held by then in 70 % of the periods not missed. No attendance rows: a branch of ~95 members would give
   ~30 million of them, and the compliance view counts meetings, not who attended.
5. The 两新 census: about ``--neworgs-per-league`` (1,300) organisations per league, spread over its counties
   (area: one of the county's townships), each with census returns on 2025-12-31 and 2026-06-30 (a third
   qualify: three full members or more, as in seed 004's 437 of 1,332); 78 % of the qualifying ones and 2 % of
   the others are covered by a 两新 branch of their county, about 0.76 branch per covered organisation (seed:
   350 covered by 265; Coverage open since the branch's founding; 8 % of those branches were founded in 2026,
   for the register of newly built organisations); ``--instructors-per-league`` (900) instructors in the county pools, with dispatches to 60 %
   of the qualifying organisations and 10 % of the others (a fifth of those after an earlier dispatch ended);
   developments at the reserve stages: two to four per branch (activist or candidate, with their applicant,
   activist and candidate Steps decided by the 支部委员会).
6. VACUUM ANALYZE, the row count of every table written, and two checks: each member's spans follow one
   another without overlap or gap, and nobody who left keeps an open membership.

It prints the time of each phase and the row counts.
"""

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import fresh_database, server_facts  # noqa: E402

HISTORY_START = date(2016, 12, 1)
HISTORY_END = date(2026, 12, 1)  # the data's "today": nothing happens on or after it
YEAR = 2026
NOW = "2026-12-01 08:00:00+08"
NULL = "\\N"

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = ["建国", "建军", "志远", "海军", "桂英", "秀兰", "玉兰", "淑珍", "丽华", "红梅", "晓东", "晓燕", "文静", "俊杰",
         "宏伟", "国庆", "立新", "春花", "金凤", "巴特尔", "乌云", "其其格", "额尔敦", "斯琴", "那日苏", "图雅",
         "宝音", "苏和", "萨仁", "娜仁", "朝鲁", "哈斯", "敖登", "满都拉", "明", "磊", "静", "伟", "芳", "勇", "杰",
         "强", "军", "平", "刚", "浩", "鑫", "宇", "涛", "超"]
MONGOL_GIVEN = ["巴特尔", "乌云毕力格", "其其格", "额尔敦", "斯琴高娃", "那日苏", "图雅", "宝音", "苏和", "萨仁"]
ETHNICITIES = ["汉族"] * 78 + ["蒙古族"] * 18 + ["回族"] * 2 + ["满族"] * 2
UNITS = ["教育局", "卫生健康委员会", "人民医院", "农牧局", "水利局", "市场监督管理局", "公安局", "人民法院",
         "人民检察院", "财政局", "税务局", "交通运输局", "自然资源局", "住房和城乡建设局", "林业和草原局",
         "民政局", "人力资源和社会保障局", "统计局"]
INDUSTRIES = ["农畜产品加工", "商贸流通", "物流快递", "建筑施工", "餐饮住宿", "新能源", "煤炭", "稀土", "乳业",
              "文化旅游", "社会服务", "行业协会", "民办教育", "民办医疗", "信息技术"]
WORDS = ["草原", "北疆", "金泉", "兴旺", "宏达", "鑫源", "蒙源", "恒通", "天骄", "阳光", "绿野", "福瑞", "瑞丰",
         "塞北", "长青", "利民", "众诚", "通达", "丰泽", "安康"]
TOPICS = {
    "branch_assembly": ["学习贯彻党的二十大精神", "讨论发展党员", "民主评议党员", "通报村务工作"],
    "branch_committee": ["研究月度工作", "研究发展党员", "研究党费收缴", "研究为民办实事"],
    "party_lecture": ["书记讲党课：坚定理想信念", "党章党规专题党课", "铸牢中华民族共同体意识"],
    "theme_day": ["主题党日：重温入党誓词", "主题党日：志愿服务", "主题党日：学习四个一"],
    "group_meeting": ["党小组学习", "党小组议事", "党小组走访群众"],
}
LEFT_REASONS = ["death"] * 75 + ["transferred_out"] * 15 + ["expelled"] * 5 + ["removed"] * 4 + ["withdrew"]
OUTSIDE = ["北京市", "河北省", "辽宁省", "黑龙江省", "陕西省", "山东省", "宁夏回族自治区", "天津市"]


def d(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def line(*values) -> str:
    return "\t".join(NULL if v is None else str(v) for v in values) + "\n"


class Writer:
    """COPY rows in text format, in blocks, through one psycopg connection (one transaction for the run)."""

    def __init__(self, conn):
        self.conn = conn
        self.rows = defaultdict(int)
        self.seconds = defaultdict(float)

    def copy(self, table: str, columns: str, lines) -> None:
        t0 = time.perf_counter()
        n = 0
        with self.conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
            block = []
            for text in lines:
                block.append(text)
                n += 1
                if len(block) >= 20_000:
                    cp.write("".join(block))
                    block = []
            if block:
                cp.write("".join(block))
        self.rows[table] += n
        self.seconds[table] += time.perf_counter() - t0


# ------------------------------------------------------------------------------------------- the tree


class Org:
    __slots__ = ("id", "kind", "host", "area", "parent", "path", "area_path", "founded", "county", "township",
                 "weight", "diligence", "name")

    def __init__(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)


def pick_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def build(args, areas: list[tuple], rng: random.Random) -> dict:
    """Organisations, the census, instructors: all in Python, with ids, before anything is written."""
    by_id = {a[0]: a for a in areas}
    children = defaultdict(list)
    for a in areas:
        children[a[4]].append(a)
    leagues = [a for a in areas if a[3] == "prefecture" and (not args.leagues or a[1] in args.leagues)]
    orgs: list[Org] = []
    next_id = [args.first_id]

    def new_org(**kw) -> Org:
        org = Org(id=next_id[0], weight=0.0, diligence=0.0, township=None, **kw)
        next_id[0] += 1
        parent = kw["parent"]
        org.path = f"{parent.path if parent else kw['area'][5]}o{org.id}/"
        org.area_path = kw["area"][5]
        orgs.append(org)
        return org

    neworgs, coverages, instructors, dispatches, census = [], [], [], [], []
    no_id = [1]
    for league in leagues:
        counties = sorted((a for a in children[league[0]] if a[3] == "county"), key=lambda a: a[1])
        townships_of = {c[0]: sorted((a for a in children[c[0]] if a[3] == "township"), key=lambda a: a[1])
                        for c in counties}
        # The league's census, spread over its counties by number of townships.
        n_league = round(args.neworgs_per_league * rng.uniform(0.95, 1.05))
        county_weights = [max(1, len(townships_of[c[0]])) for c in counties]
        census_county = rng.choices(counties, weights=county_weights, k=n_league)
        for county in counties:
            short = county[2].removesuffix("旗").removesuffix("县").removesuffix("市").removesuffix("区")[:4]
            tops = townships_of[county[0]] or [county]
            committee = new_org(kind="committee", host="area", area=county, parent=None,
                                founded=date(1947 + rng.randrange(10), 10, 1).toordinal(), county=county,
                                name=f"中共{county[2]}委员会")
            # Unit branches.
            for n in range(rng.randint(6, 12)):
                unit = UNITS[n % len(UNITS)]
                org = new_org(kind="general_branch" if n < 2 else "branch", host="unit", area=county,
                              parent=committee, founded=date(1978 + rng.randrange(30), 7, 1).toordinal(),
                              county=county, name=f"中共{county[2]}{unit}{'总支部' if n < 2 else '支部'}委员会")
                org.weight = rng.uniform(20, 80)
            # Township committees, village branches and their groups.
            for township in townships_of[county[0]]:
                tc = new_org(kind="committee", host="area", area=township, parent=committee,
                             founded=date(1958, 9, 1).toordinal(), county=county, name=f"中共{township[2]}委员会")
                for village in sorted((a for a in children[township[0]] if a[3] == "village"), key=lambda a: a[1]):
                    community = village[2].endswith("社区")
                    founded = date(2002, 7, 1) if community else date(1959 + rng.randrange(12), rng.randint(1, 12), 1)
                    branch = new_org(kind="branch", host="area", area=village, parent=tc,
                                     founded=founded.toordinal(), county=county,
                                     name=f"中共{village[2]}支部委员会")
                    branch.township = township
                    branch.weight = rng.uniform(0.3, 2.0) * 95
                    for g in range(rng.choice((1, 2, 2))):
                        new_org(kind="group", host="area", area=village, parent=branch,
                                founded=date(2015, 3, 1).toordinal(), county=county,
                                name=f"{village[2]}第{g + 1}党小组")
            # The county's 两新 organisations, their census returns, and the branches covering a quarter of them.
            mine = []
            for i, _ in enumerate(c for c in census_county if c is county):
                area = rng.choice(tops)
                kind = "enterprise" if rng.random() < 0.85 else "social"
                industry = rng.choice(INDUSTRIES[:10] if kind == "enterprise" else INDUSTRIES[10:])
                registered = date(2017, 1, 1).toordinal() + rng.randrange(3500)
                closed = registered + rng.randrange(200, 3000) if rng.random() < 0.03 else None
                if closed is not None and closed >= HISTORY_END.toordinal():
                    closed = None
                suffix = "有限公司" if kind == "enterprise" else "协会"
                name = f"{short}{rng.choice(WORDS)}{industry}{suffix}（{i + 1:04d}）"
                qualifies = rng.random() < 0.33
                full = rng.randint(3, 20) if qualifies else rng.randint(0, 2)
                employees = max(full + 2, int(rng.lognormvariate(3.2, 1.0)))
                row = [no_id[0], name, f"91{county[1][:6]}{no_id[0]:010d}", kind, industry, area[5],
                       registered, closed, area[0], qualifies, full, employees]
                no_id[0] += 1
                neworgs.append(row)
                mine.append(row)
                for counted in (date(2025, 12, 31).toordinal(), date(2026, 6, 30).toordinal()):
                    if registered <= counted and (closed is None or counted < closed):
                        change = rng.choice((0, 0, 0, 1, -1)) if counted > date(2026, 1, 1).toordinal() else 0
                        f = max(0, full + change)
                        census.append((counted, max(employees, f + 1), f, rng.choice((0, 0, 0, 1)), row[0]))
            covered = [r for r in mine if r[7] is None and rng.random() < (0.78 if r[9] else 0.02)]
            rng.shuffle(covered)
            n_branches = max(1, round(len(covered) * 0.76)) if covered else 0
            branches = []
            for b in range(n_branches):
                first = covered[b]
                founded = max(first[6] + rng.randrange(30, 900), date(2016, 1, 1).toordinal())
                if rng.random() < 0.08 or founded >= date(2026, 11, 1).toordinal():
                    founded = date(2026, 1, 1).toordinal() + rng.randrange(300)
                area = by_id[first[8]]
                joint = b < len(covered) - n_branches
                host = "enterprise" if first[3] == "enterprise" else "social"
                org = new_org(kind="branch", host=host, area=area, parent=committee, founded=founded, county=county,
                              name=f"中共{first[1].split('（')[0]}{'联合' if joint else ''}支部委员会")
                org.weight = 0.0
                branches.append(org)
            for i, row in enumerate(covered):
                org = branches[i] if i < n_branches else rng.choice(branches)
                coverages.append((max(org.founded, row[6] + 1), None, org.id, row[0]))
                org.weight += max(row[10], 1)
            # The instructor pool and its dispatches.
            pool = []
            n_instructors = round(args.instructors_per_league * len(mine) / max(1, n_league))
            for _ in range(max(1, n_instructors)):
                joined = date(2016, 6, 1).toordinal() + rng.randrange(3600)
                left = joined + rng.randrange(200, 2000) if rng.random() < 0.05 else None
                if left is not None and left >= HISTORY_END.toordinal():
                    left = None
                iid = len(instructors) + 1
                instructors.append((iid, pick_name(rng), f"{county[2]}委组织部" if rng.random() < 0.5 else
                                    f"{county[2]}{rng.choice(UNITS)}", rng.choice(("科员", "副科长", "科长", "")),
                                    f"13{rng.randrange(10**9):09d}", county[5], joined, left, county[0]))
                if left is None:
                    pool.append(instructors[-1])
            for row in mine:
                if not pool or row[7] is not None or rng.random() >= (0.6 if row[9] else 0.1):
                    continue
                ins = rng.choice(pool)
                start = max(row[6], ins[6]) + rng.randrange(1, 200)
                if start >= HISTORY_END.toordinal():
                    continue
                if rng.random() < 0.2 and start < date(2025, 1, 1).toordinal():
                    earlier = rng.choice(pool)
                    if earlier is not ins:
                        end = start + rng.randrange(120, 500)
                        if end < HISTORY_END.toordinal():
                            dispatches.append((start, end, earlier[0], row[0]))
                            start = end
                dispatches.append((start, None, ins[0], row[0]))
    return {"orgs": orgs, "neworgs": neworgs, "census": census, "coverages": coverages,
            "instructors": instructors, "dispatches": dispatches}


def write_tree(w: Writer, built: dict) -> None:
    cols = ("id, name, code, kind, host, host_name, area_id, parent_id, path, area_path, founded_on, dissolved_on, "
            "status, is_cloud_branch, created_at, updated_at")
    w.copy("party_organisation", cols, (
        line(o.id, o.name, f"PB-{o.id}", o.kind, o.host,
             o.name.removeprefix("中共").split("支部")[0].split("总支")[0] if o.host != "area" else "",
             o.area[0], o.parent.id if o.parent else None, o.path, o.area_path, d(o.founded), None, "normal",
             "f", NOW, NOW) for o in built["orgs"]))
    w.copy("neworgs_neworganisation", "id, name, credit_code, kind, industry, path, registered_on, closed_on, "
           "created_at, area_id", (
               line(r[0], r[1], r[2], r[3], r[4], r[5], d(r[6]), d(r[7]) if r[7] else None, NOW, r[8])
               for r in built["neworgs"]))
    w.copy("neworgs_censusreturn", "counted_on, employees, full_members, probationary_members, new_organisation_id",
           (line(d(c[0]), c[1], c[2], c[3], c[4]) for c in built["census"]))
    w.copy("neworgs_coverage", "started_on, ended_on, organisation_id, new_organisation_id",
           (line(d(c[0]), None, c[2], c[3]) for c in built["coverages"]))
    w.copy("neworgs_instructor", "id, name, employer, title, mobile, path, joined_on, left_on, area_id, person_id",
           (line(i[0], i[1], i[2], i[3], i[4], i[5], d(i[6]), d(i[7]) if i[7] else None, i[8], None)
            for i in built["instructors"]))
    w.copy("neworgs_dispatch", "started_on, ended_on, instructor_id, new_organisation_id",
           (line(d(x[0]), d(x[1]) if x[1] else None, x[2], x[3]) for x in built["dispatches"]))


# ------------------------------------------------------------------------------------------- members


def write_members(w: Writer, orgs: list[Org], n_members: int, rng: random.Random, chunk: int = 100_000) -> dict:
    holders = [o for o in orgs if o.weight > 0]
    cum, total = [], 0.0
    for o in holders:
        total += o.weight
        cum.append(total)
    by_township = defaultdict(list)
    by_county = defaultdict(list)
    for o in holders:
        if o.township is not None:
            by_township[o.township[0]].append(o)
        by_county[o.county[0]].append(o)
    lo, hi = date(1958, 1, 1).toordinal(), HISTORY_END.toordinal() - 1
    mode = date(2012, 1, 1).toordinal()
    start, end = HISTORY_START.toordinal(), HISTORY_END.toordinal()
    stats = defaultdict(int)
    member_id, membership_id, transfer_id = 1, 1, 1
    done = 0
    while done < n_members:
        size = min(chunk, n_members - done)
        homes = rng.choices(holders, cum_weights=cum, k=size)
        members, memberships, transfers = [], [], []
        for org in homes:
            joined = int(rng.triangular(lo, hi, mode))
            age = rng.randint(18, 40)
            birth = joined - age * 365 - rng.randrange(365)
            full = joined + 365 if joined + 365 < end else None
            gender = "M" if rng.random() < 0.7 else "F"
            ethnicity = rng.choice(ETHNICITIES)
            name = rng.choice(SURNAMES) + (rng.choice(MONGOL_GIVEN) if ethnicity == "蒙古族" else rng.choice(GIVEN))
            spans = []  # [org, started, ended, end_reason, transfer_id]
            s = max(joined, org.founded)
            spans.append([org, s, None, "", None])
            # Transfers in the ten years.
            if rng.random() < 0.05:
                moves = 2 if rng.random() < 0.1 else 1
                for _ in range(moves):
                    cur = spans[-1]
                    first = max(start, cur[1] + 30)
                    if first >= end - 30:
                        break
                    t = rng.randrange(first, end - 1)
                    r = rng.random()
                    pool = (by_township.get(cur[0].township[0]) if r < 0.6 and cur[0].township else None) \
                        or (by_county[cur[0].county[0]] if r < 0.85 else None) or holders
                    target = rng.choice(pool)
                    if target is cur[0]:
                        target = rng.choice(holders)
                    if target is cur[0] or target.founded >= t:
                        break
                    sent = t - rng.randint(1, 20)
                    transfers.append(line(transfer_id, "", "", f"内组转〔{date.fromordinal(t).year}〕{transfer_id}号",
                                          d(sent), d(t), "received", "", NOW, cur[0].id, member_id, None, None,
                                          target.id))
                    cur[2], cur[3], cur[4] = t, "transfer", transfer_id
                    spans.append([target, t, None, "", transfer_id])
                    transfer_id += 1
                    stats["transferred_spans"] += 1
                stats["members_transferred"] += len(spans) > 1
            left_on, left_reason = None, ""
            last = spans[-1]
            if rng.random() < 0.03 and max(start, last[1] + 1) < end - 1:
                left_on = rng.randrange(max(start, last[1] + 1), end - 1)
                left_reason = rng.choice(LEFT_REASONS)
                last[2], last[3] = left_on, "left"
                if left_reason == "transferred_out":
                    transfers.append(line(transfer_id, "", rng.choice(OUTSIDE) + "某党组织",
                                          f"内组转〔{date.fromordinal(left_on).year}〕{transfer_id}号",
                                          d(left_on - rng.randint(1, 20)), d(left_on), "received", "", NOW,
                                          last[0].id, member_id, None, None, None))
                    last[4] = transfer_id
                    transfer_id += 1
                if full is not None and full > left_on:
                    full = None
                stats["members_left"] += 1
            members.append(line(member_id, name, gender, d(birth), ethnicity, f"1{rng.randrange(3, 10)}"
                                f"{rng.randrange(10**9):09d}", d(joined), d(full) if full else None,
                                d(left_on) if left_on else None, left_reason, NOW, NOW, None))
            for o, st, en, reason, tid in spans:
                memberships.append(line(membership_id, d(st), d(en) if en else None, reason, member_id, o.id, tid))
                membership_id += 1
            member_id += 1
        w.copy("members_member", "id, name, gender, birth_date, ethnicity, mobile, joined_on, full_on, left_on, "
               "left_reason, created_at, updated_at, person_id", members)
        w.copy("members_transfer", "id, from_outside, to_outside, letter_number, sent_on, received_on, status, note, "
               "created_at, from_organisation_id, member_id, received_by_id, sent_by_id, to_organisation_id",
               transfers)
        w.copy("members_membership", "id, started_on, ended_on, end_reason, member_id, organisation_id, transfer_id",
               memberships)
        done += size
        print(f"  … {done:,} / {n_members:,} members", flush=True)
    return stats


# ------------------------------------------------------------------------------------------- meetings


def month_start(m: int) -> int:
    return date(YEAR, m, 1).toordinal()


def month_end(m: int) -> int:
    return (date(YEAR + 1, 1, 1) if m == 12 else date(YEAR, m + 1, 1)).toordinal() - 1


def meetings(orgs: list[Org], rng: random.Random):
    """(organisation, kind, held_on) of 2026-01 … 2026-11: each owed period held unless missed."""
    last_day = HISTORY_END.toordinal() - 1
    for o in orgs:
        if o.kind == "group":
            rhythm = (("group_meeting", "month"),)
        elif o.kind == "branch" or (o.kind == "general_branch" and o.weight > 0):
            rhythm = (("branch_assembly", "quarter"), ("branch_committee", "month"),
                      ("party_lecture", "quarter"), ("theme_day", "month"))
        else:
            continue
        miss = rng.choice((0.02, 0.02, 0.02, 0.02, 0.02, 0.08, 0.08, 0.08, 0.30, 0.30))
        for kind, frequency in rhythm:
            periods = [(month_start(m), month_end(m)) for m in range(1, 12)] if frequency == "month" else \
                [(month_start(q * 3 + 1), month_end(q * 3 + 3)) for q in range(4)]
            for first, last in periods:
                if first < o.founded:
                    continue
                if rng.random() < miss:
                    continue
                if last > last_day:  # the current quarter: not all held yet
                    if rng.random() < 0.3:
                        continue
                    last = last_day
                yield o, kind, rng.randint(first, last)
                if rng.random() < 0.03:
                    yield o, kind, rng.randint(first, last)


def write_meetings(w: Writer, orgs: list[Org], rng: random.Random) -> None:
    places = ("党员活动室", "村委会会议室", "党群服务中心", "线上（云支部）")
    rows = (line(kind, d(day), rng.choice(places), rng.choice(TOPICS[kind]), "", NOW, o.id, None)
            for o, kind, day in meetings(orgs, rng))
    w.copy("meetings_meeting", "kind, held_on, place, topic, minutes, created_at, organisation_id, recorded_by_id",
           rows)


def write_developments(w: Writer, orgs: list[Org], rng: random.Random) -> None:
    developments, steps = [], []
    dev_id = 1
    end = HISTORY_END.toordinal()
    for o in orgs:
        if o.kind not in ("branch", "general_branch") or o.weight <= 0:
            continue
        for _ in range(rng.randint(2, 4) if o.host in ("area", "unit") else rng.randint(1, 3)):
            stage = "activist" if rng.random() < 0.6 else "candidate"
            activist = end - rng.randrange(30, 1100) if stage == "activist" else end - rng.randrange(400, 1500)
            applied = activist - rng.randrange(30, 180)
            candidate = activist + 365 + rng.randrange(0, 200) if stage == "candidate" else None
            if candidate is not None and candidate >= end:
                candidate = end - 1
            birth = applied - rng.randint(18, 35) * 365 - rng.randrange(365)
            developments.append(line(dev_id, pick_name(rng), "M" if rng.random() < 0.6 else "F", d(birth), stage,
                                     d(applied), NOW, None, o.id, None))
            steps.append(line("applicant", d(applied), "", "", NOW, dev_id, None, None))
            steps.append(line("activist", d(activist), "支部委员会", "", NOW, dev_id, None, None))
            if candidate is not None:
                steps.append(line("candidate", d(candidate), "支部委员会", "", NOW, dev_id, None, None))
            dev_id += 1
    w.copy("development_development", "id, name, gender, birth_date, stage, applied_on, created_at, member_id, "
           "organisation_id, person_id", developments)
    w.copy("development_step", "stage, decided_on, decided_by, note, created_at, development_id, meeting_id, "
           "recorded_by_id", steps)


# ------------------------------------------------------------------------------------------- main

TABLES = ("areas_area", "party_organisation", "members_member", "members_membership", "members_transfer",
          "meetings_meeting", "meetings_attendance", "neworgs_neworganisation", "neworgs_censusreturn",
          "neworgs_coverage", "neworgs_instructor", "neworgs_dispatch", "development_development", "development_step")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_500_000)
    parser.add_argument("--league", action="append", dest="leagues", metavar="CODE",
                        help="12-digit league (盟市) code; repeat for several; default all 12")
    parser.add_argument("--neworgs-per-league", type=int, default=1300)
    parser.add_argument("--instructors-per-league", type=int, default=900)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--db", default="grassroots_bench_party", help="name of the database to (re)create")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    t_start = time.perf_counter()
    bench_url = fresh_database(url, args.db)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    from grassroots.areas.services import load_divisions
    from grassroots.audit.context import Actor
    from grassroots.rules.divisions import read_divisions

    call_command("migrate", verbosity=0)
    facts = server_facts(connection.connection)
    print(f"database {args.db} on PostgreSQL {facts['server']}; fsync={facts['fsync']} "
          f"synchronous_commit={facts['synchronous_commit']} shared_buffers={facts['shared_buffers']}; "
          f"{os.cpu_count()} cores (shared with the server)", flush=True)
    phases = {"drop, create, migrate": time.perf_counter() - t_start}

    t0 = time.perf_counter()
    load_divisions(actor=Actor.system("gen_party"), divisions=read_divisions())
    connection.close()
    phases["areas (load_divisions)"] = time.perf_counter() - t0

    rng = random.Random(args.seed)
    t_gen = time.perf_counter()
    with psycopg.connect(bench_url) as conn:
        areas = conn.execute("SELECT id, code, name, level, parent_id, path FROM areas_area ORDER BY code").fetchall()
        args.first_id = (conn.execute("SELECT coalesce(max(id), 0) FROM party_organisation").fetchone()[0]) + 1
        for table in ("members_member", "members_membership", "members_transfer", "neworgs_neworganisation",
                      "neworgs_instructor", "development_development"):
            if conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:
                sys.exit(f"{table} is not empty")
        w = Writer(conn)
        t0 = time.perf_counter()
        built = build(args, areas, rng)
        phases["organisations and census made in Python"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_tree(w, built)
        phases["organisations and census written"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        stats = write_members(w, built["orgs"], args.members, rng)
        phases["members, memberships, transfers (made + COPY)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_meetings(w, built["orgs"], rng)
        phases["meetings (made + COPY)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_developments(w, built["orgs"], rng)
        phases["developments and steps (made + COPY)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.commit()  # the deferred foreign keys are checked here
        phases["commit (deferred foreign-key checks)"] = time.perf_counter() - t0
        for table in ("party_organisation", "members_member", "members_membership", "members_transfer",
                      "neworgs_neworganisation", "neworgs_instructor", "development_development"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        generated = time.perf_counter() - t_gen
        t0 = time.perf_counter()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        phases["VACUUM ANALYZE"] = time.perf_counter() - t0
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        # The history must hold together: per member, each span starts the day the previous one ended.
        t0 = time.perf_counter()
        broken = conn.execute("""
            SELECT count(*) FROM (SELECT member_id, started_on, lag(ended_on) OVER w AS previous_end,
                                         lag(member_id) OVER w AS previous_member
                                  FROM members_membership WINDOW w AS (PARTITION BY member_id ORDER BY started_on)) s
            WHERE previous_member IS NOT NULL AND (previous_end IS NULL OR previous_end <> started_on)""").fetchone()[0]
        left_open = conn.execute("""
            SELECT count(*) FROM members_member m WHERE m.left_on IS NOT NULL
              AND EXISTS (SELECT 1 FROM members_membership s WHERE s.member_id = m.id AND s.ended_on IS NULL)"""
                                 ).fetchone()[0]
        phases["checks (spans chain, leavers closed)"] = time.perf_counter() - t0
        open_members = conn.execute("SELECT count(*) FROM members_membership WHERE ended_on IS NULL").fetchone()[0]

    total = time.perf_counter() - t_start
    print()
    print(f"{'phase':52} {'seconds':>8}")
    for name, seconds in phases.items():
        print(f"{name:52} {seconds:8.1f}")
    print(f"{'generation (organisations … commit)':52} {generated:8.1f}")
    print(f"{'end to end':52} {total:8.1f}")
    print()
    print(f"{'table':30} {'rows':>12} {'COPY s':>8} {'rows/s':>10}")
    for t in TABLES:
        s = w.seconds.get(t)
        rate = f"{w.rows[t] / s:,.0f}" if s else ""
        print(f"{t:30} {counts[t]:12,} {s or 0:8.1f} {rate:>10}")
    print()
    print(f"members transferred at least once: {stats['members_transferred']:,} "
          f"({stats['members_transferred'] / args.members:.1%}), transfers between organisations: "
          f"{stats['transferred_spans']:,}; members who left: {stats['members_left']:,} "
          f"({stats['members_left'] / args.members:.1%}); open memberships: {open_members:,}; database size {size}")
    print(f"checks: spans overlapping or leaving a gap: {broken}; members who left with an open membership: "
          f"{left_open}")
    if broken or left_open:
        sys.exit("the generated history does not hold together")


if __name__ == "__main__":
    main()
