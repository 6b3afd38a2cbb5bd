"""Writes to the area tree and the register: keyword-only, one transaction, one audit record."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from grassroots.access.scope import authorise
from grassroots.areas.models import Area, Household, Level, Person, Tag
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.protect import digest, seal
from grassroots.core.refusals import Refusal
from grassroots.rules.divisions import Division
from grassroots.rules.idnumber import IdNumberError, parse_id_number
from grassroots.rules.masking import mask_id_number
from grassroots.rules.mobile import MobileError, normalise_mobile
from grassroots.rules.pinyin import pinyin_keys
from grassroots.rules.roles import EDIT_RESIDENTS

# Audit actions. Stored values predate the ``app.noun.verb`` pattern and are read by value (the audit search,
# the tests), so they stay: ``areas.load_divisions`` and ``areas.create_grid`` (app.verb_noun), and
# ``household.create``, ``person.create``, ``person.update``, ``tags.ensure_defaults`` (no app).
DIVISIONS_LOAD = "areas.load_divisions"
GRID_CREATE = "areas.create_grid"
HOUSEHOLD_CREATE = "household.create"
PERSON_CREATE = "person.create"
PERSON_UPDATE = "person.update"
TAGS_ENSURE_DEFAULTS = "tags.ensure_defaults"


@dataclass(frozen=True)
class ProtectedId:
    sealed: str
    digest: str
    masked: str
    birth_date: date
    gender: str


def protect_id_number(raw: str) -> ProtectedId | None:
    """Validate an ID number and return its stored forms; None when blank. Raises IdNumberError."""
    if not (raw or "").strip():
        return None
    parsed = parse_id_number(raw)
    return ProtectedId(seal(parsed.value), digest(parsed.value), mask_id_number(parsed.value),
                       parsed.birth_date, parsed.gender)


def id_number_digest(raw: str) -> str:
    return digest(parse_id_number(raw).value)


@transaction.atomic
def load_divisions(*, actor: Actor, divisions: list[Division]) -> dict[str, int]:
    """Create the areas that are missing and rename those whose name changed. Idempotent.

    Parents come before children (divisions are in code order and each level's code
    extends its parent's), so every parent's path is known when a child is written.
    """
    existing = {a.code: a for a in Area.objects.only("id", "code", "name", "path")}
    created = renamed = 0
    by_level: dict[str, list[Division]] = {}
    for d in divisions:
        by_level.setdefault(d.level, []).append(d)
    for level in ("region", "prefecture", "county", "township", "village"):
        new = []
        for d in by_level.get(level, []):
            area = existing.get(d.code)
            if area is not None:
                if area.name != d.name:
                    Area.objects.filter(pk=area.pk).update(name=d.name)
                    renamed += 1
                continue
            parent = existing.get(d.parent_code) if d.parent_code else None
            if d.parent_code and parent is None:
                raise ValidationError(f"区划 {d.code} 的上级 {d.parent_code} 不存在")
            new.append(Area(code=d.code, name=d.name, level=level, parent=parent,
                            path=(parent.path if parent else "") + d.code + "/"))
        for area in Area.objects.bulk_create(new, batch_size=1000):
            existing[area.code] = area
        created += len(new)
    if created == 0 and renamed == 0:
        # Nothing changed: no audit record for a no-op re-run.
        return {"created": 0, "renamed": 0}
    record(actor=actor, action=DIVISIONS_LOAD, object_type="areas.area",
           area_path=min((a.path for a in existing.values()), key=len, default=""),
           data={"created": created, "renamed": renamed})
    return {"created": created, "renamed": renamed}


@transaction.atomic
def create_grid(*, actor: Actor, village: Area, name: str, number: int) -> Area:
    authorise(actor, EDIT_RESIDENTS, village.path)
    if village.level != Level.VILLAGE:
        raise ValidationError("网格只能建在嘎查村社区之下")
    code = f"{village.code}{number:03d}"
    grid = Area.objects.create(code=code, name=name, level=Level.GRID, parent=village, path=f"{village.path}{code}/")
    record(actor=actor, action=GRID_CREATE, obj=grid, data={"name": name})
    return grid


@transaction.atomic
def create_household(*, actor: Actor, grid: Area, number: str, address: str) -> Household:
    authorise(actor, EDIT_RESIDENTS, grid.path)
    if grid.level != Level.GRID:
        raise ValidationError("户必须属于一个网格")
    number = number.strip()
    if not number:
        raise ValidationError({"number": "户号不能为空"})
    village = grid.parent
    if Household.objects.filter(village=village, number=number).exists():
        raise Refusal({"number": f"户号 {number} 在本村已存在"})
    household = Household.objects.create(grid=grid, village=village, path=grid.path, number=number,
                                         address=address.strip())
    record(actor=actor, action=HOUSEHOLD_CREATE, obj=household, data={"number": number})
    return household


def person_values(*, name: str, gender: str = "", birth_date: date | None = None, id_number: str = "",
                  mobile: str = "", mongolian_name: bool = False) -> dict:
    """Validated, normalised column values for a person; raises ValidationError naming the field."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "姓名不能为空"
    protected = None
    try:
        protected = protect_id_number(id_number)
    except IdNumberError as e:
        errors["id_number"] = str(e)
    try:
        mobile = normalise_mobile(mobile)
    except MobileError as e:
        errors["mobile"] = str(e)
    if protected and birth_date and protected.birth_date != birth_date:
        errors["birth_date"] = "出生日期与身份证号不一致"
    if protected and gender and protected.gender != gender:
        errors["gender"] = "性别与身份证号不一致"
    if not gender and not protected:
        errors["gender"] = "性别不能为空"
    if errors:
        raise ValidationError(errors)
    full, initials = pinyin_keys(name, has_surname=not mongolian_name)
    values = {"name": name, "name_pinyin": full, "name_initials": initials, "mobile": mobile,
              "gender": gender or protected.gender, "birth_date": birth_date or (protected and protected.birth_date)}
    if protected:
        values.update(id_number_sealed=protected.sealed, id_number_digest=protected.digest,
                      id_number_masked=protected.masked)
    return values


@transaction.atomic
def add_person(*, actor: Actor, household: Household, name: str, gender: str = "", birth_date: date | None = None,
               relation: str = Person.Relation.OTHER, id_number: str = "", mobile: str = "", ethnicity: str = "",
               party_status: str = "", is_mobile_member: bool = False, tag_codes: list[str] = (),
               mongolian_name: bool = False) -> Person:
    authorise(actor, EDIT_RESIDENTS, household.path)
    values = person_values(name=name, gender=gender, birth_date=birth_date, id_number=id_number, mobile=mobile,
                           mongolian_name=mongolian_name)
    if values.get("id_number_digest") and Person.objects.filter(id_number_digest=values["id_number_digest"]).exists():
        raise Refusal({"id_number": "该身份证号已登记"})
    if is_mobile_member and not party_status:
        raise ValidationError({"is_mobile_member": "流动党员须为党员"})
    if relation == Person.Relation.HEAD and household.members.filter(relation=Person.Relation.HEAD).exists():
        raise Refusal({"relation": "该户已有户主"})
    person = Person.objects.create(household=household, path=household.path, relation=relation, ethnicity=ethnicity,
                                   party_status=party_status, is_mobile_member=is_mobile_member, **values)
    tags = list(Tag.objects.filter(code__in=tag_codes))
    if len(tags) != len(set(tag_codes)):
        unknown = set(tag_codes) - {t.code for t in tags}
        raise ValidationError({"tags": f"未知标签：{'、'.join(sorted(unknown))}"})
    person.tags.set(tags)
    record(actor=actor, action=PERSON_CREATE, obj=person, data={"household": household.number, "name": name})
    return person


@transaction.atomic
def update_person(*, actor: Actor, person: Person, mobile: str | None = None, tag_codes: list[str] | None = None,
                  party_status: str | None = None, is_mobile_member: bool | None = None) -> Person:
    authorise(actor, EDIT_RESIDENTS, person.path)
    changed = {}
    if mobile is not None:
        try:
            person.mobile = normalise_mobile(mobile)
        except MobileError as e:
            raise ValidationError({"mobile": str(e)}) from None
        changed["mobile"] = "changed"
    if party_status is not None:
        person.party_status = party_status
        changed["party_status"] = party_status
    if is_mobile_member is not None:
        person.is_mobile_member = is_mobile_member
        changed["is_mobile_member"] = is_mobile_member
    if person.is_mobile_member and not person.party_status:
        raise ValidationError({"is_mobile_member": "流动党员须为党员"})
    person.save()
    if tag_codes is not None:
        tags = list(Tag.objects.filter(code__in=tag_codes))
        if len(tags) != len(set(tag_codes)):
            unknown = set(tag_codes) - {t.code for t in tags}
            raise ValidationError({"tags": f"未知标签：{'、'.join(sorted(unknown))}"})
        person.tags.set(tags)
        changed["tags"] = sorted(t.code for t in tags)
    record(actor=actor, action=PERSON_UPDATE, obj=person, data=changed)
    return person


DEFAULT_TAGS = [
    # (code, name, kind, sensitive)
    ("grid_worker", "网格员", "category", False),
    ("volunteer", "志愿者", "category", False),
    ("liaison_cadre", "包联干部", "category", False),
    ("building_leader", "三户四长", "category", False),
    ("village_cadre", "村干部", "category", False),
    ("subsistence", "低保", "circumstance", True),
    ("poverty_alleviated", "脱贫户", "circumstance", True),
    ("disabled", "残疾", "circumstance", True),
    ("elderly_alone", "独居老人", "circumstance", True),
    ("military_family", "军属", "circumstance", True),
    ("serious_illness", "大病", "circumstance", True),
    ("herder", "牧户", "circumstance", False),
    ("farmer", "种植户", "circumstance", False),
    ("breeder", "养殖户", "circumstance", False),
    ("self_employed", "个体户", "circumstance", False),
]


@transaction.atomic
def ensure_default_tags(*, actor: Actor) -> int:
    created = 0
    for code, name, kind, sensitive in DEFAULT_TAGS:
        _, was_created = Tag.objects.get_or_create(code=code, defaults={"name": name, "kind": kind, "sensitive": sensitive})
        created += was_created
    if created:
        record(actor=actor, action=TAGS_ENSURE_DEFAULTS, object_type="areas.tag", data={"created": created})
    return created
