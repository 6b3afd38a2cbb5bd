"""What the points page and API tests share: the demo village's codes, JSON posts with an Idempotency-Key, claim
bodies, reading 422s, and the recorded claims behind the ``points_world`` fixture (grassroots/conftest.py)."""

import json
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grassroots.audit.context import Actor
from grassroots.claims import services as claims_services
from grassroots.ledger.models import LedgerEntry
from grassroots.points.testing import actor, tiny_png

VILLAGE = "150426100223"  # 赛沁塔拉嘎查
GRID1 = "150426100223001"
OTHER_VILLAGE = "150426104204"  # 官井子村
BASE = "/api/points"




def today():
    return timezone.localdate()


def key() -> str:
    return uuid.uuid4().hex


def post(client, url, body, key=None, environ=None, **headers):
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers, **(environ or {}))


def claim_body(rules, people, code="A01", names=("乌云毕力格",), **kw):
    body = {"person_ids": [people[n].pk for n in names], "rule_id": rules[code].pk, "quantity": 1,
            "deed_date": today().isoformat(), "note": ""}
    body.update(kw)
    return body


def field_named(response, field) -> bool:
    """The 422 names ``field``, whether in our {"errors": {...}} shape or Ninja's list of errors."""
    body = response.json()
    if "errors" in body:
        return any(name == field or name.startswith(field + ".") for name in body["errors"])
    return any(field in [str(p) for p in e.get("loc", ())] for e in body["detail"])


def messages(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


def photo():
    return SimpleUploadedFile("deed.png", tiny_png(), content_type="image/png")


def record_today(insider, rules, people, code="A01", names=("乌云毕力格", "张秀兰"), **kw):
    """Record as the grid worker. Fixtures record the same people under A01 today more than once (as
    separate deeds), so the duplicate check is told so; the tests of that check pass False."""
    kw.setdefault("allow_duplicate", True)
    return claims_services.record_claims(actor=actor(insider), person_ids=[people[n].pk for n in names], rule=rules[code],
                                  quantity=kw.pop("quantity", 1), deed_date=kw.pop("deed_date", today()), **kw)


def approve_all(claims, reader, committee, secretary, now=None):
    ids = [c.pk for c in claims]
    claims_services.review_claims(actor=actor(reader), claim_ids=ids, approve=True, now=now)
    claims_services.review_claims(actor=actor(committee), claim_ids=ids, approve=True, now=now)
    return claims_services.review_claims(actor=actor(secretary), claim_ids=ids, approve=True, now=now)["notices"][0]



def make_world(insider, reader, committee, secretary, rules, people, system_actor) -> dict:
    """One of everything: a claim in review, an open notice with an open objection, a posted notice."""
    [in_review] = record_today(insider, rules, people, names=("乌云毕力格",))
    open_notice = approve_all(record_today(insider, rules, people), reader, committee, secretary)
    objection = claims_services.raise_objection(actor=system_actor, line=open_notice.lines.order_by("id").first(),
                                         reason="那天他不在村里", contact_name="王某", contact_phone="13900000000")
    posted = approve_all(record_today(insider, rules, people), reader, committee, secretary)
    claims_services.post_notice(actor=system_actor, notice=posted, now=posted.closes_at)
    entry = LedgerEntry.objects.filter(notice=posted).order_by("seq").first()
    return {"claim": in_review, "open_notice": open_notice, "objection": objection, "posted": posted,
            "entry": entry, "household": people["乌云毕力格"].household, "rule": rules["A01"]}


MOBILE = "13904761234"


def approve_all_notices(claims, reader, committee, secretary) -> list:
    """Approve ``claims`` at every stage; the notices they went on."""
    ids = [c.pk for c in claims]
    for reviewer in (reader, committee, secretary):
        result = claims_services.review_claims(actor=actor(reviewer), claim_ids=ids, approve=True)
    return result["notices"]


def post_claim(client, people, rules, names=("张秀兰",), code="A01", key="k-1", **data):
    """Record through the page, as its form posts."""
    payload = {"people": [people[n].pk for n in names], "rule": rules[code].pk, "quantity": 1,
               "deed_date": today().isoformat(), "note": "", "idempotency_key": key, **data}
    return client.post("/points/record/", payload)


def anonymous_actor() -> Actor:
    return Actor(user=None, name="匿名", ip="10.0.0.9")
