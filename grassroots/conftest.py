"""Shared fixtures. Every scoped test has three actors: an insider who may write, a read-only
member of the same area, and an outsider from another village (who must get 404)."""

from datetime import date

import pytest

from grassroots.audit.context import Actor
from grassroots.core.testing import DIVISIONS, PASSWORD, client_for, make_account


@pytest.fixture(autouse=True, scope="session")
def _flush_past_append_only_triggers():
    """Between transactional tests Django empties every table with TRUNCATE, which the append-only tables
    refuse on PostgreSQL (core/append_only.py). The test database's superuser flushes with triggers off,
    as only a superuser can; the application's role cannot (docs/deploy.md)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with self.connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture(autouse=True)
def _static_without_manifest(settings):
    """Pages render in tests without `collectstatic`; the served app uses the hashed manifest."""
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    # PBKDF2 costs ~0.5 s an account by design; tests create dozens. Log-in behaviour is the same.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def system_actor():
    return Actor.system("test")


@pytest.fixture
def region(db, system_actor):
    """A small real slice of the tree: two villages in two townships, two grids each."""
    from grassroots.areas import services
    from grassroots.areas.models import Area

    services.load_divisions(actor=system_actor, divisions=DIVISIONS)
    services.ensure_default_tags(actor=system_actor)
    areas = {a.name: a for a in Area.objects.all()}
    for village in ("赛沁塔拉嘎查", "官井子村"):
        for n in (1, 2):
            grid = services.create_grid(actor=system_actor, village=areas[village], name=f"第{n}网格", number=n)
            areas[f"{village}{n}"] = grid
    return areas


@pytest.fixture
def households(region, system_actor):
    """One household in 赛沁塔拉嘎查 grid 1 (乌云毕力格's) and one in 官井子村 grid 1."""
    from grassroots.areas import services
    from grassroots.rules.idnumber import make_id_number

    inside = services.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查1"], number="SQ-0001",
                                       address="赛沁塔拉嘎查一组1号")
    services.add_person(actor=system_actor, household=inside, name="乌云毕力格", relation="head",
                        id_number=make_id_number("150426", date(1968, 3, 5), 11), mobile="13904761234",
                        ethnicity="蒙古族", party_status="full", tag_codes=["herder", "subsistence"],
                        mongolian_name=True)
    services.add_person(actor=system_actor, household=inside, name="张秀兰", gender="F", relation="spouse",
                        birth_date=date(1970, 8, 1))
    outside = services.create_household(actor=system_actor, grid=region["官井子村1"], number="GJ-0001",
                                        address="官井子村二组8号")
    services.add_person(actor=system_actor, household=outside, name="单国强", gender="M", relation="head",
                        birth_date=date(1975, 2, 2))
    return {"inside": inside, "outside": outside}


@pytest.fixture
def village(region):
    return region["赛沁塔拉嘎查"]


@pytest.fixture
def homes(households, region, system_actor):
    """SQ-0001 (乌云毕力格's, grid 1), SQ-0002 and SQ-0003 (grid 1), SQ-0004 and SQ-0005 (grid 2) of 赛沁塔拉嘎查;
    GJ-0001 of 官井子村."""
    from grassroots.areas import services as areas

    made = {"SQ-0001": households["inside"], "GJ-0001": households["outside"]}
    for n, (number, name, grid) in enumerate([("SQ-0002", "王建国", 1), ("SQ-0003", "李春梅", 1),
                                              ("SQ-0004", "赵德胜", 2), ("SQ-0005", "孟和", 2)]):
        home = areas.create_household(actor=system_actor, grid=region[f"赛沁塔拉嘎查{grid}"], number=number,
                                      address=f"赛沁塔拉嘎查{n}号")
        areas.add_person(actor=system_actor, household=home, name=name, relation="head", gender="M",
                         birth_date=date(1970, 1, 1))
        made[number] = home
    return made


@pytest.fixture
def insider(region, system_actor):
    """Grid worker of 赛沁塔拉嘎查 grid 1: may read and write there."""
    return make_account("insider", "grid_worker", region["赛沁塔拉嘎查1"], system_actor)


@pytest.fixture
def secretary(region, system_actor):
    """Village secretary of 赛沁塔拉嘎查: may import and export."""
    return make_account("secretary", "village_secretary", region["赛沁塔拉嘎查"], system_actor)


