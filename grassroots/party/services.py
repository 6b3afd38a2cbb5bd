"""Writes of the organisation tree. Each public function: keyword-only, one transaction, audited.

Who may: the organisation department (``MANAGE``) shapes the tree, finds organisations weak and accepts their
rectification, publishes the 最强党支部 checklist and decides on evidence; a branch's secretary (``RECORD``)
submits the branch's evidence. Nothing is deleted: a dissolved organisation keeps its row.
"""

import uuid
from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from grassroots.access.scope import authorise, authorise_organisation, refuse, scope_of
from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.photos import stored_photo
from grassroots.core.refusals import Refusal
from grassroots.core.table_import import Rejected, read_upload
from grassroots.party import capabilities as caps
from grassroots.party.models import ModelBranchEvidence, ModelBranchItem, Organisation, Rectification
from grassroots.rules import party_tree
from grassroots.rules.tables import Column, RowError, a_date, choice, text

# What may sit under what (rules/party_tree.py).
ALLOWED_PARENTS = party_tree.ALLOWED_PARENTS
MAX_NAMED = 10  # members or children named in a refusal


def tree_path(*, organisation_id: int, parent: Organisation | None, area: Area) -> str:
    return f"{parent.path if parent is not None else area.path}o{organisation_id}/"


def _check_parent(kind: str, parent: Organisation, *, field: str = "parent") -> None:
    if not party_tree.may_sit_under(kind, parent.kind):
        raise ValidationError({field: f"{Organisation.Kind(kind).label}不能设在{parent.get_kind_display()}“{parent}”之下"})
    if parent.status == Organisation.Status.DISSOLVED:
        raise Refusal({field: f"上级党组织“{parent}”已撤销"})


