"""Fixtures of the demands tests: a small responsibility list for 翁牛特旗, units with their staff."""

import io
from datetime import datetime

import pytest
from PIL import Image

from grassroots.access.services import create_account
from grassroots.conftest import PASSWORD, _account, client_for
from grassroots.demands import services
from grassroots.demands.models import Category
from grassroots.rules.sla import LOCAL


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL)


@pytest.fixture
def units(region, system_actor):
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


def _unit_user(username, unit, system_actor):
    user = create_account(actor=system_actor, username=username, password=PASSWORD, display_name=username, roles=[])
    services.add_unit_member(actor=system_actor, unit=unit, user=user)
    return user


@pytest.fixture
def handler(units, system_actor):
    """Staff of 旗农牧局: handles the bureau's queue, holds no role on any area."""
    return _unit_user("nmj-staff", units["nmj"], system_actor)


@pytest.fixture
def other_handler(units, system_actor):
    """Staff of 旗供销社 (a supporting unit of seeds)."""
    return _unit_user("gxs-staff", units["gxs"], system_actor)


@pytest.fixture
def stranger_handler(units, system_actor):
    """Staff of 广德公镇农业服务中心: a unit with nothing to do with 赛沁塔拉嘎查's demands."""
    return _unit_user("gdg-staff", units["gdg-nyzx"], system_actor)


@pytest.fixture
def as_handler(handler):
    return client_for(handler)


@pytest.fixture
def township(region, system_actor):
    return _account("wudan", "township_staff", region["乌丹镇"], system_actor)


@pytest.fixture
def cashier(region, system_actor):
    return _account("cashier", "cashier", region["赛沁塔拉嘎查"], system_actor)


@pytest.fixture
def make_demand(region, responsibilities, system_actor):
    """File a demand through the service (in 赛沁塔拉嘎查 grid 1 unless told)."""

    def make(text="牧民需要玉米种子和化肥，春播前送到", *, category="seeds", area="赛沁塔拉嘎查1", kind="demand",
             urgent=False, now=None, channel="grid_worker", **kwargs):
        return services.create_demand(actor=system_actor, kind=kind, text=text, area=region[area], channel=channel,
                                      category=Category.objects.get(code=category) if category else None,
                                      urgent=urgent, now=now, **kwargs)

    return make


def png_bytes(size=(8, 8), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 40)).save(out, format="JPEG")
    return out.getvalue()
