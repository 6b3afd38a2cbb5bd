"""Scoped data over the whole OpenAPI document: every read that names a row in its path (a household, a person,
a claim, an organisation, a pair, a shop, a demand … ) answers 赛沁塔拉嘎查's secretary for that village's rows and
answers an outsider — 官井子村's secretary, the same role in another village — 404 with the error body, as if the
row did not exist; a read-only member of the village reads what the secretary reads. The routes come from the
document, so a route added later is walked without this file changing. A path with no row here that the secretary
reads (a meeting, a rota, a settlement … the fixtures make none) is listed in the output, not walked: each app's
own API tests hold the three actors for those."""

import re

import pytest

from grassroots.api.api import api
from grassroots.api.testing import bearer
from grassroots.api.tests.conftest import _model_for
from grassroots.catalogue.models import Rule
from grassroots.shop import services as shop_services

# Public by design (masked, no ids of people), and the caller's own account.
PUBLIC = ("/api/points/public/", "/api/demands/public/", "/api/auth/")
# Activities are posted for any volunteer of the banner to sign up (docs/api.md "Pairing and volunteers").
OPEN_TO_ALL_VOLUNTEERS = ("/api/volunteers/activities/{activity_id}/",)
_PARAMETER = re.compile(r"\{(?:\w+:)?(\w+)\}")
# A workbook of a register is an export: the pages give it only to those who may export (403 to a read-only
# member where the page refuses her), never to an outsider.
EXPORTS = ("/xlsx/", "/pdf/")
CANDIDATES = 8  # rows tried per parameter: the first one the secretary reads is the one walked


@pytest.fixture
def scoped_world(world, region, make_demand, system_actor):
    """The fuzzer's world, plus a love supermarket and a demand in the village. A rule is pinned to one of the
    village's own catalogue: the county's template rules are read by every village of the county, by design."""
    village = region["赛沁塔拉嘎查"]
    shop_services.create_shop(actor=system_actor, area=village, name="赛沁塔拉嘎查爱心超市")
    make_demand()
    own_rule = Rule.objects.filter(rule_set__area=village, rule_set__is_template=False).order_by("pk").first()
    return {**world, "pinned": {"rule_id": own_rule.pk}}


def _row_reads() -> list[tuple[str, list[str]]]:
    """(path, its parameters) of every GET whose path names rows, public routes aside."""
    reads = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        names = _PARAMETER.findall(path)
        if "get" in operations and names and not path.startswith(PUBLIC) and path not in OPEN_TO_ALL_VOLUNTEERS:
            reads.append((path, names))
    return reads


def _candidates(name: str, known: dict) -> list:
    if name in known["pinned"]:
        return [known["pinned"][name]]
    if name in known and _model_for(name) is None:
        return [known[name]]  # a code or a token
    model = _model_for(name)
    return list(model.objects.order_by("pk").values_list("pk", flat=True)[:CANDIDATES]) if model else []


def _readable_urls(client, known: dict, paths=None) -> tuple[list[str], list[str]]:
    """The walked URLs (a row the client reads, per path) and the paths with no such row here."""
    urls, unwalked = [], []
    for path, names in paths if paths is not None else _row_reads():
        if len(names) == 1:
            options = [{names[0]: value} for value in _candidates(names[0], known)]
        else:  # a row within a row (a shop's household …): the first of each
            firsts = {name: _candidates(name, known)[:1] for name in names}
            options = [{name: values[0] for name, values in firsts.items()}] if all(firsts.values()) else []
        for values in options:
            url = _PARAMETER.sub(lambda m, values=values: str(values[m.group(1)]), path)
            if client.get(url).status_code == 200:
                urls.append(url)
                break
        else:
            unwalked.append((path, names))
    return urls, unwalked


def test_every_read_of_a_village_row_is_404_to_an_outsider_and_open_to_a_read_only_member(
        scoped_world, secretary, reader, outsider):
    as_secretary, as_reader, as_outsider = bearer(secretary), bearer(reader), bearer(outsider)
    urls, unwalked = _readable_urls(as_secretary, scoped_world)
    leaks, refused = [], []
    for url in urls:
        answer = as_outsider.get(url)
        if answer.status_code != 404 or answer.json().get("code") != "not_found":
            leaks.append(f"{url} → {answer.status_code}")
        status = as_reader.get(url).status_code
        if status != 200 and not (status == 403 and url.endswith(EXPORTS)):
            refused.append(f"{url} → {status}")
    print(f"\n{len(urls)} reads walked; not readable by a village secretary here: "
          f"{', '.join(path for path, _ in unwalked)}")
    assert len(urls) >= 25, f"only {len(urls)} reads answered the secretary: the walk lost its rows"
    assert not leaks, "an outsider reads another village's rows:\n" + "\n".join(leaks)
    assert not refused, "a read-only member of the village cannot read:\n" + "\n".join(refused)