def _create(*, actor: Actor, name: str, kind: str, area: Area, founded_on: date, parent: Organisation | None,
            host: str, host_name: str, code: str | None, is_cloud_branch: bool) -> Organisation:
    """The create without its check (the import checks every row first)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写党组织名称"})
    if kind not in Organisation.Kind.values:
        raise ValidationError({"kind": f"党组织类别“{kind}”不存在"})
    if host not in Organisation.Host.values:
        raise ValidationError({"host": f"“{host}”不是党组织的建立方式"})
    if parent is not None:
        _check_parent(kind, parent)
        if founded_on < parent.founded_on:
            raise ValidationError({"founded_on": f"成立日期早于上级党组织“{parent}”的成立日期 {parent.founded_on}"})
    code = (code or "").strip() or None
    if code and Organisation.objects.filter(code=code).exists():
        raise Refusal({"code": f"组织代码“{code}”已被使用"})
    organisation = Organisation.objects.create(
        name=name, kind=kind, area=area, parent=parent, host=host, host_name=host_name.strip(), code=code,
        founded_on=founded_on, is_cloud_branch=is_cloud_branch, area_path=area.path,
        path=f"new:{uuid.uuid4().hex}",  # unique until the id is known
    )
    organisation.path = tree_path(organisation_id=organisation.pk, parent=parent, area=area)
    organisation.save(update_fields=["path"])
    record(actor=actor, action="party.organisation.create", obj=organisation, area_path=area.path,
           data={"name": name, "kind": kind, "parent": parent.pk if parent else None})
    return organisation


@transaction.atomic
def create_organisation(*, actor: Actor, name: str, kind: str, area: Area, founded_on: date,
                        parent: Organisation | None = None, host: str = Organisation.Host.AREA, host_name: str = "",
                        code: str | None = None, is_cloud_branch: bool = False) -> Organisation:
    """A new organisation under ``parent`` (or at the top of ``area``). The organisation department creates them;
    a secretary cannot add a sibling of their own."""
    if parent is not None:
        authorise_organisation(actor, caps.MANAGE, parent, seen_with=caps.VIEW)
    else:
        authorise(actor, caps.MANAGE, area.path)
    return _create(actor=actor, name=name, kind=kind, area=area, founded_on=founded_on, parent=parent, host=host,
                   host_name=host_name, code=code, is_cloud_branch=is_cloud_branch)


def _locked(organisation: Organisation) -> Organisation:
    """The organisation read again under its row lock (docs/locking.md: the row being acted on)."""
    return Organisation.objects.select_for_update(of=("self",)).select_related("area", "parent").get(pk=organisation.pk)


@transaction.atomic
def update_organisation(*, actor: Actor, organisation: Organisation, name: str | None = None,
                        code: str | None = None, host_name: str | None = None,
                        is_cloud_branch: bool | None = None) -> Organisation:
    """Change what the organisation is called and coded as; its place in the tree moves with move_organisation."""
    authorise_organisation(actor, caps.MANAGE, organisation, seen_with=caps.VIEW)
    organisation = _locked(organisation)
    changes: dict = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": "请填写党组织名称"})
        changes["name"] = name
    if code is not None:
        code = code.strip() or None
        if code and Organisation.objects.filter(code=code).exclude(pk=organisation.pk).exists():
            raise Refusal({"code": f"组织代码“{code}”已被使用"})
        changes["code"] = code
    if host_name is not None:
        changes["host_name"] = host_name.strip()
    if is_cloud_branch is not None:
        if is_cloud_branch and organisation.kind != Organisation.Kind.BRANCH:
            raise ValidationError({"is_cloud_branch": "只有党支部可以设为云支部"})
        changes["is_cloud_branch"] = is_cloud_branch
    changes = {k: v for k, v in changes.items() if getattr(organisation, k) != v}
    if changes:
        before = {k: getattr(organisation, k) for k in changes}
        for k, v in changes.items():
            setattr(organisation, k, v)
        organisation.save(update_fields=[*changes, "updated_at"])
        record(actor=actor, action="party.organisation.update", obj=organisation,
               data={"before": before, "after": changes})
    return organisation


@transaction.atomic
def move_organisation(*, actor: Actor, organisation: Organisation, parent: Organisation | None) -> Organisation:
    """Put ``organisation`` and everything under it under ``parent`` (None: the top of its area). The subtree's
    ``path``s are rewritten in one UPDATE; nothing else stores them (a secretary's role names the organisation)."""
    authorise_organisation(actor, caps.MANAGE, organisation, seen_with=caps.VIEW)
    if parent is not None:
        authorise_organisation(actor, caps.MANAGE, parent, seen_with=caps.VIEW)
    else:
        authorise(actor, caps.MANAGE, organisation.area_path)
    organisation = _locked(organisation)
    if organisation.status == Organisation.Status.DISSOLVED:
        raise Refusal({"parent": f"“{organisation}”已撤销，不能调整隶属关系"})
    if parent is not None:
        parent = Organisation.objects.get(pk=parent.pk)  # its path as it is now
        if party_tree.is_within(parent.path, organisation.path):
            raise ValidationError({"parent": f"不能把“{organisation}”调到它自己或其下级“{parent}”之下"})
        _check_parent(organisation.kind, parent)
    if organisation.parent_id == (parent.pk if parent else None):
        return organisation
    old_prefix = organisation.path
    new_prefix = tree_path(organisation_id=organisation.pk, parent=parent, area=organisation.area)
    moved = Organisation.objects.filter(path__startswith=old_prefix).update(
        path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1), output_field=CharField()))
    old_parent = organisation.parent_id
    Organisation.objects.filter(pk=organisation.pk).update(parent=parent, updated_at=timezone.now())
    organisation.refresh_from_db()
    record(actor=actor, action="party.organisation.move", obj=organisation,
           data={"from": old_parent, "to": parent.pk if parent else None, "old_path": old_prefix,
                 "new_path": new_prefix, "subtree": moved})
    return organisation


def _named(names: Sequence[str]) -> str:
    shown = "、".join(names[:MAX_NAMED])
    return shown + (f" 等 {len(names)} 个" if len(names) > MAX_NAMED else "")


@transaction.atomic
def dissolve_organisation(*, actor: Actor, organisation: Organisation, dissolved_on: date) -> Organisation:
    """撤销: the organisation stays, with its history, dissolved from ``dissolved_on``. Its members must first be
    transferred (no open membership) and its children dissolved or moved."""
    authorise_organisation(actor, caps.MANAGE, organisation, seen_with=caps.VIEW)
    organisation = _locked(organisation)
    if organisation.status == Organisation.Status.DISSOLVED:
        raise Refusal({"dissolved_on": f"“{organisation}”已于 {organisation.dissolved_on} 撤销"})
    if dissolved_on < organisation.founded_on:
        raise ValidationError({"dissolved_on": f"撤销日期早于成立日期 {organisation.founded_on}"})
    members = list(organisation.memberships.filter(ended_on__isnull=True)
                   .order_by("member__name").values_list("member__name", flat=True))
    if members:
        raise Refusal({"dissolved_on": f"“{organisation}”还有 {len(members)} 名党员的组织关系未转出："
                                               f"{_named(members)}，请先办理转接"})
    children = list(organisation.children.exclude(status=Organisation.Status.DISSOLVED)
                    .order_by("path").values_list("name", flat=True))
    if children:
        raise Refusal({"dissolved_on": f"“{organisation}”还有未撤销的下级党组织：{_named(children)}，"
                                               "请先撤销或调整隶属关系"})
    organisation.status = Organisation.Status.DISSOLVED
    organisation.dissolved_on = dissolved_on
    organisation.save(update_fields=["status", "dissolved_on", "updated_at"])
    record(actor=actor, action="party.organisation.dissolve", obj=organisation,
           data={"dissolved_on": dissolved_on.isoformat()})
    return organisation