@pytest.fixture
def reader(region, system_actor):
    """Party group leader of 赛沁塔拉嘎查: sees the village, may not change it."""
    return make_account("reader", "party_group_leader", region["赛沁塔拉嘎查"], system_actor)


@pytest.fixture
def outsider(region, system_actor):
    """Village secretary of 官井子村: full rights, but elsewhere."""
    return make_account("outsider", "village_secretary", region["官井子村"], system_actor)


@pytest.fixture
def county_admin(region, system_actor):
    return make_account("countyadmin", "system_admin", region["翁牛特旗"], system_actor)


@pytest.fixture
def committee(region, system_actor):
    """A 两委 member of 赛沁塔拉嘎查: reviews, settles, manages the love supermarket and may void there."""
    return make_account("committee", "village_committee_member", region["赛沁塔拉嘎查"], system_actor)


@pytest.fixture
def cashier(region, system_actor):
    """The love supermarket's cashier of 赛沁塔拉嘎查: redeems there; for points, a member who may only look."""
    return make_account("cashier", "cashier", region["赛沁塔拉嘎查"], system_actor)


@pytest.fixture
def as_committee(committee):
    return client_for(committee)


@pytest.fixture
def as_cashier(cashier):
    return client_for(cashier)


@pytest.fixture
def as_insider(insider):
    return client_for(insider)


@pytest.fixture
def as_secretary(secretary):
    return client_for(secretary)


@pytest.fixture
def as_reader(reader):
    return client_for(reader)


@pytest.fixture
def as_outsider(outsider):
    return client_for(outsider)


@pytest.fixture
def as_county_admin(county_admin):
    return client_for(county_admin)


# ---------------------------------------------------------------- the points apps: a village with a catalogue


@pytest.fixture
def catalogue(region, system_actor):
    from grassroots.points.demo import load_seed_rules

    return load_seed_rules(actor=system_actor, village=region["赛沁塔拉嘎查"], county=region["翁牛特旗"])


@pytest.fixture
def rules(catalogue):
    return {r.code: r for r in catalogue.rules.all()}


@pytest.fixture
def people(households):
    from grassroots.areas.models import Person

    return {p.name: p for p in Person.objects.all()}


# ---------------------------------------------------------------- Points II: a village with a ledger


@pytest.fixture
def coop(region):
    """The banner's rural credit co-operative (a unit whose staff may look up consenting households)."""
    from grassroots.demands.models import Unit

    county = region["翁牛特旗"]
    return Unit.objects.create(code="nxs", name="翁牛特旗农村信用合作联社", kind="other", area=county, path=county.path)


@pytest.fixture
def officer(coop, system_actor):
    """A credit co-operative's loan officer: no role on any area, a member of the co-operative."""
    from grassroots.access.services import create_account
    from grassroots.demands.models import UnitMember

    user = create_account(actor=system_actor, username="xinyong", password="Demo#2026x", display_name="信贷员",
                          roles=[])
    UnitMember.objects.create(unit=coop, user=user)
    return user


@pytest.fixture
def points_world(insider, reader, committee, secretary, rules, people, system_actor, settings, tmp_path):
    """One of everything the points API shows: a claim in review, an open notice with an open objection, a
    posted notice and its ledger entry (grassroots/points/api_testing.py). Photos land in a temporary folder."""
    from grassroots.points.api_testing import make_world

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"
    return make_world(insider, reader, committee, secretary, rules, people, system_actor)


@pytest.fixture
def anonymous():
    from django.test import Client

    return Client()


@pytest.fixture
def notice(insider, rules, people, reader, committee, secretary):
    """An open notice of two approved claims (乌云毕力格, 张秀兰) in the demo village's first grid."""
    from grassroots.points.api_testing import approve_all_notices, record_today

    [notice] = approve_all_notices(record_today(insider, rules, people), reader, committee, secretary)
    return notice


@pytest.fixture
def posted(notice, secretary):
    """``notice`` after its period, posted into the ledger."""
    from grassroots.claims import services as claims_services
    from grassroots.points.testing import actor

    claims_services.post_due_notices(actor=actor(secretary), now=notice.closes_at)
    notice.refresh_from_db()
    return notice


