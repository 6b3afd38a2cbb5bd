"""What the tests of the points apps (catalogue, claims, ledger, settlement, boards) and the shop share:
an actor for a user, the dates they play on, a ledger entry written directly, a settled quarter, test images."""

import base64
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from PIL import Image

from grassroots.audit.context import Actor
from grassroots.claims import services as claims_services
from grassroots.ledger import services as ledger_services
from grassroots.ledger.models import Account, EntryKind, LedgerEntry
from grassroots.settlement import services as settlement_services

GPS_IFD, MAKE, MODEL, ORIENTATION = 0x8825, 0x010F, 0x0110, 0x0112  # EXIF tags


def actor(user):
    return Actor(user=user, name=user.username, ip="127.0.0.1")


TZ = ZoneInfo("Asia/Shanghai")


APRIL = datetime(2026, 4, 3, 10, 0, tzinfo=TZ)  # Q1 2026 has ended


def at(y, m, d):
    return datetime(y, m, d, 10, 0, tzinfo=TZ)


def give(home, points, day, rule=None, key=None):
    """A posted score entry (what the notice job writes), so each test states its ledger directly."""
    version = rule.versions.order_by("-version").first() if rule else None
    kind = EntryKind.AWARD if points > 0 else EntryKind.DEDUCTION
    with transaction.atomic():
        [entry] = ledger_services.append_entries(village=home.village, entries=[LedgerEntry(
            village=home.village, path=home.path, household=home, account=Account.SCORE, kind=kind, points=points,
            rule_version=version, occurred_on=day, posted_at=at(day.year, day.month, day.day),
            idempotency_key=key or f"test:{home.pk}:{day}:{points}:{LedgerEntry.objects.count()}")])
    return entry


def settle(village, secretary, year=2026, quarter=1, now=APRIL):
    """Compute and publish a quarter as the village's secretary."""
    draft = settlement_services.compute_settlement(actor=actor(secretary), village=village, year=year, quarter=quarter, now=now)
    return settlement_services.publish_settlement(actor=actor(secretary), settlement=draft, now=now)


# A 1×1 PNG: enough for an upload that must be an image.
_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def tiny_png() -> bytes:
    return base64.b64decode(_PNG)


TODAY = date(2026, 11, 20)


def record(insider, rules, people, code="A01", names=("乌云毕力格",), quantity=1, **kw):
    return claims_services.record_claims(actor=actor(insider), person_ids=[people[n].pk for n in names], rule=rules[code],
                                  quantity=quantity, deed_date=kw.pop("deed_date", TODAY), today=TODAY, **kw)


def approve_all_stages(claims, reader, committee, secretary):
    ids = [c.pk for c in claims]
    claims_services.review_claims(actor=actor(reader), claim_ids=ids, approve=True)
    claims_services.review_claims(actor=actor(committee), claim_ids=ids, approve=True)
    return claims_services.review_claims(actor=actor(secretary), claim_ids=ids, approve=True)


def on_notice(insider, rules, people, reviewers, names=("乌云毕力格", "张秀兰")):
    claims = record(insider, rules, people, names=names)
    [notice] = approve_all_stages(claims, *reviewers)["notices"]
    return notice


def phone_jpeg() -> bytes:
    """A 40×20 JPEG as a phone writes it: the sensor's landscape pixels (left red, right blue),
    Orientation 6 (show it turned 90° clockwise), the make and model, and a GPS position."""
    image = Image.new("RGB", (40, 20), (255, 0, 0))
    image.paste((0, 0, 255), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[MAKE] = "Xiaomi"
    exif[MODEL] = "Redmi Note 12"
    exif[ORIENTATION] = 6
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (43.0, 36.0, 0.0), 3: "E", 4: (118.0, 3.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()