# ---------------------------------------------------------------- rectification of weak organisations


@transaction.atomic
def open_rectification(*, actor: Actor, organisation: Organisation, identified_on: date, reasons: str,
                       measures: str = "", responsible: str = "", due_on: date | None = None) -> Rectification:
    """软弱涣散: the organisation is found weak on ``identified_on`` and stays weak until the rectification is
    accepted."""
    authorise_organisation(actor, caps.MANAGE, organisation, seen_with=caps.VIEW)
    organisation = _locked(organisation)
    if organisation.status == Organisation.Status.DISSOLVED:
        raise Refusal({"identified_on": f"“{organisation}”已撤销"})
    reasons = reasons.strip()
    if not reasons:
        raise ValidationError({"reasons": "请填写主要问题"})
    if identified_on < organisation.founded_on:
        raise ValidationError({"identified_on": f"认定日期早于“{organisation}”的成立日期 {organisation.founded_on}"})
    if due_on is not None and due_on < identified_on:
        raise ValidationError({"due_on": "整顿时限不能早于认定日期"})
    if organisation.rectifications.filter(completed_on__isnull=True).exists():
        raise Refusal({"identified_on": f"“{organisation}”已在整顿中，请先验收上一次整顿"})
    last = organisation.rectifications.filter(completed_on__gt=identified_on).order_by("-completed_on").first()
    if last is not None:
        raise ValidationError({"identified_on": f"认定日期早于上一次整顿的验收日期 {last.completed_on}"})
    rectification = Rectification.objects.create(
        organisation=organisation, identified_on=identified_on, reasons=reasons, measures=measures.strip(),
        responsible=responsible.strip(), due_on=due_on, recorded_by=actor.user)
    organisation.status = Organisation.Status.WEAK
    organisation.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="party.rectification.open", obj=rectification, area_path=organisation.path,
           data={"organisation": organisation.pk, "identified_on": identified_on.isoformat()})
    return rectification


@transaction.atomic
def complete_rectification(*, actor: Actor, rectification: Rectification, completed_on: date,
                           result: str = "") -> Rectification:
    """验收: the rectification is accepted on ``completed_on``; the organisation is normal again from that day."""
    organisation = rectification.organisation
    authorise_organisation(actor, caps.MANAGE, organisation, seen_with=caps.VIEW)
    organisation = _locked(organisation)
    rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if rectification.completed_on is not None:
        raise Refusal({"completed_on": f"该整顿已于 {rectification.completed_on} 验收"})
    if completed_on < rectification.identified_on:
        raise ValidationError({"completed_on": f"验收日期不能早于认定日期 {rectification.identified_on}"})
    rectification.completed_on = completed_on
    rectification.result = result.strip()
    rectification.save(update_fields=["completed_on", "result"])
    if organisation.status == Organisation.Status.WEAK:
        organisation.status = Organisation.Status.NORMAL
        organisation.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="party.rectification.complete", obj=rectification, area_path=organisation.path,
           data={"organisation": organisation.pk, "completed_on": completed_on.isoformat()})
    return rectification


# ---------------------------------------------------------------- 最强党支部 (model branch)


def _authorise_department(actor: Actor) -> None:
    """The checklist is the county's: whoever manages organisations somewhere may publish it."""
    if not actor.is_system and not scope_of(actor.user).paths(caps.MANAGE):
        refuse(seen=bool(scope_of(actor.user).paths(caps.VIEW)))


@transaction.atomic
def publish_model_items(*, actor: Actor, year: int, texts: Sequence[str] | None = None) -> list[ModelBranchItem]:
    """The year's 最强党支部 checklist (by default the seed pages' wording, rules/party_tree.SEED_CHECKLIST). It may
    be published again, replacing the items, until a branch has submitted evidence for one."""
    _authorise_department(actor)
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": f"年度“{year}”不正确"})
    texts = [t.strip() for t in (texts if texts is not None else party_tree.SEED_CHECKLIST) if t and t.strip()]
    if not texts:
        raise ValidationError({"texts": "请至少填写一条标准"})
    too_long = [n for n, t in enumerate(texts, 1) if len(t) > 300]
    if too_long:
        raise ValidationError({"texts": f"第 {too_long[0]} 条标准超过 300 字"})
    if ModelBranchEvidence.objects.filter(item__year=year).exists():
        raise Refusal({"texts": f"{year} 年已有党支部提交佐证，标准不能再改"})
    ModelBranchItem.objects.filter(year=year).delete()  # unpublished wording only: no evidence refers to it
    items = ModelBranchItem.objects.bulk_create(
        [ModelBranchItem(year=year, number=n, text=t) for n, t in enumerate(texts, 1)])
    record(actor=actor, action="party.model_item.publish", object_type="party.modelbranchitem", object_id=str(year),
           data={"year": year, "items": texts})
    return items