@pytest.fixture
def objection(notice):
    """An open objection to the last line of ``notice``, raised by an anonymous resident."""
    from grassroots.claims import services as claims_services
    from grassroots.points.api_testing import anonymous_actor

    line = notice.lines.order_by("id").last()
    return claims_services.raise_objection(actor=anonymous_actor(), line=line, reason="她那天不在村里",
                                           contact_name="王某", contact_phone="13900000000")


# ---------------------------------------------------------------- demands: units, a small responsibility list for 翁牛特旗


@pytest.fixture
def units(region, system_actor):
    from grassroots.demands import services

    def make(code, name, area, kind="department"):
        return services.create_unit(actor=system_actor, code=code, name=name, area=region[area], kind=kind)

    return {
        "nmj": make("wnt-nmj", "旗农牧局", "翁牛特旗"),
        "gxs": make("wnt-gxs", "旗供销社", "翁牛特旗", "cooperative"),
        "jyzx": make("wnt-jyzx", "旗就业服务中心", "翁牛特旗"),
        "jtj": make("wnt-jtj", "旗交通运输局", "翁牛特旗"),
        "wd-nyzx": make("wd-nyzx", "乌丹镇农业服务中心", "乌丹镇", "township_office"),
        "gdg-nyzx": make("gdg-nyzx", "广德公镇农业服务中心", "广德公镇", "township_office"),
    }


@pytest.fixture
def categories(db, system_actor):
    from grassroots.demands import services

    agri = services.create_category(actor=system_actor, code="agri", name="农牧业生产")
    seeds = services.create_category(actor=system_actor, code="seeds", name="种子化肥", parent=agri,
                                     resolve_working_days=5)
    jobs = services.create_category(actor=system_actor, code="jobs", name="就业创业")
    infra = services.create_category(actor=system_actor, code="infra", name="基础设施", resolve_working_days=10)
    roads = services.create_category(actor=system_actor, code="roads", name="道路", parent=infra)
    wish = services.create_category(actor=system_actor, code="wish-life", name="生活心愿")
    return {"agri": agri, "seeds": seeds, "jobs": jobs, "infra": infra, "roads": roads, "wish": wish}


@pytest.fixture
def responsibilities(region, units, categories, system_actor):
    from grassroots.demands import services

    return [
        services.set_responsibility(actor=system_actor, category=categories["seeds"], area=region["翁牛特旗"],
                                    lead_unit=units["nmj"], supporting_units=[units["gxs"]], item_number="001"),
        services.set_responsibility(actor=system_actor, category=categories["agri"], area=region["乌丹镇"],
                                    lead_unit=units["wd-nyzx"], item_number="002"),
        services.set_responsibility(actor=system_actor, category=categories["jobs"], area=region["翁牛特旗"],
                                    lead_unit=units["jyzx"], item_number="003"),
        services.set_responsibility(actor=system_actor, category=categories["infra"], area=region["翁牛特旗"],
                                    lead_unit=units["jtj"], item_number="004"),
    ]


def unit_user(username, unit, system_actor):
    from grassroots.access.services import create_account
    from grassroots.demands import services

    user = create_account(actor=system_actor, username=username, password=PASSWORD, display_name=username, roles=[])
    services.add_unit_member(actor=system_actor, unit=unit, user=user)
    return user


@pytest.fixture
def handler(units, system_actor):
    """Staff of 旗农牧局: handles the bureau's queue, holds no role on any area."""
    return unit_user("nmj-staff", units["nmj"], system_actor)


@pytest.fixture
def other_handler(units, system_actor):
    """Staff of 旗供销社 (a supporting unit of seeds)."""
    return unit_user("gxs-staff", units["gxs"], system_actor)


@pytest.fixture
def stranger_handler(units, system_actor):
    """Staff of 广德公镇农业服务中心: a unit with nothing to do with 赛沁塔拉嘎查's demands."""
    return unit_user("gdg-staff", units["gdg-nyzx"], system_actor)


@pytest.fixture
def as_handler(handler):
    return client_for(handler)


@pytest.fixture
def township(region, system_actor):
    return make_account("wudan", "township_staff", region["乌丹镇"], system_actor)


@pytest.fixture
def make_demand(region, responsibilities, system_actor):
    """File a demand through the service (in 赛沁塔拉嘎查 grid 1 unless told)."""
    from grassroots.demands import services
    from grassroots.demands.models import Category


    def make(text="牧民需要玉米种子和化肥，春播前送到", *, category="seeds", area="赛沁塔拉嘎查1", kind="demand",
             urgent=False, now=None, channel="grid_worker", **kwargs):
        return services.create_demand(actor=system_actor, kind=kind, text=text, area=region[area], channel=channel,
                                      category=Category.objects.get(code=category) if category else None,
                                      urgent=urgent, now=now, **kwargs)

    return make


# The party registers (party, members, meetings, development, neworgs): the tree of party/testing.py and the
# accounts that keep or oversee it. ``secretary`` (赛沁塔拉嘎查) keeps its village's branch; ``reader`` (its party group
# leader) may only look; ``outsider`` (官井子村's secretary) must get 404 for anything of 赛沁塔拉嘎查's.


@pytest.fixture
def party_world(region, households, system_actor):
    from grassroots.party.testing import build_party_world

    return build_party_world(actor=system_actor, region=region, households=households)


@pytest.fixture
def org_staff(region, system_actor):
    """组织部门 staff of the county: manages the organisation tree and the registers of the whole county."""
    return make_account("orgstaff", "organisation_staff", region["翁牛特旗"], system_actor)


@pytest.fixture
def township_staff(region, system_actor):
    """乌丹镇's staff: looks at the party registers of the township, changes nothing."""
    return make_account("wudanstaff", "township_staff", region["乌丹镇"], system_actor)


@pytest.fixture
def unit_secretary(party_world, system_actor):
    """The secretary of the 旗教育局's branch: holds the role on that organisation, not on an area."""
    from grassroots.access import services

    return services.create_account(actor=system_actor, username="unitsecretary", password=PASSWORD,
                                   display_name="unitsecretary",
                                   roles=[("organisation_secretary", party_world.unit)])


@pytest.fixture
def as_org_staff(org_staff):
    return client_for(org_staff)


@pytest.fixture
def as_township_staff(township_staff):
    return client_for(township_staff)


@pytest.fixture
def as_unit_secretary(unit_secretary):
    return client_for(unit_secretary)


# Pairing: ``cadre`` (于财, no role on any area) is paired with SQ-0001; ``other_cadre`` (于海) with SQ-0004;
# 乌丹镇农业服务中心 with 赛沁塔拉嘎查 (``unit_staff`` works there). The demand routing fixtures come along so
# problems collected on a visit are routed.


@pytest.fixture
def pairing_world(region, homes, units, responsibilities, system_actor):
    from grassroots.pairing.testing import build_pairing_world

    return build_pairing_world(actor=system_actor, region=region, homes=homes, units=units)


@pytest.fixture
def as_cadre(pairing_world):
    return client_for(pairing_world.cadre)


@pytest.fixture
def as_unit_staff(pairing_world):
    return client_for(pairing_world.unit_staff)


# Volunteer service: practice sites of 翁牛特旗 / 乌丹镇 / 赛沁塔拉嘎查, the station's 夕阳红服务队 led by 王建国 (account
# ``leader``, no role), 张秀兰 (account ``volunteer``) in it, 单国强 of 官井子村 (``stranger``), one activity on
# 2026-06-10 09:00–11:00 with two places (volunteers/testing.py).


@pytest.fixture
def volunteer_world(region, homes, system_actor):
    from grassroots.volunteers.testing import build_volunteer_world

    return build_volunteer_world(actor=system_actor, region=region, homes=homes)


@pytest.fixture
def as_leader(volunteer_world):
    return client_for(volunteer_world.leader.user)


@pytest.fixture
def as_volunteer(volunteer_world):
    return client_for(volunteer_world.volunteer.user)


@pytest.fixture
def as_stranger(volunteer_world):
    return client_for(volunteer_world.stranger.user)


# Dashboards: staff of the county (乌丹镇's is ``township_staff`` above); dashboards/testing.py builds the roll-ups.


@pytest.fixture
def county_staff(region, system_actor):
    """旗县干部 of 翁牛特旗: the whole county's dashboard, down to every village."""
    return make_account("county_staff", "county_staff", region["翁牛特旗"], system_actor)


@pytest.fixture
def as_county_staff(county_staff):
    return client_for(county_staff)