@transaction.atomic
def submit_evidence(*, actor: Actor, organisation: Organisation, item: ModelBranchItem, note: str,
                    photo=None) -> ModelBranchEvidence:
    """A branch shows what it did for one item (a returned one may be shown again); it waits for the decision."""
    authorise_organisation(actor, caps.RECORD, organisation, seen_with=caps.VIEW)
    if organisation.kind != Organisation.Kind.BRANCH:
        raise Refusal({"item": f"“{organisation}”不是党支部，不参加最强党支部创建"})
    if organisation.status == Organisation.Status.DISSOLVED:
        raise Refusal({"item": f"“{organisation}”已撤销"})
    note = note.strip()
    if not note:
        raise ValidationError({"note": "请填写佐证说明"})
    evidence = (ModelBranchEvidence.objects.select_for_update().filter(organisation=organisation, item=item).first())
    if evidence is not None and evidence.verdict == ModelBranchEvidence.Verdict.ACCEPTED:
        raise Refusal({"item": f"第 {item.number} 条已认定，不需再提交"})
    stored = stored_photo(photo, stem=f"{item.year}-{item.number}-{uuid.uuid4().hex[:12]}")
    if evidence is None:
        evidence = ModelBranchEvidence(organisation=organisation, item=item)
    evidence.note = note
    evidence.verdict = ModelBranchEvidence.Verdict.PENDING
    evidence.verdict_note = ""
    evidence.decided_at = None
    evidence.submitted_by = actor.user
    if stored is not None:
        evidence.photo = stored
    evidence.save()
    record(actor=actor, action="party.evidence.submit", obj=evidence, area_path=organisation.path,
           data={"organisation": organisation.pk, "item": item.pk, "photo": bool(stored)})
    return evidence


@transaction.atomic
def decide_evidence(*, actor: Actor, evidence: ModelBranchEvidence, verdict: str, note: str = "") -> ModelBranchEvidence:
    """The organisation department accepts the evidence or returns it with a note saying what is missing."""
    authorise_organisation(actor, caps.MANAGE, evidence.organisation, seen_with=caps.VIEW)
    evidence = ModelBranchEvidence.objects.select_for_update(of=("self",)).select_related("item").get(pk=evidence.pk)
    Verdict = ModelBranchEvidence.Verdict
    if verdict not in (Verdict.ACCEPTED, Verdict.RETURNED):
        raise ValidationError({"verdict": "请选择认定或退回补充"})
    note = note.strip()
    if verdict == Verdict.RETURNED and not note:
        raise ValidationError({"note": "退回时请写明需要补充的内容"})
    if evidence.verdict != Verdict.PENDING:
        raise Refusal({"verdict": f"该佐证已{evidence.get_verdict_display()}"})
    evidence.verdict = verdict
    evidence.verdict_note = note[:300]
    evidence.decided_at = timezone.now()
    evidence.save(update_fields=["verdict", "verdict_note", "decided_at"])
    record(actor=actor, action="party.evidence.decide", obj=evidence, area_path=evidence.organisation.path,
           data={"verdict": verdict, "note": note})
    return evidence


# ---------------------------------------------------------------- Excel import


KIND_LABELS = {label: value for value, label in Organisation.Kind.choices}
HOST_LABELS = {label: value for value, label in Organisation.Host.choices}
IMPORT_COLUMNS = [
    Column("组织代码", "code", text(40), required=True),
    Column("名称", "name", text(100), required=True),
    Column("类别", "kind", choice(KIND_LABELS), required=True),
    Column("建在", "host", choice(HOST_LABELS), default=Organisation.Host.AREA),
    Column("所在单位", "host_name", text(100)),
    Column("所在区域代码", "area", text(20), required=True),
    Column("上级组织代码", "parent", text(40)),
    Column("成立日期", "founded_on", a_date, required=True),
]
IMPORT_EXAMPLE = ["WNT-150426100223-1", "中共赛沁塔拉嘎查第一支部委员会", "党支部", "地域", "", "150426100223",
                  "WNT-150426100223", "2026-07-01"]


@transaction.atomic
def import_organisations(*, actor: Actor, upload) -> list[Organisation]:
    """Organisations typed in Excel, all or none: every row is checked (its code new, its area and parent within the
    caller's reach, its kind allowed under the parent, which may be an earlier row of the same file) before any is
    written; then all are written in this one transaction."""
    table = read_upload(upload, IMPORT_COLUMNS)
    errors = list(table.errors)
    if errors:
        raise Rejected(errors)
    rows = table.rows
    codes = [r["code"] for r in rows]
    areas = {a.code: a for a in Area.objects.filter(code__in={r["area"] for r in rows})}
    known = {o.code: o for o in Organisation.objects.filter(code__in={*codes, *(r["parent"] for r in rows if r["parent"])})}
    scope = None if actor.is_system else scope_of(actor.user)
    seen: dict[str, dict] = {}  # code → row, for earlier rows of the file

    def may_manage(path: str) -> bool:
        return scope is None or scope.can(caps.MANAGE, path)

    for row in rows:
        n, code, name = row["_row"], row["code"], row["name"]
        who = f"“{name}”"
        if code in seen:
            errors.append(RowError(n, "组织代码", f"{who}的组织代码“{code}”与第{seen[code]['_row']}行重复"))
        elif code in known:
            errors.append(RowError(n, "组织代码", f"{who}的组织代码“{code}”已被“{known[code].name}”使用"))
        area = areas.get(row["area"])
        if area is None:
            errors.append(RowError(n, "所在区域代码", f"{who}的所在区域代码“{row['area']}”不存在"))
        elif not may_manage(area.path):
            errors.append(RowError(n, "所在区域代码", f"{who}所在区域“{area.name}”不在您管理的范围内"))
        if row["host"] != Organisation.Host.AREA and not row["host_name"]:
            errors.append(RowError(n, "所在单位", f"{who}建在{Organisation.Host(row['host']).label}，请填写所在单位"))
        parent_code = row["parent"]
        parent_kind = parent_founded = None
        if parent_code:
            earlier, parent = seen.get(parent_code), known.get(parent_code)
            if parent_code == code:
                errors.append(RowError(n, "上级组织代码", f"{who}的上级不能是它自己"))
            elif earlier is not None:
                parent_kind, parent_founded = earlier["kind"], earlier["founded_on"]
                parent_name = f"第{earlier['_row']}行“{earlier['name']}”"
            elif parent is not None and not may_manage(parent.path) and not may_manage(parent.area_path):
                errors.append(RowError(n, "上级组织代码", f"{who}的上级组织“{parent_code}”不在您管理的范围内"))
                parent = None
            elif parent is not None:
                parent_kind, parent_founded, parent_name = parent.kind, parent.founded_on, f"“{parent.name}”"
                if parent.status == Organisation.Status.DISSOLVED:
                    errors.append(RowError(n, "上级组织代码", f"{who}的上级组织{parent_name}已撤销"))
            else:
                errors.append(RowError(n, "上级组织代码", f"{who}的上级组织代码“{parent_code}”不存在"
                                                       "（上级组织须已登记，或写在本文件中靠前的行）"))
            if parent_code != code and (earlier is not None or parent is not None) and row["kind"] and parent_kind:
                if not party_tree.may_sit_under(row["kind"], parent_kind):
                    errors.append(RowError(n, "类别", f"{who}是{Organisation.Kind(row['kind']).label}，不能设在"
                                                   f"{Organisation.Kind(parent_kind).label}{parent_name}之下"))
                if row["founded_on"] and parent_founded and row["founded_on"] < parent_founded:
                    errors.append(RowError(n, "成立日期", f"{who}的成立日期早于上级组织{parent_name}的成立日期"
                                                       f" {parent_founded}"))
        seen.setdefault(code, row)
    if errors:
        raise Rejected(sorted(errors, key=lambda e: e.row))
    made: dict[str, Organisation] = {}
    for row in rows:
        parent = made.get(row["parent"]) or known.get(row["parent"]) if row["parent"] else None
        made[row["code"]] = _create(
            actor=actor, name=row["name"], kind=row["kind"], area=areas[row["area"]], founded_on=row["founded_on"],
            parent=parent, host=row["host"], host_name=row["host_name"], code=row["code"], is_cloud_branch=False)
    record(actor=actor, action="party.organisation.import", object_type="party.organisation",
           object_id=str(len(made)), data={"codes": codes})
    return list(made.values())
